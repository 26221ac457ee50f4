"""The window's language: Qt's translation system, its shipped catalogue and the View ▸ Language menu."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings

from vision_lab.gui import i18n

REPO = Path(__file__).resolve().parents[2]
TS = REPO / "resources" / "i18n" / "vision_lab_zh_CN.ts"
CHINESE_CHAR = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def zh_CN(qapp):
    """Chinese translators for one test, English again afterwards (the session's other tests expect it)."""
    assert i18n.use_language("zh_CN")
    yield
    i18n.use_language("en")


def test_every_ts_entry_is_translated() -> None:
    missing = []
    for context in ET.parse(TS).getroot().iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            unfinished = translation.get("type") in ("unfinished", "vanished", "obsolete")
            if unfinished or not (translation.text or "").strip():
                missing.append(f"{context.findtext('name')}: {message.findtext('source')!r}")
    assert not missing, f"{len(missing)} untranslated (edit {TS.name}, then tests/gui/update_translations.py):\n" + (
        "\n".join(missing[:40])
    )


def test_shipped_catalogue_is_current() -> None:
    """lupdate over the code finds no string missing from the .ts, and lrelease of the .ts gives the shipped .qm."""
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "gui" / "update_translations.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_language_follows_the_system_locale() -> None:
    assert i18n.system_language(QLocale("zh_CN")) == "zh_CN"
    assert i18n.system_language(QLocale("zh_SG")) == "zh_CN"
    assert i18n.system_language(QLocale("zh_TW")) == "en"  # Traditional: no catalogue yet
    assert i18n.system_language(QLocale("en_US")) == "en"
    assert i18n.system_language(QLocale("de_DE")) == "en"


def test_a_saved_language_beats_the_system(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert i18n.chosen_language(settings) == i18n.system_language()
    settings.setValue(i18n.LANGUAGE_KEY, "zh_CN")
    assert i18n.chosen_language(settings) == "zh_CN"
    settings.setValue(i18n.LANGUAGE_KEY, "klingon")  # a hand-edited file: ignored, not a crash
    assert i18n.chosen_language(settings) == i18n.system_language()


def test_the_core_speaks_the_window_language(qapp) -> None:
    """One setting: the window's translators and the core's gettext language (health, errors, lessons)."""
    from vision_lab.core import i18n as core_i18n

    try:
        assert i18n.use_language("zh_CN")
        assert (i18n.current_language(), core_i18n.language()) == ("zh_CN", "zh_CN")
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    finally:
        i18n.use_language("en")
    assert (i18n.current_language(), core_i18n.language()) == ("en", "en")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_qt_own_texts_are_chinese(zh_CN) -> None:
    """Qt's buttons and file dialogs (qtbase_zh_CN.qm from PySide6's translations folder)."""
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    assert QCoreApplication.translate("QFileDialog", "Look in:") != "Look in:"
    for gap in i18n.QT_GAPS:  # missing from qtbase_zh_CN: ours fills them
        assert CHINESE_CHAR.search(QCoreApplication.translate("QFileDialog", gap)), gap


def test_mixins_find_their_translations(zh_CN, qtbot, tmp_path: Path) -> None:
    """self.tr() in a mixin of MainWindow: lupdate files the string under the mixin's class, and PySide6 looks it
    up under each class of the window's MRO, so both agree."""
    from vision_lab.gui.main_window import MainWindow

    w = MainWindow(runs_root=tmp_path / "runs")
    qtbot.addWidget(w)
    assert w.tr("&Language") == "语言(&L)"  # WindowLayout
    assert w.tr("Paused at step {step:,}.") == "已在第 {step:,} 步暂停。"  # RunEvents
    assert w.tr("Reset: press Start to train from fresh weights.").startswith("已重置")  # MainWindow
    assert w.run_actions.tr("Waiting for the run's first preview…").startswith("正在等待")  # RunActions


def test_language_menu_saves_the_choice_for_the_next_start(qtbot, tmp_path: Path) -> None:
    from vision_lab.gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(runs_root=tmp_path / "runs", settings=settings)
    qtbot.addWidget(w)
    menu = w.findChild(type(w.lessons_menu), "languageMenu")
    assert menu is not None
    names = {a.objectName(): a for a in menu.actions()}
    assert [a.text() for a in names.values()] == ["English", "简体中文"]
    names["language_zh_CN"].trigger()
    assert settings.value(i18n.LANGUAGE_KEY) == "zh_CN"
    assert names["language_zh_CN"].isChecked() and not names["language_en"].isChecked()
    assert w.status_label.text() == i18n.NEXT_START["zh_CN"]


def test_a_cjk_font_renders_chinese(qtbot) -> None:
    """Different characters give different glyph images: not the identical tofu boxes a missing font draws."""
    from PySide6.QtGui import QFontDatabase, QImage
    from PySide6.QtWidgets import QLabel

    if not QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        pytest.skip("no CJK font installed (Debian: apt install fonts-noto-cjk), Chinese would show as boxes")
    glyphs = []
    for text in ("训", "练", "损", "失"):
        label = QLabel(text)
        qtbot.addWidget(label)
        font = label.font()
        font.setPixelSize(32)
        label.setFont(font)
        label.resize(48, 48)
        image = label.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        glyphs.append(bytes(image.constBits()))
    assert all(len(set(g)) > 1 for g in glyphs), "a character drew nothing"
    assert len(set(glyphs)) == len(glyphs), "different characters drew the same image: tofu boxes, no CJK font"


def _calls_tr(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call)
        and (
            (isinstance(n.func, ast.Attribute) and n.func.attr in ("tr", "translate"))
            or (isinstance(n.func, ast.Name) and n.func.id in ("tr", "translate"))
        )
        for n in ast.walk(node)
    )


def test_no_tr_inside_an_f_string() -> None:
    """lupdate does not look inside f-strings: a self.tr("...") written in one is never extracted, so it stays
    English in a Chinese window with every catalogue test green (the lesson view's headings did)."""
    root = Path(__file__).resolve().parents[2] / "vision_lab" / "gui"
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.FormattedValue) and _calls_tr(v.value) for v in node.values
            ):
                found.append(f"{path.relative_to(root.parents[1])}:{node.lineno}")
    assert not found, "tr() inside an f-string (lupdate skips it; call it outside, then format):\n" + "\n".join(found)
