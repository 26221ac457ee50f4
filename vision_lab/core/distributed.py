"""Data-parallel training under ``torchrun``: who we are, the process group, and averaging across processes.

``torchrun --nproc_per_node=N -m vision_lab train --config exp.json`` starts N copies of the CLI with
``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` (and the rendezvous address) in their environment; the trainer
reads them through :func:`world` and, with more than one process, joins the process group here (gloo on
the CPU, NCCL on CUDA with each process on ``cuda:LOCAL_RANK``). Without those variables, or with a world
of one, nothing here runs: no process group, no wrapper, no extra synchronisation.

How the work is shared (see :class:`vision_lab.core.trainer.Trainer`):

* ``train.batch_size`` is the GLOBAL batch. Every process draws the same seeded permutation of the training
  set each epoch and takes its own contiguous ``batch_size / world_size`` slice of every global batch: that
  slicing IS the distributed sampler (what ``torch.utils.data.DistributedSampler`` does, without a
  DataLoader), so N processes see exactly the images one process would, batch for batch.
* The trainable modules are wrapped in :class:`~torch.nn.parallel.DistributedDataParallel`, which averages
  the gradients; the optimizers then make the same update everywhere.
* Losses are averaged across processes (:func:`mean_`) at deterministic steps (metrics rows, epoch ends), so
  rank 0's metrics.csv holds the global means and every process takes the same decisions from them.
* Only rank 0 writes the run folder, evaluates, previews and prints.
"""

from __future__ import annotations

import contextlib
import datetime
import inspect
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from vision_lab.core.errors import ConfigError, RunError

_suppressed = 0
"""Depth of :func:`single_process` blocks: trainers made inside one train alone (the GAN judge's)."""


@dataclass(frozen=True)
class World:
    """This process's place among the processes training one run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        """More than one process: shard batches, wrap in DDP, average metrics."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that writes, evaluates, previews and prints."""
        return self.rank == 0


SINGLE = World()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"The environment variable {name} must be a whole number, got {raw!r}.") from None


def world() -> World:
    """From the torchrun environment (``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``); one process without them."""
    if _suppressed:
        return SINGLE
    size = _env_int("WORLD_SIZE", 1)
    if size <= 1:
        return SINGLE
    rank = _env_int("RANK", 0)
    local = _env_int("LOCAL_RANK", rank)
    if not 0 <= rank < size:
        raise ConfigError(f"RANK is {rank}, but WORLD_SIZE is {size}; start the processes with torchrun.")
    return World(rank=rank, world_size=size, local_rank=local)


def is_main() -> bool:
    """True unless this process is a torchrun rank other than 0 (front ends print only when this holds)."""
    try:
        return world().is_main
    except ConfigError:
        return True


@contextlib.contextmanager
def single_process() -> Iterator[None]:
    """Trainers created inside train in this process alone, even under torchrun (the GAN judge)."""
    global _suppressed
    _suppressed += 1
    try:
        yield
    finally:
        _suppressed -= 1


def setup(w: World, device: torch.device) -> torch.device:
    """Join the process group (once per process) and return the device this rank trains on.

    CUDA: rank ``LOCAL_RANK`` of a node takes ``cuda:LOCAL_RANK`` and NCCL carries the traffic. CPU: gloo.
    MPS has no collective backend, so it is refused with one sentence.
    """
    if not w.enabled:
        return device
    if device.type == "mps":
        raise ConfigError(
            "Training with several processes works on the CPU (gloo) or on CUDA GPUs (NCCL), not on 'mps'; "
            "set train.device to cpu."
        )
    if device.type == "cuda":
        count = torch.cuda.device_count()
        if w.local_rank >= count:
            raise ConfigError(
                f"This node has {count} CUDA GPU{'s' if count != 1 else ''}, but torchrun started a process "
                f"for GPU {w.local_rank}; use --nproc_per_node={count} or fewer."
            )
        device = torch.device("cuda", w.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if backend == "nccl" and not dist.is_nccl_available():
            raise ConfigError("This PyTorch has no NCCL, which training on several CUDA GPUs needs.")
        kwargs: dict[str, object] = {}
        if device.type == "cuda" and "device_id" in inspect.signature(dist.init_process_group).parameters:
            kwargs["device_id"] = device  # binds NCCL to this rank's GPU up front (PyTorch >= 2.3)
        try:
            # env:// reads MASTER_ADDR/MASTER_PORT (or torchrun's store) and RANK/WORLD_SIZE.
            dist.init_process_group(
                backend, rank=w.rank, world_size=w.world_size, timeout=datetime.timedelta(minutes=30), **kwargs
            )
        except (RuntimeError, ValueError) as err:
            raise RunError(f"Could not join the other training processes ({str(err).splitlines()[0]}).") from None
    elif dist.get_world_size() != w.world_size or dist.get_rank() != w.rank:
        raise RunError("The process group already set up does not match WORLD_SIZE and RANK.")
    return device


def teardown() -> None:
    """Leave the process group (the CLI calls it when a run ends; harmless when there is none)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def mean_(t: torch.Tensor) -> torch.Tensor:
    """Replace ``t`` (on every rank) by its mean over the ranks, in place; a collective: every rank must call it.

    SUM then divide: gloo has no AVG reduction.
    """
    if not t.numel():
        return t
    buf = t if t.is_contiguous() else t.contiguous()
    dist.all_reduce(buf, op=dist.ReduceOp.SUM)
    buf.div_(dist.get_world_size())
    if buf is not t:
        t.copy_(buf)
    return t


def mean_buffers_(modules: dict[str, nn.Module]) -> None:
    """Average the floating-point buffers (batch-norm running statistics) over the ranks, in place; a collective.

    Each rank's statistics come from its own share of the batches; their mean is what one process seeing whole
    batches would have collected, near enough, and it leaves every rank with the same model.
    """
    bufs = [b for m in modules.values() for b in m.buffers() if b.is_floating_point()]
    if not bufs:
        return
    flat = torch.cat([b.reshape(-1) for b in bufs])  # one collective, not one per buffer
    mean_(flat)
    offset = 0
    for b in bufs:
        b.copy_(flat[offset : offset + b.numel()].view_as(b))
        offset += b.numel()


def check_peers(w: World, error: Exception | None) -> None:
    """Every rank says whether its set-up failed; if any did, every rank raises (no rank left waiting).

    A collective: each rank calls it at the same point. The failing rank re-raises its own error; the others
    raise a :class:`RunError` quoting it, so rank 0, which prints, always tells the user what went wrong.
    """
    if w.enabled:
        messages: list[str | None] = [None] * w.world_size
        dist.all_gather_object(messages, None if error is None else str(error) or type(error).__name__)
        if error is None:
            failed = [(rank, m) for rank, m in enumerate(messages) if m is not None]
            if failed:
                rank, message = failed[0]
                raise RunError(f"Training process {rank} could not start: {message}")
    if error is not None:
        raise error


def wrap(modules: dict[str, nn.Module], device: torch.device) -> dict[str, nn.Module]:
    """``modules`` with every trainable one wrapped in DistributedDataParallel (a collective: rank 0's weights
    are copied to all ranks here). The raw modules stay what is saved, evaluated and previewed, so weights never
    carry DDP's ``module.`` prefix.

    Buffers are not synchronised at each forward pass: batch norm normalises each process's share of the batch
    by that share's statistics (as DDP without SyncBatchNorm does) and, above all, a forward pass is never a
    collective, so rank 0 can evaluate and preview alone. The trainer averages the running statistics over the
    ranks at every epoch end (:func:`mean_buffers_`) instead.
    """
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    # Newer PyTorch renamed the switch (and warns about the old name); both leave forward passes collective-free.
    no_sync = (
        {"forward_sync_buffers": False}
        if "forward_sync_buffers" in inspect.signature(DistributedDataParallel.__init__).parameters
        else {"broadcast_buffers": False}
    )
    return {
        name: DistributedDataParallel(m, device_ids=ids, **no_sync)
        if any(p.requires_grad for p in m.parameters())
        else m
        for name, m in modules.items()
    }


def in_sync(modules: dict[str, nn.Module]) -> bool:
    """Do all ranks hold the same weights? (A collective; a cheap end-of-run guard against a step that bypassed
    DDP and let the processes drift apart.)"""
    sums = [p.detach().double().sum() for m in modules.values() for p in m.parameters()]
    if not sums:
        return True
    local = torch.stack(sums)
    lo, hi = local.clone(), local.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    return bool(torch.equal(lo, hi))


def rank_seed(seed: int, rank: int, step: int) -> int:
    """The seed of rank ``rank``'s random stream (dropout, shifts, GAN noise) from ``step`` on.

    Rank 0 keeps the single-process stream; the others get their own, so two processes never draw the same
    dropout masks or GAN noise for different images.
    """
    return (seed * 1_000_003 + rank * 7_919_000_003 + step) % 2**63
