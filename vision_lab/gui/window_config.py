"""The main window's settings side: the panels read into an ExperimentConfig and checked (each message next to the
panel it is about; Start only for valid settings), a family's own training defaults, Save experiment, and lessons.

A part of :class:`~vision_lab.gui.main_window.MainWindow` (a mixin); apart because it is where the panels become a
config and a lesson becomes the panels.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QFormLayout, QMessageBox, QStyle, QWidget

from vision_lab.core import families
from vision_lab.core.atomic import atomic_write_text
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.errors import ConfigError, VisionLabError
from vision_lab.gui import families as gui_families
from vision_lab.gui.labels import describe_changes
from vision_lab.gui.panels.model import fit_check
from vision_lab.gui.panels.training import device_available
from vision_lab.gui.widgets.fields import ERROR_COLOR

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QMenu, QPushButton, QTabWidget

    from vision_lab.core.data import ImageDataset
    from vision_lab.core.events import Started
    from vision_lab.gui.panels.data import DataPanel
    from vision_lab.gui.panels.inspect import InspectPanel
    from vision_lab.gui.panels.model import ModelPanel
    from vision_lab.gui.panels.training import TrainingPanel


class WindowConfig:
    """The panels' settings, checked (a mixin of MainWindow, whose other parts make the widgets used here)."""

    data_panel: DataPanel
    model_panel: ModelPanel
    training_panel: TrainingPanel
    inspect_panel: InspectPanel
    tabs: QTabWidget
    lessons_menu: QMenu
    start_button: QPushButton
    pause_button: QPushButton
    stop_button: QPushButton
    step_button: QPushButton
    reset_button: QPushButton
    status_label: QLabel
    settings_valid: bool
    settings_problem: str | None
    preset_hidden: tuple[str, ...]
    _paused: bool
    _started: Started | None
    _shown_problem: str | None
    _opened_data: str | None
    """The open lesson's config while its family is on show: the settings no panel shows stay the lesson's."""

    # --- lessons -------------------------------------------------------------------------------------------------
    def _fill_lessons(self) -> None:
        from vision_lab.core.presets import list_presets
        from vision_lab.gui.lesson_view import fill_lessons_menu

        self.lessons_menu.clear()
        try:
            presets = list_presets()
        except VisionLabError as err:
            self.lessons_menu.addAction(str(err)).setEnabled(False)
            return
        fill_lessons_menu(self.lessons_menu, presets, self.apply_preset, self.lesson_view)
        self.lessons_menu.addSeparator()
        show_all = self.lessons_menu.addAction(self.tr("Show all controls"))
        show_all.setObjectName("showAllControlsAction")
        show_all.triggered.connect(lambda: self._hide_controls(()))

    def apply_preset(self, preset: object) -> None:
        """Load a lesson: its data, model and knobs into the panels, its lesson text, its hidden controls."""
        if self.worker is not None:
            self.statusBar().showMessage(self.tr("Stop the run before opening a lesson."), 5000)
            return
        cfg: ExperimentConfig = preset.config  # type: ignore[attr-defined]
        self.model_panel.opened = cfg
        self._started = None
        self.clear_run_views(self.tr("Press Start to train the lesson's model."))
        self.data_panel.select(cfg.data.name, cfg.data)
        self.data_panel.load_config(cfg.data)
        self.model_panel.load(cfg)
        self.inspect_panel.set_family(cfg.model)  # its views, not the last family's (load() is no user's pick)
        if preset.inspect:  # type: ignore[attr-defined]
            self.inspect_panel.show_view(preset.inspect)  # type: ignore[attr-defined]
        self.training_panel.load(cfg)
        self._hide_controls(preset.hide)  # type: ignore[attr-defined]
        self.revalidate()
        self.lesson_view.show_lesson(preset)  # type: ignore[arg-type]
        self.status_label.setText(self.tr("Lesson: {title}. Press Start (Space).").format(title=preset.title))  # type: ignore[attr-defined]
        if getattr(preset, "sweep", None) is not None:
            if self.settings_valid:
                self.run_actions.sweep_dialog_open()  # type: ignore[attr-defined]
            else:  # the lesson's dataset is loading: the dialog opens once it is there (the sweep's base config)
                self._sweep_after_load = True
            self.status_label.setText(
                self.tr("Lesson: {title}. Run ▸ Sweep… runs its sweep.").format(title=preset.title)  # type: ignore[attr-defined]
            )

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

    def _lesson_sweep(self) -> None:
        if self.settings_valid and self.worker is None:  # type: ignore[attr-defined]
            self.run_actions.sweep_dialog_open()  # type: ignore[attr-defined]

    # --- config and validation -----------------------------------------------------------------------------
    def save_experiment_dialog(self) -> None:
        start = str(Path.home() / f"{self.model_panel.family}-experiment.json")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the experiment"), start, self.tr("Experiment (*.json)")
        )
        if path:
            self.save_experiment(Path(path))

    def save_experiment(self, path: Path) -> bool:
        """Write the panels' experiment as JSON (to train on a server: ``vision-lab train --config`` or torchrun)."""
        try:
            text = self.current_config().validate().to_json()
            atomic_write_text(path, text)
        except ConfigError as err:
            invalid = self.tr("The settings are not valid yet: {problem}").format(problem=err)
            self.show_dialog(QMessageBox.Icon.Warning, self.tr("Save experiment"), invalid)
            return False
        except OSError as err:
            cannot = self.tr("Cannot write '{path}': {reason}.").format(path=path, reason=err.strerror or err)
            self.show_dialog(QMessageBox.Icon.Warning, self.tr("Save experiment"), cannot)
            return False
        saved = self.tr("Saved the experiment to {path} (vision-lab train --config {file})")
        self.statusBar().showMessage(saved.format(path=path, file=path.name), 10000)
        return True

    def current_config(self) -> ExperimentConfig:
        # A lesson's settings that no panel shows (gan.ema, a block's padding, augment_shift) were once dropped here.
        cfg = self.model_panel.base_config(self.model_panel.family)
        cfg = self.data_panel.apply(cfg)
        cfg = self.model_panel.apply(cfg)
        return self.training_panel.apply(cfg)

    def revalidate(self) -> None:
        """Per-field checks, then ``cfg.validate()``; the message goes next to the panel it is about."""
        model_problem = data_problem = training_problem = batch_problem = None
        if not self.model_panel.check():
            model_problem = self.tr("Some model settings above are not valid.")
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
            training_problem = self.tr("Device '{device}' is not available on this computer.").format(device=device)
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
            self.tr("Train with these settings (F5)") if self.settings_valid else (self.settings_problem or "")
        )
        self.pause_button.setEnabled(running)
        self.pause_button.setText(self.tr("Resume") if self._paused else self.tr("Pause"))
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
                self.status_label.setText(
                    self.tr("Ready: {family} on {dataset}. Press Start.").format(
                        family=family, dataset=self.data_panel.current_key
                    )
                )

    def _family_picked(self, family: str) -> None:
        """A new family brings its own training defaults (the GAN trains with Adam 2e-4, β₁ 0.5, 20 epochs), and
        the Training tab says which values that changed: a switch must not silently reset a rate the user set."""
        self.model_panel.opened = None  # a family picked by hand starts from its own defaults
        panel = self.training_panel
        before = panel.apply(ExperimentConfig())
        seed, device = panel.seed.value(), panel.device.currentData()
        panel.load(default_config(family))
        self.inspect_panel.set_family(family)
        panel.seed.setValue(seed)
        panel.device.setCurrentIndex(max(0, panel.device.findData(device)))
        changes = describe_changes(before, panel.apply(ExperimentConfig()))
        data = self._family_data(family)
        if data is not None:
            changes.append(self.tr("dataset {name}").format(name=data))
        if changes:
            text = self.tr("{family} trains best with its own settings, so these changed: {changes}.").format(
                family=gui_families.title(family), changes="; ".join(changes)
            )
            panel.set_note(text)
            self.statusBar().showMessage(text, 10000)
        else:
            panel.set_note("")

    def _family_data(self, family: str) -> str | None:
        """The family's own dataset, picked when the data in use lacks what it learns from (masks, boxes), or is
        built-in scenes and it learns from classes (back to the digits); its name, or None when the data stays."""
        wanted = default_config(family).data.name
        current = self.data_panel.current_key
        ds = self.data_panel.dataset
        if current == wanted or ds is None:
            return None
        target = families.get(family).target
        lacks = target not in ("class", "none") and target not in ds.targets
        built_in_scenes = target in ("class", "none") and len(ds.targets) > 1 and current in self.data_panel.infos
        if not (lacks or built_in_scenes):
            return None
        self.data_panel.select(wanted)
        return wanted

    def _dataset_loaded(self, ds: ImageDataset) -> None:
        self.model_panel.set_data_shape(ds.image_shape, max(1, ds.num_classes))
        if getattr(self, "_sweep_after_load", False):
            self._sweep_after_load = False
            QTimer.singleShot(0, self._lesson_sweep)  # after revalidate has seen the new data
        if self._opened_data is not None and self._opened_data == self.data_panel.current_key:
            self.inspect_panel.dataset = ds  # the opened run's data, for its Example and Confusion views
            self._opened_data = None


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
