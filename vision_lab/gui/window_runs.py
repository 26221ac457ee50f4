"""Saved runs in the main window: a run's end in the Runs browser, opening a run folder (its settings into the panels,
its curves, previews and weights into the views) and the File ▸ Recent runs list.

A part of :class:`~vision_lab.gui.main_window.MainWindow` (a mixin; Resume, Fork, Watch and Export are in
:mod:`~vision_lab.gui.run_actions`); apart so that what opening a run restores reads in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import VisionLabError
from vision_lab.core.events import Finished
from vision_lab.core.paths import runs_dir
from vision_lab.gui import families as gui_families
from vision_lab.gui.panels.runs import COL_STATUS, STATUS_ROLE
from vision_lab.gui.results import final_metric_cell, metrics_from_row

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QLabel, QMenu, QProgressBar, QSlider

    from vision_lab.core.events import Metrics, Preview, Started
    from vision_lab.gui.panels.data import DataPanel
    from vision_lab.gui.panels.inspect import InspectPanel
    from vision_lab.gui.panels.model import ModelPanel
    from vision_lab.gui.panels.runs import RunsPanel
    from vision_lab.gui.panels.training import TrainingPanel
    from vision_lab.gui.run_actions import RunActions
    from vision_lab.gui.widgets.image_grid import ImageGrid
    from vision_lab.gui.widgets.loss_plot import LossPlot

MAX_RECENT = 8


def final_metric(summary: dict) -> str:
    return final_metric_cell(summary)[0]


class SavedRuns:
    """Opening saved runs (a mixin of MainWindow, which owns the views they are shown in)."""

    runs_root: Path | None
    settings: QSettings | None
    _recent: list[str]
    run_actions: RunActions
    data_panel: DataPanel
    model_panel: ModelPanel
    training_panel: TrainingPanel
    inspect_panel: InspectPanel
    runs_panel: RunsPanel
    loss_plot: LossPlot
    preview: ImageGrid
    preview_title: QLabel
    progress: QProgressBar
    status_label: QLabel
    rewind_slider: QSlider
    recent_menu: QMenu
    opened_run: Path | None
    panel_baseline: ExperimentConfig | None
    history: list[Preview]
    history_confusion: list[np.ndarray | None]
    _confusion: np.ndarray | None
    _opened_data: str | None
    _started: Started | None
    _last_metrics: Metrics | None
    _pending_preview: Preview | None

    def _run_ended_in_browser(self, f: Finished) -> None:
        self.runs_panel.live_path = None
        self.runs_panel.refresh()
        if f.run_dir is None:
            return
        item = self.runs_panel.item_for(f.run_dir)
        if item is None or item.data(COL_STATUS, STATUS_ROLE) == "incomplete":
            # The worker may report before summary.json is on disk: what it said wins until then.
            self.runs_panel.set_status(f.run_dir, f.status, final_metric(f.summary))

    def open_run_dialog(self) -> None:
        start = str(self.runs_root if self.runs_root is not None else runs_dir())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a run folder"), start)
        if folder:
            self.open_run(Path(folder))

    def open_run(self, path: Path) -> bool:
        """Restore a saved run: its settings into the panels, its curves, previews and final weights (Inspect)."""
        if self.worker is not None:
            self.show_dialog(
                QMessageBox.Icon.Information, "Vision Lab", self.tr("Stop the run before opening another one.")
            )
            return False
        from vision_lab.core.inspect import Inspector
        from vision_lab.core.runs import open_run

        path = Path(path)
        try:
            record = open_run(path)
            inspector = Inspector.from_run(path)
        except VisionLabError as err:
            self.show_dialog(QMessageBox.Icon.Warning, self.tr("Cannot open the run"), str(err))
            return False
        self.run_actions.stop_watching()
        cfg = record.config
        lesson = self.lesson_view.preset
        if lesson is not None and lesson.config.model != cfg.model:
            self.lesson_view.hide()  # a lesson about another model beside this run would mislead (Lessons ▸ Show)
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
        opened = (
            self.tr(
                "Opened {run}: {family} on {dataset}, {result}. Its weights are in Inspect; Start trains a new run "
                "with these settings."
            )
            if result != "–"
            else self.tr(
                "Opened {run}: {family} on {dataset} (incomplete). Its weights are in Inspect; Start trains a new "
                "run with these settings."
            )
        )
        self.status_label.setText(
            opened.format(run=path.name, family=gui_families.title(cfg.model), dataset=cfg.data.name, result=result)
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
        if not self.data_panel.shows(cfg.data):
            self.data_panel.select(cfg.data.name, cfg.data)  # loads in the background; Inspect gets it when it arrives
        self.data_panel.load_config(cfg.data)
        self.model_panel.load(cfg)  # before the training panel: a family change would reset its knobs
        self.training_panel.load(cfg)
        self.model_panel.opened = cfg  # what no control shows (a block's padding) stays the run's for the next Start
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
            self.preview.clear(self.tr("This run saved no previews."))
            self.preview_title.setText("")
            return
        same = [im for im in images if im.shape == images[0].shape]  # the grid takes one size of image
        self.preview.set_images(np.stack(same))
        self.preview_title.setText(self.tr("The last previews saved by {run}").format(run=path.name))

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
            self.recent_menu.addAction(self.tr("No recent runs")).setEnabled(False)
        for run in runs:
            action = self.recent_menu.addAction(Path(run).name)
            action.setToolTip(run)
            action.triggered.connect(lambda _checked=False, r=run: self.open_run(Path(r)))
