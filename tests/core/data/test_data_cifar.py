"""CIFAR-10: the batch layout, a restricted unpickler that runs nothing, and safe tar extraction."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import tarfile
from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.data import download, download_dataset, list_datasets, load_dataset
from vision_lab.core.data.cifar import safe_extract, safe_unpickle
from vision_lab.core.data.download import RemoteFile, RemoteSource
from vision_lab.core.errors import DataError

_reconstruct = np.zeros(1).__reduce__()[0]  # numpy's own array rebuilder, wherever this numpy keeps it


def test_tiny_batches_folder_loads_with_rgb_layout(tmp_path: Path, cifar_dir) -> None:
    folder = cifar_dir(tmp_path)
    for path in (folder, tmp_path):  # the batches folder itself, or the folder containing it
        ds = load_dataset(str(path))
        assert ds.train_images.shape == (50, 32, 32, 3) and ds.val_images.shape == (10, 32, 32, 3)
        assert ds.class_names[0] == "airplane" and ds.class_names[9] == "truck"
        # Row 1, column 2 of image 3: red = 200 + label, green ~20, blue ~30 (planes R, G, B).
        pixel = ds.train_images[3, 1, 2]
        assert pixel[0] == 200 + ds.train_labels[3] and 20 <= pixel[1] <= 22 and 30 <= pixel[2] <= 32
        assert 10 <= ds.train_images[3, 5, 7, 0] <= 12
        assert ds.train_labels.tolist()[:10] == list(range(10))


def test_str_keys_work_too(tmp_path: Path, cifar_dir) -> None:
    ds = load_dataset(str(cifar_dir(tmp_path, bytes_keys=False)))
    assert ds.num_classes == 10 and len(ds.train_images) == 50


class _Py2StyleArray:
    """Pickles like an ndarray from Python 2 (the real CIFAR files): its raw bytes are a str."""

    def __init__(self, arr: np.ndarray) -> None:
        self.arr = arr

    def __reduce__(self):  # type: ignore[no-untyped-def]
        state = (1, self.arr.shape, self.arr.dtype, False, self.arr.tobytes().decode("latin1"))
        return (_reconstruct, (np.ndarray, (0,), b"b"), state)


def test_python2_style_pickles_with_numpy_core_names(tmp_path: Path) -> None:
    data = np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072)
    blob = pickle.dumps({"data": _Py2StyleArray(data), "labels": [3, 4]}, protocol=2)
    blob = blob.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")  # as numpy 1.x writes it
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in blob
    path = tmp_path / "batch"
    path.write_bytes(blob)
    loaded = safe_unpickle(path)
    np.testing.assert_array_equal(loaded["data"], data)
    assert loaded["labels"] == [3, 4]


class _Evil:
    def __init__(self, func, *args) -> None:  # type: ignore[no-untyped-def]
        self.func, self.args = func, args

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.func, self.args)


@pytest.mark.parametrize("how", ["os.system", "subprocess", "eval", "nested"])
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path: Path, cifar_dir, how: str) -> None:
    marker = tmp_path / "pwned"
    payloads = {
        "os.system": _Evil(os.system, f"touch {marker}"),
        "subprocess": _Evil(subprocess.call, ["touch", str(marker)]),
        "eval": _Evil(eval, f"open({str(marker)!r}, 'w').close()"),
        "nested": {"data": [_Evil(os.system, f"touch {marker}")], "labels": []},
    }
    folder = cifar_dir(tmp_path / "c")
    (folder / "data_batch_1").write_bytes(pickle.dumps(payloads[how], protocol=2))
    with pytest.raises(DataError, match=r"Refusing to load '.*data_batch_1'"):
        load_dataset(str(folder))
    assert not marker.exists()


def test_object_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj"
    path.write_bytes(pickle.dumps({"data": np.array([1, "x"], dtype=object)}, protocol=2))
    with pytest.raises(DataError, match="Refusing to load"):
        safe_unpickle(path)


def test_corrupt_and_wrong_batches(tmp_path: Path, cifar_dir) -> None:
    folder = cifar_dir(tmp_path)
    (folder / "test_batch").write_bytes(b"\x80\x02}q\x00(X")  # cut-off pickle
    with pytest.raises(DataError, match="test_batch"):
        load_dataset(str(folder))
    (folder / "test_batch").write_bytes(pickle.dumps({"data": np.zeros((2, 10), np.uint8)}, protocol=2))
    with pytest.raises(DataError, match="N×3072"):
        load_dataset(str(folder))


# --- tar extraction -------------------------------------------------------------------------------------


def _tar(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, body in members:
            if body is not None:
                info.size = len(body)
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
    return path


def _file(name: str, body: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), body


def _special(name: str, kind: bytes, target: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (_file("../evil"), "outside"),
        (_file("cifar-10-batches-py/../../evil"), "outside"),
        (_file("/tmp/vision-lab-test-evil-absolute"), "outside"),
        (_special("cifar-10-batches-py/link", tarfile.SYMTYPE, "/etc/passwd"), "link"),
        (_special("cifar-10-batches-py/hard", tarfile.LNKTYPE, "/etc/passwd"), "link"),
        (_special("cifar-10-batches-py/dev", tarfile.CHRTYPE), "special file"),
        (_special("cifar-10-batches-py/fifo", tarfile.FIFOTYPE), "special file"),
    ],
)
def test_unsafe_tar_members_are_refused(tmp_path: Path, member, message: str) -> None:
    tar = _tar(tmp_path / "bad.tar.gz", _file("cifar-10-batches-py/ok"), member)
    dest = tmp_path / "dest" / "inner"
    dest.mkdir(parents=True)
    with pytest.raises(DataError, match=message):
        safe_extract(tar, dest)
    assert list(dest.iterdir()) == []  # checked before extracting anything
    assert not (tmp_path / "dest" / "evil").exists() and not (tmp_path / "evil").exists()
    assert not Path("/tmp/vision-lab-test-evil-absolute").exists()


def test_safe_tar_extracts(tmp_path: Path) -> None:
    tar = _tar(tmp_path / "ok.tar.gz", _file("cifar-10-batches-py/readme.html", b"hello"))
    safe_extract(tar, tmp_path / "out")
    assert (tmp_path / "out" / "cifar-10-batches-py" / "readme.html").read_bytes() == b"hello"


def test_not_a_tar(tmp_path: Path) -> None:
    path = tmp_path / "x.tar.gz"
    path.write_bytes(b"nope")
    with pytest.raises(DataError, match="not a readable tar"):
        safe_extract(path, tmp_path / "out")


# --- end to end: download, unpack, load ------------------------------------------------------------------


def test_cifar_download_unpacks_into_the_cache(
    tmp_path: Path, cifar_dir, http_server, monkeypatch: pytest.MonkeyPatch, no_system_dirs: None
) -> None:
    folder = cifar_dir(tmp_path / "src")
    tar_path = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    md5 = http_server.add("cifar-10-python.tar.gz", tar_path.read_bytes())
    source = RemoteSource((RemoteFile("cifar-10-python.tar.gz", md5),), (http_server.url,))
    monkeypatch.setitem(download.REMOTE_SOURCES, "cifar10", source)

    cache = tmp_path / "cache"
    assert not {i.name: i for i in list_datasets(cache)}["cifar10"].available
    ds = load_dataset("cifar10", download=True, cache_dir=cache)
    assert ds.train_images.shape == (50, 32, 32, 3) and ds.name == "cifar10"
    assert "Krizhevsky" in ds.source
    assert sorted(p.name for p in (cache / "cifar10").iterdir()) == ["cifar-10-batches-py"]  # tarball removed
    assert {i.name: i for i in list_datasets(cache)}["cifar10"].available
    assert download_dataset("cifar10", cache_dir=cache) == cache / "cifar10"


def test_cifar_download_of_a_malicious_tar_leaves_nothing(
    tmp_path: Path, http_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    tar_path = _tar(tmp_path / "evil.tar.gz", _file("../../escaped"))
    md5 = http_server.add("cifar-10-python.tar.gz", tar_path.read_bytes())
    source = RemoteSource((RemoteFile("cifar-10-python.tar.gz", md5),), (http_server.url,))
    monkeypatch.setitem(download.REMOTE_SOURCES, "cifar10", source)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="outside"):
        download_dataset("cifar10", cache_dir=cache)
    assert list(cache.rglob("*")) == []
    assert not (tmp_path / "escaped").exists()
