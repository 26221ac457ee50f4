"""Decimal fields read numbers as people type them (issue 15, item 1).

Qt's QDoubleSpinBox dropped the "e" of ``1e-4``, so the learning rate became 1, ten thousand times too large, with
only a remark under the box. Every decimal field of the window is a NumberSpinBox: scientific notation, a leading
point and the locale's decimal comma are values; anything else is refused with the previous value kept.
"""

from __future__ import annotations

import pytest
from conftest import pick_family
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDoubleSpinBox

from vision_lab.gui.widgets.fields import NumberSpinBox, plain_number


def type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


@pytest.mark.parametrize(("typed", "value"), [("1e-4", 1e-4), ("1E-4", 1e-4), (".001", 0.001), ("3e-2", 0.03)])
def test_learning_rate_takes_scientific_notation_and_a_leading_point(qtbot, window, typed: str, value: float) -> None:
    lr = window.training_panel.lr
    type_into(qtbot, lr, typed)
    assert lr.value() == pytest.approx(value)
    assert lr.problem is None
    assert window.current_config().optim.lr == pytest.approx(value)


def test_a_refused_rate_keeps_the_previous_value_and_says_the_limits_as_people_read_them(qtbot, window) -> None:
    lr = window.training_panel.lr
    type_into(qtbot, lr, "0.005")
    type_into(qtbot, lr, "1e9")
    assert lr.value() == pytest.approx(0.005)
    assert "0.000001 to 10" in lr.problem and "'1e9' was refused" in lr.problem and "1e-06" not in lr.problem


def test_decimal_comma_where_the_locale_writes_one(qtbot, window) -> None:
    lr = window.training_panel.lr
    lr.setLocale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    type_into(qtbot, lr, "0,001")
    assert lr.value() == pytest.approx(0.001)
    assert lr.text() == "0,001"
    lr.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    type_into(qtbot, lr, "0,5")  # a thousands separator here, not a decimal comma: refused, the rate kept
    assert lr.value() == pytest.approx(0.001) and lr.problem


def test_every_decimal_field_reads_people_numbers(qtbot, window) -> None:
    for family in ("mlp", "cnn", "autoencoder", "gan"):
        pick_family(window, family)
    spins = window.findChildren(QDoubleSpinBox)
    assert len(spins) >= 6
    plain = [s.objectName() or type(s.parent()).__name__ for s in spins if not isinstance(s, NumberSpinBox)]
    assert not plain, f"plain QDoubleSpinBox fields: {plain}"
    dropout = window.model_panel.forms["mlp"].dropout
    pick_family(window, "mlp")
    window.tabs.setCurrentIndex(1)
    type_into(qtbot, dropout, ".3")
    assert dropout.value() == pytest.approx(0.3) and dropout.problem is None
    type_into(qtbot, dropout, "2e-1")
    assert dropout.value() == pytest.approx(0.2)


@pytest.mark.parametrize(("value", "text"), [(1e-6, "0.000001"), (10.0, "10"), (0.95, "0.95"), (65536, "65536")])
def test_plain_numbers(value: float, text: str) -> None:
    assert plain_number(value) == text
