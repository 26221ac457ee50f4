"""PyTorch is loaded after the window shows, on a thread of its own, so the window appears at once.

Importing torch takes 1.5-2 s here and the window needs it only for the Model tab's layer table, the device list
and inspecting a run (training runs in its own process). :func:`start` imports it in the background; ``ready``
fires on the GUI thread when it is done. Code that needs torch asks :func:`torch_ready` first and, while the
import is under way, shows that it is loading rather than block the GUI thread on Python's import lock.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal


class _Warmup(QObject):
    ready = Signal()


_warmup: _Warmup | None = None
_done = threading.Event()
_started = False


def warmup() -> _Warmup:
    """The object whose ``ready`` signal fires (on the GUI thread) once torch is loaded."""
    global _warmup
    if _warmup is None:
        _warmup = _Warmup()
    return _warmup


def defer() -> None:
    """From now on, code that needs torch waits for :func:`start`'s import instead of importing it itself."""
    global _started
    warmup()  # created on the GUI thread: the signal is delivered there
    _started = True


_thread: threading.Thread | None = None


def start() -> None:
    """Load torch and the model code on a background thread (once); ``warmup().ready`` fires when done."""
    global _thread
    defer()
    signals = warmup()
    if _thread is not None:
        return

    def load() -> None:
        try:
            import torch  # noqa: F401

            import vision_lab.core.inspect  # what the Inspect views import at a run's start
            import vision_lab.core.models  # noqa: F401
        finally:
            _done.set()
            signals.ready.emit()

    _thread = threading.Thread(target=load, name="vision-lab-torch-import", daemon=True)
    _thread.start()


def torch_ready() -> bool:
    """False only while the background import runs; True when it is done, or when none was started (tests, tools:
    whoever asks then imports torch where it stands)."""
    return not _started or _done.is_set()
