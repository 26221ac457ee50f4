"""Model panel: the family, its knobs, its loss as a formula, and a live layer table.

The families and their forms come from the registries (vision_lab/core/families, vision_lab/gui/families)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import families
from vision_lab.core.architecture import check_fit
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError
from vision_lab.gui import families as gui_families
from vision_lab.gui import warmup
from vision_lab.gui.families.forms import Form, set_combo
from vision_lab.gui.widgets.fields import ERROR_COLOR, error_label, set_error


def formula_for(family: str) -> str:
    return gui_families.formula(family)


def fit_check(cfg: ExperimentConfig, dataset: ImageDataset | None) -> None:
    """The core's check of the model against the loaded data (ConfigError with the setting's key), before Start."""
    if dataset is None:
        return
    n = len(dataset.train_images)
    check_fit(cfg, dataset.image_shape, min(n, cfg.data.limit or n))


class ModelPanel(QWidget):
    changed = Signal()
    family_picked = Signal(str)
    """The user chose another family (not emitted by :meth:`load`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_shape: tuple[int, int, int] = (28, 28, 1)
        self.num_classes = 10
        self.combo = QComboBox()
        self.combo.setObjectName("modelCombo")
        kinds = ", ".join(gui_families.title(f) for f in gui_families.names())
        self.combo.setToolTip(self.tr("What kind of network to train: {kinds}").format(kinds=kinds))
        self.forms: dict[str, Form] = {}
        self.opened: ExperimentConfig | None = None
        """The opened lesson's or run's config (set by the window; None once a family is picked by hand)."""
        self.stack = QStackedWidget()
        for family in gui_families.names():
            self.combo.addItem(gui_families.title(family), family)
            self.forms[family] = gui_families.get(family).form()
            self.stack.addWidget(self.forms[family])
        self.error = error_label()
        self.error.setObjectName("modelError")
        self.formula = QLabel()
        self.formula.setObjectName("lossFormula")
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("layerTable")
        self.table.setHorizontalHeaderLabels([self.tr("Layer"), self.tr("Output"), self.tr("Parameters")])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setMinimumHeight(180)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.params = QLabel()
        self.params.setObjectName("paramCount")
        # "Parameters: 2,518,338 (generator 2,305,473, discriminator 212,865)" on one line made the GAN's tab
        # 438 px wide on a real display, wider than the dock: it wraps instead.
        self.params.setWordWrap(True)

        top = QFormLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addRow(self.tr("Family"), self.combo)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        lay.addLayout(top)
        lay.addWidget(self.stack)
        lay.addWidget(self.error)
        lay.addWidget(self.formula)
        lay.addWidget(self.params)
        lay.addWidget(self.table, 1)

        # Rebuilding the model for the table takes a few ms: do it once typing pauses.
        self._table_timer = QTimer(self)
        self._table_timer.setSingleShot(True)
        self._table_timer.setInterval(150)
        self._table_timer.timeout.connect(self.update_table)
        self._loading = False
        self.combo.currentIndexChanged.connect(self._family_changed)
        for form in self.forms.values():
            for child in form.findChildren(QWidget):
                for signal in ("textChanged", "valueChanged", "currentIndexChanged", "toggled"):
                    if hasattr(child, signal) and not isinstance(child, QStackedWidget):
                        getattr(child, signal).connect(self._knob_changed)
                        break
        warmup.warmup().ready.connect(self.update_table)
        self.load(default_config())
        # Each family's form starts from that family's own defaults (the GAN's label smoothing, say),
        # not from the CNN experiment's copy of them.
        self._loading = True
        try:
            for family, form in self.forms.items():
                form.load(default_config(family).section(family))
        finally:
            self._loading = False

    @property
    def family(self) -> str:
        return str(self.combo.currentData())

    def load(self, cfg: ExperimentConfig) -> None:
        self._loading = True
        try:
            for family, form in self.forms.items():
                form.load(cfg.section(family))
            set_combo(self.combo, cfg.model)
            self._show_form(cfg.model)
            self.formula.setText(formula_for(cfg.model))
        finally:
            self._loading = False
        self._knob_changed()

    def check(self) -> bool:
        """Inline messages for fields that do not parse; True when all of the family's do."""
        return self.forms[self.family].check_lists()

    def base_config(self, family: str) -> ExperimentConfig:
        """What the form's values go on top of: the opened lesson's or run's config for its family (it may hold
        settings no control shows: a block's padding, gan.ema), else the family's defaults."""
        opened = self.opened
        return opened if opened is not None and opened.model == family else default_config(family)

    def apply(self, cfg: ExperimentConfig) -> ExperimentConfig:
        family = self.family
        part = self.forms[family].value(cfg.section(family))
        return dataclasses.replace(cfg, model=family, **{family: part})

    def set_error(self, message: str | None) -> None:
        set_error(self.error, message)

    def set_data_shape(self, image_shape: tuple[int, int, int], num_classes: int) -> None:
        if (image_shape, num_classes) != (self.image_shape, self.num_classes):
            self.image_shape, self.num_classes = image_shape, num_classes
            self._table_timer.start()

    def _show_form(self, family: str) -> None:
        # A stack is as tall as its tallest page; ignoring the hidden pages' size removes the gap.
        for name, form in self.forms.items():
            policy = QSizePolicy.Policy.Preferred if name == family else QSizePolicy.Policy.Ignored
            form.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(self.forms[family])
        self.stack.adjustSize()

    def _family_changed(self) -> None:
        self._show_form(self.family)
        self.formula.setText(formula_for(self.family))
        if not self._loading:
            self.family_picked.emit(self.family)
        self._knob_changed()

    def _knob_changed(self, *_: object) -> None:
        if self._loading:
            return
        self.check()
        self._table_timer.start()
        self.changed.emit()

    def update_table(self) -> None:
        """Build the model on the CPU from the knobs and list its layers (once PyTorch has loaded: see warmup)."""
        if not warmup.torch_ready():
            self.params.setText(self.tr("Parameters: counting… (PyTorch is loading)"))
            return  # warmup's ready signal calls this again
        from vision_lab.core.models import build_models, count_parameters, layer_table
        from vision_lab.gui.torch_threads import keep_torch_off_the_gui_thread

        keep_torch_off_the_gui_thread()  # before the GUI thread's first torch op
        family = self.family
        declared = families.get(family)
        try:
            cfg = self.apply(self.base_config(family))
            cfg.section(family).validate()
            layer_rows = gui_families.get(family).layer_rows
            misfit = layer_rows(cfg, self.image_shape) if layer_rows is not None else None
            if misfit is not None:  # the layers as far as they go, the one that does not fit in red
                self._show_rows(*misfit)
                return
            modules = build_models(cfg, self.image_shape, self.num_classes)
        except (ConfigError, ValueError, RuntimeError):
            self.params.setText(self.tr("Parameters: — (fix the settings above)"))
            self.table.setRowCount(0)
            return
        h, w, c = self.image_shape
        inputs = declared.layer_inputs(cfg, self.image_shape) if declared.layer_inputs is not None else {}
        rows: list[tuple[str, str, int]] = []
        for name, module in modules.items():
            shape = inputs.get(name, (c, h, w))
            prefix = declared.module_prefixes.get(name, "")
            try:
                table = layer_table(module, shape)
            except RuntimeError:
                self.params.setText(self.tr("Parameters: — (these settings do not fit the image size)"))
                self.table.setRowCount(0)
                return
            rows += [
                (f"{prefix}{r.label or r.kind}", " × ".join(map(str, r.output_shape)), r.parameters) for r in table
            ]
        self.table.setRowCount(len(rows))
        align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for i, (kind, shape, params) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(kind))
            self.table.setItem(i, 1, QTableWidgetItem(shape))
            item = QTableWidgetItem(f"{params:,}" if params else "–")
            item.setTextAlignment(align)
            self.table.setItem(i, 2, item)
        counts = {name: count_parameters(m) for name, m in modules.items()}
        total = sum(counts.values())
        detail = ", ".join(f"{k} {v:,}" for k, v in counts.items()) if len(counts) > 1 else ""
        text = self.tr("Parameters: <b>{total:,}</b> ({detail})") if detail else self.tr("Parameters: <b>{total:,}</b>")
        self.params.setText(text.format(total=total, detail=detail))

    def _show_rows(self, rows: list[tuple[str, str, str]], text: str) -> None:
        """Rows a family shows instead of its built model (the CNN: its blocks up to the one that does not fit the
        images, in red): (layer, output, problem)."""
        self.table.setRowCount(len(rows))
        for i, (kind, shape, problem) in enumerate(rows):
            items = [QTableWidgetItem(kind), QTableWidgetItem(shape or self.tr("does not fit")), QTableWidgetItem("–")]
            for column, item in enumerate(items):
                if problem:
                    item.setForeground(ERROR_COLOR)
                    item.setToolTip(problem)
                self.table.setItem(i, column, item)
        self.params.setText(text)

    def set_running(self, running: bool) -> None:
        self.combo.setEnabled(not running)
        self.stack.setEnabled(not running)
