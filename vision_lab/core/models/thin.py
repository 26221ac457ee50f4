"""Convolutions with a single-channel side, as one matrix product each (CPU, float32, while training).

Why: a 5×5 convolution from or to one channel does little arithmetic, and oneDNN runs it at 5–10 GMAC/s, far
from the cores' ~96: the DCGAN's last transposed convolution (64 -> 1 channel, 14 -> 28 px) took 8.6 ms and the
discriminator's first convolution's three backward passes 12.7 ms of a 341 ms step at batch 128, ~6% of the step
between them. Written as im2col/col2im around one matrix product (``F.unfold`` / ``F.fold``, whose backward
passes PyTorch has), the same layers take a third to a half of that (vision_lab/bench/PERFORMANCE.md, section 7).

Same parameters as the PyTorch classes they extend; PyTorch's kernel runs everywhere else: CUDA, other dtypes,
grouped or dilated convolutions, tracing for TorchScript/ONNX, and the discriminator's pass over real images,
which needs no input gradient and where oneDNN's forward is the faster one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vision_lab.core.models.common import pytorch_kernel_only

MAX_THIN_CHANNELS = 1
"""The measured case: one channel (MNIST and the other grey-scale sets); colour images keep PyTorch's kernel."""


class ThinConv2d(nn.Conv2d):
    """``nn.Conv2d`` from few input channels; when the input needs a gradient, unfold and one batched product."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (
            pytorch_kernel_only(self, x)
            or self.in_channels > MAX_THIN_CHANNELS
            or self.padding_mode != "zeros"
            or not (x.requires_grad and torch.is_grad_enabled())
        ):
            return super().forward(x)
        b, _, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
        cols = F.unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)  # [B, C·kh·kw, Ho·Wo]
        weight = self.weight.reshape(1, self.out_channels, -1).expand(b, -1, -1)
        if self.bias is None:
            out = torch.bmm(weight, cols)
        else:
            out = torch.baddbmm(self.bias.view(1, -1, 1), weight, cols)
        return out.view(b, self.out_channels, ho, wo)


class ThinConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` to few output channels: one product makes every tap's contribution, fold adds them."""

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if pytorch_kernel_only(self, x) or self.out_channels > MAX_THIN_CHANNELS or output_size is not None:
            return super().forward(x, output_size)
        b, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        oph, opw = self.output_padding
        ho, wo = (h - 1) * sh - 2 * ph + kh + oph, (w - 1) * sw - 2 * pw + kw + opw
        # [B, Cout·kh·kw, H·W]: column (i, j) holds what input pixel (i, j) adds to each output tap.
        cols = torch.matmul(self.weight.reshape(c, -1).t(), x.reshape(b, c, h * w))
        out = F.fold(cols, (ho, wo), self.kernel_size, padding=self.padding, stride=self.stride)
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)
