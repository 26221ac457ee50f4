"""Use a saved run without training: rebuild its models from config.json + dataset.json and load its weights."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vision_lab.core.errors import RunError
from vision_lab.core.events import DatasetSummary
from vision_lab.core.images import to_uint8
from vision_lab.core.runs import DATASET, WEIGHTS, RunRecord, load_weights, open_run
from vision_lab.core.safe_io import MAX_JSON, read_text, shown
from vision_lab.core.tasks import GANTask, Task, make_task


@dataclass
class LoadedRun:
    record: RunRecord
    dataset: DatasetSummary
    task: Task

    @property
    def config(self):  # type: ignore[no-untyped-def]
        return self.record.config

    def generate(self, n: int, seed: int = 0) -> np.ndarray:
        """GAN: ``n`` images as uint8 N×H×W×C from seeded noise."""
        task = self.task
        assert isinstance(task, GANTask)
        gen = torch.Generator().manual_seed(seed)
        z = torch.randn(n, task.cfg.gan.latent_dim, generator=gen).to(task.device)
        x = task.generate(z)
        return to_uint8(x.permute(0, 2, 3, 1).cpu().numpy(), -1.0, 1.0)


def read_dataset_summary(path: Path) -> DatasetSummary:
    if not os.path.lexists(path / DATASET):
        raise RunError(f"The run in '{shown(path)}' has no {DATASET}.")
    try:
        d = json.loads(read_text(path / DATASET, f"The run's {DATASET}", MAX_JSON, RunError))
        return DatasetSummary(
            name=d["name"],
            source=d.get("source", ""),
            train_size=int(d["train_size"]),
            val_size=int(d["val_size"]),
            image_shape=tuple(int(v) for v in d["image_shape"]),  # type: ignore[arg-type]
            class_names=tuple(d["class_names"]),
            notes=tuple(d.get("notes", ())),
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise RunError(f"The run's {DATASET} in '{path}' is unreadable ({err.__class__.__name__}).") from None


def load_run_models(path: str | Path, device: str = "cpu") -> LoadedRun:
    record = open_run(path)
    ds = read_dataset_summary(record.path)
    task = make_task(record.config, ds.image_shape, ds.class_names, torch.device(device))
    load_weights(record.path / WEIGHTS, task.modules)
    task.train(False)
    return LoadedRun(record, ds, task)
