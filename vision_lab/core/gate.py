"""Pause, Step and Stop between the training loop's yields: one gate for every front end that drives the loop.

The window drives a run from a thread of its own process (``gui/worker.py``'s TrainingWorker) or from its training
process (``gui/engine_child.py``); both forward each event the loop yields, then call :meth:`RunGate.wait`, which
blocks while the run is paused. Commands (:meth:`pause`, :meth:`step`, ...) come from another thread and take effect
within one batch: they set the loop's :class:`~vision_lab.core.control.TrainerControl` flags, which make it report
(and preview) after the current step. Qt-free and torch-free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from vision_lab.core.control import TrainerControl
from vision_lab.core.events import Event, Metrics, Preview, Started


class RunGate:
    """``on_paused(True)`` when the loop stops at a pause, ``on_paused(False)`` when it goes on (called on the
    loop's thread). A pause or a step lands on a preview (requested with it, so it comes within one batch) or right
    after Started: what is on screen while paused is the model as it is."""

    def __init__(
        self,
        control: TrainerControl | None = None,
        *,
        start_paused: bool = False,
        on_paused: Callable[[bool], None] | None = None,
    ) -> None:
        self.control = control or TrainerControl(stream_weights=True)
        self._on_paused = on_paused or (lambda _paused: None)
        self._cond = threading.Condition()
        self._paused = start_paused
        self._step_target: int | None = None
        self._aborted = False
        self._blocked = False
        self.last_step = 0
        """The step of the last Metrics (or the start step of Started) the loop yielded."""

    # --- state ----------------------------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        """Pause requested (it takes effect within one batch)."""
        return self._paused

    @property
    def blocked(self) -> bool:
        """Actually waiting between two yields: nothing trains until resume, step or stop."""
        return self._blocked

    @property
    def aborted(self) -> bool:
        return self._aborted

    # --- commands (any thread) ------------------------------------------------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self.control.request_report(preview=True)

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._step_target = None
            self.control.report_every_step = False
            self._cond.notify_all()

    def step(self) -> None:
        """Train exactly one batch, report it (metrics and preview), then stay paused."""
        with self._cond:
            self._paused = True
            self._step_target = self.last_step + 1
            self.control.report_every_step = True
            self.control.request_report(preview=True)
            self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        """From the next step (ConfigError for a rate that is not a positive number)."""
        self.control.set_lr(lr)

    def stop(self) -> None:
        """End the run within one batch; it saves and yields Finished with status ``stopped``."""
        with self._cond:
            self.control.request_stop()
            self._paused = False
            self._step_target = None
            self._cond.notify_all()

    def abort(self) -> None:
        """As :meth:`stop`, and :meth:`wait` answers True: the front end leaves without forwarding more."""
        with self._cond:
            self._aborted = True
            self.stop()

    # --- the loop's side ------------------------------------------------------------------------------------------
    def seen(self, event: Event) -> None:
        """Note where the run is, before the event is forwarded (a Step asked for then counts from there)."""
        if isinstance(event, Metrics):
            self.last_step = event.step
        elif isinstance(event, Started):
            self.last_step = event.start_step

    def wait(self, event: Event) -> bool:
        """After forwarding ``event``: block while paused; True when the run must end now (aborted)."""
        self.seen(event)
        if not isinstance(event, Preview | Started):
            return self._aborted
        with self._cond:
            target = self._step_target
            if target is not None and self.last_step >= target:
                self._step_target = None
                self.control.report_every_step = False
            if not self._paused or self._step_target is not None:
                return self._aborted
            self._on_paused(True)
            self._blocked = True
            while self._paused and self._step_target is None and not self._aborted:
                self._cond.wait()
            self._blocked = False
            resumed = not self._paused
        if resumed:
            self._on_paused(False)
        return self._aborted


__all__ = ["RunGate"]
