"""Stage mode enlarges what a projector audience reads first, and leaving it restores every size (issue 15, item 8)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

SCALE = 1.5


def dock_title_size(dock) -> float:
    """The size the title is drawn at: a title-bar widget's font, else the dock's own (Qt draws it so)."""
    bar = dock.titleBarWidget()
    return (bar or dock).font().pointSizeF()


def sizes(w) -> dict[str, float]:
    plot = w.loss_plot.plot_item
    return {
        "app font": QApplication.font().pointSizeF(),
        "Start button text": w.start_button.font().pointSizeF(),
        "Start button icon": float(w.start_button.iconSize().height()),
        "Pause button text": w.pause_button.font().pointSizeF(),
        "Stop button icon": float(w.stop_button.iconSize().height()),
        "Experiment dock title": dock_title_size(w.settings_dock),
        "Inspect dock title": dock_title_size(w.inspect_dock),
        "plot title": w.loss_plot.title.font().pointSizeF(),
        "loss axis title": plot.getAxis("left").label.font().pointSizeF(),
        "epoch axis title": plot.getAxis("bottom").label.font().pointSizeF(),
        "loss axis numbers": plot.getAxis("left").style["tickFont"].pointSizeF()
        if plot.getAxis("left").style.get("tickFont")
        else -1.0,
        "health banner": w.health_banner.font().pointSizeF(),
        "preview title": w.preview_title.font().pointSizeF(),
    }


def test_stage_mode_enlarges_toolbar_docks_and_axes_and_restores_them(qtbot, window) -> None:
    w = window
    w._show_warnings(["Loss diverging: the learning rate is probably too high"])
    before = sizes(w)
    w.stage_action.trigger()
    qtbot.waitUntil(w.isFullScreen, timeout=5000)
    QApplication.processEvents()
    during = sizes(w)
    small = [k for k in before if during[k] < before[k] * (SCALE - 0.05)]
    assert not small, f"not enlarged in stage mode: {small}"
    w._show_warnings([])  # the banner is hidden when stage mode ends (it used to keep the stage size)
    w.stage_action.trigger()
    QApplication.processEvents()
    w._show_warnings(["Loss diverging: the learning rate is probably too high"])
    after = sizes(w)
    assert w.settings_dock.titleBarWidget() is None  # Qt's own title bar again, with its float button
    assert after == pytest.approx(before), {k: (before[k], after[k]) for k in before if after[k] != before[k]}


def test_stage_mode_on_a_small_screen_leaves_the_plot_half_the_width(qtbot, window) -> None:
    """Seen at 1280x720: with stage fonts the settings (555 px) and Inspect docks left the loss plot ~340 px, its
    legend wrapping and the preview's labels overlapping. On a screen under 1600 px (the offscreen one is 800),
    stage mode stacks the two docks as tabs on one side; leaving it puts them back side by side."""
    window.set_stage_mode(True)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=5000)
    qtbot.wait(50)
    assert window.screen().availableGeometry().width() < 1600  # the offscreen screen: a small one
    central, docks = window.centralWidget(), window.settings_dock
    # One column of docks takes width, not two: side by side, Inspect's 300+ px came off the plot as well.
    assert central.width() >= window.width() - docks.width() - 12, (central.width(), window.width(), docks.width())
    assert window.tabifiedDockWidgets(window.settings_dock) == [window.inspect_dock]
    window.set_stage_mode(False)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=5000)
    assert window.tabifiedDockWidgets(window.settings_dock) == []
    assert window.settings_dock.isVisible() and window.inspect_dock.isVisible()
