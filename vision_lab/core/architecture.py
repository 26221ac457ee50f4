"""Does a model fit its data? Map sizes block by block and batch-norm batches, computed before anything is built.

PyTorch finds out from deep inside a forward pass ("Output size is too small", "Kernel size can't be greater than
actual input size", "Expected more than 1 value per channel when training"). Here the sizes follow from the config
and the image size alone, so the first block that does not fit is named in one sentence before any model, tensor
or run folder exists. The trainer calls :func:`check_fit` (so the CLI and the GUI's worker refuse alike) and the
Model tab shows the CNN's maps row by row while the user edits the blocks. Each family declares its own checks
(``Family.check_fit``, ``Family.batch_norm_need``); the CNN's use ``cnn_maps`` (vision_lab/core/families/cnn.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError

if TYPE_CHECKING:
    from vision_lab.core.config import ExperimentConfig

MIN_BATCH_NORM = 2
"""Batch norm in training normalises each channel over the batch (and the map): it needs two values at least."""


def check_architecture(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> None:
    """ConfigError in one sentence when the family's layers cannot run on images of ``image_shape`` (H, W, C)."""
    check = cfg.family.check_fit
    if check is not None:
        check(cfg, image_shape)


def _batch_norm_need(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> tuple[int, str, bool] | None:
    """The smallest per-image value count any batch-norm layer normalises over, what it is, and whether the user
    can turn batch norm off; None when the model has no batch norm."""
    need = cfg.family.batch_norm_need
    return need(cfg, image_shape) if need is not None else None


def check_batch(
    cfg: ExperimentConfig, image_shape: tuple[int, int, int], batch: int, train_size: int, world_size: int = 1
) -> None:
    """ConfigError in one sentence when a batch-norm layer would see fewer than two values per channel.

    ``batch`` is the batch the trainer will really use (the config's, or all the images when there are fewer),
    split over ``world_size`` processes. The trainer keeps whole batches only, so a smaller last batch never occurs.
    """
    need = _batch_norm_need(cfg, image_shape)
    share = batch // max(1, world_size)
    if need is None or share * need[0] >= MIN_BATCH_NORM:
        return
    _per_image, what, optional = need
    off = ", or turn batch norm off" if optional else ""
    if cfg.train.batch_size * need[0] < MIN_BATCH_NORM:
        message = (
            f"A batch size of {cfg.train.batch_size} cannot train {what}: batch norm normalises over the batch, so "
            f"it needs at least 2 images per batch; set the batch size to 2 or more{off}."
        )
    elif train_size * need[0] < MIN_BATCH_NORM:
        images = "image" if train_size == 1 else "images"
        message = (
            f"The dataset has only {train_size} training {images}, but {what} uses batch norm, which needs at least "
            f"2 images per batch; add images{off}."
        )
    else:
        message = (
            f"Each of the {world_size} processes gets {share} image of every batch, but {what} uses batch norm, "
            f"which needs at least 2; set the batch size to {MIN_BATCH_NORM * world_size} or more{off}."
        )
    raise ConfigError(message, key="train.batch_size")


def check_fit(cfg: ExperimentConfig, image_shape: tuple[int, int, int], train_size: int, world_size: int = 1) -> None:
    """Everything about the model and the data together that would fail inside PyTorch: what both front ends ask
    before a run (the trainer with its real batch; the GUI with the panels' settings and the loaded dataset)."""
    check_architecture(cfg, image_shape)
    n = train_size - train_size % max(1, world_size)
    check_batch(cfg, image_shape, min(cfg.train.batch_size, n) if n else train_size, train_size, world_size)


__all__ = ["check_architecture", "check_batch", "check_fit"]
