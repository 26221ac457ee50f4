"""Where and how a run computes: the device, mixed precision, the allocator, and what a failed allocation means.

The trainer's set-up before its loop; apart so that the loop reads as a loop.
"""

from __future__ import annotations

import torch

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError, VisionLabError
from vision_lab.core.i18n import t

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
        raise ConfigError(
            t(
                "device.no_cuda",
                "Device 'cuda' is not available here (no CUDA GPU, or PyTorch was built without CUDA).",
            )
        )
    if name == "mps" and not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
        raise ConfigError(
            t(
                "device.no_mps",
                "Device 'mps' is not available here (it needs Apple silicon and a PyTorch built for it).",
            )
        )
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
            t(
                "device.precision_needs_cuda",
                "train.precision {precision} (mixed precision) needs a CUDA GPU, but this run is on {device}; "
                "use fp32 there.",
                precision=repr(precision),
                device=device.type,
            )
        )
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ConfigError(t("device.no_bf16", "This GPU has no bfloat16 support; set train.precision to fp16 or fp32."))


def grad_scaler(device: torch.device) -> torch.amp.GradScaler:
    """fp16's loss scaler: its narrow range would flush small gradients to zero (bf16 needs none)."""
    scaler = getattr(torch.amp, "GradScaler", None)  # PyTorch < 2.3 has only the CUDA one
    return scaler(device.type) if scaler else torch.cuda.amp.GradScaler()


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
    fields = {"model": cfg.model, "batch_size": cfg.train.batch_size}
    if step is None:
        return VisionLabError(
            t(
                "device.oom_building",
                "Out of memory to build the model and its data ({model}, batch size {batch_size}): lower the batch "
                "size or the model's size.",
                **fields,
            )
        )
    return VisionLabError(
        t(
            "device.oom_at_step",
            "Out of memory at step {step} ({model}, batch size {batch_size}): lower the batch size or the model's "
            "size.",
            step=step,
            **fields,
        )
    )


__all__ = [
    "AMP_DTYPES",
    "check_precision",
    "grad_scaler",
    "keep_freed_memory",
    "out_of_memory_error",
    "resolve_device",
]
