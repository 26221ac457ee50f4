"""The reference: each family's article model trained by a plain PyTorch loop over in-memory tensors.

Written the way a careful person would write it by hand, with nothing of the engine's: no events, no reporting,
no previews. No framework can do the same work with less. What a step is (the network, its optimizer, its loss)
is the family's recipe (``Family.bench``, in vision_lab/core/families); this module only batches.
"""

from __future__ import annotations

import torch

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, article_config


class BareLoop:
    """``run(steps)`` trains that many batches; batches cycle through a fresh permutation each epoch."""

    def __init__(
        self, model: str, x01: torch.Tensor, y: torch.Tensor, batch_size: int, cfg: ExperimentConfig | None = None
    ) -> None:
        torch.manual_seed(0)
        recipe = families.get(model).bench
        if recipe is None:
            raise ValueError(f"The {model} family has no bare-PyTorch recipe for the bench.")
        self.model_name = model
        self.perm = torch.randperm(len(x01))
        self.x, self.step = recipe(cfg if cfg is not None else article_config(model), x01, y)
        self.y = y
        self.bs = batch_size
        self.pos = 0

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
            loss = self.step(x, y)
        return float(loss.detach())
