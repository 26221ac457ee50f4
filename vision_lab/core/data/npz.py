"""A NumPy ``.npz`` file with ``x`` and ``y`` (and optionally ``x_val``, ``y_val``, ``class_names``).

Keras-style names (``x_train``/``y_train``/``x_test``/``y_test``, as in Keras' ``mnist.npz``) are
accepted too. Loaded with ``allow_pickle=False``: an .npz that needs pickle is refused, never executed. Each array's
header is checked against what its zip member can hold before anything is allocated: a header may claim 10^14 bytes.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from vision_lab.core.data.arrays import as_labels, as_uint8_images, check_class_count, default_class_names
from vision_lab.core.data.base import ImageDataset, stratified_split
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t
from vision_lab.core.safe_io import MAX_DATA_FILE, open_file, shown

# Deflate cannot expand data by more than about 1032:1 (as in idx.py).
_MAX_DEFLATE_RATIO = 1100

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


def _check_members(zf: zipfile.ZipFile, path: Path) -> None:
    """Every member stored in a way zipfile can read (another tool's Deflate64 or encryption is named, not a
    crash), and every ``.npy`` member's header against the bytes it holds, before numpy allocates the array."""
    for info in zf.infolist():
        if info.flag_bits & 0x1:
            raise DataError(
                t(
                    "data.encrypted_save_arrays",
                    "'{path}' is encrypted ({filename}); save the arrays with np.savez.",
                    path=shown(path),
                    filename=info.filename,
                )
            )
        if info.compress_type not in _READABLE:
            raise DataError(
                t(
                    "data.stores_compression_method",
                    "'{path}' stores {filename} with a compression method this program cannot read (method "
                    "{compress_type}); save the arrays with np.savez or np.savez_compressed.",
                    path=shown(path),
                    filename=info.filename,
                    compress_type=info.compress_type,
                )
            )
        if not info.filename.endswith(".npy"):
            continue
        key = info.filename[:-4]
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > info.compress_size * _MAX_DEFLATE_RATIO + 1024:
            raise DataError(
                t(
                    "data.claims_bytes_far",
                    "'{key}' in '{path}' claims {file_size} bytes, far more than its {compress_size} compressed bytes "
                    "can hold.",
                    key=key,
                    path=shown(path),
                    file_size=f"{info.file_size:,}",
                    compress_size=f"{info.compress_size:,}",
                )
            )
        try:
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                header = fh.tell()
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, SyntaxError, TypeError, NotImplementedError,
                RuntimeError) as err:  # fmt: skip
            raise DataError(
                t(
                    "data.not_readable_array",
                    "'{key}' in '{path}' is not a readable array ({error}).",
                    key=key,
                    path=shown(path),
                    error=err,
                )
            ) from None
        if dtype.hasobject:
            continue  # refused by np.load(allow_pickle=False) below, with its own sentence
        need = math.prod(shape) * dtype.itemsize
        have = info.file_size - header
        if need > have:
            raise DataError(
                t(
                    "data.declares_bytes_data",
                    "'{key}' in '{path}' declares {need} bytes of data (shape {shape}) but holds only {have}.",
                    key=key,
                    path=shown(path),
                    need=f"{need:,}",
                    shape=shape,
                    have=f"{max(have, 0):,}",
                )
            )


def load_npz(path: Path, name: str, val_fraction: float, seed: int) -> ImageDataset:
    with open_file(path, "The .npz file", MAX_DATA_FILE, DataError) as fh:
        if not zipfile.is_zipfile(fh):  # np.load would try to unpickle it and blame pickle
            raise DataError(
                t(
                    "data.not_readable_npz",
                    "'{path}' is not a readable .npz file (it is not a zip archive).",
                    path=shown(path),
                )
            )
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as zf:
                _check_members(zf, path)
            fh.seek(0)
            with np.load(fh, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except ValueError as err:
            if "pickle" in str(err).lower():
                raise DataError(
                    t(
                        "data.stores_python_objects",
                        "'{path}' stores Python objects that need pickle, which is not allowed; save plain arrays.",
                        path=shown(path),
                    )
                ) from None
            raise DataError(
                t(
                    "data.not_readable_npz_2",
                    "'{path}' is not a readable .npz file ({error}).",
                    path=shown(path),
                    error=err,
                )
            ) from None
        except (OSError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError, RuntimeError) as err:
            raise DataError(
                t(
                    "data.not_readable_npz_2",
                    "'{path}' is not a readable .npz file ({error}).",
                    path=shown(path),
                    error=err,
                )
            ) from None

    for key, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy hands back the raw bytes of a member not named .npy
            raise DataError(
                t(
                    "data.member_not_numpy",
                    "'{path}' has a member '{key}' that is not a NumPy array (.npy); save arrays with np.savez.",
                    path=path,
                    key=key,
                )
            )
    x, y = _get(arrays, "x"), _get(arrays, "y")
    if x is None or y is None:
        raise DataError(
            t(
                "data.needs_arrays_named",
                "'{path}' needs arrays named 'x' and 'y'; it has {none}.",
                path=path,
                none=", ".join(sorted(arrays)) or "none",
            )
        )
    x = as_uint8_images(x, f"'x' in '{path}'")
    y = as_labels(y, len(x), f"'y' in '{path}'")
    x_val, y_val = _get(arrays, "x_val"), _get(arrays, "y_val")
    if (x_val is None) != (y_val is None):
        raise DataError(
            t("data.only_one_x", "'{path}' has only one of 'x_val' and 'y_val'; give both or neither.", path=path)
        )
    if x_val is not None and y_val is not None:
        val_x = as_uint8_images(x_val, f"'x_val' in '{path}'")
        val_y = as_labels(y_val, len(val_x), f"'y_val' in '{path}'")
        if val_x.shape[1:] != x.shape[1:]:
            raise DataError(t("data.x_val_x", "'x_val' and 'x' in '{path}' have different image shapes.", path=path))
        note = "validation = x_val/y_val"
    else:
        x, y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
        note = t(
            "data.note.hold_out",
            "validation = seeded stratified {fraction} hold-out (seed {seed})",
            fraction=f"{val_fraction:.0%}",
            seed=seed,
        )

    if "class_names" in arrays:
        raw = arrays["class_names"]
        if raw.dtype.kind not in "US" or raw.ndim != 1:
            raise DataError(
                t("data.class_names_must", "'class_names' in '{path}' must be a 1-D array of strings.", path=path)
            )
        check_class_count(len(raw), f"'{shown(path)}'")
        class_names = tuple(s.decode("utf-8", "replace") if isinstance(s, bytes) else str(s) for s in raw.tolist())
        top = max(int(y.max(initial=0)), int(val_y.max(initial=0)))
        if top >= len(class_names):
            raise DataError(
                t(
                    "data.npz.label_without_name",
                    "'{path}' has label {top} but only {class_names} class names.",
                    path=path,
                    top=top,
                    class_names=len(class_names),
                )
            )
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
