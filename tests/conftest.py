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


@pytest.fixture(autouse=True)
def _core_language_restored() -> Iterator[None]:
    """The CLI's main() sets the core's language from the environment: one test's language never leaks into the next."""
    from vision_lab.core import i18n

    before = i18n.language()
    yield
    i18n.set_language(before)


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


# --- files from elsewhere (issue 17) -----------------------------------------------------------------------------


@pytest.fixture
def postscript() -> bytes:
    """A PostScript picture: Pillow would hand it to Ghostscript, whatever the file is called."""
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\nnewpath 0 0 moveto 28 28 lineto stroke\nshowpage\n"


@pytest.fixture
def fake_ghostscript(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``gs`` first on PATH that logs every call (and claims a version, so Pillow would go on to render with it);
    returns the log, which must stay absent. Pillow's cached answer to "is there a gs?" is reset for the test."""
    from PIL import EpsImagePlugin

    folder = tmp_path / "fake-bin"
    folder.mkdir()
    log = tmp_path / "gs-calls.log"
    gs = folder / "gs"
    gs.write_text(f'#!/bin/sh\necho "gs $*" >> "{log}"\n[ "$1" = "--version" ] && echo 10.02.1 && exit 0\nexit 1\n')
    gs.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", None)
    return log


def write_big_png(path: Path, width: int, height: int) -> Path:
    """A valid 8-bit grey PNG of ``width``×``height`` black pixels, compressed row by row: a decompression bomb of a
    few hundred KB (9000×9000 is 81 megapixels)."""
    import struct
    import zlib

    comp = zlib.compressobj(1)
    row = bytes(width + 1)  # filter byte 0, then the pixels
    data = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def big_png():  # type: ignore[no-untyped-def]
    return write_big_png
