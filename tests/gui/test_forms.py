"""Validation, user mistakes, the model panel's live summary, downloads, and the plot itself."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import click, make_tiny, pick_family
from PySide6.QtWidgets import QMessageBox

from vision_lab.core.errors import DownloadCancelled
from vision_lab.core.events import Metrics


def test_app_tunes_the_garbage_collector(qapp) -> None:
    assert gc.get_threshold() == (700, 10, 1000)
    assert qapp.windowIcon().isNull() is False


def test_invalid_list_field_blocks_start_with_an_inline_message(qtbot, window) -> None:
    w = window
    pick_family(w, "mlp")
    edit = w.model_panel.forms["mlp"].hidden
    w.tabs.setCurrentIndex(1)
    edit.setText("512, 256")
    assert w.start_button.isEnabled()
    assert w.current_config().mlp.hidden == (512, 256)
    edit.setText("512, lots")
    field = w.model_panel.forms["mlp"].lists[0][1]
    assert not w.start_button.isEnabled() and not w.step_button.isEnabled()
    assert field.error.isVisible() and "'lots' is not a whole number" in field.error.text()
    edit.setText("512, 0")
    assert "between 1 and" in field.error.text() and not w.start_button.isEnabled()
    edit.setText("128")
    assert w.start_button.isEnabled() and not field.error.isVisible()


def test_config_validation_message_shows_next_to_the_panel(qtbot, window) -> None:
    w = window
    pick_family(w, "gan")
    w.tabs.setCurrentIndex(1)
    w.model_panel.forms["gan"].g_width.setValue(30)  # typed, not stepped: not a multiple of 4
    assert not w.start_button.isEnabled()
    assert w.model_panel.error.isVisible() and "multiple of 4" in w.model_panel.error.text()
    assert "multiple of 4" in w.status_label.text()
    w.model_panel.forms["gan"].g_width.setValue(32)
    assert w.start_button.isEnabled() and not w.model_panel.error.isVisible()


def test_cnn_with_too_many_pools_is_explained(qtbot, window) -> None:
    w = window
    pick_family(w, "cnn")
    w.tabs.setCurrentIndex(1)
    w.model_panel.forms["cnn"].channels.setText("8, 8, 8, 8, 8, 8, 8")
    field = w.model_panel.forms["cnn"].lists[0][1]
    assert field.error.isVisible() and "At most 6" in field.error.text()
    assert not w.start_button.isEnabled()


def test_bad_dataset_path_gets_one_sentence_not_a_dialog(qtbot, window, tmp_path) -> None:
    w = window
    w.data_panel.select(str(tmp_path / "no-such-folder"))
    qtbot.waitUntil(lambda: w.data_panel.combo_error.isVisible(), timeout=10000)
    text = w.data_panel.combo_error.text()
    assert "does not exist" in text and "Traceback" not in text and text.count("\n") == 0
    assert w.last_message is None
    # The refused folder leaves the list; the last good dataset stays selected and in use, and the message says so.
    assert w.data_panel.combo.findData(str(tmp_path / "no-such-folder")) < 0
    assert w.data_panel.current_key == "mnist-5k" and "Still using mnist-5k" in text
    assert w.start_button.isEnabled() and w.current_config().data.name == "mnist-5k"


def test_corrupt_idx_folder_is_reported(qtbot, window, tmp_path) -> None:
    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03garbage")
    (folder / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01xx")
    window.data_panel.select(str(folder))
    qtbot.waitUntil(lambda: window.data_panel.combo_error.isVisible(), timeout=10000)
    assert window.data_panel.combo_error.text().strip()
    assert window.data_panel.combo.findData(str(folder)) < 0 and window.data_panel.current_key == "mnist-5k"


def test_a_bug_in_the_worker_gets_a_dialog_and_the_ui_returns_to_idle(qtbot, window, monkeypatch) -> None:
    from vision_lab.core.trainer import Trainer

    monkeypatch.setenv("VISION_LAB_ENGINE", "thread")  # the patch below only reaches an in-process loop

    def broken(self):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(Trainer, "events", broken)
    with qtbot.waitSignal(window.run_failed, timeout=30000) as blocker:
        click(qtbot, window.start_button)
    assert "boom" in blocker.args[0]
    box = window.last_message
    assert box is not None and box.isVisible() and box.icon() == QMessageBox.Icon.Critical
    # The dialog names the log file; the traceback is in it, not in front of a learner.
    log = Path(box.detailedText())
    assert log.name == "errors.log" and "Traceback" in log.read_text() and "boom" in log.read_text()
    assert window.start_button.isEnabled() and window.worker is None
    box.close()


def test_model_panel_updates_layer_table_formula_and_parameters(qtbot, window) -> None:
    w = window
    panel = w.model_panel
    pick_family(w, "cnn")
    qtbot.waitUntil(lambda: panel.table.rowCount() > 0, timeout=5000)
    before = panel.params.text()
    panel.forms["cnn"].channels.setText("8")
    qtbot.waitUntil(lambda: panel.params.text() != before, timeout=5000)
    assert "Conv2d #1" in [panel.table.item(i, 0).text() for i in range(panel.table.rowCount())]
    assert "log" in panel.formula.text() and "softmax" in panel.formula.text()
    pick_family(w, "gan")
    qtbot.waitUntil(
        lambda: panel.table.item(0, 0) is not None and panel.table.item(0, 0).text().startswith("G"), timeout=5000
    )
    assert "<i>D</i>(<i>G</i>(<i>z</i>))" in panel.formula.text()
    pick_family(w, "autoencoder")
    assert "x̂" in panel.formula.text()


def test_download_shows_progress_and_can_be_cancelled(qtbot, window, monkeypatch) -> None:
    import vision_lab.gui.panels.data as data_panel_module

    def fake_download(name, *, progress=None, **_):
        for i in range(100000):
            if progress(i * 1000, 10_000_000) is False:
                raise DownloadCancelled(f"The download of '{name}' was cancelled.")
            time.sleep(0.002)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(data_panel_module, "download_dataset", fake_download)
    panel = window.data_panel
    if panel.infos["kmnist"].available:
        pytest.skip("kmnist is on this machine already")
    panel.select("kmnist")
    assert panel.download_box.isVisible() and not window.start_button.isEnabled()
    click(qtbot, panel.download_button)
    qtbot.waitUntil(lambda: panel.download_progress.value() > 0, timeout=10000)
    click(qtbot, panel.cancel_button)
    qtbot.waitUntil(lambda: panel.combo_error.isVisible(), timeout=10000)
    assert "cancelled" in panel.combo_error.text()
    assert panel.download_button.isEnabled() and not window.start_button.isEnabled()


def test_live_plot_survives_1000_repaints(qtbot) -> None:
    """Guards the PySide6 6.12 + pyqtgraph crash ("none_dealloc") after a few hundred repaints."""
    from vision_lab.gui.widgets.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(640, 400)
    plot.show()
    plot.reset("cnn", 10)
    rng = np.random.default_rng(0)
    for i in range(1000):
        values = {"train_loss": float(2 * np.exp(-i / 300) + 0.05 * rng.random())}
        if i % 100 == 99:
            values.update(val_loss=values["train_loss"] * 1.1, val_accuracy=min(0.99, i / 1000))
        row = {"step": i, "epoch": i / 100, **values}
        end = i % 100 == 99
        plot.add_metrics(Metrics(i, i // 100, i / 100, values, 1000.0, i, 0.0, 1e-3, epoch_end=end, rows=(row,)))
        plot.refresh()
        plot.plot_widget.repaint()
        if i == 500:
            plot.log_check.setChecked(True)
    # The rows the events carried: 1000 train-loss points, 10 val losses, 10 accuracies.
    assert plot.point_count() == 1000 + 10 + 10
    x, _y = plot.series["train_loss"].item.getData()
    assert len(x) > 0
    assert "train loss" in plot.readout_at(5.0)


def test_data_panel_shows_examples_sizes_and_class_counts(qtbot, window) -> None:
    panel = window.data_panel
    names = [panel.combo.itemData(i) for i in range(panel.combo.count())]
    assert {"mnist-5k", "shapes", "fashion-mnist", "mnist", "kmnist", "cifar10"} <= set(names)
    assert "::open-folder" in names and "::open-file" in names
    assert panel.preview.count == 24 and panel.preview._captions[:10] == [str(i) for i in range(10)]
    assert "4,500" in panel.sizes.text() and "500" in panel.sizes.text()
    assert panel.counts.text().count("<b>450</b>") == 10
    assert window.current_config().data.limit == 256
    assert "<b>256</b> of 4,500 training" in panel.sizes.text()


def test_python_dash_m_vision_lab_opens_the_window(tmp_path) -> None:
    """The real entry point in a subprocess: the window opens on mnist-5k with Start ready, then quits."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from vision_lab.gui.app import create_app\n"
        "app = create_app()\n"
        "def check():\n"
        "    w = next(w for w in QApplication.topLevelWidgets() if w.objectName() == 'mainWindow')\n"
        "    print('START', w.start_button.isEnabled(), w.model_panel.family, w.data_panel.current_key, flush=True)\n"
        "    app.quit()\n"
        "QTimer.singleShot(4000, check)\n"
        "import runpy\n"
        "sys.argv = ['vision_lab']\n"
        "runpy.run_module('vision_lab', run_name='__main__')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "VISION_LAB_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "START True cnn mnist-5k" in proc.stdout


def test_hovering_the_plot_reads_out_exact_values(qtbot) -> None:
    from vision_lab.gui.widgets.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(640, 400)
    plot.show()
    plot.reset("gan", 2)
    for i in range(1, 21):
        values = {"d_loss": 1.0 + i / 100, "g_loss": 2.0 - i / 100}
        if i == 10:
            values["judge_confidence"] = 0.75
        row = {"step": i, "epoch": i / 10, **values}
        plot.add_metrics(Metrics(i, 0, i / 10, values, 100.0, i, 0.0, 2e-4, epoch_end=i == 10, rows=(row,)))
    plot.refresh()
    qtbot.waitExposed(plot)
    assert "D loss" in plot.readout.text() and plot.hint.isVisible()  # 640 px: room for the hover hint
    centre = plot.view.sceneBoundingRect().center()
    x = plot.view.mapSceneToView(centre).x()
    plot.plot_item.scene().sigMouseMoved.emit(centre)
    qtbot.waitUntil(lambda: "G loss <b>" in plot.readout.text(), timeout=3000)
    assert plot.hover_line.isVisible() and abs(plot.hover_line.value() - x) < 1e-6
    assert "judge confidence <b>75.0%</b>" in plot.readout.text()
    assert not plot.hint.isVisible()  # the values are showing


def test_a_killed_training_process_is_reported_and_the_window_survives(qtbot, window) -> None:
    """Out of memory, a segfault, a kill -9: the child dies, the window says so in one sentence and stays usable."""
    import os
    import signal

    make_tiny(window, "cnn")
    window.training_panel.epochs.setValue(50)
    with qtbot.waitSignal(window.run_started, timeout=60000):
        click(qtbot, window.start_button)
    worker = window.worker
    assert worker is not None and worker.pid is not None and worker.pid != os.getpid()
    with qtbot.waitSignal(window.run_failed, timeout=60000) as blocker:
        os.kill(worker.pid, signal.SIGKILL)
    assert "stopped unexpectedly" in blocker.args[0]
    qtbot.waitUntil(worker.isFinished, timeout=30000)
    assert window.start_button.isEnabled() and window.worker is None
    if window.last_message is not None:
        window.last_message.close()


def test_use_only_changes_the_training_count_shown(qtbot, window) -> None:
    panel = window.data_panel
    panel.set_limit(5)
    text = panel.sizes.text()
    assert "<b>5</b> of 4,500 training" in text, text
    panel.set_limit(0)
    assert panel.sizes.text().startswith("<b>4,500</b> training"), panel.sizes.text()


def test_the_dataset_list_opens_folders_and_npz_files(qtbot, window, tmp_path, monkeypatch) -> None:
    import numpy as np
    from PySide6.QtWidgets import QFileDialog

    from vision_lab.gui.panels.data import OPEN_FILE

    x = np.random.default_rng(0).integers(0, 255, (40, 8, 8, 1), dtype=np.uint8)
    np.savez(tmp_path / "tiny.npz", x=x, y=np.arange(40) % 4)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "tiny.npz"), ""))
    combo = window.data_panel.combo
    combo.setCurrentIndex(combo.findData(OPEN_FILE))  # what choosing "Open an .npz file…" does
    qtbot.waitUntil(lambda: window.data_panel.dataset is not None and window.data_panel.dataset.image_shape[0] == 8)
    assert window.data_panel.current_key == str(tmp_path / "tiny.npz")
    assert len(window.data_panel.dataset.class_names) == 4
