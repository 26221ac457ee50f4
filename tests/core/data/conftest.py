"""Fixtures for the dataset tests: tiny IDX sets, tiny CIFAR batches and a real local HTTP server."""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.data import mnist_family
from vision_lab.core.data.idx import write_idx

IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def tiny_digits(n: int, seed: int, size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images whose label is written into pixel [0, 0], labels cycling 0-9."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 10).astype(np.uint8)
    images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
    images[:, 0, 0] = labels
    return images, labels


@pytest.fixture
def idx_set() -> Callable[..., dict[str, Path]]:
    """Write a tiny MNIST-format set (gzipped) into a folder; returns the four paths."""

    def make(folder: Path, n_train: int = 40, n_test: int = 20, *, with_test: bool = True) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        x, y = tiny_digits(n_train, seed=1)
        out = {
            "train_images": write_idx(folder / IDX_NAMES["train_images"], x),
            "train_labels": write_idx(folder / IDX_NAMES["train_labels"], y),
        }
        if with_test:
            tx, ty = tiny_digits(n_test, seed=2)
            out["test_images"] = write_idx(folder / IDX_NAMES["test_images"], tx)
            out["test_labels"] = write_idx(folder / IDX_NAMES["test_labels"], ty)
        return out

    return make


@pytest.fixture
def no_system_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the test independent of datasets a distribution may have installed under /usr/share."""
    monkeypatch.setattr(mnist_family, "SYSTEM_DIRS", ())


# --- CIFAR ---------------------------------------------------------------------------------------------

CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def cifar_batch(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """N×3072 rows: plane R filled with 10, G with 20, B with 30 plus noise; pixel (1, 2) of R = 200 + label."""
    rng = np.random.default_rng(seed)
    labels = [int(v) for v in np.arange(n) % 10]
    planes = np.empty((n, 3, 32, 32), dtype=np.uint8)
    for c, base in enumerate((10, 20, 30)):
        planes[:, c] = base + rng.integers(0, 3, (n, 32, 32), dtype=np.uint8)
    planes[:, 0, 1, 2] = 200 + np.asarray(labels, dtype=np.uint8)
    return planes.reshape(n, 3072), labels


@pytest.fixture
def cifar_dir() -> Callable[..., Path]:
    """Write a tiny ``cifar-10-batches-py`` folder pickled with protocol 2, like the real files."""

    def make(parent: Path, n: int = 10, *, bytes_keys: bool = True) -> Path:
        folder = parent / "cifar-10-batches-py"
        folder.mkdir(parents=True)

        def key(k: str) -> str | bytes:
            return k.encode() if bytes_keys else k

        for i, name in enumerate([*(f"data_batch_{j}" for j in range(1, 6)), "test_batch"]):
            data, labels = cifar_batch(n, seed=i)
            batch = {key("batch_label"): key(name), key("labels"): labels, key("data"): data}
            (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        meta = {key("label_names"): [key(c) for c in CIFAR_CLASSES], key("num_vis"): 3072}
        (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
        return folder

    return make


# --- a real HTTP server on 127.0.0.1 --------------------------------------------------------------------


@dataclass
class FileServer:
    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    #: Paths answered with a Content-Length of the full body but only half of it, then a closed connection.
    cut_off: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)

    def add(self, name: str, body: bytes) -> str:
        """Serve ``body`` at ``/name``; returns its md5."""
        self.files["/" + name] = body
        return hashlib.md5(body).hexdigest()


@pytest.fixture
def http_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FileServer]:
    monkeypatch.setenv("no_proxy", "*")  # a proxy configured for the machine must not see 127.0.0.1
    monkeypatch.setenv("NO_PROXY", "*")
    state: FileServer | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            assert state is not None
            state.requests.append(self.path)
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if self.path in state.cut_off else body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state = FileServer(url=f"http://127.0.0.1:{server.server_address[1]}/")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
