"""Small scene folders in the users' formats, written for the tests: a VOC-style mask folder and a YOLO folder
(tests/cli/test_scene_folders.py trains on them from the CLI, tests/gui/test_scene_folders_gui.py from the window)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

SIDE = 32


def voc_folder(root: Path, n: int = 10) -> Path:
    """JPEGImages/ + SegmentationClass/: a bright square (class 1) or bar (class 2) per picture, palette masks."""
    (root / "JPEGImages").mkdir(parents=True)
    (root / "SegmentationClass").mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        pixels = rng.integers(0, 40, (SIDE, SIDE, 3), dtype=np.uint8)
        mask = np.zeros((SIDE, SIDE), np.uint8)
        top, left = (int(v) for v in rng.integers(2, 14, 2))
        area = (slice(top, top + 16), slice(left, left + 16)) if i % 2 else (slice(top, top + 6), slice(2, 30))
        pixels[area] = (220, 200, 40) if i % 2 else (40, 200, 220)
        mask[area] = 1 + i % 2
        Image.fromarray(pixels).save(root / "JPEGImages" / f"pic{i}.jpg")
        pal = Image.fromarray(mask, "P")
        pal.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * 759)
        pal.save(root / "SegmentationClass" / f"pic{i}.png")
    (root / "classes.txt").write_text("background\nsquare\nbar\n")
    return root


def yolo_folder(root: Path, n: int = 10) -> Path:
    """images/ + labels/ with one or two boxes a picture, names in data.yaml."""
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(n):
        pixels = np.zeros((SIDE, SIDE, 3), np.uint8)
        lines = []
        for k, (x, y) in enumerate(((4 + i, 6), (18, 16 + i % 8))[: 1 + i % 2]):
            pixels[y : y + 8, x : x + 8] = (250, 60 * k, 30)
            lines.append(f"{k} {(x + 4) / SIDE} {(y + 4) / SIDE} {8 / SIDE} {8 / SIDE}")
        Image.fromarray(pixels).save(root / "images" / f"shot{i}.png")
        (root / "labels" / f"shot{i}.txt").write_text("\n".join(lines) + "\n")
    (root / "data.yaml").write_text("nc: 2\nnames: [red, orange]\n")
    return root
