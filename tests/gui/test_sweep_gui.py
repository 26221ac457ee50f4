"""Sweeps in the window: the dialog checks each range as typed, Start runs a real (tiny) sweep that fills the table and
the plots, a trial opens as a run, Watch follows a `vision-lab sweep` process, closing mid-sweep joins cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, click, make_tiny
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox

from vision_lab.core.presets import load_preset, presets_dir
from vision_lab.gui.sweep_dialog import SweepDialog
from vision_lab.gui.sweep_source import study_location
from vision_lab.gui.sweep_view import SweepWindow, watch_sweep

SWEEP_S = 180_000  # ms: a few one-epoch trials on 256 images, with the dataset loaded once


def open_dialog(qtbot, w) -> SweepDialog:
    make_tiny(w, "mlp")
    w.model_panel.forms["mlp"].hidden.setText("16")
    qtbot.waitUntil(lambda: w.settings_valid, timeout=5000)
    w.run_actions.sweep_action.trigger()
    dialog = w.run_actions.sweep_dialog
    assert isinstance(dialog, SweepDialog) and dialog.isVisible()
    return dialog


def set_range(qtbot, dialog: SweepDialog, key: str, text: str) -> None:
    edit = dialog.findChild(QLineEdit, f"sweepRange-{key}")
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_a_bad_range_shows_its_sentence_and_disables_start(qtbot, window) -> None:
    dialog = open_dialog(qtbot, window)
    start = dialog.findChild(QPushButton, "sweepStartButton")
    error = dialog.findChild(QLabel, "sweepError-optim.lr")
    assert dialog.findChild(QCheckBox, "sweepKnob-optim.lr").isChecked() and start.isEnabled()
    set_range(qtbot, dialog, "optim.lr", "1e-4:x")
    assert not start.isEnabled() and error.isVisible()
    assert "'x' is not a number" in error.text() and "Traceback" not in error.text()
    set_range(qtbot, dialog, "optim.lr", "0:0.1")
    assert "A log range must start above 0" in error.text() and not start.isEnabled()
    set_range(qtbot, dialog, "optim.lr", "1e-1:1e-4")
    # The row names the knob: its sentence does not repeat the CLI's spelling of it.
    assert error.text() == "The low end 1e-1 is above the high end 1e-4.", error.text()
    set_range(qtbot, dialog, "optim.lr", "1e-3:1e-1")
    assert not error.isVisible() and start.isEnabled()
    dialog.findChild(QCheckBox, "sweepKnob-optim.lr").setChecked(False)
    assert not start.isEnabled() and "Tick at least one knob" in dialog.problem.text()
    batch = dialog.findChild(QCheckBox, "sweepKnob-train.batch_size")
    batch.setChecked(True)
    kind = dialog.findChild(QComboBox, "sweepKind-train.batch_size")
    kind.setCurrentIndex(kind.findData("int"))  # "32,64,128,256" is no int range
    assert not start.isEnabled() and dialog.findChild(QLabel, "sweepError-train.batch_size").isVisible()
    dialog.reject()


def test_a_sweep_from_the_dialog_fills_the_view_and_opens_a_trial(qtbot, window, tmp_path: Path) -> None:
    w = window
    dialog = open_dialog(qtbot, w)
    dialog.findChild(QSpinBox, "sweepTrials").setValue(4)
    pruner = dialog.findChild(QComboBox, "sweepPruner")
    pruner.setCurrentIndex(pruner.findData("none"))
    dialog.findChild(QLineEdit, "sweepFolder").setText(str(tmp_path / "sweep"))
    click(qtbot, dialog.findChild(QPushButton, "sweepStartButton"))
    view = w.run_actions.sweep_window
    assert isinstance(view, SweepWindow) and view.isVisible()
    qtbot.waitUntil(lambda: not view.running, timeout=SWEEP_S)
    assert view.error is None, view.error
    qtbot.waitUntil(lambda: sum(r.state == "complete" for r in view.trials.values()) == 4, timeout=10_000)
    assert view.table.rowCount() == 4 and view.table.columnCount() == 6  # trial, state, value, lr, epochs, folder
    # Knobs are named as the window names them, not by config key (a Chinese window read "optim.lr").
    assert view.table.horizontalHeaderItem(3).text() == "Learning rate"
    assert "Learning rate=" in view.header.text() and "optim.lr" not in view.header.text()
    assert set(view.parallel.lines) == set(view.trials) and "optim.lr" in view.scatter.points
    assert view.best is not None and view.fork_button.isEnabled()
    assert view.best.value == max(r.value for r in view.trials.values())
    qtbot.waitUntil(lambda: bool(view.importance.values), timeout=20_000)  # 4 completed: Optuna's importances
    assert set(view.importance.values) == {"optim.lr"}
    assert all(view.epochs.get(n) == 1 for n in view.trials)

    # A click on a table row opens that trial as a run in the main window.
    number = 2
    row = view.row_of(number)
    rect = view.table.visualRect(view.table.model().index(row, 1))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.opened_run == Path(view.trials[number].run_dir)
    # A click on a point of the knob scatter: the scatter's own points, as pyqtgraph hands them to the handler.
    item = view.scatter.points["optim.lr"]
    point = next(p for p in item.scatter.points() if p.data() == view.best.number)
    item.scatter.sigClicked.emit(item.scatter, [point], None)
    assert w.opened_run == Path(view.best.run_dir)
    # Fork best: the window's own fork dialog on the best trial.
    click(qtbot, view.fork_button)
    assert w.run_actions.fork_dialog is not None and w.run_actions.fork_dialog.parent_run == Path(view.best.run_dir)
    w.run_actions.fork_dialog.reject()


def test_watch_follows_a_cli_sweep(qtbot, window, tmp_path: Path) -> None:
    out = tmp_path / "cli-sweep"
    args = [sys.executable, "-m", "vision_lab", "sweep", "--model", "mlp", "--limit", "256", "--epochs", "1"]
    args += ["--set", "mlp.hidden=[16]", "--device", "cpu", "--space", "optim.lr=loguniform:1e-3:1e-1"]
    args += ["--trials", "3", "--pruner", "none", "--out", str(out), "-q"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        view = watch_sweep(window, *study_location(out))
        assert view is not None
        qtbot.waitUntil(lambda: sum(r.state == "complete" for r in view.trials.values()) == 3, timeout=SWEEP_S)
        assert view.table.rowCount() == 3 and len(view.parallel.lines) == 3
        assert view.windowTitle().startswith("Watching sweep")
    finally:
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()


def test_closing_the_window_mid_sweep_stops_and_joins_it(qtbot, window, tmp_path: Path) -> None:
    w = window
    dialog = open_dialog(qtbot, w)
    w.training_panel.epochs.setValue(3)
    dialog.findChild(QSpinBox, "sweepTrials").setValue(200)
    dialog.findChild(QLineEdit, "sweepFolder").setText(str(tmp_path / "long"))
    click(qtbot, dialog.findChild(QPushButton, "sweepStartButton"))
    view = w.run_actions.sweep_window
    qtbot.waitUntil(lambda: any(r.state == "complete" for r in view.trials.values()), timeout=SWEEP_S)
    runner = view.runner
    view.close()  # only hides the view: the sweep goes on, and Run ▸ Sweep… shows it again
    assert view.running and not view.isVisible()
    assert w.run_actions.sweep_dialog_open() is None and view.isVisible()  # no second sweep: the running one shows
    w.ask_before_closing = False
    w.close()
    assert runner is not None and runner.isFinished() and not view.poller.timer.isActive()
    assert sum(r.state in ("complete", "pruned") for r in view.trials.values()) < 200


def test_the_lesson_fills_the_sweep_dialog(qtbot, window) -> None:
    w = window
    w.apply_preset(load_preset(presets_dir() / "find-the-learning-rate.json"))
    qtbot.waitUntil(lambda: w.run_actions.sweep_dialog is not None, timeout=10_000)
    dialog = w.run_actions.sweep_dialog
    ticked = [key for key, row in dialog.rows.items() if row.check.isChecked()]
    assert ticked == ["optim.lr", "train.batch_size"]
    assert dialog.rows["optim.lr"].kind.currentData() == "loguniform"
    assert dialog.rows["optim.lr"].range.text() == "1e-4:1e-1"
    assert dialog.rows["train.batch_size"].range.text() == "32,64,128,256"
    assert dialog.trials.value() == 12 and dialog.pruner.currentData() == "median" and dialog.start_button.isEnabled()
    assert dialog.spec().config.mlp.hidden == (128,)
    dialog.reject()


def test_the_watch_dialog_says_what_is_missing(qtbot, tmp_path: Path) -> None:
    from vision_lab.core.errors import ConfigError
    from vision_lab.gui.sweep_view import WatchSweepDialog

    dialog = WatchSweepDialog(tmp_path)
    qtbot.addWidget(dialog)
    with pytest.raises(ConfigError, match="Choose a sweep folder"):
        dialog.target()
    dialog.url.setText("not-a-url")
    with pytest.raises(ConfigError, match="database URL"):
        dialog.target()
    dialog.url.setText("")
    dialog.folder.setText(str(tmp_path))
    url, study = dialog.target()
    assert url == f"sqlite:///{tmp_path.resolve() / 'study.db'}" and study == "sweep"


def test_two_parallel_jobs_share_the_sweep(qtbot, window, tmp_path: Path) -> None:
    """Jobs 2: two child processes run the trials; the view hears of each trial as the parent reads the study."""
    w = window
    dialog = open_dialog(qtbot, w)
    dialog.findChild(QSpinBox, "sweepTrials").setValue(4)
    dialog.jobs.setMaximum(2)  # the spin box stops at this machine's cores; the core accepts 2 anywhere
    dialog.jobs.setValue(2)
    dialog.findChild(QLineEdit, "sweepFolder").setText(str(tmp_path / "jobs"))
    click(qtbot, dialog.findChild(QPushButton, "sweepStartButton"))
    view = w.run_actions.sweep_window
    qtbot.waitUntil(lambda: not view.running, timeout=SWEEP_S)
    assert view.error is None, view.error
    qtbot.waitUntil(lambda: sum(r.state == "complete" for r in view.trials.values()) == 4, timeout=10_000)
    # Child processes ran them (which child gets how many is a race: one may start faster).
    assert all(r.worker and not r.worker.endswith(f":{os.getpid()}") for r in view.trials.values())
