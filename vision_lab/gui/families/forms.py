"""What the families' forms are made of: a form that names its fields and checks its lists, and small helpers.

The Model panel shows one form per family (``GuiFamily.form``); each family module builds its own from these.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QFormLayout, QSpinBox, QWidget

from vision_lab.gui.widgets.fields import CheckedSpinBox, Field, IntListEdit, NumberSpinBox

# The losses as the reference article writes them (Qt rich text: HTML sub/sup and Unicode maths).
MATH = "font-family:'DejaVu Serif','Cambria Math','Times New Roman',serif; font-size:15pt"


# Functions, not constants: a text is translated when a form is built, after the translators are installed.
def activation_tip() -> str:
    return QCoreApplication.translate(
        "Form", "The function after each layer: relu is the usual start; try gelu or tanh and compare the curves"
    )


def dropout_tip() -> str:
    return QCoreApplication.translate(
        "Form", "Share of units switched off at random while training, against overfitting: try 0.2 to 0.5, or 0"
    )


def batch_norm_tip() -> str:
    return QCoreApplication.translate(
        "Form", "Normalise each layer's outputs over the batch: faster, steadier training; turn off to see why"
    )


def combo(items: tuple[str, ...], names: Mapping[str, str] | None = None) -> QComboBox:
    """Items keep their config value as data; ``names`` shows some in words (translated by the caller)."""
    box = QComboBox()
    for item in items:
        box.addItem((names or {}).get(item, item.replace("_", " ")), item)
    return box


def set_combo(box: QComboBox, value: object) -> None:
    index = box.findData(value)
    if index >= 0:
        box.setCurrentIndex(index)


def spin(lo: int, hi: int, step: int = 1) -> QSpinBox:
    box = CheckedSpinBox(lo, hi)  # says why typed text was refused; Form.add names it and shows the message
    box.setSingleStep(step)
    box.setKeyboardTracking(False)
    return box


def fraction(hi: float = 0.95) -> NumberSpinBox:
    box = NumberSpinBox(0.0, hi)  # reads .3 and 3e-1, explains a refusal; Form.add names it
    box.setSingleStep(0.05)
    box.setDecimals(2)
    box.setKeyboardTracking(False)
    return box


class Form(QWidget):
    """A family's knobs: ``load(section)`` shows a config section, ``value(section)`` reads the fields into one."""

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

    def load(self, section: object) -> None:
        raise NotImplementedError

    def value(self, section: object) -> object:
        raise NotImplementedError


def formula(maths: str, caption: str) -> str:
    """A loss as the reference article writes it, over its caption (already translated)."""
    return f'<div style="{MATH}">{maths}</div><div>{caption}</div>'


def classifier_formula() -> str:
    """Every classifier's loss, as the reference article writes it."""
    return formula(
        "<i>L</i> = −Σ<sub><i>c</i></sub> <i>y<sub>c</sub></i> log <i>ŷ<sub>c</sub></i>",
        QCoreApplication.translate(
            "Formulas",
            "Cross-entropy between the one-hot label <i>y</i> and the predicted probabilities "
            "<i>ŷ</i> = softmax(logits).",
        ),
    )
