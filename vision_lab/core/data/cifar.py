"""CIFAR-10 in its "python version": a tarball of pickled batches, unpacked and unpickled defensively.

Pickle can run arbitrary code, so batches go through an unpickler that knows only four globals, and
even those never reach numpy: arrays are rebuilt here from their (validated) shape, dtype and raw bytes.
The tarball is checked member by member before anything is extracted.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from vision_lab.core.data import mnist_family
from vision_lab.core.data.arrays import check_class_count
from vision_lab.core.data.base import ImageDataset, ProgressFn
from vision_lab.core.data.download import REMOTE_SOURCES, fetch
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import N_, t
from vision_lab.core.safe_io import MAX_DATA_FILE, describe_special, open_file, shown

BATCHES_DIR = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META = "batches.meta"
SOURCE = N_(
    "data.cifar10.source",
    "CIFAR-10 by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton (Learning Multiple Layers of Features "
    "from Tiny Images, 2009); https://www.cs.toronto.edu/~kriz/cifar.html",
)
DESCRIPTION = N_(
    "data.cifar10.description",
    "Small colour photos of 10 things: planes, cars, birds, cats, deer, dogs, frogs, horses, ships, trucks.",
)

# --- restricted unpickling -------------------------------------------------------------------------


class _Forbidden(pickle.UnpicklingError):
    pass


class _NdarrayMark:
    """Stands in for ``numpy.ndarray`` as the first argument of ``_reconstruct``."""


_NDARRAY = _NdarrayMark()
_PLAIN_DTYPES = frozenset({"u1", "i1", "b1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"})
_MAX_DIMS = 8


class _DtypeStub:
    """A plain numeric dtype described by a pickle, checked before numpy ever sees it."""

    def __init__(self, spec: object, align: object = False, copy: object = True) -> None:
        if not isinstance(spec, str) or spec not in _PLAIN_DTYPES:
            raise _Forbidden(f"dtype {spec!r} is not a plain numeric type")
        self.spec, self.byteorder = spec, "|"

    def __setstate__(self, state: object) -> None:
        # numpy's dtype state: (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        if not (isinstance(state, tuple) and len(state) >= 5 and state[1] in ("<", ">", "|", "=")):
            raise _Forbidden("unexpected dtype state")
        if any(part is not None for part in state[2:5]):
            raise _Forbidden("structured or sub-array dtypes are not allowed")
        self.byteorder = state[1]

    def resolve(self) -> np.dtype:
        order = "=" if self.byteorder == "|" else self.byteorder
        return np.dtype(order + self.spec)


class _ArrayStub:
    """Collects an ndarray's pickled state and builds the array itself from validated parts."""

    array: np.ndarray | None = None

    def __setstate__(self, state: object) -> None:
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]  # drop the version number
        if not (isinstance(state, tuple) and len(state) == 4):
            raise _Forbidden("unexpected ndarray state")
        shape, dtype, fortran, data = state
        if not (
            isinstance(shape, tuple)
            and len(shape) <= _MAX_DIMS
            and all(isinstance(s, int) and s >= 0 for s in shape)
            and isinstance(dtype, _DtypeStub)
        ):
            raise _Forbidden("unexpected ndarray shape or dtype")
        if isinstance(data, str):
            data = data.encode("latin1")  # Python 2 pickles (the real files) store raw bytes as str
        if not isinstance(data, (bytes, bytearray)):
            raise _Forbidden("ndarray data is not raw bytes")
        dt = dtype.resolve()
        if len(data) != math.prod(shape) * dt.itemsize:
            raise pickle.UnpicklingError(t("data.ndarray_data_does", "ndarray data does not match its shape"))
        flat = np.frombuffer(data, dtype=dt)
        self.array = flat.reshape(shape, order="F" if fortran else "C").astype(dt.newbyteorder("="), order="C")


def _reconstruct(subtype: object, shape: object, typecode: object) -> _ArrayStub:
    if subtype is not _NDARRAY:
        raise _Forbidden("only plain numpy arrays may be reconstructed")
    return _ArrayStub()


def _encode(text: object, encoding: object = "utf-8") -> bytes:
    # How protocol 2 stores bytes under Python 3: _codecs.encode(str, "latin1").
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Forbidden("unexpected _codecs.encode call")
    return text.encode("latin1")


_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DtypeStub,
    ("_codecs", "encode"): _encode,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[module, name]
        except KeyError:
            raise _Forbidden(f"it refers to {module}.{name}") from None


MAX_OBJECTS = 5_000_000
"""Objects a batch may hold, counting every reference: a real one has ~30,000 (10,000 labels and file names)."""


class _Unstub:
    """Replaces the stubs in an unpickled tree, each shared object once, and refuses a "billion laughs".

    A pickle can refer to one object many times (its memo): ten lists of ten references to a list of ten...
    thirty deep is a few kilobytes on disk and 10**30 items to anyone who walks it (a copy, np.asarray). Each
    object is converted once, and its size counting every reference is summed from its children's (also once),
    so the work is bounded by the file while a tree that would expand past :data:`MAX_OBJECTS` is refused.
    """

    def __init__(self) -> None:
        self.done: dict[int, tuple[Any, int]] = {}
        """id -> (converted object, expanded size); the source objects stay alive, so ids are not reused."""

    def __call__(self, obj: Any) -> Any:
        return self._convert(obj)[0]

    def _convert(self, obj: Any) -> tuple[Any, int]:
        if not isinstance(obj, _ArrayStub | dict | list | tuple | _DtypeStub):
            return obj, 1
        key = id(obj)
        if key in self.done:
            return self.done[key]
        size = 1
        if isinstance(obj, _ArrayStub):
            if obj.array is None:
                raise pickle.UnpicklingError(t("data.ndarray_was_never", "an ndarray was never filled in"))
            out: Any = obj.array
        elif isinstance(obj, _DtypeStub):
            out = obj.resolve()
        else:
            items = list(obj.items()) if isinstance(obj, dict) else list(enumerate(obj))
            converted = []
            for k, v in items:
                value, n = self._convert(v)
                size += n
                converted.append((k.decode("latin1") if isinstance(k, bytes) else k, value))
            if size > MAX_OBJECTS:
                raise _Forbidden(f"its nested references expand to more than {MAX_OBJECTS:,} objects")
            values = [v for _, v in converted]
            out = dict(converted) if isinstance(obj, dict) else tuple(values) if isinstance(obj, tuple) else values
        self.done[key] = (out, size)
        return out, size


def _unstub(obj: Any) -> Any:
    return _Unstub()(obj)


def safe_unpickle(path: Path) -> Any:
    """Load a pickle that may only contain dicts, lists, str/bytes, numbers and plain numpy arrays."""
    try:
        with open_file(path, "CIFAR batch", MAX_DATA_FILE, DataError) as f:  # a FIFO or /dev/zero is never read
            return _unstub(_RestrictedUnpickler(f, encoding="latin1").load())
    except _Forbidden as why:
        raise DataError(
            t(
                "data.refusing_load_which",
                "Refusing to load '{path}': {why}, which a CIFAR batch never needs.",
                path=path,
                why=why,
            )
        ) from None
    except FileNotFoundError:
        raise DataError(t("data.cifar_batch_does", "CIFAR batch '{path}' does not exist.", path=path)) from None
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        MemoryError,
        RecursionError,
        OSError,
    ) as err:
        raise DataError(
            t(
                "data.not_readable_cifar",
                "'{path}' is not a readable CIFAR batch ({kind}: {error}).",
                path=path,
                kind=type(err).__name__,
                error=err,
            )
        ) from None


# --- batches ---------------------------------------------------------------------------------------


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch -> (N×32×32×3 uint8 RGB, int64 labels)."""
    batch = safe_unpickle(path)
    data = batch.get("data") if isinstance(batch, dict) else None
    labels = batch.get("labels") if isinstance(batch, dict) else None
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataError(
            t("data.no_n_3072", "'{path}' has no N×3072 uint8 'data' array, so it is not a CIFAR-10 batch.", path=path)
        )
    if not isinstance(labels, (list, tuple, np.ndarray)) or len(labels) != len(data):
        raise DataError(t("data.does_not_one", "'{path}' does not have one label per image.", path=path))
    # Numbers only: a list of (shared) lists would make np.asarray build a huge nested array, and
    # np.asarray(..., dtype=int64) would truncate 1.5 to 1 without a word.
    if isinstance(labels, np.ndarray) and labels.ndim != 1:
        raise DataError(t("data.labels_are_not", "'{path}' has labels that are not whole numbers.", path=path))
    values = labels.tolist() if isinstance(labels, np.ndarray) else labels
    for v in values:
        if not _whole(v):
            example = f" (e.g. {v!r})" if isinstance(v, (int, float)) else ""  # never the repr of a nested list
            raise DataError(
                t(
                    "data.labels_are_not_2",
                    "'{path}' has labels that are not whole numbers{example}.",
                    path=path,
                    example=example,
                )
            )
    try:
        y = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        raise DataError(t("data.labels_are_not_3", "'{path}' has labels that are not integers.", path=path)) from None
    if y.ndim != 1 or (y.size and (y.min() < 0 or y.max() > 255)):
        raise DataError(t("data.labels_outside_0", "'{path}' has labels outside 0-255.", path=path))
    # Each row is 1024 red, then 1024 green, then 1024 blue values, each plane 32×32 row-major.
    x = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return x, y


def _whole(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def read_class_names(path: Path) -> tuple[str, ...]:
    meta = safe_unpickle(path)
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not isinstance(names, (list, tuple)) or not names:
        raise DataError(t("data.no_label_names", "'{path}' has no 'label_names' list.", path=path))
    check_class_count(len(names), f"'{shown(path)}'")
    return tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in names)


def find_batches_dir(folder: Path) -> Path | None:
    """``folder`` itself or its ``cifar-10-batches-py`` child, if it holds a meta file, a train and a test batch."""
    for candidate in (folder, folder / BATCHES_DIR):
        if all((candidate / n).is_file() for n in (META, TRAIN_BATCHES[0], TEST_BATCH)):
            return candidate
    return None


def incomplete(folder: Path) -> str | None:
    """Why ``folder`` (or its ``cifar-10-batches-py`` child), which holds CIFAR batch files, cannot be read as
    CIFAR-10 batches; None when it holds none (it is some other kind of dataset)."""
    for candidate in (folder, folder / BATCHES_DIR):
        present = [n for n in (*TRAIN_BATCHES, TEST_BATCH, META) if os.path.lexists(candidate / n)]
        if not any(n != META for n in present):
            continue
        for needed in (META, TRAIN_BATCHES[0], TEST_BATCH):
            what = " (the class names)" if needed == META else ""
            if needed not in present:
                return f"The folder '{shown(candidate)}' looks like a CIFAR-10 folder but has no {needed}{what}."
            special = describe_special(candidate / needed)
            if special is not None:
                return f"The CIFAR-10 folder '{shown(candidate)}' has a {needed} that is {special}, not a file."
    return None


def is_complete(folder: Path) -> bool:
    return all((folder / n).is_file() for n in (META, TEST_BATCH, *TRAIN_BATCHES))


def load_batches_dir(folder: Path, name: str, source: str, *, require_all: bool) -> ImageDataset:
    present = [n for n in TRAIN_BATCHES if (folder / n).is_file()]
    if require_all and len(present) != len(TRAIN_BATCHES):
        raise DataError(
            t(
                "data.cifar_10_folder",
                "The CIFAR-10 folder '{path}' is incomplete: it has {present} of 5 training batches.",
                path=folder,
                present=len(present),
            )
        )
    parts = [read_batch(folder / n) for n in present]
    train_x = np.concatenate([p[0] for p in parts])
    train_y = np.concatenate([p[1] for p in parts])
    val_x, val_y = read_batch(folder / TEST_BATCH)
    class_names = read_class_names(folder / META)
    top = max(int(train_y.max(initial=0)), int(val_y.max(initial=0)))
    if top >= len(class_names):
        raise DataError(
            t(
                "data.cifar_folder_label",
                "The CIFAR folder '{path}' has label {top} but only {class_names} class names.",
                path=folder,
                top=top,
                class_names=len(class_names),
            )
        )
    return ImageDataset(
        name=name,
        train_images=train_x,
        train_labels=train_y,
        val_images=val_x,
        val_labels=val_y,
        class_names=class_names,
        source=source,
        notes=(
            t("data.note.loaded_from", "loaded from {folder}", folder=folder),
            t("data.note.validation_file", "validation = {name}", name="test_batch"),
        ),
    )


def candidates(cache_root: Path) -> list[Path]:
    roots = [cache_root / "cifar10", *(root / "cifar10" for root in mnist_family.SYSTEM_DIRS)]
    return [p for root in roots for p in (root / BATCHES_DIR, root)]


def locate(cache_root: Path) -> Path | None:
    return next((p for p in candidates(cache_root) if is_complete(p)), None)


# --- tarball ---------------------------------------------------------------------------------------


def _check_member(member: tarfile.TarInfo, tar_path: Path) -> None:
    name = member.name
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":") or ".." in pure.parts:
        raise DataError(
            t(
                "data.refusing_unpack_member",
                "Refusing to unpack '{tar_path}': member '{kind}' points outside the target folder.",
                tar_path=tar_path,
                kind=name,
            )
        )
    if not (member.isfile() or member.isdir()):
        kind = "link" if (member.issym() or member.islnk()) else "special file"
        raise DataError(
            t(
                "data.refusing_unpack_member_2",
                "Refusing to unpack '{tar_path}': member '{kind}' is a {kind2}.",
                tar_path=tar_path,
                kind=name,
                kind2=kind,
            )
        )


def safe_extract(tar_path: Path, dest: Path) -> None:
    """Extract ``tar_path`` into ``dest`` after checking every member: plain files and folders inside only."""
    try:
        with tarfile.open(tar_path, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, tar_path)
            if hasattr(tarfile, "data_filter"):
                # Belt and braces: the stdlib's own 'data' filter repeats these checks and drops modes.
                tar.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover - Python < 3.10.12 without the filter; our checks still apply
                tar.extractall(dest, members=members)
    except (tarfile.TarError, EOFError, zlib.error) as err:
        raise DataError(
            t(
                "data.not_readable_tar",
                "'{tar_path}' is not a readable tar archive ({error}).",
                tar_path=tar_path,
                error=err,
            )
        ) from None
    except OSError as err:
        raise DataError(
            t(
                "data.could_not_unpack",
                "Could not unpack '{tar_path}' into '{dest}' ({reason}).",
                tar_path=tar_path,
                dest=dest,
                reason=err.strerror or err,
            )
        ) from None


def download(cache_root: Path, *, progress: ProgressFn | None = None, base_urls: Sequence[str] | None = None) -> Path:
    """Download and unpack CIFAR-10 into ``cache_root/cifar10/cifar-10-batches-py``; return ``cache_root/cifar10``."""
    dest = cache_root / "cifar10"
    final = dest / BATCHES_DIR
    if is_complete(final):
        return dest
    had_dest = dest.exists()
    (tarball,) = fetch("cifar10", REMOTE_SOURCES["cifar10"], dest, progress=progress, base_urls=base_urls)
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=dest))
    try:
        safe_extract(tarball, tmp)
        unpacked = find_batches_dir(tmp)
        if unpacked is None or not is_complete(unpacked):
            raise DataError(
                t(
                    "data.downloaded_does_not",
                    "The downloaded '{tarball}' does not contain the CIFAR-10 batches.",
                    tarball=tarball,
                )
            )
        if final.exists():
            shutil.rmtree(final)  # an incomplete leftover in our own cache
        os.replace(unpacked, final)
    except BaseException:
        if not had_dest:
            shutil.rmtree(dest, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            tarball.unlink()  # 170 MB we no longer need: the batches are what we read
    return dest
