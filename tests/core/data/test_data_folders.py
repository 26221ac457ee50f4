"""Image folders: one sub-folder per class, every Pillow mode, unreadable files skipped and counted."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vision_lab.core.data import load_dataset
from vision_lab.core.errors import DataError


def save(img: Image.Image, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def mixed_folder(root: Path) -> Path:
    """Class 'a': L, RGB and RGBA; class 'b': P and 16-bit grey; plus a text file and a corrupt PNG."""
    save(Image.new("L", (20, 20), 100), root / "a" / "grey.png")
    save(Image.new("RGB", (24, 30), (250, 10, 10)), root / "a" / "red.jpg")  # odd size: gets resized
    rgba = Image.new("RGBA", (20, 20), (0, 255, 0, 255))
    rgba.putpixel((3, 4), (255, 255, 255, 0))  # fully transparent white -> black after compositing
    save(rgba, root / "a" / "nested" / "alpha.png")
    pal = Image.new("P", (20, 20), 1)
    pal.putpalette([0, 0, 0, 10, 20, 250] + [0] * 762)
    save(pal, root / "b" / "palette.png")
    sixteen = Image.fromarray(np.full((20, 20), 65535, dtype=np.uint16))
    assert sixteen.mode.startswith("I;16")
    save(sixteen, root / "b" / "sixteen.png")
    (root / "b" / "notes.txt").write_text("not an image")
    (root / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    (root / "b" / ".hidden.png").write_bytes(b"ignored entirely")
    return root


def test_mixed_sizes_and_modes(tmp_path: Path) -> None:
    ds = load_dataset(str(mixed_folder(tmp_path / "pics")), val_fraction=0.0)
    assert ds.name == "pics" and ds.class_names == ("a", "b")
    assert ds.train_images.shape == (5, 20, 20, 3)  # most common size; colour because of red/green/palette
    assert ds.train_labels.tolist() == [0, 0, 0, 1, 1]
    # Files in order: a/grey.png, a/nested/alpha.png, a/red.jpg, b/palette.png, b/sixteen.png
    grey, alpha, red, pal, sixteen = ds.train_images.astype(int)
    assert (grey == 100).all()
    assert alpha[4, 3].tolist() == [0, 0, 0] and alpha[0, 0].tolist() == [0, 255, 0]
    assert red[10, 10, 0] > 200 and red[10, 10, 1] < 60
    assert pal[5, 5].tolist() == [10, 20, 250]
    assert (sixteen == 255).all()
    assert "skipped 2 unreadable files" in " ".join(ds.notes)


def test_forced_size_and_grey(tmp_path: Path) -> None:
    ds = load_dataset(str(mixed_folder(tmp_path / "pics")), image_size=16, channels=1, val_fraction=0.0)
    assert ds.train_images.shape == (5, 16, 16, 1)
    assert ds.train_images[0, 8, 8, 0] == 100
    assert 60 < ds.train_images[2, 8, 8, 0] < 90  # pure-ish red -> luma about 0.3 * 250


def test_grey_images_stay_one_channel(tmp_path: Path) -> None:
    for cls in ("x", "y"):
        for i in range(3):
            save(Image.new("RGB", (8, 8), (i * 40,) * 3), tmp_path / cls / f"{i}.png")  # RGB files, grey content
    ds = load_dataset(str(tmp_path), val_fraction=0.34)
    assert ds.channels == 1 and (len(ds.train_images), len(ds.val_images)) == (4, 2)


def test_more_modes(tmp_path: Path) -> None:
    save(Image.new("LA", (8, 8), (200, 255)), tmp_path / "m" / "la.png")
    save(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), tmp_path / "m" / "cmyk.jpg")
    save(Image.new("1", (8, 8), 1), tmp_path / "m" / "bilevel.png")
    save(Image.fromarray(np.full((8, 8), 1000, dtype=np.int32)), tmp_path / "m" / "int32.tif")
    save(Image.fromarray(np.full((8, 8), 0.5, dtype=np.float32)), tmp_path / "m" / "float.tif")
    ds = load_dataset(str(tmp_path), val_fraction=0.0)
    assert len(ds.train_images) == 5 and ds.channels == 3
    bilevel, cmyk, fl, i32, la = ds.train_images.astype(int)
    assert (bilevel == 255).all() and (la == 200).all() and abs(fl[0, 0, 0] - 128) <= 1
    assert cmyk[4, 4, 0] > 200 and cmyk[4, 4, 2] < 60
    assert i32[0, 0, 0] == round(1000 * 255 / 65535)


def test_train_and_val_folders(tmp_path: Path) -> None:
    for split, n in (("train", 3), ("val", 2)):
        for cls in ("cat", "dog"):
            for i in range(n):
                save(Image.new("RGB", (10, 10), (200, 100, i)), tmp_path / split / cls / f"{i}.png")
    ds = load_dataset(str(tmp_path))
    assert ds.class_names == ("cat", "dog")
    assert (len(ds.train_images), len(ds.val_images)) == (6, 4)
    assert ds.val_labels.tolist() == [0, 0, 1, 1]


def test_val_class_without_training_folder(tmp_path: Path) -> None:
    save(Image.new("L", (4, 4)), tmp_path / "train" / "cat" / "0.png")
    save(Image.new("L", (4, 4)), tmp_path / "val" / "cow" / "0.png")
    with pytest.raises(DataError, match=r"cow.*no matching training folder"):
        load_dataset(str(tmp_path))


def test_big_images_are_capped(tmp_path: Path) -> None:
    save(Image.new("L", (600, 300), 9), tmp_path / "c" / "big.png")
    ds = load_dataset(str(tmp_path), val_fraction=0.0)
    assert ds.image_shape == (64, 128, 1)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no class sub-folders"):
        load_dataset(str(tmp_path))


def test_loose_images_without_class_folders(tmp_path: Path) -> None:
    save(Image.new("L", (4, 4)), tmp_path / "0.png")
    with pytest.raises(DataError, match="no class sub-folders"):
        load_dataset(str(tmp_path))


def test_empty_class_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(DataError, match="all empty"):
        load_dataset(str(tmp_path))


def test_only_non_images(tmp_path: Path) -> None:
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "readme.md").write_text("# hi")
    (tmp_path / "a" / "fake.jpg").write_bytes(b"\xff\xd8\xff not really")
    with pytest.raises(DataError, match=r"No readable images .*3 files"):
        load_dataset(str(tmp_path))


def test_class_folder_without_readable_images_is_dropped(tmp_path: Path) -> None:
    save(Image.new("L", (4, 4)), tmp_path / "a" / "0.png")
    save(Image.new("L", (4, 4)), tmp_path / "a" / "1.png")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_text("x")
    save(Image.new("L", (4, 4)), tmp_path / "c" / "0.png")
    save(Image.new("L", (4, 4)), tmp_path / "c" / "1.png")
    ds = load_dataset(str(tmp_path))
    assert ds.class_names == ("a", "c")
    assert set(ds.train_labels.tolist() + ds.val_labels.tolist()) == {0, 1}
    assert any("without readable images: b" in n for n in ds.notes)


_MODES = st.sampled_from(["L", "RGB", "RGBA", "P", "I;16", "LA", "1"])


@st.composite
def image_folders(draw: st.DrawFn) -> dict[str, list[tuple[str, int, int, int]]]:
    n_classes = draw(st.integers(1, 3))
    return {
        f"class{c}": draw(
            st.lists(
                st.tuples(_MODES, st.integers(1, 12), st.integers(1, 12), st.integers(0, 255)), min_size=1, max_size=4
            )
        )
        for c in range(n_classes)
    }


def _make(mode: str, w: int, h: int, value: int) -> Image.Image:
    if mode == "I;16":
        return Image.fromarray(np.full((h, w), value * 257, dtype=np.uint16))
    if mode == "P":
        img = Image.new("P", (w, h), value)
        img.putpalette([v for v in range(256) for _ in range(3)])  # a grey palette
        return img
    if mode == "1":
        return Image.new("1", (w, h), value & 1)
    return Image.new(mode, (w, h), tuple([value] * len(mode)) if len(mode) > 1 else value)


@settings(max_examples=25, deadline=None)
@given(spec=image_folders(), size=st.none() | st.integers(4, 20), channels=st.sampled_from([None, 1, 3]))
def test_random_image_folders(spec: dict, size: int | None, channels: int | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for cls, images in spec.items():
            for i, (mode, w, h, value) in enumerate(images):
                save(_make(mode, w, h, value), root / cls / f"{i}.png")
        ds = load_dataset(str(root), image_size=size, channels=channels, val_fraction=0.2, seed=1)
    total = sum(len(v) for v in spec.values())
    assert len(ds.train_images) + len(ds.val_images) == total
    assert ds.class_names == tuple(sorted(spec))
    if size is not None:
        assert ds.image_shape[:2] == (size, size)
    if channels is not None:
        assert ds.channels == channels
    else:
        assert ds.channels == 1  # every generated image is grey, whatever its mode
    counts = ds.class_counts("train") + ds.class_counts("val")
    assert counts.tolist() == [len(spec[c]) for c in sorted(spec)]
