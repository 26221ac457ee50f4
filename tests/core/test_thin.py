"""The single-channel convolutions as matrix products compute what PyTorch's layers compute
(vision_lab/core/models/thin.py)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from vision_lab.core.families.gan import GANConfig
from vision_lab.core.models.gan import Discriminator, Generator
from vision_lab.core.models.thin import ThinConv2d, ThinConvTranspose2d


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach(), b.detach()
    return float((a - b).abs().max() / b.abs().max())


def _twins(cls: type, plain_cls: type, *args, **kwargs) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    layer, plain = cls(*args, **kwargs), plain_cls(*args, **kwargs)
    plain.load_state_dict(layer.state_dict())
    return layer, plain


def _check_all_gradients(layer: nn.Module, plain: nn.Module, x: torch.Tensor) -> None:
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    y, ref = layer(x1), plain(x2)
    assert y.shape == ref.shape and _rel(y, ref) < 1e-5
    grad = torch.randn_like(ref)
    y.backward(grad)
    ref.backward(grad)
    assert _rel(x1.grad, x2.grad) < 1e-5
    for (name, p), q in zip(layer.named_parameters(), plain.parameters(), strict=True):
        assert _rel(p.grad, q.grad) < 1e-5, name


@pytest.mark.parametrize(
    ("kwargs", "hw"),
    [
        ({"kernel_size": 5, "stride": 2, "padding": 2}, (28, 28)),  # the DCGAN discriminator's first layer
        ({"kernel_size": 5, "stride": 2, "padding": 2, "bias": False}, (32, 32)),
        ({"kernel_size": (3, 5), "stride": (1, 2), "padding": (1, 0)}, (9, 12)),
    ],
)
def test_conv_from_one_channel_matches_conv2d(kwargs: dict, hw: tuple[int, int]) -> None:
    layer, plain = _twins(ThinConv2d, nn.Conv2d, 1, 16, **kwargs)
    _check_all_gradients(layer, plain, torch.randn(6, 1, *hw))


@pytest.mark.parametrize(
    ("kwargs", "hw"),
    [
        ({"kernel_size": 5, "stride": 2, "padding": 2, "output_padding": 1}, (14, 14)),  # the DCGAN's last layer
        ({"kernel_size": 5, "stride": 2, "padding": 2, "output_padding": 1, "bias": False}, (16, 16)),
        ({"kernel_size": (3, 4), "stride": (1, 2), "padding": (0, 1)}, (5, 7)),
    ],
)
def test_transposed_conv_to_one_channel_matches_conv_transpose2d(kwargs: dict, hw: tuple[int, int]) -> None:
    layer, plain = _twins(ThinConvTranspose2d, nn.ConvTranspose2d, 8, 1, **kwargs)
    _check_all_gradients(layer, plain, torch.randn(5, 8, *hw))


def test_the_real_images_pass_and_colour_images_take_pytorchs_kernel() -> None:
    """No input gradient (D on real images), or three channels: bit-for-bit PyTorch's own result."""
    layer, plain = _twins(ThinConv2d, nn.Conv2d, 1, 8, 5, 2, 2)
    real = torch.randn(4, 1, 28, 28)
    assert torch.equal(layer(real), plain(real))
    colour, plain3 = _twins(ThinConv2d, nn.Conv2d, 3, 8, 5, 2, 2)
    x = torch.randn(4, 3, 32, 32, requires_grad=True)
    assert torch.equal(colour(x), plain3(x))
    up, plain_up = _twins(ThinConvTranspose2d, nn.ConvTranspose2d, 8, 3, 5, 2, 2, 1)
    z = torch.randn(4, 8, 16, 16)
    assert torch.equal(up(z), plain_up(z))


def test_the_dcgan_uses_them_for_grey_scale() -> None:
    cfg = GANConfig(g_width=32, d_width=8)
    assert type(Generator(cfg, (28, 28, 1)).upsample[6]) is ThinConvTranspose2d
    assert type(Discriminator(cfg, (28, 28, 1)).features[0]) is ThinConv2d
