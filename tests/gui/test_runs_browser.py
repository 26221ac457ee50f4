"""The runs browser, File > Open run and the saved settings, in the real window on tiny real runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import click, pick_family
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from test_inspect_views import show_tab, stroke

from vision_lab.core import families
from vision_lab.core.config import default_config, with_overrides
from vision_lab.core.events import Finished
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.trainer import Trainer
from vision_lab.gui.main_window import MainWindow, final_metric
from vision_lab.gui.panels.runs import COL_MODEL, COL_RESULT, COL_SETTINGS, COL_STATUS

TINY = {"mlp": {"mlp": MLPConfig(hidden=(16,))}, "cnn": {"cnn": CNNConfig(blocks=(ConvBlock(4),), dense=(16,))}}


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path):
    """QSettings' user-scope ini files go to this test's folder, not the user's."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


def make_run(root: Path, dataset, family: str, lr: float, epochs: int = 2) -> Finished:
    """A finished tiny run written by the core trainer (fast: no window, no child process)."""
    cfg = dataclasses.replace(default_config(family), **TINY[family])
    cfg = with_overrides(
        cfg,
        **{
            "data.limit": 128,
            "data.val_limit": 40,
            "train.epochs": epochs,
            "train.batch_size": 32,
            "train.log_every": 2,
            "optim.lr": lr,
        },
    )
    events = list(Trainer(cfg, dataset=dataset, runs_root=root).events())
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.status == "completed", finished
    return finished


def rows(w) -> list:
    t = w.runs_list
    return [t.topLevelItem(i) for i in range(t.topLevelItemCount())]


def click_header(qtbot, w, column: int) -> None:
    header = w.runs_list.header()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def select(qtbot, w, items: list) -> None:
    """Click the first row, Ctrl+click the others."""
    t = w.runs_list
    for i, item in enumerate(items):
        pos = t.visualItemRect(item).center()
        mod = Qt.KeyboardModifier.ControlModifier if i else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, mod, pos)
    assert sorted(t.selectedItems(), key=id) == sorted(items, key=id)


def test_browser_lists_sorts_compares_and_deletes(qtbot, window, mnist5k, monkeypatch) -> None:
    w = window
    root = w.runs_root
    a = make_run(root, mnist5k, "mlp", lr=0.01)
    b = make_run(root, mnist5k, "cnn", lr=0.002)
    click(qtbot, w.runs_panel.refresh_button)
    items = rows(w)
    assert len(items) == 2
    by_model = {item.text(COL_MODEL): item for item in items}
    assert set(by_model) == {families.titles()["mlp"], families.titles()["cnn"]}
    for f, family in ((a, "mlp"), (b, "cnn")):
        item = by_model[families.titles()[family]]
        assert item.text(COL_RESULT) == final_metric(f.summary) != "–"
        assert item.text(COL_STATUS) == "completed"
    assert "lr 0.01 " in by_model[families.titles()["mlp"]].text(COL_SETTINGS)

    # Sorting: by model name, then by learning rate (numerically), both ways.
    click_header(qtbot, w, COL_MODEL)
    first = [i.text(COL_MODEL) for i in rows(w)]
    assert first in (sorted(first), sorted(first, reverse=True))
    click_header(qtbot, w, COL_MODEL)
    assert [i.text(COL_MODEL) for i in rows(w)] == first[::-1]
    click_header(qtbot, w, COL_SETTINGS)
    lrs = [i.text(COL_SETTINGS).split()[1] for i in rows(w)]
    click_header(qtbot, w, COL_SETTINGS)
    assert [i.text(COL_SETTINGS).split()[1] for i in rows(w)] == lrs[::-1]

    # Compare: both runs' train and validation curves in a window of their own.
    select(qtbot, w, rows(w))
    click(qtbot, w.runs_panel.compare_button)
    window = w.runs_panel.compare_window
    qtbot.waitExposed(window)
    for f in (a, b):
        for key in ("train_loss", "val_loss"):
            x, y = window.curves[(f.run_dir.name, key)].getData()
            assert len(x) >= 2 and len(x) == len(y)
    window.close()

    # Delete: "No" keeps the folder, "Yes" removes it.
    item = next(i for i in rows(w) if w.runs_panel.path_of(i) == a.run_dir)
    select(qtbot, w, [item])
    answers = []

    def answer(reply):
        def ask(*args, **kwargs):
            answers.append(args[2] if len(args) > 2 else "")
            return reply

        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    click(qtbot, w.runs_panel.delete_button)
    assert a.run_dir.is_dir() and len(rows(w)) == 2 and a.run_dir.name in answers[-1]
    item = next(i for i in rows(w) if w.runs_panel.path_of(i) == a.run_dir)
    select(qtbot, w, [item])
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    click(qtbot, w.runs_panel.delete_button)
    assert not a.run_dir.exists() and b.run_dir.is_dir()
    assert [w.runs_panel.path_of(i) for i in rows(w)] == [b.run_dir]


def test_open_run_restores_settings_curves_previews_and_weights(qtbot, window, mnist5k) -> None:
    w = window
    f = make_run(w.runs_root, mnist5k, "cnn", lr=0.0123, epochs=2)
    pick_family(w, "mlp")
    w.training_panel.epochs.setValue(7)
    assert w.loss_plot.point_count() == 0
    click(qtbot, w.runs_panel.refresh_button)
    item = rows(w)[0]
    pos = w.runs_list.visualItemRect(item).center()
    # A double-click is a press then a double-click event on the same row (Qt opens only the pressed row).
    qtbot.mouseClick(w.runs_list.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(w.runs_list.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert w.model_panel.family == "cnn"
    assert w.training_panel.lr.value() == pytest.approx(0.0123)
    assert w.training_panel.epochs.value() == 2
    assert w.model_panel.forms["cnn"].channels.text().replace(" ", "") == "4"
    assert w.loss_plot.point_count() > 0
    assert len(w.loss_plot.series["val_loss"].x) == 2  # one validation point per epoch
    assert w.preview.count > 0 and f.run_dir.name in w.preview_title.text()
    assert w.recent_runs()[0] == str(f.run_dir)
    # The Inspect dock predicts with the run's weights, with no training in this window.
    assert w.worker is None
    tab = show_tab(w, "Draw")
    stroke(qtbot, tab.canvas, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])
    qtbot.waitUntil(lambda: tab.probabilities is not None, timeout=10000)
    assert tab.probabilities.shape == (10,) and abs(float(tab.probabilities.sum()) - 1.0) < 1e-4
    assert w.start_button.isEnabled()  # the restored settings are a valid experiment


def test_broken_run_folders_give_one_sentence(qtbot, window, mnist5k, tmp_path: Path, monkeypatch) -> None:
    w = window
    from PySide6.QtWidgets import QFileDialog

    empty = tmp_path / "not-a-run"
    empty.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(empty))
    open_action = next(a for a in w.menuBar().actions()[0].menu().actions() if a.objectName() == "openRunAction")
    before = w.model_panel.family
    open_action.trigger()
    box = w.last_message
    assert box is not None and box.isVisible()
    assert "not a Vision Lab run folder" in box.text() and "Traceback" not in box.text()
    assert box.text().count(". ") == 0  # one sentence
    box.close()
    # A run whose weights are gone: the config is readable, the weights are not.
    f = make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=1)
    (f.run_dir / "weights.safetensors").unlink()
    assert not w.open_run(f.run_dir)
    assert "weights" in w.last_message.text() and "Traceback" not in w.last_message.text()
    assert w.model_panel.family == before  # nothing was half-restored
    w.last_message.close()


def test_the_live_run_is_listed_as_running_and_cannot_be_deleted(qtbot, window, monkeypatch) -> None:
    from conftest import make_tiny

    w = window
    make_tiny(w, "mlp")
    w.data_panel.set_limit(2048)
    w.training_panel.epochs.setValue(50)
    with qtbot.waitSignal(w.run_started, timeout=30000):
        click(qtbot, w.start_button)
    live = w.runs_panel.live_path
    assert live is not None
    item = w.runs_panel.item_for(live)
    assert item is not None and item.text(COL_STATUS) == "running"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked to delete the live run"))
    select(qtbot, w, [item])
    click(qtbot, w.runs_panel.delete_button)
    assert live.is_dir() and "cannot be deleted" in w.runs_panel.message.text()
    with qtbot.waitSignal(w.run_ended, timeout=30000):
        click(qtbot, w.stop_button)
    assert rows(w)[0].text(COL_STATUS) == "stopped" and w.runs_panel.path_of(rows(w)[0]) == live
    # Reset discards a paused run: it is no longer running, and says so.
    with qtbot.waitSignal(w.run_started, timeout=30000):
        click(qtbot, w.step_button)
    paused = w.runs_panel.live_path
    assert paused is not None and paused != live
    click(qtbot, w.reset_button)
    assert w.runs_panel.live_path is None
    assert w.runs_panel.item_for(paused).text(COL_STATUS) == "discarded"


def test_settings_persist_across_windows(qtbot, isolated_settings: Path) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    pick_family(first, "gan")
    first.resize(1000, 700)
    first._add_recent(Path("/somewhere/20260101-000000-gan-mnist-5k"))
    qtbot.waitUntil(lambda: first.height() == 700)
    size = (first.width(), first.height())  # what the window manager made of the resize
    first.close()
    assert list(isolated_settings.rglob("*.ini")), "no settings file in the isolated folder"

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.model_panel.family == "gan"
    # restoreGeometry may be off by a frame's few pixels on some platforms; the default is 1280×800.
    assert abs(second.width() - size[0]) <= 8 and abs(second.height() - size[1]) <= 8, (second.size(), size)
    assert second.recent_runs() == ["/somewhere/20260101-000000-gan-mnist-5k"]
    second._fill_recent()
    assert [a.text() for a in second.recent_menu.actions()] == ["20260101-000000-gan-mnist-5k"]
    second.close()
