"""The live loss plot: losses on the left axis, accuracy (or the GAN judge's confidence) on the right; what a
family plots is its declaration's (``Family.plotted``).

Metrics are only stored when they arrive; :meth:`LossPlot.refresh` (called by the window's coalescing
timer) pushes them to the curves, so a burst of events costs one repaint. The view never jumps: the
x axis grows in steps of 1.5× up to the run's epochs, the y axis only ever expands, and once the user
pans or zooms, the plot stops following until "Fit" is pressed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QResizeEvent, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.events import Metrics
from vision_lab.core.families import Metric

SeriesStyle = Metric
"""A curve's look and meaning: the metric as its family declares it (title, colour, axis, epoch ends only)."""


def series_style(key: str) -> Metric:
    """The declaration of metric ``key`` (vision_lab/core/families); a grey curve named by its key for one no
    family declares (a metrics.csv from elsewhere)."""
    declared = families.metric(key)
    if declared is None:
        return Metric(key, key.replace("_", " "))
    return dataclasses.replace(declared, title=core_i18n.text(declared.title))  # in the current language


@dataclass
class _Series:
    key: str
    style: SeriesStyle
    item: pg.PlotDataItem
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    tail: tuple[float, float] | None = None
    """The live report's mean after the last saved row: drawn until the next row replaces it."""
    dirty: bool = False

    def points(self) -> tuple[list[float], list[float]]:
        if self.tail is None:
            return self.x, self.y
        return [*self.x, self.tail[0]], [*self.y, self.tail[1]]


class LossPlot(QWidget):
    """Header (hover read-out, log toggle, Fit) over a pyqtgraph PlotWidget named ``lossPlot``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setObjectName("lossPlot")
        self.plot_widget.setMinimumHeight(200)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        self.plot_item.setLabel("bottom", self.tr("epoch"))
        self.plot_item.setLabel("left", "loss")
        self.plot_item.hideButtons()
        for name in ("left", "bottom", "right"):
            axis = self.plot_item.getAxis(name)
            axis.enableAutoSIPrefix(False)  # "loss (x0.001)" reads badly
            # Each axis draws its labels and its grid lines across the whole plot: replaying that picture
            # was ~11 of the ~14 ms a frame took. Cached as a pixmap, it is redrawn only when its range moves.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.view: pg.ViewBox = self.plot_item.getViewBox()
        self.view.setMouseEnabled(x=True, y=True)
        self.view.sigRangeChangedManually.connect(self._user_moved)

        # Second y axis: its own ViewBox, x linked to the main one.
        self.right_view = pg.ViewBox(enableMouse=False)
        self.plot_item.showAxis("right")
        self.plot_item.scene().addItem(self.right_view)
        self.plot_item.getAxis("right").linkToView(self.right_view)
        self.right_view.setXLink(self.plot_item)
        self.right_view.setYRange(0.0, 1.0, padding=0.02)
        self.right_view.enableAutoRange(enable=False)
        self.view.sigResized.connect(self._sync_right_view)

        self.hover_line = pg.InfiniteLine(angle=90, movable=False)
        self.hover_line.hide()
        self.plot_item.addItem(self.hover_line, ignoreBounds=True)
        self._mouse_proxy = pg.SignalProxy(self.plot_item.scene().sigMouseMoved, rateLimit=30, slot=self._hover)

        self.title = QLabel(self.tr("Loss"))
        self.title.setObjectName("plotTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        # The legend lives in the header, never over the curves; hovering replaces it with values.
        self.readout = QLabel()
        self.readout.setObjectName("plotReadout")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        # Wraps instead of widening the window: with both docks open at 1280 px the centre is narrow.
        self.readout.setWordWrap(True)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setMinimumWidth(40)
        # A hint for first-time users, shown only where the header has room for it: wrapped, it pushed the
        # legend onto two lines at 1280 px.
        self.hint = QLabel(self.tr("(hover for values)"))
        self.hint.setObjectName("plotHoverHint")
        self.hint.setEnabled(False)  # drawn in the palette's disabled (grey) text colour
        self.log_check = QCheckBox(self.tr("Log scale"))
        self.log_check.setObjectName("logScaleCheck")
        self.log_check.toggled.connect(self.set_log)
        self.fit_button = QPushButton(self.tr("Fit"))
        self.fit_button.setToolTip(self.tr("Show all points and follow the run again"))
        self.fit_button.clicked.connect(self.fit)

        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.readout, 1)
        header.addWidget(self.hint)
        header.addWidget(self.log_check)
        header.addWidget(self.fit_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(header)
        lay.addWidget(self.plot_widget, 1)

        self.series: dict[str, _Series] = {}
        self.markers: list[pg.InfiniteLine] = []
        self.total_epochs = 1.0
        self._follow = True
        self._x_max = 1.0
        self._y_lo = math.inf
        self._y_hi = -math.inf
        self._row_step = -1
        self.apply_palette()
        self.apply_font()
        self.reset(ExperimentConfig().model, 1)

    # --- data --------------------------------------------------------------------------------------
    def reset(self, family: str, total_epochs: float) -> None:
        """Empty the plot and set it up for a family's series."""
        for s in self.series.values():
            (self.right_view if s.style.right else self.plot_item).removeItem(s.item)
        self.series = {}
        for line in self.markers:
            self.plot_item.removeItem(line)
        self.markers = []
        declared = families.get(family)
        for key in declared.plotted:
            style = series_style(key)
            pen = pg.mkPen(style.color, width=2.5 if not style.epoch_only else 2)
            item = pg.PlotDataItem(
                pen=pen,
                symbol="o" if style.epoch_only else None,
                symbolSize=7,
                symbolBrush=style.color,
                symbolPen=pg.mkPen(style.color),
            )
            if style.right:
                item.setLogMode(False, False)
                self.right_view.addItem(item)
            else:
                item.setClipToView(True)
                item.setDownsampling(auto=True, method="peak")
                self.plot_item.addItem(item)
            self.series[key] = _Series(key, style, item)
        right = next((s.style for s in self.series.values() if s.style.right), None)
        axis = self.plot_item.getAxis("right")
        axis.setLabel(right.title if right else "")
        axis.setStyle(showValues=right is not None)
        self.plot_item.setLabel("left", core_i18n.text(declared.loss_axis))
        self.total_epochs = max(float(total_epochs), 1e-9)
        self._follow = True
        self._x_max = min(1.0, self.total_epochs)
        self._y_lo, self._y_hi = math.inf, -math.inf
        self._row_step = -1
        self.hover_line.hide()
        self._show_legend()
        self.view.setXRange(0.0, self._x_max, padding=0.02)
        self._apply_y_range()

    def mark(self, x: float, text: str) -> None:
        """A labelled vertical line, e.g. where a fork left its parent's curves (removed by :meth:`reset`)."""
        line = pg.InfiniteLine(
            pos=x,
            angle=90,
            movable=False,
            pen=pg.mkPen((128, 128, 128), width=1, style=Qt.PenStyle.DashLine),
            label=text,
            labelOpts={"position": 0.95, "color": (128, 128, 128)},
        )
        self.plot_item.addItem(line, ignoreBounds=True)
        self.markers.append(line)

    def add_metrics(self, m: Metrics) -> None:
        """The event's metrics.csv rows become the curves' points, so the live plot is the saved one, whatever
        the reporting rate; the report's own mean is drawn after the last row until a row covers it."""
        for row in m.rows:
            self.add_row(row)
        live = not m.epoch_end and m.step > self._row_step
        for key, s in self.series.items():
            if s.style.epoch_only:
                continue
            value = m.values.get(key) if live else None
            tail = (float(m.epoch_progress), float(value)) if value is not None and math.isfinite(value) else None
            if tail != s.tail:
                s.tail = tail
                s.dirty = True
                if tail is not None and not s.style.right:
                    self._y_lo, self._y_hi = min(self._y_lo, tail[1]), max(self._y_hi, tail[1])

    def add_row(self, row: dict[str, float]) -> None:
        """One metrics.csv row (``step``, ``epoch`` and the figures)."""
        x = float(row.get("epoch") or 0.0)
        self._row_step = max(self._row_step, int(row.get("step") or 0))
        for key, s in self.series.items():
            value = row.get(key)
            if value is None or not math.isfinite(value):
                continue
            s.x.append(x)
            s.y.append(float(value))
            s.dirty = True
            if not s.style.right:
                self._y_lo = min(self._y_lo, value)
                self._y_hi = max(self._y_hi, value)

    def point_count(self) -> int:
        return sum(len(s.points()[0]) for s in self.series.values())

    def refresh(self) -> None:
        """Push new points to the curves and grow the view; cheap when nothing changed."""
        changed = False
        for s in self.series.values():
            if s.dirty:
                xs, ys = s.points()
                if not s.style.epoch_only:  # a line through one point draws nothing (after a single Step)
                    s.item.setSymbol("o" if len(xs) == 1 else None)
                s.item.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
                s.dirty = False
                changed = True
        if changed and self._follow:
            self._grow_view()

    # --- view ----------------------------------------------------------------------------------------
    def set_log(self, on: bool) -> None:
        for s in self.series.values():
            if not s.style.right:
                s.item.setLogMode(False, on)
        self._apply_y_range()

    def fit(self) -> None:
        self._follow = True
        xs = [x for s in self.series.values() for x in s.points()[0]]
        self._x_max = min(self.total_epochs, max(xs)) if xs else min(1.0, self.total_epochs)
        self.view.setXRange(0.0, max(self._x_max, 1e-6), padding=0.02)
        self._apply_y_range()

    def _grow_view(self) -> None:
        last = max((s.points()[0][-1] for s in self.series.values() if s.x or s.tail), default=0.0)
        if last > self._x_max * 0.97 and self._x_max < self.total_epochs:
            self._x_max = min(self.total_epochs, max(last * 1.5, self._x_max * 1.5))
            self.view.setXRange(0.0, self._x_max, padding=0.02)
        self._apply_y_range()

    def _apply_y_range(self) -> None:
        if not math.isfinite(self._y_hi):
            self.view.setYRange(0.0, 1.0, padding=0.02)
            return
        if self.log_check.isChecked():
            lo = math.log10(max(self._y_lo, 1e-8))
            hi = math.log10(max(self._y_hi, 1e-8))
            self.view.setYRange(math.floor(lo * 4) / 4, math.ceil(hi * 4) / 4 + 0.05, padding=0.02)
        else:
            self.view.setYRange(0.0, _nice_ceiling(self._y_hi * 1.05), padding=0.02)

    def _user_moved(self, *_: object) -> None:
        self._follow = False

    def _sync_right_view(self) -> None:
        self.right_view.setGeometry(self.view.sceneBoundingRect())
        self.right_view.linkedViewChanged(self.view, self.right_view.XAxis)

    # --- hover read-out ----------------------------------------------------------------------------------
    def _hover(self, args: tuple[QPointF]) -> None:
        pos = args[0]
        if not self.view.sceneBoundingRect().contains(pos) or not any(s.x or s.tail for s in self.series.values()):
            self.hover_line.hide()
            self._show_legend()
            return
        x = self.view.mapSceneToView(pos).x()
        self.hover_line.setPos(x)
        self.hover_line.show()
        self.readout.setText(self.readout_at(x))
        self.hint.hide()  # the values are showing

    def _show_legend(self) -> None:
        self.readout.setText(self.legend_text())
        self._fit_hint()

    def _fit_hint(self) -> None:
        doc = QTextDocument()
        doc.setDefaultFont(self.readout.font())
        doc.setHtml(self.readout.text())
        fixed = self.title.sizeHint().width() + self.log_check.sizeHint().width() + self.fit_button.sizeHint().width()
        needed = fixed + doc.idealWidth() + self.hint.sizeHint().width() + 60  # spacing and margins
        self.hint.setVisible(needed <= self.width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_hint()

    @contextlib.contextmanager
    def legend_for_export(self) -> Iterator[pg.LegendItem]:
        """A legend drawn inside the plot while it is exported (PNG, SVG): on screen the legend lives in the header,
        which an exported picture does not have, so the saved plot had curves nobody could name."""
        legend = pg.LegendItem(offset=(-10, 10), labelTextColor=self.palette().color(QPalette.ColorRole.Text))
        legend.setParentItem(self.plot_item.vb)
        legend.setBrush(pg.mkBrush(self.palette().color(QPalette.ColorRole.Base)))
        for s in self.series.values():
            if s.x or s.tail:
                legend.addItem(s.item, s.style.title)
        try:
            yield legend
        finally:
            legend.scene().removeItem(legend) if legend.scene() is not None else None

    def legend_text(self) -> str:
        keys = " &nbsp; ".join(
            f"<span style='color:{s.style.color}'>■</span> {s.style.title}" for s in self.series.values()
        )
        return keys

    def readout_at(self, x: float) -> str:
        """Rich text with each series' value nearest to epoch ``x``."""
        parts = [self.tr("epoch <b>{epoch}</b>").format(epoch=f"{max(x, 0):.2f}")]
        for s in self.series.values():
            px, py = s.points()
            if not px:
                continue
            xs = np.asarray(px)
            i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                i -= 1
            v = py[i]
            text = f"{v:.1%}" if s.style.percent else f"{v:.4g}"
            where = " " + self.tr("(epoch {epoch})").format(epoch=f"{xs[i]:.2g}") if s.style.epoch_only else ""
            parts.append(f"<span style='color:{s.style.color}'>■</span> {s.style.title} <b>{text}</b>{where}")
        return " &nbsp; ".join(parts)

    # --- palette -------------------------------------------------------------------------------------------
    def apply_palette(self) -> None:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(base)
        for name in ("left", "bottom", "right"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(_mix(text, base, 0.55)))
            axis.setTextPen(pg.mkPen(text))
        self.hover_line.setPen(pg.mkPen(_mix(text, base, 0.5), style=Qt.PenStyle.DashLine))

    def apply_font(self) -> None:
        """pyqtgraph's axes keep their own font: follow the widget's (stage mode enlarges it)."""
        font = self.font()
        for name in ("left", "bottom", "right"):
            axis = self.plot_item.getAxis(name)
            axis.setTickFont(font)
            axis.label.setFont(font)
            axis.resizeEvent()  # room for the bigger labels

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_palette()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.apply_font()
        super().changeEvent(event)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() * t + b.red() * (1 - t)),
        round(a.green() * t + b.green() * (1 - t)),
        round(a.blue() * t + b.blue() * (1 - t)),
    )


def _nice_ceiling(v: float) -> float:
    """Round up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k so the axis settles instead of creeping."""
    if v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * 10**exp >= v:
            return m * 10**exp
    return 10 ** (exp + 1)
