"""Timer lateness on the GUI thread while the Draw view's attribution maps are recomputed off it (a new map every
150 ms: a learner flicking through the classes), against none. Not a test: a measurement, printed.

    OMP_NUM_THREADS=1 python tests/gui/measure_attribution_lateness.py RUN_DIR   # a CNN run folder
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main(run: Path, seconds: float = 8.0) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["VISION_LAB_HOME"] = tempfile.mkdtemp()
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from vision_lab.gui.app import create_app

    app = create_app()
    from vision_lab.gui.main_window import MainWindow

    w = MainWindow(runs_root=Path(tempfile.mkdtemp()))
    w.resize(1280, 800)
    w.show()
    w.load_initial_data()
    while w.data_panel.dataset is None:
        app.processEvents()
        time.sleep(0.01)
    assert w.open_run(run), run
    tab = w.inspect_panel.draw_tab
    w.inspect_panel.bring_forward(tab)
    stroke = np.zeros(tab.canvas.image().shape, np.float32)
    stroke[5:23, 12:16] = 1.0
    tab.canvas.set_image(stroke)

    def measure(method: str) -> tuple[float, float, float, int]:
        combo, classes = tab.picker.method_combo, tab.picker.class_combo
        combo.setCurrentIndex(combo.findData(method))
        ticks: list[float] = []
        done = [0]
        timer = QTimer()
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        poke = QTimer()
        poke.setInterval(150)
        poke.timeout.connect(lambda: classes.setCurrentIndex((classes.currentIndex() + 1) % classes.count()))
        count = lambda _r: done.__setitem__(0, done[0] + 1)  # noqa: E731
        tab.picker.job.done.connect(count)
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        timer.start()
        ticks.append(time.perf_counter())
        if method:
            poke.start()
        loop.exec()
        timer.stop()
        poke.stop()
        tab.picker.job.done.disconnect(count)
        late = np.maximum(np.diff(ticks) * 1000 - 10, 0)
        return float(np.percentile(late, 50)), float(np.percentile(late, 99)), float(late.max()), done[0]

    for method in ["", "gradient", "integrated-gradients", "occlusion", "noise-tunnel", "gradcam", ""]:
        p50, p99, top, n = measure(method)
        print(f"{method or 'off':22s} late p50 {p50:5.1f}  p99 {p99:5.1f}  max {top:6.1f} ms   maps {n}", flush=True)
    w.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
