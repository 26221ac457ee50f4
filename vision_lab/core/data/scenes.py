"""Scenes: canvases with a few objects from a classification dataset, each with its per-pixel class and its box.

The article's other two tasks (semantic segmentation, object detection) need images where several things sit at
places to be found. Any labelled dataset gives them: its images are pasted at random places (optionally scaled) on
an empty canvas, and where an object's pixels are on, the mask takes its class. Training scenes draw their objects
from the source's training split only, validation scenes from its validation split only: a validation score is
never about an object the model trained on.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from vision_lab.core.data.base import ImageDataset
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import N_, t

PREFIX = "scenes:"
"""``scenes:<dataset name or path>``: scenes made of that dataset's images."""
DEFAULT_SOURCE = "mnist-5k"
DEFAULT_SIZE = 64
DEFAULT_COUNT = 4000
"""Training scenes; validation scenes are ``val_fraction`` of that again."""
MAX_OBJECTS = 3
SCALE = (0.8, 1.3)
"""An object's size relative to its source image, drawn per object (1.0 each where scaling is off)."""
FOREGROUND = 0.25
"""An object's pixels brighter than this share of its brightest one are the object (its mask and its box)."""
BACKGROUND = N_("data.scenes.background", "background")
DESCRIPTION = N_(
    "data.scenes.description",
    "Scenes of 1-3 handwritten digits on a 64×64 canvas, with each pixel's class and each digit's box: "
    "the data of the segmenter and the detector, made from mnist-5k.",
)


def scene_class_names(source: ImageDataset) -> tuple[str, ...]:
    """The background, then the source's classes: mask value and box class ``k`` is ``names[k]``."""
    return (str(BACKGROUND), *source.class_names)


def make_scenes(
    source: ImageDataset,
    *,
    count: int | None = None,
    size: int | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    max_objects: int = MAX_OBJECTS,
    scale: bool = True,
    name: str | None = None,
) -> ImageDataset:
    """Scenes from ``source``: ``count`` training scenes (default 4,000) of ``size``×``size`` pixels, and
    ``val_fraction`` of that many validation scenes (at least one). Same arguments, same scenes."""
    size = DEFAULT_SIZE if size is None else int(size)
    count = DEFAULT_COUNT if count is None else int(count)
    h, w = source.image_shape[:2]
    if size < max(h, w):
        raise DataError(
            t(
                "data.scenes.too_small",
                "A scene of {size}×{size} pixels cannot hold the {h}×{w} images of '{name}'; give an image size of "
                "at least {need}.",
                size=size,
                h=h,
                w=w,
                name=source.name,
                need=max(h, w),
            )
        )
    if not len(source.val_images):
        raise DataError(
            t(
                "data.scenes.no_validation",
                "The dataset '{name}' has no validation images, and validation scenes are made of those only; "
                "give it a validation share above 0.",
                name=source.name,
            )
        )
    n_val = max(1, round(count * val_fraction))
    train = _compose(source.train_images, source.train_labels, count, size, max_objects, scale, seed * 2 + 1)
    val = _compose(source.val_images, source.val_labels, n_val, size, max_objects, scale, seed * 2 + 2)
    return ImageDataset(
        name=name or f"{PREFIX}{source.name}",
        train_images=train[0],
        train_labels=train[1],
        val_images=val[0],
        val_labels=val[1],
        class_names=scene_class_names(source),
        source=source.source,
        notes=(
            *source.notes,
            t(
                "data.scenes.note",
                "{train} training and {val} validation scenes of {size}×{size} pixels, 1-{objects} objects each",
                train=f"{count:,}",
                val=f"{n_val:,}",
                size=size,
                objects=max_objects,
            ),
        ),
        train_masks=train[2],
        val_masks=val[2],
        train_boxes=train[3],
        val_boxes=val[3],
    )


def _compose(
    images: np.ndarray,
    labels: np.ndarray,
    count: int,
    size: int,
    max_objects: int,
    scale: bool,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(scenes N×S×S×C, the largest object's class per scene (0: none), masks N×S×S, boxes N×max_objects×5)."""
    rng = np.random.default_rng(seed)
    c = images.shape[3]
    out = np.zeros((count, size, size, c), np.uint8)
    masks = np.zeros((count, size, size), np.uint8)
    boxes = np.full((count, max_objects, 5), -1.0, np.float32)
    main = np.zeros(count, np.int64)
    for i in range(count):
        placed: list[tuple[int, int, int, int]] = []
        biggest = -1
        for k in range(int(rng.integers(1, max_objects + 1))):
            j = int(rng.integers(len(images)))
            obj = images[j]
            factor = float(rng.uniform(*SCALE)) if scale else 1.0
            if factor != 1.0:
                obj = _resized(obj, factor, size)
            on = obj.max(axis=2) > FOREGROUND * max(1, int(obj.max()))
            if not on.any():
                continue  # a blank source image: nothing to find
            ys, xs = np.nonzero(on)
            oh, ow = obj.shape[:2]
            # A few tries for a place that overlaps the objects already placed by less than a third.
            for _ in range(8):
                top, left = int(rng.integers(0, size - oh + 1)), int(rng.integers(0, size - ow + 1))
                box = (left + int(xs.min()), top + int(ys.min()), left + int(xs.max()) + 1, top + int(ys.max()) + 1)
                if all(_iou(box, other) < 1 / 3 for other in placed):
                    break
            region = out[i, top : top + oh, left : left + ow]
            np.maximum(region, obj, out=region)
            cls = int(labels[j]) + 1
            masks[i, top : top + oh, left : left + ow][on] = cls
            boxes[i, k] = (cls, *box)
            area = (box[2] - box[0]) * (box[3] - box[1])
            if area > biggest:
                biggest, main[i] = area, cls
            placed.append(box)
    # Boxes of skipped objects leave gaps: keep each scene's boxes first, padding after.
    order = np.argsort(boxes[:, :, 0] < 0, axis=1, kind="stable")
    boxes = np.take_along_axis(boxes, order[:, :, None], axis=1)
    return out, main, masks, boxes


def _resized(obj: np.ndarray, factor: float, limit: int) -> np.ndarray:
    h, w, c = obj.shape
    nh, nw = (min(limit, max(4, round(d * factor))) for d in (h, w))
    img = Image.fromarray(obj[:, :, 0] if c == 1 else obj).resize((nw, nh), Image.Resampling.BILINEAR)
    arr = np.asarray(img, np.uint8)
    return arr[:, :, None] if c == 1 else arr


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


__all__ = ["DEFAULT_SIZE", "DESCRIPTION", "PREFIX", "make_scenes", "scene_class_names"]
