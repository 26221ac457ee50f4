"""DCGAN as the reference article builds it, adapted to 1 or 3 channels and 28 or 32 px.

Generator: noise -> dense -> s×s×g_width (s = size/4: 7 for 28 px, 8 for 32 px) -> transposed convs
(5×5; stride 1, 2, 2) with batch norm and leaky ReLU -> tanh. Discriminator: two 5×5 stride-2 convs
with leaky ReLU and dropout -> one logit (the sigmoid lives in the loss).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from vision_lab.core.models.common import Dropout
from vision_lab.core.models.spectral import SpectralConvTranspose2d
from vision_lab.core.models.thin import ThinConv2d, ThinConvTranspose2d

if TYPE_CHECKING:  # the family module declares it (and builds this model)
    from vision_lab.core.families.gan import GANConfig


class Generator(nn.Module):
    def __init__(self, cfg: GANConfig, image_shape: tuple[int, int, int]) -> None:
        super().__init__()
        h, w, c = image_shape
        if h != w or h % 4:
            raise ValueError(f"the GAN needs square images whose side is a multiple of 4, got {h}×{w}")
        s, g = h // 4, cfg.g_width
        self.latent_dim = cfg.latent_dim
        self.project = nn.Sequential(
            nn.Linear(cfg.latent_dim, s * s * g, bias=False),
            nn.BatchNorm1d(s * s * g),
            nn.LeakyReLU(0.2),
            nn.Unflatten(1, (g, s, s)),
        )
        self.upsample = nn.Sequential(
            # Stride 1 on s×s maps: on the CPU a product of spectra, a sixth of the arithmetic (spectral.py).
            SpectralConvTranspose2d(g, g // 2, 5, stride=1, padding=2, bias=False),
            nn.BatchNorm2d(g // 2),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(g // 2, g // 4, 5, stride=2, padding=2, output_padding=1, bias=False),
            nn.BatchNorm2d(g // 4),
            nn.LeakyReLU(0.2),
            # To one channel (grey-scale): one matrix product and a fold on the CPU (thin.py).
            ThinConvTranspose2d(g // 4, c, 5, stride=2, padding=2, output_padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z))


class Discriminator(nn.Module):
    def __init__(self, cfg: GANConfig, image_shape: tuple[int, int, int]) -> None:
        super().__init__()
        h, w, c = image_shape
        d = cfg.d_width
        self.features = nn.Sequential(
            ThinConv2d(c, d, 5, stride=2, padding=2),  # from one channel: unfold and a product (thin.py)
            nn.LeakyReLU(0.2),
            Dropout(cfg.d_dropout),
            nn.Conv2d(d, 2 * d, 5, stride=2, padding=2),
            nn.LeakyReLU(0.2),
            Dropout(cfg.d_dropout),
            nn.Flatten(),
        )
        self.head = nn.Linear(2 * d * ((h + 3) // 4) * ((w + 3) // 4), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)
