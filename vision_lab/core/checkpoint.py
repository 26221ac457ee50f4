"""A run's state beyond its weights: where it is, what a checkpoint keeps, and how a resume or a fork starts from it.

The trainer writes :func:`checkpoint_state` at every epoch end and when it stops, and starts from :func:`restore`
when it continues a run (resume) or starts one from another (fork); apart so that the loop reads as a loop. What
carries over is what makes a continued run match an unbroken one bit for bit: the optimizers' state, the RNG, the
counters, the epoch's losses so far, the schedule's base rate, the task's own state (the GAN's last loss).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from vision_lab.core import run_schema
from vision_lab.core.config import ExperimentConfig, flat_config
from vision_lab.core.errors import RunError
from vision_lab.core.i18n import t
from vision_lab.core.runs import (
    checkpoint_epochs,
    checkpoint_weights_path,
    epoch_weights_path,
    load_checkpoint,
    load_weights,
    open_run,
    weights_metadata,
)
from vision_lab.core.tasks import Task

FORMAT = 2
"""The checkpoint's own format (``checkpoint.pt``'s ``format``)."""


@dataclass
class Progress:
    step: int = 0
    epoch: int = 0
    batch: int = 0
    """Next batch index within ``epoch``."""


@dataclass
class Carry:
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


def lr_factor(cfg: ExperimentConfig, step: int, total_steps: int) -> float:
    """The schedule at ``step``: cosine decay from the base rate to zero over the run, or 1 (constant)."""
    if cfg.train.lr_schedule != "cosine":
        return 1.0
    return 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))


@dataclass
class Restored:
    progress: Progress
    carry: Carry
    rng_state: torch.Tensor


def restore(
    path: Path,
    task: Task,
    cfg: ExperimentConfig,
    steps_per_epoch: int,
    total_steps: int,
    device: torch.device,
    *,
    epoch: int | None = None,
    fork: bool = False,
) -> Restored:
    """Continue from ``path``'s checkpoint, or (a fork with ``epoch``) from its weights at that epoch's end: the
    task's modules and optimizers are loaded here; where the run goes on and what it carries are returned."""
    spe, seed = steps_per_epoch, cfg.train.seed
    carry = Carry(base_lr=task.lr)
    if epoch is not None:
        snapshot = epoch_weights_path(path, epoch)
        if not snapshot.is_file() and not os.path.lexists(snapshot):
            have = ", ".join(map(str, checkpoint_epochs(path))) or t("checkpoint.epochs_none", "none")
            raise RunError(
                t(
                    "checkpoint.no_epoch_weights",
                    "The run in '{path}' kept no weights for the end of epoch {epoch} (it has: {have}).",
                    path=path,
                    epoch=epoch,
                    have=have,
                )
            )
        load_weights(snapshot, task.modules)
        progress = Progress(epoch * spe, epoch, 0)
        # A snapshot keeps no RNG state: seed from the config and the epoch, so the fork is repeatable.
        rng = torch.Generator().manual_seed((seed + 1_000_003 * (epoch + 1)) % 2**63).get_state()
        step = int(weights_metadata(snapshot).get("step", epoch * spe))
        carry.parent = {"run": str(path), "epoch": epoch, "step": step}
        check_work_left(path, progress, cfg, total_steps)
        return Restored(progress, carry, rng)
    state = load_checkpoint(path, n_losses=len(task.loss_names))
    if not fork and state.get("status") == "diverged":
        raise RunError(
            t(
                "checkpoint.diverged",
                "The run in '{path}' diverged; resuming would only repeat that, so fork it from an earlier epoch "
                "with a lower learning rate.",
                path=path,
            )
        )
    step, ep, batch = int(state["step"]), int(state["epoch"]), int(state["batch"])
    weights = checkpoint_weights_path(path, step)  # a kill between the two writes left the previous pair
    load_weights(weights, task.modules)
    saved_step = weights_metadata(weights).get("step")
    if saved_step is not None and int(saved_step) != step:
        raise RunError(
            t(
                "checkpoint.weights_mismatch",
                "The weights (step {saved_step}) and checkpoint (step {step}) in '{path}' do not match; "
                "the run was cut off while saving.",
                saved_step=saved_step,
                step=step,
                path=path,
            )
        )
    same_optim = _same_optimizer(open_run(path).config if fork else cfg, cfg)
    what = f"The checkpoint in '{path}'"
    for name, opt in task.optimizers.items():
        if name not in state["optimizers"]:
            raise RunError(
                t(
                    "checkpoint.no_optimizer_state",
                    "The checkpoint in '{path}' is damaged: it keeps no state for the {name} optimizer.",
                    path=path,
                    name=name,
                )
            )
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
        progress = Progress(step, ep, batch)
        if batch and "losses" in state:
            carry.losses, carry.log_from = state["losses"].to(device), int(state["log_from"])
    else:  # the batches changed size: start the epoch over
        progress = Progress(ep * spe, ep, 0)
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
            carry.base_lr = task.lr / max(lr_factor(cfg, step, total_steps), 1e-12)
    check_work_left(path, progress, cfg, total_steps)
    return Restored(progress, carry, state["rng"])


def _same_optimizer(parent: ExperimentConfig, cfg: ExperimentConfig) -> bool:
    """The optimizers' settings are the parent's: ``optim.*`` and the family's own (the GAN's ``gan.d_lr``)."""
    ours, theirs = flat_config(cfg), flat_config(parent)
    return parent.optim == cfg.optim and all(theirs.get(k) == ours.get(k) for k in cfg.family.optimizer_keys)


def check_work_left(path: Path, progress: Progress, cfg: ExperimentConfig, total_steps: int) -> None:
    train = cfg.train
    if progress.step < total_steps and progress.epoch < train.epochs:
        return
    fields = {"path": path, "epoch": progress.epoch, "step": progress.step, "epochs": train.epochs}
    if train.max_steps:  # two whole sentences rather than an optional clause glued in
        raise RunError(
            t(
                "checkpoint.nothing_left_capped",
                "Nothing left to train from '{path}': it is at epoch {epoch} (step {step}), train.epochs is {epochs} "
                "and train.max_steps is {max_steps}; set train.epochs (--epochs) higher.",
                max_steps=train.max_steps,
                **fields,
            )
        )
    raise RunError(
        t(
            "checkpoint.nothing_left",
            "Nothing left to train from '{path}': it is at epoch {epoch} (step {step}), train.epochs is {epochs}; "
            "set train.epochs (--epochs) higher.",
            **fields,
        )
    )


def checkpoint_state(
    task: Task,
    progress: Progress,
    carry: Carry,
    steps_per_epoch: int,
    *,
    epoch_end_logged: bool,
    losses: torch.Tensor | None,
    log_from: int,
    metrics_rows: int,
    elapsed_s: float,
    status: str,
) -> dict[str, Any]:
    """What ``checkpoint.pt`` keeps (see the module docstring); ``elapsed_s`` is this session's training time."""
    epoch, batch = progress.epoch, progress.batch
    if batch >= steps_per_epoch and epoch_end_logged:
        epoch, batch = epoch + 1, 0  # the epoch's end is on disk already: a resume starts the next one
    state: dict[str, Any] = {
        "format": FORMAT,
        "optimizers": {k: o.state_dict() for k, o in task.optimizers.items()},
        "step": progress.step,
        "epoch": epoch,
        "batch": batch,
        "steps_per_epoch": steps_per_epoch,
        "rng": torch.get_rng_state(),
        "base_lr": carry.base_lr,
        "metrics_rows": metrics_rows,
        "elapsed_s": carry.elapsed_s + elapsed_s,
        "status": status,
        "task": task.extra_state(),
    }
    if batch:
        if losses is not None:
            state["losses"], state["log_from"] = losses[:batch].cpu(), log_from
        elif carry.losses is not None:  # stopped before the resumed epoch began again
            state["losses"], state["log_from"] = carry.losses.cpu(), carry.log_from
    return state


__all__ = ["Carry", "Progress", "Restored", "check_work_left", "checkpoint_state", "lr_factor", "restore"]
