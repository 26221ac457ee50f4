"""The window's language: Qt translators for Vision Lab's own strings and Qt's (file dialogs, message-box buttons).

Installed on the QApplication before the main window is built, because every widget sets its text once, in its
constructor. The language follows the system locale unless the View ▸ Language menu saved one; a change applies at
the next start (the texts are set in ~50 constructors: retranslating them live would need a retranslate method in
each, and rebuilding the window would lose a training run in progress).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

from vision_lab.core import i18n as core_i18n
from vision_lab.core.paths import resource

__all__ = [
    "LANGUAGES",
    "LANGUAGE_KEY",
    "NEXT_START",
    "chosen_language",
    "current_language",
    "install_translators",
    "qm_path",
    "system_language",
    "use_language",
]

# code -> the language's own name, as the menu shows it (a user who cannot read English still finds 简体中文).
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
LANGUAGE_KEY = "language"
# Said in the language just chosen, so the user who picked it can read it.
NEXT_START: dict[str, str] = {
    "en": "Vision Lab will speak English from its next start.",
    "zh_CN": "Vision Lab 下次启动时将显示简体中文。",
}
CATALOGUE = "vision_lab"
# Labels of Qt's own file dialog that qtbase_zh_CN.qm (Qt 6.11) leaves in English: our catalogue fills the gap
# (Qt asks each installed translator, so ours answers where qtbase has nothing).
QT_GAPS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)

_installed: list[QTranslator] = []  # the application does not own them: Python must keep them alive
_current = "en"


def qm_path(language: str) -> Path:
    return resource("i18n", f"{CATALOGUE}_{language}.qm")


def system_language(locale: QLocale | None = None) -> str:
    """zh_CN for any Chinese locale that writes Simplified characters, else English."""
    locale = locale or QLocale.system()
    if locale.language() == QLocale.Language.Chinese and locale.script() != QLocale.Script.TraditionalHanScript:
        return "zh_CN"
    return "en"


def chosen_language(settings: QSettings | None) -> str:
    """The saved choice when there is a valid one, else the system's."""
    saved = settings.value(LANGUAGE_KEY) if settings is not None else None
    if isinstance(saved, str) and saved in LANGUAGES:
        return saved
    return system_language()


def current_language() -> str:
    return _current


def install_translators(language: str) -> bool:
    """Replace the installed translators by ``language``'s; False when a catalogue is missing (English then)."""
    global _current
    app = QCoreApplication.instance()
    assert app is not None, "create the QApplication first"
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    _current = "en"
    if language == "en" or language not in LANGUAGES:
        return language == "en"
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    loaded = True
    for name, folder in ((f"{CATALOGUE}_{language}", str(qm_path(language).parent)), (f"qtbase_{language}", qt_dir)):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            loaded = False
    if _installed:
        _current = language
    return loaded


def use_language(language: str) -> bool:
    """The window's and the core's language at once: Qt's translators here, gettext's in the core (health warnings,
    error sentences, lessons), so one window never mixes the two. False when a catalogue is missing."""
    loaded = install_translators(language)
    core_i18n.set_language(current_language())
    return loaded
