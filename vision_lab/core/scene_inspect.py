"""See inside a segmenter or a detector: each pixel's class probabilities, per-class IoU and AP, the worst scenes.

Works on an :class:`~vision_lab.core.inspect.Inspector` (its own CPU copy of the model), as the other views do; the
scores are the ones training reports (vision_lab/core/segmentation.py, vision_lab/core/detection_metrics.py),
computed here on the scenes a view shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vision_lab.core.detection_metrics import pr_curves
from vision_lab.core.overlays import match, shown_boxes
from vision_lab.core.scene_scores import confusion, per_class_iou, scene_ious

if TYPE_CHECKING:
    from vision_lab.core.inspect import Inspector

SCENES = 200
"""Validation scenes a view ranks (the first ones): enough to find bad ones, quick enough to redo as it trains."""


# torch is imported where a model runs, not at import: the window builds this view before PyTorch has loaded.
def segment(insp: Inspector, images: np.ndarray) -> np.ndarray:
    """Class probabilities of every pixel: float32 N×K×H×W (K classes, the background first)."""
    import torch
    import torch.nn.functional as F

    from vision_lab.core.tasks import EVAL_BATCH

    insp._need("Class probabilities per pixel", "segment")
    model = insp.task.modules["model"]
    x = insp._batch(images)
    with torch.inference_mode():
        return torch.cat([F.softmax(model(x[i : i + EVAL_BATCH]), 1) for i in range(0, len(x), EVAL_BATCH)]).numpy()


def detect(insp: Inspector, images: np.ndarray) -> np.ndarray:
    """Every box the detector keeps per image, threshold aside: float32 N×M×6 rows (class, score, x0, y0, x1, y1),
    best first, padded with class -1."""
    import torch

    from vision_lab.core.tasks import EVAL_BATCH

    task = insp._need("Boxes", "detect")
    x = insp._batch(images)
    with torch.inference_mode():
        return torch.cat([task.detect(x[i : i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)]).numpy()


def box_errors(truth: np.ndarray, pred: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per scene: true boxes missed, and boxes shown (score >= threshold) that found nothing."""
    missed, false = np.zeros(len(truth), np.int64), np.zeros(len(truth), np.int64)
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        found, right = match(t, shown_boxes(p, threshold))
        missed[i], false[i] = int((~found).sum()), int((~right).sum())
    return missed, false


def average_precision(truth: np.ndarray, boxes: np.ndarray, k: int, iou: float = 0.5) -> np.ndarray:
    """Each class's AP at this IoU over the scenes (as ``val_map50`` computes it); NaN for a class with no truth."""
    ap = np.full(k, np.nan)
    for c, curve in pr_curves(boxes, truth, iou).items():
        if 0 <= c < k:
            ap[c] = curve.ap
    return ap


def worst_first(badness: np.ndarray) -> np.ndarray:
    """Indices from the worst scene to the best; ties keep their order."""
    return np.argsort(-badness, kind="stable")


__all__ = [
    "SCENES",
    "average_precision",
    "box_errors",
    "confusion",
    "detect",
    "per_class_iou",
    "scene_ious",
    "segment",
    "worst_first",
]
