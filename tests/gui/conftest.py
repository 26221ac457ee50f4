"""The real window, offscreen, on a tiny slice of mnist-5k; runs go to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from vision_lab.gui.app import create_app

TINY_LIMIT = 256
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def qapp_cls() -> type[QApplication]:
    return QApplication


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]) -> QApplication:
    # Our own set-up (name, icon, GC tuning) on the one QApplication pytest-qt will use.
    return create_app()


@pytest.fixture
def window(qtbot, tmp_path: Path):
    from vision_lab.gui.main_window import MainWindow

    w = MainWindow(runs_root=tmp_path / "runs")
    # The test is over when pytest-qt closes it: no question about a run it left going.
    qtbot.addWidget(w, before_close_func=lambda win: setattr(win, "ask_before_closing", False))
    w.show()
    w.load_initial_data()
    qtbot.waitUntil(lambda: w.data_panel.dataset is not None, timeout=20000)
    w.data_panel.set_limit(TINY_LIMIT)
    yield w
    w.ask_before_closing = False
    w.close()  # joins any worker still running


def pick_family(w, family: str) -> None:
    combo = w.model_panel.combo
    combo.setCurrentIndex(combo.findData(family))


def make_tiny(w, family: str) -> None:
    """Small models through the real widgets."""
    pick_family(w, family)
    forms = w.model_panel.forms
    if family == "mlp":
        forms["mlp"].hidden.setText("32")
    elif family == "cnn":
        forms["cnn"].channels.setText("8, 16")
        forms["cnn"].dense.setText("32")
    elif family == "autoencoder":
        forms["autoencoder"].hidden.setText("64")
        forms["autoencoder"].latent.setValue(8)
    elif family == "gan":
        forms["gan"].g_width.setValue(32)
        forms["gan"].d_width.setValue(8)
    w.training_panel.batch.setValue(32)
    w.training_panel.epochs.setValue(1)


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def answer_close_question(qtbot, w, button: str, tries: int = 1500) -> None:
    """Click ``button`` of the "Close Vision Lab?" question as soon as it shows (it runs its own event loop).

    Gives up after ``tries`` polls (about 30 s) so a question that never came cannot poll into later tests."""

    def click_it(left: int) -> None:
        box = w.close_question
        if box is None or not box.isVisible():
            if left > 0:
                QTimer.singleShot(20, lambda: click_it(left - 1))
            return
        qtbot.mouseClick(box.findChild(QPushButton, button), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, lambda: click_it(tries))
