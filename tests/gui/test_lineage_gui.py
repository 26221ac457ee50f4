"""Resume, Fork from here, Watch a folder and Export, in the real window on tiny real runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import click, make_tiny
from PySide6.QtGui import QImage
from safetensors.torch import load_file
from test_runs_browser import make_run, rows, select

from vision_lab.core.config import config_changes
from vision_lab.core.events import Finished
from vision_lab.core.runs import METRICS, open_run, read_metrics
from vision_lab.core.trainer import Trainer
from vision_lab.gui.app import training_threads

RUN_TIMEOUT = 60000


def run_menu_action(w, name: str):
    """The menu bar's action named ``name``, looking into submenus (File ▸ Export ▸ …)."""
    menus = [a.menu() for a in w.menuBar().actions()]
    while menus:
        menu = menus.pop()
        for action in menu.actions():
            if action.objectName() == name:
                return action
            if action.menu() is not None:
                menus.append(action.menu())
    raise AssertionError(f"no menu action {name}")


def close_message(w) -> str:
    box = w.last_message
    assert box is not None and box.isVisible(), "no message was shown"
    text = box.text()
    box.close()
    w.last_message = None
    return text


def train_stopped_after_steps(qtbot, w, steps: int) -> Path:
    """Step a tiny MLP run `steps` batches from idle, then Stop it: a run stopped mid-epoch at a known step."""
    make_tiny(w, "mlp")
    w.training_panel.epochs.setValue(2)
    for _ in range(steps):
        with qtbot.waitSignal(w.worker.paused_changed if w.worker else w.run_started, timeout=RUN_TIMEOUT):
            click(qtbot, w.step_button)
        qtbot.waitUntil(lambda: w.worker is not None and w.worker.blocked, timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(w.run_ended, timeout=RUN_TIMEOUT) as ended:
        click(qtbot, w.stop_button)
    f: Finished = ended.args[0]
    assert f.status == "stopped" and f.run_dir is not None
    return f.run_dir


def test_resume_in_the_window_matches_an_unbroken_run(qtbot, window, mnist5k) -> None:
    w = window
    run = train_stopped_after_steps(qtbot, w, 3)
    assert int(open_run(run).summary["steps"]) == 3
    points_before = w.loss_plot.point_count()
    click(qtbot, w.runs_panel.refresh_button)
    select(qtbot, w, [w.runs_panel.item_for(run)])
    with qtbot.waitSignal(w.run_ended, timeout=RUN_TIMEOUT) as ended:
        click(qtbot, w.runs_panel.resume_button)
        # The curve goes on from the saved rows: the plot was not emptied by the resume.
        qtbot.waitUntil(lambda: w.worker is None or w._started is not None, timeout=RUN_TIMEOUT)
        assert w.loss_plot.point_count() >= points_before
    f: Finished = ended.args[0]
    assert f.status == "completed" and f.run_dir == run
    rows_after = read_metrics(run / METRICS)
    steps = [int(r["step"]) for r in rows_after if r.get("val_loss") is None]
    assert steps == sorted(set(steps)), "rows repeated or out of order"
    # The same experiment unbroken, in this process, with the thread count the window's training process had:
    # with another count a matrix product sums in another order (1e-7 apart after a few steps).
    cfg = open_run(run).config
    gui_threads = torch.get_num_threads()
    torch.set_num_threads(training_threads())
    try:
        unbroken = list(Trainer(cfg, dataset=mnist5k, runs_root=w.runs_root / "unbroken").events())[-1]
    finally:
        torch.set_num_threads(gui_threads)
    a = load_file(str(run / "weights.safetensors"))
    b = load_file(str(unbroken.run_dir / "weights.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), (key, (a[key] - b[key]).abs().max())  # bit for bit
    ref = read_metrics(unbroken.run_dir / METRICS)
    assert len(ref) == len(rows_after)
    for mine, theirs in zip(rows_after, ref, strict=True):
        for key in ("step", "train_loss", "val_loss", "val_accuracy"):
            if theirs.get(key) is not None:
                assert mine[key] == theirs[key], key


def test_resume_refuses_what_it_cannot_do_in_one_sentence(qtbot, window, mnist5k) -> None:
    w = window
    f = make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=1)
    assert w.open_run(f.run_dir)
    assert config_changes(w.panel_baseline, w.current_config()) == []
    run_menu_action(w, "resumeRunAction").trigger()
    text = close_message(w)
    assert "has trained all its 1 epochs" in text and "raise Epochs" in text
    w.training_panel.lr.setValue(0.5)
    run_menu_action(w, "resumeRunAction").trigger()
    text = close_message(w)
    assert "Learning rate changed" in text and "Fork" in text
    assert w.worker is None


def test_resume_a_finished_run_for_more_epochs(qtbot, window, mnist5k) -> None:
    w = window
    f = make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=1)
    assert w.open_run(f.run_dir)
    before = len(read_metrics(f.run_dir / METRICS))
    w.training_panel.epochs.setValue(2)
    with qtbot.waitSignal(w.run_ended, timeout=RUN_TIMEOUT) as ended:
        run_menu_action(w, "resumeRunAction").trigger()
    done: Finished = ended.args[0]
    assert done.status == "completed" and done.run_dir == f.run_dir
    record = open_run(f.run_dir)
    assert record.config.train.epochs == 2 and record.config.data.val_limit == 40  # hidden settings kept
    assert len(read_metrics(f.run_dir / METRICS)) > before
    assert len(w.loss_plot.series["val_loss"].x) == 2  # epoch 1 from the file, epoch 2 live


def test_fork_from_an_earlier_epoch_with_a_changed_learning_rate(qtbot, window, mnist5k) -> None:
    w = window
    parent = make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=2).run_dir
    assert w.open_run(parent)
    w.training_panel.lr.setValue(0.002)
    w.training_panel.epochs.setValue(3)
    run_menu_action(w, "forkRunAction").trigger()
    dialog = w.run_actions.fork_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Learning rate: 0.01 → 0.002" in dialog.changes.text() and "optim.lr" not in dialog.changes.text()
    combo = dialog.source
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0].startswith("Where it stopped") and any("end of epoch 1" in t for t in labels)
    combo.setCurrentIndex(next(i for i, t in enumerate(labels) if "end of epoch 1" in t))
    with qtbot.waitSignal(w.run_ended, timeout=RUN_TIMEOUT) as ended:
        dialog.accept()
    f: Finished = ended.args[0]
    assert f.status == "completed" and f.run_dir != parent
    record = open_run(f.run_dir)
    assert record.parent is not None and Path(record.parent["run"]) == parent.resolve()
    assert record.parent["epoch"] == 1
    assert config_changes(open_run(parent).config, record.config) == ["optim.lr", "train.epochs"]
    assert record.config.data.val_limit == 40  # the parent's hidden settings carried over
    # The parent's curve up to the fork, marked, then the fork's own.
    assert len(w.loss_plot.markers) == 1
    assert len(w.loss_plot.series["val_loss"].x) == 3
    click(qtbot, w.runs_panel.refresh_button)
    item = w.runs_panel.item_for(f.run_dir)
    assert item is not None and parent.name in item.text(6) and "epoch 1" in item.text(6)


def test_fork_button_in_the_browser_opens_the_run_and_asks_where(qtbot, window, mnist5k) -> None:
    w = window
    parent = make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    click(qtbot, w.runs_panel.refresh_button)
    select(qtbot, w, rows(w))
    click(qtbot, w.runs_panel.fork_button)
    assert w.opened_run == parent
    dialog = w.run_actions.fork_dialog
    assert dialog is not None and "No settings changed" in dialog.changes.text()
    dialog.reject()
    assert w.worker is None


def test_watch_a_folder_that_a_subprocess_writes(qtbot, window, tmp_path: Path) -> None:
    w = window
    run = tmp_path / "watched"
    seen_live: list[int] = []
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "train", "--model", "mlp", "--dataset", "mnist-5k", "--epochs", "3",
         "--limit", "1500", "--out", str(run), "--quiet", "--set", "train.log_every=2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        # Started before the folder exists: the window waits for it.
        assert w.run_actions.watch(run)
        assert "waiting" in w.status_label.text()
        w.run_actions.watch_updated.connect(
            lambda: seen_live.append(w.loss_plot.point_count()) if proc.poll() is None else None
        )
        qtbot.waitUntil(lambda: not w.run_actions.watching, timeout=120000)
    finally:
        proc.wait(60)
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert seen_live and max(seen_live) > 0, "nothing arrived while the other process was training"
    assert w.model_panel.family == "mlp" and w.training_panel.epochs.value() == 3
    rows_on_disk = read_metrics(run / METRICS)
    assert len(w.loss_plot.series["val_loss"].x) == 3
    assert w.loss_plot.point_count() >= len([r for r in rows_on_disk if r.get("val_loss") is None])
    assert w.preview.count > 0
    assert "Watched watched to its end" in w.status_label.text()
    assert w.inspect_panel.inspector is not None  # the final weights, for the Inspect views


class _Reenter:
    """A context manager already entered: exits the wrapped one."""

    def __init__(self, manager, value) -> None:
        self.manager, self.value = manager, value

    def __enter__(self):
        return self.value

    def __exit__(self, *exc):
        return self.manager.__exit__(*exc)


def test_export_menu_writes_checked_models_plots_and_previews(
    qtbot, window, mnist5k, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    w = window
    assert w.run_actions.export("onnx", tmp_path / "m.onnx") is False  # nothing opened yet
    assert "open a run" in close_message(w).lower()
    f = make_run(w.runs_root, mnist5k, "cnn", lr=0.01, epochs=1)
    assert w.open_run(f.run_dir)
    out = tmp_path / "out"
    out.mkdir()
    # Through the menu: File ▸ Export ▸ TorchScript… asks where, then exports and checks off the GUI thread.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out / "menu.pt"), ""))
    with qtbot.waitSignal(w.run_actions.export_done, timeout=RUN_TIMEOUT):
        run_menu_action(w, "export-torchscript").trigger()
    assert (out / "menu.pt").is_file()
    for fmt, name in (("torchscript", "m.pt"), ("onnx", "m.onnx"), ("script", "m.py"), ("csv", "m.csv")):
        with qtbot.waitSignal(w.run_actions.export_done, timeout=RUN_TIMEOUT) as done:
            assert w.run_actions.export(fmt, out / name)
        result = done.args[0]
        assert result.path == out / name and result.path.is_file()
        if fmt in ("torchscript", "onnx", "script"):
            assert result.max_abs_diff is not None and result.max_abs_diff <= 1e-5
        assert str(out / name) in w.status_label.text()
    exported_legends = []
    original = w.loss_plot.legend_for_export

    def spy():  # the legend that the exported picture draws (the header's legend is not in it)
        manager = original()
        legend = manager.__enter__()
        exported_legends.append([label.text for _sample, label in legend.items])
        return _Reenter(manager, legend)

    monkeypatch.setattr(w.loss_plot, "legend_for_export", spy)
    for fmt, name in (("plot-png", "loss.png"), ("preview-png", "preview.png")):
        assert w.run_actions.export(fmt, out / name)
        image = QImage(str(out / name))
        assert not image.isNull() and image.width() > 100
    assert w.run_actions.export("plot-svg", out / "loss.svg")
    svg = (out / "loss.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "<path" in svg
    assert exported_legends == [["train loss", "val loss", "val accuracy"]] * 2
    assert "train loss" in svg  # the legend's text is in the vector file
    assert not w.run_actions.export("plot-png", tmp_path / "no-such-folder" / "loss.png")
    text = close_message(w)
    assert "Could not write" in text and "Traceback" not in text


def test_twin_run_from_the_run_menu(qtbot, window) -> None:
    from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

    w = window
    make_tiny(w, "mlp")
    w.training_panel.lr.setValue(0.001)
    run_menu_action(w, "twinRunAction").trigger()
    dialog = w.run_actions.twin_dialog
    assert dialog is not None and dialog.isVisible()
    combo = dialog.findChild(QComboBox, "twinKnobCombo")
    combo.setCurrentIndex(combo.findData("optim.lr"))
    edit = dialog.findChild(QLineEdit, "twinValueEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "0.05")
    click(qtbot, dialog.findChild(QPushButton, "twinOkButton"))
    qtbot.waitUntil(lambda: w.run_actions.twin_window is not None, timeout=5000)
    twin = w.run_actions.twin_window
    qtbot.waitUntil(
        lambda: twin.finished_events[0] is not None and twin.finished_events[1] is not None, timeout=RUN_TIMEOUT
    )
    a, b = twin.configs
    assert [k for k in config_changes(a, b) if k != "name"] == ["optim.lr"]
    assert b.optim.lr == pytest.approx(0.05) and a.train.seed == b.train.seed
    assert all(r is not None and r["status"] == "completed" for r in twin.results)
    assert len(rows(w)) == 2  # the runs browser lists both
    twin.close()
