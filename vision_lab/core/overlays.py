"""Scenes drawn for people: masks as coloured overlays, boxes over the image. Qt-free, so the window, the run
folder's preview.png and the tests draw the same pictures.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vision_lab.core.detection_metrics import iou as box_iou  # the mAP's own IoU: one definition
from vision_lab.core.events import Preview

# Class k > 0 takes colour k-1 (the background has none): Tableau's ten, then ten more that stay apart from them,
# chosen to read on grey digits and on a projector.
_COLOURS = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#ff7f0e",
    "#7f7f7f",
]
PALETTE = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in _COLOURS], np.uint8)
ALPHA = 0.6
"""How much of a class pixel is its colour; the rest is the image underneath, so the digit stays visible."""
BOX_SCALE = 4
"""Boxes are drawn on the image enlarged this much (nearest neighbour): lines and labels on 64 pixels would blur."""
THRESHOLD = 0.3
"""Predicted boxes shown with at least this score, until a view says otherwise."""
MATCH_IOU = 0.5


def class_colour(k: int) -> str:
    """``#rrggbb`` of class ``k`` (``k`` >= 1; the background has none)."""
    return _COLOURS[(k - 1) % len(_COLOURS)]


def _rgb(images: np.ndarray) -> np.ndarray:
    return np.repeat(images, 3, axis=3) if images.shape[3] == 1 else images


def colour_masks(images: np.ndarray, masks: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """uint8 N×H×W×C images with N×H×W class masks -> N×H×W×3: each class pixel tinted its class's colour."""
    rgb = _rgb(images).astype(np.float32)
    colours = PALETTE[(masks.astype(np.int64) - 1) % len(PALETTE)].astype(np.float32)
    on = (masks > 0)[..., None]
    out = np.where(on, rgb * (1 - alpha) + colours * alpha, rgb)
    return out.round().astype(np.uint8)


def shown_boxes(pred: np.ndarray, threshold: float) -> np.ndarray:
    """One image's predicted rows ``(class, score, x0, y0, x1, y1)`` with a class and at least ``threshold``."""
    return pred[(pred[:, 0] >= 0) & (pred[:, 1] >= threshold)]


def match(truth: np.ndarray, pred: np.ndarray, iou: float = MATCH_IOU) -> tuple[np.ndarray, np.ndarray]:
    """One image: which truth boxes (K×5, class -1 ignored) a shown prediction (M×6, best first) found, and which
    predictions found one, each truth box taken by its best-scoring prediction of its class at IoU >= ``iou``."""
    truth = truth[truth[:, 0] >= 0]
    found = np.zeros(len(truth), bool)
    right = np.zeros(len(pred), bool)
    if not len(truth) or not len(pred):
        return found, right
    ious = box_iou(pred[:, 2:6], truth[:, 1:5])
    for i in np.argsort(-pred[:, 1], kind="stable"):
        cand = np.flatnonzero((truth[:, 0] == pred[i, 0]) & ~found & (ious[i] >= iou))
        if len(cand):
            found[cand[np.argmax(ious[i, cand])]] = True
            right[i] = True
    return found, right


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow before 10.1: one small bitmap font
        return ImageFont.load_default()


def draw_boxes(
    images: np.ndarray,
    truth: np.ndarray | None,
    pred: np.ndarray | None,
    class_names: tuple[str, ...],
    threshold: float = THRESHOLD,
    scale: int = BOX_SCALE,
) -> np.ndarray:
    """N×(H·scale)×(W·scale)×3: the truth as dashed white boxes, the predictions above ``threshold`` as boxes of
    their class's colour labelled with class and score."""
    rgb = _rgb(images)
    out = []
    font = _font(max(10, 3 * scale))
    for i, image in enumerate(rgb):
        big = Image.fromarray(image).resize((image.shape[1] * scale, image.shape[0] * scale), Image.Resampling.NEAREST)
        draw = ImageDraw.Draw(big)
        if truth is not None:
            for row in truth[i][truth[i][:, 0] >= 0]:
                _dashed(draw, [v * scale for v in row[1:5]], scale)
        if pred is not None:
            for row in shown_boxes(pred[i], threshold)[::-1]:  # the best drawn last, on top
                k = int(row[0])
                colour = class_colour(k)
                # An untrained model's boxes may be empty or inside out: drawn as at least one pixel, not refused.
                x0, x1 = sorted(float(v) * scale for v in (row[2], row[4]))
                y0, y1 = sorted(float(v) * scale for v in (row[3], row[5]))
                x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
                draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=colour, width=max(1, scale // 2))
                name = class_names[k] if 0 <= k < len(class_names) else str(k)
                label = f"{name} {row[1]:.2f}"
                left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
                ty = y0 - (bottom - top) - 3 if y0 >= bottom - top + 3 else y1
                draw.rectangle((x0, ty, x0 + right - left + 3, ty + bottom - top + 2), fill=colour)
                draw.text((x0 + 2 - left, ty + 1 - top), label, fill="#ffffff", font=font)
        out.append(np.asarray(big, np.uint8))
    return np.stack(out) if out else np.zeros((0, 1, 1, 3), np.uint8)


def _dashed(draw: ImageDraw.ImageDraw, box: list[float], scale: int) -> None:
    x0, y0 = box[0], box[1]
    x1, y1 = max(box[2] - 1, x0), max(box[3] - 1, y0)
    dash = 2 * scale
    for a, b, fixed, horizontal in ((x0, x1, y0, True), (x0, x1, y1, True), (y0, y1, x0, False), (y0, y1, x1, False)):
        pos = a
        while pos < b:
            end = min(pos + dash, b)
            line = (pos, fixed, end, fixed) if horizontal else (fixed, pos, fixed, end)
            draw.line(line, fill="#ffffff", width=max(1, scale // 2))
            pos += 2 * dash


def preview_picture(p: Preview) -> tuple[np.ndarray, list[np.ndarray]]:
    """A scenes preview as the rows of its grid: (images, the rows drawn under them). Segmentation: the scene, the
    prediction, the truth; detections: the scene with both kinds of boxes, nothing under it."""
    if p.kind == "segmentation" and p.masks is not None and p.predicted_masks is not None:
        return _rgb(p.images), [colour_masks(p.images, p.predicted_masks), colour_masks(p.images, p.masks)]
    if p.kind == "detections":
        return draw_boxes(p.images, p.boxes, p.predicted_boxes, p.class_names), []
    return p.images, []


__all__ = [
    "PALETTE",
    "box_iou",
    "class_colour",
    "colour_masks",
    "draw_boxes",
    "match",
    "preview_picture",
    "shown_boxes",
]
