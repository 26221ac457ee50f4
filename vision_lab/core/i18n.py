"""The language the core speaks in: one setting shared by the CLI (from LANGUAGE/LC_ALL/LC_MESSAGES/LANG) and the
window (its saved View ▸ Language choice, else the system locale). Qt-free: the window sets it at start.

Languages are codes as gettext names its catalogues: ``en`` (the source language) and ``zh_CN``.

Messages: every sentence the core shows a person has a stable id and its English in the code,
``t("config.lr.positive", "The learning rate must be above 0 (got {value}).", value=lr)``, looked up with stdlib
gettext (the id is the message context) in resources/locale/<lang>/LC_MESSAGES/vision_lab.mo. English is the
fallback for a language, a catalogue or an entry we lack. Texts made before the language is known (module-level
tables: family titles, dataset descriptions) are marked with :func:`N_` and translated where shown with
:func:`text`. tests/core/update_catalogue.py finds every call (literal arguments only) and keeps the catalogue.
"""

from __future__ import annotations

import gettext
import os
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "Deferred",
    "Message",
    "language",
    "language_from_env",
    "locale_dir",
    "normalise",
    "set_language",
    "t",
    "text",
]

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


# --- messages ------------------------------------------------------------------------------------------------

DOMAIN = "vision_lab"


class Message(str):
    """A sentence in the language that was current when it was made, with its stable id: a front end that needs to
    know *which* message it holds (the window picking out the mode-collapse warning) compares ``.id``, never the
    words, which change with the language."""

    id: str

    def __new__(cls, value: str, id: str) -> Message:
        obj = super().__new__(cls, value)
        obj.id = id
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the training process's pipe as itself
        return (Message, (str(self), self.id))


class Deferred(str):
    """A text marked for translation before the language is known (:func:`N_`). Its value is the English, so it
    works as a key and in comparisons as before; :func:`text` gives it in the current language where shown."""

    id: str

    def __new__(cls, id: str, english: str) -> Deferred:
        obj = super().__new__(cls, english)
        obj.id = id
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Deferred, (self.id, str(self)))


def N_(id: str, english: str) -> Deferred:  # gettext's conventional name for a deferred marker
    """Mark ``english`` for the catalogue under ``id``; translated later, where shown, by :func:`text`."""
    return Deferred(id, english)


def locale_dir() -> Path:
    from vision_lab.core import paths

    return paths.resource("locale")


@cache
def _catalogue(code: str) -> gettext.NullTranslations:
    if code == SOURCE:
        return gettext.NullTranslations()
    # A missing or unreadable catalogue (a broken install) falls back to English rather than failing every message.
    try:
        return gettext.translation(DOMAIN, localedir=locale_dir(), languages=[code])
    except (OSError, FileNotFoundError):
        return gettext.NullTranslations()


def t(id: str, english: str, /, **fields: object) -> Message:
    """``english`` (with ``{name}`` placeholders filled from ``fields``) in the current language.

    ``id`` and ``english`` must be literal strings: the catalogue tool reads them from the source. A translation
    whose placeholders do not fit (a broken catalogue) gives the English rather than an error about the error.
    """
    translated = _catalogue(_language).pgettext(id, english)
    try:
        return Message(translated.format(**fields), id)
    except (KeyError, IndexError, ValueError):
        return Message(english.format(**fields), id)


def text(value: str) -> str:
    """A :func:`N_`-marked text in the current language; any other string as it is."""
    if isinstance(value, Deferred):
        return t(value.id, str(value))
    return value


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields of a message (for the catalogue's checks)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
