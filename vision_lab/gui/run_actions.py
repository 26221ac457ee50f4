"""What the window does with saved runs: Resume, Fork from here, Twin runs, Watch a folder, Export.

The window owns one :class:`RunActions`; its QActions sit in the File and Run menus and the runs browser's
Resume and Fork buttons call it too. Everything here acts on ``window.opened_run``: the run last opened,
watched or trained in the window. Training still goes through ``MainWindow.start`` (with a core
:class:`~vision_lab.core.lineage.Launch`), so a resumed or forked run pauses, steps and stops like any other.
The window is reached only through :class:`RunHost`, the small protocol of what these actions need of it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.config import ExperimentConfig, apply_overrides, config_changes, flat_config
from vision_lab.core.errors import VisionLabError
from vision_lab.core.events import Finished, Started
from vision_lab.core.lineage import RESUMABLE, Launch
from vision_lab.core.runlock import holder
from vision_lab.core.runs import CHECKPOINT, checkpoint_epochs, open_run, run_info
from vision_lab.gui import families as gui_families
from vision_lab.gui.export_actions import EXPORTS, ExportActions, export_title
from vision_lab.gui.labels import describe_changes, setting_label
from vision_lab.gui.results import final_metric_cell, metrics_from_row
from vision_lab.gui.worker import FunctionWorker

if TYPE_CHECKING:
    from vision_lab.core.follow import RunFollower
    from vision_lab.gui.panels.data import DataPanel
    from vision_lab.gui.panels.inspect import InspectPanel
    from vision_lab.gui.panels.model import ModelPanel
    from vision_lab.gui.panels.runs import RunsPanel
    from vision_lab.gui.run_controller import Worker
    from vision_lab.gui.sweep_view import SweepWindow
    from vision_lab.gui.twin import TwinWindow
    from vision_lab.gui.widgets.image_grid import ImageGrid
    from vision_lab.gui.widgets.loss_plot import LossPlot

WATCH_MS = 500  # a shared or network folder gives no change events: poll, cheaply (a stat per file)


class ForkDialog(QDialog):
    """Pick where a fork starts (the latest checkpoint or an epoch's weights) and see what it changes."""

    def __init__(self, parent_run: Path, cfg: ExperimentConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forkDialog")
        self.setWindowTitle(self.tr("Fork {run}").format(run=parent_run.name))
        self.parent_run = parent_run
        info = run_info(parent_run)
        self.source = QComboBox()
        self.source.setObjectName("forkFromCombo")
        if (parent_run / CHECKPOINT).is_file() and info.status != "diverged":
            if info.epochs_done is not None:
                where = self.tr("Where it stopped (epoch {epoch}, step {step}): weights and optimizer state").format(
                    epoch=f"{info.epochs_done:g}", step=info.step
                )
            else:
                where = self.tr("Where it stopped (its end): weights and optimizer state")
            self.source.addItem(where, None)
        for epoch in reversed(checkpoint_epochs(parent_run)):
            label = (
                self.tr("Its starting weights (epoch 0)")
                if epoch == 0
                else self.tr("The end of epoch {epoch}: weights only").format(epoch=epoch)
            )
            self.source.addItem(label, epoch)
        changes = describe_changes(open_run(parent_run).config, cfg)
        self.changes = QLabel(
            self.tr("Changed in the panels: {changes}.").format(changes="; ".join(changes))
            if changes
            else self.tr(
                "No settings changed in the panels: the fork trains on as the run would. "
                "Change knobs in the panels first to try something else."
            )
        )
        self.changes.setObjectName("forkChanges")
        self.changes.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Fork"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.source.count() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form = QFormLayout()
        form.addRow(self.tr("Start from"), self.source)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.changes)
        if self.source.count() == 0:
            self.changes.setText(self.tr("This run kept no checkpoint or epoch weights to fork from."))
        lay.addWidget(buttons)

    def epoch(self) -> int | None:
        """None: the latest checkpoint; else the epoch whose end-of-epoch weights start the fork."""
        data = self.source.currentData()
        return None if data is None else int(data)


class RunHost(Protocol):
    """What the run actions need of the window that hosts them (the main window is one)."""

    runs_root: Path | None
    opened_run: Path | None
    """The run the window shows: opened, watched, or last trained there."""
    panel_baseline: ExperimentConfig | None
    """What the panels read when ``opened_run`` was shown: later differences are the user's changes."""
    settings_valid: bool
    settings_problem: str | None
    closing: bool
    last_message: QMessageBox | None
    data_panel: DataPanel
    model_panel: ModelPanel
    runs_panel: RunsPanel
    inspect_panel: InspectPanel
    loss_plot: LossPlot
    preview: ImageGrid
    status_label: QLabel
    progress: QProgressBar

    @property
    def worker(self) -> Worker | None: ...

    def current_config(self) -> ExperimentConfig: ...

    def start(self, *, paused: bool = False, launch: Launch | None = None) -> bool: ...

    def open_run(self, path: Path) -> bool: ...

    def show_config(self, cfg: ExperimentConfig) -> None: ...

    def clear_run_views(self, placeholder: str) -> None: ...

    def show_saved_previews(self, path: Path) -> None: ...

    def show_dialog(self, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> None: ...

    def statusBar(self) -> QStatusBar: ...

    def tr(self, text: str) -> str: ...


class RunActions(ExportActions, QObject):
    export_done = Signal(object)  # ExportResult or the written Path
    watch_updated = Signal()  # a poll found something new

    def __init__(self, window: RunHost) -> None:
        super().__init__(window)  # type: ignore[arg-type]
        self.window = window
        self.follower: RunFollower | None = None
        self._weights_seen: tuple[int, int] | None = None  # (mtime_ns, size) of the watched run's weights
        self.twin_window: TwinWindow | None = None
        self.fork_dialog: ForkDialog | None = None
        self.twin_dialog: QDialog | None = None
        self.sweep_window: SweepWindow | None = None
        self.sweep_dialog: QDialog | None = None
        self._exports: list[FunctionWorker] = []
        self.unsaved: tuple[Finished, Started] | None = None
        """A run whose folder could not be written: its model (``Finished.weights``) waits here to be saved."""
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(WATCH_MS)
        self.watch_timer.timeout.connect(self.poll)

        self.resume_action = self._action("resumeRunAction", self.tr("&Resume run"), self.resume)
        self.resume_action.setToolTip(
            self.tr("Continue the opened run where it stopped (raise Epochs to train a finished one)")
        )
        self.fork_action = self._action("forkRunAction", self.tr("&Fork from here…"), self.fork_dialog_open)
        self.twin_action = self._action("twinRunAction", self.tr("&Twin run…"), self.twin_dialog_open)
        self.twin_action.setToolTip(
            self.tr("Train the panels' setup twice at once, one knob changed, same seed and batches")
        )
        self.watch_action = self._action("watchRunAction", self.tr("&Watch a run folder…"), self.watch_dialog)
        self.sweep_action = self._action("sweepAction", self.tr("S&weep…"), self.sweep_dialog_open)
        self.sweep_action.setToolTip(self.tr("Many runs of the panels' setup over a search space (Optuna)"))
        self.watch_sweep_action = self._action("watchSweepAction", self.tr("Watch a s&weep…"), self.watch_sweep_open)
        self.stop_watch_action = self._action("stopWatchAction", self.tr("Stop &watching"), self.stop_watching)
        self.stop_watch_action.setEnabled(False)
        self.save_weights_action = self._action(
            "saveWeightsAction", self.tr("Save &weights to…"), self.save_weights_dialog
        )
        self.save_weights_action.setToolTip(self.tr("Save the model of a run whose folder could not be written"))
        self.save_weights_action.setEnabled(False)
        self.export_actions = {
            fmt: self._action(f"export-{fmt}", export_title(text), lambda _c=False, f=fmt: self.export_dialog(f))
            for fmt, text, _filter in EXPORTS
        }
        panel = window.runs_panel
        panel.resume_requested.connect(self.resume)
        panel.fork_requested.connect(self.fork_dialog_open)

    def _action(self, name: str, text: str, slot: Any) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def add_file_actions(self, menu: QMenu) -> None:
        menu.addAction(self.save_weights_action)
        menu.addAction(self.watch_action)
        menu.addAction(self.stop_watch_action)
        menu.addAction(self.watch_sweep_action)
        export = menu.addMenu(self.tr("&Export"))
        export.setObjectName("exportMenu")
        for fmt, action in self.export_actions.items():
            if fmt == "plot-png":
                export.addSeparator()
            export.addAction(action)

    def add_run_actions(self, menu: QMenu) -> None:
        menu.addAction(self.resume_action)
        menu.addAction(self.fork_action)
        menu.addSeparator()
        menu.addAction(self.twin_action)
        menu.addAction(self.sweep_action)

    # --- sweeps (gui/sweep_view.py) ------------------------------------------------------------------------
    def sweep_dialog_open(self) -> QDialog | None:
        from vision_lab.gui.sweep_view import open_sweep_dialog

        lesson = getattr(self.window, "lesson_view", None)
        preset = getattr(lesson, "preset", None)
        sweep = getattr(preset, "sweep", None)
        same = preset is not None and preset.config.model == self.window.current_config().model
        return open_sweep_dialog(self.window, sweep if same else None)  # type: ignore[arg-type]

    def watch_sweep_open(self) -> QDialog:
        from vision_lab.gui.sweep_view import watch_sweep_dialog

        return watch_sweep_dialog(self.window)  # type: ignore[arg-type]

    def _say(self, text: str, title: str = "") -> bool:
        self.window.show_dialog(QMessageBox.Icon.Information, title or "Vision Lab", text)
        return False

    def _target(self, path: Path | None, verb: str) -> Path | None:
        """The run to act on (``path`` or the window's), opened in the window; None after telling why not."""
        w = self.window
        if w.worker is not None:
            busy = {
                "resume": self.tr("Stop the run that is training before you resume one."),
                "fork": self.tr("Stop the run that is training before you fork one."),
            }
            self._say(busy[verb])
            return None
        path = Path(path) if path is not None else w.opened_run
        if path is None:
            none = {
                "resume": self.tr(
                    "Open a run first (File ▸ Open run… or the Runs list), or train one: resume acts on it."
                ),
                "fork": self.tr("Open a run first (File ▸ Open run… or the Runs list), or train one: fork acts on it."),
            }
            self._say(none[verb])
            return None
        opened = w.opened_run
        if (opened is None or path.resolve() != opened.resolve()) and not w.open_run(path):
            return None
        return path

    # --- resume and fork ---------------------------------------------------------------------------------
    def user_changes(self) -> dict[str, Any]:
        """The settings changed in the panels since the opened run was shown, as dotted overrides."""
        w = self.window
        base, now = w.panel_baseline, w.current_config()
        if base is None:
            return {}
        flat = flat_config(now)
        return {k: flat[k] for k in config_changes(base, now)}

    def resume(self, path: Path | None = None) -> bool:
        """Continue a run in place; the panels may change only how long it trains (Epochs) and the device."""
        w = self.window
        target = self._target(path, "resume")
        if target is None:
            return False
        try:
            info = run_info(target)
            changes = self.user_changes()
            live = (info.summary or {}).get("lr_changes")
            if live and "optim.lr" in changes and math.isclose(float(changes["optim.lr"]), float(live[-1][-1])):
                del changes["optim.lr"]  # the rate set while it trained: the checkpoint carries it on
            cfg = apply_overrides(open_run(target).config, changes)
        except VisionLabError as err:
            return self._say(str(err), self.tr("Cannot resume"))
        if not info.resumable:
            why = (
                self.tr(
                    "'{run}' cannot be resumed: its loss became NaN; fork it from an earlier epoch with a lower "
                    "learning rate."
                )
                if info.status == "diverged"
                else self.tr("'{run}' cannot be resumed: it saved no checkpoint.")
            )
            return self._say(why.format(run=target.name), self.tr("Cannot resume"))
        fixed = [k for k in changes if k not in RESUMABLE]
        if fixed:
            return self._say(
                self.tr(
                    "A resumed run keeps its settings, but {settings} changed in the panels: use Run ▸ Fork "
                    "from here… to train with the change."
                ).format(settings=", ".join(setting_label(k) for k in fixed)),
                self.tr("Cannot resume"),
            )
        busy = holder(target)  # another process trains it: say so now, before the panels are cleared for a start
        if busy is not None:
            return self._say(busy, self.tr("Cannot resume"))
        if info.status == "completed" and cfg.train.epochs <= (info.epochs_done or 0.0):
            return self._say(
                self.tr(
                    "'{run}' has trained all its {epochs} epochs: raise Epochs in the Training panel above that, "
                    "then Resume."
                ).format(run=target.name, epochs=info.epochs),
                self.tr("Nothing left to train"),
            )
        return w.start(launch=Launch(cfg, resume=target, overrides=changes))

    def fork_dialog_open(self, path: Path | None = None) -> ForkDialog | None:
        target = self._target(path, "fork")
        if target is None:
            return None
        try:
            cfg = apply_overrides(open_run(target).config, self.user_changes())
        except VisionLabError as err:
            self._say(str(err), self.tr("Cannot fork"))
            return None
        dialog = ForkDialog(target, cfg, self.window)
        dialog.accepted.connect(lambda: self.fork(target, dialog.epoch()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.fork_dialog = dialog
        return dialog

    def fork(self, parent: Path, epoch: int | None = None) -> bool:
        """A new run from ``parent`` (latest checkpoint, or the end of ``epoch``) with the panels' changes."""
        w = self.window
        if not w.settings_valid:
            problem = w.settings_problem or self.tr("The settings in the panels are not valid.")
            return self._say(problem, self.tr("Cannot fork"))
        try:
            changes = self.user_changes()
            cfg = apply_overrides(open_run(parent).config, changes).validate()
        except VisionLabError as err:
            return self._say(str(err), self.tr("Cannot fork"))
        return w.start(launch=Launch(cfg, fork=parent, fork_epoch=epoch, overrides=changes))

    # --- twin runs ---------------------------------------------------------------------------------------
    def twin_dialog_open(self) -> QDialog | None:
        from vision_lab.gui.twin import TwinDialog

        w = self.window
        if not w.settings_valid:
            problem = w.settings_problem or self.tr("The settings in the panels are not valid.")
            self._say(problem, self.tr("Cannot start twin runs"))
            return None
        if w.data_panel.dataset is None:
            self._say(
                self.tr("The dataset is still loading; try again in a moment."), self.tr("Cannot start twin runs")
            )
            return None
        dialog = TwinDialog(w.current_config(), w)
        dialog.accepted.connect(lambda: self.start_twins(dialog.twin_config()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.twin_dialog = dialog
        return dialog

    def start_twins(self, cfg_b: ExperimentConfig) -> TwinWindow:
        from vision_lab.core.paths import runs_dir
        from vision_lab.gui.twin import TwinWindow

        w = self.window
        if self.twin_window is not None:
            self.twin_window.close()  # stops and joins its runs
            self.twin_window.deleteLater()
        twin = TwinWindow(
            w.current_config(),
            cfg_b,
            dataset=w.data_panel.dataset,
            runs_root=w.runs_root if w.runs_root is not None else runs_dir(),
            parent=w,
        )
        twin.runs_changed.connect(w.runs_panel.refresh)
        twin.show()
        twin.start()
        self.twin_window = twin
        return twin

    # --- watching a folder another process writes -----------------------------------------------------------
    def watch_dialog(self) -> None:
        w = self.window
        start = str(w.runs_panel.root)
        folder = QFileDialog.getExistingDirectory(w, self.tr("Watch a run folder"), start)
        if folder:
            self.watch(Path(folder))

    def watch(self, path: Path) -> bool:
        """Follow a run folder that another process writes: its curves, previews and end, live."""
        from vision_lab.core.follow import RunFollower

        w = self.window
        if w.worker is not None:
            return self._say(self.tr("Stop the run that is training before watching another one."))
        self.stop_watching()
        self.follower = RunFollower(path)
        self._weights_seen = None
        w.opened_run = Path(path)
        w.clear_run_views(self.tr("Waiting for the run's first preview…"))
        self.stop_watch_action.setEnabled(True)
        self.poll()
        if self.follower is not None and not self.follower.finished:
            self.watch_timer.start()
        return True

    @property
    def watching(self) -> bool:
        return self.follower is not None and self.watch_timer.isActive()

    def stop_watching(self) -> None:
        if self.follower is None:
            return
        self.watch_timer.stop()
        self.follower = None
        self.stop_watch_action.setEnabled(False)

    def poll(self) -> None:
        follower, w = self.follower, self.window
        if follower is None:
            return
        update = follower.poll()
        path = follower.path
        if update.config is not None:
            w.show_config(update.config)
            w.progress.setRange(0, 1000)
            w.runs_panel.refresh()
        if update.restarted:
            cfg = follower.config
            w.loss_plot.reset(cfg.model if cfg else w.model_panel.family, cfg.train.epochs if cfg else 1)
        for row in update.rows:
            w.loss_plot.add_metrics(metrics_from_row(row))
        if update.rows or update.restarted:
            w.loss_plot.refresh()
        if update.previews:
            w.show_saved_previews(path)
        if update.rows and follower.config is not None:
            epoch = update.rows[-1].get("epoch") or 0.0
            w.progress.setValue(min(1000, round(1000 * epoch / max(1, follower.config.train.epochs))))
        self._reload_weights_if_new(path)
        if follower.waiting:
            w.status_label.setText(
                self.tr("Watching '{folder}': waiting for a run to start writing there…").format(folder=path)
            )
        elif update.summary is not None:
            self.watch_timer.stop()
            self.stop_watch_action.setEnabled(False)
            result = final_metric_cell(update.summary)[0]
            status = update.summary.get("status", "completed")
            ended = (
                self.tr("Watched {run} to its end ({status}, {result}).")
                if result != "–"
                else self.tr("Watched {run} to its end ({status}).")
            )
            w.status_label.setText(ended.format(run=path.name, status=status, result=result))
            w.runs_panel.refresh()
        elif update.rows:
            last = update.rows[-1]
            cfg = follower.config
            title = gui_families.title(cfg.model) if cfg else self.tr("run")
            epochs = cfg.train.epochs if cfg else "?"
            w.status_label.setText(
                self.tr(
                    "Watching {run} ({family}, written by another process): epoch {epoch} of {epochs}, step {step}"
                ).format(
                    run=path.name,
                    family=title,
                    epoch=f"{(last.get('epoch') or 0.0):.2f}",
                    epochs=epochs,
                    step=f"{int(last.get('step') or 0):,}",
                )
            )
        if not update.empty:
            self.watch_updated.emit()

    def _reload_weights_if_new(self, path: Path) -> None:
        """The Inspect views follow the watched run's checkpoints (written at each epoch end and at its end)."""
        from vision_lab.core.inspect import Inspector
        from vision_lab.core.runs import WEIGHTS

        try:
            st = (path / WEIGHTS).stat()
        except OSError:
            return
        seen = (st.st_mtime_ns, st.st_size)
        if seen == self._weights_seen:
            return
        self._weights_seen = seen
        w = self.window
        try:
            inspector = Inspector.from_run(path)
        except VisionLabError:
            return  # a run stopped before its first checkpoint has no weights to inspect
        same_data = inspector.cfg.data.name == w.data_panel.current_key
        w.inspect_panel.open_run(inspector, w.data_panel.dataset if same_data else None)

    def shutdown(self) -> None:
        self.stop_watching()
        if self.sweep_window is not None:
            self.sweep_window.shutdown()  # stops the sweep at its trials' next report and joins it
        for job in list(self._exports):
            job.wait()
        if self.twin_window is not None:
            self.twin_window.close()


__all__ = ["EXPORTS", "ForkDialog", "RunActions", "RunHost"]
