"""The training process speaks the window's language: a sentence the core makes there (a run folder that is gone,
a weights file that does not fit) reaches a Chinese window in Chinese, not in the spawned process's English."""

from __future__ import annotations

from pathlib import Path

from vision_lab.core import i18n
from vision_lab.core.config import default_config
from vision_lab.core.lineage import Launch
from vision_lab.gui.worker import ProcessWorker


def test_a_failure_in_the_training_process_is_told_in_the_window_language(qtbot, tmp_path: Path) -> None:
    gone = tmp_path / "gone-run"
    launch = Launch(default_config("mlp"), resume=gone)
    i18n.set_language("zh_CN")
    try:
        worker = ProcessWorker(launch.config, launch=launch, runs_root=tmp_path / "runs")
        with qtbot.waitSignal(worker.failed, timeout=120000) as failed:
            worker.start()
        worker.wait(60000)
    finally:
        i18n.set_language("en")
    message, log = failed.args
    assert str(gone) in message and "不存在" in message, message
    assert log == ""
