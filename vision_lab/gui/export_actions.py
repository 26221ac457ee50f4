"""Export from the window: a run's model (weights, TorchScript, ONNX, a script) and metrics, the loss plot and the
preview grid; and the model of a run whose folder could not be written, kept until it is saved elsewhere.

Part of :class:`~vision_lab.gui.run_actions.RunActions` (its File ▸ Export menu and Save weights to…); apart so that
each module holds one concern. It reaches the window through :class:`~vision_lab.gui.run_actions.RunHost`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from vision_lab.core import i18n as core_i18n
from vision_lab.core.errors import VisionLabError
from vision_lab.core.events import Finished, Started
from vision_lab.gui.worker import FunctionWorker

if TYPE_CHECKING:
    from vision_lab.gui.run_actions import RunHost

# The menu titles are marked for lupdate here and translated where they are shown (export_title).
EXPORTS = (
    ("safetensors", QT_TRANSLATE_NOOP("ExportActions", "&Weights (safetensors)…"), "Safetensors (*.safetensors)"),
    ("torchscript", QT_TRANSLATE_NOOP("ExportActions", "&TorchScript…"), "TorchScript (*.pt)"),
    ("onnx", QT_TRANSLATE_NOOP("ExportActions", "&ONNX…"), "ONNX (*.onnx)"),
    ("script", QT_TRANSLATE_NOOP("ExportActions", "Standalone Python &script…"), "Python (*.py)"),
    ("csv", QT_TRANSLATE_NOOP("ExportActions", "&Metrics (CSV)…"), "CSV (*.csv)"),
    (
        "plot-png",
        QT_TRANSLATE_NOOP("ExportActions", "Loss &plot as PNG…"),
        QT_TRANSLATE_NOOP("ExportActions", "PNG image (*.png)"),
    ),
    (
        "plot-svg",
        QT_TRANSLATE_NOOP("ExportActions", "Loss plot as S&VG…"),
        QT_TRANSLATE_NOOP("ExportActions", "SVG image (*.svg)"),
    ),
    (
        "preview-png",
        QT_TRANSLATE_NOOP("ExportActions", "P&review grid as PNG…"),
        QT_TRANSLATE_NOOP("ExportActions", "PNG image (*.png)"),
    ),
)
MODEL_EXPORTS = ("safetensors", "torchscript", "onnx", "script", "csv")


def export_title(title: str) -> str:
    """An EXPORTS menu title in the window's language."""
    return QCoreApplication.translate("ExportActions", title)


class ExportActions:
    """The export half of RunActions (a mixin of that QObject, which makes the actions and owns ``window``,
    ``export_done`` and ``_say``)."""

    window: RunHost
    unsaved: tuple[Finished, Started] | None
    """A run whose folder could not be written: its model (``Finished.weights``) waits here to be saved."""
    export_actions: dict[str, QAction]
    save_weights_action: QAction
    _exports: list[FunctionWorker]
    export_done: Any  # RunActions' Signal(object): ExportResult or the written Path

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
        caption = QCoreApplication.translate("ExportActions", "Export {what}").format(
            what=re.sub(r"\(&\w\)", "", export_title(title)).replace("&", "").rstrip("…")
        )
        out, _ = QFileDialog.getSaveFileName(w, caption, start, self.tr(filt), options=dont_ask)
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
            w.show_dialog(QMessageBox.Icon.Warning, self.tr("Export refused"), text)
            return False
        if fmt in MODEL_EXPORTS:
            run = w.opened_run
            if run is None:
                return self._say(
                    self.tr("Train or open a run first: Export writes a saved run's model."),
                    self.tr("Nothing to export"),
                )
            try:
                target = export_target(run, fmt, out, force=force)
            except ExportOverwrite as err:
                text = self.tr("'{name}' is not an earlier {kind} export from Vision Lab. Replace it?").format(
                    name=err.path or out, kind=core_i18n.text(err.kind)
                )
                self._confirm_replace(text, self.tr("What it holds now will be lost."), fmt, out)
                return False
            except VisionLabError as err:
                w.show_dialog(QMessageBox.Icon.Warning, self.tr("Export refused"), str(err))
                return False
            if ask and not force and target.exists():
                text = self.tr("Replace the earlier {kind} export '{name}'?").format(
                    name=target, kind=core_i18n.text(TITLES[fmt])
                )
                self._confirm_replace(text, "", fmt, out)
                return False
            job = FunctionWorker(lambda _progress: export_run(run, fmt, out, force=force), self)
            job.done.connect(self._exported)
            job.failed.connect(
                lambda msg, details: w.show_dialog(QMessageBox.Icon.Warning, self.tr("Export failed"), msg, details)
            )
            job.finished.connect(lambda j=job: self._exports.remove(j) if j in self._exports else None)
            self._exports.append(job)
            w.status_label.setText(self.tr("Exporting {run} as {format}…").format(run=run.name, format=fmt))
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
                    return self._say(self.tr("There is no preview grid to export yet."), self.tr("Nothing to export"))
                ok = w.preview.grab().save(str(out))
            else:
                raise ValueError(fmt)
        except OSError as err:
            ok, reason = False, err.strerror or str(err)
        else:
            reason = self.tr("check that its folder exists and is writable")
        if not ok:
            could_not = self.tr("Could not write '{path}': {reason}.").format(path=out, reason=reason)
            w.show_dialog(QMessageBox.Icon.Warning, self.tr("Export failed"), could_not)
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
        if w.closing:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Run not saved"), finished.message, QMessageBox.StandardButton.Close, w
        )
        box.setObjectName("errorDialog")
        box.setInformativeText(self.tr("The trained model is still here: save its weights to another folder."))
        save = box.addButton(self.tr("Save weights to…"), QMessageBox.ButtonRole.AcceptRole)
        save.setObjectName("saveWeightsButton")
        save.clicked.connect(lambda _checked=False: self.save_weights_dialog())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        w.last_message = box

    def save_weights_dialog(self) -> None:
        if self.unsaved is None:
            self._say(self.tr("There is no unsaved model: every run so far was saved in its run folder."))
            return
        folder = QFileDialog.getExistingDirectory(
            self.window, self.tr("Save the model's weights in a folder"), str(Path.home())
        )
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
            w.show_dialog(QMessageBox.Icon.Warning, self.tr("Could not save the weights"), str(err))
            return None
        self.unsaved = None
        self.save_weights_action.setEnabled(False)
        self._exported(self.tr("Wrote the model (step {step}) to {path}.").format(step=finished.step, path=path))
        return path

    def _exported(self, result: object) -> None:
        if hasattr(result, "describe"):
            text = result.describe()
        elif isinstance(result, str):
            text = result  # a sentence already
        else:
            text = self.tr("Wrote {path}.").format(path=result)
        self.window.status_label.setText(text)
        self.window.statusBar().showMessage(text, 8000)
        self.export_done.emit(result)


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


__all__ = ["EXPORTS", "MODEL_EXPORTS", "ExportActions", "export_title"]
