"""Resume and fork on tiny real runs: a run stopped and resumed is bit for bit the run that never stopped."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.events import Finished, Metrics
from vision_lab.core.families.autoencoder import AutoencoderConfig
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.lineage import fork_run, resume_run
from vision_lab.core.runs import TIMING_COLUMNS, checkpoint_epochs, list_runs, open_run
from vision_lab.core.trainer import Trainer, TrainerControl

# The families at toy sizes with their defaults on: dropout, batch norm, augment shift, cosine schedule, GAN EMA;
# the GAN updates G every second step so the d_steps counter and the carried g_loss matter.
TINY = {
    "mlp": {"mlp": MLPConfig(hidden=(32,), dropout=0.1)},
    "cnn": {"cnn": CNNConfig(blocks=(ConvBlock(8, batch_norm=True),), dense=(16,))},
    "autoencoder": {"autoencoder": AutoencoderConfig(latent_dim=2, hidden=(32,))},
    "gan": {"gan": GANConfig(g_width=16, d_width=8, judge_samples=20, d_steps=2)},
}
STEPS_PER_EPOCH = 4
# The GAN on 8-pixel procedural shapes: its judge (a real one, trained on first use) costs a second, not ten.
GAN_DATA = {"data.name": "shapes", "data.count": 160, "data.image_size": 8}


def tiny(family: str, **dotted) -> ExperimentConfig:
    cfg = dataclasses.replace(default_config(family), **TINY[family])
    base = {
        "data.limit": 32 * STEPS_PER_EPOCH,
        "data.val_limit": 40,
        "train.epochs": 3,
        "train.batch_size": 32,
        "train.log_every": 3,  # rows that straddle epoch ends and stops
        "train.lr_schedule": "cosine",
    }
    return with_overrides(cfg, **{**base, **(GAN_DATA if family == "gan" else {}), **dotted})


def run(trainer: Trainer, stop_at=None) -> list:
    """All events; ``stop_at(event)`` True asks the loop to stop (as the Stop button does)."""
    events = []
    for event in trainer.events():
        events.append(event)
        if stop_at is not None and stop_at(event):
            trainer.control.request_stop()
    return events


def stepping() -> TrainerControl:
    """A report after every step, so a test can stop at any step it likes."""
    return TrainerControl(report_every_step=True)


def rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as fh:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(fh)]


def weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run_dir / "weights.safetensors"))


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key  # bit for bit, not approximately


def epoch_ends(events: list) -> list[dict[str, float]]:
    return [e.values for e in events if isinstance(e, Metrics) and e.epoch_end]


def at_epoch_end(event) -> bool:
    return isinstance(event, Metrics) and event.epoch_end and event.epoch == 0


def mid_epoch(step: int):
    return lambda event: isinstance(event, Metrics) and event.step == step


@pytest.mark.parametrize("family", ["mlp", "cnn", "autoencoder", "gan"])
def test_stop_and_resume_is_bit_identical(family: str, mnist5k, tmp_path: Path) -> None:
    cfg = tiny(family)
    data = None if family == "gan" else mnist5k  # the GAN loads its shapes
    full = run(Trainer(cfg, dataset=data, run_dir=tmp_path / "full"))
    assert full[-1].status == "completed" and full[-1].step == 3 * STEPS_PER_EPOCH
    for name, stop_at in (("boundary", at_epoch_end), ("mid", mid_epoch(STEPS_PER_EPOCH + 2))):
        cut = tmp_path / name
        # Reports at every step in the stopped run: reporting must not change the numbers either.
        first = run(Trainer(cfg, dataset=data, run_dir=cut, control=stepping()), stop_at)
        stopped = first[-1]
        assert isinstance(stopped, Finished) and stopped.status == "stopped"
        assert stopped.step == (STEPS_PER_EPOCH if name == "boundary" else STEPS_PER_EPOCH + 2)
        assert json.loads((cut / "summary.json").read_text())["status"] == "stopped"
        second = run(resume_run(cut, dataset=data))
        assert second[-1].status == "completed" and second[-1].step == 3 * STEPS_PER_EPOCH
        assert_same_weights(tmp_path / "full", cut)
        assert rows(cut) == rows(tmp_path / "full"), name
        # The epoch-end figures, the interrupted epoch's mean loss included.
        assert epoch_ends(first) + epoch_ends(second) == epoch_ends(full), name
        assert json.loads((cut / "summary.json").read_text())["status"] == "completed"
    assert checkpoint_epochs(tmp_path / "full") == [0, 1, 2, 3]


# mid_epoch(STEPS_PER_EPOCH): the epoch's last step, reported before the epoch ends: the checkpoint's batch equals
# the steps per epoch (the window closed there once, and the saved run could not be resumed).
@pytest.mark.parametrize("close_at", [mid_epoch(7), mid_epoch(STEPS_PER_EPOCH), at_epoch_end])
def test_closed_generator_and_a_crash_after_the_checkpoint_resume_exactly(close_at, mnist5k, tmp_path: Path) -> None:
    cfg = tiny("mlp", **{"train.lr_schedule": "constant"})
    run(Trainer(cfg, dataset=mnist5k, run_dir=tmp_path / "full"))
    cut = tmp_path / "cut"
    events = Trainer(cfg, dataset=mnist5k, run_dir=cut, control=stepping()).events()
    for event in events:
        if close_at(event):
            events.close()  # the window closed: the loop saves a checkpoint on its way out
            break
    # A crash after the checkpoint left a row (and half of another) the checkpoint does not account for.
    with open(cut / "metrics.csv", "a") as fh:
        fh.write("9,2.25,0.5,,,0.002,1.0,1.0\n8,2.0,0.")
    run(resume_run(cut, dataset=mnist5k))
    assert_same_weights(tmp_path / "full", cut)
    assert rows(cut) == rows(tmp_path / "full")


def test_finished_run_trains_further_as_a_longer_run_would(mnist5k, tmp_path: Path) -> None:
    # With the constant schedule a run planned for 3 epochs and one extended from 2 to 3 are the same run.
    cfg = tiny("cnn", **{"train.lr_schedule": "constant"})
    run(Trainer(cfg, dataset=mnist5k, run_dir=tmp_path / "full"))
    short = tmp_path / "short"
    run(Trainer(with_overrides(cfg, **{"train.epochs": 2}), dataset=mnist5k, run_dir=short))
    with pytest.raises(RunError, match="Nothing left to train"):
        resume_run(short, dataset=mnist5k)
    finished = run(resume_run(short, {"train.epochs": 3}, dataset=mnist5k))[-1]
    assert finished.status == "completed"
    assert_same_weights(tmp_path / "full", short)
    assert rows(short) == rows(tmp_path / "full")
    assert open_run(short).config == cfg  # config.json says how long the run is now


def test_resume_refuses_what_would_change_the_numbers(mnist5k, tmp_path: Path) -> None:
    cut = tmp_path / "cut"
    run(Trainer(tiny("mlp"), dataset=mnist5k, run_dir=cut, control=stepping()), mid_epoch(2))
    with pytest.raises(ConfigError, match=r"optim\.lr cannot change; fork"):
        resume_run(cut, {"optim.lr": 0.1}, dataset=mnist5k)
    with pytest.raises(ConfigError, match=r"Unknown setting 'trian\.epochs'"):
        resume_run(cut, {"trian.epochs": 9}, dataset=mnist5k)
    with pytest.raises(RunError, match="does not exist"):
        resume_run(tmp_path / "nothing", dataset=mnist5k)
    (cut / "checkpoint.pt").unlink()
    with pytest.raises(RunError, match="no checkpoint to resume from"):
        resume_run(cut, dataset=mnist5k)


def test_diverged_run_is_forked_not_resumed(mnist5k, tmp_path: Path) -> None:
    bad = {"optim.name": "sgd", "optim.lr": 10.0, "optim.momentum": 0.0, "optim.weight_decay": 1.0}
    # Batches of 8: it diverges within a few (costly) epoch ends.
    cfg = tiny("mlp", **{**bad, "train.epochs": 20, "train.lr_schedule": "constant", "train.batch_size": 8})
    assert run(Trainer(cfg, dataset=mnist5k, run_dir=tmp_path / "bad"))[-1].status == "diverged"
    with pytest.raises(RunError, match="diverged"):
        resume_run(tmp_path / "bad", dataset=mnist5k)
    fixed = {"optim.weight_decay": 0.0, "optim.lr": 0.01, "train.epochs": 2}
    fork = fork_run(tmp_path / "bad", fixed, epoch=0, dataset=mnist5k)
    assert run(fork)[-1].status == "completed"


def test_fork_from_latest_without_changes_trains_as_the_resume_would(tmp_path: Path) -> None:
    cfg = tiny("gan")
    run(Trainer(cfg, run_dir=tmp_path / "full"))
    parent = tmp_path / "parent"
    run(Trainer(cfg, run_dir=parent, control=stepping()), mid_epoch(6))
    fork = fork_run(parent)
    assert fork._run_path == tmp_path / "parent-fork"
    finished = run(fork)[-1]
    assert finished.status == "completed" and finished.step == 3 * STEPS_PER_EPOCH
    assert_same_weights(tmp_path / "full", tmp_path / "parent-fork")
    # The fork's own rows are the unbroken run's rows after the fork point.
    assert rows(tmp_path / "parent-fork") == [r for r in rows(tmp_path / "full") if int(r["step"]) > 6]
    expected = {"run": str(parent.resolve()), "epoch": 1, "step": 6}
    assert open_run(tmp_path / "parent-fork").parent == expected
    assert json.loads((tmp_path / "parent-fork" / "summary.json").read_text())["parent"] == expected
    assert "parent" not in json.loads((parent / "summary.json").read_text())


def test_fork_from_past_epoch_with_new_settings(mnist5k, tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    run(Trainer(tiny("mlp", **{"train.epochs": 2}), dataset=mnist5k, run_dir=parent))
    assert checkpoint_epochs(parent) == [0, 1, 2]
    trainer = fork_run(parent, {"optim.lr": 1e-4, "train.epochs": 3}, epoch=1, dataset=mnist5k, control=stepping())
    assert trainer.progress.step == STEPS_PER_EPOCH and trainer.progress.epoch == 1
    events = run(trainer)
    fork = tmp_path / "parent-fork-e1"
    assert events[-1].status == "completed" and events[-1].step == 3 * STEPS_PER_EPOCH
    assert int(rows(fork)[0]["step"]) > STEPS_PER_EPOCH  # step numbers continue the parent's
    assert open_run(fork).parent == {"run": str(parent.resolve()), "epoch": 1, "step": STEPS_PER_EPOCH}
    assert open_run(fork).config.optim.lr == 1e-4
    # The fork's base rate is its own: the cosine schedule at the fork's first step.
    first = next(e for e in events if isinstance(e, Metrics))
    assert first.lr == pytest.approx(1e-4 * 0.5 * (1 + torch.cos(torch.tensor(torch.pi * 4 / 12)).item()))
    # Fresh optimizer state: Adam counted only the fork's own 8 steps, not the parent's 4 before them.
    state = torch.load(fork / "checkpoint.pt", weights_only=True)
    assert {float(s["step"]) for s in state["optimizers"]["model"]["state"].values()} == {8.0}
    # A fork of a fork gets a short name; a second fork of the same point another one.
    assert fork_run(fork, dataset=mnist5k, epoch=2)._run_path == tmp_path / "parent-fork-e2"
    assert fork_run(parent, {"train.epochs": 4}, epoch=1, dataset=mnist5k)._run_path == tmp_path / "parent-fork-e1-2"

    infos = {i.path.name: i for i in list_runs(tmp_path)}
    assert infos["parent-fork-e1"].parent is not None and infos["parent"].parent is None
    assert infos["parent"].status == "completed" and infos["parent"].snapshot_epochs == (0, 1, 2)
    assert infos["parent-fork-e1"].epochs_done == 3 and infos["parent-fork-e1"].resumable


def test_fork_mistakes_name_the_problem(mnist5k, tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    run(Trainer(tiny("mlp", **{"train.epochs": 1}), dataset=mnist5k, run_dir=parent))
    with pytest.raises(RunError, match=r"no weights for the end of epoch 5 \(it has: 0, 1\)"):
        fork_run(parent, {"train.epochs": 9}, epoch=5, dataset=mnist5k)
    with pytest.raises(RunError, match="do not fit"):
        fork_run(parent, {"mlp.hidden": [8], "train.epochs": 2}, dataset=mnist5k)
    with pytest.raises(RunError, match="Nothing left to train"):
        fork_run(parent, {"optim.lr": 0.1}, dataset=mnist5k)
    with pytest.raises(ConfigError, match=r"train\.epochs must be a whole number"):
        fork_run(parent, {"train.epochs": "many"}, dataset=mnist5k)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parent"]  # nothing was written


def test_epoch_snapshots_are_thinned_but_keep_the_start_and_the_end(mnist5k, tmp_path: Path) -> None:
    from vision_lab.core.runs import MAX_EPOCH_SNAPSHOTS

    epochs = MAX_EPOCH_SNAPSHOTS + 6
    cfg = tiny("mlp", **{"train.epochs": epochs, "data.limit": 64})
    finished = run(Trainer(cfg, dataset=mnist5k, runs_root=tmp_path))[-1]
    kept = checkpoint_epochs(finished.run_dir)
    assert len(kept) == MAX_EPOCH_SNAPSHOTS
    assert kept[0] == 0 and kept[-1] == epochs
    gaps = [b - a for a, b in itertools.pairwise(kept)]
    assert max(gaps) <= 3  # spread over the run, not the first dozen


def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path: Path) -> None:
    """Twin runs start together: the folder is created when named, so the second one cannot take it too."""
    from vision_lab.core.config import default_config
    from vision_lab.core.runs import new_run_dir

    cfg = default_config("mlp")
    folders = [new_run_dir(tmp_path, cfg) for _ in range(3)]
    assert len(set(folders)) == 3 and all(f.is_dir() for f in folders)
