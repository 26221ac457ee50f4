"""A run built before its loop starts: the data on the device, the task, its counters, a resumed or forked run's
state and the run folder (its writer, its checkpoints). :class:`vision_lab.core.trainer.Trainer` is this plus the
loop; apart so that the loop reads as a loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from vision_lab.core import distributed
from vision_lab.core.architecture import check_architecture, check_batch
from vision_lab.core.checkpoint import Carry, Progress, checkpoint_state, restore
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.control import TrainerControl
from vision_lab.core.data import ImageDataset
from vision_lab.core.device import (
    AMP_DTYPES,
    check_precision,
    grad_scaler,
    keep_freed_memory,
    out_of_memory_error,
    resolve_device,
)
from vision_lab.core.errors import ConfigError, VisionLabError
from vision_lab.core.events import Preview
from vision_lab.core.health import HealthTracker
from vision_lab.core.i18n import t
from vision_lab.core.run_checks import (
    check_classes,
    check_run_outside_data,
    check_targets,
    check_tensor_memory,
    data_out_of_memory,
)
from vision_lab.core.run_data import RunData, prepare_dataset, summarize_dataset
from vision_lab.core.runlock import RunLock, lock_run
from vision_lab.core.runs import TIMING_COLUMNS, RunWriter, epoch_weights_path, new_run_dir
from vision_lab.core.tasks import Task, make_task


@dataclass
class RunClock:
    """Training time without the time the consumer spent between our yields (pauses, painting)."""

    start: float = field(default_factory=time.perf_counter)
    outside: float = 0.0

    def now(self) -> float:
        return time.perf_counter() - self.start - self.outside


class RunSetup:
    """Everything for one run, built up front so that a user's mistake raises before any folder exists: the data,
    the task, the counters, a resumed or forked run's state, the run folder; a :class:`Trainer` then iterates its
    :meth:`~Trainer.events`.

    ``run_dir``: write the run there (must be new or empty). ``runs_root``: create a fresh folder under
    it. Neither: nothing is written (tests, the judge, benchmarks).

    ``resume_from``: a run folder to continue in place from its checkpoint (optimizer, RNG, counters, the
    epoch's losses so far), appending to its metrics.csv; ``cfg`` should be its config, with only its length
    changed (:func:`vision_lab.core.lineage.resume_run` checks that). ``fork_from`` (+ ``fork_epoch``): start a new
    run from another run's latest checkpoint or its weights at the end of ``fork_epoch``
    (:func:`vision_lab.core.lineage.fork_run` documents what carries over).
    """

    def __init__(
        self,
        cfg: ExperimentConfig,
        *,
        dataset: ImageDataset | None = None,
        run_dir: Path | None = None,
        runs_root: Path | None = None,
        control: TrainerControl | None = None,
        resume_from: Path | None = None,
        fork_from: Path | None = None,
        fork_epoch: int | None = None,
        load_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.cfg = cfg.validate()
        keep_freed_memory()
        self.control = control or TrainerControl()
        self.world = distributed.world()
        device = resolve_device(cfg.train.device)
        check_precision(cfg.train.precision, device)
        self.device = distributed.setup(self.world, device)
        self._lock: RunLock | None = None
        """A resumed folder's lock, taken before its checkpoint is read (a new folder's is taken by its writer)."""
        error: VisionLabError | None = None
        self._loading = False
        try:
            self._build(cfg, dataset, run_dir, runs_root, resume_from, fork_from, fork_epoch, load_kwargs)
        except VisionLabError as err:
            error = err
        except (RuntimeError, MemoryError) as err:
            error = out_of_memory_error(err, cfg)  # re-raises anything but a failed allocation (a bug)
            if self._loading:
                error = data_out_of_memory(cfg)
        if error is not None and self._lock is not None:
            self._lock.release()  # refused: the folder is free again at once, not when this object is collected
        # Under torchrun: if any process could not start, all stop here rather than wait for it forever.
        distributed.check_peers(self.world, error)
        self._train_modules: dict[str, torch.nn.Module] | None = None
        """DDP-wrapped modules the training step runs through (None: one process, the plain modules)."""
        if self.world.enabled:
            self._train_modules = distributed.wrap(self.task.modules, self.device)
        self._amp_dtype = AMP_DTYPES.get(cfg.train.precision)
        if self._amp_dtype is not None:
            self.task.amp = True
            if self._amp_dtype == torch.float16:
                self.task.scaler = grad_scaler(self.device)
        self.writer: RunWriter | None = None
        self._rows: list[dict[str, float]] = []
        """metrics.csv rows logged since the last Metrics event (which carries them)."""
        self._lr_changes: list[tuple[int, float]] = []
        """(step, rate) of each learning rate the user set while this session trained (summary.json keeps them)."""
        self.last_eval: dict[str, float] = {}
        self.last_previews: dict[str, Preview] = {}
        self._preview_cost = 0.0
        self._warnings: list[str] = []
        self.health = HealthTracker(self.task)

    def _build(
        self,
        cfg: ExperimentConfig,
        dataset: ImageDataset | None,
        run_dir: Path | None,
        runs_root: Path | None,
        resume_from: Path | None,
        fork_from: Path | None,
        fork_epoch: int | None,
        load_kwargs: dict[str, Any] | None,
    ) -> None:
        """Data, task, counters, checkpoint and run folder: everything that may fail on a user's mistake."""
        if resume_from is not None and self.world.is_main:
            # Another process training this folder is named first, before its data is loaded or its files read.
            self._lock = lock_run(Path(resume_from))
        self._loading = True  # an allocation that fails now is the data's fault, not the batch size's
        self.dataset = prepare_dataset(cfg, dataset, **(load_kwargs or {}))
        self._loading = False
        family = cfg.family
        shift = cfg.train.augment_shift if family.shift_augment else 0
        check_classes(cfg, self.dataset)
        check_targets(cfg, self.dataset)
        check_run_outside_data(self.dataset, None if resume_from is not None else run_dir, runs_root)
        check_tensor_memory(self.dataset, self.device, shift)
        shape = self.dataset.image_shape
        # Blocks that shrink the image to nothing, batch norm with one value per channel: one sentence now, not
        # PyTorch's error from inside the first step (after the run folder was made).
        check_architecture(cfg, shape)
        torch.manual_seed(cfg.train.seed)
        self.task: Task = make_task(cfg, shape, self.dataset.class_names, self.device)
        self.data = RunData(
            self.dataset, self.task.value_range, self.device, seed=cfg.train.seed, shift=shift, target=family.target
        )
        self._plan_batches(cfg, shape)
        if self.task.preview_count:
            x, y, from_training = self.data.preview_batch(self.task.preview_count)
            self.task.set_preview_batch(x, y, from_training=from_training)
        self.progress = Progress()
        self._rng_state: torch.Tensor | None = None
        self._carry = Carry(base_lr=self.task.lr)
        self._losses: torch.Tensor | None = None
        self._log_from = 0
        self._epoch_end_logged = False
        self._status = "running"
        self._clock: RunClock | None = None
        source = Path(resume_from) if resume_from is not None else Path(fork_from) if fork_from is not None else None
        if source is not None:
            fork = resume_from is None
            restored = restore(
                source,
                self.task,
                cfg,
                self.steps_per_epoch,
                self.total_steps,
                self.device,
                epoch=fork_epoch if fork else None,
                fork=fork,
            )
            self.progress, self._carry, self._rng_state = restored.progress, restored.carry, restored.rng_state
            if not fork:
                run_dir = source
        self.columns = [
            "step",
            "epoch",
            *self.task.loss_names,
            *[n for n in self.task.eval_names if n not in self.task.loss_names],
            "lr",
            *TIMING_COLUMNS,
        ]
        if not self.world.is_main:
            run_dir = runs_root = None  # rank 0 alone writes the run folder
        self._run_path = run_dir if run_dir is not None else (new_run_dir(runs_root, cfg) if runs_root else None)

    def _plan_batches(self, cfg: ExperimentConfig, shape: tuple[int, int, int]) -> None:
        """The batch size, this process's share of each batch, steps per epoch, the run's length, the rows' rate."""
        n = len(self.data.train_x)
        w = self.world.world_size
        if w > 1 and cfg.train.batch_size % w:
            b = cfg.train.batch_size
            raise ConfigError(
                t(
                    "run_setup.batch_not_multiple",
                    "train.batch_size ({batch}) is the global batch, split evenly over the {world} processes, so it "
                    "must be a multiple of {world}; try {suggested}.",
                    batch=b,
                    world=w,
                    suggested=b - b % w or w,
                )
            )
        if n < w:
            raise ConfigError(
                t(
                    "run_setup.too_few_images",
                    "The {images} training images cannot be shared by {world} processes.",
                    images=n,
                    world=w,
                )
            )
        self.batch_size = min(cfg.train.batch_size, n - n % w)
        check_batch(cfg, shape, self.batch_size, n, w)
        # This rank's contiguous share of every global batch (all of it with one process): the sampler.
        share = self.batch_size // w
        self._shard = (self.world.rank * share, (self.world.rank + 1) * share)
        # Whole batches only: a last batch of one sample breaks batch norm and skews GAN statistics.
        self.steps_per_epoch = max(1, n // self.batch_size)
        total = cfg.train.epochs * self.steps_per_epoch
        self.total_steps = min(total, cfg.train.max_steps) if cfg.train.max_steps else total
        self.log_every = cfg.train.log_every or max(1, self.steps_per_epoch // 50)

    # The data as tensors (tests and the distributed checks look at them).
    @property
    def train_x(self) -> torch.Tensor:
        return self.data.train_x

    @property
    def train_y(self) -> torch.Tensor:
        return self.data.train_y

    @property
    def val_x(self) -> torch.Tensor:
        return self.data.val_x

    @property
    def val_y(self) -> torch.Tensor:
        return self.data.val_y

    # --- the run folder ---------------------------------------------------------------------------------
    def _rollback(self) -> None:
        """The run failed: stop writing; a resumed run's folder goes back to what it was before (runs.RunWriter);
        the folder's lock is let go (a resume that failed before its writer opened holds it here)."""
        if self.writer is not None:
            self.writer.rollback()
        if self._lock is not None:
            self._lock.release()

    def _open_writer(self) -> None:
        carry, prog = self._carry, self.progress
        self.writer = RunWriter(
            self._run_path,  # type: ignore[arg-type]
            self.cfg,
            self.columns,
            summarize_dataset(self.dataset),
            append=carry.append,
            keep_rows=carry.metrics_rows,
            parent=carry.parent,
            lock=self._lock,
        )
        # A write that fails (disk full, folder gone) stops the run within a step; _finish says so.
        self.writer.on_error = self.control.request_stop
        if not carry.append and prog.batch == 0:  # the starting weights: a fork can start there too
            self.writer.save_epoch_weights(self.task.modules, prog.epoch, prog.step)

    def _checkpoint_state(self) -> dict[str, Any]:
        return checkpoint_state(
            self.task,
            self.progress,
            self._carry,
            self.steps_per_epoch,
            epoch_end_logged=self._epoch_end_logged,
            losses=self._losses,
            log_from=self._log_from,
            metrics_rows=self.writer.rows if self.writer is not None else 0,
            elapsed_s=self._clock.now() if self._clock is not None else 0.0,
            status=self._status,
        )

    def _save_checkpoint(self) -> None:
        assert self.writer is not None
        state = self._checkpoint_state()
        self.writer.save_checkpoint(self.task.modules, state)
        epoch = state["epoch"]
        if state["batch"] == 0 and not epoch_weights_path(self.writer.path, epoch).exists():
            self.writer.save_epoch_weights(self.task.modules, epoch, state["step"])


__all__ = ["RunSetup"]
