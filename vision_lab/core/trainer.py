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
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from vision_lab.core import distributed
from vision_lab.core.checkpoint import lr_factor
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.control import TrainerControl
from vision_lab.core.data import ImageDataset
from vision_lab.core.device import out_of_memory_error
from vision_lab.core.errors import RunError, VisionLabError
from vision_lab.core.events import Event, Finished, Metrics, Preview, Started
from vision_lab.core.health import preview_probe
from vision_lab.core.i18n import t
from vision_lab.core.run_data import summarize_dataset
from vision_lab.core.run_setup import RunClock, RunSetup
from vision_lab.core.runs import TIMING_COLUMNS
from vision_lab.core.tasks import RunContext, Task

SNAPSHOT_SECONDS = 3.0  # how stale the "last good weights" kept on divergence may be
PREVIEW_BUDGET = 50  # a preview costing c seconds comes at most every 50·c seconds


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


class Trainer(RunSetup):
    """One run: :class:`~vision_lab.core.run_setup.RunSetup` builds it (its arguments are documented there), then
    :meth:`events` trains it, yielding typed events."""

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
            self._finish("stopped", t("trainer.interrupted", "Training was interrupted."))
            raise
        except KeyboardInterrupt:
            # Ctrl-C in a terminal lands here when it interrupts a step: a stop, as the CLI tells the user.
            self._finish("stopped", t("trainer.interrupted_by_user", "Interrupted by the user."))
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
        clock = self._clock = RunClock()
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
            loop.status, loop.message = self._stop_reason()

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
            loop.status, loop.message = self._stop_reason()

    def _stop_reason(self) -> tuple[str, str]:
        """The status and sentence of a stop: the user's, or a sweep's pruner's (``pruned``, its own sentence)."""
        ctl = self.control
        if ctl.stop_status != "stopped" and ctl.stop_message:
            return ctl.stop_status, ctl.stop_message
        return "stopped", t("trainer.stopped", "Stopped by the user at step {step}.", step=self.progress.step)

    # --- helpers ---------------------------------------------------------------------------------------
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
        return t(
            "trainer.diverged",
            "The {names} became NaN or infinite by step {step}: the run stopped and kept the last good weights "
            "(step {good_step}). The learning rate is probably too high.",
            names=names,
            step=self.progress.step,
            good_step=loop.good_step,
        )

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
                warnings.append(
                    t(
                        "trainer.cannot_save",
                        "Could not save the run to '{path}': {reason}.",
                        path=self._run_path,
                        reason=err.strerror or err,
                    )
                )
        weights = None
        if self.writer is not None and self.writer.error is None:
            self.writer.commit()  # a resume that ended keeps what it wrote
        if self.writer is not None and self.writer.error is not None:
            self.writer.rollback()  # a resume that could not write leaves its folder as it was
            # Nothing reaches the disk any more: the model goes to the front end, which can save it elsewhere.
            status = summary["status"] = "unsaved"
            message = t(
                "trainer.write_failed",
                "{problem}, so the run stopped at step {step}.",
                problem=self.writer.error.rstrip("."),
                step=prog.step,
            )
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
    # Counted nouns as words of their own: English needs the plural, Chinese (轮, 步) none.
    unit = t("unit.epoch", "epoch") if epochs == 1 else t("unit.epochs", "epochs")
    fields = {"epochs": f"{epochs:g}", "unit": unit, "seconds": f"{seconds:.1f}"}
    if steps_done == step:
        step_unit = t("unit.step", "step") if step == 1 else t("unit.steps", "steps")
        return t(
            "trainer.finished",
            "Finished {epochs} {unit} ({steps} {step_unit}) in {seconds} s.",
            steps=f"{step:,}",
            step_unit=step_unit,
            **fields,
        )
    step_unit = t("unit.step", "step") if steps_done == 1 else t("unit.steps", "steps")
    return t(
        "trainer.finished_at",
        "Finished at {epochs} {unit} (step {step}): this run trained {steps} {step_unit} in {seconds} s.",
        step=f"{step:,}",
        steps=f"{steps_done:,}",
        step_unit=step_unit,
        **fields,
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
