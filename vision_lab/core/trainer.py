"""THE training loop: one generator of typed events, consumed by the GUI worker, the CLI and the tests.

Cheap by design (see ARCHITECTURE.md): losses stay on the device in a per-epoch buffer and become
Python floats only when a report is due (about every 100 ms), previews are made at a lower rate in
eval mode, and nothing that reporting does touches the training RNG, so the numbers of a run depend
on its config alone, not on how often anyone looked.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.data import ImageDataset, load_dataset
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.events import DatasetSummary, Event, Finished, Metrics, Preview, Started
from vision_lab.core.runs import TIMING_COLUMNS, RunWriter, load_checkpoint, load_weights, new_run_dir
from vision_lab.core.tasks import GANTask, Task, make_task

PREVIEW_CLASSIFIER = 32
PREVIEW_AUTOENCODER = 16
SNAPSHOT_SECONDS = 3.0  # how stale the "last good weights" kept on divergence may be
PREVIEW_BUDGET = 50  # a preview costing c seconds comes at most every 50·c seconds


@dataclass
class TrainerControl:
    """Flags a front end sets from any thread; the loop reads them between steps.

    Plain attribute writes are atomic under the GIL, so no lock is needed. ``interrupt`` makes
    the loop report right after the current step, which is how pause, stop and step act within
    one batch.
    """

    stop: bool = False
    interrupt: bool = False
    preview_now: bool = False
    new_lr: float | None = None
    report_every_step: bool = False

    def request_stop(self) -> None:
        self.stop = True
        self.interrupt = True

    def request_report(self, preview: bool = False) -> None:
        self.preview_now = self.preview_now or preview
        self.interrupt = True

    def set_lr(self, lr: float) -> None:
        if not math.isfinite(lr) or lr <= 0:
            raise ConfigError(f"The learning rate must be a positive number, got {lr}.")
        self.new_lr = lr
        self.interrupt = True


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("Device 'cuda' is not available here (no CUDA GPU, or PyTorch was built without CUDA).")
    if name == "mps" and not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
        raise ConfigError("Device 'mps' is not available here (it needs Apple silicon and a PyTorch built for it).")
    return torch.device(name)


def summarize_dataset(ds: ImageDataset) -> DatasetSummary:
    return DatasetSummary(
        name=ds.name,
        source=ds.source,
        train_size=len(ds.train_images),
        val_size=len(ds.val_images),
        image_shape=ds.image_shape,
        class_names=ds.class_names,
        notes=tuple(ds.notes),
    )


def prepare_dataset(cfg: ExperimentConfig, dataset: ImageDataset | None = None, **load_kwargs: Any) -> ImageDataset:
    """Load the config's dataset (unless given) and apply its limits; errors are DataError/ConfigError."""
    d = cfg.data
    if dataset is None:
        dataset = load_dataset(
            d.name,
            val_fraction=d.val_fraction,
            seed=d.split_seed,
            image_size=d.image_size,
            channels=d.channels,
            count=d.count,
            **load_kwargs,
        )
    if d.limit is None and d.val_limit is None:
        return dataset
    rng = np.random.default_rng(d.split_seed)
    tx, ty, vx, vy = dataset.train_images, dataset.train_labels, dataset.val_images, dataset.val_labels
    if d.limit is not None and d.limit < len(tx):
        keep = np.sort(rng.permutation(len(tx))[: d.limit])
        tx, ty = tx[keep], ty[keep]
    if d.val_limit is not None and d.val_limit < len(vx):
        keep = np.sort(rng.permutation(len(vx))[: d.val_limit])
        vx, vy = vx[keep], vy[keep]
    return ImageDataset(
        name=dataset.name,
        train_images=tx,
        train_labels=ty,
        val_images=vx,
        val_labels=vy,
        class_names=dataset.class_names,
        source=dataset.source,
        notes=dataset.notes,
    )


def to_tensor(images: np.ndarray, value_range: tuple[float, float], device: torch.device) -> torch.Tensor:
    """uint8 N×H×W×C -> float32 N×C×H×W scaled to ``value_range``, once, up front."""
    lo, hi = value_range
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2).float()
    return (x * ((hi - lo) / 255.0) + lo).contiguous()


def _preview_indices(labels: np.ndarray, count: int) -> np.ndarray:
    """Round-robin over classes so the fixed preview batch shows every class."""
    by_class = [np.flatnonzero(labels == c).tolist() for c in np.unique(labels)]
    out: list[int] = []
    while len(out) < min(count, len(labels)):
        for idx in by_class:
            if idx and len(out) < count:
                out.append(idx.pop(0))
    return np.array(out, dtype=np.int64)


@dataclass
class _Progress:
    step: int = 0
    epoch: int = 0
    batch: int = 0
    """Next batch index within ``epoch``."""


@dataclass
class _Clock:
    """Training time without the time the consumer spent between our yields (pauses, painting)."""

    start: float = field(default_factory=time.perf_counter)
    outside: float = 0.0

    def now(self) -> float:
        return time.perf_counter() - self.start - self.outside


class Trainer:
    """Build everything for one run up front (so a user's mistake raises before any folder exists),
    then iterate :meth:`events`.

    ``run_dir``: write the run there (must be new or empty). ``runs_root``: create a fresh folder under
    it. Neither: nothing is written (tests, the judge, benchmarks). ``resume``: a run folder to
    continue from its last checkpoint (its config is used, with ``cfg`` allowed to change epochs).
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
        load_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.cfg = cfg.validate()
        self.control = control or TrainerControl()
        self.device = resolve_device(cfg.train.device)
        self.dataset = prepare_dataset(cfg, dataset, **(load_kwargs or {}))
        shape = self.dataset.image_shape
        if cfg.model == "gan" and (shape[0] != shape[1] or shape[0] % 4):
            raise ConfigError(
                f"The GAN needs square images whose side is a multiple of 4, but this dataset's are "
                f"{shape[0]}×{shape[1]}; set the image size to 28 or 32."
            )
        torch.manual_seed(cfg.train.seed)
        self.task: Task = make_task(cfg, shape, self.dataset.class_names, self.device)
        vr = self.task.value_range
        self.train_x = to_tensor(self.dataset.train_images, vr, self.device)
        self.train_y = torch.from_numpy(self.dataset.train_labels.astype(np.int64)).to(self.device)
        self.val_x = to_tensor(self.dataset.val_images, vr, self.device)
        self.val_y = torch.from_numpy(self.dataset.val_labels.astype(np.int64)).to(self.device)
        n = len(self.train_x)
        self.batch_size = min(cfg.train.batch_size, n)
        # Whole batches only: a last batch of one sample breaks batch norm and skews GAN statistics.
        self.steps_per_epoch = max(1, n // self.batch_size)
        total = cfg.train.epochs * self.steps_per_epoch
        self.total_steps = min(total, cfg.train.max_steps) if cfg.train.max_steps else total
        self.log_every = cfg.train.log_every or max(1, self.steps_per_epoch // 50)
        if cfg.model != "gan" and len(self.val_x):
            count = PREVIEW_CLASSIFIER if cfg.is_classifier else PREVIEW_AUTOENCODER
            idx = torch.from_numpy(_preview_indices(self.dataset.val_labels, count)).to(self.device)
            self.task.set_preview_batch(self.val_x[idx], self.val_y[idx])
        s = cfg.train.augment_shift
        # Random shifts help classifiers generalise from few images; they would only blur an autoencoder or GAN.
        self._pad = F.pad(self.train_x, (s, s, s, s)) if s and cfg.is_classifier else None
        self.progress = _Progress()
        self._rng_state: torch.Tensor | None = None
        if resume_from is not None:
            self._restore(Path(resume_from))
        self.columns = [
            "step",
            "epoch",
            *self.task.loss_names,
            *[n for n in self.task.eval_names if n not in self.task.loss_names],
            "lr",
            *TIMING_COLUMNS,
        ]
        self._run_path = run_dir if run_dir is not None else (new_run_dir(runs_root, cfg) if runs_root else None)
        self.writer: RunWriter | None = None
        self.last_eval: dict[str, float] = {}
        self.last_previews: dict[str, Preview] = {}
        self._preview_cost = 0.0

    # --- checkpoints ---------------------------------------------------------------------------------
    def _restore(self, path: Path) -> None:
        load_weights(path / "weights.safetensors", self.task.modules)
        state = load_checkpoint(path)
        for name, opt in self.task.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        self.progress = _Progress(int(state["step"]), int(state["epoch"]), int(state["batch"]))
        self._rng_state = state["rng"]

    def _checkpoint_state(self) -> dict[str, Any]:
        return {
            "optimizers": {k: o.state_dict() for k, o in self.task.optimizers.items()},
            "step": self.progress.step,
            "epoch": self.progress.epoch,
            "batch": self.progress.batch,
            "rng": torch.get_rng_state(),
        }

    def _lr_factor(self, step: int) -> float:
        """Cosine decay from the base rate to zero over the run."""
        if self.cfg.train.lr_schedule != "cosine":
            return 1.0
        return 0.5 * (1 + math.cos(math.pi * min(step, self.total_steps) / self.total_steps))

    def _shifted(self, idx: torch.Tensor) -> torch.Tensor:
        """Each image of the batch moved by its own random offset of up to ``augment_shift`` pixels.

        One gather from a zero-padded copy of the training set: no Python loop, no per-sample op.
        """
        pad = self._pad
        assert pad is not None
        s = self.cfg.train.augment_shift
        h, w = self.train_x.shape[2], self.train_x.shape[3]
        dy = torch.randint(0, 2 * s + 1, (len(idx), 1, 1), device=self.device)
        dx = torch.randint(0, 2 * s + 1, (len(idx), 1, 1), device=self.device)
        rows = dy + torch.arange(h, device=self.device)[None, :, None]
        cols = dx + torch.arange(w, device=self.device)[None, None, :]
        return pad[idx[:, None, None], :, rows, cols].permute(0, 3, 1, 2)

    def _snapshot(self) -> dict[str, dict[str, torch.Tensor]]:
        return {k: copy.deepcopy(m.state_dict()) for k, m in self.task.modules.items()}

    def _epoch_order(self, epoch: int) -> torch.Tensor:
        # Seeded per epoch, independent of everything else: a resumed run replays the same order.
        gen = torch.Generator().manual_seed(self.cfg.train.seed * 1_000_003 + epoch)
        return torch.randperm(len(self.train_x), generator=gen).to(self.device)

    # --- the loop --------------------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        cfg, ctl, task, prog = self.cfg, self.control, self.task, self.progress
        if self._path_needed():
            self.writer = RunWriter(self._run_path, cfg, self.columns, summarize_dataset(self.dataset))  # type: ignore[arg-type]
        if self._rng_state is not None:
            torch.set_rng_state(self._rng_state)
        if isinstance(task, GANTask) and task.judge is None:
            task.judge = self._load_judge()
        clock = _Clock()
        self._last_log = (0.0, self.progress.step)
        yield from self._emit(
            clock,
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
            ),
        )
        bs, spe, n_losses = self.batch_size, self.steps_per_epoch, len(task.loss_names)
        report_s, preview_s = cfg.train.report_seconds, cfg.train.preview_seconds
        start_step = prog.step
        last_report_t = last_snapshot_t = clock.now()
        last_preview_t = -math.inf
        rate = 0.0
        report_step = prog.step
        good = self._snapshot()
        good_step = prog.step
        status, message = "completed", ""
        task.train(True)
        cosine = cfg.train.lr_schedule == "cosine"
        base_lr = task.lr / self._lr_factor(prog.step) if cosine else task.lr
        try:
            while prog.step < self.total_steps and prog.epoch < cfg.train.epochs and status == "completed":
                order = self._epoch_order(prog.epoch)
                losses = torch.zeros(spe, n_losses, device=self.device)
                report_from = log_from = prog.batch
                epoch_start_batch = prog.batch
                while prog.batch < spe and prog.step < self.total_steps:
                    i = prog.batch
                    idx = order[i * bs : (i + 1) * bs]
                    if cosine:
                        task.set_lr(base_lr * self._lr_factor(prog.step))
                    xb = self._shifted(idx) if self._pad is not None else self.train_x[idx]
                    losses[i] = task.train_step(xb, self.train_y[idx], prog.step)
                    prog.step += 1
                    prog.batch += 1
                    if prog.step % self.log_every == 0 and self.writer is not None:
                        self._log_row(losses[log_from : i + 1], clock, None)
                        log_from = i + 1
                    now = clock.now()
                    if ctl.interrupt or ctl.report_every_step or now - last_report_t >= report_s:
                        ctl.interrupt = False
                        if ctl.new_lr is not None:
                            task.set_lr(ctl.new_lr)
                            # The schedule carries on from the user's rate.
                            base_lr = ctl.new_lr / max(self._lr_factor(prog.step), 1e-12)
                            ctl.new_lr = None
                        mean = losses[report_from : i + 1].mean(0).tolist()
                        if not all(map(math.isfinite, mean)):
                            status = "diverged"
                            message = self._diverged(mean, good, good_step)
                            break
                        if now - last_snapshot_t >= SNAPSHOT_SECONDS:
                            good, good_step, last_snapshot_t = self._snapshot(), prog.step, now
                        rate = (prog.step - report_step) * bs / max(now - last_report_t, 1e-9)
                        yield from self._emit(clock, self._metrics(mean, rate, clock, start_step))
                        report_from, report_step, last_report_t = i + 1, prog.step, clock.now()
                        # Previews get at most ~2% of the time, however slow the model is to sample.
                        gap = max(preview_s, PREVIEW_BUDGET * self._preview_cost)
                        if ctl.preview_now or clock.now() - last_preview_t >= gap:
                            ctl.preview_now = False
                            yield from self._emit(clock, self._preview())
                            last_preview_t = clock.now()
                        if ctl.stop:
                            status, message = "stopped", f"Stopped by the user at step {prog.step}."
                            break
                if status != "completed":
                    break
                # Epoch end (or max_steps reached mid-epoch).
                epoch_done = prog.batch >= spe
                tail = losses[max(report_from, epoch_start_batch) : prog.batch]
                mean = tail.mean(0).tolist() if len(tail) else []
                if mean and not all(map(math.isfinite, mean)):
                    status, message = "diverged", self._diverged(mean, good, good_step)
                    break
                values, confusion = self._evaluate()
                epoch_losses = losses[epoch_start_batch : prog.batch].mean(0).tolist()
                if self.writer is not None:
                    row_losses = losses[log_from : prog.batch]
                    self._log_row(row_losses, clock, values)
                now = clock.now()
                if prog.step > report_step:
                    rate = (prog.step - report_step) * bs / max(now - last_report_t, 1e-9)
                named = dict(zip(task.loss_names, epoch_losses, strict=True))
                yield from self._emit(
                    clock,
                    self._metrics(list(named.values()), rate, clock, start_step, values, confusion, epoch_end=True),
                )
                report_from, report_step, last_report_t = prog.batch, prog.step, clock.now()
                yield from self._emit(clock, self._preview())
                last_preview_t = clock.now()
                if epoch_done:
                    prog.epoch += 1
                    prog.batch = 0
                if self.writer is not None:
                    self._save_checkpoint()
        except GeneratorExit:
            # The consumer closed us (window closed): keep what was trained, then go.
            self._finish("stopped", "Training was interrupted.", clock, start_step)
            raise
        yield from self._emit(clock, self._finish(status, message, clock, start_step))

    # --- helpers ---------------------------------------------------------------------------------------
    def _path_needed(self) -> bool:
        return self._run_path is not None

    def _emit(self, clock: _Clock, event: Event) -> Iterator[Event]:
        t = time.perf_counter()
        if isinstance(event, Preview):
            self.last_previews[event.kind] = event
        yield event
        clock.outside += time.perf_counter() - t

    def _metrics(
        self,
        losses: list[float],
        rate: float,
        clock: _Clock,
        start_step: int,
        values: dict[str, float] | None = None,
        confusion: np.ndarray | None = None,
        epoch_end: bool = False,
    ) -> Metrics:
        prog = self.progress
        elapsed = clock.now()
        done = prog.step - start_step
        eta = (self.total_steps - prog.step) * elapsed / done if done else math.inf
        vals = dict(zip(self.task.loss_names, losses, strict=False))
        if values:
            vals.update(values)
        return Metrics(
            step=prog.step,
            epoch=prog.epoch,
            epoch_progress=prog.epoch + prog.batch / self.steps_per_epoch,
            values=vals,
            samples_per_s=rate,
            elapsed_s=elapsed,
            eta_s=eta,
            lr=self.task.lr,
            epoch_end=epoch_end,
            confusion=confusion,
        )

    def _log_row(self, losses: torch.Tensor, clock: _Clock, values: dict[str, float] | None) -> None:
        assert self.writer is not None
        prog = self.progress
        now = clock.now()
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
            "elapsed_s": round(now, 3),
        }
        if len(losses):
            row.update(zip(self.task.loss_names, losses.mean(0).tolist(), strict=True))
        if values:
            row.update(values)
        self.writer.log(row)

    def _evaluate(self) -> tuple[dict[str, float], np.ndarray | None]:
        values, confusion = self.task.evaluate(self.val_x, self.val_y)
        self.last_eval = values
        self.last_eval_step = self.progress.step
        return values, confusion

    def _preview(self) -> Preview:
        t = time.perf_counter()
        preview = self.task.preview(self.progress.step, self.progress.epoch)
        self._preview_cost = time.perf_counter() - t
        if self.writer is not None:
            self.writer.save_preview(preview)
        return preview

    def _diverged(self, mean: list[float], good: dict[str, dict[str, torch.Tensor]], good_step: int) -> str:
        for name, module in self.task.modules.items():
            module.load_state_dict(good[name])
        names = ", ".join(n for n, v in zip(self.task.loss_names, mean, strict=True) if not math.isfinite(v))
        return (
            f"The {names} became NaN or infinite by step {self.progress.step}: the run stopped and kept the "
            f"last good weights (step {good_step}). The learning rate is probably too high."
        )

    def _save_checkpoint(self) -> None:
        assert self.writer is not None
        self.writer.save_checkpoint(self.task.modules, self._checkpoint_state())

    def _finish(self, status: str, message: str, clock: _Clock, start_step: int) -> Finished:
        prog = self.progress
        if getattr(self, "last_eval_step", None) != prog.step or status == "diverged":
            self._evaluate()
        seconds = clock.now()
        steps_done = prog.step - start_step
        summary: dict[str, Any] = dict(self.last_eval)
        summary.update(
            status=status,
            samples_per_s=steps_done * self.batch_size / seconds if seconds > 0 else 0.0,
            seconds=seconds,
            steps=prog.step,
            epochs=prog.epoch + prog.batch / self.steps_per_epoch,
            model=self.cfg.model,
            dataset=self.dataset.name,
        )
        if not message:
            message = f"Finished {summary['epochs']:g} epochs ({prog.step} steps) in {seconds:.1f} s."
        warnings: list[str] = []
        if self.writer is not None:
            try:
                if status != "diverged":
                    self._save_checkpoint()
                else:
                    self.writer.save_checkpoint(self.task.modules, self._checkpoint_state())
                self.writer.finish(summary)
            except OSError as err:
                warnings.append(f"Could not save the run to '{self._run_path}': {err.strerror or err}.")
        return Finished(
            status=status,
            message=message,
            step=prog.step,
            summary=summary,
            run_dir=self._run_path,
            warnings=tuple(warnings),
        )

    def _load_judge(self) -> Any:
        from vision_lab.core.judge import get_judge

        return get_judge(self.dataset, self.device)


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


__all__ = ["RunError", "Trainer", "TrainerControl", "fit", "resolve_device", "run_to_end"]
