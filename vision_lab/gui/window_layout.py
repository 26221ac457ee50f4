"""The main window's widgets: the centre (loss plot, preview and its rewind bar, health banner), the settings, Runs
and Inspect docks, the toolbar, the status bar and the menus.

A part of :class:`~vision_lab.gui.main_window.MainWindow` (a mixin: its ``__init__`` calls the ``_build_*`` methods);
apart so that how the window is put together reads in one place and what it does in the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStyle,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.paths import runs_dir
from vision_lab.gui import i18n
from vision_lab.gui.lesson_view import add_lesson_dock
from vision_lab.gui.panels.inspect import InspectPanel
from vision_lab.gui.panels.runs import RunsPanel
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid
from vision_lab.gui.widgets.loss_plot import LossPlot

if TYPE_CHECKING:
    from vision_lab.gui.panels.data import DataPanel
    from vision_lab.gui.panels.model import ModelPanel
    from vision_lab.gui.panels.training import TrainingPanel
    from vision_lab.gui.run_actions import RunActions

SETTINGS_WIDTH = 370
"""The settings dock's least width; more when its widest panel needs it (_fit_settings_dock). A smaller minimum let
a wide Inspect view (the GAN's sample grid) take width from it and clip the Model tab."""


class WindowLayout:
    """Builds the window's widgets (a mixin of MainWindow, which makes the panels and ``run_actions`` first)."""

    runs_root: Path | None
    data_panel: DataPanel
    model_panel: ModelPanel
    training_panel: TrainingPanel
    run_actions: RunActions

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
        self.preview = ImageGrid(self.tr("Press Start: the model's view of a fixed batch of images appears here."))
        self.preview.setObjectName("previewView")
        self.rewind_slider = QSlider(Qt.Orientation.Horizontal)
        self.rewind_slider.setObjectName("rewindSlider")
        self.rewind_slider.setRange(0, 0)
        self.rewind_slider.setToolTip(self.tr("Replay this run's previews (and confusion matrix) at any past step"))
        self.rewind_slider.valueChanged.connect(self._rewound)
        self.rewind_label = QLabel(self.tr("History"))
        self.rewind_label.setObjectName("rewindLabel")
        self.live_button = QPushButton(self.tr("Live"))
        self.live_button.setObjectName("liveButton")
        self.live_button.setToolTip(self.tr("Follow the run again"))
        self.live_button.clicked.connect(self.follow_live)
        self.gif_button = QPushButton(self.tr("Export GIF…"))
        self.gif_button.setObjectName("exportGifButton")
        self.gif_button.setToolTip(self.tr("Save the history of previews as an animated GIF"))
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
        for panel, title in (
            (self.data_panel, self.tr("Data")),
            (self.model_panel, self.tr("Model")),
            (self.training_panel, self.tr("Training")),
        ):
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
        dock = QDockWidget(self.tr("Experiment"), self)
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
            "startButton", self.tr("Start"), sp.SP_MediaPlay, self.tr("Train with these settings (F5)"), self.start
        )
        font = self.start_button.font()
        font.setBold(True)
        self.start_button.setFont(font)
        self.pause_button = self._button(
            "pauseButton", self.tr("Pause"), sp.SP_MediaPause, self.tr("Pause or resume (F6)"), self.toggle_pause
        )
        self.stop_button = self._button(
            "stopButton", self.tr("Stop"), sp.SP_MediaStop, self.tr("Stop and save the run (Shift+F5)"), self.stop
        )
        self.step_button = self._button(
            "stepButton",
            self.tr("Step"),
            sp.SP_MediaSkipForward,
            self.tr("Train exactly one batch and show its effect (F7)"),
            self.step,
        )
        self.reset_button = self._button(
            "resetButton",
            self.tr("Reset"),
            sp.SP_BrowserReload,
            self.tr("Discard the paused model: the next Start begins from fresh weights"),
            self.reset,
        )
        self.progress = QProgressBar()
        self.progress.setObjectName("progressBar")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMinimumWidth(240)
        self.progress.setFormat("%p%")
        bar = QToolBar(self.tr("Training"))
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
        dock = QDockWidget(self.tr("Runs"), self)
        dock.setObjectName("runsDock")
        dock.setWidget(self.runs_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [160], Qt.Orientation.Vertical)
        self.runs_dock = dock
        self.runs_panel.refresh()

    def _build_inspect_dock(self) -> None:
        self.inspect_panel = InspectPanel()
        self.inspect_panel.warnings_changed.connect(self._show_warnings)
        dock = QDockWidget(self.tr("Inspect"), self)
        dock.setObjectName("inspectDock")
        dock.setWidget(self.inspect_panel)
        dock.setMinimumWidth(300)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([dock], [360], Qt.Orientation.Horizontal)
        self.inspect_dock = dock

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        open_action = file_menu.addAction(self.tr("&Open run…"))
        open_action.setObjectName("openRunAction")
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_run_dialog)
        save_exp = file_menu.addAction(self.tr("Save e&xperiment as…"))
        save_exp.setObjectName("saveExperimentAction")
        save_exp.setToolTip(
            self.tr("The panels' settings as a JSON file: vision-lab train --config FILE runs it anywhere")
        )
        save_exp.triggered.connect(self.save_experiment_dialog)
        self.recent_menu = file_menu.addMenu(self.tr("&Recent runs"))
        self.recent_menu.setObjectName("recentRunsMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.run_actions.add_file_actions(file_menu)
        file_menu.addSeparator()
        quit_action = file_menu.addAction(self.tr("&Quit"))
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.run_actions.add_run_actions(bar.addMenu(self.tr("&Run")))
        view = bar.addMenu(self.tr("&View"))
        self.stage_action = QAction(self.tr("&Stage mode"), self, checkable=True)
        self.stage_action.setObjectName("stageModeAction")
        self.stage_action.setShortcut(QKeySequence("F"))
        self.stage_action.setToolTip(self.tr("Full screen and large fonts, for a room"))
        self.stage_action.toggled.connect(self.set_stage_mode)
        view.addAction(self.stage_action)
        for dock in (self.settings_dock, self.inspect_dock, self.runs_dock):
            view.addAction(dock.toggleViewAction())
        self._build_language_menu(view.addMenu(self.tr("&Language")))
        self.lesson_view = add_lesson_dock(self, self.settings_dock)
        self.lessons_menu = bar.addMenu(self.tr("&Lessons"))
        self.lessons_menu.setObjectName("lessonsMenu")
        self.lessons_menu.aboutToShow.connect(self._fill_lessons)
        self._fill_lessons()
        # Single keys for a presenter; a focused text field keeps its letters (Qt's ShortcutOverride).
        for key, slot in (("Space", self.start_or_pause), ("S", self.step), ("R", self.reset)):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _build_language_menu(self, menu: QMenu) -> None:
        menu.setObjectName("languageMenu")
        group = QActionGroup(menu)
        for code, name in i18n.LANGUAGES.items():
            action = menu.addAction(name)  # each language in its own words, never translated
            action.setObjectName(f"language_{code}")
            action.setCheckable(True)
            action.setChecked(code == i18n.current_language())
            action.setActionGroup(group)
            action.triggered.connect(lambda _=False, c=code: self.choose_language(c))

    def choose_language(self, code: str) -> None:
        """Saved for the next start: every widget set its text once, when it was built (see gui/i18n.py)."""
        if self.settings is not None:
            self.settings.setValue(i18n.LANGUAGE_KEY, code)
        self.status_label.setText(i18n.NEXT_START[code])

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

    def _show_warnings(self, warnings: list[str]) -> None:
        self.health_banner.setText("  ".join(f"⚠ {w}" for w in warnings))
        self.health_banner.setVisible(bool(warnings))
