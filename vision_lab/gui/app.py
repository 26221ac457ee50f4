"""QApplication set-up and the GUI entry point.

Start-up also tunes Python's cyclic garbage collector: with torch and Qt loaded a full (gen-2)
collection walks millions of objects and takes 150-250 ms. It runs on whichever thread happens to
allocate, holds the GIL throughout, and so freezes the GUI even when the training thread triggered
it. Rarer full collections plus freezing the start-up heap (never garbage) keep timer lateness at a
few milliseconds (see ``vision_lab.gui.bench``).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from vision_lab.core.paths import resource

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
    return app


def main(argv: Sequence[str] = ()) -> int:
    app = create_app(argv)
    # Imported after the QApplication exists: pyqtgraph reads the application's palette and settings.
    from vision_lab.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    window.load_initial_data()
    freeze_heap()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
