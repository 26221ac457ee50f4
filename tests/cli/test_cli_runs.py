"""Resume, fork and export through the real CLI in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from vision_lab.cli import main, set_overrides
from vision_lab.core.errors import ConfigError

# Constant learning rate: a run planned for 2 epochs and one extended from 1 to 2 are then the same run.
TINY = ["--model", "mlp", "--limit", "96", "--batch-size", "32", "-q", "--set", "train.lr_schedule=constant"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "vision_lab", *args], capture_output=True, text=True, env=env, timeout=300
    )


def assert_user_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert fragment in lines[0]


def rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as fh:
        return [{k: v for k, v in r.items() if k not in ("samples_per_s", "elapsed_s")} for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch run, resumed to two epochs through the CLI."""
    run = tmp_path_factory.mktemp("cli-runs") / "run"
    result = cli("train", *TINY, "--epochs", "1", "--out", str(run))
    assert result.returncode == 0, result.stderr
    result = cli("train", "--resume", str(run), "--epochs", "2", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(run)
    assert "from step 3" in result.stderr
    return run


def test_resume_appends_exactly_the_rows_of_an_unbroken_run(parent: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    result = cli("train", *TINY, "--epochs", "2", "--out", str(whole))
    assert result.returncode == 0, result.stderr
    assert rows(parent) == rows(whole) and len(rows(whole)) == 2 * 3 + 2  # a row per step, one per epoch end
    a, b = load_file(str(parent / "weights.safetensors")), load_file(str(whole / "weights.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert json.loads((parent / "summary.json").read_text())["epochs"] == 2


def test_fork_records_its_parent(parent: Path, tmp_path: Path) -> None:
    fork = tmp_path / "fork"
    result = cli("train", "--fork", f"{parent}@1", "--lr", "0.0005", "--epochs", "3", "-q", "--out", str(fork))
    assert result.returncode == 0, result.stderr
    expected = {"run": str(parent.resolve()), "epoch": 1, "step": 3}
    assert json.loads((fork / "parent.json").read_text()) == expected
    summary = json.loads((fork / "summary.json").read_text())
    assert summary["parent"] == expected and summary["steps"] == 9
    config = json.loads((fork / "config.json").read_text())
    assert config["optim"]["lr"] == 0.0005 and config["train"]["epochs"] == 3
    assert int(rows(fork)[0]["step"]) == 4  # the step count continues the parent's


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI's main() in this process (torch is imported already): the same code path, a second instead of three."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_each_format(parent: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("export", str(parent), "--format", "onnx", "--out", str(tmp_path / "m"))  # one in a real process
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "m.onnx")]
    assert "checked on 8 validation images: max abs difference from PyTorch" in result.stderr
    for fmt, files in (
        ("torchscript", ["m.pt"]),
        ("script", ["m.py", "m.safetensors"]),
        ("safetensors", ["w.safetensors"]),
        ("csv", ["m.csv"]),
    ):
        out = tmp_path / ("w" if fmt == "safetensors" else "m")
        code, stdout, stderr = run_main(capsys, "export", str(parent), "--format", fmt, "--out", str(out))
        assert code == 0, stderr
        assert stdout.split() == [str(tmp_path / f) for f in files]
        assert all((tmp_path / f).stat().st_size > 0 for f in files)
        assert ("max abs difference from PyTorch" in stderr) == (fmt in ("torchscript", "script"))


def test_user_mistakes_with_runs_exit_2(parent: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_user_error(cli("train", "--resume", str(tmp_path / "none")), "does not exist")  # in a real process
    no_checkpoint = tmp_path / "copy"
    no_checkpoint.mkdir()
    for f in ("config.json", "dataset.json", "metrics.csv", "weights.safetensors"):
        (no_checkpoint / f).write_bytes((parent / f).read_bytes())
    for args, fragment in (
        (["export", str(parent), "--format", "pickle", "--out", "x"], "Unknown export format 'pickle'"),
        (["export", str(parent), "--format", "onnx", "--out", "x.pt"], "must end in .onnx"),
        (["train", "--resume", str(parent), "--lr", "0.1"], "--lr cannot be used with --resume"),
        (["train", "--resume", str(parent)], "Nothing left to train"),
        (["train", "--resume", str(no_checkpoint)], "no checkpoint to resume from"),
        (["train", "--resume", str(parent), "--set", "optim.lr=0.1"], "optim.lr cannot change; fork"),
        (["train", "--fork", f"{parent}@9", "--epochs", "12"], "no weights for the end of epoch 9"),
        (["train", "--fork", str(parent), "--model", "cnn"], "--model cannot be used with --fork"),
        (["train", "--resume", str(parent), "--fork", str(parent)], "cannot be used together"),
    ):
        code, stdout, stderr = run_main(capsys, *args)
        lines = stderr.strip().splitlines()
        assert code == 2 and len(lines) == 1 and fragment in lines[0], (args, stderr)
        assert stdout == ""


def test_onnx_without_the_extra_says_how_to_get_it(parent: Path, tmp_path: Path) -> None:
    # The CLI as installed, but with onnxruntime made unimportable.
    code = (
        "import sys\n"
        "sys.modules['onnxruntime'] = None\n"
        "from vision_lab.cli import main\n"
        f"sys.exit(main(['export', {str(parent)!r}, '--format', 'onnx', '--out', {str(tmp_path / 'm.onnx')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert_user_error(result, "ONNX export needs the onnx extra: pip install 'vision-lab[onnx]'.")
    assert not (tmp_path / "m.onnx").exists()


def test_set_values_are_json_or_text() -> None:
    assert set_overrides(["optim.lr=1e-3", "mlp.hidden=[64, 32]", "train.max_steps=null", "data.name=mnist"]) == {
        "optim.lr": 0.001,
        "mlp.hidden": [64, 32],
        "train.max_steps": None,
        "data.name": "mnist",
    }
    with pytest.raises(ConfigError, match="--set takes KEY=VALUE"):
        set_overrides(["optim.lr"])


def test_resume_can_lift_a_step_limit(tmp_path: Path) -> None:
    run = tmp_path / "capped"
    first = cli("train", *TINY, "--epochs", "1", "--max-steps", "2", "--out", str(run))
    assert first.returncode == 0, first.stderr
    assert json.loads((run / "summary.json").read_text())["steps"] == 2
    resumed = cli("train", "--resume", str(run), "--max-steps", "none", "-q")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((run / "summary.json").read_text())
    assert summary["steps"] == 3 and summary["status"] == "completed"  # 96 images / 32: the whole epoch
    assert json.loads((run / "config.json").read_text())["train"]["max_steps"] is None
    assert_user_error(cli("train", "--resume", str(run), "--max-steps", "lots"), "none")
