"""Issue 17, item 6: a resume that fails leaves the run folder byte for byte as it was; one that ends keeps its work.

A finished run's summary.json, metrics.csv, weights and checkpoint must survive a resume that crashes, cannot write,
or meets data that changed: each test hashes every file of the folder (hidden ones too) before and after.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.core.config import default_config, with_overrides
from vision_lab.core.errors import RunError
from vision_lab.core.events import Finished, Metrics
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.lineage import resume_run
from vision_lab.core.runs import open_run, read_metrics
from vision_lab.core.trainer import Trainer, TrainerControl

REPO = Path(__file__).resolve().parents[2]


def folder_hash(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<folder>"
    return out


def tiny(hidden: tuple[int, ...] = (16,), **dotted: object):  # type: ignore[no-untyped-def]
    cfg = dataclasses.replace(default_config("mlp"), mlp=MLPConfig(hidden=hidden, dropout=0.0))
    base = {"data.limit": 64, "data.val_limit": 32, "train.epochs": 1, "train.batch_size": 16, "train.log_every": 1}
    return with_overrides(cfg, **{**base, **dotted})


def finished_run(path: Path, cfg=None, dataset=None) -> Path:  # type: ignore[no-untyped-def]
    events = list(Trainer(cfg or tiny(), dataset=dataset, run_dir=path).events())
    assert isinstance(events[-1], Finished) and events[-1].status == "completed"
    assert open_run(path).complete
    return path


def test_a_resume_that_crashes_mid_epoch_leaves_the_folder_as_it_was(
    mnist5k, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = finished_run(tmp_path / "run", dataset=mnist5k)
    before = folder_hash(run)
    trainer = resume_run(run, {"train.epochs": 3}, dataset=mnist5k)
    real_step, calls = trainer.task.train_step, []

    def step_then_crash(*args):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:  # after two steps and their metrics rows: the folder was already being written
            raise RuntimeError("a bug in the training step")
        return real_step(*args)

    monkeypatch.setattr(trainer.task, "train_step", step_then_crash)
    with pytest.raises(RuntimeError, match="a bug in the training step"):
        for _ in trainer.events():
            pass
    assert folder_hash(run) == before
    assert open_run(run).complete  # still shows as the finished run it was


def test_a_resume_whose_data_changed_is_refused_in_a_sentence_naming_the_layer(tmp_path: Path) -> None:
    pics = tmp_path / "pics"
    rng = np.random.default_rng(0)

    def draw(size: int) -> None:
        for cls in ("a", "b"):
            (pics / cls).mkdir(parents=True, exist_ok=True)
            for i in range(20):
                Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(pics / cls / f"{i}.png")

    draw(12)
    run = finished_run(tmp_path / "run", tiny(**{"data.name": str(pics), "data.val_limit": None}))
    before = folder_hash(run)
    draw(16)  # the same folder, other pictures: the model's input layer no longer fits its weights
    with pytest.raises(RunError) as err:
        for _ in resume_run(run, {"train.epochs": 2}).events():
            pass
    message = str(err.value)
    assert "do not fit the run's model ('model." in message and "is 16×144, the model's is 16×256" in message
    assert "Error(s) in loading state_dict" not in message
    assert folder_hash(run) == before


# A child whose files may not grow past 4 MB (as in test_faults): the resumed run's first weights file cannot be
# written, as on a full disk. Putting the old files back takes renames only, which the limit does not stop.
FULL_DISK = (
    "import resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (4_000_000, 4_000_000))\n"
    "from vision_lab.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def test_a_resume_on_a_full_disk_exits_2_and_leaves_the_folder_as_it_was(mnist5k, tmp_path: Path) -> None:
    run = finished_run(tmp_path / "run", tiny(hidden=(1024, 1024)), dataset=mnist5k)  # 7.6 MB of weights
    before = folder_hash(run)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "train", "--resume", str(run), "--epochs", "2", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Cannot write the run folder" in done.stderr
    assert folder_hash(run) == before


def test_a_resume_that_ends_or_is_stopped_keeps_its_work_and_leaves_nothing_behind(mnist5k, tmp_path: Path) -> None:
    run = finished_run(tmp_path / "run", dataset=mnist5k)
    rows = len(read_metrics(run / "metrics.csv"))
    trainer = resume_run(run, {"train.epochs": 3}, dataset=mnist5k, control=TrainerControl(report_every_step=True))
    for event in trainer.events():
        if isinstance(event, Metrics) and event.step == 6:
            trainer.control.request_stop()
    assert open_run(run).summary["status"] == "stopped"  # type: ignore[index]
    assert len(read_metrics(run / "metrics.csv")) > rows
    events = list(resume_run(run, {"train.epochs": 3}, dataset=mnist5k).events())
    assert isinstance(events[-1], Finished) and events[-1].status == "completed"
    assert open_run(run).summary["epochs"] == 3  # type: ignore[index]
    # The run lock's file stays (empty, unlocked: core/runlock.py); no backup or temp file is left behind.
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == [".lock", ".weights.previous.safetensors"]
