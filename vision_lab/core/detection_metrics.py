"""Mean average precision of detections, COCO's way, in NumPy.

Per class and IoU threshold: the class's detections over all images, best score first (a stable sort, so ties keep
their order), each matched greedily to the unmatched truth box of its image and class with the highest IoU, if that
IoU is at least the threshold (a true positive); otherwise, duplicates included, it is a false positive. Precision
is made non-increasing from the right (the envelope), and the average precision is its mean at the 101 recalls 0,
0.01, ..., 1 (COCO's interpolation; a recall never reached counts 0). The mean is over the classes that have truth
boxes; detections of a class without any truth are not counted. ``val_map50`` is the mean at IoU 0.5, ``val_map`` the
mean over IoU 0.5, 0.55, ..., 0.95.

Boxes are ``(x0, y0, x1, y1)`` in pixels with x1/y1 exclusive, so a box's area is ``(x1 - x0) × (y1 - y0)``.
Detections: per image rows ``(class, score, x0, y0, x1, y1)``; truth: rows ``(class, x0, y0, x1, y1)``; rows of
class < 0 are padding. Either may be one N×M×6 / N×K×5 array or a list of per-image arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

COCO_THRESHOLDS = tuple(float(v) for v in np.linspace(0.5, 0.95, 10))
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class PRCurve:
    """One class's precision-recall curve at one IoU threshold, one point per detection in score order."""

    cls: int
    scores: np.ndarray
    precision: np.ndarray
    """Raw precision after each detection (not the envelope)."""
    recall: np.ndarray
    truth: int
    """Truth boxes of the class."""
    ap: float


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (A×4) with every box of ``b`` (B×4): A×B."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """COCO's 101-point average precision of a PR curve (points in detection order, recall non-decreasing)."""
    if not len(precision):
        return 0.0
    envelope = np.maximum.accumulate(np.asarray(precision, dtype=np.float64)[::-1])[::-1]
    at = np.searchsorted(np.asarray(recall, dtype=np.float64), RECALL_POINTS, side="left")
    reached = at < len(envelope)
    return float(np.where(reached, envelope[np.minimum(at, len(envelope) - 1)], 0.0).mean())


def _rows(arr: np.ndarray | Sequence[np.ndarray], width: int) -> list[np.ndarray]:
    images = [np.asarray(a, dtype=np.float64).reshape(-1, width) for a in arr]
    return [a[a[:, 0] >= 0] for a in images]


def _match(dets: list[np.ndarray], truths: list[np.ndarray], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """One class: (scores, true-positive flags) of its detections over all images, best score first."""
    if not sum(len(d) for d in dets):
        return np.zeros(0), np.zeros(0, dtype=bool)
    flat = np.concatenate(dets)
    image = np.concatenate([np.full(len(d), i) for i, d in enumerate(dets)])
    within = np.concatenate([np.arange(len(d)) for d in dets])  # a detection's row in its image's IoU matrix
    order = np.argsort(-flat[:, 1], kind="stable")
    ious = {i: iou(dets[i][:, 2:], truths[i][:, 1:]) for i in range(len(dets)) if len(dets[i]) and len(truths[i])}
    taken = {i: np.zeros(len(truths[i]), dtype=bool) for i in ious}
    tp = np.zeros(len(flat), dtype=bool)
    for rank, j in enumerate(order):
        i = int(image[j])
        if i not in ious:
            continue
        row = np.where(taken[i], -1.0, ious[i][within[j]])
        best = int(np.argmax(row))
        if row[best] >= threshold:
            taken[i][best] = True
            tp[rank] = True
    return flat[order, 1], tp


def pr_curves(
    detections: np.ndarray | Sequence[np.ndarray], truth: np.ndarray | Sequence[np.ndarray], threshold: float = 0.5
) -> dict[int, PRCurve]:
    """Each class with truth boxes -> its precision-recall curve and AP at this IoU threshold."""
    dets, truths = _rows(detections, 6), _rows(truth, 5)
    if len(dets) != len(truths):
        raise ValueError(f"{len(dets)} images of detections for {len(truths)} of truth")
    classes = sorted({int(c) for t in truths for c in t[:, 0]})
    curves = {}
    for c in classes:
        class_truth = [t[t[:, 0] == c] for t in truths]
        count = sum(len(t) for t in class_truth)
        scores, tp = _match([d[d[:, 0] == c] for d in dets], class_truth, threshold)
        hits = np.cumsum(tp)
        precision = hits / np.arange(1, len(tp) + 1)
        recall = hits / count
        curves[c] = PRCurve(c, scores, precision, recall, count, interpolated_ap(precision, recall))
    return curves


def mean_average_precision(
    detections: np.ndarray | Sequence[np.ndarray],
    truth: np.ndarray | Sequence[np.ndarray],
    thresholds: Sequence[float] = COCO_THRESHOLDS,
) -> float:
    """The mean over ``thresholds`` of the mean AP over the classes with truth boxes (0.0 when none has any)."""
    per = []
    for thr in thresholds:
        curves = pr_curves(detections, truth, thr)
        if not curves:
            return 0.0
        per.append(np.mean([c.ap for c in curves.values()]))
    return float(np.mean(per))


__all__ = ["COCO_THRESHOLDS", "PRCurve", "interpolated_ap", "iou", "mean_average_precision", "pr_curves"]
