"""The main window: panels on the left, the live plot and preview in the centre, the inspection views on
the right, runs at the bottom.

Wiring only: panels turn widgets into an ExperimentConfig, the worker runs the core's generator, and a
coalescing timer paints what arrived (never more than ~25 times a second, whatever the event rate).

:class:`MainWindow` holds the window's state, its commands (Start, Pause, Stop, Step, Reset), its settings and
closing; its other parts are mixins, one concern each: the widgets (:mod:`window_layout`), the panels' config and
lessons (:mod:`window_config`), stage mode (:mod:`window_stage`), rewind and GIF export (:mod:`window_rewind`), a
run's events and painting (:mod:`window_events`) and saved runs (:mod:`window_runs`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QShowEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Metrics, Preview, Started
from vision_lab.core.lineage import Launch
from vision_lab.core.paths import runs_dir
from vision_lab.gui import families as gui_families
from vision_lab.gui.panels.data import DataPanel
from vision_lab.gui.panels.model import ModelPanel
from vision_lab.gui.panels.training import TrainingPanel
from vision_lab.gui.run_controller import RunController, Worker
from vision_lab.gui.window_config import WindowConfig
from vision_lab.gui.window_events import RunEvents
from vision_lab.gui.window_layout import WindowLayout
from vision_lab.gui.window_rewind import Rewind
from vision_lab.gui.window_runs import SavedRuns
from vision_lab.gui.window_runs import final_metric as final_metric  # tests and scripts import it from here
from vision_lab.gui.window_stage import StageMode
from vision_lab.gui.worker import TrainingWorker

REFRESH_MS = 40
SETTINGS_ORG, SETTINGS_APP = "Vision Lab", "vision-lab"


def initial_size(available: QSize) -> QSize:
    """1280x800, or the screen's free area where it is smaller: on a 1280x720 screen the window opened 80 px
    taller than the screen, its status bar and the Runs list's rows below the edge."""
    return QSize(min(1280, available.width()), min(800, available.height()))


def app_settings() -> QSettings:
    """The user's settings: an ini file in the per-user config folder (``QSettings.setPath`` moves it)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, SETTINGS_ORG, SETTINGS_APP)


class MainWindow(WindowLayout, WindowConfig, StageMode, Rewind, RunEvents, SavedRuns, QMainWindow):
    run_started = Signal(object)  # Started, once the window has shown it
    run_ended = Signal(object)  # Finished, once the window is idle again
    run_failed = Signal(str)  # the message shown to the user

    def __init__(self, runs_root: Path | None = None, *, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Vision Lab")
        self.runs_root = runs_root
        self.runs = RunController(self)
        """The run the window trains (one at a time): its worker, events and commands."""
        self.settings_valid = False
        self.settings_problem: str | None = None
        self._paused = False
        self._started: Started | None = None
        self._last_metrics: Metrics | None = None
        self._pending_preview: Preview | None = None
        self._metrics_dirty = False
        self._plot_dirty = False  # the plot repaints at most every PLOT_REFRESH_S while a run trains
        self._last_plot_refresh = 0.0
        # A window on a chosen runs folder (tests, bench) keeps no settings unless it is given some.
        self.settings = settings if settings is not None else (app_settings() if runs_root is None else None)
        self._recent: list[str] = []  # recent runs when there are no settings to keep them in
        self._opened_data: str | None = None  # an opened run's dataset, while it loads
        self.opened_run: Path | None = None
        """The run the window shows: opened, watched, or last trained here (what Resume, Fork and Export act on)."""
        self._launch: Launch | None = None  # how the live run began: new, resumed or forked
        self.panel_baseline: ExperimentConfig | None = None
        """What the panels read when ``opened_run`` was shown: later differences are the user's changes (a fork's)."""
        # Rewind: the previews of this run (weights stripped) and the confusion matrix current at each.
        self.history: list[Preview] = []
        self.history_confusion: list[np.ndarray | None] = []
        self._confusion: np.ndarray | None = None
        self._stage_font: QFont | None = None
        self._stage_geometry: QRect | None = None
        self._stage_docks: QByteArray | None = None
        self._shown_problem: str | None = None
        """The problem the status bar shows, so the text goes once the problem does."""
        self.ask_before_closing = True
        """Closing during a run asks first (tests that close on purpose turn it off)."""
        self.close_question: QMessageBox | None = None
        """The "Close Vision Lab?" question while it shows."""
        self._stage_saved: dict[QWidget, tuple[QFont, QSize | None]] = {}
        self.preset_hidden: tuple[str, ...] = ()
        self.closing = False
        self.last_message: QMessageBox | None = None

        self.data_panel = DataPanel()
        self.model_panel = ModelPanel()
        self.training_panel = TrainingPanel()
        self.training_panel.load(default_config())
        self._build_centre()
        self._build_settings_dock()
        self._build_toolbar()
        self._build_runs_dock()
        self._build_inspect_dock()
        self._build_status_bar()
        from vision_lab.gui.run_actions import RunActions

        self.run_actions = RunActions(self)
        self._build_menus()

        self.data_panel.changed.connect(self.revalidate)
        self.data_panel.dataset_loaded.connect(self._dataset_loaded)
        self.model_panel.changed.connect(self.revalidate)
        self.model_panel.family_picked.connect(self._family_picked)
        self.training_panel.changed.connect(self.revalidate)
        self.training_panel.lr_edited.connect(self._lr_edited)
        self.runs.started.connect(self._on_started)
        self.runs.metrics.connect(self._on_metrics)
        self.runs.preview.connect(self._on_preview)
        self.runs.finished.connect(self._on_finished)
        self.runs.failed.connect(self._on_failed)
        self.runs.paused_changed.connect(self._on_paused)
        self.runs.ended.connect(lambda _worker: self._idle())

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.resize(initial_size(self.screen().availableGeometry().size()))
        self.revalidate()
        self.restore_settings()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._fit_settings_dock)  # the display's real font metrics are known now

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.ApplicationFontChange, QEvent.Type.FontChange) and hasattr(self, "tabs"):
            QTimer.singleShot(0, self._fit_settings_dock)  # once the panels' layouts have taken the new font

    # --- commands ----------------------------------------------------------------------------------------------
    def start_or_pause(self) -> None:
        if self.worker is None:
            self.start()
        else:
            self.toggle_pause()

    def start(self, *, paused: bool = False, launch: Launch | None = None) -> bool:
        """Train the panels' settings; ``launch`` resumes or forks a saved run instead (Run menu)."""
        if self.worker is not None or not self.settings_valid:
            return False
        self.run_actions.stop_watching()
        cfg = launch.config if launch is not None else self.current_config()
        self.runs.prepare(
            cfg,
            dataset=self.data_panel.dataset,
            runs_root=self.runs_root if self.runs_root is not None else runs_dir(),
            launch=launch,
            paused=paused,
        )
        self._launch = launch
        self._paused = paused
        self._started = None
        self._last_metrics = None
        self._pending_preview = None
        self.loss_plot.reset(cfg.model, cfg.train.epochs)
        self.preview.clear(self.tr("Preparing the data and the model…"))
        self.preview_title.setText("")
        self.progress.setRange(0, 0)  # busy until Started says how many steps
        sentence = {
            "resume": self.tr("Resuming: {family} on {dataset}…"),
            "fork": self.tr("Forking: {family} on {dataset}…"),
        }.get(launch.kind if launch else "", self.tr("Starting: {family} on {dataset}…"))
        self.status_label.setText(sentence.format(family=gui_families.title(cfg.model), dataset=cfg.data.name))
        self._update_controls()
        self.runs.launch()
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
            self.status_label.setText(self.tr("Pausing after this batch…"))
        self._update_controls()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.status_label.setText(self.tr("Stopping after this batch…"))
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
            path = self.runs.run_dir
            if path is not None:
                self.runs_panel.set_status(path, "discarded")
            self.runs.abort()  # the core still saves what was trained; no more events reach us
            self._idle()
        self._started = None
        self._paused = False
        self.clear_run_views(self.tr("Reset: press Start to train from fresh weights."))
        self.revalidate()
        self.status_label.setText(self.tr("Reset: the next Start begins from freshly initialised weights."))

    def clear_run_views(self, placeholder: str) -> None:
        """Forget the run on screen in every view: curves, preview and its history, progress, the health banner and
        the Inspect views. Called wherever another run (or none) takes the screen: Reset, a lesson, Open, Watch."""
        self._last_metrics = None
        self._pending_preview = None
        self._confusion = None
        self.loss_plot.reset(self.model_panel.family, self.training_panel.epochs.value())
        self.preview.clear(placeholder)
        self.preview_title.setText("")
        self.history, self.history_confusion = [], []
        self.rewind_slider.blockSignals(True)
        self.rewind_slider.setMaximum(0)
        self.rewind_slider.setValue(0)
        self.rewind_slider.blockSignals(False)
        self._update_rewind_label()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._show_warnings([])
        self.inspect_panel.clear_run()

    def _lr_edited(self, lr: float) -> None:
        if self.worker is not None:
            try:
                self.worker.set_lr(lr)
            except ConfigError as err:
                self.training_panel.lr_field.set_error(str(err))
                return
            self.training_panel.lr_field.set_error(None)
            self.statusBar().showMessage(self.tr("Learning rate set to {lr:g} from the next step.").format(lr=lr), 4000)
            self.runs_panel.live_lr = lr
            self.runs_panel.refresh()

    @property
    def worker(self) -> Worker | None:
        """The current run's worker (None when idle)."""
        return self.runs.worker

    def show_dialog(self, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> None:
        """Window-modal but non-blocking: the event loop (and any test) keeps running."""
        if self.closing:
            return
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        if details:
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box

    # --- settings --------------------------------------------------------------------------------------------
    def restore_settings(self) -> None:
        """Window geometry and docks, the last dataset and model family (nothing when there are no settings)."""
        st = self.settings
        if st is None:
            return
        geometry, state = st.value("geometry"), st.value("windowState")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        family = st.value("family")
        if isinstance(family, str) and family in gui_families.names() and family != self.model_panel.family:
            combo = self.model_panel.combo
            combo.setCurrentIndex(combo.findData(family))  # as a pick: the family's training defaults come along
        dataset = st.value("dataset")
        if isinstance(dataset, str) and dataset and dataset != self.data_panel.current_key:
            index = self.data_panel.combo.findData(dataset)
            if index >= 0:  # only a dataset still in the list; load_initial_data loads it
                self.data_panel.combo.blockSignals(True)
                self.data_panel.combo.setCurrentIndex(index)
                self.data_panel.combo.blockSignals(False)

    def save_settings(self) -> None:
        st = self.settings
        if st is None:
            return
        if not self.stage_action.isChecked():  # stage mode's full screen and hidden runs are for the room only
            st.setValue("geometry", self.saveGeometry())
            st.setValue("windowState", self.saveState())
        st.setValue("family", self.model_panel.family)
        st.setValue("dataset", self.data_panel.current_key)
        st.sync()

    # --- closing -----------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask first while a run trains or is paused (a teacher's stray click must not end the demo); then stop
        the run within one batch, let the core save it, and join the thread before closing."""
        if self.worker is not None and self.ask_before_closing and not self.closing and not self._confirm_close():
            event.ignore()
            return
        self.closing = True
        self._refresh_timer.stop()
        self.run_actions.shutdown()
        self.save_settings()
        if self.worker is not None:
            self.status_label.setText(self.tr("Saving the run…"))
        self.runs.shutdown()  # each run stops within a batch, saves, and is joined
        for child in self.findChildren(TrainingWorker):  # any other window's (a twin's), ProcessWorker included
            child.abort()
            child.wait()
        self.data_panel.shutdown()
        self.inspect_panel.shutdown()
        super().closeEvent(event)

    def _confirm_close(self) -> bool:
        """True when the user chose to stop the run and close; the question is ``close_question`` while it shows."""
        paused = self._paused
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Close Vision Lab?"),
            self.tr("A run is paused. Closing stops it; it is saved and can be resumed later (Run ▸ Resume).")
            if paused
            else self.tr("A run is training. Closing stops it; it is saved and can be resumed later (Run ▸ Resume)."),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setObjectName("closeQuestion")
        stop = box.addButton(self.tr("Stop and close"), QMessageBox.ButtonRole.AcceptRole)
        stop.setObjectName("stopAndCloseButton")
        keep = box.addButton(
            self.tr("Keep training") if not paused else self.tr("Keep it open"), QMessageBox.ButtonRole.RejectRole
        )
        keep.setObjectName("keepOpenButton")
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.close_question = box
        try:
            box.exec()
        finally:
            self.close_question = None
        return box.clickedButton() is stop
