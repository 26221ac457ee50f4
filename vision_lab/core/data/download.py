"""Downloads with md5 checks, mirrors, progress, cancellation and all-or-nothing writes.

Every file is streamed into a temporary file beside its destination and moved into place with
``os.replace`` only after its md5 matched, so a cut-off, corrupt or cancelled download never leaves a
file that looks complete. A call either completes the whole set or leaves the cache as it found it.
A process killed mid-download (SIGKILL, power cut) cannot clean up: its temp file carries its process id,
and the next download into that folder removes the temp files of processes that no longer exist.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vision_lab import __version__
from vision_lab.core.data.base import ProgressFn
from vision_lab.core.errors import DownloadCancelled, DownloadError
from vision_lab.core.i18n import t

TIMEOUT_S = 30.0
_CHUNK = 1 << 16
_USER_AGENT = f"vision-lab/{__version__} (+python urllib)"


@dataclass(frozen=True)
class RemoteFile:
    name: str
    md5: str
    #: Upstream size in bytes, only so a progress bar can show a total before the server says.
    size: int | None = None


@dataclass(frozen=True)
class RemoteSource:
    files: tuple[RemoteFile, ...]
    #: Tried in order; each must end with "/".
    base_urls: tuple[str, ...]


def _mnist_files(md5s: tuple[str, str, str, str], sizes: tuple[int, int, int, int]) -> tuple[RemoteFile, ...]:
    names = (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    )
    return tuple(RemoteFile(n, m, s) for n, m, s in zip(names, md5s, sizes, strict=True))


#: Where each downloadable dataset lives upstream (shared/data/README.md). Tests monkeypatch entries.
REMOTE_SOURCES: dict[str, RemoteSource] = {
    "mnist": RemoteSource(
        _mnist_files(
            (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            ),
            (9912422, 28881, 1648877, 4542),
        ),
        # The S3 mirror first, as torchvision does: yann.lecun.com often refuses scripted downloads.
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    ),
    "fashion-mnist": RemoteSource(
        _mnist_files(
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            ),
            (26421880, 29515, 4422102, 5148),
        ),
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    ),
    "kmnist": RemoteSource(
        _mnist_files(
            (
                "bdb82020997e1d708af4cf47b453dcf7",
                "e144d726b3acfaa3e44228e80efcd344",
                "5c965bf0a639b31b8f53240b1b52f4d7",
                "7320c461ea6c1c855c0b718fb2a4b134",
            ),
            (18165135, 29497, 3041136, 5120),
        ),
        ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
    ),
    "cifar10": RemoteSource(
        (RemoteFile("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a", 170498071),),
        ("https://www.cs.toronto.edu/~kriz/",),
    ),
}


def md5_of(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class _Progress:
    """Sums bytes over all files of one call and turns a ``False`` from the callback into a cancel."""

    def __init__(self, callback: ProgressFn | None, label: str, sizes: list[int | None]) -> None:
        self.callback, self.label, self.sizes = callback, label, sizes
        self.done = 0

    @property
    def total(self) -> int | None:
        return None if None in self.sizes else sum(s for s in self.sizes if s is not None)

    def report(self) -> None:
        if self.callback is not None and self.callback(self.done, self.total) is False:
            raise DownloadCancelled(
                t("data.download_was_cancelled", "The download of {label} was cancelled.", label=self.label)
            )


class _MirrorFailed(Exception):
    """One URL did not deliver the right bytes; the next mirror may."""


def _fetch_one(url: str, dest: Path, md5: str, progress: _Progress, index: int) -> None:
    """Stream ``url`` into a temp file beside ``dest``; move it into place only if complete and md5-correct."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.{os.getpid()}.", suffix=".part", dir=dest.parent)
    except OSError as err:
        raise DownloadError(
            t(
                "data.cannot_write_into",
                "Cannot write into the download folder '{parent}' ({reason}).",
                parent=dest.parent,
                reason=err.strerror or err,
            )
        ) from None
    tmp = Path(tmp_name)
    start = progress.done
    try:
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
            length_header = resp.headers.get("Content-Length")
            length = int(length_header) if length_header and length_header.isdigit() else None
            if length is not None:
                progress.sizes[index] = length
            progress.report()
            digest, got = hashlib.md5(), 0
            # read1: whatever has arrived, so a slow server cannot hold off a cancel (window closing) for long.
            while chunk := resp.read1(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                got += len(chunk)
                progress.done = start + got
                progress.report()
        if length is not None and got != length:
            raise _MirrorFailed(f"cut off after {got:,} of {length:,} bytes")
        if digest.hexdigest() != md5:
            raise _MirrorFailed(f"md5 {digest.hexdigest()} instead of {md5}")
        os.replace(tmp, dest)
    except _MirrorFailed:
        progress.done = start
        raise
    except urllib.error.HTTPError as err:
        progress.done = start
        raise _MirrorFailed(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        progress.done = start
        raise _MirrorFailed(str(err.reason)) from None
    except (OSError, http.client.HTTPException) as err:  # resets, timeouts, IncompleteRead
        progress.done = start
        raise _MirrorFailed(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__) from None
    finally:
        # Only still there when os.replace did not run: failure, cancellation or any other exception.
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def fetch(
    label: str,
    source: RemoteSource,
    dest_dir: Path,
    *,
    progress: ProgressFn | None = None,
    base_urls: Sequence[str] | None = None,
) -> list[Path]:
    """Make ``dest_dir`` hold every file of ``source`` with the right md5, downloading what is missing.

    Files already there with the right md5 are kept. On any failure or cancellation everything this
    call wrote (files and folders it created) is removed again. Progress is cumulative bytes over all
    files; the total is ``None`` until every file's size is known. Raises DownloadError naming the URLs
    tried, or DownloadCancelled.
    """
    bases = tuple(base_urls) if base_urls is not None else source.base_urls
    bases = tuple(b if b.endswith("/") else b + "/" for b in bases)
    if not bases:
        raise DownloadError(t("data.no_download_location", "No download location is known for {label}.", label=label))
    created_dirs = _make_dirs(dest_dir)
    sweep_dead_parts(dest_dir)
    written: list[Path] = []
    todo = [(i, f) for i, f in enumerate(source.files) if not _is_good(dest_dir / f.name, f.md5)]
    sizes: list[int | None] = [f.size for f in source.files]
    tracker = _Progress(progress, label, sizes)
    try:
        # Files already present count as done, so the bar starts where it really is.
        tracker.done = sum(s or 0 for i, s in enumerate(sizes) if i not in {j for j, _ in todo})
        tracker.report()
        for i, remote in todo:
            dest = dest_dir / remote.name
            failures: list[str] = []
            for base in bases:
                url = base + remote.name
                try:
                    _fetch_one(url, dest, remote.md5, tracker, i)
                    written.append(dest)
                    break
                except _MirrorFailed as why:
                    failures.append(f"{url} ({why})")
            else:
                raise DownloadError(
                    t(
                        "data.could_not_download",
                        "Could not download {kind} from {failures}.",
                        kind=remote.name,
                        failures="; nor from ".join(failures),
                    )
                )
    except BaseException:
        for path in written:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        for folder in reversed(created_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [dest_dir / f.name for f in source.files]


def sweep_dead_parts(folder: Path) -> list[Path]:
    """Remove ``.NAME.PID.XXXX.part`` files whose process is gone (killed mid-download); returns them.

    A part whose process still runs is another download in progress (a CLI beside the GUI): left alone.
    """
    swept = []
    for part in folder.glob(".*.part"):
        pid = part.name.split(".")[-3]  # .NAME.PID.XXXX.part; NAME may hold dots, XXXX holds none
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                part.unlink()
                swept.append(part)
    return swept


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: it exists
    return True


def _is_good(path: Path, md5: str) -> bool:
    return path.is_file() and md5_of(path) == md5


def _make_dirs(folder: Path) -> list[Path]:
    """mkdir -p that remembers which folders it created (outermost first), for an exact rollback."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    missing.reverse()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(
            t(
                "data.cannot_create_download",
                "Cannot create the download folder '{path}' ({reason}).",
                path=folder,
                reason=err.strerror or err,
            )
        ) from None
    return missing
