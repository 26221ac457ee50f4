"""Form fields that validate as the user types and show their problem right under themselves."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QColor, QPalette, QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

# Readable on light and dark backgrounds alike; palettes have no "error" role.
ERROR_COLOR = QColor("#e5534b")


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, ERROR_COLOR)
    label.setPalette(pal)
    label.hide()
    return label


def set_error(label: QLabel, message: str | None) -> None:
    label.setText(message or "")
    label.setVisible(bool(message))


class Field(QWidget):
    """A control with its inline error message underneath (hidden while there is none)."""

    def __init__(self, control: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self.error = error_label()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(control)
        lay.addWidget(self.error)
        if isinstance(control, CheckedSpinBox | NumberSpinBox):
            control.problem_changed.connect(self.set_error)

    def set_error(self, message: str | None) -> None:
        set_error(self.error, message)


class IntListEdit(QLineEdit):
    """Layer widths typed as text, e.g. ``512, 256``; :meth:`problem` says what is wrong, if anything."""

    values_changed = Signal()

    def __init__(
        self,
        values: tuple[int, ...] = (),
        *,
        allow_empty: bool = True,
        max_items: int = 16,
        lo: int = 1,
        hi: int = 16384,
        what: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.allow_empty, self.max_items, self.lo, self.hi = allow_empty, max_items, lo, hi
        self.what = what or QCoreApplication.translate(
            "Fields", "number"
        )  # one of the list's numbers, as its form names them: "width"
        self.setPlaceholderText(
            QCoreApplication.translate("Fields", "none")
            if allow_empty
            else QCoreApplication.translate("Fields", "e.g. 32, 64")
        )
        self.set_values(values)
        self.textChanged.connect(self.values_changed)

    def set_values(self, values: tuple[int, ...]) -> None:
        self.setText(", ".join(str(v) for v in values))

    def parse(self) -> tuple[tuple[int, ...], str | None]:
        parts = [p.strip() for p in self.text().replace(";", ",").replace(" ", ",").split(",")]
        parts = [p for p in parts if p]
        values: list[int] = []
        for p in parts:
            try:
                v = int(p)
            except ValueError:
                return (), QCoreApplication.translate(
                    "Fields", "'{text}' is not a whole number; type numbers like 64, 32."
                ).format(text=p)
            if not self.lo <= v <= self.hi:
                return (), QCoreApplication.translate(
                    "Fields", "Each {what} must be between {lo} and {hi}; {value} is not."
                ).format(what=self.what, lo=self.lo, hi=self.hi, value=v)
            values.append(v)
        if not values and not self.allow_empty:
            return (), QCoreApplication.translate("Fields", "Give at least one {what}.").format(what=self.what)
        if len(values) > self.max_items:
            return (), QCoreApplication.translate("Fields", "At most {most} numbers, got {count}.").format(
                most=self.max_items, count=len(values)
            )
        return tuple(values), None


class _Explains:
    """Mixin for spin boxes: say why typed text was refused, instead of Qt's silent drop or revert.

    A spin box drops keys it cannot accept ("abc", a digit past the maximum, "-" above a minimum of 0) and,
    when editing ends on text that is not a value ("0" below a minimum of 1, an empty box), goes back to its
    last value. Both happen without a word, so "1000000000" quietly becomes 10000. :attr:`problem_changed`
    carries one sentence for a :class:`Field` to show under the box (None clears it): at once while typing,
    and again when editing ends, naming the value the box kept.
    """

    problem_changed = Signal(object)  # str | None
    what = ""  # the field's label; empty: "This value", translated when said
    kind = "number"

    def _explain_init(self) -> None:
        self._problem: str | None = None
        self._refused: str | None = None  # the first refused text since editing last ended
        self.editingFinished.connect(self._editing_finished)  # type: ignore[attr-defined]

    def validate(self, text: str, pos: int) -> object:
        result = super().validate(text, pos)  # type: ignore[misc]  # the spin box's, next in the MRO
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.State.Invalid:
            self._refuse(text)
            self._set_problem(
                QCoreApplication.translate("Fields", "{takes}; '{text}' is not one.").format(
                    takes=self._takes(), text=text.strip()
                )
            )
        return result

    def fixup(self, text: str) -> object:
        # Called when editing ends on text that is not a value; Qt then restores the last value.
        self._refuse(text)
        return super().fixup(text)  # type: ignore[misc]

    def _refuse(self, text: str) -> None:
        if self._refused is None:
            self._refused = text.strip()

    def _takes(self) -> str:
        lo, hi = self.minimum(), self.maximum()  # type: ignore[attr-defined]
        what = self.what or QCoreApplication.translate("Fields", "This value")
        lo_text, hi_text = plain_number(lo), plain_number(hi)
        if self.kind == "whole number":
            return QCoreApplication.translate("Fields", "{what} takes a whole number from {lo} to {hi}").format(
                what=what, lo=lo_text, hi=hi_text
            )
        return QCoreApplication.translate("Fields", "{what} takes a number from {lo} to {hi}").format(
            what=what, lo=lo_text, hi=hi_text
        )

    def _editing_finished(self) -> None:
        refused, self._refused = self._refused, None
        if refused is None:
            self._set_problem(None)
            return
        takes, kept = self._takes(), self.text()  # type: ignore[attr-defined]
        if refused:
            message = QCoreApplication.translate("Fields", "{takes}; '{text}' was refused, so it is {kept}.").format(
                takes=takes, text=refused, kept=kept
            )
        else:
            message = QCoreApplication.translate(
                "Fields", "{takes}; an empty box was refused, so it is {kept}."
            ).format(takes=takes, kept=kept)
        self._set_problem(message)

    def _set_problem(self, message: str | None) -> None:
        if message != self._problem:
            self._problem = message
            self.problem_changed.emit(message)

    @property
    def problem(self) -> str | None:
        return self._problem


class CheckedSpinBox(_Explains, QSpinBox):
    """A QSpinBox that explains refused input (see :class:`_Explains`); ``what`` names it in the message."""

    kind = "whole number"

    def __init__(self, lo: int, hi: int, what: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setRange(lo, hi)
        self._explain_init()


def plain_number(value: float) -> str:
    """A number as people write it: 0.000001 rather than 1e-06, 10 rather than 10.0."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{value:g}"


# A decimal number as typed: 1e-4, 1E-4, .001, 3., -2.5e+3 (the decimal point is normalised to "." first).
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# What may still become one as more keys come: "", "-", ".", "1e", "1e-".
_PARTIAL = re.compile(r"[+-]?(\d*\.?\d*)([eE][+-]?)?")


class NumberSpinBox(_Explains, QDoubleSpinBox):
    """A decimal spin box that reads numbers as people type them and explains what it refused.

    Qt's QDoubleSpinBox drops the "e" of ``1e-4`` (so the box ends at 1, a learning rate 10,000 times too large)
    and knows no ``.001``. Here ``1e-4``, ``1E-4``, ``.001`` and, where the locale writes decimals with a comma,
    ``0,001`` are values; text that can still become one (``1e-``) is let through while typing; a value outside
    the range or text that is no number is refused when editing ends, the box keeps its previous value, and the
    sentence under it says so (:class:`_Explains`).
    """

    kind = "number"

    def __init__(self, lo: float, hi: float, what: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setRange(lo, hi)
        self._explain_init()

    def _normalised(self, text: str) -> str:
        text = text.strip()
        for affix in (self.prefix(), self.suffix()):
            if affix:
                text = text.replace(affix.strip(), "")
        text = text.strip().replace(" ", "")
        if self.locale().decimalPoint() == ",":
            text = text.replace(",", ".")
        return text

    def parse(self, text: str) -> float | None:
        """The value ``text`` stands for, or None."""
        text = self._normalised(text)
        if not _NUMBER.fullmatch(text):
            return None
        value = float(text)
        return value if math.isfinite(value) else None

    def validate(self, text: str, pos: int) -> object:
        value = self.parse(text)
        if value is not None and self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        # Never drop a key (Qt's Invalid): "0,5" in an English locale would become 5 without its comma. The text
        # stays as typed and, if it is no value when editing ends, is refused whole and the box keeps its value.
        if value is None and not _PARTIAL.fullmatch(self._normalised(text)):
            self._set_problem(
                QCoreApplication.translate("Fields", "{takes}; '{text}' is not one.").format(
                    takes=self._takes(), text=text.strip()
                )
            )
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        # Qt's fixup would strip "group separators": "0,5" in an English locale became 5. A refusal keeps the value.
        self._refuse(text)
        return text

    def valueFromText(self, text: str) -> float:
        value = self.parse(text)
        return self.value() if value is None else value

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}".rstrip("0").rstrip(".")
        return text.replace(".", self.locale().decimalPoint()) if text else "0"


class LogSpinBox(NumberSpinBox):
    """A learning-rate spin box: arrows step along 1, 2, 5, 10, ... and the text shows no trailing zeros."""

    def __init__(self, lo: float = 1e-6, hi: float = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(lo, hi, QCoreApplication.translate("Fields", "The learning rate"), parent)
        self.setDecimals(7)
        self.setRange(lo, hi)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if value <= 0:  # "off" (special value): step up to a typical rate
            value = 1e-4 if steps > 0 else value
            steps -= 1 if steps > 0 else 0
        for _ in range(abs(steps)):
            if value <= self.minimum() and steps < 0:
                break
            value = _next_125(value, up=steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _next_125(value: float, *, up: bool) -> float:
    """The next value on the 1-2-5 ladder above (or below) ``value``."""
    exp = math.floor(math.log10(value))
    ladder = [m * 10.0**e for e in (exp - 1, exp, exp + 1) for m in (1, 2, 5)]
    if up:
        return next(v for v in ladder if v > value * (1 + 1e-9))
    return next(v for v in reversed(ladder) if v < value * (1 - 1e-9))
