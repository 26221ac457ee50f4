"""The Sweep view's plots (pyqtgraph): parallel coordinates (an axis per knob and one for the objective, a line per
trial coloured by its value), the objective against each knob, and the knobs' importances.

Each plot draws a list of :class:`TrialRecord`; a click on a trial's line or point emits its number. The best trial
is drawn last, thick and red, everywhere; pruned trials are dashed grey, failed ones are left out (the table lists
them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from vision_lab.gui.sweep_source import knob_name, value_text

if TYPE_CHECKING:
    from vision_lab.core.sweep import TrialRecord
    from vision_lab.core.sweep_space import Dimension

BEST = "#e03131"
PRUNED = "#adb5bd"
COLUMNS = 3  # knob scatters per row


class Axis:
    """One knob (or the objective) mapped to 0..1: numbers linearly or by log, anything else by its rank."""

    def __init__(self, key: str, values: Sequence[Any], log: bool) -> None:
        self.key = key
        numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        self.categories: list[str] = []
        if values and len(numeric) == len(values):
            xs = [math.log10(v) for v in numeric] if log and min(numeric) > 0 else [float(v) for v in numeric]
            self.log = log and min(numeric) > 0
            self.low, self.high = min(xs), max(xs)
        else:
            self.log = False
            self.categories = sorted({value_text(v) for v in values})
            self.low, self.high = 0.0, max(1.0, len(self.categories) - 1.0)

    def raw(self, value: Any) -> float:
        """Where ``value`` sits on the knob's own scale (log10 for a log knob, the rank for a choice)."""
        if self.categories:
            return float(self.categories.index(value_text(value)))
        return math.log10(value) if self.log else float(value)

    def unit(self, value: Any) -> float:
        span = self.high - self.low
        return 0.5 if span == 0 else (self.raw(value) - self.low) / span

    def end_text(self, top: bool) -> str:
        if self.categories:
            return self.categories[-1 if top else 0]
        v = self.high if top else self.low
        return value_text(10**v if self.log else v)


def drawn_trials(trials: Sequence[TrialRecord]) -> tuple[list[TrialRecord], list[str]]:
    """The trials a plot draws (complete or pruned, with a value) and the knobs they searched, in first-seen order."""
    drawn = [r for r in trials if r.state in ("complete", "pruned") and r.value is not None]
    return drawn, list(dict.fromkeys(k for r in drawn for k in r.params))


def is_log(key: str, space: Sequence[Dimension]) -> bool:
    return any(d.key == key and d.kind in ("loguniform", "logint") for d in space)


def value_colour(value: float, low: float, high: float, maximize: bool) -> QColor:
    """Viridis-like from poor (dark purple) to good (yellow), whichever way the objective goes."""
    span = high - low
    x = 0.5 if span == 0 else (value - low) / span
    x = x if maximize else 1 - x
    return pg.colormap.get("viridis").map(float(np.clip(x, 0, 1)), mode="qcolor")


def _plot_widget(name: str) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setObjectName(name)
    w.setBackground(None)
    w.setMenuEnabled(False)
    w.getPlotItem().hideButtons()
    return w


class ParallelPlot(QWidget):
    """A vertical axis per knob and one for the objective; a line per trial, its colour its value."""

    trial_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _plot_widget("sweepParallelPlot")
        self.plot.getPlotItem().hideAxis("left")
        self.plot.getPlotItem().hideAxis("bottom")
        self.plot.setMouseEnabled(x=False, y=False)
        self.note = QLabel()
        self.note.setObjectName("sweepParallelNote")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.note)
        self.lines: dict[int, pg.PlotDataItem] = {}
        """Each drawn trial's line, by trial number (tests and clicks find them here)."""

    def show_trials(
        self,
        trials: Sequence[TrialRecord],
        objective: str,
        maximize: bool,
        space: Sequence[Dimension],
        best: int | None,
    ) -> None:
        self.plot.clear()
        self.lines = {}
        drawn, keys = drawn_trials(trials)
        if not drawn or not keys:
            self.note.setText(self.tr("The lines appear as trials end: one per trial, one axis per knob."))
            return
        axes = [Axis(k, [r.params[k] for r in drawn if k in r.params], is_log(k, space)) for k in keys]
        values = [float(r.value) for r in drawn if r.value is not None]
        axes.append(Axis(objective, values, False))
        low, high = min(values), max(values)
        for i, axis in enumerate(axes):
            self.plot.addItem(pg.InfiniteLine(pos=i, angle=90, pen=pg.mkPen("#868e96", width=1)))
            # The knob's name above its axis, its two ends just outside it: nothing overlaps a trial's point.
            name = pg.TextItem(knob_name(axis.key) + (" (log)" if axis.log else ""), anchor=(0.5, 2.1), color="#343a40")
            name.setPos(i, 1.0)
            self.plot.addItem(name)
            for top in (False, True):
                end = pg.TextItem(axis.end_text(top), anchor=(0.5, 1.0 if top else 0.0), color="#868e96")
                end.setPos(i, 1.0 if top else 0.0)
                self.plot.addItem(end)
        # Best last, so it is on top.
        order = sorted(drawn, key=lambda r: (r.number == best, r.state == "complete"))
        for r in order:
            ys = [a.unit(r.params[a.key]) if a.key in r.params else math.nan for a in axes[:-1]]
            ys.append(axes[-1].unit(r.value))
            if r.number == best:
                pen = pg.mkPen(BEST, width=4)
            elif r.state == "pruned":
                pen = pg.mkPen(PRUNED, width=1.5, style=Qt.PenStyle.DashLine)
            else:
                pen = pg.mkPen(value_colour(float(r.value or 0), low, high, maximize), width=2)
            line = pg.PlotDataItem(
                list(range(len(axes))), ys, pen=pen, symbol="o", symbolSize=7, symbolPen=pen, symbolBrush=pen.color()
            )
            line.setCurveClickable(True, width=8)
            line.sigClicked.connect(lambda _item, _ev=None, n=r.number: self.trial_clicked.emit(n))
            line.sigPointsClicked.connect(lambda _item, _pts, _ev=None, n=r.number: self.trial_clicked.emit(n))
            self.plot.addItem(line)
            self.lines[r.number] = line
        self.plot.setXRange(-0.4, len(axes) - 0.6, padding=0)
        self.plot.setYRange(-0.1, 1.22, padding=0)
        failed = sum(r.state == "fail" for r in trials)
        note = self.tr("Red: the best trial. Dashed grey: pruned. Colour: {objective}, yellow is best.").format(
            objective=objective
        )
        if failed:
            note += " " + self.tr("{count} failed trials are not drawn (the table lists them).").format(count=failed)
        self.note.setText(note)


class KnobScatter(pg.GraphicsLayoutWidget):
    """The objective against each knob, one small plot per knob (log x for a log knob); a click picks a trial."""

    trial_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepScatter")
        self.setBackground(None)
        self.points: dict[str, pg.PlotDataItem] = {}
        """Each knob's scatter, by key."""

    def show_trials(
        self,
        trials: Sequence[TrialRecord],
        objective: str,
        maximize: bool,
        space: Sequence[Dimension],
        best: int | None,
    ) -> None:
        self.clear()
        self.points = {}
        drawn, keys = drawn_trials(trials)
        values = [float(r.value) for r in drawn if r.value is not None]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        for i, key in enumerate(keys):
            plot = self.addPlot(row=i // COLUMNS, col=i % COLUMNS)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            rows = [r for r in drawn if key in r.params]
            axis = Axis(key, [r.params[key] for r in rows], is_log(key, space))
            plot.setLabel("bottom", knob_name(key))
            plot.setLabel("left", objective)
            for side in ("bottom", "left"):
                plot.getAxis(side).enableAutoSIPrefix(False)  # "(x0.001)" beside a learning rate only confuses
            if axis.log:
                plot.setLogMode(x=True, y=False)
                xs = [float(r.params[key]) for r in rows]
            else:
                xs = [axis.raw(r.params[key]) for r in rows]
            if axis.categories:
                plot.getAxis("bottom").setTicks([list(enumerate(axis.categories))])
            brushes = [
                pg.mkBrush(BEST)
                if r.number == best
                else pg.mkBrush(PRUNED)
                if r.state == "pruned"
                else pg.mkBrush(value_colour(float(r.value or 0), low, high, maximize))
                for r in rows
            ]
            sizes = [16 if r.number == best else 9 for r in rows]
            symbols = ["star" if r.number == best else "o" for r in rows]
            item = pg.PlotDataItem(
                xs,
                [float(r.value or 0) for r in rows],
                pen=None,
                symbol=symbols,
                symbolSize=sizes,
                symbolBrush=brushes,
                symbolPen=pg.mkPen("#343a40", width=0.5),
                data=[r.number for r in rows],
            )
            item.sigPointsClicked.connect(
                lambda _item, pts, _ev=None: pts and self.trial_clicked.emit(int(pts[0].data()))
            )
            plot.addItem(item)
            self.points[key] = item

    def _clicked(self, _item: object, points: Sequence[Any], _ev: object = None) -> None:
        if len(points):
            self.trial_clicked.emit(int(points[0].data()))


class ImportancePlot(QWidget):
    """Optuna's parameter importances as horizontal bars, or the sentence saying why there are none yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _plot_widget("sweepImportancePlot")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("bottom", self.tr("importance (share of the objective's variance, fANOVA)"))
        self.note = QLabel()
        self.note.setObjectName("sweepImportanceNote")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.note)
        lay.addWidget(self.plot, 1)
        self.values: dict[str, float] = {}

    def show_importances(self, values: dict[str, float] | None, completed: int, error: str | None = None) -> None:
        from vision_lab.gui.sweep_source import MIN_FOR_IMPORTANCE

        if values is None:
            if completed < MIN_FOR_IMPORTANCE:
                self.note.setText(
                    self.tr("Importances need at least {need} completed trials; {count} so far.").format(
                        need=MIN_FOR_IMPORTANCE, count=completed
                    )
                )
                self.plot.clear()
                self.values = {}
            elif error:
                self.note.setText(self.tr("No importances: {reason}").format(reason=error))
            return
        self.values = dict(values)
        self.plot.clear()
        names = list(values)[::-1]  # the most important on top
        bars = pg.BarGraphItem(
            x0=0, y=list(range(len(names))), height=0.6, width=[values[n] for n in names], brush="#3d8bfd"
        )
        self.plot.addItem(bars)
        for i, n in enumerate(names):
            label = pg.TextItem(f"{values[n]:.0%}", anchor=(0.0, 0.5), color="#343a40")
            label.setPos(values[n], i)
            self.plot.addItem(label)
        self.plot.getAxis("left").setTicks([[(i, knob_name(n)) for i, n in enumerate(names)]])
        self.plot.setXRange(0, 1.08, padding=0.02)
        self.note.setText(
            self.tr("Which knobs mattered, over {count} completed trials (Optuna's fANOVA).").format(count=completed)
        )


__all__ = ["Axis", "ImportancePlot", "KnobScatter", "ParallelPlot", "value_colour"]
