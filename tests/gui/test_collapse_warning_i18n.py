"""The GAN view picks the mode-collapse warning out of the run's warnings by its id, not its English words: in a
Chinese window the warning reads 模式崩溃…, and a match on "Mode collapse" found nothing there."""

from __future__ import annotations

import pytest

from vision_lab.core import i18n
from vision_lab.core.health import health_warnings
from vision_lab.gui.panels.inspect_generative import collapse_warning

HISTORY = [{"g_loss": 1.0, "d_loss": 0.5, "judge_coverage": c} for c in (8.0, 9.0, 2.0)]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_collapse_warning_is_found_in_either_language(language: str) -> None:
    i18n.set_language(language)
    try:
        nan = health_warnings([{"train_loss": float("nan")}], None, "cnn", 10)
        collapse = health_warnings(HISTORY, None, "gan", 10)
        assert collapse_warning([*nan, *collapse]) == collapse[0]
        assert collapse_warning(nan) == ""
    finally:
        i18n.set_language("en")


def test_a_warning_read_back_from_a_run_folder_still_counts() -> None:
    """Warnings kept in a run folder come back as plain English text, without their ids."""
    (collapse,) = health_warnings(HISTORY, None, "gan", 10)
    assert collapse_warning([str(collapse)]) == str(collapse)
