"""Use a saved run without training: rebuild its models from config.json + dataset.json and load its weights."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vision_lab.core import run_schema
from vision_lab.core.architecture import check_architecture
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.events import DatasetSummary
from vision_lab.core.images import to_uint8
from vision_lab.core.models import build_models
from vision_lab.core.runs import DATASET, WEIGHTS, RunRecord, load_weights, open_run
from vision_lab.core.safe_io import shown
from vision_lab.core.tasks import Task, make_task


@dataclass
class LoadedRun:
    record: RunRecord
    dataset: DatasetSummary
    task: Task

    @property
    def config(self):  # type: ignore[no-untyped-def]
        return self.record.config

    def generate(self, n: int, seed: int = 0) -> np.ndarray:
        """A family that generates (the GAN): ``n`` images as uint8 N×H×W×C from seeded noise."""
        task: Any = self.task
        assert self.config.family.has("generate")
        gen = torch.Generator().manual_seed(seed)
        z = torch.randn(n, task.latent_dim, generator=gen).to(task.device)
        x = task.generate(z)
        return to_uint8(x.permute(0, 2, 3, 1).cpu().numpy(), *task.value_range)


def read_dataset_summary(path: Path) -> DatasetSummary:
    """dataset.json, checked field by field: its image shape decides what rebuilding the model allocates."""
    file = path / DATASET
    if not os.path.lexists(file):
        raise RunError(f"The run in '{path}' has no {DATASET}.")
    what = f"The run's {DATASET} in '{shown(path)}'"
    return run_schema.dataset_summary(run_schema.read_json(file, what), what)


def load_run_models(path: str | Path, device: str = "cpu") -> LoadedRun:
    """A run's models with its final weights. The models are first built on PyTorch's meta device (shapes, no
    memory) and compared with the weights file's header, so a tampered dataset.json or config cannot make this
    allocate more than the weights file itself holds."""
    record = open_run(path)
    ds = read_dataset_summary(record.path)
    weights = record.path / WEIGHTS
    try:
        check_architecture(record.config, ds.image_shape)
    except ConfigError as err:
        raise RunError(f"The run's {DATASET} in '{shown(record.path)}' does not fit its model: {err}") from None
    with torch.device("meta"):
        shapes = build_models(record.config, ds.image_shape, max(1, len(ds.class_names)))
    load_weights(weights, shapes, check_only=True)
    task = make_task(record.config, ds.image_shape, ds.class_names, torch.device(device), trainable=False)
    load_weights(weights, task.modules)
    task.train(False)
    return LoadedRun(record, ds, task)
