"""Run folders written by config format 1 (tests/fixtures/runs-v1, one per family, made by make_v1_runs.py with the
code of the day) open, resume, fork and export as they did: a new config format must not strand old runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.events import Finished
from vision_lab.core.export import export_run
from vision_lab.core.inference import load_run_models
from vision_lab.core.lineage import fork_run, resume_run
from vision_lab.core.runs import open_run, read_metrics

V1 = Path(__file__).resolve().parent.parent / "fixtures" / "runs-v1"
FIXTURES = sorted(p.name for p in V1.iterdir() if p.is_dir())
TOL = 1e-5


def copy(family: str, tmp_path: Path) -> Path:
    """A copy to write in: the committed folder stays as format 1 wrote it."""
    return Path(shutil.copytree(V1 / family, tmp_path / family))


def finish(trainer) -> Finished:  # type: ignore[no-untyped-def]
    events = list(trainer.events())
    assert isinstance(events[-1], Finished)
    return events[-1]


def test_the_fixtures_are_format_1_as_written_then() -> None:
    assert FIXTURES == ["autoencoder", "cnn", "gan", "mlp"]
    for family in FIXTURES:
        raw = json.loads((V1 / family / "config.json").read_text())
        assert raw["version"] == 1 and raw["model"] == family
        # Format 1 wrote every family's section, whichever family the run trained.
        assert {"mlp", "cnn", "autoencoder", "gan"} <= raw.keys()


@pytest.mark.parametrize("family", FIXTURES)
def test_a_format_1_run_opens_with_its_settings(family: str) -> None:
    raw = json.loads((V1 / family / "config.json").read_text())
    record = open_run(V1 / family)
    cfg = record.config
    assert record.complete and cfg.model == family and cfg.name == raw["name"]
    assert cfg == ExperimentConfig.from_dict(raw)
    assert cfg.to_dict()[family] == raw[family]  # the family's own settings, unchanged
    for part in ("data", "optim", "train"):
        assert cfg.to_dict()[part] == raw[part]
    loaded = load_run_models(V1 / family)
    assert set(loaded.task.modules) >= {"model"} or set(loaded.task.modules) >= {"generator", "discriminator"}


@pytest.mark.parametrize("family", FIXTURES)
def test_a_format_1_run_resumes_and_forks(family: str, tmp_path: Path) -> None:
    run = copy(family, tmp_path)
    rows_before = len(read_metrics(run / "metrics.csv"))
    done = finish(resume_run(run, {"train.epochs": 3}))
    assert done.status == "completed" and done.step == 12, done.message
    assert len(read_metrics(run / "metrics.csv")) > rows_before
    assert open_run(run).config.train.epochs == 3

    fork = finish(fork_run(V1 / family, {"train.epochs": 3}, epoch=1, run_dir=tmp_path / "fork"))
    assert fork.status == "completed" and fork.step == 12, fork.message
    assert open_run(tmp_path / "fork").parent == {"run": str((V1 / family).resolve()), "epoch": 1, "step": 4}
    assert not (V1 / family / ".lock").exists()  # forking only read the committed folder


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("family", FIXTURES)
def test_a_format_1_run_exports_in_every_format(family: str, tmp_path: Path) -> None:
    for fmt in ("torchscript", "onnx", "script"):
        result = export_run(V1 / family, fmt, tmp_path / fmt)
        assert result.max_abs_diff is not None and result.max_abs_diff <= TOL, (fmt, result.max_abs_diff)
    traced = torch.jit.load(str(tmp_path / "torchscript.pt"))
    assert isinstance(traced, torch.jit.ScriptModule)
