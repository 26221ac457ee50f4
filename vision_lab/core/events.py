"""What the training loop yields. Plain data: numbers, strings and numpy arrays, never tensors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DatasetSummary:
    name: str
    source: str
    train_size: int
    val_size: int
    image_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Started:
    config: Any  # ExperimentConfig; Any keeps this module free of import cycles
    dataset: DatasetSummary
    device: str
    parameters: dict[str, int]
    steps_per_epoch: int
    total_steps: int
    batch_size: int
    start_step: int = 0
    run_dir: Path | None = None


@dataclass(frozen=True)
class Metrics:
    """Throttled live figures. ``values`` holds the train losses averaged since the last report and,
    when ``epoch_end`` is true, the validation figures of that epoch."""

    step: int
    epoch: int
    """Zero-based index of the epoch this step belongs to."""
    epoch_progress: float
    """``epoch + fraction done``: the x axis of a plot in epochs."""
    values: dict[str, float]
    samples_per_s: float
    elapsed_s: float
    eta_s: float
    lr: float
    epoch_end: bool = False
    confusion: np.ndarray | None = None
    """Classifiers at epoch end: rows true class, columns predicted class, counts."""
    class_counts: np.ndarray | None = None
    """GAN at epoch end: how many of the ``gan.judge_samples`` samples the judge put in each class (int64,
    one entry per class). A flat histogram is a healthy GAN; one or two tall bars are mode collapse."""
    rows: tuple[dict[str, float], ...] = ()
    """The metrics.csv rows logged since the last Metrics event (``step``, ``epoch``, ``lr``, the losses and, at
    an epoch end, the validation figures; no timings): a plot of these equals the saved curve."""


@dataclass(frozen=True)
class Preview:
    """A fixed batch seen through the current model.

    ``kind`` is ``predictions`` (``images`` with ``labels``, ``predictions``, ``probabilities``),
    ``reconstructions`` (``images`` the inputs, ``outputs`` the reconstructions), ``samples``
    (``images`` generated from the fixed noise batch; ``predictions``/``probabilities`` are the judge's
    when it is ready), ``segmentation`` (``masks`` the truth, ``predicted_masks`` the model's: uint8 N×H×W class
    indices, 0 the background) or ``detections`` (``boxes`` the truth, float32 N×K×5 rows ``(class, x0, y0, x1,
    y1)`` padded with class -1; ``predicted_boxes`` the model's, N×M×6 rows ``(class, score, x0, y0, x1, y1)``
    padded with class -1, best first).
    """

    step: int
    epoch: int
    kind: str
    images: np.ndarray
    outputs: np.ndarray | None = None
    labels: np.ndarray | None = None
    predictions: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    class_names: tuple[str, ...] = ()
    weights: dict[str, dict[str, np.ndarray]] | None = None
    """CPU numpy copies of every module's ``state_dict`` (buffers included) when the preview was made, keyed by
    the task's module names (``model``, or ``generator``, ``discriminator``, ``generator_ema``): what
    :meth:`vision_lab.core.inspect.Inspector.load` takes, so inspection sees exactly the model of this preview."""
    from_training: bool = False
    """The fixed batch is made of training images: the run has no validation split."""
    masks: np.ndarray | None = None
    predicted_masks: np.ndarray | None = None
    boxes: np.ndarray | None = None
    predicted_boxes: np.ndarray | None = None
    health: dict[str, Any] | None = None
    """:meth:`vision_lab.core.health.HealthTracker.measure`'s figures at this step: per-layer gradient and weight
    norms, update ratios, dead-ReLU fractions."""


@dataclass(frozen=True)
class Finished:
    """The last event of every run. ``status`` is ``completed``, ``stopped``, ``pruned`` (a sweep's pruner
    stopped it: :meth:`~vision_lab.core.control.TrainerControl.request_prune`), ``diverged``, or ``unsaved``: the run
    folder could not be written (disk full, folder gone or read-only), so the run stopped there and ``weights``
    holds its model, for the front end to save elsewhere."""

    status: str
    message: str
    step: int
    summary: dict[str, Any] = field(default_factory=dict)
    run_dir: Path | None = None
    warnings: tuple[str, ...] = ()
    weights: dict[str, dict[str, np.ndarray]] | None = None
    """``unsaved`` only: CPU numpy copies of every module's ``state_dict``, as in :attr:`Preview.weights`."""


Event = Started | Metrics | Preview | Finished
