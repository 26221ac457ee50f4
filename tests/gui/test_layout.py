"""Nothing in the window is clipped at 1280x720 and up (issue 15, items 2, 10 and 17).

Offscreen grabs of one widget missed a Model tab whose right edge (combo boxes, a checkbox's text, the formula, the
layer table's Parameters column) lay outside the dock's viewport. These tests check geometry instead of pixels:
every visible child of every settings panel lies inside its scroll area's viewport, for every family, and tables
show all their columns.
"""

from __future__ import annotations

import pytest
from conftest import pick_family
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QApplication, QToolButton, QWidget

from vision_lab.core import families

SIZES = [(1280, 720), (1600, 1000)]


def settle(qtbot) -> None:
    for _ in range(5):
        QApplication.processEvents()
    qtbot.wait(1)  # one pass of the event loop for layouts posted by the last one


def text_lines(label) -> int:
    """How many lines a (rich) text label's text takes at the label's width."""
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(label.text())
    doc.setTextWidth(label.width())
    return round(doc.size().height() / label.fontMetrics().lineSpacing())


def clipped_children(scroll) -> list[str]:
    viewport = scroll.viewport()
    inside = QRect(QPoint(0, 0), viewport.size())
    panel = scroll.widget()
    out = []
    for child in panel.findChildren(QWidget):
        if not child.isVisibleTo(panel) or child.width() <= 0 or child.height() <= 0:
            continue
        rect = QRect(child.mapTo(viewport, QPoint(0, 0)), child.size())
        if rect.left() < inside.left() or rect.right() > inside.right():
            text = child.text() if callable(getattr(child, "text", None)) else ""
            out.append(f"{type(child).__name__} {child.objectName()!r} {text[:30]!r} x {rect.left()}..{rect.right()}")
        if isinstance(child, QAbstractItemView) and child.horizontalScrollBar().maximum() > 0:
            out.append(f"{type(child).__name__} {child.objectName()!r} hides columns (needs a horizontal scroll)")
    return out


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_no_settings_panel_is_clipped(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    settle(qtbot)
    problems = []
    for family in families.names():
        pick_family(window, family)
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            settle(qtbot)
            scroll = window.tabs.widget(i)
            assert scroll.widget().width() <= scroll.viewport().width() + 1
            problems += [f"{family} / {window.tabs.tabText(i)}: {p}" for p in clipped_children(scroll)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_inspect_view_is_reachable_without_scroll_arrows(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    for family in families.names():
        pick_family(window, family)
        settle(qtbot)
        bar = window.inspect_panel.tabBar()
        arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
        assert not arrows, f"{family}: the Inspect tabs need scroll arrows at {width}x{height}"
        for i in range(bar.count()):
            if bar.isTabVisible(i):
                assert bar.tabRect(i).right() <= bar.width(), (family, bar.tabText(i))


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1280, 800)], ids=["1280x720", "1280x800"])
def test_small_screens_keep_one_line_headers_and_room_for_runs(qtbot, window, width: int, height: int) -> None:
    window.resize(width, height)
    settle(qtbot)
    plot = window.loss_plot
    assert text_lines(plot.readout) == 1, "the plot's legend wrapped onto a second line"
    assert not plot.hint.isVisible() or text_lines(plot.hint) == 1
    runs = window.runs_panel
    message = runs.message
    assert message.isVisible() and "No runs in" in message.text()
    assert message.width() > runs.width() // 2, "the 'No runs' message is squeezed into a narrow column"
    assert runs.table.viewport().height() >= 3 * (runs.table.fontMetrics().height() + 4), "fewer than 3 rows show"


def test_the_window_fits_a_1280x720_screen(window) -> None:
    from PySide6.QtCore import QSize

    from vision_lab.gui.main_window import initial_size

    assert initial_size(QSize(1280, 720)) == QSize(1280, 720)
    assert initial_size(QSize(1920, 1080)) == QSize(1280, 800)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, f"the window cannot shrink to 1280x720: {hint}"


@pytest.mark.parametrize("stage", [False, True], ids=["normal", "stage"])
def test_a_wide_inspect_view_or_stage_mode_does_not_squeeze_the_settings(qtbot, window, stage: bool) -> None:
    """Seen on a real display: during a GAN run the Inspect dock's sample grid asked for more width and the window
    took it from the settings dock, clipping the Model tab ("from generat", the Parameters column); stage mode's
    larger fonts clipped it too. The settings dock keeps the width its panels need."""
    window.resize(1280, 720)
    settle(qtbot)
    if stage:
        window.set_stage_mode(True)
    window.inspect_dock.widget().setMinimumWidth(560)  # what the GAN tab's grid asked for during a run
    settle(qtbot)
    problems = []
    for family in families.names():
        pick_family(window, family)
        for i in range(window.tabs.count()):
            window.tabs.setCurrentIndex(i)
            settle(qtbot)
            problems += [f"{family} / {window.tabs.tabText(i)}: {p}" for p in clipped_children(window.tabs.widget(i))]
    if stage:
        window.set_stage_mode(False)
    assert not problems, "\n".join(problems)


def test_wider_system_fonts_do_not_clip_the_settings(qtbot, window) -> None:
    """Offscreen text is narrower than on a real X display: there the GAN's Model tab needed 438 px and the dock gave
    370, clipping every field (seen in the before/after shots). A larger application font stands in for those
    metrics (and for a user's larger font setting): the settings dock must still hold its widest panel."""
    app = QApplication.instance()
    font = app.font()
    big = app.font()
    big.setPointSizeF(font.pointSizeF() * 1.3)
    window.resize(1600, 1000)
    app.setFont(big)
    try:
        settle(qtbot)
        problems = []
        for family in families.names():
            pick_family(window, family)
            for i in range(window.tabs.count()):
                window.tabs.setCurrentIndex(i)
                settle(qtbot)
                scroll = window.tabs.widget(i)
                problems += [f"{family} / {window.tabs.tabText(i)}: {p}" for p in clipped_children(scroll)]
    finally:
        app.setFont(font)
    assert not problems, "\n".join(problems[:12])


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_attribution_methods_names_fit_their_combo_box(qtbot, window, width: int, height: int) -> None:
    # Side by side with the class box in the dock, "Integrated gradients" read "Integrated grad".
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    window.resize(width, height)
    pick_family(window, "cnn")
    draw = window.inspect_panel.draw_tab
    window.inspect_panel.bring_forward(draw)
    draw.picker.set_family("cnn", tuple("0123456789"))  # as a CNN run offers them
    settle(qtbot)
    assert draw.picker.method_combo.count() >= 5
    for combo in (draw.picker.method_combo, draw.picker.class_combo):
        opt = QStyleOptionComboBox()
        combo.initStyleOption(opt)
        room = combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, combo
        )
        for i in range(combo.count()):
            text = combo.itemText(i)
            assert combo.fontMetrics().horizontalAdvance(text) <= room.width(), (width, text, room.width())
