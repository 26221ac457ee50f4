"""No widget of ours hides one of Qt's own methods under an attribute of the same name.

Compare's metric picker was ``self.metric``, which hides ``QWidget.metric()``: on a real X display Qt calls
``metric()`` to paint, got a combo box, and the window showed "'QComboBox' object is not callable" in a bug dialog
(offscreen never calls it, so no test saw it). This walks every widget of the main window and of Compare.
"""

from __future__ import annotations

from conftest import click
from PySide6.QtWidgets import QWidget
from test_compare import select_all
from test_runs_browser import make_run


def shadowed(widget: QWidget) -> list[str]:
    """Instance attributes that hide a method of one of the widget's Qt base classes."""
    qt_bases = [c for c in type(widget).__mro__ if c.__module__.startswith("PySide6")]
    found = []
    for name, value in vars(widget).items():
        for base in qt_bases:
            if callable(getattr(base, name, None)) and not callable(value):
                found.append(f"{type(widget).__name__}.{name} hides {base.__name__}.{name}()")
                break
    return found


def test_no_widget_hides_a_qt_method(qtbot, window, mnist5k) -> None:
    w = window
    make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=1)
    make_run(w.runs_root, mnist5k, "mlp", lr=0.001, epochs=1)
    select_all(qtbot, w)
    click(qtbot, w.runs_panel.compare_button)
    compare = w.runs_panel.compare_window
    qtbot.waitExposed(compare)
    problems: list[str] = []
    for top in (w, compare):
        for widget in [top, *top.findChildren(QWidget)]:
            problems += shadowed(widget)
    assert not problems, sorted(set(problems))
    compare.close()
