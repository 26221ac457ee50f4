"""The twin runs' loss plot: A's and B's curves on one axis, A solid and B dashed; :class:`TwinWindow` feeds it.

Apart from :mod:`twin` (the window) because how the two runs' points are kept, binned and styled is a piece of its own.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n
from vision_lab.core.events import Metrics
from vision_lab.gui.widgets.charts import SeriesPlot
from vision_lab.gui.widgets.loss_plot import series_style

BINS_PER_EPOCH = 25  # train-loss points per epoch on the finished curves


class TwinPlot(SeriesPlot):
    """Both runs' losses on one axis over epochs: one colour per figure, A solid, B dashed.

    Points are kept here as they arrive and pushed to the curves by :meth:`refresh` (the window's timer).
    """

    def __init__(self, family: str, parent: QWidget | None = None) -> None:
        super().__init__(
            QCoreApplication.translate("TwinPlot", "Loss"),
            x_label=QCoreApplication.translate("TwinPlot", "epoch"),
            y_label=core_i18n.text(families.get(family).loss_axis),
            object_name="twinPlot",
            placeholder=QCoreApplication.translate(
                "TwinPlot", "Both runs' curves appear here once they have trained a few steps."
            ),
            parent=parent,
        )
        # Losses share one axis; accuracy and the judge's confidence are in the captions and the verdict.
        self.keys = tuple(k for k in families.get(family).plotted if families.get(family).metric(k).loss)
        self._points: dict[str, tuple[list[float], list[float]]] = {}
        self._meta: dict[str, tuple[str, str]] = {}  # series -> (twin, metric key)
        self._live_epoch: dict[str, bool] = {}  # twin -> this epoch already has live train points
        self._dirty: set[str] = set()

    @staticmethod
    def series_name(twin: str, key: str) -> str:
        return f"{twin} {series_style(key).title}"

    def add_metrics(self, twin: str, m: Metrics) -> None:
        x = float(m.epoch_progress)
        for key in self.keys:
            value = m.values.get(key)
            if value is None or not math.isfinite(value):
                continue
            if not series_style(key).epoch_only and m.epoch_end and self._live_epoch.get(twin):
                continue  # an epoch's mean would draw a step back up; the live points already show it
            self._add(twin, key, x, float(value))
        self._live_epoch[twin] = not m.epoch_end

    def _add(self, twin: str, key: str, x: float, y: float) -> None:
        name = self.series_name(twin, key)
        self._meta[name] = (twin, key)
        xs, ys = self._points.setdefault(name, ([], []))
        xs.append(x)
        ys.append(y)
        self._dirty.add(name)

    def replace_twin(self, twin: str, rows: list[Metrics]) -> None:
        """Redraw one twin from its metrics.csv rows once it has ended.

        Live points come whenever a report fired, at different steps for A and B; the rows are at fixed steps.
        Train losses are averaged over the same slices of an epoch for both twins, so the curves compare like
        for like and a noisy per-step row does not hide the dashes.
        """
        for name, (owner, _key) in self._meta.items():
            if owner == twin:
                self._points[name] = ([], [])
                self._dirty.add(name)
        bins: dict[str, dict[int, list[tuple[float, float]]]] = {}
        for m in rows:
            x = float(m.epoch_progress)
            for key in self.keys:
                value = m.values.get(key)
                if value is None or not math.isfinite(value):
                    continue
                if series_style(key).epoch_only:
                    if m.epoch_end:
                        self._add(twin, key, x, float(value))
                else:
                    slot = max(0, math.ceil(x * BINS_PER_EPOCH - 1e-9) - 1)  # a row's x is where its steps end
                    bins.setdefault(key, {}).setdefault(slot, []).append((x, float(value)))
        for key, slots in bins.items():
            for slot in sorted(slots):
                points = slots[slot]
                self._add(twin, key, max(p[0] for p in points), sum(p[1] for p in points) / len(points))

    def refresh(self) -> None:
        for name in sorted(self._dirty):
            xs, ys = self._points[name]
            self.set_series(name, xs, ys)
        self._dirty.clear()

    def _line(self, series: str) -> Any:
        new = series not in self._lines
        line = super()._line(series)
        if new and series in self._meta:
            twin, key = self._meta[series]
            style = series_style(key)
            line.color = style.color
            dashed = Qt.PenStyle.DashLine if twin == "B" else Qt.PenStyle.SolidLine
            line.item.setPen(pg.mkPen(style.color, width=2.5, style=dashed))
            if style.epoch_only:  # one point per epoch: markers, A filled, B hollow
                line.item.setSymbol("o" if twin == "A" else "s")
                line.item.setSymbolSize(8)
                line.item.setSymbolPen(pg.mkPen(style.color, width=1.5))
                line.item.setSymbolBrush(pg.mkBrush(style.color) if twin == "A" else pg.mkBrush(0, 0, 0, 0))
            self.legend.setText(self.legend_text())
        return line

    def legend_text(self) -> str:
        keys = [key for key in self.keys if any(k == key for _t, k in self._meta.values())]
        parts = [f"<span style='color:{series_style(k).color}'>■</span> {series_style(k).title}" for k in keys]
        lines = QCoreApplication.translate("TwinPlot", "<b>A</b> solid ━━, <b>B</b> dashed ╍╍")
        return " &nbsp; ".join([*parts, lines]) if parts else ""
