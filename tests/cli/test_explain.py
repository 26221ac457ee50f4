"""``vision-lab explain``: a classifier run's attributions drawn and scored by the deletion test; every mistake one
sentence and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from every_family import train
from PIL import Image
from test_cli import assert_user_error, cli

from vision_lab.cli import main
from vision_lab.cli_explain import SHOWN
from vision_lab.core.attributions import CAPTUM_METHODS


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("explain")
    out = {}
    for key in ("cnn", "mlp", "autoencoder"):
        train(key, root / key)
        out[key] = root / key
    return out


def test_all_methods_of_a_cnn_run(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "explained"
    result = cli("explain", str(runs["cnn"]), "--method", "all", "--out", str(out), "--images", "20")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "20 of the 24 validation images" in result.stderr
    scores = json.loads((out / "scores.json").read_text())
    assert list(scores) == list(CAPTUM_METHODS)
    for method, score in scores.items():
        assert set(score) == {"deletion_auc", "random_auc"}
        assert 0 <= score["deletion_auc"] <= 1 and 0 <= score["random_auc"] <= 1
        assert method in result.stdout
        row = np.asarray(Image.open(out / f"{method}.png"))
        assert row.shape[0] == 28 * 4 and row.shape[2] == 3
        assert len(list((out / method).glob("val_*.png"))) == SHOWN
    assert len({s["random_auc"] for s in scores.values()}) == 1  # one yardstick
    curves = json.loads((out / "curves.json").read_text())
    assert len(curves["gradient"]["deletion"]) == 21 and curves["gradient"]["fractions"][-1] == 1.0


def test_all_on_an_mlp_skips_gradcam_with_a_note(runs: dict[str, Path], tmp_path: Path, capsys) -> None:
    assert main(["explain", str(runs["mlp"]), "--out", str(tmp_path / "o"), "--images", "8"]) == 0
    err = capsys.readouterr().err
    assert "Grad-CAM skipped" in err and "convolution" in err
    scores = json.loads((tmp_path / "o" / "scores.json").read_text())
    assert "gradcam" not in scores and "integrated-gradients" in scores
    # Seeded: the same command, the same figures.
    assert main(["explain", str(runs["mlp"]), "--out", str(tmp_path / "p"), "--images", "8"]) == 0
    assert json.loads((tmp_path / "p" / "scores.json").read_text()) == scores


def test_one_method(runs: dict[str, Path], tmp_path: Path) -> None:
    assert (
        main(["explain", str(runs["cnn"]), "--method", "occlusion", "--out", str(tmp_path / "o"), "--images", "4"]) == 0
    )
    assert list(json.loads((tmp_path / "o" / "scores.json").read_text())) == ["occlusion"]


@pytest.mark.parametrize(
    ("run", "extra", "fragment"),
    [
        ("missing", [], "does not exist"),
        ("cnn", ["--method", "lime"], "Unknown attribution method 'lime'"),
        ("mlp", ["--method", "gradcam"], "Grad-CAM needs a convolution layer"),
        ("cnn", ["--method", "attention-rollout"], "does not apply"),
        ("autoencoder", [], "only a classifier"),
        ("cnn", ["--images", "0"], "--images must be at least 1"),
        ("cnn", ["--out-is-a-file"], "Cannot write in"),
    ],
)
def test_mistakes_are_one_sentence(
    runs: dict[str, Path], tmp_path: Path, capsys, run: str, extra: list[str], fragment: str
) -> None:
    folder = runs.get(run, tmp_path / "no-such-run")
    out = tmp_path / "out"
    if extra == ["--out-is-a-file"]:
        (tmp_path / "file").write_text("x")
        out, extra = tmp_path / "file" / "out", []
    code = main(["explain", str(folder), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in err, err
    assert not (out / "scores.json").exists()


def test_a_mistake_in_a_real_process(tmp_path: Path) -> None:
    assert_user_error(cli("explain", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")), "does not exist")
