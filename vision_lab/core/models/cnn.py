"""CNN classifier: [conv -> (batch norm) -> activation -> (pool) -> (dropout)]* -> dense head.

With a monotone activation (all but GELU) a block pools before it activates: max-pooling commutes with any
non-decreasing function, so the outputs are the same, and the activation and its backward touch a quarter
of the elements (10-16% of the article's CNN step on the CPU; vision_lab/bench/PERFORMANCE.md, section 6).
The maps are kept channels-last (see below).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from vision_lab.core.models.common import MONOTONE, Dropout, activation

if TYPE_CHECKING:  # the family module declares it (and builds this model)
    from vision_lab.core.families.cnn import CNNConfig


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
        act = activation(cfg.activation)
        if block.pool:
            layers += [nn.MaxPool2d(2), act] if cfg.activation in MONOTONE else [act, nn.MaxPool2d(2)]
            h, w = h // 2, w // 2
        else:
            layers.append(act)
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
    net = nn.Sequential(*layers)
    # Channels-last: oneDNN's convolutions and max-pooling are far faster on NHWC maps than on NCHW ones on
    # the CPU (max-pooling the article CNN's 128×32×26×26 maps: 2.5 against 17 ms). With the first layer's
    # weights NHWC every map after it is too. The same values; saved weights are made contiguous.
    net[0].to(memory_format=torch.channels_last)
    return net
