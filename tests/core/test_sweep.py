"""Sweeps (issue 22), the core: the search space, the objective, the trainer's pruned stop, dead trials, a sweep
in this process with a callback per trial, and continuing a study to the asked number."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from vision_lab.core.config import default_config
from vision_lab.core.control import TrainerControl
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Finished, Metrics
from vision_lab.core.run_reader import list_runs, open_run, run_info
from vision_lab.core.sweep import (
    SweepSpec,
    fail_dead_trials,
    open_storage,
    read_sweep,
    resolve_objective,
    storage_url,
)
from vision_lab.core.sweep_run import run_sweep
from vision_lab.core.sweep_space import check_space, grid_space, parse_dimension, parse_space
from vision_lab.core.trainer import Trainer


def tiny_mlp(epochs: int = 2):
    cfg = default_config("mlp")
    return cfg.replace(
        mlp=cfg.mlp.__class__(hidden=(8,), dropout=0.0),
        data=cfg.data.__class__(name="mnist-5k", limit=300),
        train=cfg.train.__class__(epochs=epochs, batch_size=64),
    )


# --- the space ---------------------------------------------------------------------------------------------------
def test_space_kinds_parse() -> None:
    lr = parse_dimension("optim.lr", "loguniform:1e-4:1e-1")
    assert (lr.kind, lr.low, lr.high, lr.step) == ("loguniform", 1e-4, 1e-1, None)
    assert parse_dimension("train.batch_size", "int:16:64:16").grid() == [16, 32, 48, 64]
    assert parse_dimension("mlp.dropout", "uniform:0:0.5:0.25").grid() == [0.0, 0.25, 0.5]
    assert parse_dimension("optim.name", "choice:adam,sgd").choices == ("adam", "sgd")
    hidden = parse_dimension("mlp.hidden", "choice:[[16],[32,16]]")
    assert hidden.choices == ([16], [32, 16])
    assert hidden.decode(hidden.grid()[1]) == [32, 16]  # a list travels through Optuna as its JSON text
    assert lr.grid() is None


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("loguniform:0:1", "above 0"),
        ("uniform:1:0", "above the high end"),
        ("int:1.5:3", "whole number"),
        ("uniform:a:1", "not a number"),
        ("normal:0:1", "KIND"),
        ("uniform:0", "LOW:HIGH"),
        ("loguniform:1e-4:1e-1:1e-3", "LOW:HIGH"),
        ("uniform:0:1:0", "step"),
        ("choice:", "KIND"),
        ("uniform:0:inf", "finite"),
    ],
)
def test_space_mistakes_are_one_sentence(spec: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_dimension("optim.lr", spec)


def test_space_checked_against_the_config(tmp_path: Path) -> None:
    cfg = tiny_mlp()
    with pytest.raises(ConfigError, match=r"Unknown setting 'optim\.lrr'"):
        check_space(cfg, parse_space(["optim.lrr=uniform:0:1"]))
    with pytest.raises(ConfigError, match=r"mlp\.dropout"):  # the config refuses 0.99 at the high end
        check_space(cfg, parse_space(["mlp.dropout=uniform:0:0.99"]))
    with pytest.raises(ConfigError, match="model"):
        check_space(cfg, parse_space(["model=choice:mlp,cnn"]))
    with pytest.raises(ConfigError, match="twice"):
        parse_space(["optim.lr=uniform:0.1:1", "optim.lr=uniform:0.1:1"])
    file = tmp_path / "space.json"
    file.write_text(json.dumps({"optim.lr": "loguniform:1e-3:1e-1", "optim.name": ["adam", "sgd"]}))
    space = parse_space([], file)
    assert [d.key for d in space] == ["optim.lr", "optim.name"]
    check_space(cfg, space)
    file.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="one JSON object"):
        parse_space([], file)
    with pytest.raises(ConfigError, match="countable"):
        grid_space(space)
    assert grid_space(parse_space(["optim.name=choice:adam,sgd", "train.batch_size=int:16:32:16"])) == {
        "optim.name": ["adam", "sgd"],
        "train.batch_size": [16, 32],
    }


def test_objective_and_direction_come_from_the_family() -> None:
    cfg = tiny_mlp()
    assert resolve_objective(cfg, None) == ("val_accuracy", "maximize")  # the headline
    assert resolve_objective(cfg, "val_loss") == ("val_loss", "minimize")
    with pytest.raises(ConfigError, match="judge_confidence"):
        resolve_objective(cfg, "judge_confidence")  # the GAN's, not the MLP's
    assert resolve_objective(default_config("gan"), "judge_confidence") == ("judge_confidence", "maximize")


def test_storage_forms(tmp_path: Path) -> None:
    assert storage_url(None, tmp_path) == f"sqlite:///{tmp_path.resolve()}/study.db"
    assert storage_url(str(tmp_path / "s.log"), tmp_path) == str(tmp_path.resolve() / "s.log")
    with pytest.raises(ConfigError, match="--storage"):
        storage_url("nowhere", tmp_path)
    with pytest.raises(ConfigError, match="Cannot open the study storage"):
        open_storage("nosuchdb://x/y")


# --- the trainer's pruned stop -----------------------------------------------------------------------------------
def test_a_pruned_run_ends_with_status_pruned_and_keeps_its_folder(tmp_path: Path, mnist5k) -> None:
    control = TrainerControl()
    run = tmp_path / "run"
    epochs_seen = []
    finished = None
    for event in Trainer(tiny_mlp(epochs=4), dataset=mnist5k, run_dir=run, control=control).events():
        if isinstance(event, Metrics) and event.epoch_end:
            epochs_seen.append(event.epoch)
            control.request_prune("Pruned by the test.")
        elif isinstance(event, Finished):
            finished = event
    assert finished is not None and finished.status == "pruned" and finished.message == "Pruned by the test."
    assert epochs_seen == [0]  # stopped at the first epoch's end, not one step into the next
    info = run_info(run)
    assert info.status == "pruned" and info.resumable and info.epochs_done == 1.0
    assert open_run(run).summary["status"] == "pruned"  # the schema accepts it
    assert [i.status for i in list_runs(tmp_path)] == ["pruned"]


# --- dead trials -------------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Heartbeat")  # ask() outside optimize(): the test plays a sweep's process
def test_running_trials_of_a_dead_process_are_failed(tmp_path: Path) -> None:
    import socket

    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path / 's.db'}"), study_name="s")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    dead, alive, elsewhere = study.ask(), study.ask(), study.ask()
    dead.set_user_attr("worker", f"{host}:{gone.pid}")
    alive.set_user_attr("worker", f"{host}:{os.getpid()}")
    elsewhere.set_user_attr("worker", f"another-host-{host}:{gone.pid}")  # not ours to judge: the heartbeat's
    assert fail_dead_trials(study) == [dead.number]
    states = {tr.number: tr.state for tr in study.get_trials()}
    assert states == {
        dead.number: optuna.trial.TrialState.FAIL,
        alive.number: optuna.trial.TrialState.RUNNING,
        elsewhere.number: optuna.trial.TrialState.RUNNING,
    }


# --- a sweep in this process -------------------------------------------------------------------------------------
def test_sweep_in_process_calls_back_per_trial_and_continues_to_the_asked_number(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    spec = SweepSpec(
        config=tiny_mlp(),
        space=parse_space(["optim.lr=loguniform:1e-3:1e-1", "mlp.hidden=choice:[[8],[16]]"]),
        out=out,
        trials=3,
        pruner="none",
        storage=str(tmp_path / "study.log"),  # a journal file
        study="s",
        seed=1,
    )
    seen = []
    report = run_sweep(spec, on_trial=seen.append)
    assert [r.number for r in seen] == [0, 1, 2] and all(r.state == "complete" for r in seen)
    saved = json.loads((out / "sweep.json").read_text())
    assert saved["objective"] == "val_accuracy" and saved["direction"] == "maximize"
    assert [t["number"] for t in saved["trials"]] == [0, 1, 2]
    best = max(saved["trials"], key=lambda t: t["value"])
    assert saved["best"]["number"] == best["number"] == report.best.number
    for t in saved["trials"]:
        run = Path(t["run_dir"])
        assert run == out / f"trial-{t['number']:04d}"
        assert t["params"]["mlp.hidden"] in ([8], [16])
        assert math.isclose(t["value"], json.loads((run / "summary.json").read_text())["val_accuracy"])
        trial_file = json.loads((run / "sweep_trial.json").read_text())
        assert trial_file["study"] == "s" and trial_file["trial"] == t["number"]
        info = run_info(run)  # an ordinary run folder, named after its trial
        assert info.status == "completed" and info.name == f"s #{t['number']}"
        assert open_run(run).config.mlp.hidden == tuple(t["params"]["mlp.hidden"])
    # Continued with a larger count: one more trial; asked again: nothing to do.
    assert len(run_sweep(SweepSpec(**{**spec.__dict__, "trials": 4})).trials) == 4
    assert len(run_sweep(SweepSpec(**{**spec.__dict__, "trials": 4})).trials) == 4
    assert read_sweep(storage_url(spec.storage, out), "s").count("complete") == 4
    with pytest.raises(ConfigError, match="optimizes val_accuracy"):
        run_sweep(SweepSpec(**{**spec.__dict__, "objective": "val_loss"}))
    with pytest.raises(ConfigError, match="no study"):
        read_sweep(storage_url(spec.storage, out), "other")


def test_parallel_jobs_are_child_processes_and_the_parent_hears_every_trial(tmp_path: Path) -> None:
    spec = SweepSpec(
        config=tiny_mlp(epochs=1),
        space=parse_space(["optim.lr=loguniform:1e-3:1e-1"]),
        out=tmp_path / "sweep",
        trials=4,
        jobs=2,
        pruner="none",
    )
    seen = []
    report = run_sweep(spec, on_trial=seen.append)
    assert sorted(r.number for r in seen) == [r.number for r in report.trials] == [0, 1, 2, 3]
    assert report.count("complete") == 4
    workers = {r.worker for r in report.trials}
    assert workers and not any(w.endswith(f":{os.getpid()}") for w in workers)  # trained in the children
