"""The MLP classifier in the window: its form and its settings' names."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QCheckBox

from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.validate import ACTIVATIONS
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import (
    ACTIVATION_TIP,
    BATCH_NORM_TIP,
    CLASSIFIER_FORMULA,
    DROPOUT_TIP,
    Form,
    combo,
    fraction,
    set_combo,
)
from vision_lab.gui.widgets.fields import IntListEdit


class MLPForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = self.add("Hidden sizes", IntListEdit(what="width"), "Widths of the hidden layers, e.g. 512, 256")
        self.hidden.setObjectName("mlpHiddenEdit")
        self.activation = self.add("Activation", combo(ACTIVATIONS), ACTIVATION_TIP)
        self.dropout = self.add("Dropout", fraction(), DROPOUT_TIP)
        self.batch_norm = self.add("", QCheckBox("Batch norm"), BATCH_NORM_TIP)

    def load(self, c: MLPConfig) -> None:  # type: ignore[override]
        self.hidden.set_values(c.hidden)
        set_combo(self.activation, c.activation)
        self.dropout.setValue(c.dropout)
        self.batch_norm.setChecked(c.batch_norm)

    def value(self, c: MLPConfig) -> MLPConfig:  # type: ignore[override]
        return dataclasses.replace(
            c,
            hidden=self.hidden.parse()[0],
            activation=self.activation.currentData(),
            dropout=self.dropout.value(),
            batch_norm=self.batch_norm.isChecked(),
        )


GUI = GuiFamily(
    key="mlp",
    form=MLPForm,
    formula=CLASSIFIER_FORMULA,
    labels={
        "mlp.hidden": ("Hidden sizes", "hidden"),
        "mlp.activation": ("Activation", "activation"),
        "mlp.dropout": ("Dropout", "dropout"),
        "mlp.batch_norm": ("Batch norm", "batch norm"),
    },
)
