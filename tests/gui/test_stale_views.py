"""Every view belongs to the run on screen (issue 15, item 7): Reset, a lesson, Open and Watch clear the last run."""

from __future__ import annotations

from conftest import click, make_tiny, pick_family

from vision_lab.core.presets import list_presets


def train(qtbot, w, family: str = "cnn") -> None:
    make_tiny(w, family)
    with qtbot.waitSignal(w.run_ended, timeout=120000) as blocker:
        click(qtbot, w.start_button)
    assert blocker.args[0].status == "completed"
    w.inspect_panel.refresh(force=True)


def health_tab(w):
    return next(v for v in w.inspect_panel.views if v.title == "Health")


def confusion_tab(w):
    return next(v for v in w.inspect_panel.views if v.title == "Confusion")


def assert_clean(w) -> None:
    assert w.loss_plot.point_count() == 0
    assert w.history == [] and w.rewind_slider.maximum() == 0
    assert health_tab(w).grad.series_names() == [] and health_tab(w).ratio.series_names() == []
    assert confusion_tab(w).matrix.matrix() is None
    assert not w.health_banner.isVisible()
    assert w.inspect_panel.health == [] and w.inspect_panel.warnings == []


def test_reset_clears_health_rewind_and_confusion(qtbot, window) -> None:
    w = window
    train(qtbot, w)
    for tab in (confusion_tab(w), health_tab(w)):
        w.inspect_panel.setCurrentWidget(tab)
        w.inspect_panel.refresh(force=True)
    assert w.history and w.inspect_panel.health and confusion_tab(w).matrix.matrix() is not None
    w._show_warnings(["Loss diverging: the learning rate is probably too high"])
    click(qtbot, w.reset_button)
    assert_clean(w)


def test_a_lesson_starts_on_a_clean_screen(qtbot, window) -> None:
    w = window
    train(qtbot, w)
    w._show_warnings(["Discriminator loss near 0: D is overpowering G"])
    w.apply_preset(list_presets()[0])
    assert_clean(w)


def test_a_fixed_setting_takes_its_message_from_the_status_bar(qtbot, window) -> None:
    w = window
    train(qtbot, w, "mlp")
    hidden = w.model_panel.forms["mlp"].hidden
    hidden.setText("lots")
    assert "not valid" in w.status_label.text()
    hidden.setText("16")
    assert "not valid" not in w.status_label.text() and w.start_button.isEnabled()


def test_a_lesson_shows_the_inspect_views_of_its_own_family(qtbot, window) -> None:
    """Lesson 7 (a transformer) chosen while a CNN was on show kept the CNN's Filters tab and no Attention tab
    until Start: seen on Xvfb."""
    w = window
    panel = w.inspect_panel
    for preset in list_presets():
        pick_family(w, "cnn" if preset.config.model != "cnn" else "mlp")
        w.apply_preset(preset)
        shown = {v.title for v in panel.views if panel.shows(v)}
        assert shown == {v.title for v in panel.views if v.serves(preset.config.model)}, preset.key
