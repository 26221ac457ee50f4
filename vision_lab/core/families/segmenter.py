"""The segmenter: a U-Net that gives every pixel a class (vision_lab/core/models/unet.py), trained on scenes.

Its loss is per-pixel cross-entropy, plus ``dice`` times the soft Dice loss (which weighs each class alike, where
cross-entropy is nine-tenths background); it is judged by the validation mIoU (vision_lab/core/segmentation.py).
Exported whole: N×C×H×W images in [0, 1] -> N×K×H×W logits, the argmax over K the predicted mask.

Its defaults (depth 4, width 16, batch norm, Dice 0.5, Adam 2e-3 with the cosine schedule, batch 16, 8 epochs) were
tuned on mnist-scenes (4,000 training scenes, 11 classes) on the project's shared 2-core CPU, one thread: validation
mIoU 0.755 after 5 epochs (261 s) and 0.789 after 8 (384 s, 325 CPU-seconds). Batch 16 learned much faster per epoch
than batch 32 (0.38-0.52 against 0.22-0.25 after 2 epochs, three runs); at batch 32 it took 9 epochs to pass 0.75.
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vision_lab.core.errors import ConfigError
from vision_lab.core.families.base import ExportSpec, Family, Knob, Metric, ScriptParts
from vision_lab.core.i18n import N_, t
from vision_lab.core.validate import check_range

if TYPE_CHECKING:
    from torch import nn

    from vision_lab.core.config import ExperimentConfig

KEY = "segmenter"


@dataclass(frozen=True)
class SegmenterConfig:
    depth: int = 4
    """Encoder levels: each halves the map (64 -> 4 at depth 4), so the image's sides must divide by 2**depth."""
    width: int = 16
    """Channels of the first level; each deeper level doubles them, up to 8× this."""
    batch_norm: bool = True
    dilation: bool = True
    """The bottleneck's two convolutions dilated 2 and 4: a receptive field that sees a whole digit, whose class
    every one of its pixels needs. It matters at shallow depths: at depth 4 a 64×64 scene's bottleneck is 4×4 and
    sees the whole canvas anyway (the default runs had it on; runs without it were not measured)."""
    dice: float = 0.5
    """Weight of the soft Dice loss added to the cross-entropy (0: cross-entropy alone)."""

    def validate(self) -> None:
        check_range(f"{KEY}.depth", self.depth, 2, 5)
        check_range(f"{KEY}.width", self.width, 2, 256)
        check_range(f"{KEY}.dice", self.dice, 0.0, 10.0)
        for name in ("batch_norm", "dilation"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(
                    t(
                        "segmenter.bool",
                        "{name} must be true or false, got {value}.",
                        name=f"{KEY}.{name}",
                        value=repr(getattr(self, name)),
                    ),
                    key=f"{KEY}.{name}",
                )


def _build(cfg: SegmenterConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.unet import UNet

    model = UNet(image_shape[2], num_classes, cfg.depth, cfg.width, cfg.batch_norm, cfg.dilation)
    return {"model": model}


def _check_fit(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> None:
    h, w = image_shape[0], image_shape[1]
    depth = cfg.section(KEY).depth
    factor = 2**depth
    if h % factor == 0 and w % factor == 0:
        return
    fits = [d for d in range(2, 6) if h % 2**d == 0 and w % 2**d == 0]
    raise ConfigError(
        t(
            "segmenter.does_not_fit",
            "A U-Net of depth {depth} halves the images {depth} times, so their height and width must be multiples "
            "of {factor}, but they are {h}×{w}: {advice}.",
            depth=depth,
            factor=factor,
            h=h,
            w=w,
            advice=(
                t("segmenter.fit_depth", "use depth {depth} or less", depth=max(fits))
                if fits
                else t("segmenter.fit_size", "use images whose sides are multiples of 4 (data.image_size)")
            ),
        ),
        key=f"{KEY}.depth",
    )


def _batch_norm_need(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> tuple[int, str, bool] | None:
    s = cfg.section(KEY)
    if not s.batch_norm:
        return None
    # The bottleneck's map is the smallest one a batch norm sees.
    values = (image_shape[0] >> s.depth) * (image_shape[1] >> s.depth)
    return max(1, values), f"the U-Net's bottleneck (a {values}-pixel map)", True


def _defaults(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(
        data=dataclasses.replace(cfg.data, name="mnist-scenes"),
        optim=dataclasses.replace(cfg.optim, name="adam", lr=2e-3),
        train=dataclasses.replace(cfg.train, epochs=8, batch_size=16, augment_shift=0),
    )


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    tiny = SegmenterConfig(depth=2, width=4, batch_norm=True, dilation=True, dice=0.5)
    return cfg.replace(segmenter=tiny, data=dataclasses.replace(cfg.data, count=96, image_size=32))


_RUN = """

def run(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    logits = model(x)
    masks = logits.argmax(1)
    for i, mask in enumerate(masks):
        found = [CLASS_NAMES[int(k)] for k in mask.unique() if int(k) != 0]
        print(f"image {i}: {', '.join(found) or 'only background'}")
    return logits
"""


def _script(module: nn.Module, chw: tuple[int, int, int], class_names: tuple[str, ...]) -> ScriptParts:
    """The U-Net's own classes, copied from their source (plain PyTorch), and ``build_model()`` at its shape."""
    from vision_lab.core.models import unet
    from vision_lab.core.script_code import IMAGES_DEMO

    c, h, w = chw
    first = module.downs[0].body[0]
    batch_norm = any(type(m).__name__ == "BatchNorm2d" for m in module.modules())
    dilation = module.bottleneck.body[0].dilation[0] > 1
    args = (
        f"{c}, {len(class_names)}, depth={len(module.downs)}, width={first.out_channels}, "
        f"batch_norm={batch_norm}, dilation={dilation}"
    )
    classes = "\n\n".join(inspect.getsource(o) for o in (unet.DoubleConv, unet.Up, unet.UNet))
    return ScriptParts(
        body=f"{classes}\n\ndef build_model() -> nn.Module:\n    return UNet({args})\n",
        doc=(
            f"Input: N×{c}×{h}×{w} images in [0, 1] (uint8 / 255). Output: N×{len(class_names)}×{h}×{w} logits; "
            "their argmax over dimension 1 is each pixel's class in CLASS_NAMES (0: the background)."
        ),
        demo=IMAGES_DEMO + _RUN,
    )


FAMILY = Family(
    key=KEY,
    title=N_("family.segmenter.title", "U-Net segmenter"),
    config=SegmenterConfig,
    build=_build,
    task="vision_lab.core.segmentation:SegmenterTask",
    target="mask",
    preview="segmentation",
    metrics=(
        Metric("train_loss", N_("metric.train_loss", "train loss"), loss=True, color="#3d8bfd"),
        Metric("val_loss", N_("metric.val_loss", "val loss"), loss=True, epoch_only=True, color="#f59f00"),
        Metric(
            "val_miou",
            N_("metric.val_miou", "val mIoU"),
            epoch_only=True,
            percent=True,
            higher_is_better=True,
            color="#2fb344",
            right=True,
        ),
        Metric(
            "val_pixel_accuracy",
            N_("metric.val_pixel_accuracy", "val pixel accuracy"),
            epoch_only=True,
            percent=True,
            higher_is_better=True,
            color="#ae3ec9",
            right=True,
        ),
    ),
    plotted=("train_loss", "val_loss", "val_miou"),
    headline="val_miou",
    # What Inspect's generic code can do with any module: gradient and weight norms, dead ReLUs. Probabilities,
    # saliency and the confusion view all assume one class per image.
    capabilities=frozenset({"health", "segment"}),
    export=ExportSpec(modules=("model",), input_name="images", output_name="logits", script=_script),
    knobs=(
        Knob(
            f"{KEY}.depth",
            N_("knob.segmenter.depth", "Depth (encoder levels)"),
            N_("knob.segmenter.depth.short", "depth"),
        ),
        Knob(f"{KEY}.width", N_("knob.segmenter.width", "Base width"), N_("knob.segmenter.width.short", "width")),
        Knob(
            f"{KEY}.batch_norm",
            N_("knob.segmenter.batch_norm", "Batch norm"),
            N_("knob.segmenter.batch_norm.short", "batch norm"),
        ),
        Knob(
            f"{KEY}.dilation",
            N_("knob.segmenter.dilation", "Dilated bottleneck"),
            N_("knob.segmenter.dilation.short", "dilation"),
        ),
        Knob(f"{KEY}.dice", N_("knob.segmenter.dice", "Dice loss weight"), N_("knob.segmenter.dice.short", "dice")),
    ),
    defaults=_defaults,
    tiny=_tiny,
    check_fit=_check_fit,
    batch_norm_need=_batch_norm_need,
)
