"""The main window: panels on the left, the live plot and preview in the centre, runs at the bottom.

Wiring only: panels turn widgets into an ExperimentConfig, the worker runs the core's generator, and a
coalescing timer paints what arrived (never more than ~25 times a second, whatever the event rate).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.config import FAMILY_TITLES, ExperimentConfig, default_config
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.core.paths import runs_dir
from vision_lab.gui.panels.data import DataPanel
from vision_lab.gui.panels.model import ModelPanel
from vision_lab.gui.panels.training import TrainingPanel, device_available
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid
from vision_lab.gui.widgets.loss_plot import LossPlot
from vision_lab.gui.worker import ProcessWorker, TrainingWorker

REFRESH_MS = 40
# The plot is the costly paint (pyqtgraph axes, grid and curves, ~10 ms a frame on a 2-core laptop CPU):
# 4 frames a second keep the curves live and cost the training process about half of what 25 did.
PLOT_REFRESH_S = 0.25
PREVIEW_TITLES = {
    "predictions": (
        "Predictions on fixed validation images <span style='color:{err}'>(red: wrong — true label in brackets)</span>"
    ),
    "reconstructions": "Reconstructions of fixed validation images: each input above its output",
    "samples": "Generated from a fixed batch of noise vectors <i>z</i>: the same <i>z</i> every time",
}
FINAL_METRIC = (("val_accuracy", "accuracy", True), ("val_mse", "MSE", False), ("judge_confidence", "judge", True))


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def final_metric(summary: dict) -> str:
    for key, title, percent in FINAL_METRIC:
        value = summary.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            return f"{title} {value:.1%}" if percent else f"{title} {value:.4f}"
    return "–"


class MainWindow(QMainWindow):
    run_started = Signal(object)  # Started, once the window has shown it
    run_ended = Signal(object)  # Finished, once the window is idle again
    run_failed = Signal(str)  # the message shown to the user

    def __init__(self, runs_root: Path | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Vision Lab")
        self.runs_root = runs_root
        self.worker: TrainingWorker | ProcessWorker | None = None
        self._valid = False
        self._problem: str | None = None
        self._paused = False
        self._started: Started | None = None
        self._last_metrics: Metrics | None = None
        self._pending_preview: Preview | None = None
        self._metrics_dirty = False
        self._plot_dirty = False  # the plot repaints at most every PLOT_REFRESH_S while a run trains
        self._last_plot_refresh = 0.0
        self._run_items: dict[int, QTreeWidgetItem] = {}
        self._closing = False
        self.last_message: QMessageBox | None = None

        self.data_panel = DataPanel()
        self.model_panel = ModelPanel()
        self.training_panel = TrainingPanel()
        self.training_panel.load(default_config("cnn"))
        self._build_centre()
        self._build_settings_dock()
        self._build_toolbar()
        self._build_runs_dock()
        self._build_status_bar()

        self.data_panel.changed.connect(self.revalidate)
        self.data_panel.dataset_loaded.connect(self._dataset_loaded)
        self.model_panel.changed.connect(self.revalidate)
        self.model_panel.family_picked.connect(self._family_picked)
        self.training_panel.changed.connect(self.revalidate)
        self.training_panel.lr_edited.connect(self._lr_edited)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.resize(1280, 800)
        self.revalidate()

    # --- layout ------------------------------------------------------------------------------------------
    def _build_centre(self) -> None:
        self.loss_plot = LossPlot()
        self.preview_title = QLabel()
        self.preview_title.setObjectName("previewTitle")
        self.preview_title.setTextFormat(Qt.TextFormat.RichText)
        font = self.preview_title.font()
        font.setBold(True)
        self.preview_title.setFont(font)
        self.preview = ImageGrid("Press Start: the model's view of a fixed batch of images appears here.")
        self.preview.setObjectName("previewView")
        preview_box = QWidget()
        lay = QVBoxLayout(preview_box)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.setSpacing(4)
        lay.addWidget(self.preview_title)
        lay.addWidget(self.preview, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("centreSplitter")
        self.splitter.addWidget(self.loss_plot)
        self.splitter.addWidget(preview_box)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        centre = QWidget()
        clay = QVBoxLayout(centre)
        clay.setContentsMargins(8, 8, 8, 4)
        clay.addWidget(self.splitter)
        self.setCentralWidget(centre)

    def _build_settings_dock(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setDocumentMode(True)
        for panel, title in ((self.data_panel, "Data"), (self.model_panel, "Model"), (self.training_panel, "Training")):
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(panel)
            self.tabs.addTab(scroll, title)
        dock = QDockWidget("Experiment", self)
        dock.setObjectName("settingsDock")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        dock.setWidget(self.tabs)
        dock.setMinimumWidth(340)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.settings_dock = dock

    def _button(self, name: str, text: str, icon: QStyle.StandardPixmap, tip: str, slot: object) -> QPushButton:
        b = QPushButton(self.style().standardIcon(icon), text)
        b.setObjectName(name)
        b.setToolTip(tip)
        b.setIconSize(QSize(18, 18))
        b.clicked.connect(slot)
        return b

    def _build_toolbar(self) -> None:
        sp = QStyle.StandardPixmap
        self.start_button = self._button(
            "startButton", "Start", sp.SP_MediaPlay, "Train with these settings (F5)", self.start
        )
        font = self.start_button.font()
        font.setBold(True)
        self.start_button.setFont(font)
        self.pause_button = self._button(
            "pauseButton", "Pause", sp.SP_MediaPause, "Pause or resume (F6)", self.toggle_pause
        )
        self.stop_button = self._button(
            "stopButton", "Stop", sp.SP_MediaStop, "Stop and save the run (Shift+F5)", self.stop
        )
        self.step_button = self._button(
            "stepButton", "Step", sp.SP_MediaSkipForward, "Train exactly one batch and show its effect (F7)", self.step
        )
        self.reset_button = self._button(
            "resetButton",
            "Reset",
            sp.SP_BrowserReload,
            "Discard the paused model: the next Start begins from fresh weights",
            self.reset,
        )
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMinimumWidth(240)
        self.progress.setFormat("%p%")
        bar = QToolBar("Training")
        bar.setObjectName("trainingToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(18, 18))
        for b in (self.start_button, self.pause_button, self.stop_button, self.step_button, self.reset_button):
            bar.addWidget(b)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(self.progress)
        bar.setStyleSheet("QToolBar { spacing: 6px; padding: 4px; }")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        for key, slot in (("F5", self.start), ("F6", self.toggle_pause), ("Shift+F5", self.stop), ("F7", self.step)):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _build_runs_dock(self) -> None:
        self.runs_list = QTreeWidget()
        self.runs_list.setObjectName("runsList")
        self.runs_list.setHeaderLabels(["Run", "Model", "Data", "Status", "Result"])
        self.runs_list.setRootIsDecorated(False)
        self.runs_list.setAlternatingRowColors(True)
        self.runs_list.setToolTip("This session's runs; double-click one to open its folder")
        self.runs_list.itemDoubleClicked.connect(self._open_run_folder)
        header = self.runs_list.header()
        header.setStretchLastSection(True)
        for i, w in enumerate((90, 130, 110, 90)):
            header.resizeSection(i, w)
        dock = QDockWidget("Runs", self)
        dock.setObjectName("runsDock")
        dock.setWidget(self.runs_list)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [100], Qt.Orientation.Vertical)
        self.runs_dock = dock

    def _build_status_bar(self) -> None:
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        # Ignored width: a new status text never re-lays out (and repaints) the whole window.
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addWidget(self.status_label, 1)
        self.device_label = QLabel()
        self.device_label.setObjectName("deviceLabel")
        self.statusBar().addPermanentWidget(self.device_label)

    def load_initial_data(self) -> None:
        """Load the default dataset (mnist-5k) in the background."""
        self.data_panel.load(self.data_panel.current_key)

    # --- config and validation -----------------------------------------------------------------------------
    def current_config(self) -> ExperimentConfig:
        cfg = default_config(self.model_panel.family)
        cfg = self.data_panel.apply(cfg)
        cfg = self.model_panel.apply(cfg)
        return self.training_panel.apply(cfg)

    def revalidate(self) -> None:
        """Per-field checks, then ``cfg.validate()``; the message goes next to the panel it is about."""
        model_problem = data_problem = training_problem = None
        if not self.model_panel.check():
            model_problem = "Some model settings above are not valid."
        else:
            try:
                self.current_config().validate()
            except ConfigError as err:
                message = str(err)
                if message.startswith(("optim.", "train.")):
                    training_problem = message
                elif message.startswith("data."):
                    data_problem = message
                else:
                    model_problem = message
        device = self.training_panel.device.currentData()
        if training_problem is None and not device_available(device):
            training_problem = f"Device '{device}' is not available on this computer."
        self.model_panel.set_error(model_problem if model_problem and self.model_panel.check() else None)
        self.training_panel.set_error(training_problem)
        data_state = data_problem or self.data_panel.problem()
        self._problem = model_problem or training_problem or data_state
        self._valid = self._problem is None
        for index, problem in enumerate((data_problem or self.data_panel._problem, model_problem, training_problem)):
            self.tabs.tabBar().setTabTextColor(
                index, ERROR_COLOR if problem else self.tabs.palette().color(self.tabs.foregroundRole())
            )
        self._update_controls()

    def _update_controls(self) -> None:
        running = self.worker is not None
        self.start_button.setEnabled(self._valid and not running)
        self.start_button.setToolTip("Train with these settings (F5)" if self._valid else (self._problem or ""))
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if self._paused else "Pause")
        icon = QStyle.StandardPixmap.SP_MediaPlay if self._paused else QStyle.StandardPixmap.SP_MediaPause
        self.pause_button.setIcon(self.style().standardIcon(icon))
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled((self._paused and running) or (self._valid and not running))
        self.reset_button.setEnabled(self._paused or not running)
        self.model_panel.set_running(running)
        self.data_panel.setEnabled(not running)
        self.training_panel.set_running(running)
        if not running:
            if self._problem:
                self.status_label.setText(self._problem)
            elif self._started is None:
                family = FAMILY_TITLES[self.model_panel.family]
                self.status_label.setText(f"Ready: {family} on {self.data_panel.current_key}. Press Start.")

    def _family_picked(self, family: str) -> None:
        """A new family brings its own training defaults (the GAN trains with Adam 2e-4, β₁ 0.5, batch 64)."""
        seed, device = self.training_panel.seed.value(), self.training_panel.device.currentData()
        self.training_panel.load(default_config(family))
        self.training_panel.seed.setValue(seed)
        self.training_panel.device.setCurrentIndex(max(0, self.training_panel.device.findData(device)))

    def _dataset_loaded(self, ds: ImageDataset) -> None:
        self.model_panel.set_data_shape(ds.image_shape, max(1, ds.num_classes))

    # --- commands ----------------------------------------------------------------------------------------------
    def start(self, *, paused: bool = False) -> bool:
        if self.worker is not None or not self._valid:
            return False
        cfg = self.current_config()
        worker = worker_class()(
            cfg,
            dataset=self.data_panel.dataset,
            runs_root=self.runs_root if self.runs_root is not None else runs_dir(),
            start_paused=paused,
            parent=self,
        )
        worker.run_started.connect(self._on_started)
        worker.metrics.connect(self._on_metrics)
        worker.preview.connect(self._on_preview)
        worker.run_finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.paused_changed.connect(self._on_paused)
        worker.finished.connect(lambda w=worker: self._thread_done(w))
        self.worker = worker
        self._paused = paused
        self._started = None
        self._last_metrics = None
        self._pending_preview = None
        self.loss_plot.reset(cfg.model, cfg.train.epochs)
        self.preview.clear("Preparing the data and the model…")
        self.preview_title.setText("")
        self.progress.setRange(0, 0)  # busy until Started says how many steps
        self.status_label.setText(f"Starting: {FAMILY_TITLES[cfg.model]} on {cfg.data.name}…")
        self._update_controls()
        worker.start()
        self._refresh_timer.start()
        return True

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self._paused:
            self.worker.resume()
            self._paused = False
        else:
            self.worker.pause()
            self._paused = True
            self.status_label.setText("Pausing after this batch…")
        self._update_controls()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.status_label.setText("Stopping after this batch…")
            self.stop_button.setEnabled(False)

    def step(self) -> None:
        """One batch: from idle this starts a paused run first (fresh weights), then steps it."""
        if self.worker is None:
            if not self.start(paused=True):
                return
        elif not self._paused:
            return
        assert self.worker is not None
        self.worker.step()

    def reset(self) -> None:
        """Discard the (paused) model and clear the plot: the next Start begins from fresh weights."""
        if self.worker is not None:
            item = self._run_items.get(id(self.worker))
            if item is not None:
                item.setText(3, "discarded")
            self.worker.abort()  # the core still saves what was trained; no more events reach us
            self._detach(self.worker)
        self._started = None
        self._last_metrics = None
        self._pending_preview = None
        self._paused = False
        self.loss_plot.reset(self.model_panel.family, self.training_panel.epochs.value())
        self.preview.clear("Reset: press Start to train from fresh weights.")
        self.preview_title.setText("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.revalidate()
        self.status_label.setText("Reset: the next Start begins from freshly initialised weights.")

    def _lr_edited(self, lr: float) -> None:
        if self.worker is not None:
            try:
                self.worker.set_lr(lr)
            except ConfigError as err:
                self.training_panel.lr_field.set_error(str(err))
                return
            self.training_panel.lr_field.set_error(None)
            self.statusBar().showMessage(f"Learning rate set to {lr:g} from the next step.", 4000)

    # --- worker events (GUI thread, queued) ------------------------------------------------------------------
    def _is_current(self) -> bool:
        return self.sender() is self.worker and self.worker is not None

    def _on_started(self, e: Started) -> None:
        if not self._is_current():
            return
        self._started = e
        self.progress.setRange(0, max(1, e.total_steps))
        self.progress.setValue(e.start_step)
        self.device_label.setText(f"device: {e.device}")
        total = sum(e.parameters.values())
        item = QTreeWidgetItem(
            [
                time.strftime("%H:%M:%S"),
                FAMILY_TITLES[e.config.model],
                e.dataset.name,
                "running",
                "–",
            ]
        )
        item.setToolTip(0, str(e.run_dir or ""))
        item.setToolTip(1, f"{total:,} parameters")
        self.runs_list.insertTopLevelItem(0, item)
        self._run_items[id(self.worker)] = item
        self.status_label.setText(
            f"Training {FAMILY_TITLES[e.config.model]} on {e.dataset.name}: {e.dataset.train_size:,} images, "
            f"{e.steps_per_epoch} steps per epoch, {total:,} parameters"
        )
        if self._paused:
            self.status_label.setText("Paused before the first step: press Step or Resume.")
        self.run_started.emit(e)

    def _on_metrics(self, m: Metrics) -> None:
        if not self._is_current():
            return
        self.loss_plot.add_metrics(m)
        self._last_metrics = m
        self._metrics_dirty = True
        self._plot_dirty = True

    def _on_preview(self, p: Preview) -> None:
        if self._is_current():
            self._pending_preview = p

    def _on_paused(self, paused: bool) -> None:
        if not self._is_current():
            return
        self._paused = paused
        self.refresh(force=True)  # a Step shows its effect at once
        self._update_controls()
        if paused and self._last_metrics is not None:
            self.status_label.setText(
                f"Paused at step {self._last_metrics.step}. " + self._status_text(self._last_metrics)
            )

    def _on_finished(self, f: Finished) -> None:
        worker = self.sender()
        if worker is not self.worker:
            return
        self.refresh(force=True)
        item = self._run_items.get(id(worker))
        if item is not None:
            item.setText(3, f.status)
            item.setText(4, final_metric(f.summary))
            item.setData(0, Qt.ItemDataRole.UserRole, str(f.run_dir) if f.run_dir else "")
        self.progress.setRange(0, max(1, self.progress.maximum()))
        self.progress.setValue(self.progress.maximum())
        self._detach(worker)  # type: ignore[arg-type]
        text = f.message
        if f.warnings:
            text += " " + " ".join(f.warnings)
        self.status_label.setText(text)
        if f.status == "diverged" or f.warnings:
            self._message(
                QMessageBox.Icon.Warning, "Training stopped" if f.status == "diverged" else "Vision Lab", text
            )
        self.run_ended.emit(f)

    def _on_failed(self, message: str, details: str) -> None:
        worker = self.sender()
        if worker is not self.worker:
            return
        item = self._run_items.get(id(worker))
        if item is not None:
            item.setText(3, "failed")
        self._detach(worker)  # type: ignore[arg-type]
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.preview.clear("Nothing to show: the run did not start.")
        self.status_label.setText(message)
        self._message(
            QMessageBox.Icon.Critical if details else QMessageBox.Icon.Warning, "Vision Lab", message, details
        )
        self.run_failed.emit(message)

    def _detach(self, worker: TrainingWorker | ProcessWorker) -> None:
        """Forget the worker (it may still be finishing its last save) and return to idle."""
        if worker is self.worker:
            self.worker = None
            self._paused = False
            self._refresh_timer.stop()
            self.revalidate()

    def _thread_done(self, worker: TrainingWorker | ProcessWorker) -> None:
        if worker is self.worker:  # ended without Finished or a failure (aborted)
            self._detach(worker)
        worker.deleteLater()

    def _message(self, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> None:
        """Window-modal but non-blocking: the event loop (and any test) keeps running."""
        if self._closing:
            return
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box

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
        parts = [
            f"Epoch {min(m.epoch + 1, epochs) if isinstance(epochs, int) else m.epoch + 1} / {epochs}",
            f"step {m.step:,} / {total:,}" if isinstance(total, int) else f"step {m.step}",
            f"{m.samples_per_s:,.0f} samples/s",
            f"ETA {format_duration(m.eta_s)}",
            f"lr {m.lr:.3g}",
        ]
        if s is not None:
            parts.append(s.device)
        return "  ·  ".join(parts)

    def show_preview(self, p: Preview) -> None:
        title = PREVIEW_TITLES.get(p.kind, p.kind).format(err=ERROR_COLOR.name())
        names = p.class_names
        if p.kind == "predictions" and p.predictions is not None and p.labels is not None:
            wrong = [int(a) != int(b) for a, b in zip(p.predictions, p.labels, strict=True)]
            captions = [
                f"{_name(names, a)} ({_name(names, b)})" if w else _name(names, a)
                for a, b, w in zip(p.predictions, p.labels, wrong, strict=True)
            ]
            right = len(wrong) - sum(wrong)
            self.preview.set_images(p.images, captions, wrong)
            title += f" — {right} of {len(wrong)} right"
        elif p.kind == "reconstructions" and p.outputs is not None:
            self.preview.set_images(p.images, outputs=p.outputs)
        else:
            self.preview.set_images(p.images)
            if p.predictions is not None and len(p.predictions):
                classes = len(set(int(x) for x in p.predictions))
                title += f" — the judge sees {classes} of {len(names) or classes} classes"
        self.preview_title.setText(f"{title} <span style='font-weight:normal'>· step {p.step:,}</span>")

    def _open_run_folder(self, item: QTreeWidgetItem) -> None:
        path = item.data(0, Qt.ItemDataRole.UserRole) or item.toolTip(0)
        if path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # --- closing -----------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the run within one batch, let the core save it, and join the thread before closing."""
        self._closing = True
        self._refresh_timer.stop()
        worker = self.worker
        if worker is not None:
            self.status_label.setText("Saving the run…")
            worker.abort()
            worker.wait()
            self.worker = None
        for cls in (TrainingWorker, ProcessWorker):
            for child in self.findChildren(cls):
                child.abort()
                child.wait()
        self.data_panel.shutdown()
        super().closeEvent(event)


def worker_class() -> type[TrainingWorker] | type[ProcessWorker]:
    """Training runs in a child process (``VISION_LAB_ENGINE=thread`` keeps it in a thread of this one).

    Measured with ``vision-lab bench --gui``: in a thread the GIL makes the GUI and the training take
    turns, which costs small, Python-bound models (MLP, autoencoder) a third of their speed.
    """
    return TrainingWorker if os.environ.get("VISION_LAB_ENGINE") == "thread" else ProcessWorker


def _name(names: tuple[str, ...], index: object) -> str:
    i = int(index)  # type: ignore[call-overload]
    return names[i] if 0 <= i < len(names) else str(i)
