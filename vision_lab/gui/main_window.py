"""The main window: panels on the left, the live plot and preview in the centre, the inspection views on
the right, runs at the bottom.

Wiring only: panels turn widgets into an ExperimentConfig, the worker runs the core's generator, and a
coalescing timer paints what arrived (never more than ~25 times a second, whatever the event rate).
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QByteArray, QEvent, QRect, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QImage, QKeySequence, QPainter, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.atomic import atomic_write_text
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError, VisionLabError
from vision_lab.core.events import Finished, Metrics, Preview, Started
from vision_lab.core.lineage import Launch
from vision_lab.core.paths import runs_dir
from vision_lab.gui import families as gui_families
from vision_lab.gui.labels import describe_changes
from vision_lab.gui.panels.data import DataPanel
from vision_lab.gui.panels.inspect import InspectPanel
from vision_lab.gui.panels.model import ModelPanel, fit_check
from vision_lab.gui.panels.runs import COL_STATUS, RunsPanel
from vision_lab.gui.panels.training import TrainingPanel, device_available
from vision_lab.gui.results import final_metric_cell, metrics_from_row
from vision_lab.gui.run_controller import RunController, Worker
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid, fill_grid
from vision_lab.gui.widgets.loss_plot import LossPlot
from vision_lab.gui.worker import TrainingWorker

REFRESH_MS = 40
# The plot is the costly paint (pyqtgraph axes, grid and curves, ~10 ms a frame on a 2-core laptop CPU):
# 4 frames a second keep the curves live and cost the training process about half of what 25 did.
PLOT_REFRESH_S = 0.25
PREVIEW_TITLES = {
    "predictions": (
        "Predictions on fixed validation images <span style='color:{err}'>(red: wrong — true label in brackets)</span>"
    ),
    "reconstructions": "Reconstructions of fixed validation images: each input above its output",
    # No validation split (a share of 0, a tiny folder): the fixed batch is made of training images, and says so.
    "predictions-train": (
        "Predictions on fixed training images (no validation images) "
        "<span style='color:{err}'>(red: wrong — true label in brackets)</span>"
    ),
    "reconstructions-train": "Reconstructions of fixed training images (no validation images): input above output",
    "samples": "Generated from a fixed batch of noise vectors <i>z</i>: the same <i>z</i> every time",
}
HISTORY_KEEP = 400  # previews kept for rewinding; beyond that every other one is dropped (the span stays)
GIF_FRAMES = 120
STAGE_FONT_SCALE = 1.5
STAGE_SIDE_BY_SIDE = 1600
"""Screens narrower than this get the settings and Inspect docks stacked as tabs in stage mode."""
SETTINGS_WIDTH = 370
"""The settings dock's least width; more when its widest panel needs it (_fit_settings_dock). A smaller minimum let
a wide Inspect view (the GAN's sample grid) take width from it and clip the Model tab."""
MAX_RECENT = 8
SETTINGS_ORG, SETTINGS_APP = "Vision Lab", "vision-lab"


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def final_metric(summary: dict) -> str:
    return final_metric_cell(summary)[0]


def initial_size(available: QSize) -> QSize:
    """1280x800, or the screen's free area where it is smaller: on a 1280x720 screen the window opened 80 px
    taller than the screen, its status bar and the Runs list's rows below the edge."""
    return QSize(min(1280, available.width()), min(800, available.height()))


def app_settings() -> QSettings:
    """The user's settings: an ini file in the per-user config folder (``QSettings.setPath`` moves it)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, SETTINGS_ORG, SETTINGS_APP)


class MainWindow(QMainWindow):
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
        self.ask_before_closing = True
        """Closing during a run asks first (tests that close on purpose turn it off)."""
        self.close_question: QMessageBox | None = None
        """The problem the status bar shows, so the text goes once the problem does."""
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

    # --- layout ------------------------------------------------------------------------------------------
    def _build_centre(self) -> None:
        self.loss_plot = LossPlot()
        self.preview_title = QLabel()
        self.preview_title.setObjectName("previewTitle")
        self.preview_title.setTextFormat(Qt.TextFormat.RichText)
        # Wraps rather than widening the window past 1280 px when the title grows during a run.
        self.preview_title.setWordWrap(True)
        self.preview_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.preview_title.setMinimumWidth(40)
        font = self.preview_title.font()
        font.setBold(True)
        self.preview_title.setFont(font)
        self.preview = ImageGrid("Press Start: the model's view of a fixed batch of images appears here.")
        self.preview.setObjectName("previewView")
        self.rewind_slider = QSlider(Qt.Orientation.Horizontal)
        self.rewind_slider.setObjectName("rewindSlider")
        self.rewind_slider.setRange(0, 0)
        self.rewind_slider.setToolTip("Replay this run's previews (and confusion matrix) at any past step")
        self.rewind_slider.valueChanged.connect(self._rewound)
        self.rewind_label = QLabel("History")
        self.rewind_label.setObjectName("rewindLabel")
        self.live_button = QPushButton("Live")
        self.live_button.setObjectName("liveButton")
        self.live_button.setToolTip("Follow the run again")
        self.live_button.clicked.connect(self.follow_live)
        self.gif_button = QPushButton("Export GIF…")
        self.gif_button.setObjectName("exportGifButton")
        self.gif_button.setToolTip("Save the history of previews as an animated GIF")
        self.gif_button.clicked.connect(self.export_gif_dialog)
        rewind = QHBoxLayout()
        rewind.addWidget(self.rewind_label)
        rewind.addWidget(self.rewind_slider, 1)
        rewind.addWidget(self.live_button)
        rewind.addWidget(self.gif_button)
        preview_box = QWidget()
        lay = QVBoxLayout(preview_box)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.setSpacing(4)
        lay.addWidget(self.preview_title)
        lay.addWidget(self.preview, 1)
        lay.addLayout(rewind)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("centreSplitter")
        self.splitter.addWidget(self.loss_plot)
        self.splitter.addWidget(preview_box)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setChildrenCollapsible(False)
        self.health_banner = QLabel()
        self.health_banner.setObjectName("healthBanner")
        self.health_banner.setWordWrap(True)
        self.health_banner.setStyleSheet(
            f"QLabel {{ background: {ERROR_COLOR.name()}; color: white; padding: 6px; border-radius: 4px; }}"
        )
        self.health_banner.hide()
        centre = QWidget()
        clay = QVBoxLayout(centre)
        clay.setContentsMargins(8, 8, 8, 4)
        clay.addWidget(self.health_banner)
        clay.addWidget(self.splitter)
        self.setCentralWidget(centre)

    def _build_settings_dock(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setDocumentMode(True)
        for panel, title in ((self.data_panel, "Data"), (self.model_panel, "Model"), (self.training_panel, "Training")):
            # A combo box asks for the width of its longest item; in a dock that is what pushed the panels wider
            # than their viewport, clipping every field's right edge. Ten characters, then elided.
            for combo in panel.findChildren(QComboBox):
                combo.setMinimumContentsLength(max(10, combo.minimumContentsLength()))
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
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
        dock.setMinimumWidth(SETTINGS_WIDTH)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [SETTINGS_WIDTH], Qt.Orientation.Horizontal)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.settings_dock = dock
        self._fit_settings_dock()
        # A family's form has its own needs (the GAN's is the widest): fit again once its page is laid out.
        self.model_panel.combo.currentIndexChanged.connect(lambda *_: QTimer.singleShot(0, self._fit_settings_dock))

    def _fit_settings_dock(self) -> None:
        """The settings dock never narrower than its widest panel needs: with a real display's fonts (or a larger
        font, or stage mode) the GAN's Model tab needed 438 px where 370 had been enough offscreen."""
        need = max(self.tabs.widget(i).widget().minimumSizeHint().width() for i in range(self.tabs.count()))
        need += self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 4
        width = max(SETTINGS_WIDTH, need)
        self.settings_dock.setMinimumWidth(width)  # the dock layout widens it; leaving stage lets it narrow again

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._fit_settings_dock)  # the display's real font metrics are known now

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.ApplicationFontChange, QEvent.Type.FontChange) and hasattr(self, "tabs"):
            QTimer.singleShot(0, self._fit_settings_dock)  # once the panels' layouts have taken the new font

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
        self.runs_panel = RunsPanel(self.runs_root if self.runs_root is not None else runs_dir())
        self.runs_panel.open_requested.connect(self.open_run)
        self.runs_list = self.runs_panel.table
        dock = QDockWidget("Runs", self)
        dock.setObjectName("runsDock")
        dock.setWidget(self.runs_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [160], Qt.Orientation.Vertical)
        self.runs_dock = dock
        self.runs_panel.refresh()

    def _build_inspect_dock(self) -> None:
        self.inspect_panel = InspectPanel()
        self.inspect_panel.warnings_changed.connect(self._show_warnings)
        dock = QDockWidget("Inspect", self)
        dock.setObjectName("inspectDock")
        dock.setWidget(self.inspect_panel)
        dock.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([dock], [360], Qt.Orientation.Horizontal)
        self.inspect_dock = dock

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        open_action = file_menu.addAction("&Open run…")
        open_action.setObjectName("openRunAction")
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_run_dialog)
        save_exp = file_menu.addAction("Save e&xperiment as…")
        save_exp.setObjectName("saveExperimentAction")
        save_exp.setToolTip("The panels' settings as a JSON file: vision-lab train --config FILE runs it anywhere")
        save_exp.triggered.connect(self.save_experiment_dialog)
        self.recent_menu = file_menu.addMenu("&Recent runs")
        self.recent_menu.setObjectName("recentRunsMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.run_actions.add_file_actions(file_menu)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.run_actions.add_run_actions(bar.addMenu("&Run"))
        view = bar.addMenu("&View")
        self.stage_action = QAction("&Stage mode", self, checkable=True)
        self.stage_action.setObjectName("stageModeAction")
        self.stage_action.setShortcut(QKeySequence("F"))
        self.stage_action.setToolTip("Full screen and large fonts, for a room")
        self.stage_action.toggled.connect(self.set_stage_mode)
        view.addAction(self.stage_action)
        for dock in (self.settings_dock, self.inspect_dock, self.runs_dock):
            view.addAction(dock.toggleViewAction())
        self.lessons_menu = bar.addMenu("&Lessons")
        self.lessons_menu.setObjectName("lessonsMenu")
        self.lessons_menu.aboutToShow.connect(self._fill_lessons)
        self._fill_lessons()
        # Single keys for a presenter; a focused text field keeps its letters (Qt's ShortcutOverride).
        for key, slot in (("Space", self.start_or_pause), ("S", self.step), ("R", self.reset)):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _fill_lessons(self) -> None:
        from vision_lab.core.presets import list_presets

        self.lessons_menu.clear()
        try:
            presets = list_presets()
        except VisionLabError as err:
            self.lessons_menu.addAction(str(err)).setEnabled(False)
            return
        for preset in presets:
            action = self.lessons_menu.addAction(preset.title)
            action.setToolTip(preset.lesson)
            action.setData(preset.key)
            action.triggered.connect(lambda _checked=False, p=preset: self.apply_preset(p))
        self.lessons_menu.addSeparator()
        show_all = self.lessons_menu.addAction("Show all controls")
        show_all.setObjectName("showAllControlsAction")
        show_all.triggered.connect(lambda: self._hide_controls(()))

    def apply_preset(self, preset: object) -> None:
        """Load a lesson: its data, model and knobs into the panels, its lesson text, its hidden controls."""
        if self.worker is not None:
            self.statusBar().showMessage("Stop the run before opening a lesson.", 5000)
            return
        cfg: ExperimentConfig = preset.config  # type: ignore[attr-defined]
        self._started = None
        self.clear_run_views(self.tr("Press Start to train the lesson's model."))
        self.data_panel.select(cfg.data.name)
        self.data_panel.load_config(cfg.data)
        self.model_panel.load(cfg)
        self.inspect_panel.set_family(cfg.model)  # its views, not the last family's (load() is no user's pick)
        self.training_panel.load(cfg)
        self._hide_controls(preset.hide)  # type: ignore[attr-defined]
        self.revalidate()
        self.show_dialog(QMessageBox.Icon.Information, preset.title, preset.lesson)  # type: ignore[attr-defined]
        self.status_label.setText(f"Lesson: {preset.title}. Press Start (Space).")  # type: ignore[attr-defined]

    def _hide_controls(self, names: tuple[str, ...] | list[str]) -> None:
        self.preset_hidden = tuple(names)
        tp, mp = self.training_panel, self.model_panel
        controls: dict[str, QWidget] = {
            "model": mp.combo,
            "optimizer": tp.optimizer,
            "learningRate": tp.lr_field,
            "batchSize": tp.batch,
            "epochs": tp.epochs,
            "seed": tp.seed,
            "device": tp.device,
            "modelKnobs": mp.stack,
        }
        for name, widget in controls.items():
            _set_row_visible(widget, name not in self.preset_hidden)
        self.tabs.setTabVisible(0, "dataset" not in self.preset_hidden)

    def start_or_pause(self) -> None:
        if self.worker is None:
            self.start()
        else:
            self.toggle_pause()

    def set_stage_mode(self, on: bool) -> None:
        """Full screen, fonts x1.5 and the runs list out of the way; off restores all three."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        if on:
            if self._stage_font is None:
                # Larger fonts can make the window's minimum taller than a small screen (748 px on a 720-px one,
                # where no window manager enforces full screen): leaving stage mode puts this geometry back.
                self._stage_geometry = self.geometry()
                self._stage_docks = self.saveState()
                self._stage_font = app.font()
                big = QFont(self._stage_font)
                big.setPointSizeF(big.pointSizeF() * STAGE_FONT_SCALE)
                app.setFont(big)
                self._scale_own_sizes(STAGE_FONT_SCALE)
                self._fit_settings_dock()
                screen = self.screen().availableGeometry() if self.screen() is not None else None
                if screen is not None and screen.width() < STAGE_SIDE_BY_SIDE:
                    # Side by side, the two docks at stage size left the loss plot a third of a 1280-px screen:
                    # stacked as tabs (Inspect in front), the plot keeps most of it.
                    self.setTabPosition(Qt.DockWidgetArea.LeftDockWidgetArea, QTabWidget.TabPosition.North)
                    self.tabifyDockWidget(self.settings_dock, self.inspect_dock)
                    self.inspect_dock.raise_()
            self.runs_dock.hide()
            self.showFullScreen()
        else:
            if self._stage_font is not None:
                app.setFont(self._stage_font)
                self._stage_font = None
                self._scale_own_sizes(None)
            self.runs_dock.show()
            self.showNormal()
            docks, self._stage_docks = self._stage_docks, None
            geometry, self._stage_geometry = self._stage_geometry, None

            def settle() -> None:
                # The panels' normal-size needs first, then the docks side by side again, then the window's size:
                # in another order the stage-size minimums left the window wider (1364 px) or taller (737 px)
                # than a 1280x720 screen. Once now and once after the fonts' events (an X11 window without a
                # manager is laid out again after showNormal).
                self._fit_settings_dock()
                if docks is not None:
                    self.setTabPosition(Qt.DockWidgetArea.LeftDockWidgetArea, QTabWidget.TabPosition.South)
                    self.restoreState(docks)
                if geometry is not None:
                    self.setGeometry(geometry)

            settle()
            QTimer.singleShot(0, settle)

    def _scale_own_sizes(self, factor: float | None) -> None:
        """Scale what the application font does not reach (``factor``), or put it back (None).

        Widgets given a font of their own (the bold Start button, titles) keep it when the application font
        changes, icons have pixel sizes, and a style-sheet widget (the health banner) keeps the font it was
        polished with: on a projector the toolbar and the titles are what the back row must read.
        """
        if factor is None:
            for widget, (font, icon) in self._stage_saved.items():
                widget.setFont(font)
                if icon is not None:
                    widget.setIconSize(icon)
            self._stage_saved = {}
        else:
            for widget in self.findChildren(QWidget):
                own_font = widget.testAttribute(Qt.WidgetAttribute.WA_SetFont)
                icon = widget.iconSize() if isinstance(widget, QPushButton | QToolButton) else None
                if not own_font and icon is None:
                    continue
                self._stage_saved[widget] = (QFont(widget.font()), icon)
                if own_font:
                    font = QFont(widget.font())
                    font.setPointSizeF(font.pointSizeF() * factor)
                    widget.setFont(font)
                if icon is not None:
                    widget.setIconSize(icon * factor)
        # A dock's own title bar keeps the text size it was laid out with; on stage a plain bold title of the
        # stage font replaces it (nobody floats or closes a dock during a demo), and leaving restores Qt's.
        for dock in self.findChildren(QDockWidget):
            if factor:
                title = QLabel(dock.windowTitle())
                title.setObjectName("stageDockTitle")
                font = QFont(QApplication.font())
                font.setBold(True)
                title.setFont(font)
                title.setContentsMargins(6, 2, 6, 2)
                dock.setTitleBarWidget(title)
            elif dock.titleBarWidget() is not None:
                old = dock.titleBarWidget()
                dock.setTitleBarWidget(None)
                old.deleteLater()
        # A style sheet pins the font its widget and the widgets inside it were polished with (the toolbar's
        # buttons, the health banner): polish them again so they take the application font.
        for sheet in [w for w in self.findChildren(QWidget) if w.styleSheet()]:
            for widget in (sheet, *sheet.findChildren(QWidget)):
                widget.style().unpolish(widget)
                widget.style().polish(widget)
                if not widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
                    widget.setFont(QFont())  # resolve from the parent again
                    widget.setAttribute(Qt.WidgetAttribute.WA_SetFont, False)

    def _show_warnings(self, warnings: list[str]) -> None:
        self.health_banner.setText("  ".join(f"⚠ {w}" for w in warnings))
        self.health_banner.setVisible(bool(warnings))

    # --- rewind ----------------------------------------------------------------------------------------------
    @property
    def rewinding(self) -> bool:
        return bool(self.history) and self.rewind_slider.value() < len(self.history) - 1

    def _record(self, p: Preview) -> None:
        follow = not self.rewinding
        self.history.append(dataclasses.replace(p, weights=None, health=None))
        self.history_confusion.append(self._confusion)
        if len(self.history) > HISTORY_KEEP:
            keep = [*range(0, len(self.history) - 1, 2), len(self.history) - 1]
            self.history = [self.history[i] for i in keep]
            self.history_confusion = [self.history_confusion[i] for i in keep]
        self.rewind_slider.blockSignals(True)
        self.rewind_slider.setMaximum(len(self.history) - 1)
        if follow:
            self.rewind_slider.setValue(len(self.history) - 1)
        self.rewind_slider.blockSignals(False)
        self._update_rewind_label()

    def _update_rewind_label(self) -> None:
        if not self.history:
            self.rewind_label.setText("History")
            return
        p = self.history[self.rewind_slider.value()]
        self.rewind_label.setText(f"step {p.step:,}" + (" (rewound)" if self.rewinding else ""))
        self.live_button.setEnabled(self.rewinding)

    def _rewound(self, index: int) -> None:
        if not self.history:
            return
        self._update_rewind_label()
        self.show_preview(self.history[index])
        confusion = self.history_confusion[index]
        if confusion is not None:
            self.inspect_panel.show_confusion(confusion)

    def follow_live(self) -> None:
        if self.history:
            self.rewind_slider.setValue(len(self.history) - 1)
        if self._confusion is not None:
            self.inspect_panel.show_confusion(self._confusion)

    def export_gif_dialog(self) -> None:
        if not self.history:
            self.statusBar().showMessage("No previews yet: train first.", 4000)
            return
        name = (self.opened_run.name if self.opened_run else "vision-lab") + "-previews.gif"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the previews as a GIF"), str(Path.home() / name), self.tr("GIF (*.gif)")
        )
        if path:
            self.export_gif(Path(path))

    def export_gif(self, path: Path) -> Path:
        """Render every kept preview (at most ``GIF_FRAMES``, evenly spaced) as one frame of an animated GIF."""
        from vision_lab.core.images import save_gif

        picks = np.unique(np.linspace(0, len(self.history) - 1, min(GIF_FRAMES, len(self.history))).astype(int))
        grid = ImageGrid()
        grid.resize(640, 360)
        grid.setPalette(self.preview.palette())
        frames = []
        for i in picks:
            p = self.history[int(i)]
            fill_grid(grid, p)
            image = grid.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
            _label_frame(image, self.tr("step {step:,} · epoch {epoch}").format(step=p.step, epoch=p.epoch + 1))
            w, h, stride = image.width(), image.height(), image.bytesPerLine()
            rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
            frames.append(rows[:, : w * 3].reshape(h, w, 3).copy())
        try:
            out = save_gif(frames, path)
            with Image.open(out) as gif:  # what the file holds (identical frames would have been merged)
                count = getattr(gif, "n_frames", 1)
        except OSError as err:
            self.show_dialog(QMessageBox.Icon.Warning, "Vision Lab", f"Could not write '{path}': {err.strerror}.")
            return path
        self.statusBar().showMessage(self.tr("Saved {count} frames to {path}.").format(count=count, path=out), 6000)
        return out

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
    def save_experiment_dialog(self) -> None:
        start = str(Path.home() / f"{self.model_panel.family}-experiment.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save the experiment", start, "Experiment (*.json)")
        if path:
            self.save_experiment(Path(path))

    def save_experiment(self, path: Path) -> bool:
        """Write the panels' experiment as JSON (to train on a server: ``vision-lab train --config`` or torchrun)."""
        try:
            text = self.current_config().validate().to_json()
            atomic_write_text(path, text)
        except ConfigError as err:
            self.show_dialog(QMessageBox.Icon.Warning, "Save experiment", f"The settings are not valid yet: {err}")
            return False
        except OSError as err:
            self.show_dialog(
                QMessageBox.Icon.Warning, "Save experiment", f"Cannot write '{path}': {err.strerror or err}."
            )
            return False
        self.statusBar().showMessage(f"Saved the experiment to {path} (vision-lab train --config {path.name})", 10000)
        return True

    def current_config(self) -> ExperimentConfig:
        cfg = default_config(self.model_panel.family)
        cfg = self.data_panel.apply(cfg)
        cfg = self.model_panel.apply(cfg)
        return self.training_panel.apply(cfg)

    def revalidate(self) -> None:
        """Per-field checks, then ``cfg.validate()``; the message goes next to the panel it is about."""
        model_problem = data_problem = training_problem = batch_problem = None
        if not self.model_panel.check():
            model_problem = "Some model settings above are not valid."
        else:
            try:
                fit_check(self.current_config().validate(), self.data_panel.dataset)
            except ConfigError as err:
                message = str(err)
                if err.key == "train.batch_size":
                    batch_problem = message
                elif err.key in ("cnn.blocks", "data.image_size"):  # the model does not fit these images
                    model_problem = message
                elif message.startswith(("optim.", "train.")):
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
        self.training_panel.set_batch_problem(batch_problem)
        training_problem = training_problem or batch_problem
        data_state = data_problem or self.data_panel.problem()
        self.settings_problem = model_problem or training_problem or data_state
        self.settings_valid = self.settings_problem is None
        for index, problem in enumerate((data_problem or self.data_panel._problem, model_problem, training_problem)):
            self.tabs.tabBar().setTabTextColor(
                index, ERROR_COLOR if problem else self.tabs.palette().color(self.tabs.foregroundRole())
            )
        self._update_controls()

    def _update_controls(self) -> None:
        running = self.worker is not None
        self.start_button.setEnabled(self.settings_valid and not running)
        self.start_button.setToolTip(
            "Train with these settings (F5)" if self.settings_valid else (self.settings_problem or "")
        )
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if self._paused else "Pause")
        icon = QStyle.StandardPixmap.SP_MediaPlay if self._paused else QStyle.StandardPixmap.SP_MediaPause
        self.pause_button.setIcon(self.style().standardIcon(icon))
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled((self._paused and running) or (self.settings_valid and not running))
        self.reset_button.setEnabled(self._paused or not running)
        self.model_panel.set_running(running)
        self.data_panel.setEnabled(not running)
        self.training_panel.set_running(running)
        if not running:
            if self.settings_problem:
                self.status_label.setText(self.settings_problem)
                self._shown_problem = self.settings_problem
            elif self._started is None or self._shown_problem is not None:  # the problem is gone: so is its text
                self._shown_problem = None
                family = gui_families.title(self.model_panel.family)
                self.status_label.setText(f"Ready: {family} on {self.data_panel.current_key}. Press Start.")

    def _family_picked(self, family: str) -> None:
        """A new family brings its own training defaults (the GAN trains with Adam 2e-4, β₁ 0.5, 20 epochs), and
        the Training tab says which values that changed: a switch must not silently reset a rate the user set."""
        panel = self.training_panel
        before = panel.apply(ExperimentConfig())
        seed, device = panel.seed.value(), panel.device.currentData()
        panel.load(default_config(family))
        self.inspect_panel.set_family(family)
        panel.seed.setValue(seed)
        panel.device.setCurrentIndex(max(0, panel.device.findData(device)))
        changes = describe_changes(before, panel.apply(ExperimentConfig()))
        if changes:
            text = self.tr("{family} trains best with its own settings, so these changed: {changes}.").format(
                family=gui_families.title(family), changes="; ".join(changes)
            )
            panel.set_note(text)
            self.statusBar().showMessage(text, 10000)
        else:
            panel.set_note("")

    def _dataset_loaded(self, ds: ImageDataset) -> None:
        self.model_panel.set_data_shape(ds.image_shape, max(1, ds.num_classes))
        if self._opened_data is not None and self._opened_data == self.data_panel.current_key:
            self.inspect_panel.dataset = ds  # the opened run's data, for its Example and Confusion views
            self._opened_data = None

    # --- commands ----------------------------------------------------------------------------------------------
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
        self.preview.clear("Preparing the data and the model…")
        self.preview_title.setText("")
        self.progress.setRange(0, 0)  # busy until Started says how many steps
        verb = {"resume": "Resuming", "fork": "Forking"}.get(launch.kind if launch else "", "Starting")
        self.status_label.setText(f"{verb}: {gui_families.title(cfg.model)} on {cfg.data.name}…")
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
            path = self.runs.run_dir
            if path is not None:
                self.runs_panel.set_status(path, "discarded")
            self.runs.abort()  # the core still saves what was trained; no more events reach us
            self._idle()
        self._started = None
        self._paused = False
        self.clear_run_views(self.tr("Reset: press Start to train from fresh weights."))
        self.revalidate()
        self.status_label.setText("Reset: the next Start begins from freshly initialised weights.")

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
            self.statusBar().showMessage(f"Learning rate set to {lr:g} from the next step.", 4000)
            self.runs_panel.live_lr = lr
            self.runs_panel.refresh()

    # --- worker events (GUI thread, queued) ------------------------------------------------------------------
    @property
    def worker(self) -> Worker | None:
        """The current run's worker (None when idle)."""
        return self.runs.worker

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
        self.device_label.setText(f"device: {e.device}" + (f" ({precision})" if precision != "fp32" else ""))
        total = sum(e.parameters.values())
        if e.run_dir is not None:
            self.opened_run = e.run_dir
            self.panel_baseline = self.current_config()
            self._plot_lineage(e.run_dir)
        self.runs_panel.live_path, self.runs_panel.live_status, self.runs_panel.live_lr = e.run_dir, "running", None
        self.runs_panel.refresh()
        self.status_label.setText(
            f"Training {gui_families.title(e.config.model)} on {e.dataset.name}: {e.dataset.train_size:,} images, "
            f"{e.steps_per_epoch} steps per epoch, {total:,} parameters"
        )
        if self._paused:
            self.status_label.setText("Paused before the first step: press Step or Resume.")
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
                QMessageBox.Icon.Warning, "Training stopped" if f.status == "diverged" else "Vision Lab", text
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
        self.preview.clear("Nothing to show: the run did not start.")
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
            f"lr {m.lr:.3g}",
        ]
        if not self._paused:  # while paused there is no time of arrival (it grew with every second of the pause)
            parts.insert(3, f"ETA {format_duration(m.eta_s)}")
        if s is not None:
            parts.append(s.device)
        return "  ·  ".join(parts)

    def show_preview(self, p: Preview) -> None:
        kind = f"{p.kind}-train" if p.from_training else p.kind
        title = PREVIEW_TITLES.get(kind, p.kind).format(err=ERROR_COLOR.name())
        title += fill_grid(self.preview, p)
        self.preview_title.setText(f"{title} <span style='font-weight:normal'>· step {p.step:,}</span>")

    # --- runs browser, opening saved runs ----------------------------------------------------------------------
    def _run_ended_in_browser(self, f: Finished) -> None:
        self.runs_panel.live_path = None
        self.runs_panel.refresh()
        if f.run_dir is None:
            return
        item = self.runs_panel.item_for(f.run_dir)
        if item is None or item.text(COL_STATUS) == "incomplete":
            # The worker may report before summary.json is on disk: what it said wins until then.
            self.runs_panel.set_status(f.run_dir, f.status, final_metric(f.summary))

    def open_run_dialog(self) -> None:
        start = str(self.runs_root if self.runs_root is not None else runs_dir())
        folder = QFileDialog.getExistingDirectory(self, "Open a run folder", start)
        if folder:
            self.open_run(Path(folder))

    def open_run(self, path: Path) -> bool:
        """Restore a saved run: its settings into the panels, its curves, previews and final weights (Inspect)."""
        if self.worker is not None:
            self.show_dialog(QMessageBox.Icon.Information, "Vision Lab", "Stop the run before opening another one.")
            return False
        from vision_lab.core.inspect import Inspector
        from vision_lab.core.runs import open_run

        path = Path(path)
        try:
            record = open_run(path)
            inspector = Inspector.from_run(path)
        except VisionLabError as err:
            self.show_dialog(QMessageBox.Icon.Warning, "Cannot open the run", str(err))
            return False
        self.run_actions.stop_watching()
        cfg = record.config
        self.show_config(cfg)
        self.clear_run_views("")
        ds = self.data_panel.dataset
        self.inspect_panel.open_run(inspector, ds if cfg.data.name == self.data_panel.current_key else None)
        for row in record.metrics():
            self.loss_plot.add_metrics(metrics_from_row(row))
        self.loss_plot.refresh()
        self._show_saved_progress(record)
        self.show_saved_previews(path)
        self.opened_run = path
        self._add_recent(path)
        self.revalidate()
        result = final_metric(record.summary or {})
        self.status_label.setText(
            f"Opened {path.name}: {gui_families.title(cfg.model)} on {cfg.data.name}"
            + (f", {result}." if result != "–" else " (incomplete).")
            + " Its weights are in Inspect; Start trains a new run with these settings."
        )
        return True

    def _show_saved_progress(self, record: Any) -> None:
        """The bar shows how far the opened run got (its epochs of the planned ones), not the last run's value."""
        rows = record.metrics()
        done = float((record.summary or {}).get("epochs") or (rows[-1].get("epoch") if rows else 0.0) or 0.0)
        planned = max(1, record.config.train.epochs)
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * min(done, planned) / planned))

    def show_config(self, cfg: ExperimentConfig) -> None:
        """A saved run's settings into the panels, and an empty plot, rewind and status for it."""
        if cfg.data.name != self.data_panel.current_key:
            self.data_panel.select(cfg.data.name)  # loads in the background; Inspect gets it when it arrives
        self.data_panel.load_config(cfg.data)
        self.model_panel.load(cfg)  # before the training panel: a family change would reset its knobs
        self.training_panel.load(cfg)
        self._opened_data = cfg.data.name if self.data_panel.dataset is None else None
        self._started, self._last_metrics, self._pending_preview = None, None, None
        self.history, self.history_confusion, self._confusion = [], [], None
        self.rewind_slider.setRange(0, 0)
        self._update_rewind_label()
        self.loss_plot.reset(cfg.model, cfg.train.epochs)
        # Settings the panels do not show (a validation limit, a step cap) stay the run's own: see RunActions.
        self.panel_baseline = self.current_config()

    def show_saved_previews(self, path: Path) -> None:
        images = []
        from vision_lab.core.images import read_image_rgb

        for png in sorted(path.glob("preview-*.png")):
            try:  # PNG only, never a FIFO or a device, never a picture over the pixel bound: skipped instead
                images.append(read_image_rgb(png, "Preview"))
            except VisionLabError:
                continue
        if not images:
            self.preview.clear("This run saved no previews.")
            self.preview_title.setText("")
            return
        same = [im for im in images if im.shape == images[0].shape]  # the grid takes one size of image
        self.preview.set_images(np.stack(same))
        self.preview_title.setText(f"The last previews saved by {path.name}")

    # --- settings --------------------------------------------------------------------------------------------
    def recent_runs(self) -> list[str]:
        if self.settings is None:
            return list(self._recent)
        value = self.settings.value("recentRuns", [])
        runs = [value] if isinstance(value, str) else list(value or [])
        return [str(r) for r in runs][:MAX_RECENT]

    def _add_recent(self, path: Path) -> None:
        runs = [str(path), *[r for r in self.recent_runs() if r != str(path)]][:MAX_RECENT]
        self._recent = runs
        if self.settings is not None:
            self.settings.setValue("recentRuns", runs)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        runs = self.recent_runs()
        if not runs:
            self.recent_menu.addAction("No recent runs").setEnabled(False)
        for run in runs:
            action = self.recent_menu.addAction(Path(run).name)
            action.setToolTip(run)
            action.triggered.connect(lambda _checked=False, r=run: self.open_run(Path(r)))

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
            self.status_label.setText("Saving the run…")
        self.runs.shutdown()  # each run stops within a batch, saves, and is joined
        for child in self.findChildren(TrainingWorker):  # any other window's (a twin's), ProcessWorker included
            child.abort()
            child.wait()
        self.data_panel.shutdown()
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


def _label_frame(image: QImage, text: str) -> None:
    """Write ``text`` in the frame's top-left corner (a GIF's frames say which step they show)."""
    painter = QPainter(image)
    try:
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        rect = painter.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3)
        rect.moveTo(4, 4)
        painter.fillRect(rect, QColor(0, 0, 0, 170))
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()


def _set_row_visible(widget: QWidget, visible: bool) -> None:
    """Hide a control with its form label when it sits in a QFormLayout (a lesson hides some knobs)."""
    parent = widget.parentWidget()
    layouts = [parent.layout()] if parent is not None and parent.layout() is not None else []
    while layouts:
        layout = layouts.pop()
        if isinstance(layout, QFormLayout):
            row, _role = layout.getWidgetPosition(widget)
            if row >= 0:
                layout.setRowVisible(row, visible)
                return
        for i in range(layout.count()):
            child = layout.itemAt(i).layout()
            if child is not None:
                layouts.append(child)
    widget.setVisible(visible)
