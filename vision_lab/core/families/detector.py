"""The detector: a small CenterNet that finds and names the digits of a scene (vision_lab/core/models/centernet.py,
its maths and Task in vision_lab/core/detection.py).

Exported as the raw head maps, N×(classes + 4)×(H / stride)×(W / stride): class heatmaps as probabilities, then
width, height and the centre's x, y offset in cells (stride ``2**detector.depth``). A fixed shape with no data-
dependent step, so TorchScript and ONNX agree with PyTorch to the last digit; boxes come from those maps by
:func:`vision_lab.core.detection.decode` (3×3 max-pool peaks, top ``max_boxes``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vision_lab.core.errors import ConfigError
from vision_lab.core.families.base import ExportSpec, Family, Knob, Metric
from vision_lab.core.i18n import N_, t
from vision_lab.core.validate import check_range

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.families.base import BareStep


@dataclass(frozen=True)
class DetectorConfig:
    width: int = 32
    """Channels of the first stage; each further stage doubles them (up to 4×)."""
    depth: int = 2
    """Halvings of the image: the heatmaps have stride 2**depth (4: 16×16 cells on a 64×64 scene)."""
    batch_norm: bool = True
    score_threshold: float = 0.3
    """Boxes scoring at least this are shown (previews keep every top-k box with its score)."""
    max_boxes: int = 10
    """Peaks kept per image, best first: what the mAP and the previews see."""
    shift: int = 4
    """Training scenes move by up to this many pixels each way, their boxes with them (0: off)."""

    def validate(self) -> None:
        check_range("detector.width", self.width, 1, 512)
        check_range("detector.depth", self.depth, 1, 5)
        check_range("detector.score_threshold", self.score_threshold, 0.0, 1.0)
        check_range("detector.max_boxes", self.max_boxes, 1, 1000)
        check_range("detector.shift", self.shift, 0, 16)


def _build(cfg: DetectorConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.centernet import build_centernet

    # class_names[0] is the background: one heatmap per other class.
    return {"model": build_centernet(cfg.width, cfg.depth, cfg.batch_norm, image_shape, max(1, num_classes - 1))}


def _check_fit(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> None:
    h, w = image_shape[0], image_shape[1]
    stride = 2 ** cfg.section("detector").depth
    if h % stride or w % stride or h < 2 * stride or w < 2 * stride:
        raise ConfigError(
            t(
                "detector.fit",
                "The detector halves the {h}×{w} images {depth} times (stride {stride}); the height and width must be "
                "multiples of {stride} and at least {twice}: use a smaller detector.depth.",
                h=h,
                w=w,
                depth=cfg.section("detector").depth,
                stride=stride,
                twice=2 * stride,
            ),
            key="detector.depth",
        )


def _batch_norm_need(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> tuple[int, str, bool] | None:
    d = cfg.section("detector")
    if not d.batch_norm:
        return None
    values = (image_shape[0] // 2**d.depth) * (image_shape[1] // 2**d.depth)
    return values, f"the detector's last stage (a {values}-cell map)", True


def _defaults(cfg: ExperimentConfig) -> ExperimentConfig:
    """Measured on mnist-scenes, one thread of a shared 2-core CPU (seed 0, val mAP@0.5 / mAP@0.5:0.95): 8 epochs
    without shifts 0.928 / 0.639 (2 CPU-minutes), and with them 0.934 / 0.658; 16 epochs 0.952 / 0.695 (3.5 CPU-
    minutes), where without shifts the validation loss rose from epoch 7 on and mAP@0.5 stayed near 0.91; 24 epochs
    0.951 / 0.718. Width 48 learned no faster per epoch at twice the cost."""
    return cfg.replace(
        data=dataclasses.replace(cfg.data, name="mnist-scenes"),
        optim=dataclasses.replace(cfg.optim, name="adam", lr=2e-3),
        train=dataclasses.replace(cfg.train, epochs=16, batch_size=32, augment_shift=0),
    )


def _bench(cfg: ExperimentConfig, x01: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, BareStep]:
    """The same CenterNet, losses and Adam step written by hand (no events, no reporting): the row measures the
    engine, not the model. ``y``: the scenes' N×K×5 boxes."""
    import torch

    from vision_lab.core.detection import losses
    from vision_lab.core.models.centernet import CenterNet

    d = cfg.section("detector")
    classes = max(1, int(y[..., 0].max()))  # box class k is heatmap channel k - 1
    net = CenterNet(x01.shape[1], classes, d.width, d.depth, d.batch_norm)
    opt = torch.optim.Adam(net.parameters(), cfg.optim.lr)

    def step(x: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
        loss = losses(net(x), boxes, classes, 2**d.depth)[0]
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return x01, step


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(
        detector=DetectorConfig(width=4, depth=2, max_boxes=5), data=dataclasses.replace(cfg.data, count=96)
    )


FAMILY = Family(
    key="detector",
    title=N_("family.detector.title", "CenterNet detector"),
    config=DetectorConfig,
    build=_build,
    task="vision_lab.core.detection:DetectorTask",
    target="boxes",
    preview="detections",
    metrics=(
        Metric("train_loss", N_("metric.train_loss", "train loss"), loss=True, color="#3d8bfd"),
        Metric("heatmap_loss", N_("metric.heatmap_loss", "heatmap loss"), loss=True, color="#7950f2"),
        Metric("size_loss", N_("metric.size_loss", "size loss"), loss=True, color="#e64980"),
        Metric("offset_loss", N_("metric.offset_loss", "offset loss"), loss=True, color="#15aabf"),
        Metric("val_loss", N_("metric.val_loss", "val loss"), loss=True, epoch_only=True, color="#f59f00"),
        Metric(
            "val_map50",
            N_("metric.val_map50", "val mAP@0.5"),
            epoch_only=True,
            higher_is_better=True,
            color="#2fb344",
            right=True,
        ),
        Metric(
            "val_map",
            N_("metric.val_map", "val mAP@0.5:0.95"),
            epoch_only=True,
            higher_is_better=True,
            color="#94d82d",
            right=True,
        ),
    ),
    plotted=("train_loss", "val_loss", "val_map50", "val_map"),
    headline="val_map50",
    capabilities=frozenset({"health", "detect"}),
    export=ExportSpec(modules=("model",), input_name="images", output_name="head_maps"),
    knobs=(
        Knob("detector.width", N_("knob.detector.width", "Base channels"), N_("knob.detector.width.short", "width")),
        Knob(
            "detector.depth", N_("knob.detector.depth", "Downsampling stages"), N_("knob.detector.depth.short", "depth")
        ),
        Knob(
            "detector.batch_norm",
            N_("knob.detector.batch_norm", "Batch norm"),
            N_("knob.detector.batch_norm.short", "batch norm"),
        ),
    ),
    defaults=_defaults,
    tiny=_tiny,
    check_fit=_check_fit,
    batch_norm_need=_batch_norm_need,
    bench=_bench,
)
