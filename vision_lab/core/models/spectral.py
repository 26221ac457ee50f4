"""Stride-1 transposed convolutions on small maps, computed as products in the frequency domain (CPU, fp32).

Why: the DCGAN generator's first upsampling layer (256 -> 128 channels, 5×5, stride 1, on 7×7 maps) is about a
third of the GAN's training step on the CPU, and oneDNN already runs it at the cores' peak; only less arithmetic
makes it faster. A convolution is a pointwise product of spectra. Zero-padded to an N×N grid (N = 9 here: the
smallest grid on which the wrap-around of a circular convolution misses every output kept), each input map and
each kernel has 9×5 complex coefficients (the real FFT's half-spectrum), and the layer becomes 45 small complex
matrix products: per (sample, in, out) triple 4·45 = 180 real multiply-adds against 25·49 = 1,225 directly. The
forward pass, the input gradient (a correlation: times the conjugate kernel spectrum) and the weight gradient
(the conjugate input spectrum times the gradient's) all work this way. The transforms of such small maps are
themselves matrix products with precomputed DFT matrices, with the padding and the crops folded in, so no
tensor is padded, permuted or cropped on the way (vision_lab/bench/PERFORMANCE.md, section 7).

The same parameters as ``nn.ConvTranspose2d``, so saved weights, exports and the inspector see no difference;
anything else (stride > 1, CUDA, other dtypes, large maps, tracing for TorchScript or ONNX) runs PyTorch's own
kernel. Results agree with it to float32 rounding (``tests/core/test_spectral.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from vision_lab.core.models.common import pytorch_kernel_only

MAX_MAP_PIXELS = 256
"""Dense DFT matrices grow with the square of a map's pixel count: beyond 16×16 an FFT would be needed."""


@dataclass(frozen=True)
class _Plan:
    """DFT matrices for one geometry; spectra are laid out [re | im] × the N_h·(N_w/2+1) frequencies."""

    freqs: int
    out_hw: tuple[int, int]
    to_x: torch.Tensor  # [2F, H·W]: an input map -> its spectrum
    to_w: torch.Tensor  # [2F, kh·kw]: a kernel -> its spectrum
    to_g: torch.Tensor  # [2F, Ho·Wo]: an output gradient, placed at the padding offset -> its spectrum
    from_y: torch.Tensor  # [2F, Ho·Wo]: spectrum -> the output map (the crop at the padding offset)
    from_x: torch.Tensor  # [2F, H·W]: spectrum -> an input gradient map
    from_w: torch.Tensor  # [2F, kh·kw]: spectrum -> a kernel gradient


def _forward_dft(n: tuple[int, int], size: tuple[int, int], offset: tuple[int, int]) -> torch.Tensor:
    """[2F, h·w]: the rfft2 on the n grid of an h×w block placed at ``offset``, real parts then imaginary."""
    w, pixels = size[1], size[0] * size[1]
    basis = torch.zeros(pixels, *n, dtype=torch.float64)
    k = torch.arange(pixels)
    basis[k, offset[0] + k // w, offset[1] + k % w] = 1
    spec = torch.fft.rfft2(basis).reshape(pixels, -1)
    return torch.cat([spec.real, spec.imag], 1).t().contiguous()


def _inverse_dft(n: tuple[int, int], size: tuple[int, int], offset: tuple[int, int]) -> torch.Tensor:
    """[2F, h·w]: a half-spectrum [re | im] -> the h×w block at ``offset`` of its irfft2 on the n grid."""
    freqs = n[0] * (n[1] // 2 + 1)
    eye = torch.eye(2 * freqs, dtype=torch.float64)
    spec = torch.complex(eye[:, :freqs], eye[:, freqs:]).reshape(2 * freqs, n[0], n[1] // 2 + 1)
    full = torch.fft.irfft2(spec, s=n)
    return full[:, offset[0] : offset[0] + size[0], offset[1] : offset[1] + size[1]].reshape(2 * freqs, -1)


@functools.lru_cache(maxsize=16)
def _plan(hw: tuple[int, int], k: tuple[int, int], pad: tuple[int, int]) -> _Plan:
    out = (hw[0] + k[0] - 1 - 2 * pad[0], hw[1] + k[1] - 1 - 2 * pad[1])
    # The full linear convolution has H + k - 1 points and the output keeps [pad, pad + Ho). On a grid of
    # N = H + k - 1 - pad the points past N wrap onto [0, pad), which nobody keeps; the same N serves both
    # gradients, whose wrapped terms land where the placed output gradient is zero. A larger grid is as exact;
    # it must hold the kernel and the map.
    n = tuple(max(h + kk - 1 - p, kk, h) for h, kk, p in zip(hw, k, pad, strict=True))
    zero = (0, 0)
    mats = [
        _forward_dft(n, hw, zero),
        _forward_dft(n, k, zero),
        _forward_dft(n, out, pad),
        _inverse_dft(n, out, pad),
        _inverse_dft(n, hw, zero),
        _inverse_dft(n, k, zero),
    ]
    return _Plan(n[0] * (n[1] // 2 + 1), out, *(m.float() for m in mats))


def _spectrum(t: torch.Tensor, dft: torch.Tensor) -> torch.Tensor:
    """[A, B, h, w] -> [2, F, A, B]: one matrix product, already in the layout the per-frequency products want."""
    a, b = t.shape[:2]
    return (dft @ t.reshape(a * b, -1).t()).view(2, -1, a, b)


def _back(spec: torch.Tensor, dft: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """[2, F, A, B] -> [A, B, h, w]."""
    return (spec.view(dft.shape[0], -1).t() @ dft).view(shape)


def _cmm(ar: torch.Tensor, ai: torch.Tensor, br: torch.Tensor, bi: torch.Tensor, conj: str = "") -> torch.Tensor:
    """Per-frequency complex matrix products (a·b, with ``conj`` naming a factor to conjugate) -> [2, F, M, N]."""
    sa, sb = (-1 if "a" in conj else 1), (-1 if "b" in conj else 1)
    out = ar.new_empty(2, ar.shape[0], ar.shape[1], br.shape[2])
    torch.bmm(ar, br, out=out[0]).baddbmm_(ai, bi, alpha=-sa * sb)
    torch.bmm(ai, br, out=out[1])
    if sa < 0:
        out[1].neg_()
    out[1].baddbmm_(ar, bi, alpha=sb)
    return out


class _SpectralConvTranspose(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, plan: _Plan) -> torch.Tensor:
        xs, ws = _spectrum(x, plan.to_x), _spectrum(weight, plan.to_w)  # [2, F, B, C], [2, F, C, O]
        ctx.plan, ctx.xs, ctx.ws, ctx.x_shape, ctx.w_shape = plan, xs, ws, x.shape, weight.shape
        ys = _cmm(xs[0], xs[1], ws[0], ws[1])
        return _back(ys, plan.from_y, (x.shape[0], weight.shape[1], *plan.out_hw))

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None, None]:
        plan, xs, ws = ctx.plan, ctx.xs, ctx.ws
        gs = _spectrum(grad, plan.to_g)  # [2, F, B, O]
        dx = dw = None
        if ctx.needs_input_grad[0]:  # G · conj(W)ᵀ: a correlation with the kernel
            dxs = _cmm(gs[0], gs[1], ws[0].transpose(1, 2), ws[1].transpose(1, 2), conj="b")
            dx = _back(dxs, plan.from_x, ctx.x_shape)
        if ctx.needs_input_grad[1]:  # conj(X)ᵀ · G, summed over the batch by the product itself
            dws = _cmm(xs[0].transpose(1, 2), xs[1].transpose(1, 2), gs[0], gs[1], conj="a")
            dw = _back(dws, plan.from_w, ctx.w_shape)
        return dx, dw, None


class SpectralConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` that computes its stride-1 case on small CPU float32 maps in the frequency domain."""

    def _spectral_plan(self, x: torch.Tensor) -> _Plan | None:
        k, pad = self.kernel_size, self.padding
        if pytorch_kernel_only(self, x) or not (
            self.stride == (1, 1)
            and self.output_padding == (0, 0)
            and all(0 <= p < kk for p, kk in zip(pad, k, strict=True))
            and x.shape[-2] * x.shape[-1] <= MAX_MAP_PIXELS
        ):
            return None
        plan = _plan((int(x.shape[-2]), int(x.shape[-1])), k, pad)  # type: ignore[arg-type]
        # Worth it only when the products save most of the work: a 3×3 kernel on a 7×7 map does not.
        direct = k[0] * k[1] * x.shape[-2] * x.shape[-1]
        return plan if 3 * 4 * plan.freqs <= direct else None

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        plan = None if output_size is not None else self._spectral_plan(x)
        if plan is None:
            return super().forward(x, output_size)
        y = _SpectralConvTranspose.apply(x, self.weight, plan)
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)
