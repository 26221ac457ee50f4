"""The language the core speaks in: one setting shared by the CLI (from LANGUAGE/LC_ALL/LC_MESSAGES/LANG) and the
window (its saved View ▸ Language choice, else the system locale). Qt-free: the window sets it at start.

Languages are codes as gettext names its catalogues: ``en`` (the source language) and ``zh_CN``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["LANGUAGES", "language", "language_from_env", "normalise", "set_language"]

LANGUAGES: tuple[str, ...] = ("en", "zh_CN")
SOURCE = "en"

_language = SOURCE


def normalise(code: str | None) -> str | None:
    """A locale name (``zh_CN.UTF-8``, ``zh-Hans``, ``en_GB``, ``C``) as one of :data:`LANGUAGES`, or None.

    Simplified Chinese for any Chinese locale but those that write Traditional characters (zh_TW, zh_HK, zh_MO,
    zh_Hant): we have no Traditional catalogue, and Simplified text is not what those readers expect.
    """
    if not code:
        return None
    base = code.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    if base in ("C", "POSIX"):
        return SOURCE
    parts = base.split("_")
    lang = parts[0].lower()
    rest = {p.lower() for p in parts[1:]}
    if lang == "zh":
        return None if rest & {"tw", "hk", "mo", "hant"} else "zh_CN"
    if lang == "en":
        return SOURCE
    return None


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """gettext's order: the first of LANGUAGE (a colon list), LC_ALL, LC_MESSAGES, LANG that names a language we
    have; English when none does."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        for code in value.split(":") if var == "LANGUAGE" else (value,):
            found = normalise(code)
            if found is not None:
                return found
        if var != "LANGUAGE":
            return SOURCE  # set to a language we lack: gettext would stop here too, in English
    return SOURCE


def set_language(code: str) -> str:
    """Make ``code`` (normalised) the core's language; English for one we lack. Returns the language set."""
    global _language
    _language = normalise(code) or SOURCE
    return _language


def language() -> str:
    return _language
