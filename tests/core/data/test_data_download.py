"""Real downloads from a local HTTP server: md5 checks, cut-off bodies, 404s, mirrors, progress, cancel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.data import download, download_dataset, list_datasets, load_dataset
from vision_lab.core.data.download import RemoteFile, RemoteSource
from vision_lab.core.errors import DownloadCancelled, DownloadError

ORDER = ("train_images", "train_labels", "test_images", "test_labels")


@pytest.fixture
def served_kmnist(http_server, idx_set, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_system_dirs: None):
    """A tiny KMNIST served at http_server.url, registered with its real md5 sums."""
    files = idx_set(tmp_path / "generated", 40, 20)
    remote = []
    for key in ORDER:
        body = files[key].read_bytes()
        remote.append(RemoteFile(files[key].name, http_server.add(files[key].name, body)))
    source = RemoteSource(tuple(remote), (http_server.url,))
    monkeypatch.setitem(download.REMOTE_SOURCES, "kmnist", source)
    return source


def cache_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*")) if cache.exists() else []


def test_good_download_appears_in_the_cache_and_loads(tmp_path: Path, http_server, served_kmnist) -> None:
    cache = tmp_path / "cache"
    calls: list[tuple[int, int | None]] = []
    folder = download_dataset("kmnist", cache_dir=cache, progress=lambda d, t: calls.append((d, t)))
    assert folder == cache / "kmnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in served_kmnist.files)
    ds = load_dataset("kmnist", cache_dir=cache)
    assert (len(ds.train_images), len(ds.val_images)) == (40, 20)
    np.testing.assert_array_equal(ds.train_images[:, 0, 0, 0], ds.train_labels)
    assert {i.name: i for i in list_datasets(cache)}["kmnist"].available

    # Progress: cumulative bytes, never going back, ending at the exact total.
    total = sum(len(body) for body in http_server.files.values())
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == total
    assert calls[-1][1] == total

    # A second call finds everything in place and asks the server for nothing.
    http_server.requests.clear()
    assert download_dataset("kmnist", cache_dir=cache) == folder
    assert http_server.requests == []


def test_load_dataset_downloads_when_allowed(tmp_path: Path, http_server, served_kmnist) -> None:
    ds = load_dataset("kmnist", download=True, cache_dir=tmp_path)
    assert len(ds.train_images) == 40 and (tmp_path / "kmnist" / "train-images-idx3-ubyte.gz").is_file()


def test_bad_md5_leaves_nothing(tmp_path: Path, http_server, served_kmnist, monkeypatch: pytest.MonkeyPatch) -> None:
    files = list(served_kmnist.files)
    files[2] = RemoteFile(files[2].name, "0" * 32)  # the third file fails after two good ones
    monkeypatch.setitem(download.REMOTE_SOURCES, "kmnist", RemoteSource(tuple(files), served_kmnist.base_urls))
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"t10k-images-idx3-ubyte\.gz.*md5") as info:
        download_dataset("kmnist", cache_dir=cache)
    assert http_server.url in str(info.value)
    assert cache_files(cache) == []


def test_cut_off_body_leaves_nothing(tmp_path: Path, http_server, served_kmnist) -> None:
    http_server.cut_off.add("/train-labels-idx1-ubyte.gz")
    with pytest.raises(DownloadError, match="cut off"):
        download_dataset("kmnist", cache_dir=tmp_path / "cache")
    assert cache_files(tmp_path / "cache") == []


def test_404_names_the_url(tmp_path: Path, http_server, served_kmnist) -> None:
    del http_server.files["/t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(DownloadError, match="404") as info:
        download_dataset("kmnist", cache_dir=tmp_path)
    assert f"{http_server.url}t10k-labels-idx1-ubyte.gz" in str(info.value)
    assert cache_files(tmp_path / "kmnist") == []


def test_unreachable_server(tmp_path: Path, served_kmnist) -> None:
    # Port 9 (discard) on localhost: connection refused, quickly, without touching the internet.
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1:9/"):
        download_dataset("kmnist", cache_dir=tmp_path / "cache", base_urls=["http://127.0.0.1:9/"])
    assert cache_files(tmp_path / "cache") == []


def test_mirrors_are_tried_in_order(tmp_path: Path, http_server, served_kmnist) -> None:
    dead = http_server.url + "dead/"
    download_dataset("kmnist", cache_dir=tmp_path, base_urls=[dead, http_server.url])
    assert http_server.requests[:2] == ["/dead/train-images-idx3-ubyte.gz", "/train-images-idx3-ubyte.gz"]
    assert len(list((tmp_path / "kmnist").iterdir())) == 4


@pytest.mark.parametrize("cancel_after_files", [0, 2])
def test_cancel_leaves_nothing(tmp_path: Path, http_server, served_kmnist, cancel_after_files: int) -> None:
    sizes = [len(http_server.files["/" + f.name]) for f in served_kmnist.files]
    threshold = sum(sizes[:cancel_after_files])
    seen: list[int] = []

    def progress(done: int, total: int | None) -> bool:
        seen.append(done)
        return done <= threshold  # False once we are inside file number cancel_after_files + 1

    cache = tmp_path / "cache"
    with pytest.raises(DownloadCancelled, match="cancelled"):
        download_dataset("kmnist", cache_dir=cache, progress=progress)
    assert seen[-1] > threshold
    assert cache_files(cache) == []


def test_existing_good_files_are_kept_and_bad_ones_replaced(tmp_path: Path, http_server, served_kmnist) -> None:
    folder = tmp_path / "kmnist"
    folder.mkdir()
    first = served_kmnist.files[0].name
    (folder / first).write_bytes(http_server.files["/" + first])
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(b"stale")
    download_dataset("kmnist", cache_dir=tmp_path)
    assert "/" + first not in http_server.requests
    assert "/train-labels-idx1-ubyte.gz" in http_server.requests
    assert len(load_dataset("kmnist", cache_dir=tmp_path).train_labels) == 40


def test_no_part_files_survive_a_failure(tmp_path: Path, http_server, served_kmnist) -> None:
    http_server.cut_off.add("/train-images-idx3-ubyte.gz")
    folder = tmp_path / "kmnist"
    folder.mkdir()  # exists beforehand: must stay, but empty
    with pytest.raises(DownloadError):
        download_dataset("kmnist", cache_dir=tmp_path)
    assert folder.is_dir() and list(folder.iterdir()) == []
