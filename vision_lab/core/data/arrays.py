"""Bring arrays from any source into ImageDataset's shape: uint8 N×H×W×C images, int64 labels."""

from __future__ import annotations

import numpy as np
from PIL import Image

from vision_lab.core.data import base
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t


def as_uint8_images(x: np.ndarray, what: str) -> np.ndarray:
    """N×H×W or N×H×W×C (or N×C×H×W with C 1 or 3) images of uint8, bool, ints or floats -> uint8 N×H×W×C.

    Floats are read as [0, 1] when they all lie there, else as [0, 255]; anything outside is an error
    rather than silently clipped, because it usually means the data was normalised some other way.
    """
    if x.ndim == 3:
        x = x[..., None]
    elif x.ndim == 4 and x.shape[-1] not in (1, 3) and x.shape[1] in (1, 3):
        x = x.transpose(0, 2, 3, 1)  # channels-first, as PyTorch stores it
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise DataError(
            t(
                "data.must_n_h",
                "{what} must be N×H×W or N×H×W×C images with 1 or 3 channels, got shape {shape}.",
                what=what,
                shape=x.shape,
            )
        )
    if x.dtype == np.uint8:
        return np.ascontiguousarray(x)
    if x.dtype == np.bool_:
        return x.astype(np.uint8) * 255
    if np.issubdtype(x.dtype, np.integer):
        if x.size and (x.min() < 0 or x.max() > 255):
            raise DataError(t("data.integer_pixel_values", "{what} has integer pixel values outside 0-255.", what=what))
        return x.astype(np.uint8)
    if np.issubdtype(x.dtype, np.floating):
        if x.size and not np.isfinite(x).all():
            raise DataError(t("data.contains_nan_infinite", "{what} contains NaN or infinite pixel values.", what=what))
        lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
        if lo < 0 or hi > 255:
            raise DataError(
                t(
                    "data.pixel_values_expected",
                    "{what} has pixel values from {low} to {high}; expected 0-1 or 0-255.",
                    what=what,
                    low=f"{lo:g}",
                    high=f"{hi:g}",
                )
            )
        scale = 255.0 if hi <= 1.0 else 1.0
        return np.rint(x * scale).astype(np.uint8)
    raise DataError(
        t("data.unsupported_pixel_type", "{what} has unsupported pixel type {dtype}.", what=what, dtype=x.dtype)
    )


def as_labels(y: np.ndarray, n: int, what: str) -> np.ndarray:
    """Integer (or integral float, or one-hot N×K) labels -> int64 of length ``n``, all in 0..MAX_CLASSES-1.

    The range is checked on the values as stored, before any cast: 1e300 or 2**64-1 cast to int64 would turn
    into a negative number and be reported as one.
    """
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    elif y.ndim == 2 and y.shape[0] == n and y.size and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        y = y.argmax(axis=1)
    if y.ndim != 1:
        raise DataError(
            t(
                "data.must_1_d",
                "{what} must be a 1-D array of class indices, got shape {shape}.",
                what=what,
                shape=y.shape,
            )
        )
    if len(y) != n:
        raise DataError(t("data.labels_images", "{what} has {y} labels for {n} images.", what=what, y=len(y), n=n))
    if y.dtype.kind == "f":
        if y.size and (not np.isfinite(y).all() or (y != np.round(y)).any()):
            raise DataError(
                t("data.contains_labels_are", "{what} contains labels that are not whole numbers.", what=what)
            )
    elif y.dtype.kind not in "iub":
        raise DataError(
            t("data.unsupported_label_type", "{what} has unsupported label type {dtype}.", what=what, dtype=y.dtype)
        )
    if y.size:
        low, high = y.min(), y.max()
        if low < 0:
            raise DataError(
                t(
                    "data.negative_label_labels",
                    "{what} has negative label {low}; labels are class numbers from 0.",
                    what=what,
                    low=_number(low),
                )
            )
        if high >= base.MAX_CLASSES:  # numpy compares uint64 and float values exactly, no cast
            check_class_count(None, what, _number(high))
    return y.astype(np.int64)


def check_class_count(count: int | None, what: str, label: str | None = None) -> None:
    """Refuse more than MAX_CLASSES classes: as labels (``label``, the largest) or as a list of names (``count``)."""
    if count is not None and count <= base.MAX_CLASSES:
        return
    if label is not None:
        raise DataError(
            t(
                "data.label_but_vision",
                "{what} has label {label}, but Vision Lab supports at most {max_classes} classes (labels 0 to "
                "{max_classes2}).",
                what=what,
                label=label,
                max_classes=f"{base.MAX_CLASSES:,}",
                max_classes2=f"{base.MAX_CLASSES - 1:,}",
            )
        )
    raise DataError(
        t(
            "data.class_names_but",
            "{what} has {count} class names, but Vision Lab supports at most {max_classes} classes.",
            what=what,
            count=f"{count:,}",
            max_classes=f"{base.MAX_CLASSES:,}",
        )
    )


def _number(value: np.generic) -> str:
    """A label as a user would write it: 1,000,000,000, or 1e+300 for a float too big to write out."""
    if isinstance(value, np.floating) and abs(float(value)) >= 1e15:
        return f"{float(value):g}"
    return f"{int(value):,}"


def default_class_names(*label_arrays: np.ndarray) -> tuple[str, ...]:
    top = max((int(y.max()) for y in label_arrays if y.size), default=0)
    check_class_count(top + 1, "The dataset", f"{top:,}")
    return tuple(str(i) for i in range(top + 1))


def to_grey(x: np.ndarray) -> np.ndarray:
    """RGB N×H×W×3 -> N×H×W×1 with the ITU-R 601-2 luma weights Pillow's convert('L') uses."""
    x = x.astype(np.uint32)
    luma = x[..., 0:1] * 299 + x[..., 1:2] * 587 + x[..., 2:3] * 114
    return ((luma + 500) // 1000).astype(np.uint8)


def conform(x: np.ndarray, size: tuple[int, int] | None, channels: int | None) -> np.ndarray:
    """Resize (bilinear) and convert channels so every dataset can honour ``image_size``/``channels``."""
    if channels == 1 and x.shape[-1] == 3:
        x = to_grey(x)
    elif channels == 3 and x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    if size is None or x.shape[1:3] == size:
        return x
    h, w = size
    out = np.empty((len(x), h, w, x.shape[-1]), dtype=np.uint8)
    for i, img in enumerate(x):
        pic = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        out[i] = np.asarray(pic.resize((w, h), Image.Resampling.BILINEAR)).reshape(h, w, -1)
    return out
