"""Runs the core's training generator off the GUI thread and turns its events into Qt signals.

The worker never trains by itself: it pulls :meth:`Trainer.events` and emits what it yields. Pause, Step and
Stop are the core's :class:`~vision_lab.core.gate.RunGate`, the same gate the training process uses
(``engine_child.py``): pause blocks between two yields (the generator stays suspended), Step lets exactly one
batch through, Stop and Pause make the loop report within one batch. Commands are plain thread-safe methods, not
queued slots: a paused worker is blocked, not looping.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.control import TrainerControl
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import VisionLabError
from vision_lab.core.events import Event, Finished, Metrics, Preview, Started
from vision_lab.core.gate import RunGate
from vision_lab.core.lineage import Launch
from vision_lab.gui.torch_threads import training_threads

if TYPE_CHECKING:  # the window never loads torch for a run in the training process (the default)
    from vision_lab.core.trainer import Trainer

WORKER_NICE = 5


def _report_bug(err: BaseException) -> tuple[str, str]:
    """A bug: (one sentence naming the log file, the log file's path); the traceback goes to that file only."""
    from vision_lab.core.crashlog import report_bug

    sentence, path = report_bug(err, "the window's training or loading thread")
    return sentence, str(path or "")


def _yield_to_the_gui() -> None:
    """Run this thread, and the OpenMP threads it starts, at a lower priority than the GUI thread.

    Training keeps every core while the GUI is idle (a nice value costs nothing without contention),
    but when the GUI thread wakes to paint, the scheduler runs it first instead of making it wait for
    a time slice. Linux nice values are per thread and inherited by threads created later, which is
    exactly the worker and its OpenMP team. Elsewhere this is a no-op.
    """
    if hasattr(os, "setpriority") and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICE))


class TrainingWorker(QThread):
    """One run: builds the Trainer in this thread (data loading can take a while), then drains its events.

    ``launch`` makes it a resume or a fork (``cfg`` is then ``launch.config``); ``threads`` caps the
    training's CPU threads (twin runs share the cores), else it takes them all.
    """

    FREEZES_RUN = True
    """Its thread freezes the run's models and tensors (gc.freeze), so the next start unfreezes them to free them."""

    run_started = Signal(object)  # Started
    metrics = Signal(object)  # Metrics
    preview = Signal(object)  # Preview
    run_finished = Signal(object)  # Finished
    failed = Signal(str, str)  # one-sentence message; for a bug, the log file holding its traceback ("" else)
    paused_changed = Signal(bool)

    def __init__(
        self,
        cfg: ExperimentConfig,
        *,
        dataset: ImageDataset | None = None,
        runs_root: Path | None = None,
        start_paused: bool = False,
        launch: Launch | None = None,
        threads: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.launch = launch if launch is not None else Launch(cfg)
        self.cfg = self.launch.config
        self.threads = threads
        self.dataset = dataset
        self.runs_root = runs_root
        # The inspection views load each preview's weights: the control streams them.
        self.gate = RunGate(
            TrainerControl(stream_weights=True), start_paused=start_paused, on_paused=self.paused_changed.emit
        )
        self.control = self.gate.control
        self.trainer: Trainer | None = None

    # --- commands (GUI thread) ---------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        """Pause requested (it takes effect within one batch)."""
        return self.gate.paused

    @property
    def blocked(self) -> bool:
        """Actually waiting between two yields: nothing trains until resume, step or stop."""
        return self.gate.blocked

    @property
    def last_step(self) -> int:
        return self.gate.last_step

    def pause(self) -> None:
        self.gate.pause()

    def resume(self) -> None:
        self.gate.resume()

    def step(self) -> None:
        """Train exactly one batch, report it (metrics and preview), then stay paused."""
        self.gate.step()

    def set_lr(self, lr: float) -> None:
        self.gate.set_lr(lr)

    def stop(self) -> None:
        """End the run within one batch; it saves and emits ``run_finished`` with status ``stopped``."""
        self.gate.stop()

    def abort(self) -> None:
        """Stop without emitting anything more (window closing); join with :meth:`wait`."""
        self.gate.abort()

    # --- the thread --------------------------------------------------------------------------------
    def start(self, *args: object) -> None:
        """Collect last run's garbage here, on the GUI thread, then start. Garbage can hold Qt widgets (a closed
        dialog, a window in a reference cycle); collected on this worker's thread, their C++ destructors ran on
        the wrong thread and deadlocked on the GIL (seen in a test run: the worker hung in ``~QObject``).

        Only a worker that froze its run's objects (:attr:`FREEZES_RUN`) unfreezes the heap first: a full collection
        of the unfrozen heap (torch's and Qt's objects) held the GUI thread for 80-230 ms at every Start."""
        if self.FREEZES_RUN:
            gc.unfreeze()
        gc.collect()
        super().start(*args)  # type: ignore[arg-type]

    def run(self) -> None:
        _yield_to_the_gui()
        import torch

        # Per thread under OpenMP: see keep_torch_off_the_gui_thread.
        torch.set_num_threads(self.threads or training_threads())
        try:
            self.trainer = self.launch.build(dataset=self.dataset, runs_root=self.runs_root, control=self.control)
        except VisionLabError as err:
            self.failed.emit(str(err), "")
            return
        except Exception as err:
            self.failed.emit(*_report_bug(err))
            return
        # The new models and tensors live for the whole run: keep the collector off them (see vision_lab.gui.app);
        # last run's garbage was collected by start(), on the GUI thread.
        gc.freeze()
        events = self.trainer.events()
        gate = self.gate
        try:
            for event in events:
                if gate.aborted:
                    break
                gate.seen(event)
                self._emit(event)
                if isinstance(event, Finished):
                    return
                if gate.wait(event):
                    break
        except VisionLabError as err:
            self.failed.emit(str(err), "")
        except Exception as err:
            self.failed.emit(*_report_bug(err))
        finally:
            events.close()  # saves what was trained when we left early

    def _emit(self, event: Event) -> None:
        if isinstance(event, Metrics):
            self.metrics.emit(event)
        elif isinstance(event, Preview):
            self.preview.emit(event)
        elif isinstance(event, Started):
            self.run_started.emit(event)
        elif isinstance(event, Finished):
            self.run_finished.emit(event)


class FunctionWorker(QThread):
    """Runs ``fn(progress)`` off the GUI thread: dataset loading and downloads.

    ``progress(done, total)`` may be called from ``fn``; it emits :attr:`progress` and returns False once
    :meth:`cancel` was called, which the core's downloads turn into ``DownloadCancelled``.
    """

    done = Signal(object)
    failed = Signal(str, str)
    progress = Signal(int, int)  # done, total (-1 unknown)

    def __init__(self, fn: Callable[[Callable[[int, int | None], bool]], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _progress(self, done: int, total: int | None) -> bool:
        self.progress.emit(int(done), -1 if total is None else int(total))
        return not self._cancelled

    def run(self) -> None:
        try:
            result = self._fn(self._progress)
        except VisionLabError as err:
            self.failed.emit(str(err), "")
        except Exception as err:
            self.failed.emit(*_report_bug(err))
        else:
            self.done.emit(result)


# --- training in a child process ---------------------------------------------------------------------------

_spare: tuple[Any, Any] | None = None
_spare_lock = threading.Lock()


def _spawn_engine() -> tuple[Any, Any]:
    import multiprocessing as mp

    from vision_lab.gui.engine_child import engine_main

    ctx = mp.get_context("spawn")  # never fork a process that runs Qt
    parent, child = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=engine_main, args=(child,), name="vision-lab-engine", daemon=True)
    proc.start()
    child.close()
    return proc, parent


def prewarm_engine() -> None:
    """Start a spare training process now, so the next Start finds torch already imported."""
    global _spare
    with _spare_lock:
        if _spare is None or not _spare[0].is_alive():
            _spare = _spawn_engine()


def _take_engine() -> tuple[Any, Any]:
    global _spare
    with _spare_lock:
        engine, _spare = _spare, None
    if engine is None or not engine[0].is_alive():
        engine = _spawn_engine()
    return engine


class ProcessWorker(TrainingWorker):
    """The same interface and signals as :class:`TrainingWorker`, with the core loop in a child process.

    This thread only reads the pipe and re-emits what arrives as Qt signals; commands go straight to
    the child, whose own listener thread applies them between steps.
    """

    JOIN_SECONDS = 60.0
    FREEZES_RUN = False  # the run's objects live in the training process: nothing here to unfreeze

    def __init__(self, cfg: ExperimentConfig, **kwargs: Any) -> None:
        super().__init__(cfg, **kwargs)
        # The gate is in the training process; here only what was asked, and where the run is (gate.seen).
        self._paused = bool(kwargs.get("start_paused", False))
        self._abort = False
        self._blocked = False
        self._lock = threading.Lock()
        self._conn: Any = None
        self._pending: list[tuple[Any, ...]] = []
        self.pid: int | None = None
        """The training process's id once the run has started."""

    def _send(self, *command: Any) -> None:
        with self._lock:
            if self._conn is None:
                self._pending.append(command)
                return
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(command)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def blocked(self) -> bool:
        return self._blocked

    def pause(self) -> None:
        self._paused = True
        self._send("pause")

    def resume(self) -> None:
        self._paused = False
        self._send("resume")

    def step(self) -> None:
        self._paused = True
        self._send("step")

    def set_lr(self, lr: float) -> None:
        TrainerControl().set_lr(lr)  # same validation, same message, here and now
        self._send("lr", lr)

    def stop(self) -> None:
        self._paused = False
        self._send("stop")

    def abort(self) -> None:
        self._abort = True
        self._paused = False
        self._send("abort")

    def run(self) -> None:
        proc, conn = _take_engine()
        self.pid = proc.pid
        try:
            plugins = families.plugins()
            # The core's language goes with the run: the spare process was spawned before the window chose one.
            language = core_i18n.language()
            conn.send(("run", self.launch, self.dataset, self.runs_root, self._paused, self.threads, plugins, language))
        except OSError as err:
            self.failed.emit(self.tr("The training process could not be started ({reason}).").format(reason=err), "")
            return
        with self._lock:
            self._conn = conn
            for command in self._pending:
                conn.send(command)
            self._pending.clear()
        done = False
        try:
            while True:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    break
                kind = message[0]
                if self._abort:
                    continue  # the child is saving; keep draining until it closes the pipe
                if kind == "event":
                    done = done or isinstance(message[1], Finished)
                    self.gate.seen(message[1])
                    self._emit(message[1])
                elif kind == "paused":
                    self._blocked = bool(message[1])
                    self.paused_changed.emit(self._blocked)
                elif kind == "failed":
                    done = True
                    self.failed.emit(message[1], message[2])
        finally:
            proc.join(self.JOIN_SECONDS)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
            with self._lock:
                self._conn = None
            conn.close()
            if not self._abort:
                prewarm_engine()  # the next run's process imports torch now, not while this one trained
        if not done and not self._abort:
            code = proc.exitcode
            # self.tr on a worker thread: QCoreApplication.translate is thread-safe once translators are installed
            text = (
                self.tr(
                    "The training process stopped unexpectedly (it ran out of memory or was killed); what it saved "
                    "is in the runs folder."
                )
                if code in (-9, 137)
                else self.tr(
                    "The training process stopped unexpectedly (exit code {code}); what it saved is in the runs folder."
                ).format(code=code)
            )
            self.failed.emit(text, "")


def worker_class() -> type[TrainingWorker] | type[ProcessWorker]:
    """Training runs in a child process (``VISION_LAB_ENGINE=thread`` keeps it in a thread of this one).

    Measured with ``vision-lab bench --gui``: in a thread the GIL makes the GUI and the training take
    turns, which costs small, Python-bound models (MLP, autoencoder) a third of their speed.
    """
    return TrainingWorker if os.environ.get("VISION_LAB_ENGINE") == "thread" else ProcessWorker
