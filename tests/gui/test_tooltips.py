"""Every knob says in one line what it does and what to try (issue 15, item 15)."""

from __future__ import annotations

from conftest import pick_family
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QFormLayout, QLineEdit, QWidget

from vision_lab.core import families

KNOBS = (QAbstractSpinBox, QComboBox, QCheckBox, QLineEdit)


def form_label(widget: QWidget) -> str:
    """The text of the form row that holds ``widget`` (or the Field around it)."""
    for w in (widget, widget.parentWidget()):
        parent = w.parentWidget() if w is not None else None
        layout = parent.layout() if parent is not None else None
        if isinstance(layout, QFormLayout):
            label = layout.labelForField(w)
            if label is not None and label.text():
                return label.text()
    return ""


def test_every_knob_of_every_panel_has_a_tooltip(window) -> None:
    missing = set()
    for family in families.names():
        pick_family(window, family)
        for panel in (window.data_panel, window.model_panel, window.training_panel):
            for knob in [k for cls in KNOBS for k in panel.findChildren(cls)]:
                if isinstance(knob, QLineEdit) and isinstance(knob.parent(), QAbstractSpinBox | QComboBox):
                    continue  # the editor inside a spin or combo box: its box has the tip
                tip = knob.toolTip().strip()
                name = form_label(knob) or knob.objectName() or knob.__class__.__name__
                if not tip:
                    text = knob.text() if isinstance(knob, QCheckBox) else ""
                    missing.add(f"{type(panel).__name__}: {name} {text}".strip())
                else:
                    assert "\n" not in tip and len(tip) <= 200, (name, tip)
    assert not missing, "knobs without a tooltip:\n" + "\n".join(sorted(missing))
