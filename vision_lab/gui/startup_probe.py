"""What a user feels at start-up, measured from inside the real app: ``VISION_LAB_STARTUP_PROBE=out.json``.

``vision-lab bench --gui`` starts ``vision-lab`` with that variable (and ``VISION_LAB_STARTUP_T0``, the wall-clock
time it launched the process). The app then records when its window first painted, when torch finished loading
and when the spare training process was ready, waits a moment idle, writes the figures and the resident memory of
both processes (Linux: /proc) to the file, and quits.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from vision_lab.gui import platform_check

IDLE_S = 1.0
"""Quiet time after everything loaded, before memory is read."""


def rss_mb(pid: int | str = "self") -> float | None:
    """Resident memory of a process in MB (VmRSS), None where /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class StartupProbe(QObject):
    def __init__(self, window: QWidget, out: Path, t0: float) -> None:
        super().__init__(window)
        self.window, self.out, self.t0 = window, out, t0
        self.figures: dict[str, Any] = {}
        QApplication.instance().installEventFilter(self)  # the first paint of any of the window's widgets
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check)
        from vision_lab.gui import warmup

        warmup.warmup().ready.connect(lambda: self._mark("torch_ready_s"))

    def _mark(self, key: str) -> None:
        self.figures.setdefault(key, round(time.time() - self.t0, 3))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.window() is self.window:
            self._mark("window_visible_s")
            QApplication.instance().removeEventFilter(self)
        return False

    def armed(self) -> None:
        """Everything is started: wait for it to finish loading, then measure."""
        self._poll.start()

    def _engine(self) -> Any:
        from vision_lab.gui import worker

        return worker._spare  # the probe reads the app's own state

    def _check(self) -> None:
        from vision_lab.gui import warmup

        data_ready = getattr(self.window, "data_panel", None) is None or self.window.data_panel.dataset is not None
        if data_ready:
            self._mark("data_ready_s")
        spare = self._engine()
        if spare is not None and spare[1].poll():  # the child sent "ready": torch imported there too
            self._mark("engine_ready_s")
        elif spare is None:
            self.figures.setdefault("engine_ready_s", None)  # the thread engine: no training process
        done = warmup.torch_ready() and data_ready and "engine_ready_s" in self.figures
        if done and "window_visible_s" in self.figures:
            self._poll.stop()
            QTimer.singleShot(int(IDLE_S * 1000), self._finish)

    def _finish(self) -> None:
        spare = self._engine()
        self.figures["gui_rss_mb"] = rss_mb()
        self.figures["engine_rss_mb"] = rss_mb(spare[0].pid) if spare is not None else None
        cost = platform_check.last_cost_ms  # the check before the QApplication: it must stay a few ms
        self.figures["platform_check_ms"] = None if cost is None else round(cost, 2)
        self.out.write_text(json.dumps(self.figures, indent=2) + "\n")
        self.window.close()
        QApplication.quit()


def attach(window: QWidget) -> StartupProbe | None:
    out = os.environ.get("VISION_LAB_STARTUP_PROBE")
    if not out:
        return None
    t0 = float(os.environ.get("VISION_LAB_STARTUP_T0") or time.time())
    return StartupProbe(window, Path(out), t0)
