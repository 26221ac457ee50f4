"""The core's language setting: locale names normalised, the CLI's environment read in gettext's order."""

from __future__ import annotations

import pytest

from vision_lab.core import i18n


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-Hans", "zh_CN"),
        ("zh_SG", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh_TW.UTF-8", None),
        ("zh_HK", None),
        ("zh-Hant", None),
        ("en_GB.UTF-8", "en"),
        ("C", "en"),
        ("POSIX", "en"),
        ("fr_FR", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise(code: str | None, expected: str | None) -> None:
    assert i18n.normalise(code) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANGUAGE": "fr", "LANG": "zh_CN.UTF-8"}, "zh_CN"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_from_env(env: dict[str, str], expected: str) -> None:
    assert i18n.language_from_env(env) == expected


def test_set_language_falls_back_to_english() -> None:
    before = i18n.language()
    try:
        assert i18n.set_language("zh_CN.UTF-8") == "zh_CN" and i18n.language() == "zh_CN"
        assert i18n.set_language("fr_FR") == "en" and i18n.language() == "en"
    finally:
        i18n.set_language(before)
