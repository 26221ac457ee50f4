"""The inspection views in the real window: each appears, updates when training reports, and reacts to input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import click, make_tiny, pick_family
from PIL import Image, ImageSequence
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

from vision_lab.core.events import Finished


def train(qtbot, w, family: str, epochs: int = 1) -> Finished:
    make_tiny(w, family)
    w.training_panel.epochs.setValue(epochs)
    with qtbot.waitSignal(w.run_ended, timeout=120000) as blocker:
        click(qtbot, w.start_button)
    finished: Finished = blocker.args[0]
    assert finished.status == "completed", finished.message
    return finished


def show_tab(w, title: str):
    panel = w.inspect_panel
    view = next(v for v in panel.views if v.title == title)
    assert panel.shows(view), f"{title} is disabled for {panel.family}"
    panel.bring_forward(view)
    return view


def stroke(qtbot, widget, points: list[tuple[float, float]], button=Qt.MouseButton.LeftButton) -> None:
    """Draw through ``points`` given as fractions of the widget's size."""
    pts = [QPoint(int(x * widget.width()), int(y * widget.height())) for x, y in points]
    qtbot.mousePress(widget, button, pos=pts[0])
    for p in pts[1:]:
        qtbot.mouseMove(widget, p)
    qtbot.mouseRelease(widget, button, pos=pts[-1])


def test_views_follow_the_family(window) -> None:
    panel = window.inspect_panel
    expected = {
        "mlp": {"Draw", "Confusion", "Health", "Overview", "Features"},
        "cnn": {"Draw", "Confusion", "Filters", "Health", "Overview", "Features"},
        "autoencoder": {"Draw", "Latent", "Health"},
        "gan": {"Filters", "GAN", "Health"},
    }
    for family, titles in expected.items():
        make_tiny(window, family)
        assert {v.title for v in panel.views if panel.shows(v)} == titles, family
        assert panel.isTabEnabled(panel.currentIndex())


def test_a_view_waits_for_a_run_of_its_own_family(qtbot, window) -> None:
    w = window
    train(qtbot, w, "gan")
    make_tiny(w, "cnn")  # the GAN's weights are still loaded: the Draw tab must not feed them a drawing
    tab = show_tab(w, "Draw")
    stroke(qtbot, tab.canvas, [(0.5, 0.2), (0.5, 0.8)])
    w.inspect_panel.refresh(force=True)
    assert tab.probabilities is None and not tab.canvas.is_empty()


def test_draw_and_predict_follows_the_pen_and_the_training(qtbot, window) -> None:
    w = window
    tab = show_tab(w, "Draw")
    make_tiny(w, "cnn")
    w.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(w.run_started, timeout=30000):
        click(qtbot, w.start_button)
    canvas = tab.canvas
    stroke(qtbot, canvas, [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)])  # a "1"
    # The prediction appears while the run trains, from the weights the run streams.
    qtbot.waitUntil(lambda: tab.probabilities is not None, timeout=60000)
    first = tab.probabilities.copy()
    assert first.shape == (10,) and abs(float(first.sum()) - 1.0) < 1e-4
    with qtbot.waitSignal(w.run_ended, timeout=120000):
        pass
    # Training went on: the same drawing, newer weights, different probabilities.
    qtbot.waitUntil(lambda: not np.allclose(tab.probabilities, first), timeout=10000)
    after_training = tab.probabilities.copy()
    # More ink changes the answer again, at once.
    stroke(qtbot, canvas, [(0.25, 0.3), (0.75, 0.3), (0.75, 0.75), (0.25, 0.75), (0.25, 0.3)])
    qtbot.waitUntil(lambda: not np.allclose(tab.probabilities, after_training), timeout=5000)
    assert tab.bars.values() == pytest.approx(list(map(float, tab.probabilities)))
    # The plain gradient (what the Saliency box showed) overlays the canvas and leaves the drawing alone.
    drawing = canvas.image().copy()
    tab.picker.set_method("gradient")
    qtbot.waitUntil(lambda: canvas.overlay() is not None, timeout=5000)
    heat = canvas.overlay()
    assert heat.shape == drawing.shape and heat.min() >= 0.0 and heat.max() == pytest.approx(1.0)
    assert np.array_equal(canvas.image(), drawing)
    click(qtbot, tab.findChild(QPushButton, "clearCanvasButton"))
    assert canvas.is_empty()


def test_confusion_matrix_cells_open_their_images(qtbot, window) -> None:
    w = window
    train(qtbot, w, "mlp")
    tab = show_tab(w, "Confusion")
    qtbot.waitUntil(lambda: tab.matrix.matrix() is not None, timeout=5000)
    m = tab.matrix.matrix()
    assert m.shape == (10, 10) and m.sum() == len(w.data_panel.dataset.val_labels)
    assert tab.selected is not None and tab.gallery.count > 0  # the most-confused pair is preselected
    t = 3
    with qtbot.waitSignal(tab.matrix.cellClicked) as blocker:
        qtbot.mouseClick(tab.matrix, Qt.MouseButton.LeftButton, pos=tab.matrix.cell_rect(t, t).center())
    assert blocker.args == [t, t]
    assert tab.selected == (t, t)
    labels = w.data_panel.dataset.val_labels
    assert 0 < tab.cell_images.count <= int((labels == t).sum())
    assert "3" in tab.cell_title.text()


def test_filters_and_feature_maps(qtbot, window) -> None:
    w = window
    train(qtbot, w, "cnn")
    tab = show_tab(w, "Filters")
    qtbot.waitUntil(lambda: tab.grid.group_count() >= 3, timeout=5000)  # filters + two conv layers
    before = tab.grid.grab().toImage()
    tab.index.setValue(7)
    qtbot.waitUntil(lambda: tab.grid.grab().toImage() != before, timeout=5000)


def test_latent_explorer_decodes_a_clicked_point(qtbot, window) -> None:
    w = window
    train(qtbot, w, "autoencoder")
    tab = show_tab(w, "Latent")
    qtbot.waitUntil(lambda: tab.projection is not None, timeout=5000)
    assert tab.strip.count == 8
    with qtbot.waitSignal(tab.map.clicked) as blocker:
        qtbot.mouseClick(tab.map, Qt.MouseButton.LeftButton, pos=tab.map.map_to_widget(0.0, 0.0))
    x, y = blocker.args
    assert abs(x) < 0.5 and abs(y) < 0.5
    assert tab.decoded.count == 1 and tab.last_click == (x, y)
    tab.b.setValue(5)
    assert tab.strip.count == 8


def test_gan_latent_controls_and_judge(qtbot, window) -> None:
    w = window
    train(qtbot, w, "gan")
    tab = show_tab(w, "GAN")
    qtbot.waitUntil(lambda: tab.strip.count == 8, timeout=5000)
    before = tab.sample.updates
    tab.sliders[0].setValue(25)
    qtbot.waitUntil(lambda: tab.sample.updates > before, timeout=5000)
    counts = w.inspect_panel.class_counts
    assert counts is not None and counts.sum() > 0
    assert len(tab.histogram.values()) == 10
    assert "Judge" in tab.judge_text.text() and "/10 classes" in tab.judge_text.text()


def test_health_and_a_plain_warning(qtbot, window) -> None:
    w = window
    tab = show_tab(w, "Health")
    make_tiny(w, "mlp")
    w.training_panel.lr.setValue(50.0)  # far too high: the loss blows up
    w.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(w.run_ended, timeout=120000):
        click(qtbot, w.start_button)
    assert w.inspect_panel.health, "no health measurements arrived"
    # The visible view catches up within its update interval (0.5 s) after the last measurement.
    qtbot.waitUntil(lambda: bool(tab.grad.series_names()), timeout=5000)
    assert w.inspect_panel.warnings, "an lr of 50 went unnoticed"
    banner = w.health_banner.text().lower()
    assert w.health_banner.isVisible() and ("learning rate" in banner or "nan" in banner), banner


def test_rewind_replays_previews_and_exports_a_gif(qtbot, window, tmp_path: Path) -> None:
    w = window
    train(qtbot, w, "autoencoder", epochs=2)
    assert len(w.history) >= 2
    last = w.preview_title.text()
    w.rewind_slider.setValue(0)
    assert w.rewinding and f"step {w.history[0].step:,}" in w.preview_title.text()
    assert w.preview_title.text() != last
    click(qtbot, w.live_button)
    assert not w.rewinding
    out = w.export_gif(tmp_path / "history.gif")
    with Image.open(out) as gif:
        assert gif.n_frames == len(w.history)
        frames = [np.asarray(gif.convert("RGB")) for _ in ImageSequence.Iterator(gif)]
    # The message counts the frames the file holds, and each frame says its step (a label in the corner differs).
    assert w.statusBar().currentMessage().startswith(f"Saved {len(frames)} frames")
    corners = [f[:12, :60].tobytes() for f in frames]
    assert len(set(corners)) == len(frames)


def test_gif_export_offers_the_home_folder_and_the_run_name(qtbot, window, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    w = window
    train(qtbot, w, "mlp")
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _w, _t, start, _f: (offered.append(start), ("", ""))[1])
    w.export_gif_dialog()
    assert offered == [str(Path.home() / f"{w.opened_run.name}-previews.gif")]


def test_stage_mode_and_lessons(qtbot, window) -> None:
    w = window
    from PySide6.QtWidgets import QApplication

    size = QApplication.font().pointSizeF()
    w.stage_action.trigger()
    qtbot.waitUntil(w.isFullScreen, timeout=5000)
    assert QApplication.font().pointSizeF() == pytest.approx(size * 1.5)
    w.stage_action.trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(size)

    from vision_lab.core.presets import list_presets

    presets = list_presets()
    assert len(presets) >= 5
    assert len([a for a in w.lessons_menu.actions() if a.data()]) == len(presets)
    hidden = next(p for p in presets if p.hide)
    w.apply_preset(hidden)
    assert w.model_panel.family == hidden.config.model
    assert w.current_config().optim.lr == pytest.approx(hidden.config.optim.lr)
    if "learningRate" in hidden.hide:
        assert not w.training_panel.lr_field.isVisibleTo(w)
    w._hide_controls(())
    assert w.training_panel.lr_field.isVisibleTo(w.training_panel)


def test_a_lesson_opens_on_its_inspect_view(qtbot, window, tmp_path) -> None:
    import json

    from vision_lab.core.presets import load_preset

    w = window
    path = tmp_path / "filters.json"
    lesson = {"version": 2, "title": "T", "lesson": "One.", "model": "cnn", "inspect": "Filters"}
    path.write_text(json.dumps(lesson), encoding="utf-8")
    w.inspect_panel.setCurrentIndex(0)
    w.apply_preset(load_preset(path))
    assert w.inspect_panel.current_view().title == "Filters"
    path.write_text(json.dumps({**lesson, "model": "mlp"}), encoding="utf-8")  # an MLP has no Filters view
    w.apply_preset(load_preset(path))
    assert w.inspect_panel.isTabEnabled(w.inspect_panel.currentIndex())


@pytest.mark.slow
def test_a_drawn_digit_is_read_by_a_cnn_trained_5_epochs(qtbot, window) -> None:
    w = window
    w.data_panel.set_limit(None)
    pick_family(w, "cnn")  # the default CNN, as `vision-lab train --model cnn` trains it
    w.training_panel.epochs.setValue(5)
    with qtbot.waitSignal(w.run_ended, timeout=600000) as blocker:
        click(qtbot, w.start_button)
    assert blocker.args[0].status == "completed"
    tab = show_tab(w, "Draw")
    canvas = tab.canvas
    digits = {
        "1": [[(0.5, 0.15), (0.5, 0.85)]],
        "7": [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]],
        "0": [[(0.5, 0.15), (0.72, 0.3), (0.75, 0.6), (0.5, 0.85), (0.28, 0.6), (0.3, 0.3), (0.5, 0.15)]],
    }
    for digit, strokes in digits.items():
        click(qtbot, tab.findChild(QPushButton, "clearCanvasButton"))
        for s in strokes:
            stroke(qtbot, canvas, s)
        qtbot.waitUntil(lambda: tab.probabilities is not None, timeout=5000)
        w.inspect_panel.refresh(force=True)
        assert str(int(tab.probabilities.argmax())) == digit, (digit, tab.probabilities.round(2))
