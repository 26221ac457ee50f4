"""The layer picture of the Overview view: one column per layer, left to right, as CNN Explainer draws a network.

Each channel of a map is a small heat map, dense layers are strips of units, the softmax is bars with the class
names. Colours: the input in grey (its own range); every other map and unit on a diverging scale, blue below 0,
white at 0, red above, one scale per column (± the column's largest |value|, printed under it). Light lines join
consecutive columns: one to one where a layer works element by element (batch norm, pooling, activation), every
shown channel to the selected unit where it weighs all of them (a convolution, a dense layer), as CNN Explainer
does. Clicking a unit (a pixel of a channel, a dense unit, a bar) emits :attr:`LayerOverview.unit_clicked`.

Qt only: the numbers come in as a :class:`vision_lab.core.layer_walk.Overview` (imported for types only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:
    from vision_lab.core.layer_walk import Overview, Stage

GAP = 20  # between columns: room for the connection lines
ITEM_GAP = 3
HEAD = 30  # two lines of the small font
FOOT = 28
BAR_W = 96


def diverging_lut() -> np.ndarray:
    """256×3 uint8: blue (-1) -> white (0) -> red (+1)."""
    t = np.linspace(-1.0, 1.0, 256)
    neg, pos = np.clip(-t, 0, 1), np.clip(t, 0, 1)
    blue, red, white = np.array([33, 102, 172]), np.array([178, 24, 43]), np.array([247, 247, 247])
    rgb = white + neg[:, None] * (blue - white) + pos[:, None] * (red - white)
    return rgb.round().astype(np.uint8)


LUT = diverging_lut()


def heat(values: np.ndarray, scale: float) -> np.ndarray:
    """Floats (any shape) -> RGB uint8 (one more axis of 3) on the diverging scale ±``scale``."""
    idx = np.clip(np.rint(values / (scale or 1.0) * 127.5 + 127.5), 0, 255).astype(np.uint8)
    return LUT[idx]


def grey(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    g = np.zeros(values.shape, np.uint8) if hi <= lo else ((values - lo) / (hi - lo) * 255).round().astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def qimage(rgb: np.ndarray) -> QImage:
    a = np.ascontiguousarray(rgb)
    h, w, _ = a.shape
    return QImage(a.data, w, h, w * 3, QImage.Format.Format_RGB888).copy()


@dataclass
class _Column:
    stage: Stage
    x: int = 0
    width: int = 0
    items: list[QRect] = field(default_factory=list)
    """One rectangle per shown channel (a map) or unit."""
    images: list[QImage] = field(default_factory=list)
    scale: float = 1.0
    shown: int = 0


class LayerOverview(QWidget):
    unit_clicked = Signal(int, object)
    """(layer index, unit): (channel, row, col) of a map, (index,) of a vector."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_maps = 8
        self.max_units = 24
        self.max_cell = 56
        """The largest side of a channel's heat map, in pixels."""
        self.fit_width = False
        """Shrink the maps so that every column fits the widget's width (the enlarged window), not scroll."""
        self.overview: Overview | None = None
        self.selected: tuple[int, tuple[int, ...]] | None = None
        self.window_box: tuple[int, tuple[int, ...]] | None = None
        self._columns: list[_Column] = []
        self._laid_out_for = QSize()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(220)
        self.setMouseTracking(False)
        self.setToolTip(
            self.tr(
                "Each column is a layer, left to right. Blue below 0, white 0, red above; one scale per column "
                "(± its largest value, printed under it). Click a unit to see how its value is computed."
            )
        )

    # --- content --------------------------------------------------------------------------------------
    def set_overview(self, ov: Overview | None) -> None:
        self.overview = ov
        self._columns = []
        if ov is not None:
            for s in ov.stages:
                col = _Column(s)
                if s.kind == "input":
                    col.shown = min(len(s.values), self.max_maps)
                    col.images = [qimage(grey(s.values[c])) for c in range(col.shown)]
                    col.scale = float(np.abs(s.values).max())
                elif s.kind == "softmax":
                    col.shown = min(len(s.values), self.max_units)
                    col.scale = 1.0
                else:
                    col.scale = float(np.abs(s.values).max()) or 1.0
                    if s.is_map:
                        col.shown = min(len(s.values), self.max_maps)
                        rgb = heat(s.values[: col.shown], col.scale)  # one pass over the column's maps
                        col.images = [qimage(rgb[c]) for c in range(col.shown)]
                    else:
                        col.shown = min(len(s.values), self.max_units)
                        col.images = [qimage(heat(s.values[: col.shown][None], col.scale))]
                self._columns.append(col)
        self._laid_out_for = QSize()
        self.updateGeometry()
        self.update()

    def set_selected(
        self, layer_index: int | None, unit: tuple[int, ...] = (), window: tuple[int, tuple[int, ...]] | None = None
    ) -> None:
        """Mark a unit; ``window``: (layer index, (top, left, bottom, right)) of the kernel window that computed it,
        boxed on every shown channel of that layer (the convolution's input), as CNN Explainer does."""
        self.selected = None if layer_index is None else (layer_index, tuple(unit))
        self.window_box = window if layer_index is not None else None
        self.update()

    # --- geometry -------------------------------------------------------------------------------------
    def _layout(self) -> None:
        if self._laid_out_for == self.size():
            return
        self._laid_out_for = self.size()
        avail = max(40, self.height() - HEAD - FOOT - 8)
        cap = self.max_cell
        maps = sum(c.stage.is_map for c in self._columns)
        if self.fit_width and maps:
            fixed = sum(BAR_W if c.stage.kind == "softmax" else 34 for c in self._columns if not c.stage.is_map)
            cap = max(8, min(cap, (self.width() - fixed - GAP * len(self._columns) - 8) // maps))
        x = 8
        for col in self._columns:
            s, n = col.stage, col.shown
            col.items = []
            if s.is_map:
                h, w = s.values.shape[1:]
                cell = int(min(cap, max(8, (avail - (n - 1) * ITEM_GAP) / max(n, 1))))
                cw = max(1, round(cell * w / h))
                col.width = max(cw, 34)
                y = HEAD + max(0, (avail - n * (cell + ITEM_GAP)) // 2)
                for _ in range(n):
                    col.items.append(QRect(x + (col.width - cw) // 2, y, cw, cell))
                    y += cell + ITEM_GAP
            else:
                unit = int(min(18, max(4, (avail - (n - 1)) / max(n, 1))))
                col.width = BAR_W if s.kind == "softmax" else 34
                y = HEAD + max(0, (avail - n * (unit + 1)) // 2)
                for _ in range(n):
                    col.items.append(QRect(x + (0 if s.kind == "softmax" else 8), y, col.width - 16, unit))
                    y += unit + 1
                if s.kind == "softmax":
                    for r in col.items:
                        r.setWidth(col.width)
            col.x = x
            x += col.width + GAP
        self.setMinimumWidth(x)

    def sizeHint(self) -> QSize:
        return QSize(max(self.minimumWidth(), 360), 360)

    def resizeEvent(self, event: object) -> None:
        self._laid_out_for = QSize()
        super().resizeEvent(event)  # type: ignore[arg-type]

    def unit_rect(self, layer_index: int, unit: tuple[int, ...]) -> QRect:
        """Where ``unit`` of the layer is drawn (tests click its centre); empty when it is not shown."""
        self._layout()
        for col in self._columns:
            if col.stage.index != layer_index:
                continue
            k = unit[0]
            if k >= len(col.items):
                return QRect()
            r = col.items[k]
            if not col.stage.is_map:
                return QRect(r)
            h, w = col.stage.values.shape[1:]
            top, bottom = r.top() + r.height() * unit[1] // h, r.top() + r.height() * (unit[1] + 1) // h
            left, right = r.left() + r.width() * unit[2] // w, r.left() + r.width() * (unit[2] + 1) // w
            return QRect(left, top, max(1, right - left), max(1, bottom - top))
        return QRect()

    def unit_at(self, pos: QPoint) -> tuple[int, tuple[int, ...]] | None:
        self._layout()
        for col in self._columns:
            for k, r in enumerate(col.items):
                if not r.contains(pos):
                    continue
                if not col.stage.is_map:
                    return col.stage.index, (k,)
                h, w = col.stage.values.shape[1:]
                i = min(h - 1, (pos.y() - r.top()) * h // max(1, r.height()))
                j = min(w - 1, (pos.x() - r.left()) * w // max(1, r.width()))
                return col.stage.index, (k, i, j)
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.unit_at(event.position().toPoint())
        if hit is not None and event.button() == Qt.MouseButton.LeftButton:
            self.set_selected(*hit)
            self.unit_clicked.emit(*hit)
        super().mousePressEvent(event)

    # --- painting -------------------------------------------------------------------------------------
    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self._columns:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.tr("The layers appear once the model has weights."))  # fmt: skip
            return
        self._layout()
        self._paint_lines(p)
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.8))
        p.setFont(small)
        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for col in self._columns:
            s = col.stage
            p.setPen(text)
            head = QRect(col.x - GAP // 2 + 1, 0, col.width + GAP - 2, HEAD)
            p.drawText(head, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap,
                       s.label)  # fmt: skip
            if s.kind == "softmax":
                self._paint_bars(p, col, text)
            elif s.is_map:
                for img, r in zip(col.images, col.items, strict=False):
                    p.drawImage(QRectF(r), img)
            else:
                for k, r in enumerate(col.items):
                    p.fillRect(r, QColor(*LUT[int(np.clip(round(s.values[k] / col.scale * 127.5 + 127.5), 0, 255))]))
            total = len(s.values)
            foot = [] if s.kind in ("input", "softmax") else [f"±{col.scale:.3g}"]
            if col.shown < total:
                of = QCoreApplication.translate("LayerOverview", "{n} of {total}")
                foot.append(of.format(n=col.shown, total=total))
            p.setPen(muted)
            p.drawText(QRect(col.x - GAP // 2 + 1, self.height() - FOOT, col.width + GAP - 2, FOOT),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "\n".join(foot))  # fmt: skip
        self._paint_selection(p)
        p.end()

    def _paint_bars(self, p: QPainter, col: _Column, text: QColor) -> None:
        names = self.overview.class_names if self.overview is not None else ()
        best = int(np.argmax(col.stage.values))
        fm = p.fontMetrics()
        label_w = min(40, max((fm.horizontalAdvance(n) for n in names), default=12) + 4)
        for k, r in enumerate(col.items):
            v = float(col.stage.values[k])
            name = names[k] if k < len(names) else str(k)
            p.setPen(text)
            p.drawText(QRect(r.left(), r.top(), label_w - 2, r.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(name, Qt.TextElideMode.ElideRight, label_w - 2))  # fmt: skip
            bar = QRect(r.left() + label_w, r.top() + 1, round((r.width() - label_w) * v), max(1, r.height() - 2))
            p.fillRect(bar, QColor(178, 24, 43) if k == best else QColor(140, 140, 140))

    def _paint_lines(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        light = QColor(self.palette().color(QPalette.ColorRole.Text))
        light.setAlpha(40)
        strong = QColor(33, 102, 172, 170)
        sel = self.selected
        for a, b in zip(self._columns, self._columns[1:], strict=False):
            weighs = b.stage.kind in ("conv", "dense", "logits")
            target = sel[1][0] if sel is not None and sel[0] == b.stage.index else None
            for j, rb in enumerate(b.items):
                end = QPoint(rb.left(), rb.center().y())
                if weighs:
                    if target == j:
                        p.setPen(QPen(strong, 1.2))
                        sources = a.items
                    elif len(a.items) * len(b.items) <= 160:
                        p.setPen(QPen(light, 0.6))
                        sources = a.items
                    else:  # a light bundle: too many pairs to draw one by one
                        p.setPen(QPen(light, 0.6))
                        sources = [a.items[len(a.items) // 2]] if a.items else []
                else:
                    p.setPen(QPen(strong if target == j else light, 1.2 if target == j else 0.6))
                    sources = [a.items[j]] if j < len(a.items) else []
                for ra in sources:
                    p.drawLine(QPoint(ra.right(), ra.center().y()), end)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_selection(self, p: QPainter) -> None:
        if self.selected is None:
            return
        if self.window_box is not None:
            layer, (top, left, bottom, right) = self.window_box
            col = next((c for c in self._columns if c.stage.index == layer and c.stage.is_map), None)
            if col is not None:
                h, w = col.stage.values.shape[1:]
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(QColor(255, 170, 0), 1.5))
                for r in col.items:
                    sy, sx = r.height() / h, r.width() / w
                    p.setClipRect(r)
                    p.drawRect(QRectF(r.left() + left * sx, r.top() + top * sy, (right - left + 1) * sx,
                                      (bottom - top + 1) * sy))  # fmt: skip
                p.setClipping(False)
        layer, unit = self.selected
        r = self.unit_rect(layer, unit)
        if r.isEmpty():
            return
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(0, 0, 0), 2))
        p.drawRect(r.adjusted(-1, -1, 1, 1))
        p.setPen(QPen(QColor(255, 200, 0), 1))
        p.drawRect(r.adjusted(-2, -2, 2, 2))
