"""The one training loop, on tiny real data: every family, reproducibility, control, failure."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.errors import ConfigError, DataError
from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.core.families.autoencoder import AutoencoderConfig
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.runs import TIMING_COLUMNS, open_run
from vision_lab.core.trainer import Trainer, TrainerControl

TINY = {
    "mlp": {"mlp": MLPConfig(hidden=(32,), dropout=0.1)},
    "cnn": {"cnn": CNNConfig(blocks=(ConvBlock(8, batch_norm=True),), dense=(16,))},
    "autoencoder": {"autoencoder": AutoencoderConfig(latent_dim=2, hidden=(32,))},
    "gan": {"gan": GANConfig(g_width=16, d_width=8, judge_samples=50)},
}
PREVIEW_KIND = {"mlp": "predictions", "cnn": "predictions", "autoencoder": "reconstructions", "gan": "samples"}
SUMMARY_KEYS = {
    "mlp": {"val_accuracy"},
    "cnn": {"val_accuracy"},
    "autoencoder": {"val_mse"},
    "gan": {"judge_confidence", "judge_coverage"},
}


def tiny(family: str, **dotted) -> ExperimentConfig:
    cfg = dataclasses.replace(default_config(family), **TINY[family])
    base = {"data.limit": 256, "data.val_limit": 100, "train.epochs": 2, "train.batch_size": 32}
    return with_overrides(cfg, **{**base, **dotted})


def collect(trainer: Trainer) -> list:
    return list(trainer.events())


@pytest.mark.parametrize("family", ["mlp", "cnn", "autoencoder", "gan"])
def test_each_family_trains_and_writes_a_run(family: str, mnist5k, tmp_path: Path) -> None:
    run = tmp_path / "run"
    events = collect(Trainer(tiny(family), dataset=mnist5k, run_dir=run))
    assert isinstance(events[0], Started)
    assert isinstance(events[-1], Finished) and events[-1].status == "completed"
    metrics = [e for e in events if isinstance(e, Metrics)]
    assert sum(m.epoch_end for m in metrics) == 2
    assert all(np.isfinite(v) for m in metrics for v in m.values.values())
    previews = [e for e in events if isinstance(e, Preview)]
    assert previews and {p.kind for p in previews} == {PREVIEW_KIND[family]}
    for p in previews:
        assert p.images.dtype == np.uint8 and p.images.shape[1:] == (28, 28, 1)
    summary = events[-1].summary
    assert SUMMARY_KEYS[family] <= summary.keys()
    assert {"samples_per_s", "seconds", "steps", "epochs"} <= summary.keys()
    assert summary["steps"] == 2 * (256 // 32) and summary["epochs"] == 2
    for name in ("config.json", "dataset.json", "metrics.csv", "weights.safetensors", "checkpoint.pt", "summary.json"):
        assert (run / name).is_file(), name
    assert list(run.glob("preview-*.png"))
    record = open_run(run)
    assert record.complete and record.config == tiny(family)
    assert len(record.metrics()) >= 2


def test_classifier_learns_and_preview_shows_every_class(mnist5k) -> None:
    cfg = tiny("cnn", **{"data.limit": 1000, "train.epochs": 3})
    events = collect(Trainer(cfg, dataset=mnist5k))
    first = next(e for e in events if isinstance(e, Metrics))
    last = [e for e in events if isinstance(e, Metrics) and e.epoch_end][-1]
    assert last.values["train_loss"] < first.values["train_loss"]
    assert last.values["val_accuracy"] > 0.4  # chance is 0.1
    assert last.confusion is not None and last.confusion.sum() == 100
    preview = next(e for e in events if isinstance(e, Preview))
    assert set(preview.labels.tolist()) == set(range(10))
    assert preview.probabilities.shape == (32, 10)


def test_gan_samples_come_from_fixed_noise(mnist5k) -> None:
    trainer = Trainer(tiny("gan", **{"train.epochs": 1, "train.preview_seconds": 0.0}), dataset=mnist5k)
    events = collect(trainer)
    previews = [e for e in events if isinstance(e, Preview)]
    # Same noise, eval mode: generating again from the finished model reproduces the last preview exactly.
    again = trainer.task.preview(0, 0)
    np.testing.assert_array_equal(again.images, previews[-1].images)
    assert previews[-1].predictions is not None  # the judge labelled the samples


def _rows_without_timing(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(fh)]


@pytest.mark.parametrize("family", ["cnn", "gan"])
def test_same_config_same_metrics(family: str, mnist5k, tmp_path: Path) -> None:
    cfg = tiny(family, **{"train.report_seconds": 0.0})
    collect(Trainer(cfg, dataset=mnist5k, run_dir=tmp_path / "a"))
    # Different reporting cadence must not change the numbers.
    collect(Trainer(with_overrides(cfg, **{"train.report_seconds": 5.0}), dataset=mnist5k, run_dir=tmp_path / "b"))
    a, b = _rows_without_timing(tmp_path / "a" / "metrics.csv"), _rows_without_timing(tmp_path / "b" / "metrics.csv")
    assert len(a) > 4
    assert a == b


def test_stop_acts_within_one_step_and_saves(mnist5k, tmp_path: Path) -> None:
    control = TrainerControl()
    trainer = Trainer(tiny("mlp", **{"train.epochs": 50}), dataset=mnist5k, run_dir=tmp_path / "r", control=control)
    events = []
    for event in trainer.events():
        events.append(event)
        if isinstance(event, Started):
            control.request_stop()
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.status == "stopped"
    assert finished.step == 1  # it stopped right after the first batch
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["status"] == "stopped" and "val_accuracy" in summary


def test_learning_rate_changes_mid_run(mnist5k) -> None:
    control = TrainerControl()
    cfg = tiny("mlp", **{"train.lr_schedule": "constant", "train.epochs": 3})
    seen = []
    for event in Trainer(cfg, dataset=mnist5k, control=control).events():
        if isinstance(event, Metrics):
            seen.append((event.step, event.lr))
            if len(seen) == 1:
                control.set_lr(0.0123)
    assert seen[0][1] == pytest.approx(2e-3)
    assert seen[1][1] == pytest.approx(0.0123)
    assert seen[1][0] == seen[0][0] + 1  # applied from the very next step
    with pytest.raises(ConfigError):
        control.set_lr(-1.0)


def test_report_every_step_for_single_stepping(mnist5k) -> None:
    control = TrainerControl(report_every_step=True)
    cfg = tiny("mlp", **{"train.epochs": 1, "train.report_seconds": 100.0})
    steps = [e.step for e in Trainer(cfg, dataset=mnist5k, control=control).events() if isinstance(e, Metrics)]
    assert steps[: 256 // 32] == list(range(1, 256 // 32 + 1))


def test_reports_are_throttled(mnist5k) -> None:
    cfg = tiny("mlp", **{"train.epochs": 3, "train.report_seconds": 1000.0, "train.preview_seconds": 1000.0})
    events = collect(Trainer(cfg, dataset=mnist5k))
    metrics = [e for e in events if isinstance(e, Metrics)]
    assert len(metrics) == 3 and all(m.epoch_end for m in metrics)
    assert sum(isinstance(e, Preview) for e in events) == 3  # one per epoch end


def test_divergence_stops_with_a_reason_and_keeps_good_weights(mnist5k, tmp_path: Path) -> None:
    cfg = tiny(
        "mlp",
        **{
            # lr × weight decay > 2 makes every step multiply the weights by -9: inf within ~40 steps.
            "optim.name": "sgd",
            "optim.lr": 10.0,
            "optim.momentum": 0.0,
            "optim.weight_decay": 1.0,
            "train.lr_schedule": "constant",
            "train.epochs": 20,
            "train.report_seconds": 0.0,
        },
    )
    trainer = Trainer(cfg, dataset=mnist5k, run_dir=tmp_path / "r")
    finished = collect(trainer)[-1]
    assert finished.status == "diverged"
    assert "NaN or infinite" in finished.message and "last good weights" in finished.message
    assert trainer.task.finite()
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["status"] == "diverged"


def test_mistakes_raise_before_any_folder_exists(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        Trainer(with_overrides(tiny("mlp"), **{"data.name": "no-such-dataset"}), run_dir=tmp_path / "r1")
    with pytest.raises(ConfigError, match="multiple of 4"):
        Trainer(
            with_overrides(tiny("gan"), **{"data.name": "shapes", "data.image_size": 30, "data.count": 60}),
            run_dir=tmp_path / "r2",
        )
    assert not (tmp_path / "r1").exists() and not (tmp_path / "r2").exists()


def test_colour_shapes_work_for_every_family() -> None:
    for family in ("cnn", "autoencoder", "gan"):
        cfg = tiny(family, **{"data.name": "shapes", "data.count": 120, "data.image_size": 32, "train.epochs": 1})
        events = collect(Trainer(cfg))
        assert events[-1].status == "completed"
        assert next(e for e in events if isinstance(e, Preview)).images.shape[1:] == (32, 32, 3)


@pytest.mark.parametrize(
    ("epochs", "step", "done", "text"),
    [
        (1.0, 140, 140, "Finished 1 epoch (140 steps) in 2.0 s."),
        (3.0, 420, 420, "Finished 3 epochs (420 steps) in 2.0 s."),
        (3.0, 420, 280, "Finished at 3 epochs (step 420): this run trained 280 steps in 2.0 s."),
        (0.5, 1, 1, "Finished 0.5 epochs (1 step) in 2.0 s."),
    ],
)
def test_finished_messages_count_what_this_run_did(epochs: float, step: int, done: int, text: str) -> None:
    from vision_lab.core.trainer import finished_message

    assert finished_message(epochs, step, done, 2.0) == text
