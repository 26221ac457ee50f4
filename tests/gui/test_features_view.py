"""The Features view in the real window: Regenerate fills the gallery with one picture per class, a conv layer's
channels can be shown instead (for a CNN; an MLP offers class outputs only), the pictures are the core's, and
closing the window while pictures are being computed joins the work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import click, make_tiny
from every_family import train
from PySide6.QtCore import QCoreApplication

from vision_lab.core import feature_vis as fv


def _features(w):  # type: ignore[no-untyped-def]
    panel = w.inspect_panel
    index = next(i for i, v in enumerate(panel.views) if v.title == "Features")
    panel.bring_forward(panel.views[index])
    return panel, index, panel.views[index]


def test_regenerate_fills_the_gallery_and_a_conv_layers_channels_can_be_shown(qtbot, window, tmp_path: Path) -> None:
    w = window
    train("cnn", tmp_path / "cnn-run")
    assert w.open_run(tmp_path / "cnn-run")
    panel, _index, tab = _features(w)
    assert panel.shows(tab)
    tab.steps.setValue(16)
    qtbot.waitUntil(lambda: tab.result is not None and not tab.job.busy(), timeout=20000)  # shown: computed once
    before = tab.grid.updates
    click(qtbot, tab.regenerate_button)
    qtbot.waitUntil(lambda: tab.grid.updates > before and not tab.job.busy(), timeout=20000)
    assert tab.grid.count == 10 and tab.result.images.shape == (10, 28, 28, 1)
    assert tab.grid._captions[3].startswith("3 · ")
    assert "above the others' mean" in tab.note.text() and "first epoch" not in tab.note.text()  # trained
    # The pictures are the core's for these weights (seed 0): the view shows the model, not something of its own.
    again = fv.visualise(panel.inspector, fv.class_targets(panel.inspector), steps=16, seed=0)
    np.testing.assert_allclose(tab.result.values, again.values, atol=1e-3)

    # The choices: class outputs, the first-layer filters, the second conv layer's channels.
    labels = [tab.what.itemText(i) for i in range(tab.what.count())]
    assert len(labels) == 3 and "First-layer filters (conv 1, 4)" in labels[1], labels
    before = tab.grid.updates
    tab.what.setCurrentIndex(2)  # conv 2: 6 channels
    qtbot.waitUntil(lambda: tab.grid.updates > before and not tab.job.busy(), timeout=20000)
    assert tab.grid.count == 6 and tab.grid._captions[5].startswith("5 · ")
    assert "channel's mean response" in tab.note.text()

    # Another run of the same family keeps the choice.
    assert w.open_run(tmp_path / "cnn-run")
    assert tab.what.currentData() == "channel:1"


def test_an_mlp_offers_class_outputs_only(qtbot, window, tmp_path: Path) -> None:
    w = window
    train("mlp", tmp_path / "mlp-run")
    assert w.open_run(tmp_path / "mlp-run")
    panel, _index, tab = _features(w)
    assert panel.shows(tab)
    assert [tab.what.itemData(i) for i in range(tab.what.count())] == ["class"]
    tab.steps.setValue(8)
    click(qtbot, tab.regenerate_button)
    qtbot.waitUntil(lambda: tab.grid.count == 10 and not tab.job.busy(), timeout=20000)


def test_closing_the_window_while_computing_joins(qtbot, window, tmp_path: Path) -> None:
    w = window
    train("cnn", tmp_path / "cnn-run")
    assert w.open_run(tmp_path / "cnn-run")
    _panel, _index, tab = _features(w)
    tab.steps.setValue(1000)
    click(qtbot, tab.regenerate_button)
    qtbot.waitUntil(lambda: tab._progress[0] > 0, timeout=20000)  # running, far from done
    assert tab.job.busy() and "Computing… step" in tab.note.text()
    w.ask_before_closing = False
    w.close()
    assert not tab.job.busy() and tab._progress[0] < 1000  # stopped, not run to its end
    # The stopped job's result is still queued to the view: delivered now, it is dropped without a fuss.
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents()


def test_auto_follows_training_and_an_untrained_model_is_said_so(qtbot, window) -> None:
    w = window
    make_tiny(w, "cnn")
    _panel, _index, tab = _features(w)
    tab.steps.setValue(8)
    notes: list[str] = []
    tab.job.done.connect(lambda _r: notes.append(tab.note.text()))
    click(qtbot, w.step_button)  # one batch, then paused
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=90000)
    qtbot.waitUntil(lambda: len(notes) > 0 and not tab.job.busy(), timeout=30000)
    assert "has not finished its first epoch" in notes[-1]
    assert tab.grid.count == 10
    # Another batch, new weights: "auto" makes new pictures of them (at most every few seconds).
    shown = tab.result.images.copy()
    w._last_metrics = None
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=90000)
    qtbot.waitUntil(lambda: not np.array_equal(tab.result.images, shown) and not tab.job.busy(), timeout=30000)
    with qtbot.waitSignal(w.run_ended, timeout=60000):
        click(qtbot, w.stop_button)


def test_the_lesson_on_what_a_unit_wants_opens_this_view(window) -> None:
    from vision_lab.core.presets import list_presets

    lesson = next(p for p in list_presets() if p.inspect == "Features")
    panel = window.inspect_panel
    panel.set_family(lesson.config.model)
    assert panel.show_view("Features") and panel.current_view().title == "Features"
