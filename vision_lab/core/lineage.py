"""Runs that continue other runs: resume one in place, or fork a new one from it.

Both return a :class:`~vision_lab.core.trainer.Trainer` that is built but has not trained yet; iterate its
``events()`` as for any run (GUI worker, CLI and tests alike). Mistakes (no such run, no checkpoint, a
setting a resume cannot change, nothing left to train) raise :class:`~vision_lab.core.errors.VisionLabError`
subclasses before any file is touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vision_lab.core.config import ExperimentConfig, apply_overrides, config_changes
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError
from vision_lab.core.runs import open_run

if TYPE_CHECKING:  # the window reads Launch without loading torch; resume and fork build a Trainer
    from vision_lab.core.trainer import Trainer, TrainerControl

RESUMABLE = ("train.epochs", "train.max_steps", "train.device", "train.report_seconds", "train.preview_seconds")
"""What a resume may change: how long it trains, where, and how often it reports; nothing that changes the numbers."""


def resume_run(
    run_dir: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    dataset: ImageDataset | None = None,
    control: TrainerControl | None = None,
    load_kwargs: dict[str, Any] | None = None,
) -> Trainer:
    """Continue a stopped or finished run in its own folder, from its checkpoint.

    The weights, optimizer state, RNG state, step and epoch counters, the order of the epoch's batches, the
    epoch's losses so far, the learning-rate schedule's base rate and the GAN's counters all carry on, and
    metrics.csv is appended to: stopping a run at step k and resuming it gives bit for bit the weights and
    metrics.csv rows (less the timing columns) of an unbroken run, on the CPU.

    ``overrides`` may change only :data:`RESUMABLE` keys, e.g. ``{"train.epochs": 20}`` to train a finished run
    further. With the cosine schedule, a new length re-plans the decay from the current step over the new
    total (the rate a longer run would have there), so such a continuation is not the same as a run planned
    that long from the start; with the constant schedule it is.
    """
    record = open_run(run_dir)
    cfg = apply_overrides(record.config, overrides)
    other = [k for k in config_changes(record.config, cfg) if k not in RESUMABLE]
    if other:
        raise ConfigError(
            f"A resumed run keeps its settings, so {', '.join(other)} cannot change; fork the run to change "
            f"{'it' if len(other) == 1 else 'them'}."
        )
    from vision_lab.core.trainer import Trainer

    return Trainer(cfg, resume_from=record.path, dataset=dataset, control=control, load_kwargs=load_kwargs)


def fork_run(
    parent_dir: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    epoch: int | None = None,
    run_dir: str | Path | None = None,
    runs_root: str | Path | None = None,
    dataset: ImageDataset | None = None,
    control: TrainerControl | None = None,
    load_kwargs: dict[str, Any] | None = None,
) -> Trainer:
    """A new run that starts where ``parent_dir`` was, with the parent's config changed by ``overrides``.

    ``overrides``: dotted keys as in :func:`~vision_lab.core.config.apply_overrides`, e.g.
    ``{"optim.lr": 1e-4, "train.epochs": 20}``; ``train.epochs`` is the total, the parent's epochs included.

    ``epoch=None`` starts from the parent's latest checkpoint: its weights, RNG state, position (step, epoch,
    batch) and optimizer state. If the fork leaves the optimizer settings (``optim.*``, ``gan.d_lr``) as they
    were, the optimizer carries on exactly (a rate the user set by hand while the parent trained included), so
    a fork with no overrides trains bit for bit as resuming the parent would; if it changes them, the moments
    still carry over when the optimizer kind is the same, and the rates, betas and decay are the fork's.

    ``epoch=e`` starts from the weights the parent kept at the end of epoch e (``checkpoints/epoch-000e
    .safetensors``; 0 is its starting weights) with fresh optimizer state and an RNG seeded from ``train.seed``
    and e (a snapshot keeps weights only), so such a fork is repeatable but not a continuation.

    Either way the step and epoch counters continue the parent's, so curves line up (a cosine schedule runs
    over the fork's whole length from its base rate); if the batch size or data change the steps per epoch,
    the fork starts at the beginning of the parent's epoch. The new folder (``run_dir``; else one named after
    the parent under ``runs_root``, by default beside the parent) holds only the fork's own metrics rows;
    parent.json and summary.json record ``"parent": {"run": absolute parent path, "epoch": e, "step": s}``.
    Weights that do not fit a changed model raise :class:`~vision_lab.core.errors.RunError`.
    """
    record = open_run(parent_dir)
    if epoch is not None and epoch < 0:
        raise ConfigError(f"The epoch to fork from must be 0 or more, got {epoch}.")
    cfg = apply_overrides(record.config, overrides)
    parent = record.path.resolve()
    if run_dir is None:
        run_dir = fork_dir(Path(runs_root).expanduser() if runs_root else parent.parent, parent.name, epoch)
    from vision_lab.core.trainer import Trainer

    return Trainer(
        cfg,
        run_dir=Path(run_dir).expanduser(),
        fork_from=parent,
        fork_epoch=epoch,
        dataset=dataset,
        control=control,
        load_kwargs=load_kwargs,
    )


def fork_dir(root: Path, parent_name: str, epoch: int | None) -> Path:
    """A fresh folder name for a fork: ``<parent>-fork-e3`` (``-fork`` from the latest checkpoint), then -2, -3..."""
    base = re.sub(r"-fork(-e\d+)?(-\d+)?$", "", parent_name)  # a fork of a fork does not grow its name
    stem = f"{base}-fork" + (f"-e{epoch}" if epoch is not None else "")
    path, n = root / stem, 2
    while path.exists():
        path, n = root / f"{stem}-{n}", n + 1
    return path


@dataclass(frozen=True)
class Launch:
    """What a front end asks to train: a new run of ``config``, a resume of ``resume``, or a fork of ``fork``.

    Plain data (it crosses to the GUI's training process by pickle); :meth:`build` makes the Trainer where
    the training happens. For a resume or a fork, ``overrides`` are the dotted settings changed from the source
    run's (``config`` is the source's config with them applied: what the run will train with).
    """

    config: ExperimentConfig
    resume: Path | None = None
    fork: Path | None = None
    fork_epoch: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "resume" if self.resume is not None else "fork" if self.fork is not None else "new"

    def build(
        self,
        *,
        dataset: ImageDataset | None = None,
        runs_root: str | Path | None = None,
        control: TrainerControl | None = None,
    ) -> Trainer:
        if self.resume is not None:
            return resume_run(self.resume, self.overrides, dataset=dataset, control=control)
        if self.fork is not None:
            return fork_run(
                self.fork, self.overrides, epoch=self.fork_epoch, runs_root=runs_root, dataset=dataset, control=control
            )
        root = Path(runs_root) if runs_root is not None else None
        from vision_lab.core.trainer import Trainer

        return Trainer(self.config, dataset=dataset, runs_root=root, control=control)


__all__ = ["RESUMABLE", "Launch", "fork_dir", "fork_run", "resume_run"]
