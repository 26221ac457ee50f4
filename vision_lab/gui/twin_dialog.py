"""The twin runs' dialog: pick one knob and B's value (:mod:`twin_knobs` checks it); :mod:`twin` trains both."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError
from vision_lab.gui.twin_knobs import SAME_AS_A, config_b, display_value, edit_text, knob_value, twin_knobs
from vision_lab.gui.widgets.fields import ERROR_COLOR


def _same() -> str:
    return QCoreApplication.translate("Twin", SAME_AS_A)


class TwinDialog(QDialog):
    """Pick one knob and B's value; OK stays disabled (with one sentence saying why) until B is a valid change."""

    def __init__(self, cfg: ExperimentConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("twinDialog")
        self.setWindowTitle(self.tr("Twin runs"))
        self.cfg = cfg
        self._b: ExperimentConfig | None = None
        self._problem = _same()

        intro = QLabel(
            self.tr(
                "Train the current setup (<b>A</b>) and a copy with one setting changed (<b>B</b>) side by side. "
                "Both use seed {seed} and see the training images in the same order, so the gap between "
                "their curves comes from that one setting."
            ).format(seed=cfg.train.seed)
        )
        intro.setObjectName("twinIntro")
        intro.setWordWrap(True)
        self.knob_combo = QComboBox()
        self.knob_combo.setObjectName("twinKnobCombo")
        for key, label in twin_knobs(cfg):
            self.knob_combo.addItem(label, key)
            self.knob_combo.setItemData(self.knob_combo.count() - 1, key, Qt.ItemDataRole.ToolTipRole)
        self.a_value = QLabel()
        self.a_value.setObjectName("twinValueA")
        self.a_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("twinValueEdit")
        self.value_edit.setToolTip(self.tr("A number, a word (adam, relu…) or a list such as [64, 32]"))
        self.error = QLabel()
        self.error.setObjectName("twinError")
        self.error.setWordWrap(True)
        # Two lines reserved: the dialog does not jump as messages come and go.
        self.error.setMinimumHeight(self.error.fontMetrics().lineSpacing() * 2 + 2)
        self.error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.setObjectName("twinButtons")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("twinOkButton")
        self.ok_button.setText(self.tr("Train both"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(self.tr("Change"), self.knob_combo)
        form.addRow(self.tr("A (current)"), self.a_value)
        form.addRow("B", self.value_edit)
        form.addRow("", self.error)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.setMinimumWidth(460)

        self.knob_combo.currentIndexChanged.connect(self._knob_changed)
        self.value_edit.textChanged.connect(self._revalidate)
        self._knob_changed()

    @property
    def key(self) -> str:
        return str(self.knob_combo.currentData())

    @property
    def problem(self) -> str | None:
        """The sentence shown under the value; None when B is valid."""
        return None if self._b is not None else self._problem

    def _knob_changed(self) -> None:
        current = knob_value(self.cfg, self.key)
        self.a_value.setText(display_value(current))
        self.value_edit.setText(edit_text(current))
        self.value_edit.selectAll()  # typing replaces A's value
        self.value_edit.setFocus()
        self._revalidate()

    def _revalidate(self) -> None:
        try:
            self._b = config_b(self.cfg, self.key, self.value_edit.text())
        except ConfigError as err:
            self._b, self._problem = None, str(err)
        message = self.problem or ""
        pal = self.error.palette()
        # A's own value is where everyone starts: a hint, not an error.
        color = self.palette().color(QPalette.ColorRole.PlaceholderText) if message == _same() else ERROR_COLOR
        pal.setColor(QPalette.ColorRole.WindowText, color)
        self.error.setPalette(pal)
        self.error.setText(message)
        self.ok_button.setEnabled(self._b is not None)

    def twin_config(self) -> ExperimentConfig:
        """Config B (raises ConfigError with the shown sentence while the value is not valid)."""
        if self._b is None:
            raise ConfigError(self._problem)
        return self._b
