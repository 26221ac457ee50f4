"""`vision-lab train --dataset PATH` on a user's own segmentation (VOC-style) and detection (YOLO) folders.

The segmenter and detector are other families' work: their end-to-end runs are skipped where the registry lacks
them. A classifier trains on both folders now (an image's class is its largest object's), and a bad file stops the
run before any model is built, with exit 2 and one sentence.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.cli import main
from vision_lab.core import families

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


def train(capsys: pytest.CaptureFixture[str], model: str, dataset: Path, out: Path) -> tuple[int, str]:
    argv = ["train", "--model", model, "--dataset", str(dataset), "--epochs", "1", "--batch-size", "4", "-q"]
    code = main([*argv, "--out", str(out)])
    return code, capsys.readouterr().err


def metric_columns(run: Path) -> list[str]:
    with open(run / "metrics.csv", newline="") as fh:
        return next(csv.reader(fh))


@pytest.mark.skipif("segmenter" not in families.names(), reason="the segmenter family is not on this branch")
def test_segmenter_trains_on_a_voc_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = train(capsys, "segmenter", voc_folder(tmp_path / "voc"), tmp_path / "run")
    assert code == 0, err
    assert "val_miou" in metric_columns(tmp_path / "run")


@pytest.mark.skipif("detector" not in families.names(), reason="the detector family is not on this branch")
def test_detector_trains_on_a_yolo_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = train(capsys, "detector", yolo_folder(tmp_path / "det"), tmp_path / "run")
    assert code == 0, err
    assert "val_map50" in metric_columns(tmp_path / "run")


def test_a_classifier_trains_on_both_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for make in (voc_folder, yolo_folder):
        data = make(tmp_path / make.__name__)
        code, err = train(capsys, "mlp", data, tmp_path / f"run-{make.__name__}")
        assert code == 0, err
        assert "val_accuracy" in metric_columns(tmp_path / f"run-{make.__name__}")


@pytest.mark.parametrize("kind", ["mask size", "yolo class"])
def test_a_bad_file_exits_2_with_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    if kind == "mask size":
        data = voc_folder(tmp_path / "voc")
        Image.fromarray(np.zeros((SIDE, SIDE + 1), np.uint8)).save(data / "SegmentationClass" / "pic3.png")
        bad = "pic3.png"
    else:
        data = yolo_folder(tmp_path / "det")
        (data / "labels" / "shot2.txt").write_text("0 0.5 0.5 0.1 0.1\n2 0.5 0.5 0.1 0.1\n")
        bad = "shot2.txt"
    code, err = train(capsys, "mlp", data, tmp_path / "run")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("vision-lab: error: ") and lines[0].endswith(".") and bad in lines[0]
    assert not (tmp_path / "run" / "metrics.csv").exists()
