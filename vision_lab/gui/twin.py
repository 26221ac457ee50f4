"""Twin runs: the current setup (A) and a copy with one knob changed (B), trained side by side.

Both runs use the same seed, so they start from the same weights (when the knob leaves the architecture alone)
and see the training images in the same shuffled order: any gap between the curves comes from the knob.
:class:`TwinDialog` picks the knob and B's value; :class:`TwinWindow` trains both and overlays them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, apply_overrides, config_changes, flat_config
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.core.families import Knob, Metric
from vision_lab.core.runs import read_metrics
from vision_lab.gui import families as gui_families
from vision_lab.gui.results import metrics_from_row
from vision_lab.gui.run_controller import RunController, Worker
from vision_lab.gui.torch_threads import training_threads
from vision_lab.gui.widgets.charts import SeriesPlot
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid, fill_grid
from vision_lab.gui.widgets.loss_plot import series_style
from vision_lab.gui.worker import ProcessWorker, prewarm_engine

BINS_PER_EPOCH = 25  # train-loss points per epoch on the finished curves
REFRESH_MS = 250  # ~4 Hz, as the main window paints its plot: two runs' events never cost a paint each
SAME_AS_A = "B would be the same as A: change the value."

# The optimizer's and the schedule's knobs, everyone's: key -> (label for people, short name for captions and titles).
# A family's own are its declaration's (``Family.knobs``); ``train.augment_shift`` only where it shifts images.
KNOBS: dict[str, tuple[str, str]] = {
    "optim.lr": ("Learning rate", "lr"),
    "optim.name": ("Optimizer", "optimizer"),
    "train.batch_size": ("Batch size", "batch"),
    "optim.weight_decay": ("Weight decay", "weight decay"),
    "optim.momentum": ("Momentum", "momentum"),
    "train.lr_schedule": ("Learning-rate schedule", "schedule"),
    "train.augment_shift": ("Random shift (pixels)", "shift"),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("Twin", text)


def _family_knob(key: str) -> Knob | None:
    family = key.partition(".")[0]
    if family not in families.names():
        return None
    return next((k for k in families.get(family).knobs if k.key == key), None)


def _pseudo_knob(key: str) -> Knob | None:
    """A family's own name for part of its settings (``cnn.channels``), which no config file has."""
    knob = _family_knob(key)
    return knob if knob is not None and knob.get is not None else None


# --- knobs and values ------------------------------------------------------------------------------------
def twin_knobs(cfg: ExperimentConfig) -> list[tuple[str, str]]:
    """The (dotted key, label) pairs B may change for ``cfg``'s family.

    Never the seed or the length: the twins must share them, or the comparison says nothing about the knob.
    """
    family = cfg.family
    keys = ["optim.lr", "optim.name", "train.batch_size", *(k.key for k in family.knobs_for(cfg))]
    keys.append("optim.weight_decay")
    if cfg.optim.name in ("sgd", "rmsprop"):  # Adam ignores it: a twin on it would train the same model twice
        keys.append("optim.momentum")
    keys.append("train.lr_schedule")
    if family.shift_augment:
        keys.append("train.augment_shift")
    return [(k, knob_label(k)) for k in keys]


def knob_label(key: str) -> str:
    knob = _family_knob(key)
    return _t(knob.label) if knob is not None else _t(KNOBS[key][0]) if key in KNOBS else key


def knob_short(key: str) -> str:
    knob = _family_knob(key)
    return _t(knob.short) if knob is not None else _t(KNOBS[key][1]) if key in KNOBS else key


def knob_value(cfg: ExperimentConfig, key: str) -> Any:
    """The knob's value as in a config file (lists for widths)."""
    pseudo = _pseudo_knob(key)
    if pseudo is not None and pseudo.get is not None:
        return pseudo.get(cfg)
    flat = flat_config(cfg)
    if key not in flat:
        raise ConfigError(f"Unknown setting {key!r}; settings look like train.epochs or optim.lr.")
    return flat[key]


def edit_text(value: Any) -> str:
    """What the value box shows: JSON for lists, booleans and None; plain text otherwise."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def display_value(value: Any) -> str:
    """A value in a title or caption."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display_value(v) for v in value) + "]"
    return str(value)


def parse_value(text: str, current: Any) -> Any:
    """JSON when the text parses as JSON, else plain text; lenient where people type naturally.

    ``64, 32`` is taken as a list when the knob holds a list, ``Adam`` as ``adam``, ``yes``/``off`` as booleans.
    """
    text = text.strip()
    if isinstance(current, bool) and text.lower() in ("yes", "on", "true", "no", "off", "false"):
        return text.lower() in ("yes", "on", "true")
    try:
        return json.loads(text)
    except ValueError:
        pass
    if isinstance(current, list) and not text.startswith("["):
        try:
            return json.loads(f"[{text}]")
        except ValueError:
            pass
    return text.lower() if isinstance(current, str) else text


def set_knob(cfg: ExperimentConfig, key: str, value: Any) -> ExperimentConfig:
    """``cfg`` with ``key`` set to ``value``, checked as strictly as a config file (raises ConfigError)."""
    pseudo = _pseudo_knob(key)
    if pseudo is not None and pseudo.set is not None:
        return pseudo.set(cfg, value)
    return apply_overrides(cfg, {key: value})


def config_b(cfg: ExperimentConfig, key: str, text: str) -> ExperimentConfig:
    """B: ``cfg`` with the knob ``key`` set from the typed ``text``; ConfigError says, in one sentence, why not."""
    if not text.strip():
        raise ConfigError(f"Type a value for B's {knob_label(key).lower()}.")
    current = knob_value(cfg, key)
    try:
        b = set_knob(cfg, key, parse_value(text, current))
    except ConfigError:
        raise
    except Exception:  # a value shape the strict parser did not foresee: still one sentence, no traceback
        raise ConfigError(f"{text.strip()!r} is not a usable value for {knob_label(key).lower()}.") from None
    if not config_changes(cfg, b):
        raise ConfigError(SAME_AS_A)
    return b


def differences(a: ExperimentConfig, b: ExperimentConfig) -> list[tuple[str, str, str]]:
    """(key, A's value, B's value) for people, the name aside; a setting a family names otherwise reads so
    (cnn.blocks as its channel counts)."""
    keys = [k for k in config_changes(a, b) if k != "name"]
    covering = {c: k for k in a.family.knobs if k.get is not None for c in k.covers}
    out = []
    for key in keys:
        knob = covering.get(key)
        if knob is not None and knob.get is not None and knob.get(a) != knob.get(b):
            key = knob.key
        va, vb = knob_value(a, key), knob_value(b, key)
        out.append((key, display_value(va), display_value(vb)))
    return out


def final_figure(family: str, summary: dict[str, Any] | None) -> float | None:
    key = families.get(family).headline
    value = (summary or {}).get(key)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _headline(family: str) -> Metric:
    declared = families.get(family)
    return declared.metric(declared.headline)


def format_figure(family: str, value: float, digits: int | None = None) -> str:
    percent = _headline(family).percent
    if percent:
        return f"{value:.{1 if digits is None else digits}%}"
    return f"{value:.{4 if digits is None else digits + 3}g}"


def verdict(family: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    """Which twin did better on the family's final figure, in one sentence."""
    headline = _headline(family)
    title, higher = _t(headline.title), headline.higher_is_better
    va, vb = final_figure(family, a), final_figure(family, b)
    if va is None and vb is None:
        return f"Neither run reached a {title}."
    if va is None or vb is None:
        who, value = ("A", va) if vb is None else ("B", vb)
        other = "B" if who == "A" else "A"
        return f"Only {who} reached a {title} ({format_figure(family, value)}); {other} has none to compare."
    if va == vb:
        return f"A and B tie on {title}: {format_figure(family, va)} each."
    a_wins = va > vb if higher else va < vb
    win, lose, wv, lv = ("A", "B", va, vb) if a_wins else ("B", "A", vb, va)
    digits = None
    while format_figure(family, wv, digits) == format_figure(family, lv, digits) and (digits or 1) < 6:
        digits = (digits or 1) + 1  # never print "91.2% vs 91.2%" for two different numbers
    tail = "" if higher else " (lower is better)"
    return (
        f"{win} reached {format_figure(family, wv, digits)} vs {format_figure(family, lv, digits)} "
        f"for {lose}: {win} did better on {title}{tail}."
    )


# --- the dialog --------------------------------------------------------------------------------------------
class TwinDialog(QDialog):
    """Pick one knob and B's value; OK stays disabled (with one sentence saying why) until B is a valid change."""

    def __init__(self, cfg: ExperimentConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("twinDialog")
        self.setWindowTitle("Twin runs")
        self.cfg = cfg
        self._b: ExperimentConfig | None = None
        self._problem = SAME_AS_A

        intro = QLabel(
            f"Train the current setup (<b>A</b>) and a copy with one setting changed (<b>B</b>) side by side. "
            f"Both use seed {cfg.train.seed} and see the training images in the same order, so the gap between "
            f"their curves comes from that one setting."
        )
        intro.setObjectName("twinIntro")
        intro.setWordWrap(True)
        self.knob_combo = QComboBox()
        self.knob_combo.setObjectName("twinKnobCombo")
        for key, label in twin_knobs(cfg):
            self.knob_combo.addItem(label, key)
            self.knob_combo.setItemData(self.knob_combo.count() - 1, key, Qt.ItemDataRole.ToolTipRole)
        self.a_value = QLabel()
        self.a_value.setObjectName("twinValueA")
        self.a_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("twinValueEdit")
        self.value_edit.setToolTip("A number, a word (adam, relu…) or a list such as [64, 32]")
        self.error = QLabel()
        self.error.setObjectName("twinError")
        self.error.setWordWrap(True)
        # Two lines reserved: the dialog does not jump as messages come and go.
        self.error.setMinimumHeight(self.error.fontMetrics().lineSpacing() * 2 + 2)
        self.error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("twinButtons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("twinOkButton")
        self.ok_button.setText("Train both")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Change", self.knob_combo)
        form.addRow("A (current)", self.a_value)
        form.addRow("B", self.value_edit)
        form.addRow("", self.error)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(460)

        self.knob_combo.currentIndexChanged.connect(self._knob_changed)
        self.value_edit.textChanged.connect(self._revalidate)
        self._knob_changed()

    @property
    def key(self) -> str:
        return str(self.knob_combo.currentData())

    @property
    def problem(self) -> str | None:
        """The sentence shown under the value; None when B is valid."""
        return None if self._b is not None else self._problem

    def _knob_changed(self) -> None:
        current = knob_value(self.cfg, self.key)
        self.a_value.setText(display_value(current))
        self.value_edit.setText(edit_text(current))
        self.value_edit.selectAll()  # typing replaces A's value
        self.value_edit.setFocus()
        self._revalidate()

    def _revalidate(self) -> None:
        try:
            self._b = config_b(self.cfg, self.key, self.value_edit.text())
        except ConfigError as err:
            self._b, self._problem = None, str(err)
        message = self.problem or ""
        pal = self.error.palette()
        # A's own value is where everyone starts: a hint, not an error.
        color = self.palette().color(QPalette.ColorRole.PlaceholderText) if message == SAME_AS_A else ERROR_COLOR
        pal.setColor(QPalette.ColorRole.WindowText, color)
        self.error.setPalette(pal)
        self.error.setText(message)
        self.ok_button.setEnabled(self._b is not None)

    def twin_config(self) -> ExperimentConfig:
        """Config B (raises ConfigError with the shown sentence while the value is not valid)."""
        if self._b is None:
            raise ConfigError(self._problem)
        return self._b


# --- the plot ------------------------------------------------------------------------------------------------
class TwinPlot(SeriesPlot):
    """Both runs' losses on one axis over epochs: one colour per figure, A solid, B dashed.

    Points are kept here as they arrive and pushed to the curves by :meth:`refresh` (the window's timer).
    """

    def __init__(self, family: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "Loss",
            x_label="epoch",
            y_label=QCoreApplication.translate("Families", families.get(family).loss_axis),
            object_name="twinPlot",
            placeholder="Both runs' curves appear here once they have trained a few steps.",
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
        return " &nbsp; ".join([*parts, "<b>A</b> solid ━━, <b>B</b> dashed ╍╍"]) if parts else ""


# --- the window -------------------------------------------------------------------------------------------------
@dataclass
class _Twin:
    name: str  # "A" or "B"
    cfg: ExperimentConfig
    runs: RunController
    """Its run: the worker (while its thread lives: a finished worker is deleted, so none is kept here), commands."""
    grid: ImageGrid
    caption: QLabel
    launched: bool = False
    started: Started | None = None
    last: Metrics | None = None
    evals: dict[str, float] = field(default_factory=dict)
    pending: Preview | None = None
    grid_note: str = ""
    finished: Finished | None = None
    failure: str | None = None
    note: str | None = None
    """Why it ended without Finished or a failure (stopped before it began, interrupted)."""
    ended: bool = False
    dirty: bool = True


class TwinWindow(QWidget):
    """Trains A and B at once and shows them overlaid; see the module docstring."""

    both_finished = Signal()  # once, when both runs have ended (completed, stopped, diverged, failed or never begun)
    runs_changed = Signal()  # a run folder was created or finished: the runs browser should refresh

    def __init__(
        self,
        cfg_a: ExperimentConfig,
        cfg_b: ExperimentConfig,
        *,
        dataset: ImageDataset | None,
        runs_root: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("twinWindow")
        # Twins share the seed and the length: that is what makes their curves comparable.
        train_b = dataclasses.replace(
            cfg_b.train, seed=cfg_a.train.seed, epochs=cfg_a.train.epochs, max_steps=cfg_a.train.max_steps
        )
        cfg_b = cfg_b.replace(train=train_b)
        assert cfg_a.train.seed == cfg_b.train.seed
        self.family = cfg_a.model
        self.diffs = differences(cfg_a, cfg_b)
        self.setWindowTitle(
            "Twin runs — "
            + ("; ".join(f"{knob_label(k).lower()}: {va} vs {vb}" for k, va, vb in self.diffs) or "identical twins")
        )
        suffix = f" — {cfg_a.name}" if cfg_a.name else ""
        cfg_a = cfg_a.replace(name=f"twin A · {self._setting('A')}{suffix}")
        cfg_b = cfg_b.replace(name=f"twin B · {self._setting('B')}{suffix}")
        self.dataset = dataset
        self.runs_root = Path(runs_root)
        self._closing = False
        self._stopping = False
        self._announced = False
        self._prewarmed = False

        self.header = QLabel(self._header_text(cfg_a))
        self.header.setObjectName("twinHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self._plot = TwinPlot(self.family)
        self._plot.setMinimumHeight(220)

        # Each training process gets half the cores. Both with all of them would oversubscribe the CPU:
        # two OpenMP teams spinning against each other run each several times slower, and whichever the
        # scheduler favours looks faster. training_threads() is torch's count before the GUI kept one for itself.
        threads = max(1, training_threads() // 2)
        self._twins: list[_Twin] = []
        previews = QHBoxLayout()
        previews.setSpacing(12)
        for name, cfg in (("A", cfg_a), ("B", cfg_b)):
            # One run controller per twin, as the main window has one: the same worker, events and commands.
            runs = RunController(self)
            runs.prepare(cfg, dataset=dataset, runs_root=self.runs_root, threads=threads)
            runs.started.connect(self._on_started)
            runs.metrics.connect(self._on_metrics)
            runs.preview.connect(self._on_preview)
            runs.finished.connect(self._on_finished)
            runs.failed.connect(self._on_failed)
            runs.ended.connect(self._on_thread_done)
            grid = ImageGrid(f"{name}'s view of the fixed preview batch appears here.")
            grid.setObjectName(f"twinPreview{name}")
            caption = QLabel()
            caption.setObjectName(f"twinCaption{name}")
            caption.setWordWrap(True)
            caption.setTextFormat(Qt.TextFormat.RichText)
            # Wraps inside its half instead of widening the window when a figure is added.
            caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            caption.setMinimumWidth(40)
            column = QVBoxLayout()
            column.setSpacing(4)
            column.addWidget(caption)
            column.addWidget(grid, 1)
            previews.addLayout(column, 1)
            self._twins.append(_Twin(name, cfg, runs, grid, caption))

        preview_box = QWidget()
        preview_box.setLayout(previews)
        previews.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("twinSplitter")
        self.splitter.addWidget(self._plot)
        self.splitter.addWidget(preview_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        self.status = QLabel("Not started yet.")
        self.status.setObjectName("twinStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setMinimumWidth(40)
        self.stop_button = QPushButton("Stop both")
        self.stop_button.setObjectName("twinStopButton")
        self.stop_button.setToolTip("Stop A and B after their current batch; both are saved")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setObjectName("twinCloseButton")
        self.close_button.setToolTip(self.tr("Close this window (Esc); runs still training are stopped and saved"))
        self.close_button.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignTop)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

        lay = QVBoxLayout(self)
        lay.addWidget(self.header)
        lay.addWidget(self.splitter, 1)
        lay.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        for twin in self._twins:
            self._update_caption(twin)
        self.resize(1100, 760)

    # --- text -------------------------------------------------------------------------------------------------------
    def _setting(self, which: str) -> str:
        i = 1 if which == "A" else 2
        return ", ".join(f"{knob_short(d[0])} {d[i]}" for d in self.diffs) or "same setup"

    def _header_text(self, cfg: ExperimentConfig) -> str:
        if self.diffs:
            changed = "; ".join(
                f"{knob_label(k).lower()} is <b>{va}</b> for A and <b>{vb}</b> for B" for k, va, vb in self.diffs
            )
            lead = f"Only one thing differs: {changed}." if len(self.diffs) == 1 else f"What differs: {changed}."
        else:
            lead = "A and B are the same setup: their curves should lie on top of each other."
        epochs = cfg.train.epochs
        return (
            f"{lead} Both train the {gui_families.title(cfg.model)} on {cfg.data.name} for {epochs} "
            f"epoch{'s' if epochs != 1 else ''} with seed {cfg.train.seed}, and see the training images in the "
            f"same shuffled order."
        )

    # --- for tests and callers --------------------------------------------------------------------------------------
    @property
    def plot(self) -> TwinPlot:
        return self._plot

    @property
    def preview_a(self) -> ImageGrid:
        return self._twins[0].grid

    @property
    def preview_b(self) -> ImageGrid:
        return self._twins[1].grid

    @property
    def workers(self) -> tuple[Worker | None, Worker | None]:
        """A's and B's workers while their threads live (None once one has ended)."""
        return self._twins[0].runs.worker, self._twins[1].runs.worker

    @property
    def configs(self) -> tuple[ExperimentConfig, ExperimentConfig]:
        return self._twins[0].cfg, self._twins[1].cfg

    @property
    def results(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """Each run's final summary (as in its summary.json); None until it ends, or when it failed."""
        a, b = (t.finished.summary if t.finished is not None else None for t in self._twins)
        return a, b

    @property
    def finished_events(self) -> tuple[Finished | None, Finished | None]:
        return self._twins[0].finished, self._twins[1].finished

    @property
    def running(self) -> bool:
        return any(t.launched and not t.ended for t in self._twins)

    # --- commands ---------------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start A now and B as soon as A has made its run folder.

        Not both at once: a new run's folder is named by the second it starts, and two runs that build at the
        same moment would pick the same name. A's folder exists once it reports Started, so B then picks another.
        """
        a = self._twins[0]
        if a.launched or self._closing:
            return
        self._launch(a)  # its controller prewarms A's process (a spare may already be up); B's is spawned while A loads
        self.stop_button.setEnabled(True)
        self._timer.start()
        self.refresh(force=True)

    def stop(self) -> None:
        """Stop both after their current batch; each saves and reports ``stopped``. B never begins if A hadn't."""
        if self._stopping:
            return
        self._stopping = True
        self.stop_button.setEnabled(False)
        for twin in self._twins:
            if twin.launched and not twin.ended:
                twin.runs.stop()
            elif not twin.launched and not twin.ended:
                twin.note = "not started: stopped before it began"
                twin.ended = True
        self.status.setText("Stopping both after their current batch…")
        self._check_both_ended()

    def _launch(self, twin: _Twin) -> None:
        twin.launched = True
        twin.dirty = True
        twin.runs.launch()

    def _twin_of(self, sender: object) -> _Twin | None:
        return next((t for t in self._twins if t.runs is sender), None)

    # --- worker events (GUI thread, queued) -------------------------------------------------------------------------
    def _on_started(self, e: Started) -> None:
        twin = self._twin_of(self.sender())
        if twin is None:
            return
        twin.started = e
        twin.dirty = True
        self.runs_changed.emit()
        if twin.name == "A":
            self._launch_b()

    def _launch_b(self) -> None:
        b = self._twins[1]
        if not b.launched and not b.ended and not self._stopping and not self._closing:
            self._launch(b)

    def _on_metrics(self, m: Metrics) -> None:
        twin = self._twin_of(self.sender())
        if twin is None:
            return
        twin.last = m
        if m.epoch_end:
            twin.evals.update(m.values)
        self._plot.add_metrics(twin.name, m)
        twin.dirty = True

    def _on_preview(self, p: Preview) -> None:
        twin = self._twin_of(self.sender())
        if twin is not None:
            twin.pending = p

    def _on_finished(self, f: Finished) -> None:
        twin = self._twin_of(self.sender())
        if twin is None or twin.ended:
            return
        twin.finished = f
        twin.evals.update({k: v for k, v in f.summary.items() if isinstance(v, int | float)})
        if f.run_dir is not None:
            rows = read_metrics(Path(f.run_dir) / "metrics.csv")
            if rows:
                self._plot.replace_twin(twin.name, [metrics_from_row(r) for r in rows])
        self._end(twin)

    def _on_failed(self, message: str, details: str) -> None:
        twin = self._twin_of(self.sender())
        if twin is None or twin.ended:
            return
        twin.failure = message
        if details:
            twin.caption.setToolTip(details)  # a bug's traceback stays out of sight, but at hand for a report
        self._end(twin)
        if twin.name == "A":
            self._launch_b()  # B is its own run: A's mistake or crash need not cost it

    def _on_thread_done(self, _worker: object = None) -> None:
        twin = self._twin_of(self.sender())
        if twin is not None and not twin.ended:  # ended without a word (aborted)
            twin.note = "interrupted"
            self._end(twin)
            if twin.name == "A":
                self._launch_b()

    def _end(self, twin: _Twin) -> None:
        twin.ended = True
        twin.dirty = True
        if twin.started is not None:
            self.runs_changed.emit()
        self._check_both_ended()

    def _check_both_ended(self) -> None:
        if self._announced or not all(t.ended for t in self._twins):
            return
        self._announced = True
        self._timer.stop()
        self.stop_button.setEnabled(False)
        self.refresh(force=True)
        self.both_finished.emit()

    # --- painting (coalesced) ---------------------------------------------------------------------------------------
    def refresh(self, *, force: bool = False) -> None:
        """Paint what arrived since the last tick: curves, previews, captions, status."""
        a = self._twins[0]
        worker = a.runs.worker
        if not self._prewarmed and isinstance(worker, ProcessWorker) and worker.pid is not None:
            self._prewarmed = True
            prewarm_engine()  # A took the spare process: start B's while A is still loading
        self._plot.refresh()
        for twin in self._twins:
            if twin.pending is not None:
                self._show_preview(twin, twin.pending)
                twin.pending = None
            if twin.dirty or force:
                twin.dirty = False
                self._update_caption(twin)
        self.status.setText(self._status_text())

    def _show_preview(self, twin: _Twin, p: Preview) -> None:
        twin.grid_note = fill_grid(twin.grid, p).removeprefix(" — ")
        twin.dirty = True

    def _update_caption(self, twin: _Twin) -> None:
        headline = _headline(self.family)
        key, title = headline.key, _t(headline.title)
        parts = [f"<b>{twin.name}</b> · {self._setting(twin.name)}"]
        figure = twin.evals.get(key)
        if figure is not None and math.isfinite(figure):
            parts.append(f"{title} <b>{format_figure(self.family, figure)}</b>")
        elif twin.last is not None:
            loss_key = self._plot.keys[0]
            loss = twin.last.values.get(loss_key)
            if loss is not None:
                parts.append(f"{series_style(loss_key).title} {loss:.4g} at step {twin.last.step:,}")
        if twin.grid_note:
            parts.append(twin.grid_note)
        if twin.finished is not None and twin.finished.status != "completed":
            parts.append(twin.finished.status)
        elif twin.failure:
            parts.append(f"<span style='color:{ERROR_COLOR.name()}'>failed</span>")
        twin.caption.setText(" — ".join(parts[:2]) + "".join(f" · {p}" for p in parts[2:]))

    def _twin_status(self, twin: _Twin) -> str:
        if twin.finished is not None:
            return f"<b>{twin.name}</b> {twin.finished.status}: {twin.finished.message}"
        if twin.failure is not None:
            return f"<b>{twin.name}</b> <span style='color:{ERROR_COLOR.name()}'>failed</span>: {twin.failure}"
        if twin.note is not None:
            return f"<b>{twin.name}</b> {twin.note}."
        if not twin.launched:
            return f"<b>{twin.name}</b> starts once A has created its run folder…"
        s, m = twin.started, twin.last
        if s is None:
            return f"<b>{twin.name}</b> preparing the data and the model…"
        if m is None:
            return f"<b>{twin.name}</b> started: {s.steps_per_epoch} steps per epoch."
        epochs = s.config.train.epochs
        return (
            f"<b>{twin.name}</b> epoch {min(m.epoch + 1, epochs)} / {epochs} · step {m.step:,} / {s.total_steps:,}"
            f" · {m.samples_per_s:,.0f} samples/s"
        )

    def _status_text(self) -> str:
        lines = [self._twin_status(t) for t in self._twins]
        if self._announced:
            a, b = self.results
            lines.insert(0, f"<b>{verdict(self.family, a, b)}</b>")
        elif self._stopping:
            lines.insert(0, "Stopping both after their current batch…")
        return "<br>".join(lines)

    # --- closing ------------------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # as in a dialog: Escape closes
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop both within one batch and join them; the core saves what each has trained."""
        self._closing = True
        self._timer.stop()
        busy = [t for t in self._twins if t.launched and not t.ended]
        for twin in busy:
            twin.runs.abort()
        for twin in self._twins:
            twin.runs.shutdown()  # waits for each worker whose thread still lives (ended ones are deleted)
        for twin in self._twins:
            if not twin.ended:
                twin.note = "interrupted: the window closed" if twin.launched else "not started: the window closed"
                twin.ended = True
        if busy:
            self.runs_changed.emit()
        self._check_both_ended()
        super().closeEvent(event)


__all__ = [
    "KNOBS",
    "TwinDialog",
    "TwinPlot",
    "TwinWindow",
    "config_b",
    "differences",
    "knob_value",
    "set_knob",
    "twin_knobs",
    "verdict",
]
