"""The Overview view in the real window: the layer picture of the live model, a click on a unit opens the unit view
with the model's own value, the arrow keys slide the window, the MLP too, the drawing and an image clicked in the
Confusion view as the input, and it follows the training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from conftest import click
from every_family import train
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from vision_lab.core.layer_walk import overview
from vision_lab.gui.panels.inspect_overview import image_index_at
from vision_lab.gui.widgets.unit_view import exact, f3


def _overview_tab(w):  # type: ignore[no-untyped-def]
    panel = w.inspect_panel
    index = next(i for i, v in enumerate(panel.views) if v.title == "Overview")
    return panel, index, panel.views[index]


def _model_value(insp, image: np.ndarray, layer_index: int, unit: tuple[int, ...]) -> float:  # type: ignore[no-untyped-def]
    """The model's own output at ``unit`` of layer ``layer_index`` (its softmax past the last layer), from a hook
    on its ordinary forward pass."""
    model = insp.task.modules["model"]
    seen: dict[int, torch.Tensor] = {}

    def keep(k: int, out: torch.Tensor) -> None:  # a hook that returns something would replace the output
        seen[k] = out[0].clone()

    hooks = [m.register_forward_hook(lambda _m, _i, out, k=k: keep(k, out)) for k, m in enumerate(model)]
    try:
        with torch.inference_mode():
            logits = model(insp._single(image))
    finally:
        for h in hooks:
            h.remove()
    if layer_index == len(model):
        return float(torch.softmax(logits.double(), 1)[0][unit])
    return float(seen[layer_index][unit])


def _click_unit(qtbot, tab, layer_index: int, unit: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    rect = tab.layers.unit_rect(layer_index, unit)
    assert not rect.isEmpty(), (layer_index, unit)
    tab.scroll_area.ensureVisible(rect.center().x(), rect.center().y())
    qtbot.mouseClick(tab.layers, Qt.MouseButton.LeftButton, pos=rect.center())


def _open(qtbot, w, family: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    run = tmp_path / f"{family}-run"
    train(family, run)
    assert w.open_run(run)
    panel, _index, tab = _overview_tab(w)
    assert panel.shows(tab)
    panel.bring_forward(tab)
    qtbot.waitUntil(lambda: tab.overview is not None, timeout=20000)
    return panel, tab


def test_overview_of_a_cnn_unit_view_and_sliding_window(qtbot, window, tmp_path: Path) -> None:
    w = window
    panel, tab = _open(qtbot, w, "cnn", tmp_path)
    insp = panel.inspector
    image = panel.dataset.val_images[0]
    # The columns are the model's layers for that image, in the model's order (the pool before the ReLU).
    expected = overview(insp, image)
    assert [s.kind for s in tab.overview.stages] == [s.kind for s in expected.stages]
    assert [s.kind for s in expected.stages][:5] == ["input", "conv", "bn", "pool", "act"]
    for a, b in zip(tab.overview.stages, expected.stages, strict=True):
        np.testing.assert_array_equal(a.values, b.values)
    assert "The model says" in tab.note.text()

    # A click on a pixel at the border of a channel of the first convolution: its arithmetic, padding and all.
    _click_unit(qtbot, tab, 0, (1, 0, 0))
    assert tab.dialog.isVisible()
    view = tab.unit_view
    e = view.explanation
    assert e is not None and e.conv is not None and e.unit == (1, 0, 0)
    model_value = _model_value(insp, image, 0, (1, 0, 0))
    assert abs(e.value - model_value) <= 1e-5
    assert not e.conv.inside.all()  # 'same' padding: the window leaves the image
    assert tab.layers.window_box == (-1, (-1, -1, 1, 1))  # the kernel's window boxed on the input column
    assert f3(e.conv.value) in view.value_label.text()
    assert view.products.values.shape == (3, 3)

    # The arrow keys step the kernel across the map; the unit view follows with the model's value there.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    e = view.explanation
    assert e.unit == (1, 1, 1) and (e.conv.row, e.conv.col) == (1, 1)
    assert abs(e.value - _model_value(insp, image, 0, (1, 1, 1))) <= 1e-5
    assert tab.layers.selected == (0, (1, 1, 1))
    # The slider does the same.
    view.slider.setValue(view.slider.value() + 1)
    assert view.explanation.unit == (1, 1, 2)

    # A unit after the first block's ReLU: the chain batch norm -> pool -> ReLU ends on the model's value.
    act1 = next(s for s in tab.overview.stages if s.kind == "act" and s.block == 1)
    _click_unit(qtbot, tab, act1.index, (3, 4, 5))
    e = view.explanation
    assert [s.kind for s in e.steps] == ["bn", "pool", "act"] and not e.conv.has_bias
    assert abs(e.value - _model_value(insp, image, act1.index, (3, 4, 5))) <= 1e-5
    assert "batch norm" in view.chain.text() and "max pool" in view.chain.text()
    # The second block (no batch norm: its convolution has a bias) reads four channels: one grid at a time, and
    # the per-channel partial sums.
    act2 = next(s for s in tab.overview.stages if s.kind == "act" and s.block == 2)
    unit = (2, 1, 1)
    _click_unit(qtbot, tab, act2.index, unit)
    e = view.explanation
    assert [s.kind for s in e.steps] == ["pool", "act"] and e.conv.has_bias
    assert tab.layers.window_box == (act1.index, e.conv.window)  # on the first block's output, conv 2's input
    assert e.conv.patch.shape[0] == 4
    assert view.channel.isVisible() and view.channel.maximum() == 3
    view.channel.setValue(2)
    np.testing.assert_array_equal(view.kernel.values, e.conv.weights[2])
    np.testing.assert_allclose(view.partials.values[0, :4], e.conv.partial_sums)
    # Hovering a cell shows its exact figure; the cells show 3 significant digits.
    grid = view.products
    spot = QPoint(grid.cell.width() * 3 // 2, grid.cell.height() // 2)  # row 0, col 1
    QApplication.sendEvent(grid, QHelpEvent(QEvent.Type.ToolTip, spot, grid.mapToGlobal(spot)))
    assert QToolTip.text().startswith(exact(float(e.conv.products[2, 0, 1])))
    # A click on a channel's partial sum shows that channel's grids.
    qtbot.mouseClick(view.partials, Qt.MouseButton.LeftButton, pos=QPoint(view.partials.cell.width() * 3 // 2, 4))
    assert view.channel.value() == 1
    np.testing.assert_array_equal(view.products.values, e.conv.products[1])
    assert abs(e.value - _model_value(insp, image, act2.index, unit)) <= 1e-5

    # A dense unit and a softmax bar.
    dense = next(s for s in tab.overview.stages if s.kind == "dense")
    _click_unit(qtbot, tab, dense.index, (3,))
    assert view.explanation.dense is not None and view.table.rowCount() == len(view.explanation.dense.top)
    assert abs(view.explanation.value - _model_value(insp, image, dense.index, (3,))) <= 1e-5
    softmax = tab.overview.stages[-1]
    _click_unit(qtbot, tab, softmax.index, (7,))
    assert view.explanation.softmax is not None and view.table.rowCount() == 10
    assert abs(view.explanation.value - _model_value(insp, image, softmax.index, (7,))) <= 1e-5
    assert f3(view.explanation.value) in view.value_label.text()

    # The dialog fits a 1280×720 screen.
    assert tab.dialog.width() <= 1280 and tab.dialog.height() <= 720

    # An image clicked in the Confusion view's cell gallery is walked through the model in the Overview.
    confusion = next(v for v in panel.views if v.title == "Confusion")
    panel.bring_forward(confusion)
    preds = insp.probabilities(panel.dataset.val_images).argmax(1)
    true, pred = int(panel.dataset.val_labels[5]), int(preds[5])
    confusion.select(true, pred)
    grid = confusion.cell_images
    assert grid.count > 0
    spot = next(
        QPoint(x, y)
        for y in range(0, grid.height(), 3)
        for x in range(0, grid.width(), 3)
        if image_index_at(grid, QPoint(x, y)) == 0
    )
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=spot)
    assert panel.current_view() is tab
    first = np.flatnonzero((panel.dataset.val_labels == true) & (preds == pred))[0]
    np.testing.assert_array_equal(tab.picked, panel.dataset.val_images[first])
    qtbot.waitUntil(lambda: np.array_equal(tab.overview.input, insp._single(tab.picked)[0].numpy()), timeout=10000)

    # Live: a Step starts a run from the window and trains a batch; the overview shows its model. A unit picked
    # then follows the next batch's weights.
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=90000)
    qtbot.waitUntil(lambda: tab.overview is not None, timeout=30000)
    image = panel.dataset.val_images[0]
    softmax = tab.overview.stages[-1]  # the window's model, not the opened run's
    _click_unit(qtbot, tab, softmax.index, (7,))
    before = view.explanation.value
    assert abs(before - _model_value(panel.inspector, image, softmax.index, (7,))) <= 1e-5
    step = w._last_metrics.step
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._last_metrics.step > step and w._paused, timeout=90000)
    qtbot.waitUntil(lambda: view.explanation is not None and view.explanation.value != before, timeout=30000)
    assert abs(view.explanation.value - _model_value(panel.inspector, image, softmax.index, (7,))) <= 1e-5
    assert tab.last_ms < 200  # measured in the report; a loose bound here against a pathological slowdown
    with qtbot.waitSignal(w.run_ended, timeout=60000):
        click(qtbot, w.stop_button)


def test_overview_of_an_mlp_and_of_the_drawing(qtbot, window, tmp_path: Path) -> None:
    w = window
    panel, tab = _open(qtbot, w, "mlp", tmp_path)
    insp = panel.inspector
    assert [s.kind for s in tab.overview.stages][:2] == ["input", "dense"]
    # The drawing as the input.
    stroke = np.zeros(panel.draw_tab.canvas.image().shape, np.float32)
    stroke[6:22, 12:16] = 1.0  # a "1"
    panel.draw_tab.canvas.set_image(stroke)
    tab.source.setCurrentIndex(1)
    drawn = panel.draw_tab.model_input()[0]
    qtbot.waitUntil(lambda: np.array_equal(tab.overview.input, insp._single(drawn)[0].numpy()), timeout=10000)
    assert "the drawing" in tab.note.text()
    dense = tab.overview.stages[1]
    _click_unit(qtbot, tab, dense.index, (2,))
    view = tab.unit_view
    e = view.explanation
    assert e.dense is not None and len(e.dense.inputs) == 28 * 28
    assert abs(e.value - _model_value(insp, drawn, dense.index, (2,))) <= 1e-5
    # The largest contributions come from the stroke's pixels (the others are 0 after scaling to [0, 1]).
    pixels = insp._single(drawn)[0].numpy()
    assert all(pixels[c.where] == c.input for c in e.dense.top)
    # The arrow keys step through the units of a vector.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.explanation.unit == (3,)
    assert abs(view.explanation.value - _model_value(insp, drawn, dense.index, (3,))) <= 1e-5
    softmax = tab.overview.stages[-1]
    _click_unit(qtbot, tab, softmax.index, (1,))
    assert abs(view.explanation.value - _model_value(insp, drawn, softmax.index, (1,))) <= 1e-5


def test_enlarge_shows_every_layer_in_a_window_of_its_own(qtbot, window, tmp_path: Path) -> None:
    # In the 360 px dock the default CNN's 17 columns scroll sideways; a projector needs the whole picture at once.
    w = window
    panel, tab = _open(qtbot, w, "cnn", tmp_path)
    qtbot.mouseClick(tab.enlarge, Qt.MouseButton.LeftButton)
    assert tab.large_window.isVisible()
    big = tab.large
    qtbot.waitUntil(lambda: big.overview is tab.overview, timeout=5000)
    qtbot.waitUntil(lambda: tab.large_scroll.horizontalScrollBar().maximum() == 0, timeout=5000)  # all columns fit
    assert tab.scroll_area.horizontalScrollBar().maximum() > 0  # the dock's picture scrolls sideways
    rect = big.unit_rect(0, (2, 3, 4))
    qtbot.mouseClick(big, Qt.MouseButton.LeftButton, pos=rect.center())  # a click there opens the unit view
    assert tab.unit_view.explanation is not None and tab.unit_view.explanation.unit[0] == 2
    assert big.selected == tab.layers.selected
    panel.draw_tab.canvas.set_image(np.ones(panel.draw_tab.canvas.image().shape, np.float32))
    tab.source.setCurrentIndex(1)  # the big picture follows what the view walks
    qtbot.waitUntil(lambda: big.overview is tab.overview and "the drawing" in tab.note.text(), timeout=10000)
    qtbot.mouseClick(tab.enlarge, Qt.MouseButton.LeftButton)  # the button closes it again
    assert not tab.large_window.isVisible()
