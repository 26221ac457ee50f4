"""Deep MLP classifier: flatten -> dense layers -> class logits (softmax lives in the loss)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from torch import nn

from vision_lab.core.models.common import Dropout, activation

if TYPE_CHECKING:  # the family module declares it (and builds this model)
    from vision_lab.core.families.mlp import MLPConfig


def build_mlp(cfg: MLPConfig, image_shape: tuple[int, int, int], num_classes: int) -> nn.Sequential:
    h, w, c = image_shape
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod((c, h, w))
    for hidden in cfg.hidden:
        layers.append(nn.Linear(width, hidden, bias=not cfg.batch_norm))
        if cfg.batch_norm:
            layers.append(nn.BatchNorm1d(hidden))
        layers.append(activation(cfg.activation))
        if cfg.dropout > 0:
            layers.append(Dropout(cfg.dropout))
        width = hidden
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)
