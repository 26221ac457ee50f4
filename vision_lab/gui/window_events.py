"""The main window's side of a run: the worker's events (started, metrics, preview, paused, finished, failed) and the
coalesced painting of what they brought (the plot a few times a second, progress, status and preview on a timer).

A part of :class:`~vision_lab.gui.main_window.MainWindow` (a mixin: ``__init__`` connects its RunController's
signals to the ``_on_*`` handlers here); apart so that what a run shows while it trains reads in one place.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QMessageBox

from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.gui import families as gui_families
from vision_lab.gui.results import metrics_from_row
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import fill_grid

if TYPE_CHECKING:
    import numpy as np
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel, QProgressBar, QSlider

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.lineage import Launch
    from vision_lab.gui.panels.data import DataPanel
    from vision_lab.gui.panels.inspect import InspectPanel
    from vision_lab.gui.panels.runs import RunsPanel
    from vision_lab.gui.run_actions import RunActions
    from vision_lab.gui.run_controller import RunController
    from vision_lab.gui.widgets.image_grid import ImageGrid
    from vision_lab.gui.widgets.loss_plot import LossPlot

# The plot is the costly paint (pyqtgraph axes, grid and curves, ~10 ms a frame on a 2-core laptop CPU):
# 4 frames a second keep the curves live and cost the training process about half of what 25 did.
PLOT_REFRESH_S = 0.25
# Marked for lupdate (context "RunEvents"), translated where shown.
PREVIEW_TITLES = {
    "predictions": QT_TRANSLATE_NOOP(
        "RunEvents",
        "Predictions on fixed validation images <span style='color:{err}'>(red: wrong — true label in brackets)</span>",
    ),
    "reconstructions": QT_TRANSLATE_NOOP(
        "RunEvents", "Reconstructions of fixed validation images: each input above its output"
    ),
    # No validation split (a share of 0, a tiny folder): the fixed batch is made of training images, and says so.
    "predictions-train": QT_TRANSLATE_NOOP(
        "RunEvents",
        "Predictions on fixed training images (no validation images) "
        "<span style='color:{err}'>(red: wrong — true label in brackets)</span>",
    ),
    "reconstructions-train": QT_TRANSLATE_NOOP(
        "RunEvents", "Reconstructions of fixed training images (no validation images): input above output"
    ),
    "samples": QT_TRANSLATE_NOOP(
        "RunEvents", "Generated from a fixed batch of noise vectors <i>z</i>: the same <i>z</i> every time"
    ),
    "segmentation": QT_TRANSLATE_NOOP(
        "RunEvents", "Fixed validation scenes: each scene over its predicted mask and its true mask"
    ),
    "segmentation-train": QT_TRANSLATE_NOOP(
        "RunEvents", "Fixed training scenes (no validation images): each scene over its predicted and true mask"
    ),
    "detections": QT_TRANSLATE_NOOP(
        "RunEvents",
        "Fixed validation scenes: predicted boxes in their class's colour with their score, true boxes dashed "
        "<span style='color:{err}'>(red: a box missed)</span>",
    ),
    "detections-train": QT_TRANSLATE_NOOP(
        "RunEvents",
        "Fixed training scenes (no validation images): predicted boxes coloured, true boxes dashed "
        "<span style='color:{err}'>(red: a box missed)</span>",
    ),
}


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunEvents:
    """Shows the run as it trains (a mixin of MainWindow, which owns the run's state and the widgets it paints)."""

    runs: RunController
    run_actions: RunActions
    run_started: Any  # MainWindow's Signal(object)
    run_ended: Any  # MainWindow's Signal(object)
    run_failed: Any  # MainWindow's Signal(str)
    data_panel: DataPanel
    inspect_panel: InspectPanel
    runs_panel: RunsPanel
    loss_plot: LossPlot
    preview: ImageGrid
    preview_title: QLabel
    progress: QProgressBar
    device_label: QLabel
    status_label: QLabel
    rewind_slider: QSlider
    _refresh_timer: QTimer
    history: list[Preview]
    history_confusion: list[np.ndarray | None]
    _confusion: np.ndarray | None
    _launch: Launch | None
    _started: Started | None
    _last_metrics: Metrics | None
    _pending_preview: Preview | None
    _paused: bool
    _metrics_dirty: bool
    _plot_dirty: bool
    _last_plot_refresh: float
    opened_run: Path | None
    panel_baseline: ExperimentConfig | None

    # --- worker events (GUI thread, queued) ------------------------------------------------------------------
    def _on_started(self, e: Started) -> None:
        self._started = e
        self.inspect_panel.start_run(e, self.data_panel.dataset)
        self.history, self.history_confusion, self._confusion = [], [], None
        self.rewind_slider.setRange(0, 0)
        self._update_rewind_label()
        self._show_warnings([])
        self.progress.setRange(0, max(1, e.total_steps))
        self.progress.setValue(e.start_step)
        precision = e.config.train.precision
        device = (
            self.tr("device: {device} ({precision})").format(device=e.device, precision=precision)
            if precision != "fp32"
            else self.tr("device: {device}").format(device=e.device)
        )
        self.device_label.setText(device)
        total = sum(e.parameters.values())
        if e.run_dir is not None:
            self.opened_run = e.run_dir
            self.panel_baseline = self.current_config()
            self._plot_lineage(e.run_dir)
        self.runs_panel.live_path, self.runs_panel.live_status, self.runs_panel.live_lr = e.run_dir, "running", None
        self.runs_panel.refresh()
        self.status_label.setText(
            self.tr(
                "Training {family} on {dataset}: {images} images, {steps} steps per epoch, {parameters} parameters"
            ).format(
                family=gui_families.title(e.config.model),
                dataset=e.dataset.name,
                images=f"{e.dataset.train_size:,}",
                steps=e.steps_per_epoch,
                parameters=f"{total:,}",
            )
        )
        if self._paused:
            self.status_label.setText(self.tr("Paused before the first step: press Step or Resume."))
        self.run_started.emit(e)

    def _plot_lineage(self, run_dir: Path) -> None:
        """A resumed run's earlier rows, or a fork's parent up to the fork, so its curves go on without a gap."""
        from vision_lab.core.runs import METRICS, open_run, read_metrics

        launch = self._launch
        if launch is None or launch.kind == "new":
            return
        if launch.kind == "resume":
            rows = read_metrics(run_dir / METRICS)  # already cut back to what the checkpoint accounts for
        else:
            parent = open_run(run_dir).parent or {}
            step = float(parent.get("step") or 0)
            rows = [r for r in read_metrics(Path(str(parent.get("run", ""))) / METRICS) if (r.get("step") or 0) <= step]
            if rows:
                self.loss_plot.mark(float(rows[-1].get("epoch") or 0.0), "fork")
        for row in rows:
            self.loss_plot.add_metrics(metrics_from_row(row))
        self._plot_dirty = True

    def _on_metrics(self, m: Metrics) -> None:
        self.loss_plot.add_metrics(m)
        self.inspect_panel.on_metrics(m)
        if m.confusion is not None:
            self._confusion = m.confusion
        self._last_metrics = m
        self._metrics_dirty = True
        self._plot_dirty = True

    def _on_preview(self, p: Preview) -> None:
        self.inspect_panel.on_preview(p)
        rewinding = self.rewinding
        self._record(p)
        if not rewinding:
            self._pending_preview = p

    def _on_paused(self, paused: bool) -> None:
        self._paused = paused
        self.refresh(force=True)  # a Step shows its effect at once
        self._update_controls()
        self.runs_panel.set_live_status("paused" if paused else "running")
        if paused and self._last_metrics is not None:
            self.status_label.setText(
                self.tr("Paused at step {step:,}.").format(step=self._last_metrics.step)
                + "  ·  "
                + self._status_text(self._last_metrics)
            )

    def _on_finished(self, f: Finished) -> None:
        self.refresh(force=True)
        self.inspect_panel.on_final(f.summary)
        self._run_ended_in_browser(f)
        # Where the run stopped, not a full bar: a run stopped at 40% says 40%.
        self.progress.setRange(0, max(1, self.progress.maximum()))
        self.progress.setValue(min(f.step, self.progress.maximum()))
        self._idle()
        text = f.message
        if f.warnings:
            text += " " + " ".join(f.warnings)
        self.status_label.setText(text)
        if f.status == "diverged":
            self._show_warnings([*self.inspect_panel.warnings, f.message])
        if f.status == "unsaved":  # the folder could not be written: the dialog offers to save the model elsewhere
            self.run_actions.keep_unsaved(f, self._started)
        elif f.status == "diverged" or f.warnings:
            self.show_dialog(
                QMessageBox.Icon.Warning, self.tr("Training stopped") if f.status == "diverged" else "Vision Lab", text
            )
        self.run_ended.emit(f)

    def _on_failed(self, message: str, details: str) -> None:
        self.runs_panel.live_path = None
        path = self.runs.run_dir
        if path is not None:
            self.runs_panel.set_status(path, "failed")
        self.runs_panel.refresh()
        self._idle()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.preview.clear(self.tr("Nothing to show: the run did not start."))
        self.status_label.setText(message)
        self.show_dialog(
            QMessageBox.Icon.Critical if details else QMessageBox.Icon.Warning, "Vision Lab", message, details
        )
        self.run_failed.emit(message)

    def _idle(self) -> None:
        """Let go of the run (it may still be finishing its last save) and return to idle."""
        self.runs.forget()
        self._paused = False
        self._refresh_timer.stop()
        self.revalidate()
        if self.runs_panel.live_path is not None:  # reset or aborted: no Finished will say it ended
            self.runs_panel.live_path = None
            self.runs_panel.refresh()

    # --- painting (coalesced) --------------------------------------------------------------------------------
    def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self._plot_dirty and (force or now - self._last_plot_refresh >= PLOT_REFRESH_S):
            self._plot_dirty = False
            self._last_plot_refresh = now
            self.loss_plot.refresh()
        if self._metrics_dirty and self._last_metrics is not None:
            self._metrics_dirty = False
            m = self._last_metrics
            if self.progress.maximum() > 0:
                self.progress.setValue(min(m.step, self.progress.maximum()))
            if not self._paused:
                self.status_label.setText(self._status_text(m))
        if self._pending_preview is not None:
            self.show_preview(self._pending_preview)
            self._pending_preview = None

    def _status_text(self, m: Metrics) -> str:
        s = self._started
        epochs = s.config.train.epochs if s else "?"
        total = s.total_steps if s else "?"
        epoch = min(m.epoch + 1, epochs) if isinstance(epochs, int) else m.epoch + 1
        parts = [
            self.tr("Epoch {epoch} / {epochs}").format(epoch=epoch, epochs=epochs),
            self.tr("step {step} / {total}").format(step=f"{m.step:,}", total=f"{total:,}")
            if isinstance(total, int)
            else self.tr("step {step}").format(step=m.step),
            self.tr("{rate} samples/s").format(rate=f"{m.samples_per_s:,.0f}"),
            self.tr("lr {lr}").format(lr=f"{m.lr:.3g}"),
        ]
        if not self._paused:  # while paused there is no time of arrival (it grew with every second of the pause)
            parts.insert(3, self.tr("ETA {time}").format(time=format_duration(m.eta_s)))
        if s is not None:
            parts.append(s.device)
        return "  ·  ".join(parts)

    def show_preview(self, p: Preview) -> None:
        kind = f"{p.kind}-train" if p.from_training else p.kind
        title = self.tr(PREVIEW_TITLES[kind]) if kind in PREVIEW_TITLES else p.kind
        title = title.format(err=ERROR_COLOR.name()) + fill_grid(self.preview, p)
        step = self.tr("step {step}").format(step=f"{p.step:,}")
        self.preview_title.setText(f"{title} <span style='font-weight:normal'>· {step}</span>")
