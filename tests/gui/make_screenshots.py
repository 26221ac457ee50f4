"""Screenshots of the window while each family trains on the real mnist-5k (not a test).

    python tests/gui/make_screenshots.py [families...]    -> resources/screenshots/train-<family>.png

Each family trains at its default settings except the epochs (``EPOCHS``: short enough that the x axis
shows the whole run, long enough for the GAN's digits to appear); the window is grabbed at 1280×800
once the run is past ``SHOT_AT`` epochs, then the run is stopped.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VISION_LAB_HOME", tempfile.mkdtemp(prefix="vision-lab-shots-"))

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from vision_lab.core.config import FAMILIES  # noqa: E402
from vision_lab.gui.app import create_app, freeze_heap  # noqa: E402

OUT = REPO / "resources" / "screenshots"
EPOCHS = {"mlp": 5, "cnn": 5, "autoencoder": 5, "gan": 20}
SHOT_AT = {"mlp": 3.6, "cnn": 3.6, "autoencoder": 3.6, "gan": 14.0}


def wait(app, condition, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def shoot(app, window, family: str) -> Path:
    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData(family))
    window.training_panel.epochs.setValue(EPOCHS[family])
    window.tabs.setCurrentIndex(1)  # the Model tab: knobs, formula and layer table
    window.start_button.click()
    wait(app, lambda: window._last_metrics is not None and window._last_metrics.epoch_progress >= SHOT_AT[family], 1800)
    # Let the coalescing timer paint the latest metrics and preview.
    loop = QEventLoop()
    QTimer.singleShot(300, loop.quit)
    loop.exec()
    window.refresh(force=True)
    path = OUT / f"train-{family}.png"
    window.grab().save(str(path))
    window.stop_button.click()
    wait(app, lambda: window.worker is None, 120)
    return path


def main(argv: list[str]) -> int:
    app = create_app()
    from vision_lab.gui.main_window import MainWindow

    OUT.mkdir(parents=True, exist_ok=True)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.load_initial_data()
    wait(app, lambda: window.data_panel.dataset is not None, 60)
    freeze_heap()
    for family in argv or list(FAMILIES):
        print(shoot(app, window, family), flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
