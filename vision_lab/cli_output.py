"""What the CLI writes to the terminal while it works: the progress bar, the download bar, the scan report, and
the line a training starts with (moved out of cli.py, which holds the commands)."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, TextIO

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.i18n import t
from vision_lab.core.safe_io import shown

if TYPE_CHECKING:
    from vision_lab.core.events import Started


class _ProgressBar:
    """One line on stderr, redrawn at most 10 times a second."""

    def __init__(
        self, stream: TextIO, enabled: bool = True, width: int = 24, shown: frozenset[str] | None = None
    ) -> None:
        self.shown = shown
        """The figures the line names (a family's declared metrics); None: all. A segmenter's per-class IoUs
        (eleven more numbers) stay in summary.json."""
        self.stream, self.enabled, self.width = stream, enabled, width
        self.tty = stream.isatty()
        self._last = 0.0
        self._drawn = False

    def update(self, m: object, total_steps: int, epochs: int) -> None:
        from vision_lab.core.events import Metrics

        assert isinstance(m, Metrics)
        if not self.enabled or (not m.epoch_end and not self.tty):
            return
        now = time.monotonic()
        if not m.epoch_end and now - self._last < 0.1:
            return
        self._last = now
        frac = m.step / max(total_steps, 1)
        filled = int(frac * self.width)
        vals = "  ".join(f"{k} {v:.4g}" for k, v in m.values.items() if self.shown is None or k in self.shown)
        eta = f"ETA {m.eta_s:.0f}s" if math.isfinite(m.eta_s) else ""
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%} epoch {min(m.epoch + 1, epochs)}/{epochs} "
            f"step {m.step}/{total_steps}  {vals}  {m.samples_per_s:,.0f}/s {eta}"
        )
        if self.tty:
            self.stream.write("\r\x1b[2K" + line)
            self._drawn = True
            if m.epoch_end:
                self.stream.write("\n")
                self._drawn = False
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False


class _ScanReport:
    """The scan and decoding of an image folder, on one line (redrawn on a terminal, a line a second elsewhere)."""

    QUIET_S = 0.5
    """A folder that loads faster than this shows nothing: its errors stay one line."""

    def __init__(self, stream: TextIO, name: str | None) -> None:
        self.stream, self.tty = stream, stream.isatty()
        self.what = f"'{shown(name)}'" if name else "the dataset folder"
        self._start: float | None = None
        self._last = -math.inf
        self._drawn = False

    def __call__(self, done: int, total: int | None) -> bool:
        now = time.monotonic()
        self._start = now if self._start is None else self._start
        final = total is not None and done >= total
        if now - self._start < self.QUIET_S and not self._drawn:
            return True
        if now - self._last < (0.1 if self.tty else 1.0) and not final and self._drawn:
            return True
        self._last = now
        if total is None:
            text = f"Scanning {self.what}: {done:,} files so far (Ctrl-C stops)"
        else:
            text = f"Reading the images of {self.what}: {done:,} of {total:,}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self._drawn = not final
        self.stream.flush()
        return True


def _download_bar(stream: TextIO):  # type: ignore[no-untyped-def]
    last = [0.0]

    def progress(done: int, total: int | None) -> bool:
        now = time.monotonic()
        if now - last[0] > 0.2 or (total and done >= total):
            last[0] = now
            pct = f" {done / total:4.0%}" if total else ""
            stream.write(f"\rdownloading {done / 1e6:7.1f} MB{pct}")
            if total and done >= total:
                stream.write("\n")
            stream.flush()
        return True

    return progress


def _training_line(cfg: ExperimentConfig, event: Started, params: int, world: int) -> str:
    """The line a training starts with; whole sentences per variant (a resumed start, a mixed precision), so a
    translation never glues an English clause into its own."""
    d = event.dataset
    where = (
        t("cli.training.processes", "{world} processes ({device} on rank 0)", world=world, device=event.device)
        if world > 1
        else event.device
    )
    fields = {
        "model": cfg.model,
        "data": d.name,
        "train": d.train_size,
        "val": d.val_size,
        "shape": f"{d.image_shape[0]}×{d.image_shape[1]}×{d.image_shape[2]}",
        "params": f"{params:,}",
        "steps": event.total_steps,
        "where": where,
    }
    precision, start = cfg.train.precision, event.start_step
    if start and precision != "fp32":
        return t(
            "cli.training.from_in",
            "Training {model} on {data} ({train} train / {val} val, {shape}), {params} parameters, {steps} steps "
            "from step {start} on {where} in {precision}.",
            start=start,
            precision=precision,
            **fields,
        )
    if start:
        return t(
            "cli.training.from",
            "Training {model} on {data} ({train} train / {val} val, {shape}), {params} parameters, {steps} steps "
            "from step {start} on {where}.",
            start=start,
            **fields,
        )
    if precision != "fp32":
        return t(
            "cli.training.in",
            "Training {model} on {data} ({train} train / {val} val, {shape}), {params} parameters, {steps} steps "
            "on {where} in {precision}.",
            precision=precision,
            **fields,
        )
    return t(
        "cli.training",
        "Training {model} on {data} ({train} train / {val} val, {shape}), {params} parameters, {steps} steps "
        "on {where}.",
        **fields,
    )
