"""One training run at a time for a window: the worker that trains it, its events as signals, its commands.

The main window has one; the twin window has one per twin. The worker is a thread of this process or the training
process (:func:`~vision_lab.gui.worker.worker_class`); either way the controller forwards its events only while it is
the controller's current run: a run the window has let go of (Reset, a replaced run) finishes saving in the
background and says nothing more, so no window has to ask which worker spoke.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.data import ImageDataset
from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.core.lineage import Launch
from vision_lab.gui.worker import ProcessWorker, TrainingWorker, prewarm_engine, worker_class

Worker = TrainingWorker | ProcessWorker


class RunController(QObject):
    started = Signal(object)  # Started
    metrics = Signal(object)  # Metrics
    preview = Signal(object)  # Preview
    finished = Signal(object)  # Finished
    failed = Signal(str, str)  # one sentence; for a bug, the log file holding its traceback ("" else)
    paused_changed = Signal(bool)
    ended = Signal(object)
    """The current run's worker ended without Finished or a failure (aborted, or the process died quietly)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker: Worker | None = None
        """The current run's worker; None when idle (or after :meth:`forget`)."""
        self.run_dir: Path | None = None
        """The current (or last) run's folder, once it reported Started."""

    # --- starting -----------------------------------------------------------------------------------------------
    def prepare(
        self,
        cfg: ExperimentConfig,
        *,
        dataset: ImageDataset | None,
        runs_root: Path,
        launch: Launch | None = None,
        paused: bool = False,
        threads: int | None = None,
    ) -> Worker:
        """A worker for ``cfg`` (``launch``: a resume or a fork of a saved run), wired and current, not started yet."""
        worker = worker_class()(
            cfg,
            dataset=dataset,
            runs_root=runs_root,
            start_paused=paused,
            launch=launch,
            threads=threads,
            parent=self,
        )
        # Bound methods of this object (which lives on the GUI thread): Qt queues the worker thread's signals to them.
        worker.run_started.connect(self._on_started)
        worker.metrics.connect(self._on_metrics)
        worker.preview.connect(self._on_preview)
        worker.run_finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.paused_changed.connect(self._on_paused)
        worker.finished.connect(self._on_thread_done)
        self.worker, self.run_dir = worker, None
        return worker

    def launch(self) -> None:
        """Start the prepared worker; a spare training process starts for the next run while this one loads."""
        worker = self.worker
        assert worker is not None and not worker.isRunning()
        if worker.__class__ is ProcessWorker:
            prewarm_engine()  # a spare may already be up: this run takes it, the next one finds another
        worker.start()

    def start(self, cfg: ExperimentConfig, **kwargs: Any) -> Worker:
        """:meth:`prepare` and :meth:`launch`."""
        worker = self.prepare(cfg, **kwargs)
        self.launch()
        return worker

    # --- commands -----------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    def pause(self) -> None:
        if self.worker is not None:
            self.worker.pause()

    def resume(self) -> None:
        if self.worker is not None:
            self.worker.resume()

    def step(self) -> None:
        if self.worker is not None:
            self.worker.step()

    def stop(self) -> None:
        """The run ends within one batch; it saves and reports Finished (status ``stopped``)."""
        if self.worker is not None:
            self.worker.stop()

    def set_lr(self, lr: float) -> None:
        """From the next step; ConfigError (one sentence) for a rate that is not a positive number."""
        if self.worker is not None:
            self.worker.set_lr(lr)

    def forget(self) -> Worker | None:
        """The current run is no longer this controller's: nothing more of it reaches the window (it may still be
        saving). Returns its worker."""
        worker, self.worker = self.worker, None
        return worker

    def abort(self) -> Worker | None:
        """Stop the current run within one batch without a word more (the core saves it), and :meth:`forget` it."""
        worker = self.forget()
        if worker is not None:
            worker.abort()
        return worker

    def shutdown(self) -> None:
        """Abort every run this controller started and wait for each to finish saving (a window closing)."""
        self.abort()
        for worker in self.findChildren(TrainingWorker):  # ProcessWorker is one too
            worker.abort()
            worker.wait()

    # --- the worker's side (queued to the GUI thread) -------------------------------------------------------------
    def _current(self) -> bool:
        return self.worker is not None and self.sender() is self.worker

    def _on_started(self, event: Started) -> None:
        if self._current():
            self.run_dir = event.run_dir
            self.started.emit(event)

    def _on_metrics(self, event: Metrics) -> None:
        if self._current():
            self.metrics.emit(event)

    def _on_preview(self, event: Preview) -> None:
        if self._current():
            self.preview.emit(event)

    def _on_finished(self, event: Finished) -> None:
        if self._current():
            self.finished.emit(event)

    def _on_failed(self, message: str, details: str) -> None:
        if self._current():
            self.failed.emit(message, details)

    def _on_paused(self, paused: bool) -> None:
        if self._current():
            self.paused_changed.emit(paused)

    def _on_thread_done(self) -> None:
        worker = self.sender()
        if not isinstance(worker, TrainingWorker):
            return
        if worker is self.worker:  # ended without Finished or a failure: aborted, or a process that died quietly
            self.worker = None
            self.ended.emit(worker)
        worker.deleteLater()


__all__ = ["RunController", "Worker"]
