"""The attribution picker in the real window, through its real combo boxes: in the Draw view the chosen method's
map appears over the drawing (computed off the GUI thread, "computing…" meanwhile) and is the core's map of the
chosen class; Grad-CAM on an MLP says why not next to the control; the Filters view draws the map over its image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import pick_family
from every_family import train
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from vision_lab.core.attributions import attribute, normalised


def choose(qtbot, combo: QComboBox, data: object) -> None:
    """Open the combo box's list with the mouse, move to the item holding ``data`` and press Enter (the popup
    ignores a mouse release that comes within a moment of its opening, and tests do not wait)."""
    row = combo.findData(data)
    assert row >= 0, (data, [combo.itemData(i) for i in range(combo.count())])
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=5000)
    index = combo.model().index(row, 0)
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: combo.currentData() == data and not view.isVisible(), timeout=5000)


def open_view(w, title: str):  # type: ignore[no-untyped-def]
    panel = w.inspect_panel
    view = next(v for v in panel.views if v.title == title)
    panel.bring_forward(view)
    return view


def a_one(tab) -> None:  # type: ignore[no-untyped-def]
    stroke = np.zeros(tab.canvas.image().shape, np.float32)
    stroke[5:23, 12:16] = 1.0
    tab.canvas.set_image(stroke)


def test_draw_view_overlays_the_chosen_map_of_the_chosen_class(qtbot, window, tmp_path: Path) -> None:
    w = window
    train("cnn", tmp_path / "cnn")
    assert w.open_run(tmp_path / "cnn")
    tab = open_view(w, "Draw")
    picker = tab.picker
    assert picker.isVisible() and picker.method() is None
    a_one(tab)
    qtbot.waitUntil(lambda: tab.probabilities is not None, timeout=10000)
    assert tab.canvas.overlay() is None  # off
    notes: list[str] = []
    picker.job.busy_changed.connect(lambda busy: busy and notes.append(picker.note.text()))

    choose(qtbot, picker.method_combo, "gradcam")
    assert "conv layer" in picker.explanation.text()
    qtbot.waitUntil(lambda: tab.canvas.overlay() is not None, timeout=20000)
    assert "computing…" in notes
    x = tab.model_input()
    insp = w.inspect_panel.inspector
    predicted = normalised(attribute(insp, x, "gradcam")[0])
    np.testing.assert_allclose(tab.canvas.overlay(), tab.on_canvas(predicted), atol=1e-5)
    assert np.array_equal(tab.canvas.image()[5:23, 12:16], np.ones((18, 4), np.float32))  # the ink is untouched

    # Another class: another map, the core's map of that class.
    other = (int(tab.probabilities.argmax()) + 3) % 10
    choose(qtbot, picker.class_combo, other)
    expected = normalised(attribute(insp, x, "gradcam", target=other)[0])
    assert not np.allclose(expected, predicted, atol=1e-3)
    qtbot.waitUntil(lambda: np.allclose(tab.canvas.overlay(), tab.on_canvas(expected), atol=1e-5), timeout=20000)

    # Off again: no overlay.
    choose(qtbot, picker.method_combo, "")
    qtbot.waitUntil(lambda: tab.canvas.overlay() is None, timeout=5000)
    assert not picker.explanation.isVisible()


def test_gradcam_on_an_mlp_says_why_not(qtbot, window, tmp_path: Path) -> None:
    w = window
    train("mlp", tmp_path / "mlp")
    assert w.open_run(tmp_path / "mlp")
    tab = open_view(w, "Draw")
    picker = tab.picker
    a_one(tab)
    choose(qtbot, picker.method_combo, "gradcam")
    qtbot.waitUntil(lambda: "Grad-CAM needs a convolution layer" in picker.note.text(), timeout=10000)
    assert tab.canvas.overlay() is None
    choose(qtbot, picker.method_combo, "integrated-gradients")
    qtbot.waitUntil(lambda: tab.canvas.overlay() is not None, timeout=20000)
    qtbot.waitUntil(lambda: picker.note.text() == "", timeout=5000)


def test_filters_view_draws_the_map_over_its_image(qtbot, window, tmp_path: Path) -> None:
    w = window
    train("cnn", tmp_path / "cnn")
    assert w.open_run(tmp_path / "cnn")
    tab = open_view(w, "Filters")
    qtbot.waitUntil(lambda: tab.grid.group_count() >= 2, timeout=10000)
    assert not tab.heat_view.isVisible()
    choose(qtbot, tab.picker.method_combo, "occlusion")
    qtbot.waitUntil(lambda: tab.heat_view.isVisible() and tab.picker.heat is not None, timeout=20000)
    image = w.inspect_panel.dataset.val_images[tab.index.value()]
    expected = normalised(attribute(w.inspect_panel.inspector, image[None], "occlusion")[0])
    np.testing.assert_allclose(tab.picker.heat, expected, atol=1e-5)
    # Another image: another map.
    tab.index.setValue(5)
    qtbot.waitUntil(lambda: not np.allclose(tab.picker.heat, expected), timeout=20000)
    # A GAN has filters but no class to explain: no picker.
    pick_family(w, "gan")
    w.inspect_panel.clear_run()
    assert not tab.picker.isVisible()


def test_the_map_lies_over_the_strokes_drawn_not_where_the_centring_moved_them(qtbot, window, tmp_path: Path) -> None:
    # The model sees the drawing cropped, scaled and centred as MNIST was; its map was once drawn over the canvas
    # as it was, so a digit drawn in a corner got its heat in the middle, over nothing.
    w = window
    train("cnn", tmp_path / "cnn")
    assert w.open_run(tmp_path / "cnn")
    tab = open_view(w, "Draw")
    corner = np.zeros(tab.canvas.image().shape, np.float32)
    corner[1:13, 2:5] = 1.0  # a short "1" in the top-left corner
    tab.canvas.set_image(corner)
    choose(qtbot, tab.picker.method_combo, "integrated-gradients")  # zero wherever the model's input is black
    qtbot.waitUntil(lambda: tab.canvas.overlay() is not None, timeout=20000)
    heat = tab.canvas.overlay()
    near = np.zeros_like(corner, dtype=bool)
    near[0:14, 1:6] = True  # the stroke and a pixel around it
    assert heat.sum() > 0 and heat[near].sum() / heat.sum() > 0.95
