"""QApplication set-up and the GUI entry point."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] = ()) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(["vision-lab", *argv])
    label = QLabel("Vision Lab — the desktop app is on its way. Meanwhile: vision-lab train --help")
    label.setMargin(40)
    label.setWindowTitle("Vision Lab")
    label.show()
    return app.exec()
