"""The Attention view in the real window: it appears for the transformer only, draws each head of the chosen
block and the rollout over the image, shows the model's own attention, and follows the training live."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import click, pick_family
from every_family import train

from vision_lab.core.attention import attention_maps


def _attention_tab(w):  # type: ignore[no-untyped-def]
    panel = w.inspect_panel
    index = next(i for i, v in enumerate(panel.views) if v.title == "Attention")
    return panel, index, panel.views[index]


def test_attention_view_shows_the_models_heads_and_follows_training(qtbot, window, tmp_path: Path) -> None:
    w = window
    panel, _index, tab = _attention_tab(w)
    pick_family(w, "cnn")
    assert not panel.shows(tab)  # a CNN has no attention to show
    run = tmp_path / "vit-run"
    train("vit", run)
    assert w.open_run(run)
    assert panel.shows(tab)
    panel.bring_forward(tab)
    qtbot.waitUntil(lambda: tab.maps is not None and tab.grid.count > 0, timeout=20000)
    heads = tab.maps.heads.shape[1]
    assert tab.grid.count == heads + 2  # the image, each head, the rollout
    assert "The model says" in tab.note.text() and "4×4 patches of 7×7 pixels" in tab.note.text()
    # What it shows is the model's: the same image through the inspector's model gives the same maps.
    again = attention_maps(panel.inspector, panel.dataset.val_images[0])
    np.testing.assert_allclose(tab.maps.heads, again.heads)

    # Another validation image: other maps.
    before = tab.maps.heads.copy()
    tab.index.setValue(3)
    qtbot.waitUntil(lambda: tab.maps is not None and not np.allclose(tab.maps.heads, before), timeout=10000)

    # Live: a Step from the window trains one batch of new weights and the view redraws with them.
    shown = tab.maps.heads.copy()
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=90000)
    qtbot.waitUntil(lambda: tab.maps is not None and not np.allclose(tab.maps.heads, shown), timeout=30000)
    with qtbot.waitSignal(w.run_ended, timeout=60000):
        click(qtbot, w.stop_button)


def test_attention_of_the_drawing(qtbot, window, tmp_path: Path) -> None:
    w = window
    run = tmp_path / "vit-run"
    train("vit", run)
    assert w.open_run(run)
    panel, _index, tab = _attention_tab(w)
    panel.bring_forward(tab)
    qtbot.waitUntil(lambda: tab.maps is not None, timeout=20000)
    from_dataset = tab.maps.heads.copy()
    stroke = np.zeros(panel.draw_tab.canvas.image().shape, np.float32)
    stroke[8:20, 12:16] = 1.0  # a "1"
    panel.draw_tab.canvas.set_image(stroke)
    tab.use_drawing.setChecked(True)
    qtbot.waitUntil(lambda: not np.allclose(tab.maps.heads, from_dataset), timeout=10000)
    drawn = panel.draw_tab.model_input()[0]
    expected = attention_maps(panel.inspector, drawn)
    np.testing.assert_allclose(tab.maps.heads, expected.heads, atol=1e-5)
