"""Scenes (vision_lab/core/data/scenes.py): seeded, each mask pixel and box on its object, and validation scenes
made of the source's validation images only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.data import ImageDataset, load_dataset
from vision_lab.core.data.scenes import make_scenes
from vision_lab.core.errors import DataError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def _coded_source() -> ImageDataset:
    """Training objects drawn at 200, validation objects at 100: a scene tells which split its objects came from."""
    rng = np.random.default_rng(0)
    blobs = np.zeros((40, 12, 12, 1), np.uint8)
    for i in range(40):
        h, w = rng.integers(4, 12, size=2)
        blobs[i, :h, :w] = 1
    labels = np.arange(40) % 4
    return ImageDataset(
        "coded", blobs[:30] * 200, labels[:30], blobs[30:] * 100, labels[30:], ("a", "b", "c", "d"), source="test"
    )


def test_validation_scenes_are_made_of_validation_images_only() -> None:
    ds = make_scenes(_coded_source(), count=200, size=32, scale=False, seed=3)
    assert set(np.unique(ds.train_images)) <= {0, 200}
    assert set(np.unique(ds.val_images)) <= {0, 100}
    assert 100 not in ds.train_images and 200 not in ds.val_images


def test_scenes_are_seeded() -> None:
    a = load_dataset("mnist-scenes", count=50, image_size=48, seed=1)
    b = load_dataset("mnist-scenes", count=50, image_size=48, seed=1)
    c = load_dataset("mnist-scenes", count=50, image_size=48, seed=2)
    assert a.image_shape == (48, 48, 1) and len(a.train_images) == 50 and len(a.val_images) == 5
    for name in ("train_images", "train_masks", "train_boxes", "val_images", "val_masks", "val_boxes"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.train_images, c.train_images)


def test_masks_and_boxes_lie_on_their_objects() -> None:
    ds = load_dataset("mnist-scenes", count=100)
    assert ds.class_names[0] == "background" and ds.num_classes == 11
    assert ds.train_masks is not None and ds.train_boxes is not None
    on = ds.train_masks > 0
    assert (ds.train_images[..., 0][on] > 0).all()  # a class pixel is a lit pixel
    for image_mask, boxes in zip(ds.train_masks, ds.train_boxes, strict=True):
        real = boxes[boxes[:, 0] >= 0]
        assert 1 <= len(real) <= 3 and (boxes[len(real) :, 0] == -1).all()  # boxes first, padding after
        covered = np.zeros_like(image_mask, bool)
        for cls, x0, y0, x1, y1 in real:
            assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64
            covered[int(y0) : int(y1), int(x0) : int(x1)] |= image_mask[int(y0) : int(y1), int(x0) : int(x1)] == cls
        assert (covered == (image_mask > 0)).all()  # every class pixel inside a box of its class


def test_scene_names_and_their_mistakes() -> None:
    with pytest.raises(DataError, match="names no dataset to make scenes of"):
        load_dataset("scenes:")
    with pytest.raises(DataError, match="cannot hold the 28×28 images"):
        load_dataset("mnist-scenes", image_size=20)
    with pytest.raises(DataError, match="Unknown dataset 'nothing'"):
        load_dataset("scenes:nothing")


@pytest.mark.skipif(not FASHION_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_scenes_of_any_dataset() -> None:
    ds = load_dataset("scenes:fashion-mnist", count=20)
    assert ds.name == "scenes:fashion-mnist" and ds.class_names[1] == "T-shirt/top"
    assert ds.targets == ("class", "mask", "boxes")
