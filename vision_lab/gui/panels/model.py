"""Model panel: the family, its knobs, its loss as a formula, and a live layer table."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.architecture import BlockMap, check_fit, cnn_maps
from vision_lab.core.config import (
    ACTIVATIONS,
    AE_VARIANTS,
    FAMILIES,
    FAMILY_TITLES,
    GAN_UPDATES,
    AutoencoderConfig,
    CNNConfig,
    ConvBlock,
    ExperimentConfig,
    GANConfig,
    MLPConfig,
    default_config,
)
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import ConfigError
from vision_lab.gui import warmup
from vision_lab.gui.widgets.fields import (
    ERROR_COLOR,
    CheckedSpinBox,
    Field,
    IntListEdit,
    LogSpinBox,
    NumberSpinBox,
    error_label,
    set_error,
)

# The losses as the reference article writes them (Qt rich text: HTML sub/sup and Unicode maths).
_MATH = "font-family:'DejaVu Serif','Cambria Math','Times New Roman',serif; font-size:15pt"
FORMULAS: dict[str, str] = {
    "classifier": (
        f'<div style="{_MATH}"><i>L</i> = −Σ<sub><i>c</i></sub> <i>y<sub>c</sub></i> log <i>ŷ<sub>c</sub></i></div>'
        "<div>Cross-entropy between the one-hot label <i>y</i> and the predicted probabilities "
        "<i>ŷ</i> = softmax(logits).</div>"
    ),
    "autoencoder": (
        f'<div style="{_MATH}"><i>L</i> = <sup>1</sup>⁄<sub><i>n</i></sub> Σ<sub><i>i</i></sub> '
        "(<i>x<sub>i</sub></i> − <i>x̂<sub>i</sub></i>)<sup>2</sup></div>"
        "<div>Mean squared error between each pixel <i>x</i> and its reconstruction <i>x̂</i>.</div>"
    ),
    "gan": (
        f'<div style="{_MATH}"><i>L<sub>D</sub></i> = −[log <i>D</i>(<i>x</i>) + '
        "log(1 − <i>D</i>(<i>G</i>(<i>z</i>)))]<br>"
        "<i>L<sub>G</sub></i> = −log <i>D</i>(<i>G</i>(<i>z</i>))</div>"
        "<div>The discriminator <i>D</i> learns to tell real images <i>x</i> from generated ones "
        "<i>G</i>(<i>z</i>); the generator learns to fool it.</div>"
    ),
}


ACTIVATION_TIP = "The function after each layer: relu is the usual start; try gelu or tanh and compare the curves"
DROPOUT_TIP = "Share of units switched off at random while training, against overfitting: try 0.2 to 0.5, or 0"
BATCH_NORM_TIP = "Normalise each layer's outputs over the batch: faster, steadier training; turn off to see why"


def formula_for(family: str) -> str:
    return FORMULAS["classifier" if family in ("mlp", "cnn") else family]


def _combo(items: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    for item in items:
        combo.addItem(item.replace("_", " "), item)
    return combo


def _set_combo(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


def _spin(lo: int, hi: int, step: int = 1) -> QSpinBox:
    spin = CheckedSpinBox(lo, hi)  # says why typed text was refused; _Form.add names it and shows the message
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)
    return spin


def _fraction(hi: float = 0.95) -> NumberSpinBox:
    spin = NumberSpinBox(0.0, hi)  # reads .3 and 3e-1, explains a refusal; _Form.add names it
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    spin.setKeyboardTracking(False)
    return spin


class _Form(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.lists: list[tuple[IntListEdit, Field]] = []

    def add(self, label: str, widget: QWidget, tip: str = "") -> QWidget:
        if tip:
            widget.setToolTip(tip)
        if isinstance(widget, IntListEdit):
            field = Field(widget)
            self.lists.append((widget, field))
            self.form.addRow(label, field)
        elif isinstance(widget, CheckedSpinBox | NumberSpinBox):
            widget.what = label
            self.form.addRow(label, Field(widget))
        else:
            self.form.addRow(label, widget)
        return widget

    def check_lists(self) -> bool:
        ok = True
        for edit, field in self.lists:
            if not edit.isEnabled():
                field.set_error(None)
                continue
            _, problem = edit.parse()
            field.set_error(problem)
            ok = ok and problem is None
        return ok


class MLPForm(_Form):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = self.add("Hidden sizes", IntListEdit(what="width"), "Widths of the hidden layers, e.g. 512, 256")
        self.hidden.setObjectName("mlpHiddenEdit")
        self.activation = self.add("Activation", _combo(ACTIVATIONS), ACTIVATION_TIP)
        self.dropout = self.add("Dropout", _fraction(), DROPOUT_TIP)
        self.batch_norm = self.add("", QCheckBox("Batch norm"), BATCH_NORM_TIP)

    def load(self, c: MLPConfig) -> None:
        self.hidden.set_values(c.hidden)
        _set_combo(self.activation, c.activation)
        self.dropout.setValue(c.dropout)
        self.batch_norm.setChecked(c.batch_norm)

    def value(self, c: MLPConfig) -> MLPConfig:
        return dataclasses.replace(
            c,
            hidden=self.hidden.parse()[0],
            activation=self.activation.currentData(),
            dropout=self.dropout.value(),
            batch_norm=self.batch_norm.isChecked(),
        )


class CNNForm(_Form):
    def __init__(self) -> None:
        super().__init__()
        self.channels = self.add(
            "Conv channels",
            IntListEdit(allow_empty=False, max_items=6, hi=2048, what="channel count"),
            "One convolution block per number: its output channels, e.g. 32, 64, 128",
        )
        self.channels.setObjectName("cnnChannelsEdit")
        self.kernel = self.add(
            "Kernel",
            _combo(("3", "5", "7", "1")),
            "Each convolution's window in pixels: 3 is usual; 5 or 7 see more at once and cost more",
        )
        self.pool = self.add(
            "",
            QCheckBox("Max-pool 2×2 after each block"),
            "Halve the maps' height and width after each block (at most 3 pools: a 28-pixel image would vanish)",
        )
        self.batch_norm = self.add("", QCheckBox("Batch norm in each block"), BATCH_NORM_TIP)
        self.dense = self.add("Dense sizes", IntListEdit(what="width"), "Dense layers before the output, e.g. 128")
        self.dense.setObjectName("cnnDenseEdit")
        self.activation = self.add("Activation", _combo(ACTIVATIONS), ACTIVATION_TIP)
        self.dropout = self.add("Dropout", _fraction(), DROPOUT_TIP)

    def load(self, c: CNNConfig) -> None:
        self.channels.set_values(tuple(b.channels for b in c.blocks))
        _set_combo(self.kernel, str(c.blocks[0].kernel) if c.blocks else "3")
        self.pool.setChecked(all(b.pool for b in c.blocks[:3]))
        self.batch_norm.setChecked(all(b.batch_norm for b in c.blocks))
        self.dense.set_values(c.dense)
        _set_combo(self.activation, c.activation)
        self.dropout.setValue(c.dropout)

    def value(self, c: CNNConfig) -> CNNConfig:
        kernel = int(self.kernel.currentData())
        pool, bn = self.pool.isChecked(), self.batch_norm.isChecked()
        # Pooling after the first three blocks only: a 28-pixel image cannot halve more often.
        blocks = tuple(
            ConvBlock(channels=ch, kernel=kernel, pool=pool and i < 3, batch_norm=bn)
            for i, ch in enumerate(self.channels.parse()[0])
        )
        return dataclasses.replace(
            c,
            blocks=blocks,
            dense=self.dense.parse()[0],
            activation=self.activation.currentData(),
            dropout=self.dropout.value(),
        )


class AutoencoderForm(_Form):
    def __init__(self) -> None:
        super().__init__()
        self.variant = self.add("Variant", _combo(AE_VARIANTS), "dense: fully connected; conv: stride-2 convolutions")
        self.latent = self.add("Latent size", _spin(1, 4096), "Numbers in the code between encoder and decoder")
        self.latent.setObjectName("latentSpin")
        self.hidden = self.add("Hidden sizes", IntListEdit(what="width"), "Dense variant: widths, mirrored")
        self.conv = self.add(
            "Conv channels",
            IntListEdit(allow_empty=False, max_items=2, hi=2048, what="channel count"),
            "Conv variant: channels of the (at most two) stride-2 convolutions",
        )
        self.activation = self.add("Activation", _combo(ACTIVATIONS), ACTIVATION_TIP)
        self.variant.currentIndexChanged.connect(self._variant_changed)

    def _variant_changed(self) -> None:
        dense = self.variant.currentData() == "dense"
        self.hidden.setEnabled(dense)
        self.conv.setEnabled(not dense)

    def load(self, c: AutoencoderConfig) -> None:
        _set_combo(self.variant, c.variant)
        self.latent.setValue(c.latent_dim)
        self.hidden.set_values(c.hidden)
        self.conv.set_values(c.conv_channels)
        _set_combo(self.activation, c.activation)
        self._variant_changed()

    def value(self, c: AutoencoderConfig) -> AutoencoderConfig:
        dense = self.variant.currentData() == "dense"
        return dataclasses.replace(
            c,
            variant=self.variant.currentData(),
            latent_dim=self.latent.value(),
            hidden=self.hidden.parse()[0] if dense else c.hidden,
            conv_channels=self.conv.parse()[0] if not dense else c.conv_channels,
            activation=self.activation.currentData(),
        )


class GANForm(_Form):
    def __init__(self) -> None:
        super().__init__()
        self.latent = self.add("Latent size", _spin(1, 4096), "Length of the noise vector z")
        self.latent.setObjectName("ganLatentSpin")
        self.g_width = self.add("G width", _spin(4, 4096, 4), "Channels of the generator's first feature map")
        self.g_width.setObjectName("gWidthSpin")
        self.d_width = self.add("D width", _spin(1, 4096, 8), "Channels of the discriminator's first convolution")
        self.d_width.setObjectName("dWidthSpin")
        self.d_lr = self.add("D learning rate", LogSpinBox(lo=0.0, hi=10.0))
        self.d_lr.setObjectName("dLearningRateSpin")
        self.d_lr.setSpecialValueText("same as G")
        self.d_lr.setToolTip("The discriminator's learning rate; 'same as G' uses the optimizer's rate")
        self.d_steps = self.add("D steps", _spin(1, 100), "Discriminator updates per generator update")
        self.update_mode = self.add(
            "Updates",
            _combo(GAN_UPDATES),
            "alternating: G learns against the D that just stepped (PyTorch's DCGAN); "
            "simultaneous: both step from one pass over the fakes (the TensorFlow tutorial; faster)",
        )
        self.update_mode.setObjectName("ganUpdateCombo")
        self.smoothing = self.add("Label smoothing", _fraction(0.5), "Real images labelled 1 − this for D")

    def load(self, c: GANConfig) -> None:
        self.latent.setValue(c.latent_dim)
        self.g_width.setValue(c.g_width)
        self.d_width.setValue(c.d_width)
        self.d_lr.setValue(c.d_lr or 0.0)
        self.d_steps.setValue(c.d_steps)
        self.smoothing.setValue(c.label_smoothing)
        _set_combo(self.update_mode, c.update)

    def value(self, c: GANConfig) -> GANConfig:
        return dataclasses.replace(
            c,
            latent_dim=self.latent.value(),
            g_width=self.g_width.value(),
            d_width=self.d_width.value(),
            d_lr=self.d_lr.value() or None,
            d_steps=self.d_steps.value(),
            label_smoothing=self.smoothing.value(),
            update=self.update_mode.currentData(),
        )


FormType = MLPForm | CNNForm | AutoencoderForm | GANForm


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
        self.combo.setToolTip("What kind of network to train: a classifier (MLP, CNN), an autoencoder or a GAN")
        for family in FAMILIES:
            self.combo.addItem(FAMILY_TITLES[family], family)
        self.forms: dict[str, FormType] = {
            "mlp": MLPForm(),
            "cnn": CNNForm(),
            "autoencoder": AutoencoderForm(),
            "gan": GANForm(),
        }
        self.stack = QStackedWidget()
        for family in FAMILIES:
            self.stack.addWidget(self.forms[family])
        self.error = error_label()
        self.error.setObjectName("modelError")
        self.formula = QLabel()
        self.formula.setObjectName("lossFormula")
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("layerTable")
        self.table.setHorizontalHeaderLabels(["Layer", "Output", "Parameters"])
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
        top.addRow("Family", self.combo)
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
        self.load(default_config("cnn"))
        # Each family's form starts from that family's own defaults (the GAN's label smoothing, say),
        # not from the CNN experiment's copy of them.
        self._loading = True
        try:
            for family, form in self.forms.items():
                form.load(getattr(default_config(family), family))
        finally:
            self._loading = False

    @property
    def family(self) -> str:
        return str(self.combo.currentData())

    def load(self, cfg: ExperimentConfig) -> None:
        self._loading = True
        try:
            for family, form in self.forms.items():
                form.load(getattr(cfg, family))
            _set_combo(self.combo, cfg.model)
            self._show_form(cfg.model)
            self.formula.setText(formula_for(cfg.model))
        finally:
            self._loading = False
        self._knob_changed()

    def check(self) -> bool:
        """Inline messages for fields that do not parse; True when all of the family's do."""
        return self.forms[self.family].check_lists()

    def apply(self, cfg: ExperimentConfig) -> ExperimentConfig:
        family = self.family
        part = self.forms[family].value(getattr(cfg, family))
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
        from vision_lab.gui.app import keep_torch_off_the_gui_thread

        keep_torch_off_the_gui_thread()  # before the GUI thread's first torch op
        family = self.family
        try:
            cfg = self.apply(default_config(family))
            getattr(cfg, family).validate()
            if family == "cnn":
                maps = cnn_maps(cfg.cnn, self.image_shape)
                if maps and maps[-1].problem:  # the blocks as far as they go, the one that does not fit in red
                    self._show_maps(maps)
                    return
            modules = build_models(cfg, self.image_shape, self.num_classes)
        except (ConfigError, ValueError, RuntimeError):
            self.params.setText("Parameters: — (fix the settings above)")
            self.table.setRowCount(0)
            return
        h, w, c = self.image_shape
        rows: list[tuple[str, str, int]] = []
        for name, module in modules.items():
            shape = (cfg.gan.latent_dim,) if name == "generator" else (c, h, w)
            prefix = {"generator": "G · ", "discriminator": "D · "}.get(name, "")
            try:
                table = layer_table(module, shape)
            except RuntimeError:
                self.params.setText("Parameters: — (these settings do not fit the image size)")
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
        self.params.setText(f"Parameters: <b>{total:,}</b>" + (f" ({detail})" if detail else ""))

    def _show_maps(self, maps: list[BlockMap]) -> None:
        """The CNN's blocks with the maps they leave, up to the block that does not fit the images (in red)."""
        rows: list[tuple[str, str, str]] = []  # (layer, output, problem)
        for m in maps:
            conv_bad = m.fails == "kernel"
            rows.append(
                (
                    self.tr("Block {index} · Conv2d {k}×{k}").format(index=m.index, k=m.kernel),
                    "" if conv_bad else f"{m.channels} × {m.conv[0]} × {m.conv[1]}",
                    (m.problem or "") if conv_bad else "",
                )
            )
            if m.pool and not conv_bad:
                shape = "" if m.fails == "pool" else f"{m.channels} × {m.out[0]} × {m.out[1]}"
                rows.append((self.tr("Block {index} · MaxPool2d 2×2").format(index=m.index), shape, m.problem or ""))
        self.table.setRowCount(len(rows))
        for i, (kind, shape, problem) in enumerate(rows):
            items = [QTableWidgetItem(kind), QTableWidgetItem(shape or self.tr("does not fit")), QTableWidgetItem("–")]
            for column, item in enumerate(items):
                if problem:
                    item.setForeground(ERROR_COLOR)
                    item.setToolTip(problem)
                self.table.setItem(i, column, item)
        h, w = self.image_shape[0], self.image_shape[1]
        self.params.setText(
            self.tr("Parameters: — (block {index} does not fit the {h}×{w} images)").format(
                index=maps[-1].index, h=h, w=w
            )
        )

    def set_running(self, running: bool) -> None:
        self.combo.setEnabled(not running)
        self.stack.setEnabled(not running)
