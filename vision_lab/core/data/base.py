"""The one shape every dataset takes, whatever its source."""

from __future__ import annotations

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
