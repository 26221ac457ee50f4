"""The four model families, built from their frozen configs."""

from __future__ import annotations

from torch import nn

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.models.autoencoder import Autoencoder, build_autoencoder
from vision_lab.core.models.cnn import build_cnn
from vision_lab.core.models.common import LayerRow, count_parameters, layer_table
from vision_lab.core.models.gan import Discriminator, Generator
from vision_lab.core.models.mlp import build_mlp

__all__ = [
    "Autoencoder",
    "Discriminator",
    "Generator",
    "LayerRow",
    "build_models",
    "count_parameters",
    "layer_table",
]


def build_models(cfg: ExperimentConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    """The named modules of a family: ``{"model": ...}``, or ``{"generator": ..., "discriminator": ...}``."""
    if cfg.model == "mlp":
        return {"model": build_mlp(cfg.mlp, image_shape, num_classes)}
    if cfg.model == "cnn":
        return {"model": build_cnn(cfg.cnn, image_shape, num_classes)}
    if cfg.model == "autoencoder":
        return {"model": build_autoencoder(cfg.autoencoder, image_shape)}
    if cfg.model == "gan":
        return {
            "generator": Generator(cfg.gan, image_shape),
            "discriminator": Discriminator(cfg.gan, image_shape),
        }
    raise ValueError(cfg.model)
