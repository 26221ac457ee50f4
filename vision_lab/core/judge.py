"""The GAN judge: a small CNN trained on the GAN's own data that scores generated samples.

``confidence`` is the mean of its top class probability over the samples (blurry, in-between
images score low); ``coverage`` is how many classes get at least a quarter of their fair share of
the samples (a collapsed GAN makes one or two). Together they tell a working GAN from mode collapse.

The judge is trained with the one training loop (:func:`vision_lab.core.trainer.run_to_end`) and
cached by a fingerprint of the data: shipped for mnist-5k, in the user cache for anything else.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from vision_lab.core.config import DataConfig, ExperimentConfig, OptimConfig, TrainConfig
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import VisionLabError
from vision_lab.core.families.cnn import CNNConfig
from vision_lab.core.models.cnn import build_cnn
from vision_lab.core.paths import cache_dir, resource
from vision_lab.core.runs import load_weights, save_weights
from vision_lab.core.safe_io import shown

log = logging.getLogger(__name__)

# The default CNN (three conv blocks with batch norm): about 98% on mnist-5k after 5 epochs.
JUDGE_CNN = CNNConfig()
JUDGE_VERSION = 2


@dataclass(frozen=True)
class Verdict:
    confidence: float
    coverage: int
    histogram: np.ndarray
    """Samples per class (argmax of the judge)."""


class Judge:
    def __init__(self, model: nn.Module, num_classes: int) -> None:
        self.model = model.eval()
        self.num_classes = num_classes

    @torch.inference_mode()
    def probabilities(self, images01: torch.Tensor) -> torch.Tensor:
        """Class probabilities for NCHW float images in [0, 1]."""
        device = next(self.model.parameters()).device
        out = [F.softmax(self.model(images01[i : i + 1000].to(device)), 1) for i in range(0, len(images01), 1000)]
        return torch.cat(out)

    def score(self, images01: torch.Tensor) -> Verdict:
        p = self.probabilities(images01)
        hist = torch.bincount(p.argmax(1), minlength=self.num_classes).cpu().numpy()
        fair = len(images01) / self.num_classes
        return Verdict(
            confidence=float(p.max(1).values.mean()),
            coverage=int((hist >= 0.25 * fair).sum()),
            histogram=hist,
        )


def fingerprint(ds: ImageDataset) -> str:
    h = hashlib.sha256()
    h.update(f"judge{JUDGE_VERSION}|{ds.train_images.shape}|{ds.num_classes}".encode())
    h.update(np.ascontiguousarray(ds.train_images).data)
    h.update(np.ascontiguousarray(ds.train_labels).astype(np.int64).data)
    return h.hexdigest()[:24]


def judge_config(ds: ImageDataset) -> ExperimentConfig:
    n = len(ds.train_images)
    epochs = int(np.clip(np.ceil(20000 / max(n, 1)), 2, 5))
    return ExperimentConfig(
        model="cnn",
        data=DataConfig(name=ds.name),
        cnn=JUDGE_CNN,
        optim=OptimConfig(name="adam", lr=1e-3),
        train=TrainConfig(
            epochs=epochs, batch_size=64, seed=12345, device="cpu", report_seconds=3600, preview_seconds=3600
        ),
    )


def get_judge(
    ds: ImageDataset,
    device: torch.device,
    *,
    fit: Callable[[ExperimentConfig, ImageDataset], Any] | None = None,
    train_if_missing: bool = True,
    warn: Callable[[str], None] | None = None,
) -> Judge | None:
    """The judge for ``ds``: shipped, cached, or trained now (and cached) by ``fit``, which trains an experiment
    to its end and returns its task (the trainer's; passed in so that this module needs no trainer). A cached
    file that cannot be used, or a cache that cannot be written, is one sentence to ``warn`` (the run's warnings:
    the CLI prints them as ``vision-lab: warning: ...``), never fatal."""
    say = warn or log.warning
    key = fingerprint(ds)
    model = build_cnn(JUDGE_CNN, ds.image_shape, ds.num_classes)
    for path in (resource("judges", f"{key}.safetensors"), cache_dir() / "judges" / f"{key}.safetensors"):
        if os.path.lexists(path):
            try:
                load_weights(path, {"model": model})  # a FIFO or a device is refused, never read
                return Judge(model.to(device), ds.num_classes)
            except Exception as err:  # a corrupt cache entry is retrained, not fatal
                why = str(err).rstrip(".") if isinstance(err, VisionLabError) else f"{err.__class__.__name__}: {err}"
                why = why[:1].lower() + why[1:]
                then = "it is trained again" if train_if_missing else "no judge is used"
                say(f"The GAN's judge in the cache could not be used ({why}); {then}.")
    if not train_if_missing or fit is None:
        return None
    model = train_judge(ds, fit)
    target = cache_dir() / "judges" / f"{key}.safetensors"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        save_weights(target, {"model": model})
    except OSError as err:
        why = err.strerror or err
        say(f"Could not keep the GAN's judge in '{shown(target)}' ({why}); it is trained again next run.")
    return Judge(model.to(device), ds.num_classes)


def train_judge(ds: ImageDataset, fit: Callable[[ExperimentConfig, ImageDataset], Any]) -> nn.Module:
    # Keep the caller's RNG stream untouched: the GAN run must not depend on whether a judge was cached.
    state = torch.get_rng_state()
    try:
        task = fit(judge_config(ds), ds)
    finally:
        torch.set_rng_state(state)
    return task.modules["model"].cpu().eval()


def judge_path_for(ds: ImageDataset) -> Path:
    return resource("judges") / f"{fingerprint(ds)}.safetensors"
