"""The transformer's settings in the window: a patch size that does not divide the images, or a width the heads
cannot share, is one sentence naming the setting, and Start waits until it is fixed."""

from __future__ import annotations

from conftest import pick_family


def test_a_patch_that_does_not_divide_the_image_is_named(qtbot, window) -> None:
    w = window
    pick_family(w, "vit")
    form = w.model_panel.forms["vit"]
    assert w.start_button.isEnabled()
    form.patch.setValue(5)
    qtbot.waitUntil(lambda: not w.start_button.isEnabled(), timeout=5000)
    assert "Patch size 5 does not divide the 28×28 images" in (w.settings_problem or "")
    assert "2, 4, 7, 14" in w.settings_problem
    form.patch.setValue(4)
    qtbot.waitUntil(lambda: w.start_button.isEnabled(), timeout=5000)


def test_a_width_the_heads_cannot_share_is_named(qtbot, window) -> None:
    w = window
    pick_family(w, "vit")
    form = w.model_panel.forms["vit"]
    form.width_spin.setValue(60)
    form.heads.setValue(8)
    qtbot.waitUntil(lambda: not w.start_button.isEnabled(), timeout=5000)
    assert "vit.width (60) must be a multiple of vit.heads (8)" in (w.settings_problem or "")
