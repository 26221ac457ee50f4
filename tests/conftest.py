"""Shared test set-up: headless Qt, and per-session user folders so tests never touch the real ones."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Headless Qt for every test; the app itself never sets this.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_report_header(config: pytest.Config) -> str:
    """The versions this run tested, on the first lines of every log (the README quotes the last green CI's)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("torch", "PySide6-Essentials", "pyqtgraph", "numpy", "Pillow", "pytest-qt", "hypothesis"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return "vision-lab tested with: " + ", ".join(found)


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("vision-lab-home")
    os.environ["VISION_LAB_HOME"] = str(home / "data")
    # The cache is shared across tests on purpose: a GAN judge trained once is reused.
    os.environ["VISION_LAB_CACHE"] = str(home / "cache")


@pytest.fixture(scope="session")
def mnist5k():
    from vision_lab.core.data import load_dataset

    return load_dataset("mnist-5k")


REPO = Path(__file__).resolve().parent.parent


class SlowFiles(BaseHTTPRequestHandler):
    """Serves ``server.files`` 16 KB at a time, ``server.delay`` s apart: slow enough to kill or close mid-way."""

    def do_GET(self) -> None:
        body = self.server.files.get(self.path)  # type: ignore[attr-defined]
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        delay = self.server.delay  # type: ignore[attr-defined]
        try:
            for i in range(0, len(body), 16384):
                self.wfile.write(body[i : i + 16384])
                self.wfile.flush()
                if delay:
                    time.sleep(delay)  # the server's pace, not the test waiting for something
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    """A local HTTP server for download faults: put bodies in ``server.files``; ``server.delay`` sets the pace."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowFiles)
    server.files = {}  # type: ignore[attr-defined]
    server.delay = 0.02  # type: ignore[attr-defined]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
