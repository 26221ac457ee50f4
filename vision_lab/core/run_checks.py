"""What a run checks of its data before it trains: cases that would train wrongly without a word, and data too big
for memory, which would otherwise fail as "out of memory ... lower the batch size", far from its cause."""

from __future__ import annotations

from pathlib import Path

import torch

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError, DataError
from vision_lab.core.i18n import N_, t, text
from vision_lab.core.memory import available_memory
from vision_lab.core.safe_io import shown, size_text


def check_classes(cfg: ExperimentConfig, ds: ImageDataset) -> None:
    """A classifier needs two classes at least: on one, its accuracy is 100% from the first step and means nothing."""
    if cfg.family.target == "class" and ds.num_classes < 2:
        if ds.class_names:
            raise ConfigError(
                t(
                    "run_checks.one_class_named",
                    "The dataset '{name}' has only one class ('{label}'), so a classifier has nothing to tell apart; "
                    "give it at least two classes, or train an autoencoder or a GAN on it.",
                    name=shown(ds.name),
                    label=shown(ds.class_names[0]),
                )
            )
        raise ConfigError(
            t(
                "run_checks.one_class",
                "The dataset '{name}' has only one class, so a classifier has nothing to tell apart; "
                "give it at least two classes, or train an autoencoder or a GAN on it.",
                name=shown(ds.name),
            )
        )


def check_targets(cfg: ExperimentConfig, ds: ImageDataset) -> None:
    """A segmenter needs masks, a detector boxes: a dataset of single labelled images has neither."""
    target = cfg.family.target
    if target in ("class", "none") or target in ds.targets:
        return
    raise ConfigError(
        t(
            "run_checks.no_targets",
            "The dataset '{name}' has no {what} to learn from; train this model on scenes (mnist-scenes, or "
            "scenes:<dataset>) or on a folder of images with their {what}.",
            name=shown(ds.name),
            what=text(_TARGET_WORDS[target]),
        )
    )


_TARGET_WORDS = {
    "mask": N_("run_checks.target.mask", "per-pixel masks"),
    "boxes": N_("run_checks.target.boxes", "boxes"),
}


def check_run_outside_data(ds: ImageDataset, run_dir: Path | None, runs_root: Path | None) -> None:
    """A new run folder inside the dataset's folder would be read as one more class by the next run."""
    source = Path(ds.source)
    target = run_dir if run_dir is not None else runs_root
    if target is None or not source.is_dir():  # a named dataset's source is its credit, not a folder
        return
    target_real, source_real = _real(target), _real(source)
    if target_real == source_real or source_real in target_real.parents:
        raise ConfigError(
            t(
                "run_checks.run_inside_data",
                "The run folder '{run}' is inside the dataset folder '{data}', where the next run "
                "would read it as a class; choose a folder outside it.",
                run=shown(target),
                data=shown(source),
            )
        )


def check_tensor_memory(ds: ImageDataset, device: torch.device, shift: int) -> None:
    """The float32 tensors training keeps (every image, plus a padded copy for random shifts) must fit in memory."""
    h, w, c = ds.image_shape
    n_train, n_val = len(ds.train_images), len(ds.val_images)
    need = 4 * c * ((n_train + n_val) * h * w + (n_train * (h + 2 * shift) * (w + 2 * shift) if shift else 0))
    free = _free_memory(device)
    if free is not None and need > free:
        raise DataError(
            t(
                "run_checks.tensors_too_large",
                "The dataset '{name}' needs {need} as the float32 tensors training uses "
                "({images} images of {h}×{w}×{c}), more than the {free} of memory free; train on "
                "fewer images (data.limit) or smaller ones (data.image_size).",
                name=shown(ds.name),
                need=size_text(need),
                images=f"{n_train + n_val:,}",
                h=h,
                w=w,
                c=c,
                free=size_text(free),
            )
        )


def data_out_of_memory(cfg: ExperimentConfig) -> DataError:
    """An allocation failed while the dataset was read: the data, not the batch size, is what to change."""
    return DataError(
        t(
            "run_checks.data_out_of_memory",
            "Out of memory while loading the dataset '{name}': it is larger than this computer's free "
            "memory; use a smaller dataset.",
            name=shown(cfg.data.name),
        )
    )


def _free_memory(device: torch.device) -> int | None:
    if device.type == "cuda":
        try:
            return int(torch.cuda.mem_get_info(device)[0])
        except (RuntimeError, AssertionError):
            return None
    return available_memory() if device.type == "cpu" else None


def _real(path: Path) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):
        return Path(path).expanduser().absolute()
