"""Can a learner trust an attribution? The deletion test (Petsiuk et al., RISE, 2018): remove the pixels a map
ranks highest first, painting them black (the background), and watch the model's confidence in the class it
predicted on the intact image fall. A faithful map makes it fall fast: a small area under the curve
(``deletion_auc``). Removing pixels in a seeded random order gives the yardstick (``random_auc``); a map that
does no better than that says nothing about the model.

Qt-free; torch loads when a test runs. Images are scored in batches (every removal step of a chunk of images at
once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vision_lab.core.attributions import Explainable, attribute, explainable, predict, to_input
from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import t

STEPS = 20
"""Removal steps: 0 %, 5 %, ..., 100 % of the pixels."""
DEFAULT_IMAGES = 200
"""Validation images scored by default: a seeded random subset (the whole set when it is smaller)."""


@dataclass
class Score:
    """One method's deletion test, averaged over the images."""

    deletion_auc: float
    random_auc: float
    fractions: list[float] = field(default_factory=list)
    deletion_curve: list[float] = field(default_factory=list)
    """Mean confidence in the originally predicted class after removing each fraction, the map's top pixels first."""
    random_curve: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {"deletion_auc": self.deletion_auc, "random_auc": self.random_auc}


def auc(fractions: np.ndarray, curve: np.ndarray) -> float:
    """The area under ``curve`` over ``fractions`` (0 to 1) by the trapezoid rule."""
    f, c = np.asarray(fractions, np.float64), np.asarray(curve, np.float64)
    return float(np.sum((c[1:] + c[:-1]) * np.diff(f)) / 2.0)


def removal_order(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per image, the flat pixel indices from the highest score to the lowest (N×H·W). Ties (a map's flat zero
    background) are broken in a random order, so that a tie never favours the top-left pixels."""
    flat = np.asarray(scores, np.float64).reshape(len(scores), -1)
    tie_break = rng.random(flat.shape)
    return np.lexsort((tie_break, -flat), axis=-1)


def deletion_curve(
    ex: Explainable, images: np.ndarray, order: np.ndarray, steps: int = STEPS, chunk: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """(fractions, mean confidence) as the pixels leave in ``order`` (N×H·W flat indices, first removed first).

    The class is the one the model predicts on each intact image; a removed pixel becomes black in every channel.
    """
    import torch

    x = to_input(ex, images)
    n, c, h, w = x.shape
    lo = float(ex.value_range[0])
    fractions = np.linspace(0.0, 1.0, steps + 1)
    counts = np.round(fractions * h * w).astype(int)
    predicted = predict(ex, x).argmax(1)
    total = np.zeros(steps + 1, np.float64)
    # rank[i, p] = when pixel p of image i leaves: it is gone at step s when rank < counts[s].
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(h * w)[None].repeat(n, 0), axis=1)
    for i in range(0, n, chunk):
        xs = x[i : i + chunk]
        m = len(xs)
        gone = torch.from_numpy(rank[i : i + chunk][:, None, :] < counts[None, :, None])  # m×S×HW
        batch = xs[:, None].expand(m, steps + 1, c, h, w).reshape(m, steps + 1, c, h * w).clone()
        batch = torch.where(gone[:, :, None, :], torch.tensor(lo), batch).reshape(-1, c, h, w)
        probs = predict(ex, batch).reshape(m, steps + 1, -1)
        cls = predicted[i : i + chunk]
        total += probs[torch.arange(m), :, cls].double().sum(0).numpy()
    return fractions, (total / max(n, 1)).astype(np.float64)


def pick_images(count: int, limit: int | None, seed: int) -> np.ndarray:
    """The indices of a seeded random subset of ``limit`` of ``count`` images (all of them when None or more)."""
    if limit is not None and limit < 1:
        raise ConfigError(t("faithfulness.images", "The number of images must be at least 1, got {n}.", n=limit))
    if limit is None or limit >= count:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).permutation(count)[:limit])


def evaluate(
    source: Any,
    images: np.ndarray,
    methods: Sequence[str],
    *,
    seed: int = 0,
    steps: int = STEPS,
    attributions: dict[str, np.ndarray] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Score]:
    """The deletion test of each method on ``images`` (all of them: pick a subset with :func:`pick_images`).

    ``attributions`` may hold maps already computed (method -> N×H×W) so they are not computed twice. The random
    yardstick is the same seeded order for every method.
    """
    ex = explainable(source)
    if len(images) == 0:
        raise ConfigError(t("faithfulness.empty", "There are no images to run the deletion test on."))
    h, w, _ = ex.image_shape
    random_order = removal_order(np.zeros((len(images), h, w)), np.random.default_rng(seed))
    fractions, random_curve = deletion_curve(ex, images, random_order, steps)
    random_auc = auc(fractions, random_curve)
    out: dict[str, Score] = {}
    for method in methods:
        if progress is not None:
            progress(method)
        maps = (attributions or {}).get(method)
        if maps is None:
            maps = attribute(ex, images, method, seed=seed)
        order = removal_order(maps, np.random.default_rng(seed + 1))
        _, curve = deletion_curve(ex, images, order, steps)
        out[method] = Score(
            deletion_auc=auc(fractions, curve),
            random_auc=random_auc,
            fractions=[float(f) for f in fractions],
            deletion_curve=[float(v) for v in curve],
            random_curve=[float(v) for v in random_curve],
        )
    return out
