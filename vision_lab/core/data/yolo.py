"""Users' own detection folders in the YOLO text format.

Layout: ``images/`` + ``labels/``, where ``labels/name.txt`` holds the boxes of ``images/name.jpg`` (or .png...), one
``class cx cy w h`` a line, the centre and size as fractions of the image's width and height; or Ultralytics'
``images/train``, ``images/val`` beside ``labels/train``, ``labels/val``. An image without a label file has no
objects (YOLO's convention); a label file without its image is an error. Class names come from ``classes.txt`` (in
the folder or in ``labels/``, as LabelImg writes it) or ``data.yaml``'s ``names:`` (a list or an index: name map;
the simple subset of YAML that these files use is read here, so no YAML library is needed); without either, the
classes are named by their numbers.

Box classes are stored + 1: ``class_names[0]`` is "background", as for scenes and masks, and YOLO class k is
``class_names[k + 1]``, so box class c always names ``class_names[c]``. Boxes are in pixels of the image as
loaded (brought to ``image_size`` or the image folders' common size), x1 and y1 exclusive.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from vision_lab.core.data import scenes
from vision_lab.core.data.base import ImageDataset, ProgressFn
from vision_lab.core.data.folders import _Scan
from vision_lab.core.data.seg_folders import (
    CLASSES_FILE,
    IMAGE_SUFFIXES,
    Sample,
    files_by_stem,
    finish,
    layout_dirs,
    need_layout,
    need_samples,
    orphan_error,
    read_all,
    read_names,
    split_dirs,
    split_indices,
    target_size,
)
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t
from vision_lab.core.safe_io import read_text, shown

YOLO_DIRS = ("images", "labels")
YAML_FILES = ("data.yaml", "data.yml", "dataset.yaml")
TOLERANCE = 0.01
"""How far past the image's edge (a fraction of its side) a box may reach: label tools round, and a box 0.5 px out is
no mistake. Anything further is clipped at the edge after the check."""


def find_yolo_layout(folder: Path) -> tuple[Path, Path] | None:
    return layout_dirs(folder, YOLO_DIRS)


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"" else text


def _no_comment(line: str) -> str:
    cut = line.find(" #")
    return (line if cut < 0 else line[:cut]).rstrip()


def yaml_names(path: Path) -> list[str]:
    """``names:`` of a YOLO data.yaml: ``[a, b]``, ``{0: a, 1: b}``, or the same as ``- a`` or ``0: a`` lines."""
    lines = [_no_comment(line) for line in read_text(path, "The dataset file", error=DataError).splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("names:")), None)
    items: list[str] = []
    if start is not None:
        rest = lines[start][len("names:") :].strip()
        if rest[:1] in ("[", "{"):
            items = [part for part in rest[1:-1].split(",") if part.strip()]
        else:
            for line in lines[start + 1 :]:
                if line and not line[0].isspace() and not line.startswith("- "):  # YAML lets a list start at 0
                    break
                items += [line.strip()] if line.strip() else []
    by_index: dict[int, str] = {}
    for i, item in enumerate(items):
        key, sep, value = item.partition(":")
        if item.startswith("- "):
            by_index[i] = _unquote(item[2:])
        elif sep and _unquote(key).isdigit():
            by_index[int(_unquote(key))] = _unquote(value)
        elif not sep:
            by_index[i] = _unquote(item)
    if not by_index or sorted(by_index) != list(range(len(by_index))):
        raise DataError(
            t(
                "data.yolo.yaml_names",
                "'{path}' has no list of class names under names: (a list, or numbers 0, 1, 2... each with its name).",
                path=shown(path),
            )
        )
    return [by_index[i] for i in range(len(by_index))]


def _names(folder: Path, labels: Path) -> tuple[list[str] | None, Path | None]:
    for path in (folder / CLASSES_FILE, labels / CLASSES_FILE):
        if path.is_file():
            return read_names(path), path
    for name in YAML_FILES:
        if (folder / name).is_file():
            return yaml_names(folder / name), folder / name
    return None, None


def _boxes(path: Path, names: list[str] | None, names_file: Path | None, size_wh: tuple[int, int]) -> np.ndarray:
    """A label file's boxes as K×5 (class + 1, x0, y0, x1, y1) in pixels of ``size_wh``."""
    rows: list[tuple[float, ...]] = []
    for number, line in enumerate(read_text(path, "The label file", error=DataError).splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            values = [float(v) for v in fields] if len(fields) == 5 else []
        except ValueError:
            values = []
        if not values or not all(math.isfinite(v) for v in values) or values[0] < 0 or values[0] != int(values[0]):
            raise DataError(
                t(
                    "data.yolo.malformed",
                    "Line {line} of '{path}' should be five numbers, class cx cy w h, not '{text}'.",
                    line=number,
                    path=shown(path),
                    text=shown(line.strip(), 60),
                )
            )
        cls, cx, cy, w, h = values
        if names is not None and cls >= len(names):
            raise DataError(
                t(
                    "data.yolo.class_range",
                    "Line {line} of '{path}' has class {value}, but '{names}' names only {count} classes (0 to {top}).",
                    line=number,
                    path=shown(path),
                    value=int(cls),
                    names=shown(names_file or ""),
                    count=len(names),
                    top=len(names) - 1,
                )
            )
        x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        if w <= 0 or h <= 0 or min(x0, y0) < -TOLERANCE or max(x1, y1) > 1 + TOLERANCE:
            raise DataError(
                t(
                    "data.yolo.outside",
                    "Line {line} of '{path}' has a box outside the image (centre {cx}, {cy}, size {w} × {h}); YOLO "
                    "boxes are fractions of the image's width and height, from 0 to 1.",
                    line=number,
                    path=shown(path),
                    cx=f"{cx:g}",
                    cy=f"{cy:g}",
                    w=f"{w:g}",
                    h=f"{h:g}",
                )
            )
        width, height = size_wh
        x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in (x0, y0, x1, y1))
        rows.append((cls + 1, x0 * width, y0 * height, x1 * width, y1 * height))
    return np.array(rows, dtype=np.float32).reshape(-1, 5)


def _largest_class(boxes: np.ndarray) -> int:
    if not len(boxes):
        return 0
    areas = (boxes[:, 3] - boxes[:, 1]) * (boxes[:, 4] - boxes[:, 2])
    return int(boxes[int(areas.argmax()), 0])


def load_yolo_folder(
    folder: Path,
    name: str,
    image_size: int | None,
    channels: int | None,
    val_fraction: float,
    seed: int,
    progress: ProgressFn | None = None,
) -> ImageDataset:
    layout = need_layout(find_yolo_layout(folder), folder, t("data.yolo.layout", "images/ and labels/"))
    notes: list[str] = []
    scan = _Scan(folder, progress)
    names, names_file = _names(folder, layout[1])
    samples: list[Sample] = []
    val_source = ""
    for split, image_dir, label_dir in split_dirs(*layout):
        pictures = files_by_stem(image_dir, IMAGE_SUFFIXES, scan)
        labels = files_by_stem(label_dir, (".txt",), scan) if label_dir.is_dir() else {}
        for stem, label in labels.items():
            if stem not in pictures and label != names_file:
                raise orphan_error(label, image_dir)
        samples += [Sample(path, labels.get(stem), split) for stem, path in pictures.items()]
        val_source = str(image_dir) if split == "val" else val_source
    need_samples(samples, folder, t("data.yolo.what", "label file"))
    unlabelled = sum(s.target is None for s in samples)
    if unlabelled:
        notes.append(
            t(
                "data.note.yolo_unlabelled",
                "{count} image(s) without a label file count as images without objects",
                count=unlabelled,
            )
        )
    size_wh = target_size(samples, image_size)

    def read_boxes(sample: Sample, picture: np.ndarray) -> tuple[np.ndarray, int]:
        boxes = _boxes(sample.target, names, names_file, size_wh) if sample.target else np.zeros((0, 5), np.float32)
        return boxes, _largest_class(boxes)

    read = read_all(samples, size_wh, read_boxes, scan)
    most = max(1, max(len(b) for b in read.targets))
    padded = np.full((len(read.targets), most, 5), -1.0, np.float32)
    for i, boxes in enumerate(read.targets):
        padded[i, : len(boxes)] = boxes
    if names is None:
        top = int(padded[..., 0].max(initial=0))
        names = [str(i) for i in range(max(top, 1))]
    split = split_indices(samples, val_fraction, seed, notes, val_source)
    return finish(
        name, folder, read, (padded, "boxes"), (str(scenes.BACKGROUND), *names), channels, size_wh, split, notes
    )
