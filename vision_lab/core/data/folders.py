"""A folder of images with one sub-folder per class (optionally under ``train/`` and ``val/``), read with Pillow.

Every image is brought to one size and one channel count: palette, 16-bit, alpha, CMYK and the other
Pillow modes are converted, transparent pixels are composited on black, and files Pillow cannot read
are skipped and counted rather than failing the whole folder. Only the formats of
:data:`vision_lab.core.images.IMAGE_FORMATS` are opened, special files are never opened, a picture over
:data:`~vision_lab.core.images.MAX_IMAGE_PIXELS` is skipped from its header, and the scan of the folder is bounded,
reports progress and can be cancelled (``--dataset /`` must not walk the whole disk in silence).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from vision_lab.core.data import base
from vision_lab.core.data.arrays import to_grey
from vision_lab.core.data.base import ImageDataset, ProgressFn, stratified_split
from vision_lab.core.errors import DataError, LoadCancelled
from vision_lab.core.i18n import t
from vision_lab.core.images import MAX_IMAGE_PIXELS, ImageTooLarge, open_image
from vision_lab.core.safe_io import shown

#: Without an explicit image_size the most common size wins, but never larger than this on its long side:
#: a folder of phone photos must not become N × 4000 × 3000 × 3 bytes.
MAX_AUTO_SIDE = 128
_SIZE_SAMPLE = 64
_VAL_NAMES = ("val", "valid", "validation", "test")
MAX_FOLDER_FILES = 250_000
"""Files under the class folders. Even at 28×28 grey, more images than this are more than a desktop playground
holds; and the limit stops the scan of a folder that is not a dataset at all (``/``, ``/proc/self``, a home folder)
within seconds."""
PROGRESS_EVERY = 1000
"""Files scanned (or images read) between two progress reports."""
#: What makes a sub-folder a Vision Lab run (core.runs writes them) rather than a class: ``--out`` inside the
#: dataset folder must not become a class of the next run.
_RUN_MARK = "config.json"
_RUN_FILES = ("metrics.csv", "weights.safetensors", "dataset.json", "checkpoints")


@dataclass
class _Decoded:
    pixels: list[np.ndarray] = field(default_factory=list)  # H×W (grey) or H×W×3
    labels: list[int] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    """(file, why) for each file that was not read."""
    too_large: list[tuple[Path, str]] = field(default_factory=list)
    """(file, why) for pictures over the pixel bound: skipped from their header, never decoded."""


class _Scan:
    """Counts files and images for progress reports, and turns a ``False`` from the callback into a cancel."""

    def __init__(self, folder: Path, progress: ProgressFn | None) -> None:
        self.folder, self.progress, self.files = folder, progress, 0

    def report(self, done: int, total: int | None) -> None:
        if self.progress is not None and self.progress(done, total) is False:
            raise LoadCancelled(
                t("data.loading_folder_was", "Loading the folder '{folder}' was cancelled.", folder=shown(self.folder))
            )


def _visible(names: list[str]) -> list[str]:
    return sorted(n for n in names if not n.startswith("."))


def _is_run_folder(folder: Path) -> bool:
    return (folder / _RUN_MARK).is_file() and any((folder / n).exists() for n in _RUN_FILES)


def _sub_folders(root: Path) -> list[Path]:
    try:
        return [root / n for n in _visible(os.listdir(root)) if (root / n).is_dir()]
    except OSError as err:
        raise DataError(
            t(
                "data.cannot_read_folder",
                "Cannot read the folder '{path}' ({reason}).",
                path=shown(root),
                reason=err.strerror or err,
            )
        ) from None


def _class_dirs(root: Path, notes: list[str] | None = None) -> list[Path]:
    """The class folders under ``root``: its sub-folders, less run folders (noted), at most MAX_CLASSES of them."""
    dirs = _sub_folders(root)
    runs = [d for d in dirs if _is_run_folder(d)]
    if runs:
        dirs = [d for d in dirs if d not in runs]
        if notes is not None:
            names = ", ".join(d.name for d in runs[:3]) + (", ..." if len(runs) > 3 else "")
            notes.append(
                t(
                    "data.note.ignored_runs",
                    "ignored {count} Vision Lab run folder(s) inside the dataset, not classes: {names}",
                    count=len(runs),
                    names=names,
                )
            )
    if len(dirs) > base.MAX_CLASSES:
        raise DataError(
            t(
                "data.folder_class_sub",
                "The folder '{path}' has {dirs} class sub-folders, but Vision Lab supports at most {max_classes} "
                "classes; choose the folder whose sub-folders are the classes.",
                path=shown(root),
                dirs=f"{len(dirs):,}",
                max_classes=f"{base.MAX_CLASSES:,}",
            )
        )
    return dirs


def _files_under(folder: Path, scan: _Scan) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = _visible(dirnames)
        for name in _visible(filenames):
            found.append(Path(dirpath) / name)
            scan.files += 1
            if scan.files > MAX_FOLDER_FILES:
                raise DataError(
                    t(
                        "data.folder_holds_more",
                        "The folder '{folder}' holds more than {max_folder_files} files under its class sub-folders, "
                        "more than a dataset Vision Lab can hold in memory; choose the folder whose sub-folders are "
                        "the classes.",
                        folder=shown(scan.folder),
                        max_folder_files=f"{MAX_FOLDER_FILES:,}",
                    )
                )
            if scan.files % PROGRESS_EVERY == 0:
                scan.report(scan.files, None)
    return sorted(found)  # path order, as `find | sort` would list them


def split_roots(folder: Path, notes: list[str] | None = None) -> tuple[Path, Path | None]:
    """``(train_root, val_root)``: a ``train/`` sub-folder of class folders is the training set (with ``val/``,
    ``valid/``, ``validation/`` or ``test/`` beside it as validation, else a hold-out); else the folder itself."""
    subdirs = {d.name.lower(): d for d in _sub_folders(folder)}
    if "train" in subdirs and _class_dirs(subdirs["train"]):
        val = next((subdirs[n] for n in _VAL_NAMES if n in subdirs), None)
        others = sorted(d.name for d in subdirs.values() if d not in (subdirs["train"], val))
        if others and notes is not None:
            ignored = ", ".join(others)
            if val:
                notes.append(
                    t(
                        "data.note.used_only_train_val",
                        "used only train/ and {val}/; ignored {ignored}",
                        val=val.name,
                        ignored=ignored,
                    )
                )
            else:
                notes.append(t("data.note.used_only_train", "used only train/; ignored {ignored}", ignored=ignored))
        return subdirs["train"], val
    return folder, None


def _reason(err: BaseException, path: Path) -> str:
    """A refusal as a clause for a note: "image 'x' is not a PNG ... image"."""
    if isinstance(err, DataError):
        text = str(err).rstrip(".")
        return text[:1].lower() + text[1:]
    first = str(err).splitlines()[0][:160] if str(err) else err.__class__.__name__
    return f"'{shown(path)}' cannot be decoded ({first})"


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
    with open_image(path) as opened:
        opened.draft(None, size_wh)  # JPEG: decode at a reduced scale when that is still big enough
        try:
            img = ImageOps.exif_transpose(opened)
        except Exception:  # a broken EXIF block should not cost the picture
            img = opened
        img = _to_8bit(img)
        if img.size != size_wh:
            img = img.resize(size_wh, Image.Resampling.BILINEAR, reducing_gap=3.0)
        return np.asarray(img)


def _pick_size(files: list[Path]) -> tuple[int, int] | str:
    """Most common (width, height) among the first readable files, scaled to fit MAX_AUTO_SIDE; if none of them can
    be read, why the first could not."""
    sizes: Counter[tuple[int, int]] = Counter()
    why = ""
    for path in files[: 4 * _SIZE_SAMPLE]:
        try:
            with open_image(path) as img:  # lazy: reads the header only
                sizes[img.size] += 1
        except Exception as err:
            why = why or _reason(err, path)
            continue
        if sizes.total() >= _SIZE_SAMPLE:
            break
    if not sizes:
        return why
    (w, h), _ = sizes.most_common(1)[0]
    scale = min(1.0, MAX_AUTO_SIDE / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _read_files(
    files: list[tuple[Path, int]], size_wh: tuple[int, int], out: _Decoded, scan: _Scan, done: int, total: int
) -> int:
    for path, label in files:
        try:
            pixels = _decode(path, size_wh)
        except ImageTooLarge as err:
            out.too_large.append((path, _reason(err, path)))
        except Exception as err:  # Pillow raises many types for unreadable or non-image files
            out.skipped.append((path, _reason(err, path)))
        else:
            out.pixels.append(pixels)
            out.labels.append(label)
        done += 1
        if done % PROGRESS_EVERY == 0 or done == total:
            scan.report(done, total)
    return done


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


def brought_to(size_wh: tuple[int, int], n_channels: int) -> str:
    """The note a folder loader adds when it resized or converted its images to one size and channel count."""
    return t(
        "data.note.brought_to",
        "all images brought to {height}×{width} with {channels} channel(s)",
        height=size_wh[1],
        width=size_wh[0],
        channels=n_channels,
    )


def load_image_folder(
    folder: Path,
    name: str,
    image_size: int | None,
    channels: int | None,
    val_fraction: float,
    seed: int,
    progress: ProgressFn | None = None,
) -> ImageDataset:
    notes: list[str] = []
    scan = _Scan(folder, progress)
    train_root, val_root = split_roots(folder, notes)
    classes = [d.name for d in _class_dirs(train_root, notes)]
    if not classes:
        raise DataError(
            t(
                "data.folder_no_class",
                "The folder '{path}' has no class sub-folders; put each class's images in a sub-folder named after "
                "the class.",
                path=shown(folder),
            )
        )
    train_files = [(p, label) for label, c in enumerate(classes) for p in _files_under(train_root / c, scan)]
    if not train_files:
        raise DataError(
            t(
                "data.class_folders_are",
                "The class folders in '{train_root}' are all empty.",
                train_root=shown(train_root),
            )
        )
    val_files: list[tuple[Path, int]] = []
    if val_root is not None:
        val_classes = [d.name for d in _class_dirs(val_root)]
        unknown = sorted(set(val_classes) - set(classes))
        if unknown:
            raise DataError(
                t(
                    "data.validation_class_folder",
                    "Validation class folder '{unknown}' has no matching training folder.",
                    unknown=shown(val_root / unknown[0]),
                )
            )
        # Validation with the training label numbering.
        val_files = [
            (p, label) for label, c in enumerate(classes) if c in val_classes for p in _files_under(val_root / c, scan)
        ]
    scan.report(scan.files, None)
    if image_size is not None:
        size_wh = (image_size, image_size)
    else:
        picked = _pick_size([p for p, _ in train_files])
        if isinstance(picked, str):
            tried = min(len(train_files), 4 * _SIZE_SAMPLE)
            raise DataError(
                t(
                    "data.no_readable_images_2",
                    "No readable images were found in '{path}' (tried {tried} files; e.g. {picked}).",
                    path=shown(folder),
                    tried=tried,
                    picked=picked,
                )
            )
        size_wh = picked

    train, val = _Decoded(), _Decoded()
    total = len(train_files) + len(val_files)
    done = _read_files(train_files, size_wh, train, scan, 0, total)
    if not train.pixels:
        first = (train.too_large + train.skipped)[0][1]
        count = len(train.too_large) + len(train.skipped)
        raise DataError(
            t(
                "data.no_readable_images",
                "No readable images were found in '{path}' (skipped {count} files; e.g. {first}).",
                path=shown(folder),
                count=count,
                first=first,
            )
        )
    _read_files(val_files, size_wh, val, scan, done, total)

    # Keep only classes that ended up with at least one training image, and renumber densely.
    counts = np.bincount(np.asarray(train.labels), minlength=len(classes))
    kept = [i for i in range(len(classes)) if counts[i] > 0]
    remap = {old: new for new, old in enumerate(kept)}
    if len(kept) < len(classes):
        empty = [classes[i] for i in range(len(classes)) if counts[i] == 0]
        notes.append(
            t(
                "data.note.ignored_empty",
                "ignored {count} class folder(s) without readable images: {names}",
                count=len(empty),
                names=", ".join(empty),
            )
        )
    val_keep = [i for i, lab in enumerate(val.labels) if lab in remap]

    n_channels = channels or (3 if any(_is_colour(p) for p in train.pixels + val.pixels) else 1)
    x = _stack(train.pixels, n_channels, size_wh)
    y = np.array([remap[lab] for lab in train.labels], dtype=np.int64)
    if val_root is not None:
        val_x = _stack([val.pixels[i] for i in val_keep], n_channels, size_wh)
        val_y = np.array([remap[val.labels[i]] for i in val_keep], dtype=np.int64)
        notes.append(t("data.note.validation_folder", "validation = {folder}", folder=val_root))
    else:
        x, y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
        notes.append(
            t(
                "data.note.hold_out",
                "validation = seeded stratified {fraction} hold-out (seed {seed})",
                fraction=f"{val_fraction:.0%}",
                seed=seed,
            )
        )

    unreadable, too_large = train.skipped + val.skipped, train.too_large + val.too_large
    if unreadable:
        example = unreadable[0][1]
        if len(unreadable) == 1:
            notes.append(
                t("data.note.skipped_unreadable_one", "skipped 1 unreadable file (e.g. {example})", example=example)
            )
        else:
            notes.append(
                t(
                    "data.note.skipped_unreadable",
                    "skipped {count} unreadable files (e.g. {example})",
                    count=len(unreadable),
                    example=example,
                )
            )
    if too_large:
        limit, example = f"{MAX_IMAGE_PIXELS / 1e6:.0f}", too_large[0][1]
        if len(too_large) == 1:
            notes.append(
                t(
                    "data.note.skipped_large_one",
                    "skipped 1 picture over {limit} megapixels without decoding it (e.g. {example})",
                    limit=limit,
                    example=example,
                )
            )
        else:
            notes.append(
                t(
                    "data.note.skipped_large",
                    "skipped {count} pictures over {limit} megapixels without decoding them (e.g. {example})",
                    count=len(too_large),
                    limit=limit,
                    example=example,
                )
            )
    notes.append(brought_to(size_wh, n_channels))
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
