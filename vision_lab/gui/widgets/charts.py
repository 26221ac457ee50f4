"""Bar charts and multi-line plots for the "see inside the model" views, plus shared colour helpers.

:class:`BarChart` is painted by hand (ten bars need no scene graph) and serves class probabilities and the
GAN judge's class-coverage histogram. :class:`SeriesPlot` wraps a pyqtgraph PlotWidget for a few named
curves over training steps (per-layer gradient norms, update/weight ratios).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

# Mid-tone colours that read on light and dark backgrounds and on a washed-out projector;
# neighbours in the cycle differ in hue so adjacent classes or layers never look alike.
CATEGORY_COLORS: tuple[str, ...] = (
    "#3d8bfd",  # blue
    "#f76707",  # orange
    "#2fb344",  # green
    "#e03131",  # red
    "#ae3ec9",  # purple
    "#1098ad",  # cyan
    "#f06595",  # pink
    "#d9a300",  # ochre
    "#74b816",  # lime
    "#b5651d",  # brown
)


def category_color(i: int) -> QColor:
    return QColor(CATEGORY_COLORS[i % len(CATEGORY_COLORS)])


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``t`` of ``a`` blended over ``1 - t`` of ``b`` (opaque)."""
    t = min(max(t, 0.0), 1.0)
    return QColor(
        round(a.red() * t + b.red() * (1 - t)),
        round(a.green() * t + b.green() * (1 - t)),
        round(a.blue() * t + b.blue() * (1 - t)),
    )


def luminance(c: QColor) -> float:
    """Relative luminance (WCAG), 0 black .. 1 white."""

    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.red()) + 0.7152 * lin(c.green()) + 0.0722 * lin(c.blue())


def contrast_text(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    # Above the WCAG crossover (0.18) on purpose: white reads better on saturated mid-tones than the formula says.
    return QColor("#111111") if luminance(background) > 0.40 else QColor("#ffffff")


def bold(font: QFont) -> QFont:
    f = QFont(font)
    f.setBold(True)
    return f


class BarChart(QWidget):
    """Labelled bars in the palette's highlight colour; one bar may be emphasised.

    ``orientation`` Horizontal: labels on the left, bars growing right (class probabilities).
    Vertical: bars growing up, labels underneath (histograms). All sizes follow the font.
    """

    def __init__(
        self,
        title: str = "",
        orientation: Qt.Orientation = Qt.Orientation.Horizontal,
        placeholder: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._title = title
        self.orientation = orientation
        self.placeholder = placeholder or self.tr("No values yet.")
        self._values: list[float] = []
        self._labels: list[str] = []
        self._highlight: int | None = None
        self._maximum = 1.0
        self._fmt = "{:.0%}"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 80)

    # --- data ------------------------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self._title

    @title.setter
    def title(self, text: str) -> None:
        self._title = text
        self.updateGeometry()
        self.update()

    def set_title(self, text: str) -> None:
        self.title = text

    def set_values(
        self,
        values: Sequence[float],
        labels: Sequence[str],
        *,
        highlight: int | None = None,
        maximum: float | None = None,
        fmt: str = "{:.0%}",
    ) -> None:
        """Show ``values``; bars are scaled to ``maximum`` (default: the largest value)."""
        if len(values) != len(labels):
            raise ValueError(f"{len(values)} values but {len(labels)} labels")
        self._values = [float(v) if math.isfinite(float(v)) else 0.0 for v in values]
        self._labels = [str(s) for s in labels]
        self._highlight = highlight if highlight is not None and 0 <= highlight < len(values) else None
        top = maximum if maximum is not None else max(self._values, default=0.0)
        self._maximum = top if top > 0 else 1.0
        self._fmt = fmt
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self._values, self._labels, self._highlight = [], [], None
        self.update()

    def values(self) -> list[float]:
        return list(self._values)

    def labels(self) -> list[str]:
        return list(self._labels)

    def highlight(self) -> int | None:
        return self._highlight

    def value_text(self, i: int) -> str:
        return self._fmt.format(self._values[i])

    # --- layout ------------------------------------------------------------------------------------------
    def _pad(self) -> int:
        return max(6, self.fontMetrics().height() // 3)

    def _title_height(self) -> int:
        return self.fontMetrics().height() + self._pad() if self._title else 0

    def _slots(self) -> list[QRect]:
        """Per bar, the full-length slot the bar may fill (its groove)."""
        n = len(self._values)
        if not n:
            return []
        fm = self.fontMetrics()
        pad = self._pad()
        top = pad + self._title_height()
        bold_fm = QFontMetrics(bold(self.font()))
        value_w = max(bold_fm.horizontalAdvance(self.value_text(i)) for i in range(n)) + pad
        if self.orientation == Qt.Orientation.Horizontal:
            label_w = max(bold_fm.horizontalAdvance(s) for s in self._labels) + pad
            avail_h = max(1, self.height() - top - pad)
            row = min(max(avail_h / n, fm.height() + 4), fm.height() * 2.2)
            thick = max(4, round(min(row - 4, fm.height() * 1.5)))
            x0 = pad + label_w
            length = max(10, self.width() - x0 - pad - value_w)
            return [QRect(x0, round(top + i * row + (row - thick) / 2), length, thick) for i in range(n)]
        label_h = fm.height() + 4
        avail_w = max(1, self.width() - 2 * pad)
        slot = avail_w / n
        thick = max(4, round(min(slot * 0.72, fm.height() * 3)))
        y0 = top + fm.height() + 2  # room for the value text above the tallest bar
        length = max(10, self.height() - y0 - label_h - pad)
        return [QRect(round(pad + i * slot + (slot - thick) / 2), y0, thick, length) for i in range(n)]

    def bar_rect(self, i: int) -> QRect:
        """The filled part of bar ``i`` in widget coordinates."""
        slot = self._slots()[i]
        frac = min(max(self._values[i] / self._maximum, 0.0), 1.0)
        if self.orientation == Qt.Orientation.Horizontal:
            return QRect(slot.x(), slot.y(), round(slot.width() * frac), slot.height())
        h = round(slot.height() * frac)
        return QRect(slot.x(), slot.bottom() + 1 - h, slot.width(), h)

    def index_at(self, pos: QPoint) -> int | None:
        for i, slot in enumerate(self._slots()):
            if self.orientation == Qt.Orientation.Horizontal:
                hit = slot.top() - 2 <= pos.y() <= slot.bottom() + 2
            else:
                hit = slot.left() - 2 <= pos.x() <= slot.right() + 2
            if hit:
                return i
        return None

    def sizeHint(self) -> QSize:
        lh = self.fontMetrics().height()
        n = len(self._values) or 10
        if self.orientation == Qt.Orientation.Horizontal:
            return QSize(max(300, lh * 18), self._title_height() + round(n * lh * 1.6) + 2 * self._pad())
        return QSize(max(300, round(n * lh * 2.4)), max(200, lh * 12))

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 80)

    # --- painting --------------------------------------------------------------------------------------------
    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        accent = pal.color(QPalette.ColorRole.Highlight)
        muted = mix(accent, base, 0.45)
        p.fillRect(self.rect(), base)
        fm = self.fontMetrics()
        pad = self._pad()
        if self._title:
            p.setFont(bold(self.font()))
            p.setPen(text)
            p.drawText(QRect(pad, pad, self.width() - 2 * pad, fm.height()), Qt.AlignmentFlag.AlignLeft, self._title)
            p.setFont(self.font())
        if not self._values:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                self.rect().adjusted(12, 12 + self._title_height(), -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            return
        groove = mix(text, base, 0.07)
        horizontal = self.orientation == Qt.Orientation.Horizontal
        for i, slot in enumerate(self._slots()):
            emphasised = self._highlight == i
            color = accent if self._highlight is None or emphasised else muted
            bar = self.bar_rect(i)
            p.fillRect(slot, groove)
            p.fillRect(bar, color)
            p.setFont(bold(self.font()) if emphasised else self.font())
            bfm = p.fontMetrics()
            label = self._labels[i]
            value = self.value_text(i)
            vw = bfm.horizontalAdvance(value)
            if horizontal:
                p.setPen(text)
                p.drawText(
                    QRect(0, slot.y() - 20, slot.x() - pad // 2, slot.height() + 40),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    label,
                )
                # Inside the bar's end when it fits, else just after it.
                if bar.width() >= vw + pad * 2:
                    p.setPen(contrast_text(color))
                    r = QRect(bar.x(), bar.y() - 20, bar.width() - pad // 2 - 2, bar.height() + 40)
                    p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, value)
                else:
                    p.setPen(text)
                    r = QRect(bar.right() + pad // 2 + 1, bar.y() - 20, vw + pad, bar.height() + 40)
                    p.drawText(r, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, value)
            else:
                slot_w = round(self.width() / len(self._values))
                cx = slot.center().x()
                p.setPen(text)
                name = bfm.elidedText(label, Qt.TextElideMode.ElideRight, slot_w - 2)
                p.drawText(
                    QRect(cx - slot_w // 2, slot.bottom() + 3, slot_w, fm.height() + 2),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    name,
                )
                if bar.height() >= bfm.height() + 4 and bar.width() >= vw + 4:
                    p.setPen(contrast_text(color))
                    r = QRect(bar.x() - 20, bar.y() + 1, bar.width() + 40, bfm.height())
                else:
                    p.setPen(text)
                    r = QRect(cx - slot_w // 2, bar.y() - bfm.height() - 1, slot_w, bfm.height())
                p.drawText(r, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, value)
        p.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            i = self.index_at(event.pos())
            if i is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), f"{self._labels[i]}: {self.value_text(i)}", self)
            return True
        return super().event(event)


class _LogAxis(pg.AxisItem):
    """pyqtgraph labels all of 2..9 in every decade on a log axis, which piles up on a short plot
    (0.8 and 0.9 are only 5 % of a decade apart): keep as many of them as have a text line of room."""

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks: list) -> list:
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        per_decade = size / max(maxVal - minVal, 1e-9)
        line = QFontMetrics(self.style.get("tickFont") or QFont()).height()
        if per_decade >= 24 * line:
            return ticks
        keep = (1, 2, 3, 5) if per_decade >= 7 * line else (1, 2, 5) if per_decade >= 4 * line else (1,)
        out = []
        for spacing, values in ticks:
            if spacing is None:  # the minor level
                values = [v for v in values if round(10 ** (v - math.floor(v + 1e-9))) in keep]
            out.append((spacing, values))
        return out


@dataclass
class _Line:
    name: str
    color: str
    item: pg.PlotDataItem
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)


class SeriesPlot(QWidget):
    """Header (title, colour legend, log toggle, Fit) over a pyqtgraph PlotWidget with named lines.

    ``object_name`` names this wrapper (find it with ``findChild(SeriesPlot, name)``); the PlotWidget
    inside is ``plot_widget``. Like the loss plot, the legend lives in the header, never over the curves.
    """

    def __init__(
        self,
        title: str = "",
        *,
        x_label: str = "step",
        y_label: str = "",
        object_name: str = "seriesPlot",
        placeholder: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.plot_widget = pg.PlotWidget(axisItems={"left": _LogAxis("left")})
        self.plot_widget.setObjectName("seriesPlotWidget")
        self.plot_widget.setMinimumHeight(160)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        self.plot_item.setLabel("bottom", x_label)
        self.plot_item.setLabel("left", y_label)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.enableAutoSIPrefix(False)
            # Axis labels and grid are replayed on every frame otherwise; as a pixmap they redraw on range moves.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.view: pg.ViewBox = self.plot_item.getViewBox()

        self.title_label = QLabel(title)
        self.title_label.setObjectName("plotTitle")
        self.legend = QLabel()
        self.legend.setObjectName("plotLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.log_check = QCheckBox(self.tr("Log scale"))
        self.log_check.setObjectName("logScaleCheck")
        self.log_check.toggled.connect(self._log_toggled)
        self.fit_button = QPushButton(self.tr("Fit"))
        self.fit_button.setToolTip(self.tr("Show all points again after zooming or panning"))
        self.fit_button.clicked.connect(self.fit)
        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.title_label)
        header.addSpacing(12)
        header.addWidget(self.legend, 1)
        header.addWidget(self.log_check)
        header.addWidget(self.fit_button)

        self.placeholder = QLabel(self.tr("No data yet.") if placeholder is None else placeholder)
        self.placeholder.setObjectName("plotPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAutoFillBackground(True)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.plot_widget)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(header)
        lay.addLayout(self.stack, 1)

        self._lines: dict[str, _Line] = {}
        self._log = False
        self.apply_palette()
        self.apply_font()

    # --- data --------------------------------------------------------------------------------------------
    def _line(self, series: str) -> _Line:
        line = self._lines.get(series)
        if line is None:
            color = CATEGORY_COLORS[len(self._lines) % len(CATEGORY_COLORS)]
            item = pg.PlotDataItem(pen=pg.mkPen(color, width=2.5))
            item.setClipToView(True)
            item.setDownsampling(auto=True, method="peak")
            self.plot_item.addItem(item)  # takes the plot's log mode
            line = self._lines[series] = _Line(series, color, item)
            self.legend.setText(self.legend_text())
            self.stack.setCurrentWidget(self.plot_widget)
        return line

    def add_points(self, series: str, x: Sequence[float], y: Sequence[float]) -> None:
        """Append points to ``series`` (created on first use, next colour in the cycle)."""
        if len(x) != len(y):
            raise ValueError(f"{len(x)} x values but {len(y)} y values")
        line = self._line(series)
        line.x.extend(float(v) for v in x)
        line.y.extend(float(v) for v in y)
        self._push(line)

    def set_series(self, series: str, x: Sequence[float], y: Sequence[float]) -> None:
        """Replace all points of ``series``."""
        if len(x) != len(y):
            raise ValueError(f"{len(x)} x values but {len(y)} y values")
        line = self._line(series)
        line.x = [float(v) for v in x]
        line.y = [float(v) for v in y]
        self._push(line)

    def _push(self, line: _Line) -> None:
        y = np.asarray(line.y, dtype=float)
        if self._log:
            y = np.where(y > 0, y, np.nan)  # log10 of zero or less is no point, not a warning and a -inf
        line.item.setData(np.asarray(line.x, dtype=float), y, connect="finite")

    def clear(self) -> None:
        for line in self._lines.values():
            self.plot_item.removeItem(line.item)
        self._lines = {}
        self.legend.setText("")
        self.plot_item.enableAutoRange()  # the next run's axes, not the last run's ranges
        self.stack.setCurrentWidget(self.placeholder)

    def series_names(self) -> list[str]:
        return list(self._lines)

    def point_count(self, series: str) -> int:
        line = self._lines.get(series)
        return len(line.x) if line else 0

    def series_color(self, series: str) -> QColor:
        return QColor(self._lines[series].color)

    def legend_text(self) -> str:
        # Non-breaking spaces inside an entry: a wrapped legend keeps each swatch beside its name.
        return " &nbsp; ".join(
            f"<span style='color:{ln.color}'>■</span>&nbsp;{html.escape(ln.name).replace(' ', '&nbsp;')}"
            for ln in self._lines.values()
        )

    # --- view ------------------------------------------------------------------------------------------------
    def set_log_y(self, on: bool) -> None:
        self.log_check.setChecked(on)  # -> _log_toggled, so the checkbox and the axes never disagree

    def log_y(self) -> bool:
        return self._log

    def _log_toggled(self, on: bool) -> None:
        if on == self._log:
            return
        self._log = on
        self.plot_item.setLogMode(x=False, y=on)  # items and the axis alike, so ticks read 10^k
        for line in self._lines.values():
            self._push(line)
        self.fit()

    def fit(self) -> None:
        self.view.enableAutoRange()

    # --- palette and font ------------------------------------------------------------------------------------
    def apply_palette(self) -> None:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(base)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(mix(text, base, 0.55)))
            axis.setTextPen(pg.mkPen(text))
        ph = self.placeholder.palette()
        ph.setColor(QPalette.ColorRole.Window, base)
        ph.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.PlaceholderText))
        self.placeholder.setPalette(ph)

    def apply_font(self) -> None:
        """pyqtgraph axes keep their own font; follow the app's (stage mode enlarges it)."""
        self.title_label.setFont(bold(self.font()))
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setTickFont(self.font())
            axis.label.setFont(self.font())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_palette()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.apply_font()
        super().changeEvent(event)
