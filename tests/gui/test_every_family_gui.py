"""Every registered family opens in the real window and trains a step from it; a family declared outside the
package (tests/toy_family.py) does too. No line here names a family: the list is the registry's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY_LIMIT, click
from every_family import tiny_config, train
from toy_family import KEY, registered

from vision_lab.core import families
from vision_lab.core.config import apply_overrides
from vision_lab.gui import families as gui_families


def check_in_window(qtbot, w, key: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Open a tiny run of ``key``: the panels, the plot, the previews and the Inspect views are the family's; then
    one Step of the same settings trains from the window and Stop ends it."""
    family = families.get(key)
    run = tmp_path / f"{key}-run"
    train(key, run)
    assert w.open_run(run)
    assert w.model_panel.family == key and w.model_panel.combo.currentText() == gui_families.title(key)
    assert w.model_panel.formula.text() == gui_families.formula(key)
    panel = w.inspect_panel
    shown = {v.title for v in panel.views if panel.shows(v)}
    assert shown == {v.title for v in panel.views if v.needs & family.capabilities} and shown
    assert list(w.loss_plot.series) == list(family.plotted) and w.loss_plot.point_count() > 0
    assert w.preview.count > 0 and gui_families.title(key) in w.status_label.text()
    # A run on other data than the window's (scenes) loads it in the background first: Step waits for it.
    qtbot.waitUntil(lambda: w.data_panel.dataset is not None and w.step_button.isEnabled(), timeout=30000)
    click(qtbot, w.step_button)  # from idle: a paused run of the panels' settings, then one batch
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=90000)
    assert w._last_metrics.step == 1 and set(family.losses) <= set(w._last_metrics.values)
    with qtbot.waitSignal(w.run_ended, timeout=60000) as blocker:
        click(qtbot, w.stop_button)
    assert blocker.args[0].status == "stopped" and blocker.args[0].summary["model"] == key


@pytest.mark.parametrize("key", gui_families.names())
def test_every_family_opens_in_the_window_and_trains_from_it(qtbot, window, key: str, tmp_path: Path) -> None:
    check_in_window(qtbot, window, key, tmp_path)


def test_a_family_from_outside_gets_the_window_too(qtbot, tmp_path: Path) -> None:
    from vision_lab.gui.main_window import MainWindow

    with registered(window=True):
        w = MainWindow(runs_root=tmp_path / "runs")
        qtbot.addWidget(w, before_close_func=lambda win: setattr(win, "ask_before_closing", False))
        w.show()
        w.load_initial_data()
        qtbot.waitUntil(lambda: w.data_panel.dataset is not None, timeout=20000)
        w.data_panel.set_limit(TINY_LIMIT)
        assert w.model_panel.combo.findData(KEY) >= 0
        try:
            check_in_window(qtbot, w, KEY, tmp_path)
        finally:
            w.ask_before_closing = False
            w.close()


@pytest.mark.parametrize("key", gui_families.names())
def test_every_family_twins(qtbot, mnist5k, key: str, tmp_path: Path) -> None:
    """Twin runs of the family, one knob apart (the learning rate: every family has one): both train to their
    end, side by side, previews filled, and the verdict is given by the family's headline figure."""
    from PySide6.QtWidgets import QLabel

    from vision_lab.gui.twin import TwinWindow

    cfg_a = tiny_config(key)
    cfg_b = apply_overrides(cfg_a, {"optim.lr": cfg_a.optim.lr * 3})
    # A family that learns from masks or boxes loads its own scenes (the config's); the others share mnist-5k.
    own_data = families.get(key).target in ("mask", "boxes")
    w = TwinWindow(cfg_a, cfg_b, dataset=None if own_data else mnist5k, runs_root=tmp_path / "runs")
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.both_finished, timeout=180000):
        w.start()
    a, b = w.results
    assert a is not None and b is not None and a["status"] == b["status"] == "completed", (a, b)
    assert a["model"] == b["model"] == key
    assert w.preview_a.count > 0 and w.preview_b.count > 0
    status = w.findChild(QLabel, "twinStatus").text()
    assert "did better" in status or "tie" in status, status
    w.close()
