"""A small CenterNet ("Objects as Points", Zhou et al. 2019): one map per class whose peaks are object centres, and
at each cell the object's width and height and the centre's sub-cell offset.

The backbone halves the image ``depth`` times (stride ``2**depth``), then two dilated convolutions widen the view to
a whole digit at stride 4 without shrinking the map further. ``forward`` returns the three heads concatenated,
N×(classes + 4)×h×w: the class heatmaps as probabilities (a sigmoid clamped to [1e-4, 1 - 1e-4], as CenterNet
does, so the focal loss's logarithms stay finite), then width and height in cells, then the x and y offsets in
cells. One tensor of fixed shape: what TorchScript and ONNX export as is; decoding (peaks, top-k) is
:func:`vision_lab.core.detection.decode`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

PRIOR = 0.1
"""The heatmaps start at this probability everywhere (CenterNet's bias of -2.19): the focal loss then starts small
instead of being swamped by thousands of confident mistakes on the background."""
SIZE_CHANNELS = 2
OFFSET_CHANNELS = 2


def _conv(cin: int, cout: int, stride: int, dilation: int, batch_norm: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=not batch_norm)
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.ReLU())
    return layers


def _head(cin: int, hidden: int, cout: int) -> nn.Sequential:
    # Leaky: the size and offset heads learn only at the few cells that hold a centre, and with a plain ReLU more
    # than half of their hidden channels died within an epoch (Health warned of it while mAP@0.5 passed 0.9).
    return nn.Sequential(nn.Conv2d(cin, hidden, 3, padding=1), nn.LeakyReLU(0.1), nn.Conv2d(hidden, cout, 1))


class CenterNet(nn.Module):
    """Images N×C×H×W in [0, 1] -> N×(classes + 4)×(H / stride)×(W / stride) (see the module docstring)."""

    def __init__(self, channels: int, classes: int, width: int, depth: int, batch_norm: bool) -> None:
        super().__init__()
        self.classes = classes
        self.stride = 2**depth
        layers: list[nn.Module] = []
        cin = channels
        for i in range(depth):
            cout = width * min(2**i, 4)  # wider as the map shrinks, up to 4× the base
            layers += _conv(cin, cout, 2, 1, batch_norm) + _conv(cout, cout, 1, 1, batch_norm)
            cin = cout
        # Context without further downsampling: a digit spans 5-7 cells at stride 4.
        layers += _conv(cin, cin, 1, 2, batch_norm) + _conv(cin, cin, 1, 2, batch_norm)
        self.backbone = nn.Sequential(*layers)
        self.heatmap = _head(cin, cin, classes)
        self.size = _head(cin, cin, SIZE_CHANNELS)
        self.offset = _head(cin, cin, OFFSET_CHANNELS)
        last = self.heatmap[-1]
        assert isinstance(last, nn.Conv2d) and last.bias is not None
        nn.init.constant_(last.bias, -math.log((1 - PRIOR) / PRIOR))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.backbone(x)
        heat = torch.sigmoid(self.heatmap(f)).clamp(1e-4, 1 - 1e-4)
        return torch.cat((heat, self.size(f), self.offset(f)), 1)


def build_centernet(
    width: int, depth: int, batch_norm: bool, image_shape: tuple[int, int, int], classes: int
) -> CenterNet:
    """``classes``: foreground classes (the dataset's class names less the background)."""
    return CenterNet(image_shape[2], classes, width, depth, batch_norm)
