"""Twin runs: the dialog that makes B, and the window that trains A and B side by side (real training processes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import click
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPushButton

from vision_lab.core.config import ExperimentConfig, apply_overrides, config_changes, default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.runs import open_run, read_metrics
from vision_lab.gui.twin import SAME_AS_A, TwinDialog, TwinWindow, twin_knobs, verdict


def tiny_mlp(**overrides: object) -> ExperimentConfig:
    """An MLP on 384 images, 16 per batch: 24 steps an epoch, a metrics.csv row after every step."""
    settings = {
        "mlp.hidden": [32],
        "data.limit": 384,
        "data.val_limit": 200,
        "train.epochs": 1,
        "train.batch_size": 16,
        "train.log_every": 1,
        "train.device": "cpu",
        "optim.lr": 1e-3,
    }
    return apply_overrides(default_config("mlp"), {**settings, **overrides})


def one_sentence(text: str) -> bool:
    return bool(text) and len(re.findall(r"[.!?](?:\s|$)", text)) == 1 and "Traceback" not in text


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Select all with the keyboard, then type over it, as a person would."""
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def test_knobs_never_include_seed_or_length() -> None:
    for family in ("mlp", "cnn", "autoencoder", "gan"):
        keys = [k for k, _label in twin_knobs(default_config(family))]
        assert {"optim.lr", "optim.name", "train.batch_size"} <= set(keys)
        assert not {"train.seed", "train.epochs", "train.max_steps"} & set(keys)
        assert any(k.startswith(f"{family}.") for k in keys)


def test_verdict_names_the_better_twin() -> None:
    assert verdict("mlp", {"val_accuracy": 0.912}, {"val_accuracy": 0.931}).startswith("B reached 93.1% vs 91.2%")
    assert verdict("autoencoder", {"val_mse": 0.01}, {"val_mse": 0.02}).startswith("A reached")  # lower is better
    assert "Only A" in verdict("gan", {"judge_confidence": 0.5}, None)


def test_dialog_validates_b_as_the_user_types(qtbot) -> None:
    cfg = tiny_mlp()
    dialog = TwinDialog(cfg)
    qtbot.addWidget(dialog)
    dialog.show()
    combo = dialog.findChild(QComboBox, "twinKnobCombo")
    edit = dialog.findChild(QLineEdit, "twinValueEdit")
    error = dialog.findChild(QLabel, "twinError")
    ok = dialog.findChild(QPushButton, "twinOkButton")
    assert dialog.objectName() == "twinDialog" and None not in (combo, edit, error, ok)

    combo.setCurrentIndex(combo.findData("optim.lr"))
    # Pre-filled with A's value, which is no twin at all.
    assert edit.text() == "0.001"
    assert not ok.isEnabled() and error.text() == SAME_AS_A

    type_into(qtbot, edit, "0.1")
    assert ok.isEnabled() and error.text() == ""
    b = dialog.twin_config()
    assert config_changes(cfg, b) == ["optim.lr"] and b.optim.lr == pytest.approx(0.1)

    for bad in ("abc", "-0.1", "0.001"):
        type_into(qtbot, edit, bad)
        assert edit.text() == bad
        assert not ok.isEnabled()
        assert one_sentence(error.text()), error.text()
        with pytest.raises(ConfigError):
            dialog.twin_config()
    assert error.text() == SAME_AS_A  # the last one typed A's value back
    type_into(qtbot, edit, "-0.1")
    assert "optim.lr" in error.text() and "positive" in error.text()

    # A list knob shows JSON and takes "64, 16" as a person types it.
    combo.setCurrentIndex(combo.findData("mlp.hidden"))
    assert json.loads(edit.text()) == [32] and not ok.isEnabled()
    type_into(qtbot, edit, "64, 16")
    assert ok.isEnabled()
    b = dialog.twin_config()
    assert config_changes(cfg, b) == ["mlp.hidden"] and b.mlp.hidden == (64, 16)
    click(qtbot, ok)
    assert dialog.result() == QDialog.DialogCode.Accepted


def _run_dirs(w: TwinWindow) -> tuple[Path, Path]:
    a, b = w.finished_events
    assert a is not None and b is not None and a.run_dir is not None and b.run_dir is not None
    return Path(a.run_dir), Path(b.run_dir)


def test_twins_share_seed_and_batch_order(qtbot, mnist5k, tmp_path: Path) -> None:
    cfg_a = tiny_mlp()
    cfg_b = apply_overrides(cfg_a, {"optim.lr": 0.1})
    w = TwinWindow(cfg_a, cfg_b, dataset=mnist5k, runs_root=tmp_path / "runs")
    qtbot.addWidget(w)
    w.show()
    assert w.objectName() == "twinWindow" and w.windowTitle() == "Twin runs — learning rate: 0.001 vs 0.1"
    assert w.windowFlags() & Qt.WindowType.Window
    header = w.findChild(QLabel, "twinHeader").text()
    assert "0.001" in header and "0.1" in header and "seed 0" in header and "same shuffled order" in header
    with qtbot.waitSignal(w.both_finished, timeout=180000):
        w.start()

    summary_a, summary_b = w.results
    assert summary_a is not None and summary_b is not None
    assert summary_a["status"] == "completed" and summary_b["status"] in ("completed", "diverged")
    run_a, run_b = _run_dirs(w)
    assert run_a != run_b and run_a.parent == run_b.parent == tmp_path / "runs"
    assert (run_a / "summary.json").is_file() and (run_b / "summary.json").is_file()
    saved_a, saved_b = open_run(run_a).config, open_run(run_b).config
    assert saved_a.train.seed == saved_b.train.seed
    assert config_changes(saved_a, saved_b) == ["name", "optim.lr"]
    assert saved_a.name.startswith("twin A") and saved_b.name.startswith("twin B")

    # Step 1's loss is computed from the same initial weights on the same first batch, before either has
    # updated: equal only if both used the same seed and the same batch order. After that the rates part them.
    rows_a, rows_b = read_metrics(run_a / "metrics.csv"), read_metrics(run_b / "metrics.csv")
    assert rows_a[0]["step"] == rows_b[0]["step"] == 1
    assert abs(rows_a[0]["train_loss"] - rows_b[0]["train_loss"]) <= 1e-6
    later = [(a["train_loss"], b["train_loss"]) for a, b in zip(rows_a[2:], rows_b[2:], strict=False)]
    assert later and any(abs(a - b) > 1e-3 for a, b in later)

    # One plot with both twins' curves; both preview grids filled; the verdict in the status line.
    names = w.plot.series_names()
    for twin in ("A", "B"):
        assert f"{twin} train loss" in names and f"{twin} val loss" in names
        assert w.plot.point_count(f"{twin} train loss") >= 2
    assert w.plot.objectName() == "twinPlot"
    assert w.preview_a.count > 0 and w.preview_b.count > 0
    assert w.preview_a.objectName() == "twinPreviewA" and w.preview_b.objectName() == "twinPreviewB"
    caption_a = w.findChild(QLabel, "twinCaptionA").text()
    assert "lr 0.001" in caption_a and "val accuracy" in caption_a
    status = w.findChild(QLabel, "twinStatus").text()
    assert "did better" in status or "tie" in status
    assert not w.findChild(QPushButton, "twinStopButton").isEnabled()
    w.close()


def test_stop_stops_both(qtbot, mnist5k, tmp_path: Path) -> None:
    cfg_a = tiny_mlp(**{"train.epochs": 300, "data.limit": 1024})
    cfg_b = apply_overrides(cfg_a, {"optim.name": "sgd"})
    w = TwinWindow(cfg_a, cfg_b, dataset=mnist5k, runs_root=tmp_path / "runs")
    qtbot.addWidget(w)
    w.show()
    changed: list[bool] = []
    w.runs_changed.connect(lambda: changed.append(True))
    w.start()
    a, b = w.workers
    qtbot.waitUntil(lambda: a.last_step > 0 and b.last_step > 0, timeout=120000)
    with qtbot.waitSignal(w.both_finished, timeout=60000):
        click(qtbot, w.findChild(QPushButton, "twinStopButton"))
    assert [s["status"] for s in w.results] == ["stopped", "stopped"]
    for run in _run_dirs(w):
        assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
    assert len(changed) >= 4  # each run: once its folder appeared, once it ended
    w.close()


def test_closing_the_window_joins_both(qtbot, mnist5k, tmp_path: Path) -> None:
    cfg_a = tiny_mlp(**{"train.epochs": 300, "data.limit": 1024})
    w = TwinWindow(cfg_a, apply_overrides(cfg_a, {"train.batch_size": 32}), dataset=mnist5k, runs_root=tmp_path)
    qtbot.addWidget(w)
    w.show()
    w.start()
    a, b = w.workers
    qtbot.waitUntil(lambda: b.last_step > 0, timeout=120000)
    with qtbot.waitSignal(w.both_finished, timeout=1000):
        w.close()
    assert a.isFinished() and b.isFinished()


def test_twin_window_has_a_close_button_and_escape_closes_it(qtbot, mnist5k, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    cfg_a = tiny_mlp(**{"train.epochs": 1})
    for how in ("button", "escape"):
        w = TwinWindow(cfg_a, apply_overrides(cfg_a, {"train.batch_size": 32}), dataset=mnist5k, runs_root=tmp_path)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        if how == "button":
            click(qtbot, w.findChild(QPushButton, "twinCloseButton"))
        else:
            w.activateWindow()
            qtbot.keyClick(w, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda w=w: not w.isVisible(), timeout=5000)


def test_closing_after_both_threads_ended_does_not_crash(qtbot, mnist5k, tmp_path: Path) -> None:
    """The local CI run died of a segmentation fault here: the window kept each twin's worker and, on close, waited
    on a thread object its run controller had already deleted once the thread ended."""
    from vision_lab.gui.worker import TrainingWorker

    cfg_a = tiny_mlp()
    w = TwinWindow(cfg_a, apply_overrides(cfg_a, {"optim.lr": 0.1}), dataset=mnist5k, runs_root=tmp_path / "runs")
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.both_finished, timeout=180000):
        w.start()
    qtbot.waitUntil(lambda: not w.findChildren(TrainingWorker), timeout=60000)  # both threads ended and deleted
    assert w.workers == (None, None)
    w.stop()
    w.close()
    assert all(s is not None and s["status"] == "completed" for s in w.results)
