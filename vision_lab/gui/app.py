"""QApplication set-up and the GUI entry point.

Start-up also tunes Python's cyclic garbage collector: with torch and Qt loaded a full (gen-2)
collection walks millions of objects and takes 150-250 ms. It runs on whichever thread happens to
allocate, holds the GIL throughout, and so freezes the GUI even when the training thread triggered
it. Rarer full collections plus freezing the start-up heap (never garbage) keep timer lateness at a
few milliseconds (see ``vision_lab.gui.bench``).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from vision_lab.core.paths import resource
from vision_lab.gui import platform_check
from vision_lab.gui.torch_threads import keep_torch_off_the_gui_thread, training_threads

__all__ = ["create_app", "freeze_heap", "keep_torch_off_the_gui_thread", "main", "training_threads", "tune_gc"]

APP_NAME = "Vision Lab"
GC_THRESHOLDS = (700, 10, 1000)


def tune_gc() -> None:
    """Rare full collections; call :func:`freeze_heap` once the long-lived objects exist."""
    gc.set_threshold(*GC_THRESHOLDS)


def freeze_heap() -> None:
    """Collect once, then move every surviving object to the permanent generation.

    Later collections skip them: torch's and Qt's start-up objects never die, so scanning them is pure cost.
    """
    gc.collect()
    gc.freeze()


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("vision-lab.svg", "vision-lab.png"):
        path = resource("icons", name)
        if path.is_file():
            icon.addFile(str(path))
    return icon


def create_app(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication (reused when one exists, as under pytest-qt), with name, icon and GC tuning."""
    if "torch" in sys.modules:  # else on the GUI thread's first use of it (see warmup)
        keep_torch_off_the_gui_thread()
    tune_gc()
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(["vision-lab", *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName("vision-lab")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("vision-lab")
    app.setDesktopFileName("vision-lab")
    app.setWindowIcon(app_icon())
    from vision_lab.gui import crash

    crash.install()  # an exception nobody caught: its traceback to the log file, one sentence to the user
    return app


def has_display() -> bool:
    """False on a Linux/BSD machine with no X11 or Wayland display and no platform chosen by hand."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: Sequence[str] = ()) -> int:
    problem = platform_check.check(argv=argv)  # no display, or a platform plugin whose libraries are missing
    if problem is not None:
        # Qt would abort the process (a core dump) after a page of plugin diagnostics; say it in one sentence.
        print(f"vision-lab: error: {problem}", file=sys.stderr)
        return 2
    app = create_app(argv)
    from vision_lab.core.runlock import set_holder

    set_holder("the Vision Lab window")  # how a CLI training the same run folder is told who has it
    # Imported after the QApplication exists: pyqtgraph reads the application's palette and settings. None of
    # the window's modules imports torch: the window shows first, then torch loads (warmup).
    from vision_lab.gui import i18n, startup_probe, warmup
    from vision_lab.gui.main_window import MainWindow, app_settings

    i18n.use_language(i18n.chosen_language(app_settings()))  # before any widget sets its text

    warmup.defer()  # the panels show "loading" where they need torch, until it has loaded
    window = MainWindow()
    window.show()
    probe = startup_probe.attach(window)  # VISION_LAB_STARTUP_PROBE: how long to a visible window, idle memory
    window.load_initial_data()

    def torch_loaded() -> None:
        keep_torch_off_the_gui_thread()  # before the GUI thread's first torch op
        freeze_heap()  # torch's and Qt's start-up objects: never garbage, never scanned again

    warmup.warmup().ready.connect(torch_loaded)
    warmup.start()
    # Start the training process now (torch takes seconds to import) so the first Start reports at once.
    from vision_lab.gui.worker import ProcessWorker, prewarm_engine, worker_class

    if worker_class() is ProcessWorker:
        prewarm_engine()
    if probe is not None:
        probe.armed()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
