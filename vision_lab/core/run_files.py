"""The names of a run folder's files, and which weights file goes with a checkpoint or an epoch end.

Apart from :mod:`runs` (the writer) and :mod:`run_reader` (the reading side) because both use them; see
:mod:`runs` for what each file holds.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from vision_lab.core.errors import RunError
from vision_lab.core.weights_io import weights_metadata

CONFIG = "config.json"
METRICS = "metrics.csv"
WEIGHTS = "weights.safetensors"
PREVIOUS_WEIGHTS = ".weights.previous.safetensors"
CHECKPOINT = "checkpoint.pt"
SUMMARY = "summary.json"
DATASET = "dataset.json"
PARENT = "parent.json"
CHECKPOINTS = "checkpoints"
RUN_FILES = frozenset({CONFIG, METRICS, WEIGHTS, PREVIOUS_WEIGHTS, CHECKPOINT, SUMMARY, DATASET, PARENT, CHECKPOINTS})
"""What a run folder holds besides its preview-*.png: nothing else may write these names there."""


def epoch_weights_path(run: Path, epoch: int) -> Path:
    return Path(run) / CHECKPOINTS / f"epoch-{epoch:04d}.safetensors"


def checkpoint_epochs(run: str | Path) -> list[int]:
    """Epochs with a weights snapshot in ``run`` (0 is the starting weights), ascending: what a fork can start from."""
    epochs = []
    for path in (Path(run) / CHECKPOINTS).glob("epoch-*.safetensors"):
        suffix = path.stem.removeprefix("epoch-")
        if suffix.isdigit() and path.is_file():  # a folder or a FIFO by that name holds no weights to start from
            epochs.append(int(suffix))
    return sorted(epochs)


def checkpoint_weights_path(run: Path, step: int) -> Path:
    """The weights that go with the checkpoint at ``step``: weights.safetensors, unless a kill between the weights'
    write and the checkpoint's left newer weights there and the checkpoint's own are the previous ones."""
    current = Path(run) / WEIGHTS
    previous = Path(run) / PREVIOUS_WEIGHTS
    saved = weights_metadata(current).get("step") if current.is_file() else None
    if saved is not None and int(saved) != step and previous.is_file():
        with contextlib.suppress(RunError, ValueError):
            if int(weights_metadata(previous).get("step", -1)) == step:
                return previous
    return current
