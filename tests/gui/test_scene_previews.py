"""The preview grid draws scenes: a scene over its predicted and true masks with a legend of the classes shown, or
the scene with its boxes, scenes with a missed box framed in red."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from vision_lab.core import overlays
from vision_lab.core.events import Preview
from vision_lab.gui.widgets.image_grid import ImageGrid, fill_grid

NAMES = ("background", "0", "1", "2")


def _colour_on(grid: ImageGrid, colour: str) -> bool:
    image = grid.grab().toImage()
    want = QColor(colour)
    return any(image.pixelColor(x, y) == want for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))


def test_segmentation_preview_shows_three_rows_and_a_legend(qtbot) -> None:
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(600, 400)
    images = np.zeros((2, 16, 16, 1), np.uint8)
    truth = np.zeros((2, 16, 16), np.uint8)
    truth[:, 4:12, 4:12] = 2
    pred = truth.copy()
    pred[1] = 0  # the second scene: nothing found
    note = fill_grid(grid, Preview(1, 0, "segmentation", images, masks=truth, predicted_masks=pred, class_names=NAMES))
    assert grid.count == 2 and len(grid._outputs) == 2
    # Both scenes: background IoU 384 / (384 + 64), class 2's 64 / 128 -> mIoU 68% (though 88% of pixels are right).
    assert "mIoU of these scenes 68%" in note
    # The second scene alone: background 192 / 256, class 2 0 / 64 -> 37.5%.
    assert grid._captions == ["100%", "38%"]
    assert "1" in note and "■" in note and "background" not in note
    grid.show()
    qtbot.waitExposed(grid)
    # Drawn fully opaque over black the colour is alpha-scaled; any pixel of class 2's tint shows the overlay.
    tint = overlays.colour_masks(images[:1], truth[:1])[0, 8, 8]
    assert _colour_on(grid, QColor(*map(int, tint)).name())


def test_detections_preview_frames_scenes_with_a_missed_box(qtbot) -> None:
    grid = ImageGrid()
    qtbot.addWidget(grid)
    images = np.zeros((2, 16, 16, 1), np.uint8)
    truth = np.array([[[1, 2, 2, 10, 10]], [[2, 4, 4, 12, 12]]], np.float32)
    pred = np.array([[[1, 0.9, 2, 2, 10, 10]], [[3, 0.8, 4, 4, 12, 12]]], np.float32)  # the second: wrong class
    note = fill_grid(grid, Preview(1, 0, "detections", images, boxes=truth, predicted_boxes=pred, class_names=NAMES))
    assert "1 of 2 boxes found, 1 false" in note
    assert grid._wrong == [False, True]
    assert grid._captions == ["1/1", "0/1"]
