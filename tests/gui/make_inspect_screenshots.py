"""Screenshots of each inspection view with a model trained on the real mnist-5k (not a test).

    python tests/gui/make_inspect_screenshots.py [views...]   -> resources/screenshots/inspect-<view>.png

Views: draw, confusion, filters, health (a CNN, 5 epochs), latent (an autoencoder with a 2-D code),
gan (the default GAN, ``GAN_EPOCHS`` epochs), stage (stage mode with a lesson).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VISION_LAB_HOME", tempfile.mkdtemp(prefix="vision-lab-shots-"))

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from make_screenshots import wait  # noqa: E402 - the same polling helper as the training screenshots
from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from vision_lab.gui.app import create_app, freeze_heap  # noqa: E402

OUT = REPO / "resources" / "screenshots"
GAN_EPOCHS = 10


def settle(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def train(app, window, family: str, epochs: int, **knobs: object) -> None:
    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData(family))
    form = window.model_panel.forms[family]
    for name, value in knobs.items():
        widget = getattr(form, name)
        widget.setValue(value) if hasattr(widget, "setValue") else widget.setText(str(value))
    window.training_panel.epochs.setValue(epochs)
    window.start_button.click()
    wait(app, lambda: window.worker is None and window._started is not None, 1800)
    settle()


def show(app, window, title: str) -> None:
    panel = window.inspect_panel
    view = next(v for v in panel.views if v.title == title)
    panel.bring_forward(view)
    panel.refresh(force=True)
    settle()


def shot(window, name: str) -> Path:
    window.resize(1280, 800)  # the size the README promises to be readable at
    window.inspect_panel.refresh(force=True)
    settle(300)
    path = OUT / f"inspect-{name}.png"
    window.grab().save(str(path))
    print(path, flush=True)
    return path


def draw(canvas, strokes: list[list[tuple[float, float]]]) -> None:
    for s in strokes:
        pts = [QPoint(int(x * canvas.width()), int(y * canvas.height())) for x, y in s]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])


def main(argv: list[str]) -> int:
    app = create_app()
    from vision_lab.gui.main_window import MainWindow

    wanted = set(argv or ["draw", "confusion", "filters", "health", "latent", "gan", "stage"])
    OUT.mkdir(parents=True, exist_ok=True)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.load_initial_data()
    wait(app, lambda: window.data_panel.dataset is not None, 60)
    freeze_heap()
    if wanted & {"draw", "confusion", "filters", "health"}:
        train(app, window, "cnn", 5)
        if "draw" in wanted:
            show(app, window, "Draw")
            tab = window.inspect_panel.draw_tab
            draw(tab.canvas, [[(0.28, 0.22), (0.72, 0.22), (0.62, 0.45), (0.45, 0.8)], [(0.4, 0.5), (0.66, 0.5)]])
            tab.picker.set_method("gradient")
            shot(window, "draw")
        for view in ("confusion", "filters", "health"):
            if view in wanted:
                show(app, window, view.title() if view != "health" else "Health")
                shot(window, view)
    if "latent" in wanted:
        train(app, window, "autoencoder", 8, latent=2)
        show(app, window, "Latent")
        tab = next(v for v in window.inspect_panel.views if v.title == "Latent")
        tab.decode_at(0.0, 0.0)
        shot(window, "latent")
    if "gan" in wanted:
        train(app, window, "gan", GAN_EPOCHS)
        show(app, window, "GAN")
        shot(window, "gan")
    if "stage" in wanted:
        from vision_lab.core.presets import list_presets

        preset = next(p for p in list_presets() if p.key == "cnn-beats-mlp")
        window.apply_preset(preset)
        window.stage_action.setChecked(True)
        window.showNormal()  # offscreen has no screen to fill: keep 1280×800 and the large fonts
        window.resize(1280, 800)
        wait(app, window.start_button.isEnabled, 120)  # the lesson's dataset may be loading
        window.start_button.click()
        wait(app, lambda: window._started is not None, 120)
        wait(app, lambda: window._last_metrics is not None and window._last_metrics.epoch_progress >= 1.2, 600)
        window.refresh(force=True)
        show(app, window, "Draw")
        shot(window, "stage")
        window.stop_button.click()
        wait(app, lambda: window.worker is None, 120)
        window.stage_action.setChecked(False)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
