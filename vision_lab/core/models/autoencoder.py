"""Autoencoder: encoder -> latent code -> decoder, pixels in [0, 1] (sigmoid output, MSE loss)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn

from vision_lab.core.models.common import activation

if TYPE_CHECKING:  # the family module declares it (and builds this model)
    from vision_lab.core.families.autoencoder import AutoencoderConfig


class Autoencoder(nn.Module):
    """``encode`` gives the latent code (the GUI maps it), ``decode`` turns any code into an image."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, latent_dim: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = latent_dim

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


def build_autoencoder(cfg: AutoencoderConfig, image_shape: tuple[int, int, int]) -> Autoencoder:
    h, w, c = image_shape
    act = cfg.activation
    if cfg.variant == "dense":
        size = math.prod((c, h, w))
        enc: list[nn.Module] = [nn.Flatten()]
        width = size
        for hidden in cfg.hidden:
            enc += [nn.Linear(width, hidden), activation(act)]
            width = hidden
        enc.append(nn.Linear(width, cfg.latent_dim))
        dec: list[nn.Module] = []
        width = cfg.latent_dim
        for hidden in reversed(cfg.hidden):
            dec += [nn.Linear(width, hidden), activation(act)]
            width = hidden
        dec += [nn.Linear(width, size), nn.Sigmoid(), nn.Unflatten(1, (c, h, w))]
        return Autoencoder(nn.Sequential(*enc), nn.Sequential(*dec), cfg.latent_dim)

    # Convolutional: stride-2 convs down (28 -> 14 -> 7, 32 -> 16 -> 8), transposed convs back up.
    chans = cfg.conv_channels
    enc = []
    prev = c
    fh, fw = h, w
    for ch in chans:
        enc += [nn.Conv2d(prev, ch, 3, stride=2, padding=1), activation(act)]
        prev = ch
        fh, fw = (fh + 1) // 2, (fw + 1) // 2
    enc += [nn.Flatten(), nn.Linear(prev * fh * fw, cfg.latent_dim)]
    dec = [nn.Linear(cfg.latent_dim, prev * fh * fw), activation(act), nn.Unflatten(1, (prev, fh, fw))]
    sizes = [h, w]
    targets = []
    for _ in chans:
        targets.append(tuple(sizes))
        sizes = [(s + 1) // 2 for s in sizes]
    rev = list(reversed(chans))
    for i, ch in enumerate(rev):
        last = i == len(rev) - 1
        th, tw = targets[len(chans) - 1 - i]
        # ConvTranspose2d(k=3, s=2, p=1) gives 2*n - 1 + output_padding; pick the padding that hits the target.
        pad = (th - 2 * fh + 1, tw - 2 * fw + 1)
        dec.append(nn.ConvTranspose2d(ch, c if last else rev[i + 1], 3, stride=2, padding=1, output_padding=pad))
        dec.append(nn.Sigmoid() if last else activation(act))
        fh, fw = th, tw
    return Autoencoder(nn.Sequential(*enc), nn.Sequential(*dec), cfg.latent_dim)
