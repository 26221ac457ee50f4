"""The scene families from the command line: their figures on the epoch line (not a segmenter's eleven per-class
IoUs, which stay in summary.json), and one sentence with exit code 2 for data without masks or boxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import cli

from vision_lab.core import families

SCENE_FAMILIES = [f.key for f in families.all_families() if f.target in ("mask", "boxes")]


@pytest.mark.parametrize("key", SCENE_FAMILIES)
def test_a_scene_family_trains_and_says_its_own_figures(key: str, tmp_path: Path) -> None:
    family = families.get(key)
    out = tmp_path / "run"
    done = cli(
        "train",
        "--model",
        key,
        "--epochs",
        "1",
        "--set",
        "data.count=64",
        "--set",
        "data.image_size=32",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if "epoch 1/1" in ln]
    assert lines and family.headline in lines[-1]
    named = {word for word in lines[-1].split() if word.startswith(("val_", "train_"))}
    assert named <= {m.key for m in family.metrics}, named
    summary = json.loads((out / "summary.json").read_text())
    assert family.headline in summary


@pytest.mark.parametrize("key", SCENE_FAMILIES)
def test_data_without_masks_or_boxes_is_one_sentence(key: str, tmp_path: Path) -> None:
    done = cli("train", "--model", key, "--dataset", "mnist-5k", "--epochs", "1", "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert "has no" in done.stderr and "scenes" in done.stderr and "Traceback" not in done.stderr
    assert len([ln for ln in done.stderr.splitlines() if ln.strip()]) == 1, done.stderr
