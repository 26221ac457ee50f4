"""Segmentation folders: VOC's JPEGImages/ + SegmentationClass/ or images/ + masks/, checked pixel for pixel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.core.data import load_dataset
from vision_lab.core.errors import DataError

VOC_PALETTE = [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0] + [0] * (256 - 4) * 3
VOC_PALETTE[255 * 3 : 256 * 3] = [224, 224, 192]  # VOC's void colour


def mask_of(i: int, size_wh: tuple[int, int] = (12, 8)) -> np.ndarray:
    """Image i's classes: a block of class 1 + i % 2 and, for odd i, a smaller one of class 3; a void outline."""
    w, h = size_wh
    m = np.zeros((h, w), np.uint8)
    m[1:5, 1:7] = 1 + i % 2
    if i % 2:
        m[6:8, 9:11] = 3
    m[0, :] = 255
    return m


def write_voc(root: Path, n: int = 6, *, lists: bool = False, extra: int = 1, grey: bool = False) -> Path:
    """A VOC-style folder: colour JPEG images, palette PNG masks (``grey``: L masks under images/ + masks/)."""
    images, masks = (root / "images", root / "masks") if grey else (root / "JPEGImages", root / "SegmentationClass")
    images.mkdir(parents=True)
    masks.mkdir()
    for i in range(n + extra):  # the extra images have no mask, as most of VOC's JPEGImages
        Image.new("RGB", (12, 8), (20 * i, 100, 200)).save(images / f"2007_{i:06d}.{'png' if grey else 'jpg'}")
    for i in range(n):
        mask = Image.fromarray(mask_of(i), "L" if grey else "P")
        if not grey:
            mask.putpalette(VOC_PALETTE)
        mask.save(masks / f"2007_{i:06d}.png")
    if lists:
        sets = root / "ImageSets" / "Segmentation"
        sets.mkdir(parents=True)
        (sets / "train.txt").write_text("".join(f"2007_{i:06d}\n" for i in range(n - 2)))
        (sets / "val.txt").write_text("".join(f"2007_{i:06d}\n" for i in range(n - 2, n)))
    return root


def voc_mask(i: int) -> np.ndarray:
    return np.where(mask_of(i) == 255, 0, mask_of(i))


def test_voc_palette_masks_hold_out(tmp_path: Path) -> None:
    ds = load_dataset(str(write_voc(tmp_path / "voc")), val_fraction=0.34, seed=3)
    assert ds.targets == ("class", "mask")
    assert ds.class_names == ("background", "1", "2", "3")  # no classes file: the largest value seen
    assert ds.train_images.shape == (4, 8, 12, 3) and ds.val_images.shape == (2, 8, 12, 3)
    assert ds.train_masks.shape == (4, 8, 12) and ds.train_masks.dtype == np.uint8
    # Each mask is its image's: the block class says which (1 for even, 2 for odd image numbers).
    every = np.concatenate([ds.train_masks, ds.val_masks])
    assert sorted(every[:, 2, 2].tolist()) == [1, 1, 1, 2, 2, 2]
    for m in every:
        i = 0 if m[2, 2] == 1 else 1
        assert np.array_equal(m, voc_mask(i))
    # The class of an image is its largest object's.
    assert np.array_equal(np.concatenate([ds.train_labels, ds.val_labels]), every[:, 2, 2])
    notes = " ".join(ds.notes)
    assert "left out 1 without one" in notes
    assert "72 pixels marked 255" in notes  # 6 masks × a 12-pixel void line
    assert "seeded random 34% hold-out (seed 3)" in notes
    again = load_dataset(str(tmp_path / "voc"), val_fraction=0.34, seed=3)
    assert np.array_equal(again.val_masks, ds.val_masks)


def test_voc_image_sets_and_classes_file(tmp_path: Path) -> None:
    root = write_voc(tmp_path / "voc", lists=True)
    (root / "classes.txt").write_text("background\naeroplane\nbicycle\nbird\nboat\n")
    ds = load_dataset(str(root), val_fraction=0.5)
    assert ds.class_names == ("background", "aeroplane", "bicycle", "bird", "boat")
    assert (len(ds.train_images), len(ds.val_images)) == (4, 2)
    assert np.array_equal(ds.val_masks[0], voc_mask(4)) and np.array_equal(ds.val_masks[1], voc_mask(5))
    assert "val.txt" in " ".join(ds.notes)


def test_grey_masks_resized_nearest_and_channels(tmp_path: Path) -> None:
    ds = load_dataset(str(write_voc(tmp_path / "own", grey=True)), image_size=24, channels=1, val_fraction=0)
    assert ds.train_images.shape == (6, 24, 24, 1) and len(ds.val_images) == 0
    assert set(np.unique(ds.train_masks)) == {0, 1, 2, 3}  # nearest: no in-between classes
    big = np.asarray(Image.fromarray(voc_mask(1)).resize((24, 24), Image.Resampling.NEAREST))
    assert np.array_equal(ds.train_masks[1], big)


def test_train_val_sub_folders(tmp_path: Path) -> None:
    for split, count in (("train", 3), ("val", 2)):
        write_voc(tmp_path / "tmp" / split, n=count, extra=0, grey=True)
        for kind in ("images", "masks"):
            (tmp_path / "own" / kind).mkdir(parents=True, exist_ok=True)
            (tmp_path / "tmp" / split / kind).rename(tmp_path / "own" / kind / split)
    ds = load_dataset(str(tmp_path / "own"), val_fraction=0.5)
    assert (len(ds.train_masks), len(ds.val_masks)) == (3, 2)


# --- bad files: one sentence each, naming the file ------------------------------------------------------------


def one_sentence(root: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_dataset(str(root))
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message
    return message


def test_mask_size_differs_from_image(tmp_path: Path) -> None:
    root = write_voc(tmp_path / "voc", grey=True)
    Image.fromarray(np.zeros((8, 10), np.uint8)).save(root / "masks" / "2007_000002.png")
    message = one_sentence(root)
    assert "2007_000002.png" in message and "10×8" in message and "12×8" in message


def test_mask_class_beyond_the_names(tmp_path: Path) -> None:
    root = write_voc(tmp_path / "voc")
    (root / "classes.txt").write_text("background\ncat\ndog\n")  # masks use class 3
    message = one_sentence(root)
    assert "2007_000001.png" in message and "class 3" in message and "classes.txt" in message


def test_mask_without_its_image(tmp_path: Path) -> None:
    root = write_voc(tmp_path / "voc", extra=0)
    (root / "JPEGImages" / "2007_000003.jpg").unlink()
    message = one_sentence(root)
    assert "2007_000003.png" in message and "no image of the same name" in message


def test_unreadable_image_and_mask(tmp_path: Path) -> None:
    root = write_voc(tmp_path / "voc", grey=True)
    (root / "masks" / "2007_000004.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"broken" * 8)
    assert "2007_000004.png" in one_sentence(root)
    root = write_voc(tmp_path / "voc2", grey=True)
    (root / "images" / "2007_000001.png").write_bytes(b"not a picture")
    assert "2007_000001.png" in one_sentence(root)


def test_colour_mask_and_a_listed_name_without_mask(tmp_path: Path) -> None:
    root = write_voc(tmp_path / "voc", grey=True)
    Image.new("RGB", (12, 8), (128, 0, 0)).save(root / "masks" / "2007_000000.png")
    assert "colour picture" in one_sentence(root)
    root = write_voc(tmp_path / "voc2", lists=True)
    (root / "ImageSets" / "Segmentation" / "val.txt").write_text("2007_000004\n2007_000099\n")
    message = one_sentence(root)
    assert "Line 2" in message and "2007_000099" in message
