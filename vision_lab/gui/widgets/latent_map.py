"""A 2-D map of where the model puts each image (a latent space or an embedding), coloured by class.

Painted with QPainter rather than pyqtgraph so that clicks land on this widget itself and the points
can be cached: all points are rendered once into a pixmap per size, palette or data change (one
``drawPoints`` call per class and chunk), and hovering only repaints the cache plus a small card.

Hover a point to see its image and class; left-click (or drag) anywhere on the map to drop a marker
there: ``clicked(x, y)`` carries data coordinates, e.g. for the autoencoder to decode that point.
Click a class in the legend to bring it forward and fade the others; click it again to undo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QMouseEvent, QPainter, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from vision_lab.gui.widgets.charts import bold, category_color, mix
from vision_lab.gui.widgets.draw_canvas import array_to_qimage

EMPTY_TEXT = QT_TRANSLATE_NOOP("LatentMapView", "No map yet — it appears once the model has placed some images.")
CHUNKS = 16
"""Points are drawn in this many shuffled chunks (each class per chunk), so no class hides under another."""


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """About ``target`` round numbers (1, 2, 5 × 10^k steps) between lo and hi."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return []
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _tick_text(v: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    return f"{v:.{decimals}f}" if decimals else f"{v:.0f}"


class LatentMapView(QWidget):
    clicked = Signal(float, float)  # data coordinates

    def __init__(self, placeholder: str = EMPTY_TEXT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = self.tr(placeholder)  # EMPTY_TEXT translated; a caller's own text comes translated
        self._xy = np.zeros((0, 2), np.float64)
        self._labels = np.zeros(0, np.int64)
        self._names: list[str] = []
        self._thumbs: np.ndarray | None = None
        self._range = (0.0, 1.0, 0.0, 1.0)  # x0, x1, y0, y1
        self._order: list[np.ndarray] = []  # chunks of point indices, shuffled once per data set
        self._cache: QPixmap | None = None
        self._screen: np.ndarray | None = None  # N×2 widget coordinates of the points, for hover
        self._hover: int | None = None
        self._hover_pos = QPointF()
        self._marker: tuple[float, float] | None = None
        self._focus: int | None = None
        self._dragging = False
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 200)

    # --- data ----------------------------------------------------------------------------------------------
    def set_points(
        self,
        xy: np.ndarray,
        labels: np.ndarray,
        class_names: Sequence[str],
        thumbnails: np.ndarray | None = None,
    ) -> None:
        """``xy`` N×2, ``labels`` N class indices, ``thumbnails`` uint8 N×H×W×C (or N×H×W) shown on hover."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(xy) != len(labels):
            raise ValueError(f"{len(xy)} points but {len(labels)} labels")
        if thumbnails is not None and len(thumbnails) != len(xy):
            raise ValueError(f"{len(xy)} points but {len(thumbnails)} thumbnails")
        keep = np.isfinite(xy).all(axis=1)
        self._xy, self._labels = xy[keep], labels[keep]
        self._thumbs = None if thumbnails is None else np.asarray(thumbnails)[keep]
        n_classes = max(len(class_names), int(self._labels.max()) + 1 if len(self._labels) else 0)
        self._names = [str(s) for s in class_names] + [str(i) for i in range(len(class_names), n_classes)]
        if self._focus is not None and self._focus >= n_classes:
            self._focus = None
        self._range = self._data_range()
        order = np.random.default_rng(0).permutation(len(self._xy))
        self._order = [c for c in np.array_split(order, CHUNKS) if len(c)]
        self._hover = None
        self._invalidate()

    def clear(self) -> None:
        self.set_points(np.zeros((0, 2)), np.zeros(0, np.int64), [])
        self._marker = None

    def point_count(self) -> int:
        return len(self._xy)

    def _data_range(self) -> tuple[float, float, float, float]:
        if not len(self._xy):
            return (0.0, 1.0, 0.0, 1.0)
        lo, hi = self._xy.min(axis=0), self._xy.max(axis=0)
        span = np.maximum(hi - lo, 1e-9)
        pad = np.where(hi - lo > 1e-9, span * 0.06, 1.0)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))

    def data_range(self) -> tuple[float, float, float, float]:
        """(x min, x max, y min, y max) of the plotted area."""
        return self._range

    def set_focus_class(self, cls: int | None) -> None:
        """Draw ``cls`` on top and fade the others; None shows all classes alike."""
        self._focus = cls
        self._invalidate()

    def focus_class(self) -> int | None:
        return self._focus

    # --- marker --------------------------------------------------------------------------------------------------
    def marker_position(self) -> tuple[float, float] | None:
        return self._marker

    def set_marker(self, x: float | None, y: float | None = None) -> None:
        """Place the cross marker at data (x, y) without emitting ``clicked``; None removes it."""
        self._marker = None if x is None or y is None else (float(x), float(y))
        self.update()

    # --- geometry ------------------------------------------------------------------------------------------------
    def _pad(self) -> int:
        return max(6, self.fontMetrics().height() // 3)

    def _legend_items(self) -> list[tuple[int, QRect]]:
        """Legend entries (class, rect) flowing left to right along the top, wrapping as needed."""
        fm = self.fontMetrics()
        lh = fm.height()
        pad = self._pad()
        x, y = pad, pad
        items = []
        for c, name in enumerate(self._names):
            w = lh + 4 + fm.horizontalAdvance(name) + pad
            if x + w > self.width() - pad and x > pad:
                x, y = pad, y + lh + 4
            items.append((c, QRect(x, y, w, lh + 2)))
            x += w + pad
        return items

    def plot_rect(self) -> QRect:
        """The plotting area (inside the axes) in widget coordinates."""
        fm = self.fontMetrics()
        pad = self._pad()
        items = self._legend_items()
        top = (items[-1][1].bottom() + pad + 2) if items else pad
        _, _, y0, y1 = self._range
        yticks = nice_ticks(y0, y1)
        step = yticks[1] - yticks[0] if len(yticks) > 1 else 1.0
        label_w = max((fm.horizontalAdvance(_tick_text(v, step)) for v in yticks), default=fm.horizontalAdvance("0"))
        left = pad + label_w + 6
        bottom = fm.height() + 6 + pad
        return QRect(left, top, max(10, self.width() - left - pad - 4), max(10, self.height() - top - bottom))

    def map_to_widget(self, x: float, y: float) -> QPoint:
        """Data (x, y) -> this widget's pixel (rounded; use with qtbot mouse events)."""
        p = self._to_screen(np.array([[x, y]], dtype=np.float64))[0]
        return QPoint(round(float(p[0])), round(float(p[1])))

    def data_at(self, pos: QPointF | QPoint) -> tuple[float, float]:
        """Widget pixel -> data (x, y)."""
        r = QRectF(self.plot_rect())
        x0, x1, y0, y1 = self._range
        fx = (pos.x() - r.left()) / r.width()
        fy = (r.bottom() - pos.y()) / r.height()
        return (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))

    def data_per_pixel(self) -> tuple[float, float]:
        r = self.plot_rect()
        x0, x1, y0, y1 = self._range
        return ((x1 - x0) / r.width(), (y1 - y0) / r.height())

    def _to_screen(self, xy: np.ndarray) -> np.ndarray:
        r = QRectF(self.plot_rect())
        x0, x1, y0, y1 = self._range
        sx = r.left() + (xy[:, 0] - x0) / (x1 - x0) * r.width()
        sy = r.bottom() - (xy[:, 1] - y0) / (y1 - y0) * r.height()
        return np.stack([sx, sy], axis=1)

    def _dot_size(self) -> float:
        n = len(self._xy)
        base = 8.0 if n <= 800 else 6.0 if n <= 2500 else 4.5
        return base * max(1.0, self.fontMetrics().height() / 16)  # bigger dots when the stage font is bigger

    def sizeHint(self) -> QSize:
        return QSize(480, 420)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 200)

    # --- hover -------------------------------------------------------------------------------------------------
    def hovered_index(self) -> int | None:
        return self._hover

    def point_at(self, pos: QPointF | QPoint) -> int | None:
        """The point nearest ``pos`` within a few pixels, if any."""
        if not len(self._xy):
            return None
        if self._screen is None:
            self._screen = self._to_screen(self._xy).astype(np.float32)
        d2 = (self._screen[:, 0] - pos.x()) ** 2 + (self._screen[:, 1] - pos.y()) ** 2
        if self._focus is not None:
            d2 = np.where(self._labels == self._focus, d2, np.inf)  # faded points are not pickable
        i = int(np.argmin(d2))
        reach = max(6.0, self._dot_size())
        return i if d2[i] <= reach * reach else None

    def hover_card_rect(self) -> QRect | None:
        """Where the hovered point's card (thumbnail and class) is painted, if one is showing."""
        if self._hover is None:
            return None
        fm = QFontMetrics(bold(self.font()))
        pad = self._pad()
        name = self._names[int(self._labels[self._hover])]
        text_w = fm.horizontalAdvance(name) + fm.height() + 4
        thumb = self._thumb_size()
        w = max(thumb.width(), text_w) + 2 * pad
        h = thumb.height() + (pad if thumb.height() else 0) + fm.height() + 2 * pad
        x = self._hover_pos.x() + 18
        y = self._hover_pos.y() + 18
        if x + w > self.width() - 2:
            x = self._hover_pos.x() - 18 - w
        if y + h > self.height() - 2:
            y = self._hover_pos.y() - 18 - h
        return QRect(round(max(2, x)), round(max(2, y)), round(w), round(h))

    def _thumb_size(self) -> QSize:
        if self._thumbs is None:
            return QSize(0, 0)
        h, w = self._thumbs.shape[1:3]
        target = max(84, self.fontMetrics().height() * 5)
        s = max(1, round(target / max(h, w)))  # whole-number scale keeps the pixels sharp
        return QSize(w * s, h * s)

    # --- painting ------------------------------------------------------------------------------------------------
    def _invalidate(self) -> None:
        self._cache = None
        self._screen = None
        self.update()

    def _render_points(self) -> QPixmap:
        """All points, axes and grid, rendered once for the current size, palette and data."""
        dpr = self.devicePixelRatioF()
        pm = QPixmap(round(self.width() * dpr), round(self.height() * dpr))
        pm.setDevicePixelRatio(dpr)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        pm.fill(base)
        p = QPainter(pm)
        r = self.plot_rect()
        x0, x1, y0, y1 = self._range
        fm = self.fontMetrics()
        grid_pen = QPen(mix(text, base, 0.10), 1)
        p.setPen(QPen(mix(text, base, 0.75)))
        for axis, ticks in (("x", nice_ticks(x0, x1)), ("y", nice_ticks(y0, y1))):
            step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
            for v in ticks:
                label = _tick_text(v, step)
                if axis == "x":
                    sx = round(r.left() + (v - x0) / (x1 - x0) * r.width())
                    p.setPen(grid_pen)
                    p.drawLine(sx, r.top(), sx, r.bottom())
                    p.setPen(mix(text, base, 0.75))
                    p.drawText(QRect(sx - 40, r.bottom() + 4, 80, fm.height()), Qt.AlignmentFlag.AlignHCenter, label)
                else:
                    sy = round(r.bottom() - (v - y0) / (y1 - y0) * r.height())
                    p.setPen(grid_pen)
                    p.drawLine(r.left(), sy, r.right(), sy)
                    p.setPen(mix(text, base, 0.75))
                    p.drawText(
                        QRect(0, sy - fm.height() // 2, r.left() - 6, fm.height()),
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                        label,
                    )
        p.setPen(QPen(mix(text, base, 0.35), 1))
        p.drawRect(r.adjusted(0, 0, -1, -1))

        if len(self._xy):
            screen = self._to_screen(self._xy)
            self._screen = screen.astype(np.float32)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setClipRect(r)
            size = self._dot_size()
            colors = [category_color(c) for c in range(len(self._names))]
            faded = [mix(c, base, 0.18) for c in colors]

            def draw(indices: np.ndarray, classes: range | list[int], palette: list[QColor], alpha: int) -> None:
                for c in classes:
                    idx = indices[self._labels[indices] == c]
                    if not len(idx):
                        continue
                    color = QColor(palette[c])
                    color.setAlpha(alpha)
                    pen = QPen(color, size)
                    pen.setCapStyle(Qt.PenCapStyle.RoundCap)  # a wide round-capped point is a disc
                    p.setPen(pen)
                    p.drawPoints(QPolygonF([QPointF(float(x), float(y)) for x, y in screen[idx]]))

            n_classes = range(len(self._names))
            if self._focus is None:
                for chunk in self._order:
                    draw(chunk, n_classes, colors, 215)
            else:
                others = [c for c in n_classes if c != self._focus]
                for chunk in self._order:
                    draw(chunk, others, faded, 255)
                for chunk in self._order:
                    draw(chunk, [self._focus], colors, 235)
        p.end()
        return pm

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        if not len(self._xy):
            p.fillRect(self.rect(), base)
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            return
        if self._cache is None or self._cache.deviceIndependentSize().toSize() != self.size():
            self._cache = self._render_points()
        p.drawPixmap(0, 0, self._cache)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)

        # Legend: the focused class bold, the others faded while one is focused.
        fm = self.fontMetrics()
        lh = fm.height()
        for c, rect in self._legend_items():
            dim = self._focus is not None and c != self._focus
            color = category_color(c)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(mix(color, base, 0.3) if dim else color)
            p.drawEllipse(QRectF(rect.x() + 2, rect.y() + lh * 0.2 + 1, lh * 0.6, lh * 0.6))
            p.setFont(bold(self.font()) if c == self._focus else self.font())
            p.setPen(mix(text, base, 0.45) if dim else text)
            p.drawText(
                rect.adjusted(lh + 4, 0, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self._names[c],
            )
        p.setFont(self.font())

        if self._marker is not None:
            m = self.map_to_widget(*self._marker)
            arm = max(9.0, lh * 0.7)
            for width, color in ((6.0, base), (2.5, text)):  # a halo keeps the cross visible over any dots
                pen = QPen(color, width)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                p.setPen(pen)
                p.drawLine(QPointF(m.x() - arm, m.y()), QPointF(m.x() + arm, m.y()))
                p.drawLine(QPointF(m.x(), m.y() - arm), QPointF(m.x(), m.y() + arm))

        if self._hover is not None and self._screen is not None:
            sx, sy = (float(v) for v in self._screen[self._hover])
            ring = self._dot_size() / 2 + 3
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(text, 2))
            p.drawEllipse(QPointF(sx, sy), ring, ring)
            self._paint_card(p)
        p.end()

    def _paint_card(self, p: QPainter) -> None:
        card = self.hover_card_rect()
        assert card is not None and self._hover is not None
        pal = self.palette()
        window = pal.color(QPalette.ColorRole.ToolTipBase)
        text = pal.color(QPalette.ColorRole.ToolTipText)
        p.setPen(QPen(mix(text, window, 0.35), 1))
        p.setBrush(window)
        p.drawRoundedRect(QRectF(card).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        pad = self._pad()
        y = card.y() + pad
        thumb = self._thumb_size()
        if self._thumbs is not None:
            img: QImage = array_to_qimage(self._thumbs[self._hover])
            target = QRect(card.x() + (card.width() - thumb.width()) // 2, y, thumb.width(), thumb.height())
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(QRectF(target), img)
            y += thumb.height() + pad
        cls = int(self._labels[self._hover])
        fm = QFontMetrics(bold(self.font()))
        lh = fm.height()
        name = self._names[cls]
        row_w = lh + 4 + fm.horizontalAdvance(name)
        x = card.x() + (card.width() - row_w) // 2
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(category_color(cls))
        p.drawEllipse(QRectF(x, y + lh * 0.2, lh * 0.6, lh * 0.6))
        p.setFont(bold(self.font()))
        p.setPen(text)
        p.drawText(QRect(x + lh + 4 - 6, y, row_w + 12, lh), Qt.AlignmentFlag.AlignLeft, name)
        p.setFont(self.font())

    # --- interaction -------------------------------------------------------------------------------------------------
    def _place_marker(self, pos: QPointF) -> None:
        x, y = self.data_at(pos)
        self._marker = (x, y)
        self.update()
        self.clicked.emit(x, y)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not len(self._xy):
            super().mousePressEvent(event)
            return
        pos = event.position()
        for c, rect in self._legend_items():
            if rect.contains(pos.toPoint()):
                self.set_focus_class(None if self._focus == c else c)
                return
        if QRectF(self.plot_rect()).contains(pos):
            self._dragging = True
            self._place_marker(pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._dragging and event.buttons() & Qt.MouseButton.LeftButton:
            r = QRectF(self.plot_rect())
            clamped = QPointF(min(max(pos.x(), r.left()), r.right()), min(max(pos.y(), r.top()), r.bottom()))
            self._place_marker(clamped)  # dragging scrubs through the space
            return
        hit = self.point_at(pos)
        if hit != self._hover or (hit is not None and pos != self._hover_pos):
            self._hover = hit
            self._hover_pos = pos
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = False
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(event)

    def resizeEvent(self, event: object) -> None:
        self._invalidate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
            QEvent.Type.FontChange,
            QEvent.Type.ApplicationFontChange,
        ):
            self._invalidate()
        super().changeEvent(event)
