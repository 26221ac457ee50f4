"""The window's last line of defence: an exception nobody caught becomes one sentence in a dialog.

PySide6 hands an exception raised in a slot, an event handler or a timer to ``sys.excepthook`` and carries on;
Python threads hand theirs to ``threading.excepthook``. Both would print a traceback on a terminal the user may
not even have. Here the traceback goes to the log file (:mod:`vision_lab.core.crashlog`) and the window shows
"Something unexpected went wrong (...); this is a bug: the details are in <log file>." A user's mistake that
slipped through (a VisionLabError) is shown as the sentence it is. While one such dialog is open, further
exceptions (a failing paint, every frame) are only logged.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from vision_lab.core.crashlog import report_bug
from vision_lab.core.errors import VisionLabError


class _Reporter(QObject):
    """Shows the dialog on the GUI thread, whichever thread the exception happened on."""

    show = Signal(str, bool)

    def __init__(self) -> None:
        super().__init__()
        self.dialog: QMessageBox | None = None
        self.last_sentence: str | None = None
        self.show.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def report(self, err: BaseException, where: str) -> None:
        if isinstance(err, VisionLabError):
            sentence, bug = str(err), False
        else:
            sentence, _path = report_bug(err, where)
            bug = True
        self.last_sentence = sentence
        self.show.emit(sentence, bug)

    def _show(self, sentence: str, bug: bool) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one at a time: the first one says where the log is
        parent = QApplication.activeWindow()
        title = QApplication.translate("Crash", "Vision Lab: a bug") if bug else "Vision Lab"
        icon = QMessageBox.Icon.Critical if bug else QMessageBox.Icon.Warning
        box = QMessageBox(icon, title, sentence, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("bugDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        box.open()
        self.dialog = box


_reporter: _Reporter | None = None


def install() -> _Reporter:
    """Route uncaught exceptions (GUI thread and Python threads) to the log file and a one-sentence dialog.

    Call once the QApplication exists; calling again returns the installed reporter (and puts the hooks back if
    something replaced them since).
    """
    global _reporter
    if _reporter is not None and getattr(sys.excepthook, "vision_lab", False):
        return _reporter
    reporter = _reporter = _reporter or _Reporter()
    previous = sys.excepthook

    def excepthook(kind: type[BaseException], err: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt | SystemExit):
            previous(kind, err, tb)
            return
        with contextlib.suppress(Exception):  # the hook itself must never fail; the log is written first
            reporter.report(err.with_traceback(tb), "the window")

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or isinstance(args.exc_value, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a thread"
        with contextlib.suppress(Exception):
            reporter.report(args.exc_value.with_traceback(args.exc_traceback), f"thread {name}")

    # Marked, so a second call can tell whether someone (a test harness, another library) replaced it since.
    excepthook.vision_lab = True  # type: ignore[attr-defined]
    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    return reporter


def reporter() -> _Reporter | None:
    """The installed reporter (tests read its ``dialog`` and ``last_sentence``)."""
    return _reporter
