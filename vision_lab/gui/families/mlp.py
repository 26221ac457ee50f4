"""The MLP classifier in the window: its form and its settings' names."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QCheckBox

from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.validate import ACTIVATIONS
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import (
    Form,
    activation_tip,
    batch_norm_tip,
    classifier_formula,
    combo,
    dropout_tip,
    fraction,
    set_combo,
)
from vision_lab.gui.widgets.fields import IntListEdit


class MLPForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = self.add(
            self.tr("Hidden sizes"),
            IntListEdit(what=self.tr("width")),
            self.tr("Widths of the hidden layers, e.g. 512, 256"),
        )
        self.hidden.setObjectName("mlpHiddenEdit")
        self.activation = self.add(self.tr("Activation"), combo(ACTIVATIONS), activation_tip())
        self.dropout = self.add(self.tr("Dropout"), fraction(), dropout_tip())
        self.batch_norm = self.add("", QCheckBox(self.tr("Batch norm")), batch_norm_tip())

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
    formula=classifier_formula,
    labels={
        "mlp.hidden": (QT_TRANSLATE_NOOP("Settings", "Hidden sizes"), QT_TRANSLATE_NOOP("Settings", "hidden")),
        "mlp.activation": (QT_TRANSLATE_NOOP("Settings", "Activation"), QT_TRANSLATE_NOOP("Settings", "activation")),
        "mlp.dropout": (QT_TRANSLATE_NOOP("Settings", "Dropout"), QT_TRANSLATE_NOOP("Settings", "dropout")),
        "mlp.batch_norm": (QT_TRANSLATE_NOOP("Settings", "Batch norm"), QT_TRANSLATE_NOOP("Settings", "batch norm")),
    },
)
