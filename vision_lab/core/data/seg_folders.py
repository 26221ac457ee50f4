"""Users' own segmentation folders: images with a matching folder of mask PNGs, and what YOLO folders share with them.

Layouts: Pascal VOC's ``JPEGImages/`` + ``SegmentationClass/`` (palette PNGs; the palette index is the class), or
``images/`` + ``masks/`` (palette or grey PNGs whose value is the class). A mask goes with the image of the same
file stem; images without a mask are left out (VOC's ``JPEGImages/`` holds far more pictures than masks), a mask
without its image is an error. An optional ``classes.txt`` names the classes, one a line, line i = class i, the
first the background; without it the names are "background", "1", "2"... up to the largest value seen.

VOC marks object outlines and unlabelled areas 255 ("void"). The dataset has no "ignore" label, so those pixels are
counted as background and a note says how many: a model then learns that outlines are background, a small bias
against thin objects, where the other choice (the nearest class) would invent labels nobody drew.

The split: VOC's ``ImageSets/Segmentation/train.txt`` and ``val.txt`` where present, else ``images/train`` +
``images/val`` beside ``masks/train`` + ``masks/val``, else a seeded random hold-out of ``val_fraction`` (not
stratified: an image has no one class). Every image is brought to one size: ``image_size`` square where given,
else the image folders' rule (the most common size, fitted within 128 pixels); images bilinear, masks nearest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from vision_lab.core.data import scenes
from vision_lab.core.data.base import ImageDataset, ProgressFn
from vision_lab.core.data.folders import (
    MAX_FOLDER_FILES,
    PROGRESS_EVERY,
    _is_colour,
    _pick_size,
    _Scan,
    _stack,
    _to_8bit,
    brought_to,
)
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t
from vision_lab.core.images import open_image
from vision_lab.core.safe_io import read_text, shown

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
VOC_DIRS = ("JPEGImages", "SegmentationClass")
MASK_DIRS = ("images", "masks")
CLASSES_FILE = "classes.txt"
VOID = 255
"""VOC's value for outlines and unlabelled pixels."""


@dataclass
class Sample:
    """One image and its annotation file (a mask, a YOLO label file; None: an image without labels)."""

    image: Path
    target: Path | None
    split: str | None = None
    """'train' or 'val' when the folder says so; None lets the hold-out decide."""


@dataclass
class Read:
    """What the loaders collect while reading: pictures at the target size, targets, the class of each image."""

    pixels: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    main: list[int] = field(default_factory=list)


def layout_dirs(folder: Path, names: tuple[str, str]) -> tuple[Path, Path] | None:
    """``(images, annotations)`` when ``folder`` holds both sub-folders ``names``."""
    a, b = folder / names[0], folder / names[1]
    return (a, b) if a.is_dir() and b.is_dir() else None


def find_seg_layout(folder: Path) -> tuple[Path, Path] | None:
    return layout_dirs(folder, VOC_DIRS) or layout_dirs(folder, MASK_DIRS)


def need_layout(layout: tuple[Path, Path] | None, folder: Path, expected: str) -> tuple[Path, Path]:
    if layout is None:
        raise DataError(
            t(
                "data.scene_folder.no_layout",
                "The folder '{path}' has no {expected}.",
                path=shown(folder),
                expected=expected,
            )
        )
    return layout


def need_samples(samples: list[Sample], folder: Path, what: str) -> None:
    if not samples:
        raise DataError(
            t(
                "data.scene_folder.empty",
                "The folder '{path}' has no image with its {what}.",
                path=shown(folder),
                what=what,
            )
        )


def files_by_stem(folder: Path, suffixes: tuple[str, ...], scan: _Scan) -> dict[str, Path]:
    """The files in ``folder`` (not below) with one of ``suffixes``, by stem; two with one stem is an error."""
    found: dict[str, Path] = {}
    try:
        names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    except OSError as err:
        raise DataError(
            t("data.cannot_read_folder", "Cannot read the folder '{path}' ({reason}).", path=shown(folder), reason=err)
        ) from None
    for name in names:
        path = folder / name
        if path.suffix.lower() not in suffixes or not path.is_file():
            continue
        if path.stem in found:
            raise DataError(
                t(
                    "data.scene_folder.same_stem",
                    "The files '{first}' and '{second}' share a name; keep one of them, so that each annotation "
                    "belongs to one image.",
                    first=shown(found[path.stem]),
                    second=shown(path),
                )
            )
        found[path.stem] = path
        scan.files += 1
        if scan.files > MAX_FOLDER_FILES:
            raise DataError(
                t(
                    "data.scene_folder.too_many",
                    "The folder '{path}' holds more than {limit} files, more than Vision Lab can train on.",
                    path=shown(scan.folder),
                    limit=f"{MAX_FOLDER_FILES:,}",
                )
            )
        if scan.files % PROGRESS_EVERY == 0:
            scan.report(scan.files, None)
    return found


def split_dirs(images: Path, targets: Path) -> list[tuple[str | None, Path, Path]]:
    """Ultralytics' ``images/train``, ``images/val`` beside ``<targets>/train``, ``<targets>/val``; else the two."""
    if (images / "train").is_dir() and (targets / "train").is_dir():
        pairs: list[tuple[str | None, Path, Path]] = [("train", images / "train", targets / "train")]
        for val in ("val", "valid", "validation", "test"):
            if (images / val).is_dir():
                pairs.append(("val", images / val, targets / val))
                break
        return pairs
    return [(None, images, targets)]


def orphan_error(target: Path, images: Path) -> DataError:
    return DataError(
        t(
            "data.scene_folder.orphan",
            "The annotation file '{path}' has no image of the same name in '{images}'.",
            path=shown(target),
            images=shown(images),
        )
    )


def read_names(path: Path) -> list[str]:
    """A classes file: one name a line, blank lines at the end ignored."""
    names = [line.strip() for line in read_text(path, "The classes file", error=DataError).splitlines()]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise DataError(
            t("data.scene_folder.no_names", "The classes file '{path}' names no classes.", path=shown(path))
        )
    return names


def _undecodable(path: Path, err: Exception) -> DataError:
    return DataError(
        t(
            "data.scene_folder.unreadable",
            "'{path}' cannot be decoded ({reason}).",
            path=shown(path),
            reason=str(err).splitlines()[0][:160] if str(err) else type(err).__name__,
        )
    )


def read_picture(path: Path, what: str = "Image") -> np.ndarray:
    """A picture at its own size, upright (EXIF), as 8-bit H×W (grey) or H×W×3."""
    with open_image(path, what) as opened:
        try:
            try:
                img = ImageOps.exif_transpose(opened)
            except Exception:  # a broken EXIF block should not cost the picture
                img = opened
            return np.asarray(_to_8bit(img))
        except Exception as err:  # a truncated or corrupt body shows only when decoding
            raise _undecodable(path, err) from None


def resized(pixels: np.ndarray, size_wh: tuple[int, int], nearest: bool = False) -> np.ndarray:
    if pixels.shape[1::-1] == size_wh:
        return pixels
    method = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(pixels).resize(size_wh, method))


def target_size(samples: list[Sample], image_size: int | None) -> tuple[int, int]:
    """``(width, height)`` every image is brought to."""
    if image_size is not None:
        return image_size, image_size
    picked = _pick_size([s.image for s in samples])
    if isinstance(picked, str):
        raise DataError(picked[:1].upper() + picked[1:] + ".")
    return picked


def read_all(
    samples: list[Sample],
    size_wh: tuple[int, int],
    read_target: Callable[[Sample, np.ndarray], tuple[np.ndarray, int]],
    scan: _Scan,
) -> Read:
    """Each image at ``size_wh`` with ``read_target(sample, full_size_picture)`` -> (target, class of the image)."""
    out = Read()
    for done, sample in enumerate(samples, 1):
        picture = read_picture(sample.image)
        target, main = read_target(sample, picture)
        out.pixels.append(resized(picture, size_wh))
        out.targets.append(target)
        out.main.append(main)
        if done % PROGRESS_EVERY == 0 or done == len(samples):
            scan.report(done, len(samples))
    return out


def split_indices(
    samples: list[Sample], val_fraction: float, seed: int, notes: list[str], val_source: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) indices: the folder's own split where it has one, else a seeded random hold-out."""
    if any(s.split is not None for s in samples):
        notes.append(t("data.note.validation_folder", "validation = {folder}", folder=val_source))
        val = np.array([s.split == "val" for s in samples])
        return np.flatnonzero(~val), np.flatnonzero(val)
    n = len(samples)
    n_val = 0 if val_fraction <= 0 or n < 2 else min(n - 1, max(1, round(n * val_fraction)))
    order = np.random.default_rng(seed).permutation(n)
    notes.append(
        t(
            "data.note.hold_out_random",
            "validation = seeded random {fraction} hold-out (seed {seed})",
            fraction=f"{val_fraction:.0%}",
            seed=seed,
        )
    )
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def finish(
    name: str,
    folder: Path,
    read: Read,
    stacked: tuple[np.ndarray, str],
    class_names: tuple[str, ...],
    channels: int | None,
    size_wh: tuple[int, int],
    split: tuple[np.ndarray, np.ndarray],
    notes: list[str],
) -> ImageDataset:
    """The dataset: images stacked at ``size_wh``, ``stacked`` = (all targets in one array, "masks" or "boxes")."""
    n_channels = channels or (3 if any(_is_colour(p) for p in read.pixels) else 1)
    x = _stack(read.pixels, n_channels, size_wh)
    y = np.asarray(read.main, dtype=np.int64)
    targets, kind = stacked
    train, val = split
    notes.append(brought_to(size_wh, n_channels))
    return ImageDataset(
        name=name,
        train_images=x[train],
        train_labels=y[train],
        val_images=x[val],
        val_labels=y[val],
        class_names=class_names,
        source=str(folder),
        notes=tuple(notes),
        **{f"train_{kind}": targets[train], f"val_{kind}": targets[val]},
    )


# --- segmentation ------------------------------------------------------------------------------------------


def _seg_samples(folder: Path, images: Path, masks: Path, scan: _Scan, notes: list[str]) -> tuple[list[Sample], str]:
    """The images that have a mask, and what the validation split is (for the note)."""
    samples: list[Sample] = []
    left_out = 0
    val_source = ""
    for split, image_dir, mask_dir in split_dirs(images, masks):
        pictures = files_by_stem(image_dir, IMAGE_SUFFIXES, scan)
        found = files_by_stem(mask_dir, IMAGE_SUFFIXES, scan) if mask_dir.is_dir() else {}
        for stem, mask in found.items():
            if stem not in pictures:
                raise orphan_error(mask, image_dir)
            samples.append(Sample(pictures[stem], mask, split))
        left_out += len(set(pictures) - set(found))
        val_source = str(image_dir) if split == "val" else val_source
    lists = folder / "ImageSets" / "Segmentation"
    if (lists / "train.txt").is_file() and all(s.split is None for s in samples):
        samples, val_source = _voc_split(samples, lists), str(lists / "val.txt")
        left_out = 0  # the lists choose; what they leave out is VOC's choice, not a missing mask
    if left_out:
        notes.append(
            t(
                "data.note.seg_unmasked",
                "used the {count} images that have a mask; left out {skipped} without one",
                count=len(samples),
                skipped=left_out,
            )
        )
    return samples, val_source


def _voc_split(samples: list[Sample], lists: Path) -> list[Sample]:
    by_stem = {s.image.stem: s for s in samples}
    chosen: list[Sample] = []
    for split in ("train", "val"):
        path = lists / f"{split}.txt"
        if not path.is_file():
            continue
        for number, line in enumerate(read_text(path, "The split list", error=DataError).splitlines(), 1):
            stem = line.strip()
            if not stem:
                continue
            if stem not in by_stem:
                raise DataError(
                    t(
                        "data.seg.list_missing",
                        "Line {line} of '{path}' names '{stem}', which has no image with a mask.",
                        line=number,
                        path=shown(path),
                        stem=shown(stem),
                    )
                )
            chosen.append(Sample(by_stem[stem].image, by_stem[stem].target, split))
    return chosen


def _mask_values(path: Path) -> np.ndarray:
    """A mask file as H×W class values: palette indices, grey values, or equal R, G and B."""
    pixels = _mask_file(path)
    if pixels.ndim == 3:
        if not (np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2])):
            raise DataError(
                t(
                    "data.seg.colour_mask",
                    "The mask '{path}' is a colour picture; save masks as palette or grey PNGs whose pixel values "
                    "are class indices.",
                    path=shown(path),
                )
            )
        pixels = pixels[..., 0]
    return pixels


def _mask_file(path: Path) -> np.ndarray:
    """A mask's stored values: a palette image's indices (not its colours), grey levels, or R, G, B."""
    with open_image(path, "Mask") as img:
        try:
            if img.mode in ("P", "L", "1"):
                return np.asarray(img.convert("L") if img.mode == "1" else img, dtype=np.uint8)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                arr = np.asarray(img).astype(np.int64)
                return np.minimum(arr, VOID + 1)  # kept above 255: refused below
            return np.asarray(img.convert("RGB"))
        except Exception as err:
            raise _undecodable(path, err) from None


def load_seg_folder(
    folder: Path,
    name: str,
    image_size: int | None,
    channels: int | None,
    val_fraction: float,
    seed: int,
    progress: ProgressFn | None = None,
) -> ImageDataset:
    expected = t("data.seg.layout", "JPEGImages/ and SegmentationClass/, or images/ and masks/")
    layout = need_layout(find_seg_layout(folder), folder, expected)
    notes: list[str] = []
    scan = _Scan(folder, progress)
    samples, val_source = _seg_samples(folder, *layout, scan, notes)
    need_samples(samples, folder, t("data.seg.what", "mask"))
    names_file = folder / CLASSES_FILE
    names = read_names(names_file) if names_file.is_file() else None
    size_wh = target_size(samples, image_size)
    void = 0

    def read_mask(sample: Sample, picture: np.ndarray) -> tuple[np.ndarray, int]:
        nonlocal void
        assert sample.target is not None
        values = _mask_values(sample.target)
        if values.shape[:2] != picture.shape[:2]:
            raise DataError(
                t(
                    "data.seg.size_mismatch",
                    "The mask '{mask}' is {mw}×{mh} pixels but its image '{image}' is {iw}×{ih}; a mask must match "
                    "its image pixel for pixel.",
                    mask=shown(sample.target),
                    mw=values.shape[1],
                    mh=values.shape[0],
                    image=shown(sample.image),
                    iw=picture.shape[1],
                    ih=picture.shape[0],
                )
            )
        is_void = values == VOID
        void += int(is_void.sum())
        values = np.where(is_void, 0, values)
        top = int(values.max(initial=0))
        if names is not None and top >= len(names):
            raise DataError(
                t(
                    "data.seg.class_range",
                    "The mask '{mask}' has class {value}, but '{names}' names only {count} classes (0 to {top}).",
                    mask=shown(sample.target),
                    value=top,
                    names=shown(names_file),
                    count=len(names),
                    top=len(names) - 1,
                )
            )
        if top >= VOID:  # a 16-bit mask's values beyond 255
            raise DataError(
                t(
                    "data.seg.value_range",
                    "The mask '{mask}' has value {value}; mask values are class indices from 0 to 254 (255 is void).",
                    mask=shown(sample.target),
                    value=top,
                )
            )
        mask = resized(values.astype(np.uint8), size_wh, nearest=True)
        counts = np.bincount(mask.ravel(), minlength=2)
        counts[0] = 0
        return mask, int(counts.argmax()) if counts.any() else 0

    read = read_all(samples, size_wh, read_mask, scan)
    masks = np.stack(read.targets)
    if names is None:
        names = [str(scenes.BACKGROUND), *(str(i) for i in range(1, int(masks.max(initial=0)) + 1))]
    if void:
        notes.append(
            t(
                "data.note.seg_void",
                "{count} pixels marked 255 (void: outlines and unlabelled areas) were counted as background",
                count=f"{void:,}",
            )
        )
    split = split_indices(samples, val_fraction, seed, notes, val_source)
    return finish(name, folder, read, (masks, "masks"), tuple(names), channels, size_wh, split, notes)
