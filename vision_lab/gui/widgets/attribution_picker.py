"""The attribution picker the Draw and Filters views share: a method (the ones the family's model supports, from
vision_lab/core/attributions.py, or off), a class (the predicted one, or any), the method's one-line explanation,
and the map itself, computed off the GUI thread on a copy of the model, the newest request winning.

Torch and Captum load only when a map is first asked for (the window shows before torch loads).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from vision_lab.gui.widgets.background import LatestJob

OFF = ""


class AttributionPicker(QWidget):
    settings_changed = Signal()
    """The method or the class changed: the view asks for a new map."""
    heat_changed = Signal(object)
    """A new map (H×W float32 in [0, 1], its positive part over its maximum), or None: nothing to draw."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method_combo = QComboBox()
        self.method_combo.setObjectName("attributionMethodCombo")
        self.method_combo.setToolTip(self.tr("Which pixels made the model say what it said, by this method"))
        self.class_combo = QComboBox()
        self.class_combo.setObjectName("attributionClassCombo")
        self.class_combo.setToolTip(self.tr("The class whose evidence the map shows"))
        for combo in (self.method_combo, self.class_combo):
            # As narrow as the dock allows: the longest method's title must not widen the whole window.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.explanation = QLabel()
        self.explanation.setObjectName("attributionExplanation")
        self.explanation.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("attributionNote")
        self.note.setWordWrap(True)
        # Two rows: side by side in the 360 px dock both combo boxes clipped their text ("Integrated grad").
        row = QGridLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Attribution")), 0, 0)
        row.addWidget(self.method_combo, 0, 1)
        row.addWidget(QLabel(self.tr("for")), 1, 0, Qt.AlignmentFlag.AlignRight)
        row.addWidget(self.class_combo, 1, 1)
        row.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.explanation)
        lay.addWidget(self.note)
        self.job = LatestJob(self)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.busy_changed.connect(self._busy)
        self.heat: np.ndarray | None = None
        self.error = ""
        self._family: str | None = None
        self.set_family(None, ())
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.class_combo.currentIndexChanged.connect(lambda _i: self._changed())

    # --- what it offers -----------------------------------------------------------------------------------
    def set_family(self, family: str | None, class_names: tuple[str, ...] | list[str]) -> None:
        """Offer the methods ``family``'s model supports (none: the picker hides) and its classes; a method or
        class still on offer stays chosen."""
        from vision_lab.core import families

        methods: tuple[str, ...] = ()
        if family is not None and family in families.names() and families.get(family).has("attribute"):
            from vision_lab.core.attributions import methods_for

            methods = methods_for(family)
        self._family = family if methods else None
        was_method, was_class = self.method(), self.class_combo.currentData()
        for combo in (self.method_combo, self.class_combo):
            combo.blockSignals(True)
            combo.clear()
        self.method_combo.addItem(self.tr("off"), OFF)
        if methods:
            from vision_lab.core.attributions import explanation, title

            for m in methods:
                self.method_combo.addItem(title(m), m)
                self.method_combo.setItemData(
                    self.method_combo.count() - 1, explanation(m), Qt.ItemDataRole.ToolTipRole
                )
        self.class_combo.addItem(self.tr("predicted class"), -1)
        for i, name in enumerate(class_names):
            self.class_combo.addItem(str(name), i)
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(was_method or OFF)))
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(was_class)))
        for combo in (self.method_combo, self.class_combo):
            combo.blockSignals(False)
        self.setVisible(bool(methods))
        self.clear()
        self._show_explanation()

    def method(self) -> str | None:
        """The chosen method's id, or None (off)."""
        return self.method_combo.currentData() or None

    def set_method(self, method: str | None) -> None:
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(method or OFF)))

    def target(self) -> int | None:
        """The chosen class index, or None: each image's predicted class."""
        data = self.class_combo.currentData()
        return None if data is None or int(data) < 0 else int(data)

    # --- the map ------------------------------------------------------------------------------------------
    def request(self, inspector: Any, image: np.ndarray) -> None:
        """Compute the chosen method's map of one image (H×W×C, uint8 or floats in [0, 1]) off the GUI thread; the
        answer arrives as :attr:`heat_changed`. A method that does not apply says why next to the picker."""
        method = self.method()
        if method is None or inspector is None or self._family is None:
            self.clear()
            return
        from vision_lab.core import attributions
        from vision_lab.core.errors import ConfigError

        try:
            # The copy is taken here, on the GUI thread: the panel loads new weights into the inspector as the run
            # trains, and the job must not see them change half-way.
            ex = attributions.explainable(inspector, copy_model=True)
            attributions.check_applies(ex, method)
        except ConfigError as err:
            self.job.cancel()
            self._failed(str(err))
            return
        target, picture = self.target(), np.array(image, copy=True)

        def run(_progress: Any) -> np.ndarray:
            heat = attributions.attribute(ex, picture[None], method, target)[0]
            return attributions.normalised(heat)

        self.job.submit(run)

    def clear(self) -> None:
        """No map: drop any pending one and tell the view."""
        self.job.cancel()
        self.error = ""
        self.note.clear()
        self.heat = None
        self.heat_changed.emit(None)

    def shutdown(self) -> None:
        self.job.shutdown()

    def _method_changed(self) -> None:
        self._show_explanation()
        self._changed()

    def _changed(self) -> None:
        if self.method() is None:
            self.clear()
        self.settings_changed.emit()

    def _show_explanation(self) -> None:
        method = self.method()
        if method is None:
            self.explanation.clear()
            self.explanation.setVisible(False)
            return
        from vision_lab.core.attributions import explanation

        self.explanation.setText(explanation(method))
        self.explanation.setVisible(True)

    def _busy(self, busy: bool) -> None:
        if busy:
            self.note.setText(self.tr("computing…"))
        elif not self.error:
            self.note.clear()

    def _done(self, heat: np.ndarray) -> None:
        if self.method() is None:
            return
        self.error = ""
        if not self.job.busy():
            self.note.clear()
        self.heat = heat
        self.heat_changed.emit(heat)

    def _failed(self, sentence: str) -> None:
        self.error = sentence
        self.note.setText(sentence)
        self.heat = None
        self.heat_changed.emit(None)
