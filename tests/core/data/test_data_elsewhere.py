"""Issue 17: dataset files a user did not make. No code runs, nothing decodes without bound, every label and class
count is checked, and each refusal is one sentence that names the real problem."""

from __future__ import annotations

import gzip
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.core.data import load_dataset
from vision_lab.core.data.base import MAX_CLASSES
from vision_lab.core.data.idx import write_idx
from vision_lab.core.errors import DataError, LoadCancelled
from vision_lab.core.images import MAX_IMAGE_PIXELS


def png_folder(root: Path, classes: tuple[str, ...] = ("a", "b"), n: int = 3, size: int = 12) -> Path:
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(root / c / f"{i}.png")
    return root


# --- 1. Pillow opens only the formats we read: PostScript never reaches Ghostscript ---------------------------------


def test_postscript_named_png_never_runs_ghostscript(tmp_path: Path, fake_ghostscript: Path, postscript: bytes) -> None:
    log = fake_ghostscript
    folder = png_folder(tmp_path / "pics")
    (folder / "a" / "evil.png").write_bytes(postscript)
    (folder / "b" / "evil.eps").write_bytes(postscript)
    ds = load_dataset(str(folder), val_fraction=0.0)
    assert not log.exists(), log.read_text()
    assert len(ds.train_images) == 6
    note = next(n for n in ds.notes if n.startswith("skipped"))
    assert "skipped 2 unreadable files" in note and "evil" in note and "not a PNG, JPEG, BMP, GIF, TIFF or WebP" in note


# --- 2. Labels and class counts are bounded, and named for what they are -------------------------------------------


def npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


@pytest.mark.timeout(20, method="signal")
@pytest.mark.parametrize(
    ("labels", "fragments"),
    [
        (np.array([0, 1, 10**9]), ("label 1,000,000,000", f"at most {MAX_CLASSES:,} classes")),
        (np.array([0, 2**62], dtype=np.int64), ("label 4,611,686,018,427,387,904", "at most")),
        (np.array([0.0, 1e300]), ("label 1e+300", "at most")),
        (np.array([0, np.iinfo(np.uint64).max], dtype=np.uint64), ("label 18,446,744,073,709,551,615", "at most")),
        (np.array([0, -3]), ("negative label -3",)),
    ],
    ids=["1e9", "2^62", "1e300 as float", "uint64 max", "negative"],
)
def test_huge_labels_are_refused_at_once_and_named(tmp_path: Path, labels: np.ndarray, fragments: tuple) -> None:
    path = npz(tmp_path / "d.npz", x=np.zeros((len(labels), 4, 4), np.uint8), y=labels)
    with pytest.raises(DataError) as err:
        load_dataset(str(path))
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    if "negative" not in fragments[0]:
        assert "negative" not in message


@pytest.mark.timeout(20, method="signal")
def test_huge_label_in_an_int32_idx_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "idx"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((3, 8, 8), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte", np.array([0, 1, 10**9], dtype=np.int32))
    with pytest.raises(DataError, match=r"label 1,000,000,000.*at most 10,000 classes"):
        load_dataset(str(folder))


@pytest.mark.timeout(20, method="signal")
def test_too_many_class_names_are_refused_not_called_out_of_memory(tmp_path: Path) -> None:
    names = np.array([f"c{i}" for i in range(200_000)])
    path = npz(tmp_path / "d.npz", x=np.zeros((2, 4, 4), np.uint8), y=np.array([0, 1]), class_names=names)
    with pytest.raises(DataError, match=r"200,000 class names.*at most 10,000"):
        load_dataset(str(path))


def cifar(folder: Path, labels: list, names: list | None = None) -> Path:
    folder.mkdir(parents=True)
    data = np.zeros((len(labels), 3072), np.uint8)
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        (folder / name).write_bytes(pickle.dumps({b"data": data, b"labels": labels}, protocol=2))
    meta = {b"label_names": [f"c{i}".encode() for i in range(10)] if names is None else names}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def test_cifar_labels_that_are_not_whole_numbers_are_refused(tmp_path: Path) -> None:
    folder = cifar(tmp_path / "c", [0, 1.5, 2])
    with pytest.raises(DataError, match=r"data_batch_1' has labels that are not whole numbers \(e\.g\. 1\.5\)"):
        load_dataset(str(folder))


def test_cifar_with_too_many_class_names_is_refused(tmp_path: Path) -> None:
    folder = cifar(tmp_path / "c", [0, 1, 2], names=[f"c{i}".encode() for i in range(200_000)])
    with pytest.raises(DataError, match=r"200,000 class names.*at most 10,000"):
        load_dataset(str(folder))


def test_image_folder_with_more_class_folders_than_allowed_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vision_lab.core.data import base

    monkeypatch.setattr(base, "MAX_CLASSES", 3)  # 10,001 folders of images would cost the suite seconds
    folder = png_folder(tmp_path / "pics", classes=("a", "b", "c", "d"), n=1)
    with pytest.raises(DataError, match=r"'.*pics' has 4 class sub-folders, but Vision Lab supports at most 3"):
        load_dataset(str(folder))


# --- 4. Decompression bombs: refused from the header, before any pixel is decoded -----------------------------------


def test_image_over_the_pixel_bound_is_skipped_before_decoding_and_named(tmp_path: Path, big_png) -> None:
    folder = png_folder(tmp_path / "pics")
    side = int(MAX_IMAGE_PIXELS**0.5) + 100
    bomb = big_png(folder / "b" / "bomb.png", side, side)
    assert bomb.stat().st_size < 2_000_000  # a small file...
    ds = load_dataset(str(folder), val_fraction=0.0)
    assert len(ds.train_images) == 6  # ...skipped, not decoded into the set
    note = next(n for n in ds.notes if n.startswith("skipped"))
    assert "bomb.png" in note and f"{side}×{side} pixels" in note and "megapixels" in note


def test_a_folder_of_nothing_but_a_bomb_is_one_sentence_naming_it(tmp_path: Path, big_png) -> None:
    for c in ("a", "b"):
        (tmp_path / "pics" / c).mkdir(parents=True)
        big_png(tmp_path / "pics" / c / "bomb.png", 9000, 9000)
    with pytest.raises(DataError) as err:
        load_dataset(str(tmp_path / "pics"))
    message = str(err.value)
    assert "No readable images" in message and "bomb.png" in message and "9000×9000" in message
    assert "\n" not in message


def test_pillows_own_bomb_limit_is_not_what_saves_us(tmp_path: Path) -> None:
    """Our bound is below Pillow's warning threshold, so no image we decode ever relies on a silenced warning."""
    assert MAX_IMAGE_PIXELS < Image.MAX_IMAGE_PIXELS


# --- 7. Silently wrong: the meaning a user expects, or a sentence ----------------------------------------------------


def test_train_folder_without_val_uses_train_as_the_class_root(tmp_path: Path) -> None:
    png_folder(tmp_path / "pics" / "train", n=4)
    ds = load_dataset(str(tmp_path / "pics"), val_fraction=0.25)
    assert ds.class_names == ("a", "b")  # not one class called "train"
    assert len(ds.train_images) + len(ds.val_images) == 8
    assert any("hold-out" in n for n in ds.notes)


def test_a_run_folder_inside_an_image_folder_is_not_a_class(tmp_path: Path) -> None:
    folder = png_folder(tmp_path / "pics")
    run = folder / "run1"
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.json").write_text("{}")
    Image.new("L", (12, 12)).save(run / "preview-predictions.png")
    ds = load_dataset(str(folder))
    assert ds.class_names == ("a", "b")
    assert any("run1" in n and "run folder" in n for n in ds.notes)


def test_scanning_a_huge_tree_is_bounded_reported_and_cancellable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vision_lab.core.data import folders

    monkeypatch.setattr(folders, "MAX_FOLDER_FILES", 40)  # `--dataset /` has hundreds of thousands
    monkeypatch.setattr(folders, "PROGRESS_EVERY", 5)
    folder = png_folder(tmp_path / "pics", n=25)
    seen: list[tuple[int, int | None]] = []
    with pytest.raises(DataError, match=r"more than 40 files.*choose the folder whose sub-folders are the classes"):
        load_dataset(str(folder), scan_progress=lambda done, total: seen.append((done, total)) or True)
    assert seen and seen[-1][0] >= 40 - 5
    monkeypatch.setattr(folders, "MAX_FOLDER_FILES", 1000)
    with pytest.raises(LoadCancelled, match="cancelled"):
        load_dataset(str(folder), scan_progress=lambda done, total: done < 10)


def test_progress_reaches_the_images_as_they_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vision_lab.core.data import folders

    monkeypatch.setattr(folders, "PROGRESS_EVERY", 2)
    folder = png_folder(tmp_path / "pics", n=5)
    seen: list[tuple[int, int | None]] = []
    load_dataset(str(folder), scan_progress=lambda done, total: seen.append((done, total)) or True)
    assert (10, 10) in seen  # the decoding phase counts images of a known total


# --- 8. Messages that name the real problem -------------------------------------------------------------------------


@pytest.mark.timeout(20, method="signal")
def test_npz_whose_header_claims_100_terabytes_is_refused_not_out_of_memory(tmp_path: Path) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (10**14,)})
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", header.getvalue() + bytes(100))
        buf = io.BytesIO()
        np.save(buf, np.zeros(1))
        zf.writestr("y.npy", buf.getvalue())
    with pytest.raises(DataError, match=r"'x' in '.*liar\.npz' declares 100,000,000,000,000 bytes .* holds only"):
        load_dataset(str(path))


def test_gz_idx_holding_more_than_memory_allows_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vision_lab.core.data import idx

    monkeypatch.setattr(idx, "available_memory", lambda: 50 << 20)  # this machine, as if it had 50 MB free
    folder = tmp_path / "idx"
    folder.mkdir()
    n = 100_000
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as fh:
        fh.write(bytes([0, 0, 8, 3]) + struct.pack(">3I", n, 28, 28))
        for _ in range(n // 1000):
            fh.write(bytes(1000 * 28 * 28))
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(n, np.uint8))
    with pytest.raises(DataError, match=r"holds 74.8 MB once decompressed, more than the 50 MB of memory free"):
        load_dataset(str(folder))


def test_cifar_folder_without_its_meta_file_says_so(tmp_path: Path) -> None:
    folder = cifar(tmp_path / "c", [0, 1, 2])
    (folder / "batches.meta").unlink()
    with pytest.raises(DataError, match=r"looks like a CIFAR-10 folder but has no batches\.meta"):
        load_dataset(str(folder))


def test_nul_and_newline_in_a_dataset_name_are_escaped(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        load_dataset("evil\x00name\nnext")
    message = str(err.value)
    assert "\x00" not in message and "\n" not in message and "evil\\x00name\\nnext" in message


def test_every_dataset_checks_its_labels_against_its_class_names() -> None:
    """The last guard, for data handed over in memory (the window passes its loaded dataset to a run)."""
    from vision_lab.core.data.base import ImageDataset

    x = np.zeros((3, 4, 4, 1), np.uint8)
    with pytest.raises(DataError, match=r"validation has label 5 but only 2 class names"):
        ImageDataset("d", x, np.array([0, 1, 1]), x, np.array([0, 5, 1]), ("a", "b"), "test")
