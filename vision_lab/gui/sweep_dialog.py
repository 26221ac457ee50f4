"""Run ▸ Sweep…: the knobs to search (each with a kind and its range or choices), trials, jobs, objective, sampler,
pruner and folder; every field is checked as it is typed with the core's own parser (:mod:`core.sweep_space`), so
the dialog and ``vision-lab sweep --space`` accept and refuse the same texts with the same sentences.

Qt and the core's config only: optuna is not imported here (the space's checks are optuna-free).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import i18n as core_i18n
from vision_lab.core.config import ExperimentConfig, flat_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.sweep_space import KINDS, Dimension, check_space, grid_space, parse_dimension
from vision_lab.gui.twin_knobs import knob_label, twin_knobs
from vision_lab.gui.widgets.fields import ERROR_COLOR

if TYPE_CHECKING:
    from vision_lab.core.presets import LessonSweep
    from vision_lab.core.sweep import SweepSpec

SAMPLER_NAMES = ("tpe", "random", "grid")
PRUNER_NAMES = ("median", "none")


def default_range(key: str, value: Any) -> tuple[str, str]:
    """(kind, range text) a knob starts with: a decade either side of the learning rate, common batch sizes..."""
    if key == "optim.lr":
        return "loguniform", "1e-4:1e-1"
    if key == "train.batch_size":
        return "choice", "32,64,128,256"
    if key == "optim.name":
        return "choice", "adam,sgd"
    if key == "optim.weight_decay":
        return "loguniform", "1e-5:1e-2"
    if isinstance(value, bool) or value is None:
        return "choice", "true,false"
    if isinstance(value, int):
        return "int", f"{max(1, value // 2)}:{max(2, value * 2)}"
    if isinstance(value, float):
        return ("uniform", "0:0.5") if 0 <= value < 1 else ("loguniform", f"{value / 10:g}:{value * 10:g}")
    if isinstance(value, (list, tuple)):
        return "choice", json.dumps([value])
    return "choice", str(value)


def shown_error(err: ConfigError) -> str:
    """The core's sentence without the CLI's "--space KEY=SPEC: ": the row it is shown in names the knob."""
    text = str(err)
    if not text.startswith("--space "):
        return text
    cut = [i for i in (text.find(": "), text.find("：")) if i >= 0]  # the first colon after the spec (zh: full width)
    if not cut:
        return text.removeprefix("--space ")
    rest = text[min(cut) + 1 :].lstrip()
    return rest[:1].upper() + rest[1:]


class KnobRow:
    """One knob: searched or not, its kind, its range or choices, and the sentence saying what is wrong."""

    def __init__(self, key: str, label: str, value: Any, grid: QGridLayout, row: int) -> None:
        self.key = key
        self.check = QCheckBox(label)
        self.check.setObjectName(f"sweepKnob-{key}")
        self.check.setToolTip(key)
        self.kind = QComboBox()
        self.kind.setObjectName(f"sweepKind-{key}")
        for k in KINDS:
            self.kind.addItem(k, k)
        kind, text = default_range(key, value)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.range = QLineEdit(text)
        self.range.setObjectName(f"sweepRange-{key}")
        self.error = QLabel()
        self.error.setObjectName(f"sweepError-{key}")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOR.name()};")
        self.error.hide()
        grid.addWidget(self.check, 2 * row, 0)
        grid.addWidget(self.kind, 2 * row, 1)
        grid.addWidget(self.range, 2 * row, 2)
        grid.addWidget(self.error, 2 * row + 1, 0, 1, 3)

    def set(self, kind: str, text: str, on: bool = True) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.range.setText(text)
        self.check.setChecked(on)

    def dimension(self, cfg: ExperimentConfig) -> Dimension | None:
        """The knob's dimension when it is searched (None when not); ConfigError: the one sentence to show."""
        if not self.check.isChecked():
            return None
        dim = parse_dimension(self.key, f"{self.kind.currentData()}:{self.range.text().strip()}")
        check_space(cfg, [dim])
        return dim


class SweepDialog(QDialog):
    """The sweep's settings; ``accepted`` means :meth:`spec` is valid."""

    def __init__(self, cfg: ExperimentConfig, folder: Path, cores: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepDialog")
        self.setWindowTitle(self.tr("Sweep: many runs over a search space"))
        self.cfg = cfg
        family = cfg.family
        intro = QLabel(
            self.tr(
                "Every trial trains the window's current settings with the searched knobs drawn by Optuna. "
                "Tick the knobs to search and type their range (LOW:HIGH) or choices (A,B,C)."
            )
        )
        intro.setWordWrap(True)
        knobs = QWidget()
        grid = QGridLayout(knobs)
        grid.setColumnStretch(2, 1)
        flat = flat_config(cfg)
        self.rows: dict[str, KnobRow] = {}
        for key, label in twin_knobs(cfg):
            if key in flat:  # a family's pseudo knob (cnn.channels) is no config key a trial can set
                self.rows[key] = KnobRow(key, label, flat[key], grid, len(self.rows))
        for row in self.rows.values():
            row.check.toggled.connect(self.validate)
            row.kind.currentIndexChanged.connect(self.validate)
            row.range.textChanged.connect(self.validate)
        scroll = QScrollArea()
        scroll.setObjectName("sweepKnobs")
        scroll.setWidgetResizable(True)
        scroll.setWidget(knobs)
        scroll.setMinimumHeight(180)

        self.trials = QSpinBox()
        self.trials.setObjectName("sweepTrials")
        self.trials.setRange(1, 10_000)
        self.trials.setValue(12)
        self.jobs = QSpinBox()
        self.jobs.setObjectName("sweepJobs")
        self.jobs.setRange(1, max(1, cores))
        self.jobs.setToolTip(self.tr("Trials at once, each in its own process; they share the CPU cores"))
        self.objective = QComboBox()
        self.objective.setObjectName("sweepObjective")
        for m in family.metrics:
            way = self.tr("higher is better") if m.higher_is_better else self.tr("lower is better")
            self.objective.addItem(f"{core_i18n.text(m.title)} ({m.key}, {way})", m.key)
        self.objective.setCurrentIndex(max(0, self.objective.findData(family.headline)))
        self.sampler = QComboBox()
        self.sampler.setObjectName("sweepSampler")
        for name, text in zip(
            SAMPLER_NAMES,
            (self.tr("TPE (learns from earlier trials)"), self.tr("Random"), self.tr("Grid (every combination)")),
            strict=True,
        ):
            self.sampler.addItem(text, name)
        self.pruner = QComboBox()
        self.pruner.setObjectName("sweepPruner")
        self.pruner.addItem(self.tr("Median (stop trials worse than the median)"), "median")
        self.pruner.addItem(self.tr("None (every trial runs to its end)"), "none")
        self.folder = QLineEdit(str(folder))
        self.folder.setObjectName("sweepFolder")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Trials"), self.trials)
        form.addRow(self.tr("Parallel jobs"), self.jobs)
        form.addRow(self.tr("Objective"), self.objective)
        form.addRow(self.tr("Sampler"), self.sampler)
        form.addRow(self.tr("Pruner"), self.pruner)
        form.addRow(self.tr("Sweep folder"), folder_row)
        self.problem = QLabel()
        self.problem.setObjectName("sweepProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR.name()};")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton(self.tr("Start sweep"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.setObjectName("sweepStartButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(scroll, 1)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.sampler.currentIndexChanged.connect(self.validate)
        self.folder.textChanged.connect(self.validate)
        for key in ("optim.lr",):
            if key in self.rows:
                self.rows[key].check.setChecked(True)
        self.resize(720, 600)
        self.validate()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("The sweep's folder"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def load_lesson(self, sweep: LessonSweep) -> None:
        """A lesson's sweep into the fields: only its knobs ticked, its trials, sampler, pruner and objective."""
        for row in self.rows.values():
            row.check.setChecked(False)
        for text in sweep.space:
            key, _, spec = text.partition("=")
            kind, _, rest = spec.partition(":")
            if key in self.rows:
                self.rows[key].set(kind, rest)
        self.trials.setValue(sweep.trials)
        self.sampler.setCurrentIndex(max(0, self.sampler.findData(sweep.sampler)))
        self.pruner.setCurrentIndex(max(0, self.pruner.findData(sweep.pruner)))
        if sweep.objective:
            self.objective.setCurrentIndex(max(0, self.objective.findData(sweep.objective)))
        self.validate()

    def space(self) -> tuple[Dimension, ...]:
        """The searched knobs' dimensions (ConfigError for the first bad one)."""
        dims = [row.dimension(self.cfg) for row in self.rows.values()]
        return tuple(d for d in dims if d is not None)

    def validate(self) -> bool:
        """Each knob's sentence next to it, the sweep's own below; Start only when all is well."""
        ok = True
        for row in self.rows.values():
            try:
                row.dimension(self.cfg)
            except ConfigError as err:
                row.error.setText(shown_error(err))
                row.error.show()
                ok = False
            else:
                row.error.hide()
                row.error.setText("")
        problem = ""
        if ok:
            try:
                dims = self.space()
                if not dims:
                    problem = self.tr("Tick at least one knob to search.")
                elif self.sampler.currentData() == "grid":
                    grid_space(dims)
            except ConfigError as err:
                problem = shown_error(err)
        folder = self.folder.text().strip()
        if not problem and not folder:
            problem = self.tr("Choose the sweep's folder.")
        elif not problem and Path(folder).expanduser().is_file():
            problem = self.tr("The sweep folder '{path}' is a file, not a folder.").format(path=folder)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        ok = ok and not problem
        self.start_button.setEnabled(ok)
        return ok

    def spec(self) -> SweepSpec:
        from vision_lab.core.sweep import SweepSpec

        return SweepSpec(
            config=self.cfg,
            space=self.space(),
            out=Path(self.folder.text().strip()).expanduser(),
            trials=self.trials.value(),
            jobs=self.jobs.value(),
            objective=self.objective.currentData(),
            sampler=self.sampler.currentData(),
            pruner=self.pruner.currentData(),
        )


def default_folder(runs_root: Path) -> Path:
    """A new folder under the user's runs folder, named by the time: two sweeps never share one by accident."""
    return runs_root / time.strftime("sweep-%Y%m%d-%H%M%S")


__all__ = ["KnobRow", "SweepDialog", "default_folder", "default_range", "knob_label"]
