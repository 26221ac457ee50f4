"""What every Inspect view is made of: the view base class (the capabilities it needs, when it is redrawn) and
small helpers. Views in modules of their own (vision_lab/gui/panels/inspect_*.py) build on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QTabWidget,
    QWidget,
)

from vision_lab.core import families

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel

UPDATE_S = 0.5


def _label(text: str = "", *, wrap: bool = True, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.RichText)
    if name:
        label.setObjectName(name)
    return label


def _to_uint8(gray01: np.ndarray) -> np.ndarray:
    return (np.clip(gray01, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


class InspectView(QWidget):
    """A view: the capabilities it ``needs`` (a family with any of them gets it), and ``update_view``, run when it
    is visible and something changed."""

    needs: frozenset[str] = frozenset()
    title = ""
    group = ""
    """The title of the tab the view shares with others as a sub-tab ("" for a tab of its own): the dock holds
    five titles across, a CNN has seven views."""
    min_interval_s = UPDATE_S

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__()
        self.panel = panel

    def serves(self, family: str) -> bool:
        return family in families.names() and bool(self.needs & families.get(family).capabilities)

    def reset(self) -> None:
        """A new run (or none): forget what was shown."""

    def update_view(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """The window closes: cancel and join any work the view runs off the GUI thread."""


_Tab = InspectView


class ViewGroup(QTabWidget):
    """One tab of the Inspect panel holding several views as sub-tabs."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title
        self.setObjectName(f"inspect{title}Group")
        self.setDocumentMode(True)

    def members(self) -> list[InspectView]:
        return [w for i in range(self.count()) if isinstance(w := self.widget(i), InspectView)]
