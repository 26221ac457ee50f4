"""Compare runs: the selected runs' curves in a window of their own, each run named by what sets it apart.

The runs list once drew a 190×120 px chart in a corner of its dock, with a legend over the curves and names such
as "20261203-200117 train loss" that made a fork and its parent look the same. Here the curves get a full-size
plot, the legend lives above it (a colour swatch, the run's name, its result), and a run is named by the settings
in which it differs from the others ("lr 0.01" against "lr 0.001"), or as the fork of the other.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n
from vision_lab.core.config import ExperimentConfig, config_changes, flat_config
from vision_lab.core.errors import RunError
from vision_lab.core.runs import METRICS, open_run, read_metrics
from vision_lab.gui import families as gui_families
from vision_lab.gui.labels import short_setting
from vision_lab.gui.results import final_metric_cell
from vision_lab.gui.widgets.loss_plot import series_style

COLORS = ("#3d8bfd", "#e8590c", "#2fb344", "#ae3ec9", "#f59f00", "#0ca678", "#d6336c", "#868e96")
LOSSES = "losses"
MAX_NAMED_SETTINGS = 3


@dataclass
class ComparedRun:
    path: Path
    config: ExperimentConfig
    parent: dict[str, Any] | None
    summary: dict[str, Any] | None
    rows: list[dict[str, float | None]]
    name: str = ""
    color: str = ""


def run_names(runs: list[ComparedRun]) -> list[str]:
    """Each run named by the settings in which the runs differ (``lr 0.01 · batch 64``); a fork whose settings
    equal another run's is named as that run's fork; runs that differ in nothing by when they began."""
    flats = [flat_config(r.config) for r in runs]
    keys = sorted({k for i in range(1, len(runs)) for k in config_changes(runs[0].config, runs[i].config)})
    keys = [k for k in keys if k != "name"]
    family_first = "model" in keys
    if family_first:  # runs of different families: named by their family, not by settings only one of them has
        keys = [k for k in keys if k != "model" and k.partition(".")[0] not in families.names()]
    names = []
    for flat in flats:
        parts = [gui_families.title(str(flat.get("model")))] if family_first else []
        parts += [short_setting(k, flat.get(k)) for k in keys[:MAX_NAMED_SETTINGS]]
        if len(keys) > MAX_NAMED_SETTINGS:
            parts.append("…")
        names.append(" · ".join(parts))
    for i, run in enumerate(runs):
        parent = run.parent or {}
        parent_path = Path(str(parent.get("run", ""))).resolve() if parent.get("run") else None
        others = [r for r in runs if r is not run]
        if parent_path is not None and any(r.path.resolve() == parent_path for r in others):
            fork = QCoreApplication.translate("Compare", "fork @ epoch {epoch}").format(epoch=parent.get("epoch", "?"))
            names[i] = f"{names[i]} ({fork})" if names[i] else fork
    taken: dict[str, int] = {}
    for name in names:
        taken[name] = taken.get(name, 0) + 1
    for i, run in enumerate(runs):
        if not names[i] or taken[names[i]] > 1:  # nothing sets it apart: when it began, from its folder's name
            when = run.path.name[:15]
            names[i] = f"{names[i]} · {when}" if names[i] else when
    return names


def load_runs(paths: list[Path]) -> list[ComparedRun]:
    runs = []
    for path in paths:
        try:
            record = open_run(path)
        except RunError:
            continue
        runs.append(ComparedRun(path, record.config, record.parent, record.summary, read_metrics(path / METRICS)))
    for run, name, color in zip(runs, run_names(runs), COLORS * (len(runs) // len(COLORS) + 1), strict=False):
        run.name, run.color = name, color
    return runs


def _figures() -> set[str]:
    """Every family's figures measured at epoch ends (accuracy, MSE, the judge's), for the Show menu."""
    return {m.key for f in families.all_families() for m in f.metrics if not m.loss and m.epoch_only}


def _losses() -> list[tuple[str, bool]]:
    """Every family's losses, each with whether it is dashed: a validation loss, or a family's second loss (G's
    against D's), so that a run's curves stay told apart in its one colour."""
    out: dict[str, bool] = {}
    for family in families.all_families():
        steps = [m for m in family.metrics if m.loss and not m.epoch_only]
        for i, m in enumerate(steps):
            out.setdefault(m.key, i > 0)
    for family in families.all_families():
        for m in family.metrics:
            if m.loss and m.epoch_only:
                out.setdefault(m.key, True)
    return list(out.items())


def _metric_title(key: str) -> str:
    """The metric's declared title in the current language ("val accuracy", 验证准确率); made from its key for one
    no family declares."""
    declared = families.metric(key)
    return core_i18n.text(declared.title) if declared is not None else key.replace("_", " ")


class CompareWindow(QWidget):
    """Curves of several runs on one full-size plot; ``curves`` maps ``(run folder name, key)`` to its curve."""

    def __init__(self, paths: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("compareWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.runs = load_runs(paths)
        self.setWindowTitle(self.tr("Compare runs: {names}").format(names="  |  ".join(r.name for r in self.runs)))
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}

        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("compareMetricCombo")
        self.metric_combo.addItem(self.tr("Losses (train: line, validation: dashed)"), LOSSES)
        epoch_keys = sorted(
            {k for r in self.runs for row in r.rows for k, v in row.items() if v is not None} & _figures()
        )
        for key in epoch_keys:
            self.metric_combo.addItem(_metric_title(key), key)
        self.metric_combo.currentIndexChanged.connect(self.draw)
        self.legend = QLabel()
        self.legend.setObjectName("compareLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("comparePlot")
        self.plot.setLabel("bottom", self.tr("epoch"))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setBackground(self.palette().color(QPalette.ColorRole.Base))
        close = QPushButton(self.tr("Close"))
        close.setObjectName("compareCloseButton")
        close.clicked.connect(self.close)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show")))
        top.addWidget(self.metric_combo)
        top.addStretch(1)
        top.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.legend)
        lay.addWidget(self.plot, 1)
        self.resize(960, 620)
        self.draw()

    def draw(self) -> None:
        metric = self.metric_combo.currentData()
        self.plot.clear()
        self.curves = {}
        for run in self.runs:
            for key, dashed in _losses() if metric == LOSSES else ((metric, False),):
                points = [
                    (float(r["epoch"]), float(r[key]))  # type: ignore[arg-type]
                    for r in run.rows
                    if r.get(key) is not None and r.get("epoch") is not None and math.isfinite(r[key])  # type: ignore[arg-type]
                ]
                if not points:
                    continue
                xs, ys = zip(*points, strict=True)
                style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
                epoch_only = series_style(key).epoch_only or metric != LOSSES
                curve = self.plot.plot(
                    list(xs),
                    list(ys),
                    pen=pg.mkPen(run.color, width=2.5, style=style),
                    symbol="o" if epoch_only else None,
                    symbolSize=7,
                    symbolBrush=run.color,
                    symbolPen=pg.mkPen(run.color),
                )
                self.curves[(run.path.name, key)] = curve
        self.plot.setLabel("left", self.tr("loss") if metric == LOSSES else _metric_title(metric))
        lines = []
        for run in self.runs:
            result = final_metric_cell(run.summary)[0]
            name = html.escape(run.name).replace(" ", "&nbsp;")
            lines.append(
                f"<span style='color:{run.color}; font-size:large'>■</span>&nbsp;<b>{name}</b>"
                f"&nbsp;&nbsp;<span style='color:gray'>{html.escape(result)}</span>"
            )
        self.legend.setText("<br>".join(lines))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)
