"""Drive the real window: each family trains end to end; pause, resume, stop, step, reset, lr, close."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import answer_close_question, click, make_tiny, pick_family

from vision_lab.core.config import default_config
from vision_lab.core.events import Finished

PREVIEW_KIND = {"mlp": "predictions", "cnn": "predictions", "autoencoder": "reconstructions", "gan": "samples"}


@pytest.mark.parametrize("family", ["mlp", "cnn", "autoencoder", "gan"])
def test_each_family_trains_from_the_window(qtbot, window, family: str, tmp_path) -> None:
    w = window
    make_tiny(w, family)
    assert w.start_button.isEnabled()
    before = w.preview.updates
    with qtbot.waitSignal(w.run_ended, timeout=90000) as blocker:
        click(qtbot, w.start_button)
    finished: Finished = blocker.args[0]
    assert finished.status == "completed", finished.message
    assert w.start_button.isEnabled()
    assert w.progress.value() == w.progress.maximum() > 1
    # The plot holds the run's points; the preview shows the model's view of the fixed batch.
    assert w.loss_plot.point_count() >= 2
    first_loss_key = "d_loss" if family == "gan" else "train_loss"
    curve_x, curve_y = w.loss_plot.series[first_loss_key].item.getData()
    assert curve_x is not None and len(curve_x) >= 1 and np.isfinite(curve_y).all()
    assert w.preview.updates > before and w.preview.count > 0
    assert PREVIEW_KIND[family].split("s")[0][:5].lower() in w.preview_title.text().lower() or family == "gan"
    # The run was saved and listed.
    assert finished.run_dir is not None and (finished.run_dir / "summary.json").is_file()
    assert finished.run_dir.parent == tmp_path / "runs"
    item = w.runs_list.topLevelItem(0)
    assert item is not None and item.text(3) == "completed" and item.text(4) != "–"


def test_pause_resume_and_stop(qtbot, window) -> None:
    w = window
    make_tiny(w, "mlp")
    w.data_panel.set_limit(4096)
    w.training_panel.epochs.setValue(200)
    with qtbot.waitSignal(w.run_started, timeout=30000):
        click(qtbot, w.start_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None, timeout=10000)
    click(qtbot, w.pause_button)
    assert w.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.blocked, timeout=10000)
    step = w.worker.last_step
    qtbot.wait(300)  # paused: nothing more is trained
    assert w.worker.last_step == step
    assert w.step_button.isEnabled() and not w.start_button.isEnabled()
    click(qtbot, w.pause_button)
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.last_step > step, timeout=10000)
    assert w.pause_button.text() == "Pause"
    with qtbot.waitSignal(w.run_ended, timeout=20000) as blocker:
        click(qtbot, w.stop_button)
    assert blocker.args[0].status == "stopped"
    assert w.start_button.isEnabled() and w.progress.value() == blocker.args[0].step < w.progress.maximum()
    assert w.runs_list.topLevelItem(0).text(3) == "stopped"


def test_step_trains_exactly_one_batch_then_reset(qtbot, window) -> None:
    w = window
    make_tiny(w, "cnn")
    w.training_panel.epochs.setValue(5)
    click(qtbot, w.step_button)  # from idle: a paused run, then one batch
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=30000)
    assert w._last_metrics.step == 1
    qtbot.waitUntil(lambda: w.preview.count > 0, timeout=5000)
    shown = w.preview.updates
    points = w.loss_plot.point_count()
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._last_metrics.step == 2 and w._paused, timeout=10000)
    qtbot.waitUntil(lambda: w.preview.updates > shown, timeout=5000)
    assert w.loss_plot.point_count() > points
    assert w.worker is not None and w.worker.last_step == 2
    # Reset discards the paused model and clears the view.
    click(qtbot, w.reset_button)
    assert w.worker is None and w.loss_plot.point_count() == 0 and w.preview.count == 0
    assert w.start_button.isEnabled()


def test_learning_rate_changes_mid_run(qtbot, window) -> None:
    w = window
    make_tiny(w, "mlp")
    w.training_panel.schedule.setCurrentIndex(w.training_panel.schedule.findData("constant"))
    w.data_panel.set_limit(4096)
    w.training_panel.epochs.setValue(200)
    with qtbot.waitSignal(w.run_started, timeout=30000):
        click(qtbot, w.start_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None, timeout=10000)
    assert w._last_metrics.lr == pytest.approx(2e-3)
    assert w.training_panel.lr.isEnabled()
    w.training_panel.lr.setValue(0.0005)
    qtbot.waitUntil(lambda: w._last_metrics.lr == pytest.approx(5e-4), timeout=10000)
    with qtbot.waitSignal(w.run_ended, timeout=20000):
        click(qtbot, w.stop_button)


def test_closing_during_training_joins_the_worker(qtbot, window) -> None:
    w = window
    make_tiny(w, "cnn")
    w.data_panel.set_limit(4096)
    w.training_panel.epochs.setValue(100)
    with qtbot.waitSignal(w.run_started, timeout=30000):
        click(qtbot, w.start_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None, timeout=10000)
    worker = w.worker
    assert worker is not None and worker.isRunning()
    answer_close_question(qtbot, w, "stopAndCloseButton")
    w.close()
    assert worker.isFinished() and not worker.isRunning()
    assert w.worker is None


def test_closing_while_paused_joins_the_worker(qtbot, window) -> None:
    w = window
    make_tiny(w, "autoencoder")
    w.training_panel.epochs.setValue(50)
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._paused and w._last_metrics is not None, timeout=30000)
    worker = w.worker
    answer_close_question(qtbot, w, "stopAndCloseButton")
    w.close()
    assert worker is not None and worker.isFinished()


def test_family_pick_loads_its_training_defaults(qtbot, window) -> None:
    w = window
    pick_family(w, "gan")
    t = w.training_panel
    assert t.lr.value() == pytest.approx(2e-4) and t.batch.value() == default_config("gan").train.batch_size
    assert t.schedule.currentData() == "constant"
    cfg = w.current_config()
    assert cfg.model == "gan" and cfg.optim.beta1 == 0.5
    pick_family(w, "mlp")
    assert w.training_panel.lr.value() == pytest.approx(2e-3)


@pytest.mark.parametrize("family", ["mlp", "cnn", "autoencoder", "gan"])
def test_picking_a_family_gives_the_same_config_as_the_cli_default(window, family: str) -> None:
    """A run started from the window with untouched knobs is the run `vision-lab train --model F` makes."""
    pick_family(window, family)
    window.data_panel.set_limit(None)
    cfg = window.current_config()
    expected = default_config(family)
    assert getattr(cfg, family) == getattr(expected, family)
    assert cfg.optim == expected.optim and cfg.train == expected.train


def test_last_runs_garbage_is_collected_on_the_gui_thread(qtbot, window, monkeypatch) -> None:
    """Garbage can hold Qt widgets, whose destructors must run on the GUI thread: a collection on the worker's
    thread once deadlocked in ~QObject. So the thread engine collects in start(), before its thread runs."""
    import threading

    monkeypatch.setenv("VISION_LAB_ENGINE", "thread")
    where: list[str] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self  # only the cyclic collector frees it

        def __del__(self) -> None:
            where.append(threading.current_thread().name)

    Cycle()
    make_tiny(window, "mlp")
    window.training_panel.epochs.setValue(1)
    with qtbot.waitSignal(window.run_ended, timeout=60000):
        click(qtbot, window.start_button)
    assert where == [threading.main_thread().name]


def test_start_with_the_training_process_keeps_the_frozen_heap_frozen(qtbot, window) -> None:
    """The process engine froze nothing of a run here, so Start must not unfreeze the start-up heap: collecting
    all of torch's and Qt's objects held the GUI thread for 80-230 ms at every click on Start."""
    import gc

    from vision_lab.gui.app import freeze_heap
    from vision_lab.gui.worker import ProcessWorker, worker_class

    assert worker_class() is ProcessWorker
    freeze_heap()
    frozen = gc.get_freeze_count()
    make_tiny(window, "mlp")
    window.training_panel.epochs.setValue(1)
    with qtbot.waitSignal(window.run_ended, timeout=60000):
        click(qtbot, window.start_button)
        # Read right after the click (start() has run): objects freed since leave the count, an unfreeze empties it.
        assert gc.get_freeze_count() > frozen // 2 > 0
    gc.unfreeze()  # leave the test process as other tests expect it


def test_switching_family_says_which_training_values_changed(qtbot, window) -> None:
    from conftest import pick_family

    w = window
    pick_family(w, "cnn")
    w.training_panel.epochs.setValue(7)
    pick_family(w, "gan")
    note = w.training_panel.note
    assert note.isVisibleTo(w.training_panel)
    text = note.text()
    assert "Learning rate: 0.001 → 0.0002" in text and "Epochs: 7 → 20" in text, text
    assert "optim." not in text and "train." not in text
    pick_family(w, "cnn")
    assert "Learning rate: 0.0002 → 0.001" in note.text()


def test_one_step_draws_a_visible_point(qtbot, window) -> None:
    from conftest import make_tiny

    w = window
    make_tiny(w, "mlp")
    with qtbot.waitSignal(w.run_started, timeout=60000):
        click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w.loss_plot.point_count() >= 1, timeout=60000)
    w.loss_plot.refresh()
    item = w.loss_plot.series["train_loss"].item
    assert len(w.loss_plot.series["train_loss"].x) == 1
    assert item.opts["symbol"] is not None, "a single point is drawn as a line of no length: invisible"
    w.stop()


def _csv_series(run_dir, column: str) -> tuple[list[float], list[float]]:
    import csv

    with open(run_dir / "metrics.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r[column]]
    return [float(r["epoch"]) for r in rows], [float(r[column]) for r in rows]


def test_the_live_curve_is_the_saved_curve_even_when_the_window_is_busy(qtbot, window) -> None:
    """Issue 15, item 5: the live plot drew straight lines over loss spikes that metrics.csv has."""
    import time

    from PySide6.QtCore import QTimer

    w = window
    make_tiny(w, "mlp")
    w.training_panel.epochs.setValue(2)
    w.training_panel.batch.setValue(8)  # 32 steps an epoch: many rows

    def busy() -> None:  # the GUI thread blocked as by a slow repaint: events pile up meanwhile
        end = time.perf_counter() + 0.4
        while time.perf_counter() < end:
            pass

    for delay in (300, 900, 1500):
        QTimer.singleShot(delay, busy)
    with qtbot.waitSignal(w.run_ended, timeout=120000) as blocker:
        click(qtbot, w.start_button)
    finished = blocker.args[0]
    assert finished.status == "completed"
    w.loss_plot.refresh()
    for key in ("train_loss", "val_loss", "val_accuracy"):
        xs, ys = w.loss_plot.series[key].item.getData()
        cx, cy = _csv_series(finished.run_dir, key)
        assert len(cx) > (30 if key == "train_loss" else 1)
        assert list(xs) == cx and list(ys) == cy, key


def test_progress_and_state_follow_the_run(qtbot, window, tmp_path) -> None:
    """Issue 15, item 6: the bar after Stop, the Runs list while paused, no ETA while paused, Open run's progress."""
    w = window
    make_tiny(w, "mlp")
    w.training_panel.epochs.setValue(50)
    with qtbot.waitSignal(w.run_started, timeout=60000):
        click(qtbot, w.start_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._last_metrics.step > 20, timeout=60000)
    click(qtbot, w.pause_button)
    qtbot.waitUntil(lambda: "Paused at step" in w.status_label.text(), timeout=30000)  # the worker has paused
    live = w.runs_panel.live_path
    row = next(
        w.runs_list.topLevelItem(i)
        for i in range(w.runs_list.topLevelItemCount())
        if w.runs_panel.path_of(w.runs_list.topLevelItem(i)) == live
    )
    assert row.text(3) == "paused"
    assert "ETA" not in w.status_label.text() and "Paused at step" in w.status_label.text()
    with qtbot.waitSignal(w.run_ended, timeout=60000) as blocker:
        click(qtbot, w.stop_button)
    stopped = blocker.args[0]
    assert stopped.status == "stopped"
    assert w.progress.value() == stopped.step < w.progress.maximum()  # not a full bar
    # Another run to completion, then open the stopped one: the bar shows how far that one got.
    w.training_panel.epochs.setValue(1)
    with qtbot.waitSignal(w.run_ended, timeout=60000):
        click(qtbot, w.start_button)
    assert w.progress.value() == w.progress.maximum()
    assert w.open_run(stopped.run_dir)
    fraction = w.progress.value() / w.progress.maximum()
    assert 0 < fraction < 0.1, fraction
