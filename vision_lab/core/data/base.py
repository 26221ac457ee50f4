"""The one shape every dataset takes, whatever its source."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t

#: ``progress(done, total)`` in bytes or items; ``total`` may be ``None`` when unknown.
#: Returning ``False`` asks the caller to cancel (downloads raise DownloadCancelled).
ProgressFn = Callable[[int, "int | None"], "bool | None"]

MAX_CLASSES = 10_000
"""More classes than any dataset Vision Lab can train on; a label past it is a corrupt or foreign file."""


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Images as uint8 ``N×H×W×C`` (C is 1 or 3) with integer labels, split into train and validation."""

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    class_names: tuple[str, ...]
    source: str
    #: Free-form facts worth showing a user (e.g. "skipped 3 unreadable files").
    notes: tuple[str, ...] = field(default=())
    #: Scenes (segmentation): uint8 N×H×W, each pixel's class index; 0 is the background, ``class_names[0]``.
    train_masks: np.ndarray | None = None
    val_masks: np.ndarray | None = None
    #: Scenes (detection): float32 N×K×5 rows ``(class, x0, y0, x1, y1)`` in pixels (x1, y1 exclusive), an image's
    #: K boxes padded with rows of class -1. Box classes index ``class_names`` as masks do.
    train_boxes: np.ndarray | None = None
    val_boxes: np.ndarray | None = None

    def __post_init__(self) -> None:
        for split, x, y in (
            ("train", self.train_images, self.train_labels),
            ("validation", self.val_images, self.val_labels),
        ):
            if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] not in (1, 3):
                raise DataError(
                    t(
                        "data.dataset_images_must",
                        "Dataset {kind}: {split} images must be uint8 N×H×W×C with C 1 or 3, got {dtype} {shape}.",
                        kind=repr(self.name),
                        split=split,
                        dtype=x.dtype,
                        shape=x.shape,
                    )
                )
            if y.ndim != 1 or len(y) != len(x):
                raise DataError(
                    t(
                        "data.dataset_images_but",
                        "Dataset {kind}: {split} has {x} images but {y} labels.",
                        kind=repr(self.name),
                        split=split,
                        x=len(x),
                        y=len(y),
                    )
                )
            if y.size and (y.min() < 0 or y.max() >= len(self.class_names)):  # else a crash mid-training
                bad = y.min() if y.min() < 0 else y.max()
                raise DataError(
                    t(
                        "data.dataset_label_but",
                        "Dataset {kind}: {split} has label {bad} but only {class_names} class names.",
                        kind=repr(self.name),
                        split=split,
                        bad=bad,
                        class_names=len(self.class_names),
                    )
                )
        if self.train_images.shape[1:] != self.val_images.shape[1:]:
            raise DataError(
                t(
                    "data.dataset_train_validation",
                    "Dataset {kind}: train and validation images differ in shape.",
                    kind=repr(self.name),
                )
            )
        if len(self.class_names) > MAX_CLASSES:
            raise DataError(
                t(
                    "data.dataset_classes_vision",
                    "Dataset {kind} has {class_names} classes; Vision Lab supports at most {max_classes}.",
                    kind=repr(self.name),
                    class_names=f"{len(self.class_names):,}",
                    max_classes=f"{MAX_CLASSES:,}",
                )
            )
        if len(self.train_images) == 0:
            raise DataError(
                t("data.dataset_no_training", "Dataset {kind} has no training images.", kind=repr(self.name))
            )
        self._check_targets()

    def _check_targets(self) -> None:
        """Masks and boxes, where given, match their images and name only known classes."""
        pairs = (("masks", (self.train_masks, self.val_masks)), ("boxes", (self.train_boxes, self.val_boxes)))
        for kind, pair in pairs:
            if pair[0] is None and pair[1] is None:
                continue
            for split, images, arr in (("train", self.train_images, pair[0]), ("validation", self.val_images, pair[1])):
                if kind == "masks":
                    ok = arr is not None and arr.dtype == np.uint8 and arr.shape == images.shape[:3]
                    top = int(arr.max()) if ok and arr.size else 0
                else:
                    ok = arr is not None and arr.dtype == np.float32 and arr.ndim == 3 and arr.shape[2] == 5
                    ok = ok and len(arr) == len(images)
                    top = int(arr[..., 0].max()) if ok and arr.size else 0
                if not ok:
                    raise DataError(
                        t(
                            "data.dataset_targets_shape",
                            "Dataset {kind}: the {split} {what} do not match its images.",
                            kind=repr(self.name),
                            split=split,
                            what=kind,
                        )
                    )
                if top >= len(self.class_names):
                    raise DataError(
                        t(
                            "data.dataset_label_but",
                            "Dataset {kind}: {split} has label {bad} but only {class_names} class names.",
                            kind=repr(self.name),
                            split=split,
                            bad=top,
                            class_names=len(self.class_names),
                        )
                    )

    @property
    def targets(self) -> tuple[str, ...]:
        """What a family can learn from here besides the images: ``class``, and ``mask``/``boxes`` for scenes."""
        return (
            "class",
            *(("mask",) if self.train_masks is not None else ()),
            *(("boxes",) if self.train_boxes is not None else ()),
        )

    def target_arrays(self, target: str) -> tuple[np.ndarray, np.ndarray]:
        """(train, validation) arrays of ``target``: labels, masks or boxes."""
        if target == "mask" and self.train_masks is not None and self.val_masks is not None:
            return self.train_masks, self.val_masks
        if target == "boxes" and self.train_boxes is not None and self.val_boxes is not None:
            return self.train_boxes, self.val_boxes
        return self.train_labels, self.val_labels

    def take(self, train: np.ndarray | None, val: np.ndarray | None) -> ImageDataset:
        """The images at these indices of each split (None: the whole split), with their labels, masks and boxes."""

        def pick(arr: np.ndarray | None, idx: np.ndarray | None) -> np.ndarray | None:
            return arr if arr is None or idx is None else arr[idx]

        return dataclasses.replace(
            self,
            train_images=pick(self.train_images, train),
            train_labels=pick(self.train_labels, train),
            train_masks=pick(self.train_masks, train),
            train_boxes=pick(self.train_boxes, train),
            val_images=pick(self.val_images, val),
            val_labels=pick(self.val_labels, val),
            val_masks=pick(self.val_masks, val),
            val_boxes=pick(self.val_boxes, val),
        )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)``."""
        h, w, c = self.train_images.shape[1:]
        return int(h), int(w), int(c)

    @property
    def channels(self) -> int:
        return self.image_shape[2]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self, split: str = "train") -> np.ndarray:
        labels = self.train_labels if split == "train" else self.val_labels
        return np.bincount(labels.astype(np.int64), minlength=self.num_classes)


def stratified_split(
    images: np.ndarray, labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seeded, stratified hold-out: ``fraction`` of each class goes to validation.

    Returns ``train_x, train_y, val_x, val_y``; order inside each split is by original index.
    """
    rng = np.random.default_rng(seed)
    val_idx: list[np.ndarray] = []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        n_val = round(len(idx) * fraction)
        if fraction <= 0:
            n_val = 0  # no hold-out asked for: don't force one image per class
        elif len(idx) > 1:
            n_val = min(max(n_val, 1), len(idx) - 1)
        else:
            n_val = 0
        val_idx.append(rng.choice(idx, size=n_val, replace=False))
    val = np.sort(np.concatenate(val_idx)) if val_idx else np.array([], dtype=np.int64)
    mask = np.ones(len(labels), dtype=bool)
    mask[val] = False
    return images[mask], labels[mask], images[val], labels[val]
