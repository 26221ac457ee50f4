"""A folder of images with one sub-folder per class (optionally under ``train/`` and ``val/``), read with Pillow.

Every image is brought to one size and one channel count: palette, 16-bit, alpha, CMYK and the other
Pillow modes are converted, transparent pixels are composited on black, and files Pillow cannot read
are skipped and counted rather than failing the whole folder.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from vision_lab.core.data.arrays import to_grey
from vision_lab.core.data.base import ImageDataset, stratified_split
from vision_lab.core.errors import DataError

#: Without an explicit image_size the most common size wins, but never larger than this on its long side:
#: a folder of phone photos must not become N × 4000 × 3000 × 3 bytes.
MAX_AUTO_SIDE = 128
_SIZE_SAMPLE = 64
_VAL_NAMES = ("val", "valid", "validation", "test")


@dataclass
class _Decoded:
    pixels: list[np.ndarray] = field(default_factory=list)  # H×W (grey) or H×W×3
    labels: list[int] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def _visible(names: list[str]) -> list[str]:
    return sorted(n for n in names if not n.startswith("."))


def _class_dirs(root: Path) -> list[Path]:
    try:
        return [root / n for n in _visible(os.listdir(root)) if (root / n).is_dir()]
    except OSError as err:
        raise DataError(f"Cannot read the folder '{root}' ({err.strerror or err}).") from None


def _files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = _visible(dirnames)
        found.extend(Path(dirpath) / n for n in _visible(filenames))
    return sorted(found)  # path order, as `find | sort` would list them


def split_roots(folder: Path) -> tuple[Path, Path | None]:
    """``(train_root, val_root)``: a ``train/`` + ``val/`` (or valid, validation, test) layout, else the folder."""
    subdirs = {d.name.lower(): d for d in _class_dirs(folder)}
    if "train" in subdirs and _class_dirs(subdirs["train"]):
        val = next((subdirs[n] for n in _VAL_NAMES if n in subdirs), None)
        if val is not None:
            return subdirs["train"], val
    return folder, None


def _to_8bit(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> an 8-bit "L" or "RGB" image; transparency composited on black."""
    mode = img.mode
    if mode in ("L", "RGB"):
        return img
    if mode == "1":
        return img.convert("L")
    if mode.startswith("I"):  # I;16, I;16B, I;16L, I (32-bit ints)
        arr = np.asarray(img).astype(np.int64)
        if mode.startswith("I;16") or arr.max(initial=0) > 255:
            arr = (np.clip(arr, 0, 65535) * 255 + 32767) // 65535  # 16-bit range -> 8-bit
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if mode == "F":
        arr = np.nan_to_num(np.asarray(img, dtype=np.float64))
        if arr.max(initial=0) <= 1.0:
            arr = arr * 255
        return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8))
    if mode == "P" and "transparency" not in img.info:
        return img.convert("RGB")
    if mode in ("LA", "La"):
        base, alpha = img.convert("LA").split()
        out = Image.new("L", img.size, 0)
        out.paste(base, mask=alpha)
        return out
    if mode in ("RGBA", "RGBa", "PA", "P"):
        rgba = img.convert("RGBA")
        out = Image.new("RGB", img.size, (0, 0, 0))
        out.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
        return out
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX, ...


def _decode(path: Path, size_wh: tuple[int, int]) -> np.ndarray:
    with Image.open(path) as opened:
        opened.draft(None, size_wh)  # JPEG: decode at a reduced scale when that is still big enough
        try:
            img = ImageOps.exif_transpose(opened)
        except Exception:  # a broken EXIF block should not cost the picture
            img = opened
        img = _to_8bit(img)
        if img.size != size_wh:
            img = img.resize(size_wh, Image.Resampling.BILINEAR, reducing_gap=3.0)
        return np.asarray(img)


def _pick_size(files: list[Path]) -> tuple[int, int] | None:
    """Most common (width, height) among the first readable files, scaled to fit MAX_AUTO_SIDE."""
    sizes: Counter[tuple[int, int]] = Counter()
    for path in files[: 4 * _SIZE_SAMPLE]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(path) as img:  # lazy: reads the header only
                    sizes[img.size] += 1
        except Exception:
            continue
        if sizes.total() >= _SIZE_SAMPLE:
            break
    if not sizes:
        return None
    (w, h), _ = sizes.most_common(1)[0]
    scale = min(1.0, MAX_AUTO_SIDE / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _read_classes(root: Path, classes: list[str], size_wh: tuple[int, int], out: _Decoded) -> None:
    for label, name in enumerate(classes):
        for path in _files_under(root / name):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # DecompressionBombWarning, odd PNG chunks, ...
                    pixels = _decode(path, size_wh)
            except Exception:  # Pillow raises many types for unreadable or non-image files
                out.skipped.append(path)
                continue
            out.pixels.append(pixels)
            out.labels.append(label)


def _is_colour(pixels: np.ndarray) -> bool:
    return pixels.ndim == 3 and not (
        np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2])
    )


def _stack(pixels: list[np.ndarray], channels: int, size_wh: tuple[int, int]) -> np.ndarray:
    w, h = size_wh
    out = np.empty((len(pixels), h, w, channels), dtype=np.uint8)
    for i, p in enumerate(pixels):
        if p.ndim == 2:
            out[i] = p[..., None]
        elif channels == 1:
            out[i] = to_grey(p)
        else:
            out[i] = p
    return out


def load_image_folder(
    folder: Path, name: str, image_size: int | None, channels: int | None, val_fraction: float, seed: int
) -> ImageDataset:
    train_root, val_root = split_roots(folder)
    classes = [d.name for d in _class_dirs(train_root)]
    if not classes:
        raise DataError(
            f"The folder '{folder}' has no class sub-folders; put each class's images in a sub-folder named after "
            "the class."
        )
    train_files = [p for c in classes for p in _files_under(train_root / c)]
    if not train_files:
        raise DataError(f"The class folders in '{train_root}' are all empty.")
    if image_size is not None:
        size_wh = (image_size, image_size)
    else:
        picked = _pick_size(train_files)
        if picked is None:
            raise DataError(f"No readable images were found in '{folder}' (tried {len(train_files)} files).")
        size_wh = picked

    train, val = _Decoded(), _Decoded()
    _read_classes(train_root, classes, size_wh, train)
    if not train.pixels:
        raise DataError(f"No readable images were found in '{folder}' (skipped {len(train.skipped)} files).")
    if val_root is not None:
        val_classes = [d.name for d in _class_dirs(val_root)]
        unknown = sorted(set(val_classes) - set(classes))
        if unknown:
            raise DataError(f"Validation class folder '{val_root / unknown[0]}' has no matching training folder.")
        # Read validation with the training label numbering.
        for label, cls in enumerate(classes):
            if cls in val_classes:
                part = _Decoded()
                _read_classes(val_root, [cls], size_wh, part)
                val.pixels += part.pixels
                val.labels += [label] * len(part.labels)
                val.skipped += part.skipped

    # Keep only classes that ended up with at least one training image, and renumber densely.
    counts = np.bincount(np.asarray(train.labels), minlength=len(classes))
    kept = [i for i in range(len(classes)) if counts[i] > 0]
    remap = {old: new for new, old in enumerate(kept)}
    notes: list[str] = []
    if len(kept) < len(classes):
        empty = [classes[i] for i in range(len(classes)) if counts[i] == 0]
        notes.append(f"ignored {len(empty)} class folder(s) without readable images: {', '.join(empty)}")
    val_keep = [i for i, lab in enumerate(val.labels) if lab in remap]

    n_channels = channels or (3 if any(_is_colour(p) for p in train.pixels + val.pixels) else 1)
    x = _stack(train.pixels, n_channels, size_wh)
    y = np.array([remap[lab] for lab in train.labels], dtype=np.int64)
    if val_root is not None:
        val_x = _stack([val.pixels[i] for i in val_keep], n_channels, size_wh)
        val_y = np.array([remap[val.labels[i]] for i in val_keep], dtype=np.int64)
        notes.append(f"validation = {val_root}")
    else:
        x, y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
        notes.append(f"validation = seeded stratified {val_fraction:.0%} hold-out (seed {seed})")

    skipped = train.skipped + val.skipped
    if skipped:
        notes.append(f"skipped {len(skipped)} unreadable file{'s' if len(skipped) != 1 else ''} (e.g. '{skipped[0]}')")
    notes.append(f"all images brought to {size_wh[1]}×{size_wh[0]} with {n_channels} channel(s)")
    return ImageDataset(
        name=name,
        train_images=x,
        train_labels=y,
        val_images=val_x,
        val_labels=val_y,
        class_names=tuple(classes[i] for i in kept),
        source=str(folder),
        notes=tuple(notes),
    )
