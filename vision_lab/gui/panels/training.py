"""Training panel: optimizer, learning rate, batch size, epochs, seed, device, precision."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from vision_lab.core.config import (
    DEVICES,
    LR_SCHEDULES,
    MAX_BATCH,
    MAX_EPOCHS,
    OPTIMIZERS,
    PRECISIONS,
    ExperimentConfig,
)
from vision_lab.gui import warmup
from vision_lab.gui.widgets.fields import CheckedSpinBox, Field, LogSpinBox, error_label, set_error

# Marked for lupdate (context "TrainingPanel"), translated where the combo boxes are filled.
OPTIMIZER_TITLES = {
    "sgd": QT_TRANSLATE_NOOP("TrainingPanel", "SGD (momentum)"),
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
}
PRECISION_TITLES = {
    "fp32": "fp32",
    "bf16": QT_TRANSLATE_NOOP("TrainingPanel", "bf16 (mixed)"),
    "fp16": QT_TRANSLATE_NOOP("TrainingPanel", "fp16 (mixed)"),
}


def device_available(name: str) -> bool:
    if name in ("auto", "cpu"):
        return True
    import torch

    if name == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def auto_device() -> str:
    return "cuda" if device_available("cuda") else "mps" if device_available("mps") else "cpu"


class TrainingPanel(QWidget):
    changed = Signal()
    lr_edited = Signal(float)
    """The user set a new learning rate (while a run goes, it applies from the next step)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("optimizerCombo")
        self.optimizer.setToolTip(
            self.tr(
                "How the weights follow the gradient: Adam adapts a step per weight and is a safe start; "
                "SGD with momentum is the classic"
            )
        )
        for name in OPTIMIZERS:
            self.optimizer.addItem(self.tr(OPTIMIZER_TITLES.get(name, name)), name)
        self.lr = LogSpinBox()
        self.lr.setObjectName("learningRateSpin")
        self.lr.setToolTip(
            self.tr("Arrows step 1, 2, 5, 10…; may be changed while training runs (applies from the next step)")
        )
        self.batch = CheckedSpinBox(1, MAX_BATCH, self.tr("Batch size"))  # says why typed text was refused
        self.batch.setObjectName("batchSizeSpin")
        self.batch.setToolTip(
            self.tr(
                "Images per training step: large batches are smoother and faster per image, small ones often "
                "generalise better; try 32 to 128"
            )
        )
        self.epochs = CheckedSpinBox(1, MAX_EPOCHS, self.tr("Epochs"))
        self.epochs.setObjectName("epochsSpin")
        self.epochs.setToolTip(
            self.tr("Passes over the training images; stop adding them when the validation curve flattens")
        )
        self.seed = QSpinBox()
        self.seed.setObjectName("seedSpin")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip(self.tr("Same seed, same settings: the same numbers on the CPU"))
        self.schedule = QComboBox()
        self.schedule.setObjectName("scheduleCombo")
        self.schedule.setToolTip(
            self.tr(
                "How the learning rate changes: cosine decays it to 0 by the last step (steadier final weights); "
                "constant keeps it"
            )
        )
        for name in LR_SCHEDULES:
            self.schedule.addItem({"cosine": self.tr("cosine decay to 0"), "constant": self.tr("constant")}[name], name)
        self.device = QComboBox()
        self.device.setObjectName("deviceCombo")
        self.device.setToolTip(self.tr("Where to train: auto picks a GPU when this computer has one"))
        for name in DEVICES:
            self.device.addItem(name, name)
        self.precision = QComboBox()
        self.precision.setObjectName("precisionCombo")
        for name in PRECISIONS:
            self.precision.addItem(self.tr(PRECISION_TITLES[name]), name)
        self.precision.setToolTip(self.tr("Mixed precision runs on a CUDA GPU only"))
        if warmup.torch_ready():
            self.refresh_devices()
        else:  # asking CUDA needs torch: the list says what is there once it has loaded (see warmup)
            warmup.warmup().ready.connect(self.refresh_devices)
        for spin in (self.batch, self.epochs, self.seed):
            spin.setKeyboardTracking(False)
        self.lr_field = Field(self.lr)
        # Rows of their own (not Fields): a lesson hides the batch and epochs rows by their spin boxes.
        self.batch_error, self.epochs_error = error_label(), error_label()
        self.batch.problem_changed.connect(lambda message: set_error(self.batch_error, message))
        self.batch_fit_error = error_label()  # the batch does not suit the model and data (batch norm needs 2)
        self.batch_fit_error.setObjectName("batchFitError")
        self.epochs.problem_changed.connect(lambda message: set_error(self.epochs_error, message))
        self.error = error_label()
        self.error.setObjectName("trainingError")
        self.note = QLabel()
        self.note.setObjectName("trainingNote")
        self.note.setWordWrap(True)
        self.note.hide()

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Optimizer"), self.optimizer)
        form.addRow(self.tr("Learning rate"), self.lr_field)
        form.addRow(self.tr("LR schedule"), self.schedule)
        form.addRow(self.tr("Batch size"), self.batch)
        form.addRow("", self.batch_error)
        form.addRow("", self.batch_fit_error)
        form.addRow(self.tr("Epochs"), self.epochs)
        form.addRow("", self.epochs_error)
        form.addRow(self.tr("Seed"), self.seed)
        form.addRow(self.tr("Device"), self.device)
        form.addRow(self.tr("Precision"), self.precision)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.note)

        self._loading = False
        for w in (self.optimizer, self.schedule, self.device, self.precision):
            w.currentIndexChanged.connect(self._changed)
        self.device.currentIndexChanged.connect(self._update_precision)
        self._running = False
        self._update_precision()
        for w in (self.batch, self.epochs, self.seed):
            w.valueChanged.connect(self._changed)
        self.lr.valueChanged.connect(self._lr_changed)

    def refresh_devices(self) -> None:
        """Name the device auto picks and grey out the ones this computer lacks (asks torch)."""
        model = self.device.model()
        for i in range(self.device.count()):
            name = self.device.itemData(i)
            if name == "auto":
                self.device.setItemText(i, self.tr("auto ({device})").format(device=auto_device()))
            elif not device_available(name):
                item = model.item(i)  # type: ignore[attr-defined]
                item.setEnabled(False)
                item.setToolTip(self.tr("{device} is not available on this computer").format(device=name))
        self._update_precision()

    def load(self, cfg: ExperimentConfig) -> None:
        self._loading = True
        try:
            self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(cfg.optim.name)))
            self.lr.setValue(cfg.optim.lr)
            self.schedule.setCurrentIndex(max(0, self.schedule.findData(cfg.train.lr_schedule)))
            self.batch.setValue(cfg.train.batch_size)
            self.epochs.setValue(cfg.train.epochs)
            self.seed.setValue(min(cfg.train.seed, self.seed.maximum()))
            self.device.setCurrentIndex(max(0, self.device.findData(cfg.train.device)))
            self.precision.setCurrentIndex(max(0, self.precision.findData(cfg.train.precision)))
            self._update_precision()
        finally:
            self._loading = False
        self.changed.emit()

    def set_note(self, text: str) -> None:
        """A remark under the fields (not an error): e.g. which values a family switch changed."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def apply(self, cfg: ExperimentConfig) -> ExperimentConfig:
        optim = dataclasses.replace(cfg.optim, name=self.optimizer.currentData(), lr=self.lr.value())
        train = dataclasses.replace(
            cfg.train,
            batch_size=self.batch.value(),
            epochs=self.epochs.value(),
            seed=self.seed.value(),
            device=self.device.currentData(),
            precision=self.precision.currentData() if self._cuda_chosen() else "fp32",
            lr_schedule=self.schedule.currentData(),
        )
        return dataclasses.replace(cfg, optim=optim, train=train)

    def set_error(self, message: str | None) -> None:
        set_error(self.error, message)

    def set_batch_problem(self, message: str | None) -> None:
        """Why this batch size cannot train the model on this data (None: it can), under the batch size."""
        set_error(self.batch_fit_error, message)

    def set_running(self, running: bool) -> None:
        """While a run goes only the learning rate stays editable (it applies from the next step)."""
        for w in (self.optimizer, self.schedule, self.batch, self.epochs, self.seed, self.device):
            w.setEnabled(not running)
        self._running = running
        self._update_precision()

    def _cuda_chosen(self) -> bool | None:
        """None while torch loads: auto's device is not known yet."""
        name = self.device.currentData()
        if name != "auto":
            return name == "cuda"
        if not warmup.torch_ready():
            return None
        return auto_device() == "cuda"

    def _update_precision(self) -> None:
        # Mixed precision is a CUDA feature: elsewhere the combo is off and shows (and the config says) fp32.
        # While torch loads the choice is kept as it is (a saved bf16 on a GPU machine must not become fp32).
        cuda = self._cuda_chosen()
        if cuda is False:
            self.precision.setCurrentIndex(self.precision.findData("fp32"))
        self.precision.setEnabled(bool(cuda) and not self._running)

    def _changed(self) -> None:
        if not self._loading:
            self.changed.emit()

    def _lr_changed(self, value: float) -> None:
        if self._loading:
            return
        self.lr_edited.emit(value)
        self.changed.emit()
