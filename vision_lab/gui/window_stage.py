"""Stage mode, for a room: full screen, fonts x1.5 (the window's own fonts and icons too), the runs list out of the
way and, on a narrow screen, the settings and Inspect docks stacked as tabs; leaving it puts all of that back.

A part of :class:`~vision_lab.gui.main_window.MainWindow` (a mixin, toggled by View ▸ Stage mode); apart because
it is one feature with its own state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QPushButton, QTabWidget, QToolButton, QWidget

if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray, QRect, QSize

STAGE_FONT_SCALE = 1.5
STAGE_SIDE_BY_SIDE = 1600
"""Screens narrower than this get the settings and Inspect docks stacked as tabs in stage mode."""


class StageMode:
    """Stage mode on and off (a mixin of MainWindow, which builds the docks and starts with stage mode off)."""

    settings_dock: QDockWidget
    inspect_dock: QDockWidget
    runs_dock: QDockWidget
    _stage_font: QFont | None
    _stage_geometry: QRect | None
    _stage_docks: QByteArray | None
    _stage_saved: dict[QWidget, tuple[QFont, QSize | None]]

    def set_stage_mode(self, on: bool) -> None:
        """Full screen, fonts x1.5 and the runs list out of the way; off restores all three."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        if on:
            if self._stage_font is None:
                # Larger fonts can make the window's minimum taller than a small screen (748 px on a 720-px one,
                # where no window manager enforces full screen): leaving stage mode puts this geometry back.
                self._stage_geometry = self.geometry()
                self._stage_docks = self.saveState()
                self._stage_font = app.font()
                big = QFont(self._stage_font)
                big.setPointSizeF(big.pointSizeF() * STAGE_FONT_SCALE)
                app.setFont(big)
                self._scale_own_sizes(STAGE_FONT_SCALE)
                self._fit_settings_dock()
                screen = self.screen().availableGeometry() if self.screen() is not None else None
                if screen is not None and screen.width() < STAGE_SIDE_BY_SIDE:
                    # Side by side, the two docks at stage size left the loss plot a third of a 1280-px screen:
                    # stacked as tabs (Inspect in front), the plot keeps most of it.
                    self.setTabPosition(Qt.DockWidgetArea.LeftDockWidgetArea, QTabWidget.TabPosition.North)
                    self.tabifyDockWidget(self.settings_dock, self.inspect_dock)
                    self.inspect_dock.raise_()
            self.runs_dock.hide()
            self.showFullScreen()
        else:
            if self._stage_font is not None:
                app.setFont(self._stage_font)
                self._stage_font = None
                self._scale_own_sizes(None)
            self.runs_dock.show()
            self.showNormal()
            docks, self._stage_docks = self._stage_docks, None
            geometry, self._stage_geometry = self._stage_geometry, None

            def settle() -> None:
                # The panels' normal-size needs first, then the docks side by side again, then the window's size:
                # in another order the stage-size minimums left the window wider (1364 px) or taller (737 px)
                # than a 1280x720 screen. Once now and once after the fonts' events (an X11 window without a
                # manager is laid out again after showNormal).
                self._fit_settings_dock()
                if docks is not None:
                    self.setTabPosition(Qt.DockWidgetArea.LeftDockWidgetArea, QTabWidget.TabPosition.South)
                    self.restoreState(docks)
                if geometry is not None:
                    self.setGeometry(geometry)

            settle()
            QTimer.singleShot(0, settle)

    def _scale_own_sizes(self, factor: float | None) -> None:
        """Scale what the application font does not reach (``factor``), or put it back (None).

        Widgets given a font of their own (the bold Start button, titles) keep it when the application font
        changes, icons have pixel sizes, and a style-sheet widget (the health banner) keeps the font it was
        polished with: on a projector the toolbar and the titles are what the back row must read.
        """
        if factor is None:
            for widget, (font, icon) in self._stage_saved.items():
                widget.setFont(font)
                if icon is not None:
                    widget.setIconSize(icon)
            self._stage_saved = {}
        else:
            for widget in self.findChildren(QWidget):
                own_font = widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
                icon = widget.iconSize() if isinstance(widget, QPushButton | QToolButton) else None
                if not own_font and icon is None:
                    continue
                self._stage_saved[widget] = (QFont(widget.font()), icon)
                if own_font:
                    font = QFont(widget.font())
                    font.setPointSizeF(font.pointSizeF() * factor)
                    widget.setFont(font)
                if icon is not None:
                    widget.setIconSize(icon * factor)
        # A dock's own title bar keeps the text size it was laid out with; on stage a plain bold title of the
        # stage font replaces it (nobody floats or closes a dock during a demo), and leaving restores Qt's.
        for dock in self.findChildren(QDockWidget):
            if factor:
                title = QLabel(dock.windowTitle())
                title.setObjectName("stageDockTitle")
                font = QFont(QApplication.font())
                font.setBold(True)
                title.setFont(font)
                title.setContentsMargins(6, 2, 6, 2)
                dock.setTitleBarWidget(title)
            elif dock.titleBarWidget() is not None:
                old = dock.titleBarWidget()
                dock.setTitleBarWidget(None)
                old.deleteLater()
        # A style sheet pins the font its widget and the widgets inside it were polished with (the toolbar's
        # buttons, the health banner): polish them again so they take the application font.
        for sheet in [w for w in self.findChildren(QWidget) if w.styleSheet()]:
            for widget in (sheet, *sheet.findChildren(QWidget)):
                widget.style().unpolish(widget)
                widget.style().polish(widget)
                if not widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
                    widget.setFont(QFont())  # resolve from the parent again
                    widget.setAttribute(Qt.WidgetAttribute.WA_SetFont, False)
