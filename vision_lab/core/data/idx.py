"""The IDX format of MNIST and its relatives: read (gzipped or raw) and write.

The reader trusts nothing in the header: it compares the size the header claims with what the file
can actually hold before it allocates anything, and it never decompresses more than the claim plus one
byte, so a lying header or a gzip bomb costs neither memory nor time.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import math
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t
from vision_lab.core.memory import available_memory
from vision_lab.core.safe_io import MAX_DATA_FILE, open_file, shown, size_text

#: IDX type code -> big-endian numpy dtype (README "IDX format").
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}

_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than about 1032:1, so a .gz file of n bytes cannot hold more
# than this many decompressed bytes; a header that claims more is lying and is rejected at once.
_MAX_DEFLATE_RATIO = 1100
_CHUNK = 1 << 22


@dataclass(frozen=True)
class IdxHeader:
    dtype: np.dtype
    shape: tuple[int, ...]
    header_bytes: int

    @property
    def data_bytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    return data if data is not None else b""


def _parse_header(f: BinaryIO, path: Path) -> IdxHeader:
    head = _read_exact(f, 4)
    if len(head) < 4:
        raise DataError(t("data.idx_file_too", "IDX file '{path}' is too short to hold a header.", path=shown(path)))
    if head[0] != 0 or head[1] != 0:
        raise DataError(
            t("data.not_idx_file", "'{path}' is not an IDX file: its first two bytes are not zero.", path=shown(path))
        )
    if head[2] not in IDX_DTYPES:
        raise DataError(
            t(
                "data.idx_file_unknown",
                "IDX file '{path}' has an unknown element type code 0x{x}.",
                path=shown(path),
                x=f"{head[2]:02X}",
            )
        )
    ndim = head[3]
    if ndim == 0:
        raise DataError(t("data.idx_file_declares", "IDX file '{path}' declares zero dimensions.", path=shown(path)))
    dims = _read_exact(f, 4 * ndim)
    if len(dims) < 4 * ndim:
        raise DataError(
            t("data.idx_file_truncated", "IDX file '{path}' is truncated inside its header.", path=shown(path))
        )
    shape = tuple(int(s) for s in struct.unpack(f">{ndim}I", dims))
    # A zero dimension makes the data empty whatever the others say, but numpy still refuses a shape whose other
    # dimensions multiply past its index range (found by hypothesis: 0 × 2²¹ × 2²¹ × 2²¹).
    if math.prod(d for d in shape if d) * IDX_DTYPES[head[2]].itemsize > 1 << 40:
        raise DataError(
            t(
                "data.idx_file_declares_2",
                "IDX file '{path}' declares an impossible shape {shape} (over a terabyte).",
                path=shown(path),
                shape=shape,
            )
        )
    return IdxHeader(IDX_DTYPES[head[2]], shape, 4 + 4 * ndim)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[tuple[BinaryIO, bool]]:
    """The file's data stream (decompressed for a .gz) and whether it was gzipped."""
    with open_file(path, "IDX file", MAX_DATA_FILE, DataError) as raw:  # a FIFO or /dev/zero is never read
        try:
            gz = raw.read(2) == _GZIP_MAGIC
            raw.seek(0)
        except OSError as err:
            raise DataError(
                t(
                    "data.idx_file_cannot",
                    "IDX file '{path}' cannot be read ({reason}).",
                    path=shown(path),
                    reason=err.strerror or err,
                )
            ) from None
        if not gz:
            yield raw, False
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            yield stream, True  # type: ignore[misc]


def read_idx_header(path: str | os.PathLike[str]) -> IdxHeader:
    """Parse only the header (cheap even for a 30 MB .gz): for availability checks."""
    path = Path(path)
    try:
        with _open(path) as (f, _):
            return _parse_header(f, path)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(
            t(
                "data.idx_file_not",
                "IDX file '{path}' is not a valid gzip or IDX file ({error}).",
                path=shown(path),
                error=err,
            )
        ) from None


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzipped or raw) into a writable native-endian numpy array.

    Raises DataError naming the file for a wrong magic number, an unknown type code, a header that
    claims more data than the file can hold, data that would not fit in the memory free, truncated data
    and trailing bytes after the data.
    """
    path = Path(path)
    try:
        with _open(path) as (f, gz):
            header = _parse_header(f, path)
            need = header.data_bytes
            file_size = path.stat().st_size
            if gz and need > file_size * _MAX_DEFLATE_RATIO + 1024:
                raise DataError(
                    t(
                        "data.idx_file_claims",
                        "IDX file '{path}' claims {need} bytes of data, far more than its {file_size} compressed "
                        "bytes can hold.",
                        path=shown(path),
                        need=f"{need:,}",
                        file_size=f"{file_size:,}",
                    )
                )
            have = file_size - header.header_bytes
            if not gz and have < need:
                raise DataError(
                    t(
                        "data.idx_file_truncated_3",
                        "IDX file '{path}' is truncated: its header promises {need} bytes of data but only {have} "
                        "follow.",
                        path=shown(path),
                        need=f"{need:,}",
                        have=f"{have:,}",
                    )
                )
            if not gz and have > need:
                raise DataError(
                    t(
                        "data.idx_file_unexpected_2",
                        "IDX file '{path}' has {need} unexpected bytes after its data.",
                        path=shown(path),
                        need=f"{have - need:,}",
                    )
                )
            free = available_memory()
            if free is not None and need > free:  # else "Out of memory", which would blame the batch size
                held = "once decompressed" if gz else "of data"
                raise DataError(
                    t(
                        "data.idx_file_holds",
                        "IDX file '{path}' holds {need} {held}, more than the {free} of memory free, so it cannot be "
                        "loaded here.",
                        path=shown(path),
                        need=size_text(need),
                        held=held,
                        free=size_text(free),
                    )
                )
            if gz:
                buf = _read_bounded(f, need + 1)
            else:
                buf = bytearray(need)
                got = f.readinto(buf)  # type: ignore[attr-defined]
                buf = buf if got == need else buf[:got]
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(
            t(
                "data.idx_file_not",
                "IDX file '{path}' is not a valid gzip or IDX file ({error}).",
                path=shown(path),
                error=err,
            )
        ) from None
    if len(buf) < need:
        raise DataError(
            t(
                "data.idx_file_truncated_2",
                "IDX file '{path}' is truncated: its header promises {need} bytes of data but only {buf} follow.",
                path=shown(path),
                need=f"{need:,}",
                buf=f"{len(buf):,}",
            )
        )
    if len(buf) > need:
        raise DataError(
            t("data.idx_file_unexpected", "IDX file '{path}' has unexpected bytes after its data.", path=shown(path))
        )
    arr = np.frombuffer(buf, dtype=header.dtype).reshape(header.shape)
    if header.dtype.itemsize > 1:
        arr = arr.astype(header.dtype.newbyteorder("="))
    return arr


def _read_bounded(f: BinaryIO, limit: int) -> bytearray:
    """Read at most ``limit`` bytes in chunks, so memory follows what is really there, not the claim."""
    buf = bytearray()
    while len(buf) < limit:
        chunk = f.read(min(_CHUNK, limit - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def write_idx(path: str | os.PathLike[str], array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write ``array`` as IDX (gzipped when ``compress`` is true or, by default, when the name ends in .gz)."""
    path = Path(path)
    arr = np.asarray(array)
    native = arr.dtype.newbyteorder("=")
    if native not in _CODES:
        raise DataError(
            t(
                "data.idx_cannot_store",
                "IDX cannot store arrays of type {dtype} (writing '{path}').",
                dtype=arr.dtype,
                path=path,
            )
        )
    if arr.ndim == 0 or arr.ndim > 255:
        raise DataError(
            t(
                "data.idx_needs_between",
                "IDX needs between 1 and 255 dimensions, got {ndim} (writing '{path}').",
                ndim=arr.ndim,
                path=path,
            )
        )
    header = bytes([0, 0, _CODES[native], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + np.ascontiguousarray(arr, dtype=native.newbyteorder(">")).tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        bio = io.BytesIO()
        # mtime=0 keeps the bytes (and so md5 sums in tests) reproducible.
        with gzip.GzipFile(fileobj=bio, mode="wb", mtime=0) as gz:
            gz.write(payload)
        payload = bio.getvalue()
    path.write_bytes(payload)
    return path
