"""THE training loop: one generator of typed events, consumed by the GUI worker, the CLI and the tests.

Cheap by design (see ARCHITECTURE.md): losses stay on the device in a per-epoch buffer and become
Python floats only when a report is due (about every 100 ms), previews are made at a lower rate in
eval mode, and nothing that reporting does touches the training RNG, so the numbers of a run depend
on its config alone, not on how often anyone looked.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vision_lab.core import distributed, run_schema
from vision_lab.core.architecture import check_architecture, check_batch
from vision_lab.core.config import ExperimentConfig, flat_config
from vision_lab.core.control import TrainerControl
from vision_lab.core.data import ImageDataset, load_dataset
from vision_lab.core.errors import ConfigError, RunError, VisionLabError
from vision_lab.core.events import DatasetSummary, Event, Finished, Metrics, Preview, Started
from vision_lab.core.health import HealthTracker, preview_probe
from vision_lab.core.run_checks import check_classes, check_run_outside_data, check_tensor_memory, data_out_of_memory
from vision_lab.core.runlock import RunLock, lock_run
from vision_lab.core.runs import (
    TIMING_COLUMNS,
    RunWriter,
    checkpoint_epochs,
    checkpoint_weights_path,
    epoch_weights_path,
    load_checkpoint,
    load_weights,
    new_run_dir,
    open_run,
    weights_metadata,
)
from vision_lab.core.tasks import RunContext, Task, make_task

SNAPSHOT_SECONDS = 3.0  # how stale the "last good weights" kept on divergence may be
PREVIEW_BUDGET = 50  # a preview costing c seconds comes at most every 50·c seconds
AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
"""train.precision -> the autocast type of the training step's forward passes (fp32: no autocast)."""


_ALLOCATOR_TUNED = False


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks of up to 32 MB for reuse instead of handing them back to the kernel.

    By default a freed block above its adaptive threshold is unmapped (or trimmed off the heap) and the next
    step maps it anew, zero-filled a page at a time: measured ~8,000 page faults per DCGAN step at batch 128,
    about 2% of the step (vision_lab/bench/PERFORMANCE.md, section 7). Both settings are needed: fixing the trim
    threshold alone switches the adaptive mmap threshold off at 128 KB. The peak footprint does not change; a
    process keeps up to 256 MB of free heap for the next run. Once per process; glibc only (elsewhere: False).
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return True
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt  # AttributeError off glibc (macOS, Windows, musl has no effect)
        m_trim_threshold, m_mmap_threshold = -1, -3
        _ALLOCATOR_TUNED = bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 256 << 20))
    except (OSError, AttributeError, TypeError):
        return False
    return _ALLOCATOR_TUNED


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


def check_precision(precision: str, device: torch.device) -> None:
    """Mixed precision is for CUDA GPUs; elsewhere a non-fp32 choice is refused in one sentence.

    Refused rather than quietly run in fp32 (the config would then claim a precision the run did not use) or run
    with CPU autocast (bf16 matmuls are slower than fp32 on CPUs without AMX/AVX512-BF16, and fp16 there has no
    loss scaler): the choice means "faster on the GPU", which only a GPU can give.
    """
    if precision == "fp32":
        return
    if device.type != "cuda":
        raise ConfigError(
            f"train.precision {precision!r} (mixed precision) needs a CUDA GPU, but this run is on {device.type}; "
            "use fp32 there."
        )
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ConfigError("This GPU has no bfloat16 support; set train.precision to fp16 or fp32.")


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
class _Carry:
    """What a checkpoint keeps beyond weights, optimizers, counters and RNG: a continued run matches an unbroken one."""

    base_lr: float
    """The cosine schedule's base rate (changed when the user sets the rate live)."""
    losses: torch.Tensor | None = None
    """A mid-epoch checkpoint's per-step losses of that epoch so far: epoch means and pending rows need them."""
    log_from: int = 0
    """First batch of the epoch not yet in a metrics.csv row."""
    metrics_rows: int | None = None
    """Rows of metrics.csv the checkpoint accounts for; a resume cuts the file back to them."""
    elapsed_s: float = 0.0
    """Training seconds before this session, so metrics.csv's elapsed_s carries on."""
    append: bool = False
    """Resume: keep writing the same run folder."""
    parent: dict[str, Any] | None = None
    """Fork: ``{"run", "epoch", "step"}`` it started from."""


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
                # fp16's narrow range would flush small gradients to zero: scale the losses (bf16 needs none).
                scaler = getattr(torch.amp, "GradScaler", None)  # PyTorch < 2.3 has only the CUDA one
                self.task.scaler = scaler(self.device.type) if scaler else torch.cuda.amp.GradScaler()
        self.writer: RunWriter | None = None
        self._rows: list[dict[str, float]] = []
        self._lr_changes: list[tuple[int, float]] = []
        """(step, rate) of each learning rate the user set while this session trained (summary.json keeps them)."""
        """metrics.csv rows logged since the last Metrics event (which carries them)."""
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
        check_classes(cfg, self.dataset)
        check_run_outside_data(self.dataset, None if resume_from is not None else run_dir, runs_root)
        check_tensor_memory(self.dataset, self.device, cfg.train.augment_shift if family.shift_augment else 0)
        shape = self.dataset.image_shape
        # Blocks that shrink the image to nothing, batch norm with one value per channel: one sentence now, not
        # PyTorch's error from inside the first step (after the run folder was made).
        check_architecture(cfg, shape)
        torch.manual_seed(cfg.train.seed)
        self.task: Task = make_task(cfg, shape, self.dataset.class_names, self.device)
        vr = self.task.value_range
        self.train_x = to_tensor(self.dataset.train_images, vr, self.device)
        self.train_y = torch.from_numpy(self.dataset.train_labels.astype(np.int64)).to(self.device)
        self.val_x = to_tensor(self.dataset.val_images, vr, self.device)
        self.val_y = torch.from_numpy(self.dataset.val_labels.astype(np.int64)).to(self.device)
        n = len(self.train_x)
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
        count = self.task.preview_count
        if count:
            # Without a validation split (a share of 0, a tiny folder) the fixed preview batch comes from the
            # training images, and the previews say so.
            x, y, labels = (
                (self.val_x, self.val_y, self.dataset.val_labels)
                if len(self.val_x)
                else (self.train_x, self.train_y, self.dataset.train_labels)
            )
            idx = torch.from_numpy(_preview_indices(labels, count)).to(self.device)
            self.task.set_preview_batch(x[idx], y[idx], from_training=not len(self.val_x))
        s = cfg.train.augment_shift
        # Random shifts help classifiers generalise from few images; they would only blur an autoencoder or GAN.
        self._pad = F.pad(self.train_x, (s, s, s, s)) if s and family.shift_augment else None
        self.progress = _Progress()
        self._rng_state: torch.Tensor | None = None
        self._carry = _Carry(base_lr=self.task.lr)
        self._losses: torch.Tensor | None = None
        self._log_from = 0
        self._epoch_end_logged = False
        self._status = "running"
        self._clock: _Clock | None = None
        if resume_from is not None:
            run_dir = Path(resume_from)
            self._restore(run_dir)
        elif fork_from is not None:
            self._restore(Path(fork_from), epoch=fork_epoch, fork=True)
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

    # --- checkpoints ---------------------------------------------------------------------------------
    def _restore(self, path: Path, *, epoch: int | None = None, fork: bool = False) -> None:
        """Continue from ``path``'s checkpoint, or (a fork with ``epoch``) from its weights at that epoch's end."""
        task, spe, carry, seed = self.task, self.steps_per_epoch, self._carry, self.cfg.train.seed
        if epoch is not None:
            snapshot = epoch_weights_path(path, epoch)
            if not snapshot.is_file() and not os.path.lexists(snapshot):
                have = ", ".join(map(str, checkpoint_epochs(path))) or "none"
                raise RunError(f"The run in '{path}' kept no weights for the end of epoch {epoch} (it has: {have}).")
            load_weights(snapshot, task.modules)
            self.progress = _Progress(epoch * spe, epoch, 0)
            # A snapshot keeps no RNG state: seed from the config and the epoch, so the fork is repeatable.
            self._rng_state = torch.Generator().manual_seed((seed + 1_000_003 * (epoch + 1)) % 2**63).get_state()
            step = int(weights_metadata(snapshot).get("step", epoch * spe))
            carry.parent = {"run": str(path), "epoch": epoch, "step": step}
            self._check_work_left(path)
            return
        state = load_checkpoint(path, n_losses=len(task.loss_names))
        if not fork and state.get("status") == "diverged":
            raise RunError(
                f"The run in '{path}' diverged; resuming would only repeat that, so fork it from an earlier epoch "
                "with a lower learning rate."
            )
        step, ep, batch = int(state["step"]), int(state["epoch"]), int(state["batch"])
        weights = checkpoint_weights_path(path, step)  # a kill between the two writes left the previous pair
        load_weights(weights, task.modules)
        saved_step = weights_metadata(weights).get("step")
        if saved_step is not None and int(saved_step) != step:
            raise RunError(
                f"The weights (step {saved_step}) and checkpoint (step {step}) in '{path}' do not match; "
                "the run was cut off while saving."
            )
        parent = open_run(path).config if fork else self.cfg
        mine, theirs = flat_config(self.cfg), flat_config(parent)
        same_optim = parent.optim == self.cfg.optim and all(
            theirs.get(k) == mine.get(k) for k in self.cfg.family.optimizer_keys
        )
        what = f"The checkpoint in '{path}'"
        for name, opt in task.optimizers.items():
            if name not in state["optimizers"]:
                raise RunError(f"{what} is damaged: it keeps no state for the {name} optimizer.")
            saved = state["optimizers"][name]
            run_schema.optimizer_state(saved, opt, name, what)
            mine = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
            # Moments carry over unless the optimizer kind changed (its groups would hold other settings).
            if same_optim or [set(g) for g in mine] == [set(g) - {"params"} for g in saved["param_groups"]]:
                opt.load_state_dict(saved)
            if not same_optim:  # the fork's rates and betas are its config's
                for group, settings in zip(opt.param_groups, mine, strict=True):
                    group.update(settings)
        if int(state.get("steps_per_epoch", spe)) == spe:
            self.progress = _Progress(step, ep, batch)
            if batch and "losses" in state:
                carry.losses, carry.log_from = state["losses"].to(self.device), int(state["log_from"])
        else:  # the batches changed size: start the epoch over
            self.progress = _Progress(ep * spe, ep, 0)
        self._rng_state = state["rng"]
        task.load_extra_state(state.get("task", {}))
        carry.elapsed_s = float(state.get("elapsed_s", 0.0))
        if fork:
            carry.parent = {"run": str(path), "epoch": ep, "step": step}
        else:
            carry.append = True
            carry.metrics_rows = state.get("metrics_rows")
        if same_optim:  # the parent's rate carries on, a rate set by hand while it trained included
            if "base_lr" in state:
                carry.base_lr = float(state["base_lr"])
            else:  # a checkpoint from before base_lr was kept
                carry.base_lr = task.lr / max(self._lr_factor(step), 1e-12)
        self._check_work_left(path)

    def _check_work_left(self, path: Path) -> None:
        prog, train = self.progress, self.cfg.train
        if prog.step < self.total_steps and prog.epoch < train.epochs:
            return
        cap = f" and train.max_steps is {train.max_steps}" if train.max_steps else ""
        raise RunError(
            f"Nothing left to train from '{path}': it is at epoch {prog.epoch} (step {prog.step}), train.epochs "
            f"is {train.epochs}{cap}; set train.epochs (--epochs) higher."
        )

    def _checkpoint_state(self) -> dict[str, Any]:
        prog, carry = self.progress, self._carry
        epoch, batch = prog.epoch, prog.batch
        if batch >= self.steps_per_epoch and self._epoch_end_logged:
            epoch, batch = epoch + 1, 0  # the epoch's end is on disk already: a resume starts the next one
        state: dict[str, Any] = {
            "format": 2,
            "optimizers": {k: o.state_dict() for k, o in self.task.optimizers.items()},
            "step": prog.step,
            "epoch": epoch,
            "batch": batch,
            "steps_per_epoch": self.steps_per_epoch,
            "rng": torch.get_rng_state(),
            "base_lr": carry.base_lr,
            "metrics_rows": self.writer.rows if self.writer is not None else 0,
            "elapsed_s": carry.elapsed_s + (self._clock.now() if self._clock is not None else 0.0),
            "status": self._status,
            "task": self.task.extra_state(),
        }
        if batch:
            if self._losses is not None:
                state["losses"], state["log_from"] = self._losses[:batch].cpu(), self._log_from
            elif carry.losses is not None:  # stopped before the resumed epoch began again
                state["losses"], state["log_from"] = carry.losses.cpu(), carry.log_from
        return state

    def _epoch_buffer(self, n_losses: int) -> tuple[torch.Tensor, int, int]:
        """This epoch's per-step loss buffer, where its next metrics.csv row starts, and its first filled batch.

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
        return losses, log_from, first

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
        # Modulo 2**64 (the generator's range): the largest seeds would overflow; smaller ones are unchanged.
        gen = torch.Generator().manual_seed((self.cfg.train.seed * 1_000_003 + epoch) % 2**64)
        return torch.randperm(len(self.train_x), generator=gen).to(self.device)

    # --- the loop --------------------------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        cfg, ctl, task, prog = self.cfg, self.control, self.task, self.progress
        error: VisionLabError | None = None
        try:
            if self.writer is None and self._path_needed():
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
        # Kept, not derived from the current rate: a resumed run must set exactly the rates an unbroken one does.
        base_lr = self._carry.base_lr if cosine else task.lr
        # Under DDP every process must take the same decisions at the same step (a report averages the losses,
        # a collective), so reports come at the metrics rows, not on a timer; previews stay timed: rank 0 alone
        # makes them and they involve no other process.
        shared = self.world.enabled
        main = self.world.is_main
        lo, hi = self._shard
        special = shared or self._amp_dtype is not None
        try:
            while prog.step < self.total_steps and prog.epoch < cfg.train.epochs and status == "completed":
                order = self._epoch_order(prog.epoch)
                losses, log_from, epoch_start_batch = self._epoch_buffer(n_losses)
                report_from = prog.batch
                while prog.batch < spe and prog.step < self.total_steps:
                    i = prog.batch
                    idx = order[i * bs + lo : i * bs + hi]  # this process's share of the global batch
                    if cosine:
                        task.set_lr(base_lr * self._lr_factor(prog.step))
                    # index_select, not x[idx]: the same gather, 5× faster at batch 128 (PERFORMANCE.md, section 5).
                    xb = self._shifted(idx) if self._pad is not None else self.train_x.index_select(0, idx)
                    yb = self.train_y.index_select(0, idx)
                    losses[i] = self._step_special(xb, yb, prog.step) if special else task.train_step(xb, yb, prog.step)
                    prog.step += 1
                    prog.batch += 1
                    row_due = prog.step % self.log_every == 0
                    if row_due:
                        if shared:
                            distributed.mean_(losses[log_from : i + 1])
                        self._log_row(losses[log_from : i + 1], clock, None)
                        log_from = self._log_from = i + 1
                    now = clock.now()
                    if row_due if shared else ctl.interrupt or ctl.report_every_step or now - last_report_t >= report_s:
                        ctl.interrupt = False
                        if ctl.new_lr is not None:
                            self._lr_changes.append((prog.step, ctl.new_lr))
                            task.set_lr(ctl.new_lr)
                            # The schedule carries on from the user's rate.
                            base_lr = self._carry.base_lr = ctl.new_lr / max(self._lr_factor(prog.step), 1e-12)
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
                        if main and (ctl.preview_now or clock.now() - last_preview_t >= gap):
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
                if shared:
                    distributed.mean_(losses[log_from : prog.batch])
                    with torch.no_grad():
                        distributed.mean_buffers_(task.modules)  # before evaluating: everyone's statistics
                tail = losses[max(report_from, epoch_start_batch) : prog.batch]
                mean = tail.mean(0).tolist() if len(tail) else []
                if mean and not all(map(math.isfinite, mean)):
                    status, message = "diverged", self._diverged(mean, good, good_step)
                    break
                values, confusion = self._evaluate()
                epoch_losses = losses[epoch_start_batch : prog.batch].mean(0).tolist()
                self._log_row(losses[log_from : prog.batch], clock, values)
                self._log_from, self._epoch_end_logged = prog.batch, True
                now = clock.now()
                if prog.step > report_step:
                    rate = (prog.step - report_step) * bs / max(now - last_report_t, 1e-9)
                named = dict(zip(task.loss_names, epoch_losses, strict=True))
                yield from self._emit(
                    clock,
                    self._metrics(
                        list(named.values()),
                        rate,
                        clock,
                        start_step,
                        values,
                        confusion,
                        epoch_end=True,
                        class_counts=task.class_counts,
                    ),
                )
                report_from, report_step, last_report_t = prog.batch, prog.step, clock.now()
                if main:
                    yield from self._emit(clock, self._preview())
                last_preview_t = clock.now()
                if epoch_done:
                    prog.epoch += 1
                    prog.batch = 0
                if self.writer is not None:
                    self._save_checkpoint()
                if ctl.stop and prog.step < self.total_steps and prog.epoch < cfg.train.epochs:
                    # Asked during the epoch-end reports: stop at the boundary, not one step into the next epoch.
                    status, message = "stopped", f"Stopped by the user at step {prog.step}."
                    break
        except GeneratorExit:
            # The consumer closed us (window closed): keep what was trained, then go.
            self._finish("stopped", "Training was interrupted.", clock, start_step)
            raise
        except KeyboardInterrupt:
            # Ctrl-C in a terminal lands here when it interrupts a step: a stop, as the CLI tells the user.
            self._finish("stopped", "Interrupted by the user.", clock, start_step)
            raise
        except (RuntimeError, MemoryError) as err:
            # A new run keeps its last checkpoint for a resume; a failed resume puts its folder back as it was.
            self._rollback()
            raise out_of_memory_error(err, cfg, prog.step) from None
        except BaseException:
            self._rollback()  # a bug: the folder is released, a resumed one put back as it was
            raise
        if shared and status == "completed" and not distributed.in_sync(self.task.modules):
            # Every rank reaches this point together (stops and divergence are decided on averaged losses).
            self._warnings.append(
                "The training processes ended with different weights (a bug: some step bypassed DDP); "
                "the run holds rank 0's."
            )
        yield from self._emit(clock, self._finish(status, message, clock, start_step))

    # --- helpers ---------------------------------------------------------------------------------------
    def _rollback(self) -> None:
        """The run failed: stop writing; a resumed run's folder goes back to what it was before (runs.RunWriter);
        the folder's lock is let go (a resume that failed before its writer opened holds it here)."""
        if self.writer is not None:
            self.writer.rollback()
        if self._lock is not None:
            self._lock.release()

    def _path_needed(self) -> bool:
        return self._run_path is not None

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
        class_counts: np.ndarray | None = None,
    ) -> Metrics:
        prog = self.progress
        elapsed = clock.now()
        done = prog.step - start_step
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
            samples_per_s=rate,
            elapsed_s=elapsed,
            eta_s=eta,
            lr=self.task.lr,
            epoch_end=epoch_end,
            confusion=confusion,
            class_counts=class_counts,
        )

    def _log_row(self, losses: torch.Tensor, clock: _Clock, values: dict[str, float] | None) -> None:
        """A metrics.csv row (when there is a run folder), and the same row for the next Metrics event: the live
        plot draws exactly these rows, so it matches the saved curve however often the front end looked."""
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
        state = self._checkpoint_state()
        self.writer.save_checkpoint(self.task.modules, state)
        epoch = state["epoch"]
        if state["batch"] == 0 and not epoch_weights_path(self.writer.path, epoch).exists():
            self.writer.save_epoch_weights(self.task.modules, epoch, state["step"])

    def _finish(self, status: str, message: str, clock: _Clock, start_step: int) -> Finished:
        prog = self.progress
        self._status = status
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


def out_of_memory_error(err: BaseException, cfg: ExperimentConfig, step: int | None = None) -> VisionLabError:
    """An allocation that failed, as one sentence (re-raises anything else: a bug keeps its traceback)."""
    text = str(err)
    oom = (
        isinstance(err, MemoryError | torch.OutOfMemoryError)
        or "can't allocate memory" in text
        or "out of memory" in text.lower()
    )
    if not oom:
        raise err
    where = "to build the model and its data" if step is None else f"at step {step}"
    return VisionLabError(
        f"Out of memory {where} ({cfg.model}, batch size {cfg.train.batch_size}): lower the batch size or the "
        "model's size."
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


__all__ = ["RunError", "Trainer", "TrainerControl", "fit", "resolve_device", "run_to_end"]
