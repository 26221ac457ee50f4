"""Issue 17, item 5: an export never destroys its own run, nor a file that is not an earlier export of its kind."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pytest

from vision_lab.cli import main
from vision_lab.core.config import default_config, with_overrides
from vision_lab.core.errors import ExportError, ExportOverwrite
from vision_lab.core.export import export_run
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.lineage import resume_run
from vision_lab.core.trainer import Trainer


def folder_hash(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) and its sha256: "byte for byte as it was"."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<folder>"
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, mnist5k) -> Path:
    cfg = dataclasses.replace(default_config("mlp"), mlp=MLPConfig(hidden=(16,)))
    cfg = with_overrides(cfg, **{"data.limit": 64, "data.val_limit": 32, "train.epochs": 1, "train.batch_size": 32})
    path = tmp_path_factory.mktemp("targets") / "run"
    for _ in Trainer(cfg, dataset=mnist5k, run_dir=path).events():
        pass
    return path


@pytest.mark.parametrize(
    ("fmt", "out", "owned"),
    [
        ("safetensors", "weights", "weights.safetensors"),  # the suffix is added: RUN/weights.safetensors
        ("script", "weights.py", "weights.safetensors"),  # the script's weights go beside it
        ("torchscript", "checkpoint.pt", "checkpoint.pt"),
        ("csv", "metrics.csv", "metrics.csv"),
    ],
)
def test_export_into_the_runs_own_files_is_refused_and_changes_nothing(
    run: Path, fmt: str, out: str, owned: str
) -> None:
    before = folder_hash(run)
    with pytest.raises(ExportError, match=rf"'.*{owned}' is the run's own {owned}.*choose another file") as err:
        export_run(run, fmt, run / out, force=True)  # not even --force
    assert not isinstance(err.value, ExportOverwrite)
    assert folder_hash(run) == before
    # The run still works: it exports, and resumes.
    export_run(run, "safetensors", run / "model-export.safetensors")
    resume_run(run, {"train.epochs": 2})


def test_a_symlink_into_a_run_is_seen_through(run: Path, tmp_path: Path) -> None:
    before = folder_hash(run)
    link = tmp_path / "innocent.safetensors"
    os.symlink(run / "weights.safetensors", link)
    with pytest.raises(ExportError, match=r"is the run's own weights\.safetensors"):
        export_run(run, "safetensors", link, force=True)
    os.symlink(run / "checkpoints", tmp_path / "snapshots")
    with pytest.raises(ExportError, match="is the run's own checkpoints"):
        export_run(run, "safetensors", tmp_path / "snapshots" / "epoch-0001.safetensors", force=True)
    assert folder_hash(run) == before


def test_another_runs_files_are_refused_too(run: Path, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "other"
    shutil.copytree(run, other)
    before = folder_hash(other)
    with pytest.raises(ExportError, match=r"is the run's own metrics\.csv"):
        export_run(run, "csv", other / "metrics.csv", force=True)
    assert folder_hash(other) == before


def test_a_file_that_is_not_an_earlier_export_needs_force(run: Path, tmp_path: Path) -> None:
    target = tmp_path / "thesis.onnx.pt"
    target.write_text("three years of work")
    with pytest.raises(ExportOverwrite, match=r"'.*thesis.onnx.pt' is not an earlier TorchScript export.*--force"):
        export_run(run, "torchscript", target)
    assert target.read_text() == "three years of work"
    export_run(run, "torchscript", target, force=True)
    assert target.read_bytes()[:2] == b"PK"  # a TorchScript zip now


@pytest.mark.parametrize("fmt", ["safetensors", "torchscript", "script", "csv", "onnx"])
def test_an_earlier_export_of_the_same_kind_is_replaced_without_force(fmt: str, run: Path, tmp_path: Path) -> None:
    if fmt == "onnx":
        pytest.importorskip("onnxruntime")
    first = export_run(run, fmt, tmp_path / "model")
    again = export_run(run, fmt, tmp_path / "model")  # no --force needed
    assert again.path == first.path and again.path.is_file()


def test_an_export_of_another_kind_is_not_replaced_without_force(run: Path, tmp_path: Path) -> None:
    weights = export_run(run, "safetensors", tmp_path / "model.safetensors").path
    script_py = tmp_path / "model.py"  # a script export writes model.py AND model.safetensors
    script_py.write_text("print('my own script')\n")
    with pytest.raises(ExportOverwrite, match="not an earlier script export"):
        export_run(run, "script", script_py)
    assert script_py.read_text() == "print('my own script')\n" and weights.is_file()


@pytest.mark.parametrize("kind", ["fifo", "device through a symlink"])
def test_csv_to_a_special_file_is_refused_and_writes_nothing_beside_it(kind: str, run: Path, tmp_path: Path) -> None:
    target = tmp_path / "null"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        os.symlink("/dev/null", target)
    with pytest.raises(ExportError, match=r"'.*null' is (a pipe \(FIFO\)|a device), not a file or folder to write"):
        export_run(run, "csv", target, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no null.csv beside it


def test_cli_refuses_in_one_sentence_and_force_overwrites(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = folder_hash(run)
    code = main(["export", str(run), "--format", "safetensors", "--out", str(run / "weights")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "is the run's own weights.safetensors" in err
    assert folder_hash(run) == before
    mine = tmp_path / "mine.csv"
    mine.write_text("a,b\n1,2\n")
    code = main(["export", str(run), "--format", "csv", "--out", str(mine)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not an earlier metrics export" in err and "--force" in err
    assert mine.read_text() == "a,b\n1,2\n"
    assert main(["export", str(run), "--format", "csv", "--out", str(mine), "--force"]) == 0
    assert mine.read_text().startswith("step,epoch,")
