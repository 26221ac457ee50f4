"""Twin runs: the current setup (A) and a copy with one knob changed (B), trained side by side.

Both runs use the same seed, so they start from the same weights (when the knob leaves the architecture alone)
and see the training images in the same shuffled order: any gap between the curves comes from the knob.
:class:`TwinDialog` picks the knob and B's value; :class:`TwinWindow` trains both and overlays them.

This module holds the window. The dialog (:mod:`twin_dialog`), the plot (:mod:`twin_plot`) and the knob and verdict
functions (:mod:`twin_knobs`) live in modules of their own; their public names are importable from here too.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from vision_lab.core import i18n as core_i18n
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.data import ImageDataset
from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.core.runs import read_metrics
from vision_lab.gui import families as gui_families
from vision_lab.gui.panels.runs import status_text
from vision_lab.gui.results import metrics_from_row
from vision_lab.gui.run_controller import RunController, Worker
from vision_lab.gui.torch_threads import training_threads
from vision_lab.gui.twin_dialog import TwinDialog
from vision_lab.gui.twin_knobs import (
    KNOBS,
    SAME_AS_A,
    _headline,
    config_b,
    differences,
    format_figure,
    knob_label,
    knob_short,
    knob_value,
    set_knob,
    twin_knobs,
    verdict,
)
from vision_lab.gui.twin_plot import TwinPlot
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid, fill_grid
from vision_lab.gui.widgets.loss_plot import series_style
from vision_lab.gui.worker import ProcessWorker, prewarm_engine

REFRESH_MS = 250  # ~4 Hz, as the main window paints its plot: two runs' events never cost a paint each


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
        versus = self.tr("{setting}: {a} vs {b}")
        what = "; ".join(versus.format(setting=knob_label(k).lower(), a=va, b=vb) for k, va, vb in self.diffs)
        self.setWindowTitle(self.tr("Twin runs — {what}").format(what=what or self.tr("identical twins")))
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
            grid = ImageGrid(self.tr("{twin}'s view of the fixed preview batch appears here.").format(twin=name))
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

        self.status = QLabel(self.tr("Not started yet."))
        self.status.setObjectName("twinStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setMinimumWidth(40)
        self.stop_button = QPushButton(self.tr("Stop both"))
        self.stop_button.setObjectName("twinStopButton")
        self.stop_button.setToolTip(self.tr("Stop A and B after their current batch; both are saved"))
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
            each = self.tr("{setting} is <b>{a}</b> for A and <b>{b}</b> for B")
            changed = "; ".join(each.format(setting=knob_label(k).lower(), a=va, b=vb) for k, va, vb in self.diffs)
            lead = (
                self.tr("Only one thing differs: {changes}.")
                if len(self.diffs) == 1
                else self.tr("What differs: {changes}.")
            ).format(changes=changed)
        else:
            lead = self.tr("A and B are the same setup: their curves should lie on top of each other.")
        epochs = cfg.train.epochs
        both = (
            self.tr(
                "Both train the {family} on {dataset} for 1 epoch with seed {seed}, and see the training images "
                "in the same shuffled order."
            )
            if epochs == 1
            else self.tr(
                "Both train the {family} on {dataset} for {epochs} epochs with seed {seed}, and see the training "
                "images in the same shuffled order."
            )
        )
        both = both.format(
            family=gui_families.title(cfg.model), dataset=cfg.data.name, epochs=epochs, seed=cfg.train.seed
        )
        return self.tr("{lead} {both}").format(lead=lead, both=both)

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
                twin.note = self.tr("not started: stopped before it began")
                twin.ended = True
        self.status.setText(self.tr("Stopping both after their current batch…"))
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
        key, title = headline.key, core_i18n.text(headline.title)
        parts = [f"<b>{twin.name}</b> · {self._setting(twin.name)}"]
        figure = twin.evals.get(key)
        if figure is not None and math.isfinite(figure):
            parts.append(f"{title} <b>{format_figure(self.family, figure)}</b>")
        elif twin.last is not None:
            loss_key = self._plot.keys[0]
            loss = twin.last.values.get(loss_key)
            if loss is not None:
                at = self.tr("{loss} {value} at step {step}")
                parts.append(
                    at.format(loss=series_style(loss_key).title, value=f"{loss:.4g}", step=f"{twin.last.step:,}")
                )
        if twin.grid_note:
            parts.append(twin.grid_note)
        if twin.finished is not None and twin.finished.status != "completed":
            parts.append(status_text(twin.finished.status))
        elif twin.failure:
            parts.append(f"<span style='color:{ERROR_COLOR.name()}'>{status_text('failed')}</span>")
        twin.caption.setText(" — ".join(parts[:2]) + "".join(f" · {p}" for p in parts[2:]))

    def _twin_status(self, twin: _Twin) -> str:
        name = f"<b>{twin.name}</b>"
        if twin.finished is not None:
            return f"{name} {status_text(twin.finished.status)}: {twin.finished.message}"
        if twin.failure is not None:
            return f"{name} <span style='color:{ERROR_COLOR.name()}'>{status_text('failed')}</span>: {twin.failure}"
        if twin.note is not None:
            return f"{name} {twin.note}."
        if not twin.launched:
            return self.tr("{twin} starts once A has created its run folder…").format(twin=name)
        s, m = twin.started, twin.last
        if s is None:
            return self.tr("{twin} preparing the data and the model…").format(twin=name)
        if m is None:
            return self.tr("{twin} started: {steps} steps per epoch.").format(twin=name, steps=s.steps_per_epoch)
        epochs = s.config.train.epochs
        return self.tr("{twin} epoch {epoch} / {epochs} · step {step} / {total} · {rate} samples/s").format(
            twin=name,
            epoch=min(m.epoch + 1, epochs),
            epochs=epochs,
            step=f"{m.step:,}",
            total=f"{s.total_steps:,}",
            rate=f"{m.samples_per_s:,.0f}",
        )

    def _status_text(self) -> str:
        lines = [self._twin_status(t) for t in self._twins]
        if self._announced:
            a, b = self.results
            lines.insert(0, f"<b>{verdict(self.family, a, b)}</b>")
        elif self._stopping:
            lines.insert(0, self.tr("Stopping both after their current batch…"))
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
                twin.note = (
                    self.tr("interrupted: the window closed")
                    if twin.launched
                    else self.tr("not started: the window closed")
                )
                twin.ended = True
        if busy:
            self.runs_changed.emit()
        self._check_both_ended()
        super().closeEvent(event)


__all__ = [
    "KNOBS",
    "SAME_AS_A",
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
