"""The confusion matrix as a clickable heat map: where the model's mistakes are, at a glance.

Cells are coloured by their share of the row (the true class): the diagonal in blue, mistakes in orange,
so a blue/orange split also survives colour blindness. Mistakes use a square-root scale, because a 2 %
confusion matters but would be invisible on a linear one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from vision_lab.gui.widgets.charts import bold, contrast_text, mix

CORRECT_COLOR = QColor("#3d8bfd")
MISTAKE_COLOR = QColor("#f76707")
EMPTY_TEXT = QT_TRANSLATE_NOOP(
    "ConfusionMatrixView", "No confusion matrix yet — it appears at the end of the first epoch."
)


@dataclass(frozen=True)
class _Layout:
    cell: int
    x0: int  # the grid's top-left
    y0: int
    rotated: bool  # column names drawn vertically (long names)
    names_w: int
    acc_x: int  # the accuracy column's left edge
    acc_w: int


class ConfusionMatrixView(QWidget):
    """``set_matrix(counts, names)``: rows are true classes, columns predicted ones."""

    cellClicked = Signal(int, int)  # (true, predicted)

    def __init__(self, placeholder: str = EMPTY_TEXT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = self.tr(placeholder)  # EMPTY_TEXT translated; a caller's own text comes translated
        self._counts: np.ndarray | None = None
        self._names: list[str] = []
        self._selected: tuple[int, int] | None = None
        self._hover: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)

    # --- data --------------------------------------------------------------------------------------------
    def set_matrix(self, counts: np.ndarray, class_names: Sequence[str]) -> None:
        m = np.asarray(counts)
        if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
            raise ValueError(f"a confusion matrix must be square and non-empty, got shape {m.shape}")
        c = m.shape[0]
        names = [str(s) for s in class_names][:c]
        names += [str(i) for i in range(len(names), c)]
        if self._counts is None or self._counts.shape != m.shape:
            self._selected = None  # a new set of classes: the old cell means something else
        self._counts = np.array(m, dtype=np.int64)
        self._names = names
        self._hover = None
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self._counts, self._names, self._selected, self._hover = None, [], None, None
        self.update()

    def matrix(self) -> np.ndarray | None:
        return None if self._counts is None else self._counts.copy()

    def class_names(self) -> list[str]:
        return list(self._names)

    def per_class_accuracy(self) -> np.ndarray:
        """Diagonal over row sums, per true class; NaN for a class with no images."""
        if self._counts is None:
            return np.zeros(0)
        rows = self._counts.sum(axis=1).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(rows > 0, np.diag(self._counts) / rows, np.nan)

    def set_selected(self, true: int | None, pred: int | None = None) -> None:
        """Outline a cell; ``set_selected(None)`` removes the outline."""
        if true is None or pred is None or self._counts is None:
            self._selected = None
        else:
            c = self._counts.shape[0]
            self._selected = (true, pred) if 0 <= true < c and 0 <= pred < c else None
        self.update()

    def selected(self) -> tuple[int, int] | None:
        return self._selected

    def cell_tooltip(self, true: int, pred: int) -> str:
        assert self._counts is not None
        n = int(self._counts[true, pred])
        row = int(self._counts[true].sum())
        share = n / row if row else 0.0
        name_t, name_p = self._names[true], self._names[pred]
        text = (
            self.tr("true {true} → predicted {predicted}: 1 image ({share} of the {true}s)")
            if n == 1
            else self.tr("true {true} → predicted {predicted}: {count} images ({share} of the {true}s)")
        )
        return text.format(true=name_t, predicted=name_p, count=n, share=f"{share:.1%}")

    # --- layout ----------------------------------------------------------------------------------------------
    def _layout(self) -> _Layout:
        assert self._counts is not None
        c = self._counts.shape[0]
        fm = self.fontMetrics()
        bfm = QFontMetrics(bold(self.font()))
        lh = fm.height()
        pad = max(8, lh // 2)
        names_w = max(bfm.horizontalAdvance(n) for n in self._names)
        acc_w = max(bfm.horizontalAdvance(self.tr("accuracy")), bfm.horizontalAdvance("100%") + lh) + 4
        left = pad + lh + 4 + names_w + 6  # "true" (rotated), then the row names
        right = pad // 2 + acc_w + pad
        avail_w = self.width() - left - right

        def fit(top: int) -> int:
            return max(6, math.floor(min(avail_w / c, (self.height() - top - pad) / c)))

        top = pad + lh + 4 + lh + 2  # "predicted", then one line of column names
        cell = fit(top)
        rotated = names_w > cell - 4
        if rotated:
            top = pad + lh + 4 + names_w + 4
            cell = fit(top)
        grid = cell * c
        # Centre the whole block in the widget.
        block_w = left + grid + right
        block_h = top + grid + pad
        dx = max(0, (self.width() - block_w) // 2)
        dy = max(0, (self.height() - block_h) // 2)
        x0, y0 = left + dx, top + dy
        return _Layout(cell, x0, y0, rotated, names_w, x0 + grid + pad // 2, acc_w)

    def cell_rect(self, true: int, pred: int) -> QRect:
        """Cell (true, predicted) in widget coordinates."""
        lay = self._layout()
        return QRect(lay.x0 + pred * lay.cell, lay.y0 + true * lay.cell, lay.cell, lay.cell)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        if self._counts is None:
            return None
        lay = self._layout()
        c = self._counts.shape[0]
        col = math.floor((pos.x() - lay.x0) / lay.cell)
        row = math.floor((pos.y() - lay.y0) / lay.cell)
        return (row, col) if 0 <= row < c and 0 <= col < c else None

    def sizeHint(self) -> QSize:
        lh = self.fontMetrics().height()
        c = self._counts.shape[0] if self._counts is not None else 10
        side = round(c * lh * 2.3)
        return QSize(side + lh * 10, side + lh * 5)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 160)

    # --- painting -----------------------------------------------------------------------------------------------
    def cell_color(self, true: int, pred: int) -> QColor:
        assert self._counts is not None
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        n = int(self._counts[true, pred])
        row = int(self._counts[true].sum())
        share = n / row if row else 0.0
        if true == pred:
            return mix(CORRECT_COLOR, base, 0.12 + 0.88 * share)
        if n == 0:
            return mix(text, base, 0.04)
        return mix(MISTAKE_COLOR, base, 0.18 + 0.82 * min(1.0, math.sqrt(share / 0.5)))

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        dim = pal.color(QPalette.ColorRole.PlaceholderText)
        p.fillRect(self.rect(), base)
        if self._counts is None:
            p.setPen(dim)
            p.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            return
        counts = self._counts
        c = counts.shape[0]
        lay = self._layout()
        cell, grid = lay.cell, lay.cell * c
        fm = self.fontMetrics()
        lh = fm.height()
        bold_font = bold(self.font())
        hover_t, hover_p = self._hover if self._hover else (-1, -1)

        # Axis titles.
        p.setFont(bold_font)
        p.setPen(text)
        pred_title_y = lay.y0 - (lay.names_w + 4 if lay.rotated else lh + 2) - 4 - lh
        p.drawText(QRect(lay.x0, pred_title_y, grid, lh), Qt.AlignmentFlag.AlignHCenter, self.tr("predicted"))
        p.save()
        true_title_x = lay.x0 - lay.names_w - 6 - 4 - lh
        p.translate(true_title_x, lay.y0 + grid / 2)
        p.rotate(-90)
        p.drawText(QRect(-grid // 2, 0, grid, lh), Qt.AlignmentFlag.AlignHCenter, self.tr("true"))
        p.restore()

        # Class names: the hovered row and column in bold and full text colour.
        for i, name in enumerate(self._names):
            row_on, col_on = i == hover_t, i == hover_p
            p.setFont(bold_font if row_on else self.font())
            p.setPen(text if row_on or hover_t < 0 else dim)
            r = QRect(lay.x0 - lay.names_w - 6, lay.y0 + i * cell, lay.names_w, cell)
            p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            p.setFont(bold_font if col_on else self.font())
            p.setPen(text if col_on or hover_t < 0 else dim)
            if lay.rotated:
                p.save()
                p.translate(lay.x0 + i * cell, lay.y0 - 4)
                p.rotate(-90)
                p.drawText(
                    QRect(0, 0, lay.names_w, cell), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
                )
                p.restore()
            else:
                p.drawText(
                    QRect(lay.x0 + i * cell - 20, lay.y0 - lh - 2, cell + 40, lh),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    name,
                )

        # Cells, with counts when they fit.
        gap = 1 if cell >= 12 else 0
        count_font = QFont(self.font())
        widest = max(fm.horizontalAdvance(str(int(counts.max()))), 1)
        if widest > cell - 6:  # shrink the numbers rather than clip them
            size = count_font.pointSizeF() if count_font.pointSizeF() > 0 else 9.0
            count_font.setPointSizeF(max(5.0, size * (cell - 6) / widest))
        cfm = QFontMetrics(count_font)
        show_counts = cfm.horizontalAdvance(str(int(counts.max()))) <= cell - 2 and cfm.height() <= cell
        for t in range(c):
            for q in range(c):
                color = self.cell_color(t, q)
                r = QRect(lay.x0 + q * cell, lay.y0 + t * cell, cell - gap, cell - gap)
                p.fillRect(r, color)
                n = int(counts[t, q])
                if show_counts and (n or t == q):
                    p.setFont(bold(count_font) if t == q else count_font)
                    p.setPen(contrast_text(color))
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(n))

        # Per-class accuracy: a bar behind the percentage.
        acc = self.per_class_accuracy()
        p.setFont(bold_font)
        p.setPen(text)
        p.drawText(
            QRect(lay.acc_x, lay.y0 - lh - 2, lay.acc_w, lh),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
            self.tr("accuracy"),
        )
        p.setFont(self.font())
        track = mix(text, base, 0.06)
        fill = mix(CORRECT_COLOR, base, 0.35)
        for t in range(c):
            r = QRect(lay.acc_x, lay.y0 + t * cell, lay.acc_w, cell - gap)
            p.fillRect(r, track)
            a = acc[t]
            if math.isfinite(a):
                p.fillRect(QRect(r.x(), r.y(), round(r.width() * a), r.height()), fill)
            p.setPen(text)
            p.setFont(bold_font if t == hover_t else self.font())
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, f"{a:.0%}" if math.isfinite(a) else "—")

        # Hovered and selected cells: outlines in the text colour, which contrasts with both hues.
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._hover:
            pen = QPen(mix(text, base, 0.6), 1.5)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.cell_rect(*self._hover).adjusted(0, 0, -1 - gap, -1 - gap))
        if self._selected:
            width = max(2.0, cell / 14)
            p.setPen(QPen(text, width))
            p.setBrush(Qt.BrushStyle.NoBrush)
            inset = math.ceil(width / 2)
            p.drawRect(self.cell_rect(*self._selected).adjusted(inset - 1, inset - 1, -inset - gap, -inset - gap))
        p.end()

    # --- interaction --------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            hit = self.cell_at(event.position().toPoint())
            if hit is not None:
                self.set_selected(*hit)
                self.cellClicked.emit(*hit)
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(event.position().toPoint())
        if hit != self._hover:
            self._hover = hit
            self.setCursor(Qt.CursorShape.PointingHandCursor if hit else Qt.CursorShape.ArrowCursor)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.cell_at(event.pos())
            if hit is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.cell_tooltip(*hit), self, self.cell_rect(*hit))
            return True
        return super().event(event)
