"""One computation at a time off the GUI thread, the newest request winning: what an Inspect view uses for work
that takes longer than a frame (attributions, feature visualisation).

A request submitted while one runs waits; a later request replaces it (a learner dragging a slider wants the
last position, not every one). The running request is asked to stop (``progress`` returns False) and its
result is dropped. Results and failures arrive on the GUI thread through signals. :meth:`shutdown` cancels and
joins, so nothing runs on once the window closes (Qt aborts when a QThread is destroyed while running).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from vision_lab.gui.worker import FunctionWorker

Job = Callable[[Callable[[int, int | None], bool]], Any]
"""``fn(progress)``: ``progress(done, total)`` returns False when the job should give up."""


class LatestJob(QObject):
    done = Signal(object)
    """The result of the last request that ran to its end and was not replaced meanwhile."""
    failed = Signal(str)
    """One sentence: a user's mistake as the core said it, or a bug's summary."""
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: FunctionWorker | None = None
        self._next: Job | None = None
        self._closed = False

    def busy(self) -> bool:
        return self._worker is not None

    def submit(self, fn: Job) -> None:
        if self._closed:
            return
        if self._worker is not None:
            self._next = fn
            self._worker.cancel()  # the running request is out of date
            return
        self._start(fn)

    def _start(self, fn: Job) -> None:
        # No Qt parent: the job may be deleted (its view closed) while a worker still ends; the worker is kept by
        # ``_worker`` until its signals have been handled here, and deleted by Qt once its thread has finished.
        worker = FunctionWorker(fn)
        worker.done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        worker.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        worker.finished.connect(worker.deleteLater)
        self._worker = worker
        worker.start()
        self.busy_changed.emit(True)

    def _done(self, result: Any) -> None:
        self._finished(self.sender(), result, None)

    def _failed(self, message: str, _details: str) -> None:
        self._finished(self.sender(), None, message)

    def _finished(self, worker: QObject, result: Any, error: str | None) -> None:
        if worker is None or worker is not self._worker:
            # Replaced, or a result queued before shutdown() dropped the last reference to its worker (deleted:
            # the sender is None by the time the queued result is delivered, as is ``_worker``).
            return
        assert isinstance(worker, FunctionWorker)
        worker.wait()
        self._worker = None
        replaced = self._next is not None or worker.cancelled
        if self._next is not None and not self._closed:
            fn, self._next = self._next, None
            self._start(fn)
        else:
            self.busy_changed.emit(False)
        if replaced or self._closed:
            return
        if error is not None:
            self.failed.emit(error)
        else:
            self.done.emit(result)

    def cancel(self) -> None:
        """Drop what waits and ask the running request to stop (its result is dropped)."""
        self._next = None
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self) -> None:
        """Cancel and join (window closing)."""
        self._closed = True
        self.cancel()
        if self._worker is not None:
            self._worker.wait()
            self._worker = None  # its queued result, if any, is dropped
