"""A user's own scenes in the window: a VOC-style mask folder and a YOLO folder open from the Data tab, and the
segmenter and detector train a step on them; a model whose targets the data lacks brings its own scenes, and says
so."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import click, pick_family
from scene_folders import voc_folder, yolo_folder

from vision_lab.core import families
from vision_lab.core.config import default_config


def _family(target: str) -> str:
    return next(f.key for f in families.all_families() if f.target == target)


@pytest.mark.parametrize(("write", "target"), [(voc_folder, "mask"), (yolo_folder, "boxes")], ids=["voc", "yolo"])
def test_a_users_scene_folder_trains_from_the_window(qtbot, window, tmp_path: Path, write, target: str) -> None:
    w = window
    folder = write(tmp_path / "scenes")
    key = _family(target)
    pick_family(w, key)
    w.data_panel.select(str(folder))
    qtbot.waitUntil(lambda: w.data_panel.dataset is not None and w.data_panel.current_key == str(folder), timeout=30000)
    assert target in w.data_panel.dataset.targets
    assert w.data_panel.preview.count > 0 and "Objects per class" in w.data_panel.counts.text()
    w.training_panel.epochs.setValue(1)
    qtbot.waitUntil(w.step_button.isEnabled, timeout=10000)
    click(qtbot, w.step_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None and w._paused, timeout=90000)
    assert w._started.config.data.name == str(folder) and w._last_metrics.step == 1
    with qtbot.waitSignal(w.run_ended, timeout=60000) as blocker:
        click(qtbot, w.stop_button)
    assert blocker.args[0].status == "stopped"


def test_a_model_whose_targets_the_data_lacks_brings_its_scenes(qtbot, window, tmp_path: Path) -> None:
    w = window
    folder = voc_folder(tmp_path / "voc")  # masks, no boxes
    pick_family(w, _family("mask"))
    w.data_panel.select(str(folder))
    qtbot.waitUntil(lambda: w.data_panel.dataset is not None and w.data_panel.current_key == str(folder), timeout=30000)
    detector = _family("boxes")
    pick_family(w, detector)
    name = default_config(detector).data.name  # the family's own dataset, from its defaults
    assert w.data_panel.current_key == name
    assert name in w.training_panel.note.text()
    qtbot.waitUntil(lambda: w.data_panel.dataset is not None, timeout=30000)
    assert "boxes" in w.data_panel.dataset.targets
    pick_family(w, "cnn")  # back to a classifier: the digits, not the built-in scenes
    assert w.data_panel.current_key == default_config("cnn").data.name
