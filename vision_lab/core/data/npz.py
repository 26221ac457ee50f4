"""A NumPy ``.npz`` file with ``x`` and ``y`` (and optionally ``x_val``, ``y_val``, ``class_names``).

Keras-style names (``x_train``/``y_train``/``x_test``/``y_test``, as in Keras' ``mnist.npz``) are
accepted too. Loaded with ``allow_pickle=False``: an .npz that needs pickle is refused, never executed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vision_lab.core.data.arrays import as_labels, as_uint8_images, default_class_names
from vision_lab.core.data.base import ImageDataset, stratified_split
from vision_lab.core.errors import DataError

_ALIASES = {
    "x": ("x", "x_train", "images"),
    "y": ("y", "y_train", "labels"),
    "x_val": ("x_val", "x_test", "val_images"),
    "y_val": ("y_val", "y_test", "val_labels"),
}


def _get(arrays: dict[str, np.ndarray], key: str) -> np.ndarray | None:
    return next((arrays[k] for k in _ALIASES[key] if k in arrays), None)


#: What Python's zipfile decompresses; np.savez writes the first, np.savez_compressed the second.
_READABLE = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
             zipfile.ZIP_LZMA: "lzma"}  # fmt: skip


def _check_members(path: Path) -> None:
    """Every member stored in a way zipfile can read (another tool's Deflate64 or encryption is named, not a crash)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (OSError, zipfile.BadZipFile, ValueError) as err:
        raise DataError(f"'{path}' is not a readable .npz file ({err}).") from None
    for info in members:
        if info.flag_bits & 0x1:
            raise DataError(f"'{path}' is encrypted ({info.filename}); save the arrays with np.savez.")
        if info.compress_type not in _READABLE:
            raise DataError(
                f"'{path}' stores {info.filename} with a compression method this program cannot read (method "
                f"{info.compress_type}); save the arrays with np.savez or np.savez_compressed."
            )


def load_npz(path: Path, name: str, val_fraction: float, seed: int) -> ImageDataset:
    if not zipfile.is_zipfile(path):  # np.load would try to unpickle it and blame pickle
        raise DataError(f"'{path}' is not a readable .npz file (it is not a zip archive).")
    _check_members(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise DataError(
                f"'{path}' stores Python objects that need pickle, which is not allowed; save plain arrays."
            ) from None
        raise DataError(f"'{path}' is not a readable .npz file ({err}).") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError, RuntimeError) as err:
        raise DataError(f"'{path}' is not a readable .npz file ({err}).") from None

    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy hands back the raw bytes of a member not named .npy
            raise DataError(
                f"'{path}' has a member '{key}' that is not a NumPy array (.npy); save arrays with np.savez."
            )
    x, y = _get(arrays, "x"), _get(arrays, "y")
    if x is None or y is None:
        raise DataError(f"'{path}' needs arrays named 'x' and 'y'; it has {', '.join(sorted(arrays)) or 'none'}.")
    x = as_uint8_images(x, f"'x' in '{path}'")
    y = as_labels(y, len(x), f"'y' in '{path}'")
    x_val, y_val = _get(arrays, "x_val"), _get(arrays, "y_val")
    if (x_val is None) != (y_val is None):
        raise DataError(f"'{path}' has only one of 'x_val' and 'y_val'; give both or neither.")
    if x_val is not None and y_val is not None:
        val_x = as_uint8_images(x_val, f"'x_val' in '{path}'")
        val_y = as_labels(y_val, len(val_x), f"'y_val' in '{path}'")
        if val_x.shape[1:] != x.shape[1:]:
            raise DataError(f"'x_val' and 'x' in '{path}' have different image shapes.")
        note = "validation = x_val/y_val"
    else:
        x, y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
        note = f"validation = seeded stratified {val_fraction:.0%} hold-out (seed {seed})"

    if "class_names" in arrays:
        raw = arrays["class_names"]
        if raw.dtype.kind not in "US" or raw.ndim != 1:
            raise DataError(f"'class_names' in '{path}' must be a 1-D array of strings.")
        class_names = tuple(s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s) for s in raw.tolist())
        top = max(int(y.max(initial=0)), int(val_y.max(initial=0)))
        if top >= len(class_names):
            raise DataError(f"'{path}' has label {top} but only {len(class_names)} class names.")
    else:
        class_names = default_class_names(y, val_y)
    return ImageDataset(
        name=name,
        train_images=x,
        train_labels=y,
        val_images=val_x,
        val_labels=val_y,
        class_names=class_names,
        source=str(path),
        notes=(note,),
    )
