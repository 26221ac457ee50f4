"""CNN classifier: [conv -> (batch norm) -> activation -> (pool) -> (dropout)]* -> dense head."""

from __future__ import annotations

from torch import nn

from vision_lab.core.config import CNNConfig
from vision_lab.core.models.common import Dropout, activation


def build_cnn(cfg: CNNConfig, image_shape: tuple[int, int, int], num_classes: int) -> nn.Sequential:
    h, w, c = image_shape
    layers: list[nn.Module] = []
    channels = c
    for block in cfg.blocks:
        pad = block.kernel // 2 if block.padding == "same" else 0
        layers.append(nn.Conv2d(channels, block.channels, block.kernel, padding=pad, bias=not block.batch_norm))
        if pad == 0:
            h, w = h - block.kernel + 1, w - block.kernel + 1
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
            layers.append(Dropout(cfg.dropout))
        layers.append(nn.Linear(width, hidden))
        layers.append(activation(cfg.activation))
        width = hidden
    if cfg.dropout > 0:
        layers.append(Dropout(cfg.dropout))
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)
