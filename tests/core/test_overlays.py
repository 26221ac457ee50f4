"""Scenes drawn for people (vision_lab/core/overlays.py): masks tint only their pixels, boxes match by class and
IoU, predictions below the threshold are not drawn."""

from __future__ import annotations

import numpy as np

from vision_lab.core import overlays
from vision_lab.core.events import Preview


def test_masks_tint_only_class_pixels_in_their_colour() -> None:
    images = np.full((1, 4, 4, 1), 100, np.uint8)
    masks = np.zeros((1, 4, 4), np.uint8)
    masks[0, 1, 2] = 3
    out = overlays.colour_masks(images, masks, alpha=1.0)
    assert out.shape == (1, 4, 4, 3)
    assert (out[0, 0, 0] == 100).all()  # background: the image, grey
    assert tuple(out[0, 1, 2]) == tuple(int(overlays.class_colour(3)[i : i + 2], 16) for i in (1, 3, 5))


def test_match_takes_each_truth_box_once_by_class_and_iou() -> None:
    truth = np.array([[1, 0, 0, 10, 10], [2, 20, 20, 30, 30], [-1, -1, -1, -1, -1]], np.float32)
    pred = np.array(
        [
            [1, 0.9, 0, 0, 10, 10],  # finds the class-1 box
            [1, 0.8, 1, 1, 10, 10],  # the same box again: a false one
            [1, 0.7, 20, 20, 30, 30],  # right place, wrong class: false
        ],
        np.float32,
    )
    found, right = overlays.match(truth, pred)
    assert found.tolist() == [True, False]
    assert right.tolist() == [True, False, False]
    # IoU of two 10×10 boxes overlapping 5×10: 50 / 150 = 1/3 < 0.5: not found.
    found, _ = overlays.match(truth[:1], np.array([[1, 0.9, 5, 0, 15, 10]], np.float32))
    assert found.tolist() == [False]
    assert np.isclose(overlays.box_iou(np.array([[0, 0, 10, 10.0]]), np.array([[5, 0, 15, 10.0]]))[0, 0], 1 / 3)


def test_boxes_below_the_threshold_are_not_drawn() -> None:
    images = np.zeros((1, 16, 16, 1), np.uint8)
    pred = np.array([[[1, 0.9, 2, 8, 8, 14], [2, 0.1, 9, 9, 15, 15]]], np.float32)
    out = overlays.draw_boxes(images, None, pred, ("background", "a", "b"), threshold=0.3, scale=4)
    assert out.shape == (1, 64, 64, 3)
    colour_a = tuple(int(overlays.class_colour(1)[i : i + 2], 16) for i in (1, 3, 5))
    colour_b = tuple(int(overlays.class_colour(2)[i : i + 2], 16) for i in (1, 3, 5))
    pixels = {tuple(px) for px in out[0].reshape(-1, 3)}
    assert colour_a in pixels and colour_b not in pixels


def test_a_scenes_preview_is_the_scene_over_its_predicted_and_true_masks() -> None:
    images = np.zeros((2, 8, 8, 1), np.uint8)
    masks = np.zeros((2, 8, 8), np.uint8)
    p = Preview(step=1, epoch=0, kind="segmentation", images=images, masks=masks, predicted_masks=masks + 1)
    shown, rows = overlays.preview_picture(p)
    assert shown.shape == (2, 8, 8, 3) and len(rows) == 2
    assert (rows[0] != rows[1]).any()  # the prediction (all class 1) is tinted, the truth (background) is not


def test_empty_and_inside_out_boxes_are_drawn_not_refused() -> None:
    """Seen with an untrained detector in the Scenes view: a box of zero width made Pillow raise."""
    images = np.zeros((1, 16, 16, 1), np.uint8)
    pred = np.array([[[1, 0.9, 5, 5, 5, 5], [1, 0.8, 9, 9, 4, 4]]], np.float32)
    truth = np.array([[[1, 3, 3, 3, 3]]], np.float32)
    out = overlays.draw_boxes(images, truth, pred, ("background", "a"), threshold=0.0, scale=4)
    assert out.shape == (1, 64, 64, 3) and out.any()
