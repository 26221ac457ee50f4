"""The sentences the loop ends a run with (the window's status bar, the CLI's last line) in the core's language;
the English keeps its singular and plural exactly."""

from __future__ import annotations

import pytest

from vision_lab.core import i18n
from vision_lab.core.trainer import finished_message


def test_english_counts() -> None:
    assert finished_message(1, 1, 1, 0.14) == "Finished 1 epoch (1 step) in 0.1 s."
    assert finished_message(10, 1400, 1400, 6.6) == "Finished 10 epochs (1,400 steps) in 6.6 s."
    assert finished_message(3, 420, 280, 2.0) == "Finished at 3 epochs (step 420): this run trained 280 steps in 2.0 s."


@pytest.fixture
def chinese():
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def test_chinese(chinese) -> None:
    assert finished_message(10, 1400, 1400, 6.6) == "已完成 10 轮（1,400 步），用时 6.6 秒。"
    assert finished_message(3, 420, 280, 2.0) == "在第 3 轮（第 420 步）结束：本次运行训练了 280 步，用时 2.0 秒。"
