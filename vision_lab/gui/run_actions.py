"""What the window does with saved runs: Resume, Fork from here, Twin runs, Watch a folder, Export.

The window owns one :class:`RunActions`; its QActions sit in the File and Run menus and the runs browser's
Resume and Fork buttons call it too. Everything here acts on ``window.opened_run``: the run last opened,
watched or trained in the window. Training still goes through ``MainWindow.start`` (with a core
:class:`~vision_lab.core.lineage.Launch`), so a resumed or forked run pauses, steps and stops like any other.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMenu,
    QMessageBox,
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
from vision_lab.gui.labels import describe_changes, setting_label
from vision_lab.gui.results import final_metric_cell, metrics_from_row
from vision_lab.gui.worker import FunctionWorker

if TYPE_CHECKING:
    from vision_lab.core.follow import RunFollower
    from vision_lab.gui.main_window import MainWindow
    from vision_lab.gui.twin import TwinWindow

WATCH_MS = 500  # a shared or network folder gives no change events: poll, cheaply (a stat per file)
EXPORTS = (
    ("safetensors", "&Weights (safetensors)…", "Safetensors (*.safetensors)"),
    ("torchscript", "&TorchScript…", "TorchScript (*.pt)"),
    ("onnx", "&ONNX…", "ONNX (*.onnx)"),
    ("script", "Standalone Python &script…", "Python (*.py)"),
    ("csv", "&Metrics (CSV)…", "CSV (*.csv)"),
    ("plot-png", "Loss &plot as PNG…", "PNG image (*.png)"),
    ("plot-svg", "Loss plot as S&VG…", "SVG image (*.svg)"),
    ("preview-png", "P&review grid as PNG…", "PNG image (*.png)"),
)
MODEL_EXPORTS = ("safetensors", "torchscript", "onnx", "script", "csv")


class ForkDialog(QDialog):
    """Pick where a fork starts (the latest checkpoint or an epoch's weights) and see what it changes."""

    def __init__(self, parent_run: Path, cfg: ExperimentConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forkDialog")
        self.setWindowTitle(f"Fork {parent_run.name}")
        self.parent_run = parent_run
        info = run_info(parent_run)
        self.source = QComboBox()
        self.source.setObjectName("forkFromCombo")
        if (parent_run / CHECKPOINT).is_file() and info.status != "diverged":
            where = f"epoch {info.epochs_done:g}, step {info.step}" if info.epochs_done is not None else "its end"
            self.source.addItem(f"Where it stopped ({where}): weights and optimizer state", None)
        for epoch in reversed(checkpoint_epochs(parent_run)):
            label = "Its starting weights (epoch 0)" if epoch == 0 else f"The end of epoch {epoch}: weights only"
            self.source.addItem(label, epoch)
        changes = describe_changes(open_run(parent_run).config, cfg)
        self.changes = QLabel(
            "Changed in the panels: " + "; ".join(changes) + "."
            if changes
            else "No settings changed in the panels: the fork trains on as the run would. "
            "Change knobs in the panels first to try something else."
        )
        self.changes.setObjectName("forkChanges")
        self.changes.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Fork")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.source.count() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form = QFormLayout()
        form.addRow("Start from", self.source)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.changes)
        if self.source.count() == 0:
            self.changes.setText("This run kept no checkpoint or epoch weights to fork from.")
        lay.addWidget(buttons)

    def epoch(self) -> int | None:
        """None: the latest checkpoint; else the epoch whose end-of-epoch weights start the fork."""
        data = self.source.currentData()
        return None if data is None else int(data)


class RunActions(QObject):
    export_done = Signal(object)  # ExportResult or the written Path
    watch_updated = Signal()  # a poll found something new

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.follower: RunFollower | None = None
        self._weights_seen: tuple[int, int] | None = None  # (mtime_ns, size) of the watched run's weights
        self.twin_window: TwinWindow | None = None
        self.fork_dialog: ForkDialog | None = None
        self.twin_dialog: QDialog | None = None
        self._exports: list[FunctionWorker] = []
        self.unsaved: tuple[Finished, Started] | None = None
        """A run whose folder could not be written: its model (``Finished.weights``) waits here to be saved."""
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(WATCH_MS)
        self.watch_timer.timeout.connect(self.poll)

        self.resume_action = self._action("resumeRunAction", "&Resume run", self.resume)
        self.resume_action.setToolTip("Continue the opened run where it stopped (raise Epochs to train a finished one)")
        self.fork_action = self._action("forkRunAction", "&Fork from here…", self.fork_dialog_open)
        self.twin_action = self._action("twinRunAction", "&Twin run…", self.twin_dialog_open)
        self.twin_action.setToolTip("Train the panels' setup twice at once, one knob changed, same seed and batches")
        self.watch_action = self._action("watchRunAction", "&Watch a run folder…", self.watch_dialog)
        self.stop_watch_action = self._action("stopWatchAction", "Stop &watching", self.stop_watching)
        self.stop_watch_action.setEnabled(False)
        self.save_weights_action = self._action("saveWeightsAction", "Save &weights to…", self.save_weights_dialog)
        self.save_weights_action.setToolTip("Save the model of a run whose folder could not be written")
        self.save_weights_action.setEnabled(False)
        self.export_actions = {
            fmt: self._action(f"export-{fmt}", text, lambda _c=False, f=fmt: self.export_dialog(f))
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
        export = menu.addMenu("&Export")
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

    def _say(self, text: str, title: str = "Vision Lab") -> bool:
        self.window._message(QMessageBox.Icon.Information, title, text)
        return False

    def _target(self, path: Path | None, verb: str) -> Path | None:
        """The run to act on (``path`` or the window's), opened in the window; None after telling why not."""
        w = self.window
        if w.worker is not None:
            self._say(f"Stop the run that is training before you {verb} one.")
            return None
        path = Path(path) if path is not None else w.opened_run
        if path is None:
            self._say(f"Open a run first (File ▸ Open run… or the Runs list), or train one: {verb} acts on it.")
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
            return self._say(str(err), "Cannot resume")
        if not info.resumable:
            why = (
                "its loss became NaN; fork it from an earlier epoch with a lower learning rate"
                if info.status == "diverged"
                else "it saved no checkpoint"
            )
            return self._say(f"'{target.name}' cannot be resumed: {why}.", "Cannot resume")
        fixed = [k for k in changes if k not in RESUMABLE]
        if fixed:
            return self._say(
                f"A resumed run keeps its settings, but {', '.join(setting_label(k) for k in fixed)} changed in the "
                "panels: use Run ▸ Fork "
                "from here… to train with the change.",
                "Cannot resume",
            )
        busy = holder(target)  # another process trains it: say so now, before the panels are cleared for a start
        if busy is not None:
            return self._say(busy, "Cannot resume")
        if info.status == "completed" and cfg.train.epochs <= (info.epochs_done or 0.0):
            return self._say(
                f"'{target.name}' has trained all its {info.epochs} epochs: raise Epochs in the Training panel "
                "above that, then Resume.",
                "Nothing left to train",
            )
        return w.start(launch=Launch(cfg, resume=target, overrides=changes))

    def fork_dialog_open(self, path: Path | None = None) -> ForkDialog | None:
        target = self._target(path, "fork")
        if target is None:
            return None
        try:
            cfg = apply_overrides(open_run(target).config, self.user_changes())
        except VisionLabError as err:
            self._say(str(err), "Cannot fork")
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
        if not w._valid:
            return self._say(w._problem or "The settings in the panels are not valid.", "Cannot fork")
        try:
            changes = self.user_changes()
            cfg = apply_overrides(open_run(parent).config, changes).validate()
        except VisionLabError as err:
            return self._say(str(err), "Cannot fork")
        return w.start(launch=Launch(cfg, fork=parent, fork_epoch=epoch, overrides=changes))

    # --- twin runs ---------------------------------------------------------------------------------------
    def twin_dialog_open(self) -> QDialog | None:
        from vision_lab.gui.twin import TwinDialog

        w = self.window
        if not w._valid:
            self._say(w._problem or "The settings in the panels are not valid.", "Cannot start twin runs")
            return None
        if w.data_panel.dataset is None:
            self._say("The dataset is still loading; try again in a moment.", "Cannot start twin runs")
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
        folder = QFileDialog.getExistingDirectory(w, "Watch a run folder", start)
        if folder:
            self.watch(Path(folder))

    def watch(self, path: Path) -> bool:
        """Follow a run folder that another process writes: its curves, previews and end, live."""
        from vision_lab.core.follow import RunFollower

        w = self.window
        if w.worker is not None:
            return self._say("Stop the run that is training before watching another one.")
        self.stop_watching()
        self.follower = RunFollower(path)
        self._weights_seen = None
        w.opened_run = Path(path)
        w.clear_run_views(w.tr("Waiting for the run's first preview…"))
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
            w._show_saved_previews(path)
        if update.rows and follower.config is not None:
            epoch = update.rows[-1].get("epoch") or 0.0
            w.progress.setValue(min(1000, round(1000 * epoch / max(1, follower.config.train.epochs))))
        self._reload_weights_if_new(path)
        if follower.waiting:
            w.status_label.setText(f"Watching '{path}': waiting for a run to start writing there…")
        elif update.summary is not None:
            self.watch_timer.stop()
            self.stop_watch_action.setEnabled(False)
            result = final_metric_cell(update.summary)[0]
            status = update.summary.get("status", "completed")
            w.status_label.setText(
                f"Watched {path.name} to its end ({status}" + (f", {result}" if result != "–" else "") + ")."
            )
            w.runs_panel.refresh()
        elif update.rows:
            last = update.rows[-1]
            cfg = follower.config
            title = gui_families.title(cfg.model) if cfg else "run"
            epochs = cfg.train.epochs if cfg else "?"
            w.status_label.setText(
                f"Watching {path.name} ({title}, written by another process): epoch "
                f"{(last.get('epoch') or 0.0):.2f} of {epochs}, step {int(last.get('step') or 0):,}"
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

    # --- export -----------------------------------------------------------------------------------------------
    def export_dialog(self, fmt: str) -> None:
        w = self.window
        title, filt = next((t, f) for f_, t, f in EXPORTS if f_ == fmt)
        name = (w.opened_run.name if w.opened_run else "vision-lab") + {
            "plot-png": "-loss.png",
            "plot-svg": "-loss.svg",
            "preview-png": "-preview.png",
        }.get(fmt, "")
        start = str(Path.home() / name)
        # Our own question instead of the dialog's "already exists": a run's own file is refused, not offered.
        dont_ask = QFileDialog.Option.DontConfirmOverwrite
        caption = "Export " + title.replace("&", "").rstrip("…")
        out, _ = QFileDialog.getSaveFileName(w, caption, start, filt, options=dont_ask)
        if out:
            self.export(fmt, Path(out), ask=True)

    def export(self, fmt: str, out: Path, *, force: bool = False, ask: bool = False) -> bool:
        """Write ``fmt`` to ``out``; the model formats run (and are checked) off the GUI thread.

        A run's own files are never written (a dialog says why); a file that is not an earlier export of this kind
        is replaced only after a confirmation (``force``), as the CLI wants --force; ``ask`` (the dialog's way):
        any existing file is replaced only after a confirmation. False: nothing started (yet).
        """
        w = self.window
        out = Path(out)
        from vision_lab.core.errors import ExportOverwrite
        from vision_lab.core.export import export_run
        from vision_lab.core.export_targets import TITLES, export_target, run_file_owner

        owner = run_file_owner(out)
        if owner is not None:
            text = self.tr("'{name}' is the run's own {file}: an export there would destroy the run.").format(
                name=out, file=owner
            )
            w._message(QMessageBox.Icon.Warning, self.tr("Export refused"), text)
            return False
        if fmt in MODEL_EXPORTS:
            run = w.opened_run
            if run is None:
                return self._say("Train or open a run first: Export writes a saved run's model.", "Nothing to export")
            try:
                target = export_target(run, fmt, out, force=force)
            except ExportOverwrite as err:
                text = self.tr("'{name}' is not an earlier {kind} export from Vision Lab. Replace it?").format(
                    name=err.path or out, kind=err.kind
                )
                self._confirm_replace(text, self.tr("What it holds now will be lost."), fmt, out)
                return False
            except VisionLabError as err:
                w._message(QMessageBox.Icon.Warning, self.tr("Export refused"), str(err))
                return False
            if ask and not force and target.exists():
                text = self.tr("Replace the earlier {kind} export '{name}'?").format(name=target, kind=TITLES[fmt])
                self._confirm_replace(text, "", fmt, out)
                return False
            job = FunctionWorker(lambda _progress: export_run(run, fmt, out, force=force), self)
            job.done.connect(self._exported)
            job.failed.connect(lambda msg, details: w._message(QMessageBox.Icon.Warning, "Export failed", msg, details))
            job.finished.connect(lambda j=job: self._exports.remove(j) if j in self._exports else None)
            self._exports.append(job)
            w.status_label.setText(f"Exporting {run.name} as {fmt}…")
            job.start()
            return True
        if ask and not force and out.exists():
            self._confirm_replace(self.tr("'{name}' already exists. Replace it?").format(name=out), "", fmt, out)
            return False
        try:
            if fmt == "plot-png":
                with w.loss_plot.legend_for_export():
                    ok = w.loss_plot.plot_widget.grab().save(str(out))
            elif fmt == "plot-svg":
                with w.loss_plot.legend_for_export():
                    ok = _save_svg(w.loss_plot.plot_widget, out)
            elif fmt == "preview-png":
                if w.preview.count == 0:
                    return self._say("There is no preview grid to export yet.", "Nothing to export")
                ok = w.preview.grab().save(str(out))
            else:
                raise ValueError(fmt)
        except OSError as err:
            ok, reason = False, err.strerror or str(err)
        else:
            reason = "check that its folder exists and is writable"
        if not ok:
            w._message(QMessageBox.Icon.Warning, "Export failed", f"Could not write '{out}': {reason}.")
            return False
        self._exported(out)
        return True

    def _confirm_replace(self, text: str, informative: str, fmt: str, out: Path) -> None:
        """Ask before writing over an existing file (window-modal, non-blocking); Replace exports with ``force``."""
        w = self.window
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Replace the file?"),
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            w,
        )
        box.setObjectName("confirmOverwrite")
        if informative:
            box.setInformativeText(informative)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Replace"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.export(fmt, out, force=True))
        box.open()
        w.last_message = box

    # --- a run whose folder could not be written -----------------------------------------------------------------
    def keep_unsaved(self, finished: Finished, started: Started | None) -> None:
        """Hold the model of a run that could not write its folder and offer, in the dialog, to save it elsewhere."""
        w = self.window
        if finished.weights is None or started is None:
            return
        self.unsaved = (finished, started)
        self.save_weights_action.setEnabled(True)
        if w._closing:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Run not saved", finished.message, QMessageBox.StandardButton.Close, w
        )
        box.setObjectName("errorDialog")
        box.setInformativeText("The trained model is still here: save its weights to another folder.")
        save = box.addButton("Save weights to…", QMessageBox.ButtonRole.AcceptRole)
        save.setObjectName("saveWeightsButton")
        save.clicked.connect(lambda _checked=False: self.save_weights_dialog())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        w.last_message = box

    def save_weights_dialog(self) -> None:
        if self.unsaved is None:
            self._say("There is no unsaved model: every run so far was saved in its run folder.")
            return
        folder = QFileDialog.getExistingDirectory(self.window, "Save the model's weights in a folder", str(Path.home()))
        if folder:
            self.save_weights(Path(folder))

    def save_weights(self, folder: Path) -> Path | None:
        """Write the unsaved model as weights.safetensors + config.json + dataset.json (Open run and Export read it)."""
        from vision_lab.core.runs import save_model

        w = self.window
        if self.unsaved is None:
            return None
        finished, started = self.unsaved
        assert finished.weights is not None
        try:
            path = save_model(folder, started.config, started.dataset, finished.weights, finished.step)
        except VisionLabError as err:
            w._message(QMessageBox.Icon.Warning, "Could not save the weights", str(err))
            return None
        self.unsaved = None
        self.save_weights_action.setEnabled(False)
        self._exported(f"the model (step {finished.step}) to {path}")
        return path

    def _exported(self, result: object) -> None:
        text = result.describe() if hasattr(result, "describe") else f"Wrote {result}."
        self.window.status_label.setText(text)
        self.window.statusBar().showMessage(text, 8000)
        self.export_done.emit(result)

    def shutdown(self) -> None:
        self.stop_watching()
        for job in list(self._exports):
            job.wait()
        if self.twin_window is not None:
            self.twin_window.close()


def _save_svg(widget: QWidget, out: Path) -> bool:
    """The plot as vector paths (QtSvg paints the widget's scene into an SVG document)."""
    from PySide6.QtSvg import QSvgGenerator

    if not out.parent.is_dir():
        return False
    generator = QSvgGenerator()
    generator.setFileName(str(out))
    size = widget.size()
    generator.setSize(QSize(size.width(), size.height()))
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle("Vision Lab loss plot")
    painter = QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()
    return out.is_file() and out.stat().st_size > 0


__all__ = ["EXPORTS", "ForkDialog", "RunActions"]
