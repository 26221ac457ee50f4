"""Segmentation scores in NumPy alone: what training reports (vision_lab/core/segmentation.py) and what the window
shows of a preview or a scene, with no PyTorch to load (the window draws previews before it has imported torch)."""

from __future__ import annotations

import numpy as np


def confusion(truth: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """K×K pixel counts of class masks, rows the true class."""
    t, p = np.asarray(truth, np.int64).ravel(), np.asarray(pred, np.int64).ravel()
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def per_class_iou(confusion: np.ndarray) -> np.ndarray:
    """IoU of each class (float64, length K); NaN for a class in neither the truth nor the prediction."""
    m = np.asarray(confusion, dtype=np.float64)
    tp = np.diag(m)
    union = m.sum(0) + m.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.where(union > 0, union, 1.0), np.nan)


def mean_iou(confusion: np.ndarray) -> float:
    """The mean IoU over the classes present in the truth or the prediction (0.0 for an empty matrix)."""
    iou = per_class_iou(confusion)
    present = iou[~np.isnan(iou)]
    return float(present.mean()) if len(present) else 0.0


def pixel_accuracy(confusion: np.ndarray) -> float:
    m = np.asarray(confusion, dtype=np.float64)
    total = m.sum()
    return float(np.trace(m) / total) if total else 0.0


def scene_ious(truth: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """Each scene's mean IoU over the classes it shows or is predicted to show (N×H×W masks)."""
    return np.array([mean_iou(confusion(t, p, k)) for t, p in zip(truth, pred, strict=True)])


__all__ = ["confusion", "mean_iou", "per_class_iou", "pixel_accuracy", "scene_ious"]
