"""The families' modules, built from their frozen configs by the family registry (vision_lab.core.families)."""

from __future__ import annotations

from torch import nn

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.models.common import LayerRow, count_parameters, layer_table

__all__ = [
    "LayerRow",
    "build_models",
    "count_parameters",
    "layer_table",
]


def build_models(cfg: ExperimentConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    """The named modules of ``cfg``'s family: ``{"model": ...}``, or ``{"generator": ..., "discriminator": ...}``."""
    family = families.get(cfg.model)
    return family.build(cfg.section(cfg.model), image_shape, num_classes)
