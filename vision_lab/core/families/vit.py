"""The Vision Transformer classifier: patches -> tokens -> attention blocks -> class logits
(vision_lab/core/models/vit.py).

Its defaults are tuned for 4,500 digits on a laptop's CPU (see the README's figures): patch 7 (16 tokens and the
class token), width 64, 4 pre-norm blocks of 4 heads, no dropout, AdamW with weight decay 0.05, a cosine schedule
and random shifts of up to 2 pixels. A transformer has none of a CNN's built-in notion of neighbouring pixels; on so few
images the shifts are what lets it come close to a CNN.
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vision_lab.core.errors import ConfigError
from vision_lab.core.families import classifier
from vision_lab.core.families.base import ExportSpec, Family, Knob, ScriptParts
from vision_lab.core.i18n import N_
from vision_lab.core.validate import check_range

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.families.base import BareStep


@dataclass(frozen=True)
class ViTConfig:
    patch: int = 7
    """Side of the square patches a token stands for; it must divide the image's height and width."""
    width: int = 64
    """Numbers per token."""
    depth: int = 4
    """Encoder blocks."""
    heads: int = 4
    """Attention heads per block; each looks at width / heads numbers of every token."""
    mlp_ratio: float = 2.0
    """Each block's MLP has width × mlp_ratio hidden units."""
    dropout: float = 0.0
    """Off by default: on 4,500 digits the random shifts regularise enough, and dropout 0.1 cost 2 points (0.948
    against 0.970 after 30 epochs, README)."""

    def validate(self) -> None:
        check_range("vit.patch", self.patch, 1, 64)
        check_range("vit.width", self.width, 4, 1024)
        check_range("vit.depth", self.depth, 1, 24)
        check_range("vit.heads", self.heads, 1, 32)
        check_range("vit.mlp_ratio", self.mlp_ratio, 0.25, 8.0)
        check_range("vit.dropout", self.dropout, 0.0, 0.9)
        if self.width % self.heads:
            raise ConfigError(
                f"vit.width ({self.width}) must be a multiple of vit.heads ({self.heads}): each head takes an equal "
                "share of a token's numbers.",
                key="vit.heads",
            )


def _build(cfg: ViTConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.vit import VisionTransformer

    model = VisionTransformer(
        image_shape, num_classes, cfg.patch, cfg.width, cfg.depth, cfg.heads, cfg.mlp_ratio, cfg.dropout
    )
    return {"model": model}


def _check_fit(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> None:
    h, w = image_shape[0], image_shape[1]
    p = cfg.section("vit").patch
    if h % p or w % p:
        fits = [d for d in range(2, min(h, w) + 1) if h % d == 0 and w % d == 0]
        raise ConfigError(
            f"Patch size {p} does not divide the {h}×{w} images into whole patches; sizes that do: "
            f"{', '.join(map(str, fits)) or 'none but 1'}.",
            key="vit.patch",
        )


def _defaults(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(
        optim=dataclasses.replace(cfg.optim, name="adamw", lr=1e-3, weight_decay=0.05),
        train=dataclasses.replace(cfg.train, epochs=30, augment_shift=2),
    )


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(vit=ViTConfig(width=8, depth=1, heads=2, mlp_ratio=1.0))


def _script(module: nn.Module, chw: tuple[int, int, int], class_names: tuple[str, ...]) -> ScriptParts:
    """The model's own classes, copied from their source (plain PyTorch), and ``build_model()`` at its shape."""
    from vision_lab.core.models import vit
    from vision_lab.core.script_code import IMAGES_DEMO

    c, h, w = chw
    width = int(module.cls_token.shape[-1])
    first = module.blocks[0]
    args = (
        f"({h}, {w}, {c}), {len(class_names)}, patch={module.patch}, width={width}, depth={len(module.blocks)}, "
        f"heads={first.attn.heads}, mlp_ratio={first.mlp[0].out_features / width!r}, dropout={module.pos_drop.p!r}"
    )
    parts = (vit.Attention, vit.Block, vit.VisionTransformer, vit.sincos_2d)
    classes = "\n\n".join(inspect.getsource(o) for o in parts)
    return ScriptParts(
        body=(
            "import math  # noqa: E402 (what the model's classes need beyond the header's imports)\n\n"
            "import torch.nn.functional as F  # noqa: E402\n\n\n"
            f"{classes}\n\ndef build_model() -> nn.Module:\n    return VisionTransformer({args})\n"
        ),
        doc=(
            f"Input: N×{c}×{h}×{w} images in [0, 1] (uint8 / 255). Output: N×{len(class_names)} logits; "
            "softmax gives the probabilities of CLASS_NAMES."
        ),
        demo=IMAGES_DEMO + classifier.RUN_DEMO,
    )


def _bench(cfg: ExperimentConfig, x01: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, BareStep]:
    """The same transformer and AdamW step written by hand: the row measures the engine, not the model."""
    import torch
    import torch.nn.functional as F

    from vision_lab.core.models.vit import VisionTransformer

    v = cfg.section("vit")
    c, h, w = x01.shape[1:]
    shape, classes = (h, w, c), classifier.classes(y)
    net = VisionTransformer(shape, classes, v.patch, v.width, v.depth, v.heads, v.mlp_ratio, v.dropout)
    opt = torch.optim.AdamW(net.parameters(), cfg.optim.lr, weight_decay=cfg.optim.weight_decay)

    def step(x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(net(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return x01, step


FAMILY = Family(
    key="vit",
    title=N_("family.vit.title", "Vision Transformer"),
    config=ViTConfig,
    build=_build,
    task=classifier.TASK,
    target="class",
    preview="predictions",
    metrics=classifier.METRICS,
    plotted=classifier.PLOTTED,
    headline=classifier.HEADLINE,
    capabilities=classifier.CAPABILITIES | {"attention"},
    export=ExportSpec(modules=("model",), input_name="images", output_name="logits", script=_script),
    knobs=(
        Knob("vit.patch", N_("knob.vit.patch", "Patch size"), N_("knob.vit.patch.short", "patch")),
        Knob("vit.width", N_("knob.vit.width", "Width"), N_("knob.vit.width.short", "width")),
        Knob("vit.depth", N_("knob.vit.depth", "Blocks"), N_("knob.vit.depth.short", "depth")),
        Knob("vit.heads", N_("knob.vit.heads", "Heads"), N_("knob.vit.heads.short", "heads")),
        Knob("vit.dropout", N_("knob.vit.dropout", "Dropout"), N_("knob.vit.dropout.short", "dropout")),
    ),
    defaults=_defaults,
    tiny=_tiny,
    check_fit=_check_fit,
    shift_augment=True,
    bench=_bench,
)
