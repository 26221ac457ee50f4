"""Where a transformer looks: each head's attention from the class token over the patches, per block, and the
attention rollout through all blocks, read from the model itself (vision_lab/core/models/vit.py) and drawn over
the image. Qt-free: the Inspect view shows these arrays; tests recompute them from the weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vision_lab.core.inspect import Inspector

HEAT = np.array([[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]], np.float32)
"""A black-red-yellow ramp (inferno's stops): more attention is brighter, on a projector and in grey print."""


@dataclass(frozen=True)
class AttentionMaps:
    """One image through the model: what its class token attends to."""

    heads: np.ndarray
    """blocks × heads × gh × gw: each head's softmax weights from the class token to each patch (the weight it
    keeps on the class token itself is ``cls_self``; the patches' weights and it sum to 1)."""
    cls_self: np.ndarray
    """blocks × heads: the weight each head leaves on the class token."""
    rollout: np.ndarray
    """gh × gw: attention rollout through every block (heads averaged, residual counted), over the patches only,
    summing to 1."""
    patch: int
    probabilities: np.ndarray
    """The model's class probabilities for the image."""
    full: list[np.ndarray]
    """Per block, heads × tokens × tokens: the whole attention, token 0 the class token (row-major patches)."""


def attention_maps(inspector: Inspector, image: np.ndarray) -> AttentionMaps:
    """``image`` (H×W×C or H×W, uint8 or floats in [0, 1]) through the inspector's model, attention kept.

    ValueError when the model has no attention to read (a family without the ``attention`` capability).
    """
    import torch

    from vision_lab.core import families
    from vision_lab.core.models.vit import attention_maps as read
    from vision_lab.core.models.vit import attention_rollout

    family = families.get(inspector.family)
    model = inspector.task.modules.get("model")
    if not family.has("attention") or model is None or not hasattr(model, "grid"):
        raise ValueError(f"The attention view needs a transformer ({family.title} has no attention).")
    h, w, c = inspector.image_shape
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[..., None]
    if a.shape != (h, w, c):
        raise ValueError(f"Expected one image of shape {h}×{w}×{c}, got {'×'.join(map(str, a.shape))}.")
    a01 = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else np.clip(a.astype(np.float32), 0.0, 1.0)
    lo, hi = inspector.task.value_range
    x = torch.from_numpy(np.ascontiguousarray(a01)).permute(2, 0, 1)[None] * (hi - lo) + lo
    logits, maps = read(model, x)
    gh, gw = model.grid
    cls_rows = np.stack([m[0, :, 0].numpy() for m in maps])  # blocks × heads × tokens
    roll = attention_rollout(maps)[0, 0, 1:].numpy()
    return AttentionMaps(
        heads=cls_rows[:, :, 1:].reshape(len(maps), -1, gh, gw),
        cls_self=cls_rows[:, :, 0],
        rollout=(roll / max(float(roll.sum()), 1e-12)).reshape(gh, gw),
        patch=int(model.patch),
        probabilities=torch.softmax(logits, 1)[0].numpy(),
        full=[m[0].numpy() for m in maps],
    )


def overlay(image: np.ndarray, weights: np.ndarray, patch: int, scale: int = 4) -> np.ndarray:
    """The image (uint8 H×W×C) in grey with ``weights`` (gh × gw) drawn over each patch as heat, and the patch grid:
    a uint8 (H·scale)×(W·scale)×3 picture. The weights are scaled to their own maximum (each head's pattern shows,
    whatever its share of the class token's attention); the caption says the share."""
    a = np.asarray(image, np.float32)
    grey = (a.mean(axis=2) if a.ndim == 3 else a) / 255.0
    h, w = grey.shape
    gh, gw = weights.shape
    peak = float(weights.max())
    norm = weights / peak if peak > 0 else np.zeros_like(weights)
    heat = np.kron(norm, np.ones((patch, patch), np.float32))
    heat = np.pad(heat, ((0, h - heat.shape[0]), (0, w - heat.shape[1])))  # a strip no patch covers stays dark
    pos = heat * (len(HEAT) - 1)
    lo = np.clip(np.floor(pos).astype(int), 0, len(HEAT) - 2)
    colour = HEAT[lo] + (pos - lo)[..., None] * (HEAT[lo + 1] - HEAT[lo])
    picture = 0.55 * colour + 0.45 * (grey[..., None] * 255.0)
    picture = np.kron(picture, np.ones((scale, scale, 1), np.float32))
    grid = (110.0, 200.0, 255.0)  # light blue lines between patches, one screen pixel wide at this scale
    for i in range(1, gh):
        picture[i * patch * scale, :, :] = grid
    for j in range(1, gw):
        picture[:, j * patch * scale, :] = grid
    return np.clip(picture + 0.5, 0, 255).astype(np.uint8)
