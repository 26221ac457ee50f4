"""The reference: the article's four models trained by a plain PyTorch loop over in-memory tensors.

Written the way a careful person would write it by hand, with nothing of the engine's: no events,
no reporting, no previews. No framework can do the same work with less.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 13 * 13, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )  # fmt: skip


def autoencoder() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 64), nn.Linear(64, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28))
    )


def generator(latent: int = 100) -> nn.Module:
    return nn.Sequential(
        nn.Linear(latent, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 1, 5, 2, 2, 1), nn.Tanh(),
    )  # fmt: skip


def discriminator() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1), nn.Flatten(0),
    )  # fmt: skip


class BareLoop:
    """``run(steps)`` trains that many batches; batches cycle through a fresh permutation each epoch.

    The GAN steps as the article's code does (simultaneous updates) unless ``gan_update="alternating"``:
    D first, then G against the updated D, as PyTorch's DCGAN example does.
    """

    def __init__(
        self, model: str, x01: torch.Tensor, y: torch.Tensor, batch_size: int, gan_update: str = "simultaneous"
    ) -> None:
        torch.manual_seed(0)
        self.model_name = model
        self.simultaneous = gan_update == "simultaneous"
        self.x = x01 * 2 - 1 if model == "gan" else x01
        self.y = y
        self.bs = batch_size
        self.perm = torch.randperm(len(self.x))
        self.pos = 0
        if model == "gan":
            self.g, self.d = generator(), discriminator()
            self.opt_g = torch.optim.Adam(self.g.parameters(), 2e-4, betas=(0.5, 0.999))
            self.opt_d = torch.optim.Adam(self.d.parameters(), 2e-4, betas=(0.5, 0.999))
        else:
            self.net = {"mlp": mlp, "cnn": cnn, "autoencoder": autoencoder}[model]()
            self.opt = torch.optim.Adam(self.net.parameters(), 1e-3)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.pos + self.bs > len(self.x):
            self.perm, self.pos = torch.randperm(len(self.x)), 0
        idx = self.perm[self.pos : self.pos + self.bs]
        self.pos += self.bs
        return self.x[idx], self.y[idx]

    def run(self, steps: int) -> float:
        """Returns the last loss (one sync at the end, as a plain loop that logs rarely would)."""
        loss = torch.zeros(())
        for _ in range(steps):
            x, y = self._batch()
            if self.model_name == "gan" and self.simultaneous:
                # The TensorFlow tutorial's step: one pass over the fakes, each loss differentiated for its model.
                fake = self.g(torch.randn(len(x), 100))
                d_fake = self.d(fake)
                d_loss = F.binary_cross_entropy_with_logits(
                    self.d(x), torch.ones(len(x))
                ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros(len(x)))
                loss = F.binary_cross_entropy_with_logits(d_fake, torch.ones(len(x)))
                d_grads = torch.autograd.grad(d_loss, list(self.d.parameters()), retain_graph=True)
                g_grads = torch.autograd.grad(loss, list(self.g.parameters()))
                for p, grad in zip([*self.d.parameters(), *self.g.parameters()], [*d_grads, *g_grads], strict=True):
                    p.grad = grad
                self.opt_d.step()
                self.opt_g.step()
            elif self.model_name == "gan":
                z = torch.randn(len(x), 100)
                fake = self.g(z)
                d_loss = F.binary_cross_entropy_with_logits(
                    self.d(x), torch.ones(len(x))
                ) + F.binary_cross_entropy_with_logits(self.d(fake.detach()), torch.zeros(len(x)))
                self.opt_d.zero_grad()
                d_loss.backward()
                self.opt_d.step()
                loss = F.binary_cross_entropy_with_logits(self.d(fake), torch.ones(len(x)))
                self.opt_g.zero_grad()
                loss.backward()
                self.opt_g.step()
            else:
                out = self.net(x)
                loss = F.mse_loss(out, x) if self.model_name == "autoencoder" else F.cross_entropy(out, y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
        return float(loss.detach())
