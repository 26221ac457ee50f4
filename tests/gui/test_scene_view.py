"""The Scenes view on a segmenter or a detector opened from its run: worst scenes, per-class bars, a pixel's class
probabilities (segmenter), a threshold that redraws boxes without running the model again and precision-recall
curves (detector), and scenes drawn by hand. Parametrized over the families that can segment or detect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import click
from every_family import train
from PySide6.QtCore import QPoint, Qt
from test_inspect_views import show_tab, stroke

from vision_lab.core import families

SCENE_FAMILIES = [f.key for f in families.all_families() if f.has("segment") or f.has("detect")]


def open_scenes(qtbot, w, key: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    run = tmp_path / "run"
    train(key, run)
    assert w.open_run(run)
    qtbot.waitUntil(lambda: w.inspect_panel.dataset is not None, timeout=30000)
    tab = show_tab(w, "Scenes")
    w.inspect_panel.refresh(force=True)
    qtbot.waitUntil(lambda: len(tab.order) > 0, timeout=30000)
    return tab


@pytest.mark.parametrize("key", SCENE_FAMILIES)
def test_scenes_view_ranks_and_explains(qtbot, window, key: str, tmp_path: Path) -> None:
    w = window
    tab = open_scenes(qtbot, w, key, tmp_path)
    names = w.inspect_panel.class_names
    assert tab.grid.count == 8 and tab.class_bars.values()
    assert set(tab.class_bars.labels()) <= set(names)
    if families.get(key).has("segment"):
        # A click on the large scene shows that pixel's class probabilities, as the model gives them.
        picture = tab.picture
        r = picture.target()
        qtbot.mouseClick(picture, Qt.MouseButton.LeftButton, pos=QPoint(r.x() + r.width() // 2, r.y() + 2))
        x, y = picture.marker
        side = w.inspect_panel.dataset.image_shape[1]
        assert y <= 1 and abs(x - side // 2) <= 1
        assert tab.probabilities is not None
        np.testing.assert_allclose(tab.pixel_bars.values(), tab.probabilities[:, y, x], atol=1e-6)
        assert tab.pixel_bars.title == f"Pixel ({x}, {y})"
    else:
        assert tab.pr.series_names()  # one precision-recall curve per class with truth boxes
        boxes = tab.boxes
        grid_updates = tab.grid.updates
        tab.threshold.setValue(0)  # every top-k box shown: the worst scenes gain false boxes
        assert tab.boxes is boxes, "moving the threshold ran the model again"
        assert tab.grid.updates > grid_updates and "0.00" in tab.note.text()


@pytest.mark.parametrize("key", SCENE_FAMILIES)
def test_a_drawn_scene_gets_masks_or_boxes(qtbot, window, key: str, tmp_path: Path) -> None:
    w = window
    tab = open_scenes(qtbot, w, key, tmp_path)
    tab.draw.setChecked(True)
    assert tab.left.currentWidget() is tab.canvas and tab.clear_button.isVisible()
    assert not tab.pixel_bars.isVisible()  # its bars were about the scene picture, now hidden
    stroke(qtbot, tab.canvas, [(0.2, 0.2), (0.2, 0.5)])
    stroke(qtbot, tab.canvas, [(0.7, 0.6), (0.8, 0.9)])
    w.inspect_panel.refresh(force=True)
    qtbot.waitUntil(tab.canvas.has_secondary, timeout=10000)
    assert not tab.canvas.is_empty() and tab.note.text()
    click(qtbot, tab.clear_button)
    assert tab.canvas.is_empty()
