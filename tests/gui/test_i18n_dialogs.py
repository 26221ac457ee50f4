"""The dialogs a user meets, in the window's language: the twin dialog, Compare, the fork dialog, the delete and
stop-run questions, and Qt's own file dialog (its labels and buttons come from qtbase's catalogue).

Under zh_CN a dialog's English must be allowed (test_i18n_window.ALLOWED) or come from the core (the run names and
figures the dialogs quote are data); under English no dialog shows Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TINY_LIMIT, click, make_tiny
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton, QWidget
from test_i18n_window import CHINESE, english, texts

from vision_lab.gui import i18n

# What the dialogs quote from the core or the run: metric, family and knob titles (core declarations, translated
# by its gettext catalogue), run folder names (data).
CORE = ("train loss", "val loss", "val accuracy", "MLP classifier", "accuracy", "loss")


def _modal_texts(qtbot, trigger: Callable[[], object], answer: Callable[[QWidget], None]) -> list[str]:
    """Run ``trigger`` (which opens a modal dialog with its own event loop), read the dialog, then ``answer`` it."""
    seen: list[str] = []

    def read(left: int = 500) -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or not modal.isVisible():
            if left:
                QTimer.singleShot(10, lambda: read(left - 1))
            return
        seen.extend(texts(modal))
        seen.append(modal.windowTitle())
        if isinstance(modal, QMessageBox):
            seen.extend([modal.text(), modal.informativeText()])
        answer(modal)

    QTimer.singleShot(0, read)
    trigger()
    assert seen, "the dialog never showed"
    return seen


def _leftover(found: list[str], language: str) -> list[str]:
    if language == "zh_CN":
        bad = [t for t in found if t and english(t)]
        core = [t for t in bad if any(c in t for c in CORE)]
        return [t for t in bad if t not in core and "run-" not in t and "mlp" not in t]
    return [t for t in found if CHINESE.search(t)]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_dialogs_speak_the_window_language(qtbot, tmp_path: Path, language: str) -> None:
    from vision_lab.gui.main_window import MainWindow

    assert i18n.use_language(language)
    try:
        w = MainWindow(runs_root=tmp_path / "runs")
        qtbot.addWidget(w, before_close_func=lambda win: setattr(win, "ask_before_closing", False))
        w.show()
        w.load_initial_data()
        qtbot.waitUntil(lambda: w.data_panel.dataset is not None, timeout=20000)
        w.data_panel.set_limit(TINY_LIMIT)
        make_tiny(w, "mlp")
        found: list[str] = []

        twin = w.run_actions.twin_dialog_open()
        assert twin is not None
        found += [*texts(twin), twin.windowTitle()]
        twin.reject()

        with qtbot.waitSignal(w.run_ended, timeout=90000):
            click(qtbot, w.start_button)
        panel = w.runs_panel
        panel.refresh()
        panel.table.topLevelItem(0).setSelected(True)
        click(qtbot, panel.compare_button)
        assert panel.compare_window is not None
        found += [*texts(panel.compare_window), panel.compare_window.windowTitle()]
        panel.compare_window.close()

        fork = w.run_actions.fork_dialog_open()
        assert fork is not None
        found += [*texts(fork), fork.windowTitle()]
        fork.reject()

        no = lambda box: box.button(QMessageBox.StandardButton.No).click()  # noqa: E731
        found += _modal_texts(qtbot, panel.delete_selected, no)

        def cancel(dialog: QWidget) -> None:
            assert isinstance(dialog, QFileDialog), type(dialog)
            dialog.reject()

        found += _modal_texts(qtbot, w.save_experiment_dialog, cancel)

        # The stop-run question: asked when the window closes during a run.
        w.training_panel.epochs.setValue(50)
        with qtbot.waitSignal(w.run_started, timeout=90000):
            click(qtbot, w.start_button)

        def keep(box: QWidget) -> None:
            assert isinstance(box, QMessageBox) and box.objectName() == "closeQuestion"
            box.findChild(QPushButton, "keepOpenButton").click()

        found += _modal_texts(qtbot, w.close, keep)
        assert w.isVisible(), "Keep training was answered: the window stays"
        w.ask_before_closing = False
    finally:
        i18n.use_language("en")
    left = _leftover(found, language)
    assert not left, f"{len(left)} texts not in {language}:\n" + "\n".join(sorted(set(left))[:40])
