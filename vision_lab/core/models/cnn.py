"""CNN classifier: [conv -> (batch norm) -> activation -> (pool) -> (dropout)]* -> dense head."""

from __future__ import annotations

from torch import nn

from vision_lab.core.config import CNNConfig
from vision_lab.core.models.common import activation


def build_cnn(cfg: CNNConfig, image_shape: tuple[int, int, int], num_classes: int) -> nn.Sequential:
    h, w, c = image_shape
    layers: list[nn.Module] = []
    channels = c
    for block in cfg.blocks:
        # "same" padding keeps the arithmetic simple for 28 and 32 px alike.
        layers.append(
            nn.Conv2d(channels, block.channels, block.kernel, padding=block.kernel // 2, bias=not block.batch_norm)
        )
        if block.batch_norm:
            layers.append(nn.BatchNorm2d(block.channels))
        layers.append(activation(cfg.activation))
        if block.pool:
            layers.append(nn.MaxPool2d(2))
            h, w = h // 2, w // 2
        if block.dropout > 0:
            layers.append(nn.Dropout2d(block.dropout))
        channels = block.channels
    layers.append(nn.Flatten())
    width = channels * h * w
    for hidden in cfg.dense:
        if cfg.dropout > 0:
            layers.append(nn.Dropout(cfg.dropout))
        layers.append(nn.Linear(width, hidden))
        layers.append(activation(cfg.activation))
        width = hidden
    if cfg.dropout > 0:
        layers.append(nn.Dropout(cfg.dropout))
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)
