"""Reading files a user did not make: never hang on a FIFO or a device, never read without bound.

Every file the program reads from a user's disk (configs, run folders, datasets, images) is first checked here:
it must be a regular file (a symlink is followed; a FIFO, a device such as ``/dev/zero``, a socket or a folder is
refused) and at most ``max_bytes`` long, else one sentence naming it. The file is opened non-blocking, so even a
FIFO swapped in between the check and the open cannot block, and the read stops at the bound whatever the file
claims its size is (``/proc`` files say 0).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from vision_lab.core.errors import VisionLabError

KB = 1024
MB = 1024 * KB
GB = 1024 * MB

# Bounds per kind of file: far above anything Vision Lab writes, far below what would exhaust memory.
MAX_JSON = 4 * MB
"""config.json, summary.json, dataset.json, parent.json, an experiment file: kilobytes in practice."""
MAX_CSV = 512 * MB
"""metrics.csv: a row is ~100 bytes, so this is millions of rows."""
MAX_WEIGHTS = 8 * GB
"""weights.safetensors, checkpoint.pt (weights plus optimizer state)."""
MAX_IMAGE_FILE = 256 * MB
"""One image file (a PNG, JPEG...); its pixel count is bounded separately, before decoding."""
MAX_DATA_FILE = 16 * GB
"""One dataset file: an npz, an IDX file, a CIFAR batch."""


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_text(n: int) -> str:
    for unit, size in (("GB", GB), ("MB", MB), ("KB", KB)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


size_text = _size_text
"""``1.5 GB``, ``300 KB``: a size as a sentence gives it (binary units)."""


def shown(path: str | Path, limit: int = 120) -> str:
    """A path as a sentence can quote it: control characters escaped, a very long one cut in the middle."""
    text = str(path)
    if any(ord(c) < 32 or c == "\x7f" for c in text):
        text = repr(text)[1:-1]  # a NUL or newline must not break the sentence (or the terminal)
    if len(text) > limit:
        text = f"{text[: limit // 2 - 1]}…{text[-(limit // 2 - 1) :]}"
    return text


def check_file(path: str | Path, what: str, max_bytes: int, error: type[VisionLabError] = VisionLabError) -> int:
    """The size of ``path`` if it is a regular file of at most ``max_bytes``; else ``error`` with one sentence.

    ``what`` names the file for the user: "Config file", "The weights file", "Image"...
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{what} '{shown(path)}' does not exist.") from None
    except OSError as err:
        raise error(f"{what} '{shown(path)}' cannot be read ({_reason(err)}).") from None
    except ValueError:  # an embedded NUL character
        raise error(f"{what} '{shown(path)}' contains a NUL character, which no file name can.") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{what} '{shown(path)}' is {_describe(st.st_mode)}, not a file.")
    if st.st_size > max_bytes:
        raise error(
            f"{what} '{shown(path)}' is {_size_text(st.st_size)}, far larger than such a file can be "
            f"(at most {_size_text(max_bytes)}); it is not read."
        )
    return st.st_size


def read_bytes(path: str | Path, what: str, max_bytes: int, error: type[VisionLabError] = VisionLabError) -> bytes:
    """The whole file, checked as in :func:`check_file`; never blocks and never reads past ``max_bytes``."""
    path = Path(path)
    check_file(path, what, max_bytes, error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise error(f"{what} '{shown(path)}' cannot be read ({_reason(err)}).") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped for a FIFO or device after the check
            raise error(f"{what} '{shown(path)}' is {_describe(st.st_mode)}, not a file.")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(16 * MB, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise error(
                    f"{what} '{shown(path)}' is larger than such a file can be (at most {_size_text(max_bytes)})."
                )
        return b"".join(chunks)
    except OSError as err:
        raise error(f"{what} '{shown(path)}' cannot be read ({_reason(err)}).") from None
    finally:
        os.close(fd)


def open_file(path: str | Path, what: str, max_bytes: int, error: type[VisionLabError] = VisionLabError) -> BinaryIO:
    """``path`` opened for binary reading after the checks of :func:`check_file`; the caller closes it.

    For readers that stream a format whose own header bounds what they read (Pillow, gzip, zip, pickle, a CSV's
    tail): opened non-blocking, and checked again on the open file, so a FIFO swapped in after the check cannot
    block either.
    """
    path = Path(path)
    check_file(path, what, max_bytes, error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise error(f"{what} '{shown(path)}' cannot be read ({_reason(err)}).") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{what} '{shown(path)}' is {_describe(st.st_mode)}, not a file.")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def describe_special(path: str | Path) -> str | None:
    """What ``path`` is when it is there but not a regular file ("a pipe (FIFO)", "a device"...); None otherwise."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a loop of symbolic links"
        return None
    except ValueError:
        return None
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else _describe(mode)


def read_text(
    path: str | Path, what: str, max_bytes: int = MAX_JSON, error: type[VisionLabError] = VisionLabError
) -> str:
    """:func:`read_bytes` decoded as UTF-8; a file that is not UTF-8 text is refused in one sentence."""
    data = read_bytes(path, what, max_bytes, error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} '{shown(path)}' is not UTF-8 text.") from None


def os_reason(err: OSError) -> str:
    """What went wrong, in words a sentence can end with: "the path is longer than this system allows"."""
    return _reason(err)


def _reason(err: OSError) -> str:
    if err.errno == errno.ENAMETOOLONG:
        return "the path is longer than this system allows"
    if err.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return err.strerror or err.__class__.__name__
