"""``.npz`` datasets: array layouts, value ranges, optional splits and names, and pickle refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.data import load_dataset
from vision_lab.core.errors import DataError


def labels(n: int, k: int = 3) -> np.ndarray:
    return np.arange(n) % k


def test_grey_uint8_with_holdout(tmp_path: Path) -> None:
    x = np.random.default_rng(0).integers(0, 256, (30, 6, 5), dtype=np.uint8)
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=labels(30))
    ds = load_dataset(str(path), val_fraction=0.2, seed=4)
    assert ds.name == "d.npz" and ds.train_images.shape == (24, 6, 5, 1) and ds.val_images.shape == (6, 6, 5, 1)
    assert ds.class_names == ("0", "1", "2") and ds.class_counts("val").tolist() == [2, 2, 2]
    again = load_dataset(str(path), val_fraction=0.2, seed=4)
    np.testing.assert_array_equal(ds.val_images, again.val_images)


def test_float_colour_with_val_split_and_names(tmp_path: Path) -> None:
    x = np.full((4, 3, 3, 3), 0.5, dtype=np.float32)
    x[0, 0, 0] = (1.0, 0.0, 0.25)
    path = tmp_path / "c.npz"
    np.savez_compressed(
        path, x=x, y=np.array([0, 1, 0, 1]), x_val=x[:2], y_val=np.array([1, 0]), class_names=np.array(["cat", "dog"])
    )
    ds = load_dataset(str(path))
    assert ds.class_names == ("cat", "dog") and len(ds.val_images) == 2
    assert ds.train_images[0, 0, 0].tolist() == [255, 0, 64] and ds.train_images[1, 1, 1, 0] == 128


def test_float_0_255_channels_first_and_one_hot(tmp_path: Path) -> None:
    x = np.full((4, 3, 2, 2), 200.0)  # N×C×H×W, as PyTorch stores it
    y = np.eye(2)[[0, 1, 1, 0]]
    path = tmp_path / "t.npz"
    np.savez(path, x=x, y=y)
    ds = load_dataset(str(path), val_fraction=0.0)
    assert ds.train_images.shape == (4, 2, 2, 3) and (ds.train_images == 200).all()
    assert ds.train_labels.tolist() == [0, 1, 1, 0]


def test_keras_style_names(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=np.zeros((10, 4, 4), np.uint8),
        y_train=labels(10, 10),
        x_test=np.zeros((5, 4, 4), np.uint8),
        y_test=labels(5, 10),
    )
    ds = load_dataset(str(path))
    assert (len(ds.train_images), len(ds.val_images)) == (10, 5) and ds.num_classes == 10


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((3, 4, 4))}, "needs arrays named 'x' and 'y'"),
        ({"x": np.zeros((3, 4, 4)), "y": np.zeros(2)}, "2 labels for 3 images"),
        ({"x": np.full((3, 4, 4), 300.0), "y": np.zeros(3)}, "0-1 or 0-255"),
        ({"x": np.full((3, 4, 4), -1), "y": np.zeros(3)}, "outside 0-255"),
        ({"x": np.zeros((3, 4, 4, 2)), "y": np.zeros(3)}, "1 or 3 channels"),
        ({"x": np.zeros((3, 4, 4)), "y": np.array([0, -1, 1])}, "negative"),
        ({"x": np.zeros((3, 4, 4)), "y": np.array([0, 0.5, 1])}, "whole numbers"),
        ({"x": np.zeros((3, 4, 4)), "y": np.zeros(3), "x_val": np.zeros((1, 4, 4))}, "only one of"),
        ({"x": np.zeros((3, 4, 4)), "y": np.array([0, 1, 2]), "class_names": np.array(["a"])}, "class names"),
        ({"x": np.zeros((3, 4, 4)), "y": np.zeros(3), "class_names": np.array([1, 2])}, "strings"),
    ],
)
def test_bad_contents(tmp_path: Path, arrays: dict, message: str) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_dataset(str(path))


def test_pickled_object_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npz"
    np.savez(path, x=np.array([np.zeros((2, 2)), "evil"], dtype=object), y=np.zeros(2))
    with pytest.raises(DataError, match="pickle"):
        load_dataset(str(path))


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "junk.npz"
    path.write_bytes(b"definitely not a zip file")
    with pytest.raises(DataError, match=r"not a readable \.npz"):
        load_dataset(str(path))
