"""The MLP classifier: flatten -> dense layers -> class logits (vision_lab/core/models/mlp.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vision_lab.core.families import classifier
from vision_lab.core.families.base import Family, Knob
from vision_lab.core.i18n import N_
from vision_lab.core.validate import ACTIVATIONS, check_choice, check_range, check_widths

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.families.base import BareStep


@dataclass(frozen=True)
class MLPConfig:
    hidden: tuple[int, ...] = (512, 256)
    activation: str = "relu"
    dropout: float = 0.2
    batch_norm: bool = True

    def validate(self) -> None:
        check_widths("mlp.hidden", self.hidden, allow_empty=True)
        check_choice("mlp.activation", self.activation, ACTIVATIONS)
        check_range("mlp.dropout", self.dropout, 0.0, 0.95)


def _build(cfg: MLPConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.mlp import build_mlp

    return {"model": build_mlp(cfg, image_shape, num_classes)}


def _defaults(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(optim=dataclasses.replace(cfg.optim, lr=2e-3))


def _article(cfg: ExperimentConfig) -> ExperimentConfig:
    """784-64-10, no dropout or batch norm."""
    mlp = MLPConfig(hidden=(64,), dropout=0.0, batch_norm=False)
    return cfg.replace(mlp=mlp, optim=dataclasses.replace(cfg.optim, lr=1e-3))


def _batch_norm_need(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> tuple[int, str, bool] | None:
    return (1, "the MLP", True) if cfg.mlp.batch_norm and cfg.mlp.hidden else None


def _bench(cfg: ExperimentConfig, x01: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, BareStep]:
    from torch import nn

    net = nn.Sequential(nn.Flatten(), nn.Linear(x01[0].numel(), 64), nn.ReLU(), nn.Linear(64, classifier.classes(y)))
    return x01, classifier.bare_step(net)


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(mlp=MLPConfig(hidden=(16,), dropout=0.1))


FAMILY = Family(
    key="mlp",
    title=N_("family.mlp.title", "MLP classifier"),
    config=MLPConfig,
    build=_build,
    task=classifier.TASK,
    target="class",
    preview="predictions",
    metrics=classifier.METRICS,
    plotted=classifier.PLOTTED,
    headline=classifier.HEADLINE,
    capabilities=classifier.CAPABILITIES | {"layers"},
    export=classifier.EXPORT,
    knobs=(
        Knob("mlp.hidden", N_("knob.mlp.hidden", "Hidden layer widths"), N_("knob.mlp.hidden.short", "hidden")),
        Knob("mlp.dropout", N_("knob.mlp.dropout", "Dropout"), N_("knob.mlp.dropout.short", "dropout")),
        Knob("mlp.activation", N_("knob.mlp.activation", "Activation"), N_("knob.mlp.activation.short", "activation")),
        Knob("mlp.batch_norm", N_("knob.mlp.batch_norm", "Batch norm"), N_("knob.mlp.batch_norm.short", "batch norm")),
    ),
    defaults=_defaults,
    article=_article,
    tiny=_tiny,
    batch_norm_need=_batch_norm_need,
    shift_augment=True,
    bench=_bench,
)
