"""`vision-lab train --dataset PATH` on a user's own segmentation (VOC-style) and detection (YOLO) folders.

The segmenter and detector train end to end on them (skipped where the registry lacks them), a classifier too (an
image's class is its largest object's), and a bad file stops the run before any model is built, with exit 2 and one
sentence.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scene_folders import SIDE, voc_folder, yolo_folder

from vision_lab.cli import main
from vision_lab.core import families


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
