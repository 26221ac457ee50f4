"""File ▸ Save experiment as…: the panels' setup as a JSON file that `vision-lab train --config` (or torchrun) runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from vision_lab.core.config import ExperimentConfig


def _menu_action(window, name: str):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QAction

    action = window.findChild(QAction, name)
    assert action is not None, name
    return action


def test_save_experiment_writes_the_panels_config(window, tmp_path: Path, monkeypatch) -> None:
    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData("gan"))
    window.training_panel.epochs.setValue(3)
    target = tmp_path / "exp.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Experiment (*.json)"))
    _menu_action(window, "saveExperimentAction").trigger()
    saved = ExperimentConfig.load(target)
    assert saved == window.current_config().validate()
    assert saved.model == "gan" and saved.train.epochs == 3
    assert "exp.json" in window.statusBar().currentMessage()
    assert window.last_message is None


def test_save_experiment_to_an_unwritable_place_says_so(window, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "exp.json"  # a file stands where the folder should be
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    _menu_action(window, "saveExperimentAction").trigger()
    assert window.last_message is not None
    text = window.last_message.text()
    assert text.startswith("Cannot write") and str(target) in text and "Traceback" not in text
    assert not target.exists()
    window.last_message.close()
