"""THE training loop: one generator of typed events, consumed by the GUI worker, the CLI and the tests.

Cheap by design (see ARCHITECTURE.md): losses stay on the device in a per-epoch buffer and become
Python floats only when a report is due (about every 100 ms), previews are made at a lower rate in
eval mode, and nothing that reporting does touches the training RNG, so the numbers of a run depend
on its config alone, not on how often anyone looked.

The set-up lives beside it: the device and precision in :mod:`~vision_lab.core.device`, the data as tensors in
:mod:`~vision_lab.core.run_data`, what a checkpoint keeps and how a resume or fork starts in
:mod:`~vision_lab.core.checkpoint`; what a step, an evaluation and a preview are is the family's Task
(:mod:`~vision_lab.core.tasks`). :meth:`Trainer.events` reads top to bottom: begin, then for each epoch its steps
and its end, then finish.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vision_lab.core import distributed
from vision_lab.core.architecture import check_architecture, check_batch
from vision_lab.core.checkpoint import Carry, Progress, checkpoint_state, lr_factor, restore
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
from vision_lab.core.errors import ConfigError, RunError, VisionLabError
from vision_lab.core.events import Event, Finished, Metrics, Preview, Started
from vision_lab.core.health import HealthTracker, preview_probe
from vision_lab.core.run_checks import check_classes, check_run_outside_data, check_tensor_memory, data_out_of_memory
from vision_lab.core.run_data import RunData, prepare_dataset, summarize_dataset
from vision_lab.core.runlock import RunLock, lock_run
from vision_lab.core.runs import TIMING_COLUMNS, RunWriter, epoch_weights_path, new_run_dir
from vision_lab.core.tasks import RunContext, Task, make_task

SNAPSHOT_SECONDS = 3.0  # how stale the "last good weights" kept on divergence may be
PREVIEW_BUDGET = 50  # a preview costing c seconds comes at most every 50·c seconds


@dataclass
class _Clock:
    """Training time without the time the consumer spent between our yields (pauses, painting)."""

    start: float = field(default_factory=time.perf_counter)
    outside: float = 0.0

    def now(self) -> float:
        return time.perf_counter() - self.start - self.outside


@dataclass
class _Loop:
    """Where the loop is between two of its yields: what its reports, its divergence check and its epoch ends need."""

    start_step: int
    base_lr: float
    """The schedule's base rate. Kept, not derived from the current rate: a resumed run must set exactly the rates
    an unbroken one does."""
    good: dict[str, dict[str, torch.Tensor]]
    """The last good weights, taken at most every SNAPSHOT_SECONDS: what a diverged run keeps."""
    good_step: int
    last_snapshot_t: float
    last_report_t: float
    report_step: int
    last_preview_t: float = -math.inf
    rate: float = 0.0
    report_from: int = 0
    """First batch of the epoch not yet in a report's mean."""
    epoch_first: int = 0
    """First batch of this epoch's loss buffer that was trained (0 after a mid-epoch resume: its losses came back)."""
    status: str = "completed"
    message: str = ""


class Trainer:
    """Build everything for one run up front (so a user's mistake raises before any folder exists),
    then iterate :meth:`events`.

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
        check_run_outside_data(self.dataset, None if resume_from is not None else run_dir, runs_root)
        check_tensor_memory(self.dataset, self.device, shift)
        shape = self.dataset.image_shape
        # Blocks that shrink the image to nothing, batch norm with one value per channel: one sentence now, not
        # PyTorch's error from inside the first step (after the run folder was made).
        check_architecture(cfg, shape)
        torch.manual_seed(cfg.train.seed)
        self.task: Task = make_task(cfg, shape, self.dataset.class_names, self.device)
        self.data = RunData(self.dataset, self.task.value_range, self.device, seed=cfg.train.seed, shift=shift)
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
        self._clock: _Clock | None = None
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
                f"train.batch_size ({b}) is the global batch, split evenly over the {w} processes, so it must be "
                f"a multiple of {w}; try {b - b % w or w}."
            )
        if n < w:
            raise ConfigError(f"The {n} training images cannot be shared by {w} processes.")
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

    # --- the loop --------------------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        """Begin (run folder, what the task needs, Started); each epoch's steps, reporting and previewing on their
        timers, then the epoch's end (evaluation, its row, a report, a preview, a checkpoint); finish."""
        yield from self._begin()
        loop = self._loop
        try:
            while self._work_left() and loop.status == "completed":
                yield from self._train_epoch()
                if loop.status != "completed":
                    break
                yield from self._end_epoch()
        except GeneratorExit:
            # The consumer closed us (window closed): keep what was trained, then go.
            self._finish("stopped", "Training was interrupted.")
            raise
        except KeyboardInterrupt:
            # Ctrl-C in a terminal lands here when it interrupts a step: a stop, as the CLI tells the user.
            self._finish("stopped", "Interrupted by the user.")
            raise
        except (RuntimeError, MemoryError) as err:
            # A new run keeps its last checkpoint for a resume; a failed resume puts its folder back as it was.
            self._rollback()
            raise out_of_memory_error(err, self.cfg, self.progress.step) from None
        except BaseException:
            self._rollback()  # a bug: the folder is released, a resumed one put back as it was
            raise
        if self.world.enabled and loop.status == "completed" and not distributed.in_sync(self.task.modules):
            # Every rank reaches this point together (stops and divergence are decided on averaged losses).
            self._warnings.append(
                "The training processes ended with different weights (a bug: some step bypassed DDP); "
                "the run holds rank 0's."
            )
        yield from self._emit(self._finish(loop.status, loop.message))

    def _begin(self) -> Iterator[Event]:
        """The run folder, what the task needs besides its models, the RNG where the run is; Started."""
        cfg, task, prog = self.cfg, self.task, self.progress
        error: VisionLabError | None = None
        try:
            if self.writer is None and self._run_path is not None:
                self._open_writer()
            # What the task needs besides its models (the GAN's judge) serves evaluations and previews, which
            # rank 0 alone makes; anything it trains is a run of its own: one process, even under torchrun.
            if self.world.is_main:
                with distributed.single_process():
                    task.prepare(RunContext(self.dataset, self.device, self._warnings.append, _fit_alone))
        except VisionLabError as err:
            error = err
        try:
            distributed.check_peers(self.world, error)
        except BaseException:
            self._rollback()
            raise
        if self._rng_state is not None:  # after the judge: building its network draws from the RNG
            torch.set_rng_state(self._rng_state)
        if self.world.rank > 0:
            torch.manual_seed(distributed.rank_seed(cfg.train.seed, self.world.rank, prog.step))
        clock = self._clock = _Clock()
        self._last_log = (0.0, prog.step)
        yield from self._emit(
            Started(
                config=cfg,
                dataset=summarize_dataset(self.dataset),
                device=str(self.device),
                parameters=task.parameters_count(),
                steps_per_epoch=self.steps_per_epoch,
                total_steps=self.total_steps,
                batch_size=self.batch_size,
                start_step=prog.step,
                run_dir=self._run_path,
            )
        )
        now = clock.now()
        self._loop = _Loop(
            start_step=prog.step,
            base_lr=self._carry.base_lr if cfg.train.lr_schedule == "cosine" else task.lr,
            good=self._snapshot(),
            good_step=prog.step,
            last_snapshot_t=now,
            last_report_t=now,
            report_step=prog.step,
        )
        task.train(True)

    def _work_left(self) -> bool:
        return self.progress.step < self.total_steps and self.progress.epoch < self.cfg.train.epochs

    def _train_epoch(self) -> Iterator[Event]:
        """The epoch's steps (to its end, or to the run's max_steps), reporting on the timer or as asked."""
        cfg, ctl, task, prog, loop = self.cfg, self.control, self.task, self.progress, self._loop
        bs, spe = self.batch_size, self.steps_per_epoch
        # Under DDP every process must take the same decisions at the same step (a report averages the losses,
        # a collective), so reports come at the metrics rows, not on a timer; previews stay timed: rank 0 alone
        # makes them and they involve no other process.
        shared = self.world.enabled
        special = shared or self._amp_dtype is not None
        cosine = cfg.train.lr_schedule == "cosine"
        lo, hi = self._shard
        order = self.data.epoch_order(prog.epoch)
        losses, loop.epoch_first = self._epoch_buffer(len(task.loss_names))
        loop.report_from = prog.batch
        while prog.batch < spe and prog.step < self.total_steps:
            i = prog.batch
            idx = order[i * bs + lo : i * bs + hi]  # this process's share of the global batch
            if cosine:
                task.set_lr(loop.base_lr * lr_factor(cfg, prog.step, self.total_steps))
            xb, yb = self.data.batch(idx)
            losses[i] = self._step_special(xb, yb, prog.step) if special else task.train_step(xb, yb, prog.step)
            prog.step += 1
            prog.batch += 1
            row_due = prog.step % self.log_every == 0
            if row_due:
                if shared:
                    distributed.mean_(losses[self._log_from : i + 1])
                self._log_row(losses[self._log_from : i + 1], None)
                self._log_from = i + 1
            now = self._clock.now()  # type: ignore[union-attr]
            timer = ctl.interrupt or ctl.report_every_step or now - loop.last_report_t >= cfg.train.report_seconds
            if row_due if shared else timer:
                yield from self._report(losses[loop.report_from : i + 1], now)
                loop.report_from = i + 1
                if loop.status != "completed":
                    return

    def _report(self, recent: torch.Tensor, now: float) -> Iterator[Event]:
        """A report within the epoch: a new rate the user set, the divergence check, the last good weights, the
        Metrics event; a preview when one is due; a stop the user asked for."""
        ctl, task, prog, loop, clock = self.control, self.task, self.progress, self._loop, self._clock
        assert clock is not None
        ctl.interrupt = False
        if ctl.new_lr is not None:
            self._lr_changes.append((prog.step, ctl.new_lr))
            task.set_lr(ctl.new_lr)
            # The schedule carries on from the user's rate.
            factor = lr_factor(self.cfg, prog.step, self.total_steps)
            loop.base_lr = self._carry.base_lr = ctl.new_lr / max(factor, 1e-12)
            ctl.new_lr = None
        mean = recent.mean(0).tolist()
        if not all(map(math.isfinite, mean)):
            loop.status, loop.message = "diverged", self._diverged(mean)
            return
        if now - loop.last_snapshot_t >= SNAPSHOT_SECONDS:
            loop.good, loop.good_step, loop.last_snapshot_t = self._snapshot(), prog.step, now
        loop.rate = (prog.step - loop.report_step) * self.batch_size / max(now - loop.last_report_t, 1e-9)
        yield from self._emit(self._metrics(mean))
        loop.report_step, loop.last_report_t = prog.step, clock.now()
        # Previews get at most ~2% of the time, however slow the model is to sample.
        gap = max(self.cfg.train.preview_seconds, PREVIEW_BUDGET * self._preview_cost)
        if self.world.is_main and (ctl.preview_now or clock.now() - loop.last_preview_t >= gap):
            ctl.preview_now = False
            yield from self._emit(self._preview())
            loop.last_preview_t = clock.now()
        if ctl.stop:
            loop.status, loop.message = "stopped", f"Stopped by the user at step {prog.step}."

    def _end_epoch(self) -> Iterator[Event]:
        """The epoch's end (or max_steps reached mid-epoch): evaluate, log its row, report its means, preview,
        checkpoint; a stop asked for during all that ends the run at this boundary."""
        task, prog, loop, clock = self.task, self.progress, self._loop, self._clock
        assert clock is not None and self._losses is not None
        losses = self._losses
        epoch_done = prog.batch >= self.steps_per_epoch
        if self.world.enabled:
            distributed.mean_(losses[self._log_from : prog.batch])
            with torch.no_grad():
                distributed.mean_buffers_(task.modules)  # before evaluating: everyone's statistics
        tail = losses[max(loop.report_from, loop.epoch_first) : prog.batch]
        mean = tail.mean(0).tolist() if len(tail) else []
        if mean and not all(map(math.isfinite, mean)):
            loop.status, loop.message = "diverged", self._diverged(mean)
            return
        values, confusion = self._evaluate()
        epoch_losses = losses[loop.epoch_first : prog.batch].mean(0).tolist()
        self._log_row(losses[self._log_from : prog.batch], values)
        self._log_from, self._epoch_end_logged = prog.batch, True
        now = clock.now()
        if prog.step > loop.report_step:
            loop.rate = (prog.step - loop.report_step) * self.batch_size / max(now - loop.last_report_t, 1e-9)
        named = dict(zip(task.loss_names, epoch_losses, strict=True))
        metrics = self._metrics(list(named.values()), values, confusion, epoch_end=True, class_counts=task.class_counts)
        yield from self._emit(metrics)
        loop.report_from, loop.report_step, loop.last_report_t = prog.batch, prog.step, clock.now()
        if self.world.is_main:
            yield from self._emit(self._preview())
        loop.last_preview_t = clock.now()
        if epoch_done:
            prog.epoch += 1
            prog.batch = 0
        if self.writer is not None:
            self._save_checkpoint()
        if self.control.stop and self._work_left():
            # Asked during the epoch-end reports: stop at the boundary, not one step into the next epoch.
            loop.status, loop.message = "stopped", f"Stopped by the user at step {prog.step}."

    # --- helpers ---------------------------------------------------------------------------------------
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

    def _epoch_buffer(self, n_losses: int) -> tuple[torch.Tensor, int]:
        """This epoch's per-step loss buffer and its first filled batch; ``_log_from`` is where its next
        metrics.csv row starts.

        After a mid-epoch resume the buffer comes back from the checkpoint, so the epoch's means and rows are
        those of an unbroken run.
        """
        prog, carry = self.progress, self._carry
        losses = torch.zeros(self.steps_per_epoch, n_losses, device=self.device)
        first = log_from = prog.batch
        if carry.losses is not None:
            losses[: len(carry.losses)] = carry.losses
            first, log_from = 0, carry.log_from
            carry.losses = None
        self._losses, self._log_from, self._epoch_end_logged = losses, log_from, False
        return losses, first

    def _snapshot(self) -> dict[str, dict[str, torch.Tensor]]:
        return {k: copy.deepcopy(m.state_dict()) for k, m in self.task.modules.items()}

    def _step_special(self, x: torch.Tensor, y: torch.Tensor, step: int) -> torch.Tensor:
        """A training step through the DDP wrappers and/or under autocast (the plain path calls the task directly).

        The task's step reads ``task.modules``, so for the step's duration those are the DDP-wrapped modules
        (same parameters, plus DDP's gradient averaging); everything else (evaluation, previews, checkpoints,
        exports) sees the plain modules, so nothing ever carries DDP's ``module.`` prefix or runs a collective.

        The GAN under DDP: generator and discriminator are wrapped apart. The discriminator's two forward passes
        (real, fake) before its one backward are fine for DDP (each parameter's gradient hook fires once per
        backward; no ``find_unused_parameters``, which would trip on them). The alternating generator update runs
        D again through its wrapper, so D's (then discarded) gradients are averaged once more: a little traffic for
        keeping tasks.py unaware of DDP (the simultaneous update's backward passes are restricted to each model's
        weights, so each wrapper averages only its own). With ``gan.d_steps > 1`` the generator's forward without a
        backward is harmless: DDP only insists on a finished reduction once some gradient of it was produced.
        """
        task = self.task
        plain = task.modules
        if self._train_modules is not None:
            task.modules = self._train_modules
        try:
            amp = (
                torch.autocast(self.device.type, dtype=self._amp_dtype)
                if self._amp_dtype is not None
                else contextlib.nullcontext()
            )
            with amp:
                out = task.train_step(x, y, step)
        finally:
            task.modules = plain
        if task.scaler is not None:
            task.scaler.update()  # once per step, after every optimizer stepped (AMP's rule for several)
        return out

    def _emit(self, event: Event) -> Iterator[Event]:
        t = time.perf_counter()
        if isinstance(event, Preview):
            self.last_previews[event.kind] = event
        yield event
        self._clock.outside += time.perf_counter() - t  # type: ignore[union-attr]

    def _metrics(
        self,
        losses: list[float],
        values: dict[str, float] | None = None,
        confusion: np.ndarray | None = None,
        epoch_end: bool = False,
        class_counts: np.ndarray | None = None,
    ) -> Metrics:
        prog, loop, clock = self.progress, self._loop, self._clock
        assert clock is not None
        elapsed = clock.now()
        done = prog.step - loop.start_step
        eta = (self.total_steps - prog.step) * elapsed / done if done else math.inf
        vals = dict(zip(self.task.loss_names, losses, strict=False))
        if values:
            vals.update(values)
        rows, self._rows = tuple(self._rows), []
        return Metrics(
            rows=rows,
            step=prog.step,
            epoch=prog.epoch,
            epoch_progress=prog.epoch + prog.batch / self.steps_per_epoch,
            values=vals,
            samples_per_s=loop.rate,
            elapsed_s=elapsed,
            eta_s=eta,
            lr=self.task.lr,
            epoch_end=epoch_end,
            confusion=confusion,
            class_counts=class_counts,
        )

    def _log_row(self, losses: torch.Tensor, values: dict[str, float] | None) -> None:
        """A metrics.csv row (when there is a run folder), and the same row for the next Metrics event: the live
        plot draws exactly these rows, so it matches the saved curve however often the front end looked."""
        prog = self.progress
        now = self._clock.now()  # type: ignore[union-attr]
        last_t, last_step = self._last_log
        self._last_log = (now, prog.step)
        row: dict[str, float | int | None] = {
            "step": prog.step,
            "epoch": round(prog.epoch + prog.batch / self.steps_per_epoch, 6),
            "lr": self.task.lr,
            "samples_per_s": (
                round((prog.step - last_step) * self.batch_size / max(now - last_t, 1e-9), 1)
                if prog.step > last_step
                else None
            ),
            "elapsed_s": round(now + self._carry.elapsed_s, 3),
        }
        if len(losses):
            row.update(zip(self.task.loss_names, losses.mean(0).tolist(), strict=True))
        if values:
            row.update(values)
        self._rows.append({k: v for k, v in row.items() if k not in TIMING_COLUMNS and v is not None})
        if self.writer is not None:
            self.writer.log(row)

    def _evaluate(self) -> tuple[dict[str, float], np.ndarray | None]:
        if not self.world.is_main:  # rank 0 evaluates for everyone; the others only train
            self.last_eval_step = self.progress.step
            return {}, None
        if not len(self.val_x) and self.task.needs_validation:  # no validation split: no figures made up
            self.last_eval_step = self.progress.step
            return {}, None
        values, confusion = self.task.evaluate(self.val_x, self.val_y)
        self.last_eval = values
        self.last_eval_step = self.progress.step
        return values, confusion

    def _preview(self) -> Preview:
        t = time.perf_counter()
        task, step = self.task, self.progress.step
        # The preview's own forward pass counts the dead ReLUs, so health adds only a few norms.
        with preview_probe(task) as probe:
            preview = task.preview(step, self.progress.epoch)
        health = self.health.measure(task, step, dead_relu=probe.fractions())
        weights = None
        if self.control.stream_weights:
            # Weights as they are now, so an inspector shows exactly this preview's model.
            weights = {
                name: {k: v.detach().to("cpu", copy=True).numpy() for k, v in task.modules[name].state_dict().items()}
                for name in task.streamed_modules()
            }
        preview = dataclasses.replace(preview, weights=weights, health=health)
        self._preview_cost = time.perf_counter() - t
        if self.writer is not None:
            self.writer.save_preview(preview)
        return preview

    def _diverged(self, mean: list[float]) -> str:
        """Back to the last good weights; the sentence that says so."""
        loop = self._loop
        for name, module in self.task.modules.items():
            module.load_state_dict(loop.good[name])
        names = ", ".join(n for n, v in zip(self.task.loss_names, mean, strict=True) if not math.isfinite(v))
        return (
            f"The {names} became NaN or infinite by step {self.progress.step}: the run stopped and kept the "
            f"last good weights (step {loop.good_step}). The learning rate is probably too high."
        )

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

    def _finish(self, status: str, message: str) -> Finished:
        prog, clock = self.progress, self._clock
        assert clock is not None
        self._status = status
        if getattr(self, "last_eval_step", None) != prog.step or status == "diverged":
            self._evaluate()
        seconds = clock.now()
        steps_done = prog.step - self._loop.start_step
        summary: dict[str, Any] = dict(self.last_eval)
        summary.update(
            status=status,
            samples_per_s=steps_done * self.batch_size / seconds if seconds > 0 else 0.0,
            seconds=seconds,
            steps=prog.step,
            epochs=prog.epoch + prog.batch / self.steps_per_epoch,
            model=self.cfg.model,
            dataset=self.dataset.name,
            classes=len(self.dataset.class_names),
        )
        if self._carry.parent is not None:
            summary["parent"] = self._carry.parent
        if self._lr_changes:
            summary["lr_changes"] = [[step, lr] for step, lr in self._lr_changes]
        if not message:
            message = finished_message(summary["epochs"], prog.step, steps_done, seconds)
        warnings: list[str] = list(self._warnings)
        if self.writer is not None:
            try:
                if status != "diverged":
                    self._save_checkpoint()
                else:
                    self.writer.save_checkpoint(self.task.modules, self._checkpoint_state())
                self.writer.finish(summary)
            except OSError as err:
                warnings.append(f"Could not save the run to '{self._run_path}': {err.strerror or err}.")
        weights = None
        if self.writer is not None and self.writer.error is None:
            self.writer.commit()  # a resume that ended keeps what it wrote
        if self.writer is not None and self.writer.error is not None:
            self.writer.rollback()  # a resume that could not write leaves its folder as it was
            # Nothing reaches the disk any more: the model goes to the front end, which can save it elsewhere.
            status = summary["status"] = "unsaved"
            message = f"{self.writer.error.rstrip('.')}, so the run stopped at step {prog.step}."
            weights = {
                name: {k: v.detach().to("cpu", copy=True).numpy() for k, v in module.state_dict().items()}
                for name, module in self.task.modules.items()
            }
        return Finished(
            status=status,
            message=message,
            step=prog.step,
            summary=summary,
            run_dir=self._run_path,
            warnings=tuple(warnings),
            weights=weights,
        )


def finished_message(epochs: float, step: int, steps_done: int, seconds: float) -> str:
    """ "Finished 1 epoch (140 steps) in 3.2 s." — or, for a run that continued another (resume, fork), where it
    ended and what this session trained: a fork that trained 280 steps once said "Finished 3 epochs (420 steps)"."""
    unit = "epoch" if epochs == 1 else "epochs"
    if steps_done == step:
        return f"Finished {epochs:g} {unit} ({step:,} {'step' if step == 1 else 'steps'}) in {seconds:.1f} s."
    return (
        f"Finished at {epochs:g} {unit} (step {step:,}): this run trained {steps_done:,} "
        f"{'step' if steps_done == 1 else 'steps'} in {seconds:.1f} s."
    )


def _fit_alone(cfg: ExperimentConfig, dataset: ImageDataset) -> Task:
    """Train ``cfg`` on ``dataset`` to its end, nothing written, and return its task (a GAN's judge)."""
    trainer = Trainer(cfg, dataset=dataset)
    for _ in trainer.events():
        pass
    return trainer.task


def fit(cfg: ExperimentConfig, **kwargs: Any) -> Iterator[Event]:
    """``for event in fit(cfg): ...`` — the whole run as events (see :class:`Trainer`)."""
    return Trainer(cfg, **kwargs).events()


def run_to_end(cfg: ExperimentConfig, **kwargs: Any) -> Finished:
    """Drain the loop and return its Finished event (scripts, tests, the judge)."""
    last = None
    for event in fit(cfg, **kwargs):
        last = event
    assert isinstance(last, Finished)
    return last


__all__ = ["RunError", "Trainer", "TrainerControl", "finished_message", "fit", "run_to_end"]
