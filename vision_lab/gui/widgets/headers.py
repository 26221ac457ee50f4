"""Sort arrows that point the way people read them.

Qt's styles paint a descending sort with an arrow pointing up (QHeaderView hands ``SortUp`` to the style for
Qt.DescendingOrder), so a runs list ordered newest first showed ▲, which reads as "oldest first". This proxy style
swaps the two for header arrows only: ▲ smallest first, ▼ largest first.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QProxyStyle, QStyle, QStyleOptionHeader, QWidget

_SWAP = {
    QStyleOptionHeader.SortIndicator.SortUp: QStyleOptionHeader.SortIndicator.SortDown,
    QStyleOptionHeader.SortIndicator.SortDown: QStyleOptionHeader.SortIndicator.SortUp,
}


class ReadableSortArrows(QProxyStyle):
    def drawPrimitive(self, element, option, painter, widget=None) -> None:  # type: ignore[no-untyped-def]
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader):
            swapped = QStyleOptionHeader(option)
            swapped.sortIndicator = _SWAP.get(option.sortIndicator, option.sortIndicator)
            option = swapped
        super().drawPrimitive(element, option, painter, widget)


def readable_sort_arrows(header: QHeaderView, owner: QWidget) -> None:
    """Give ``header`` the readable arrows; the style lives as long as ``owner``."""
    style = ReadableSortArrows()
    style.setParent(owner)
    header.setStyle(style)
