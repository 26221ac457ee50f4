"""The flags a front end sets to steer a run (stop, pause, step, a new learning rate).

Torch-free, apart from the trainer: the window creates one per run without loading torch (the training itself
runs in another process).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vision_lab.core.errors import ConfigError


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
    stream_weights: bool = False
    """Attach the weights to each Preview (the GUI's inspection views need them; the CLI does not)."""
    stop_status: str = "stopped"
    """The status a stop ends the run with: ``pruned`` when a sweep's pruner ended it (core/sweep.py)."""
    stop_message: str = ""
    """What the run's Finished says then (empty: the trainer's own "Stopped by the user" sentence)."""

    def request_stop(self) -> None:
        self.stop = True
        self.interrupt = True

    def request_prune(self, message: str) -> None:
        """End the run at the next report or epoch end with status ``pruned``: a sweep's pruner judged it hopeless."""
        self.stop_status, self.stop_message = "pruned", message
        self.request_stop()

    def request_report(self, preview: bool = False) -> None:
        self.preview_now = self.preview_now or preview
        self.interrupt = True

    def set_lr(self, lr: float) -> None:
        if not math.isfinite(lr) or lr <= 0:
            raise ConfigError(f"The learning rate must be a positive number, got {lr}.")
        self.new_lr = lr
        self.interrupt = True
