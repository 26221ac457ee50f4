"""The Lessons menu and the lesson view (issue 19, item 3): the article's course under its heading, a lesson that
stays on screen while it trains, in the core's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import click
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QMenu

from vision_lab.core import i18n
from vision_lab.core.presets import ARTICLE_COURSE, list_presets


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def pick_from_menu(qtbot, w, key: str | None = None, name: str | None = None) -> None:
    """Open Lessons as a user does and click the entry of lesson ``key`` (or the action named ``name``)."""
    menu: QMenu = w.lessons_menu
    menu.popup(w.mapToGlobal(QPoint(40, 40)))
    qtbot.waitUntil(menu.isVisible, timeout=5000)
    action = next(a for a in menu.actions() if (a.data() == key if key else a.objectName() == name))
    assert action.isEnabled() and menu.actionGeometry(action).height() > 0
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not menu.isVisible(), timeout=5000)


def test_the_menu_lists_the_course_in_section_order_under_its_heading(qtbot, window) -> None:
    w = window
    w._fill_lessons()
    actions = [a for a in w.lessons_menu.actions() if not a.isSeparator()]
    texts = [a.text() for a in actions]
    course = [p for p in list_presets() if p.course == ARTICLE_COURSE]
    assert texts[0] == "The article's course" and not actions[0].isEnabled() and actions[0].font().bold()
    assert texts[1:5] == [f"{p.section} {p.title}" for p in course]
    assert [t.split()[0] for t in texts[1:5]] == ["3.1", "3.2", "3.3", "3.4"]
    assert texts[5] == "More lessons" and not actions[5].isEnabled()
    others = [a.data() for a in actions[6:] if a.data()]
    assert others == [p.key for p in list_presets() if p.course is None]
    show = next(a for a in actions if a.objectName() == "showLessonAction")
    assert not show.isEnabled()  # no lesson opened yet


def test_a_course_lesson_in_chinese_shows_in_the_lesson_view_and_the_panels(qtbot, window, chinese) -> None:
    w = window
    pick_from_menu(qtbot, w, "article-3-4-gan")
    view = w.lesson_view
    assert view.isVisible() and w.dockWidgetArea(view) == Qt.DockWidgetArea.LeftDockWidgetArea
    text = view.browser.toPlainText()
    assert text.startswith("3.4 生成对抗网络及其两个损失")
    for part in ("生成器 G", "非饱和形式", "问题在哪", "我们的做法", "uint8", "LD = −log D(x)"):
        assert part in text, part
    assert "What goes wrong" not in text and "The generator" not in text
    assert "<sub>D</sub>" in view.html()  # L_D, lowered
    # The lesson's model and knobs are in the panels, ready to Start.
    preset = next(p for p in list_presets() if p.key == "article-3-4-gan")
    cfg = w.current_config()
    assert w.model_panel.family == "gan" and cfg.gan == preset.config.gan
    assert (cfg.optim.name, cfg.optim.lr, cfg.optim.beta1) == ("adam", 2e-4, 0.5)
    assert not w.tabs.isTabVisible(0)  # the lesson hides the Data tab
    assert w.last_message is None  # no message box to dismiss first


def test_the_lesson_stays_while_it_trains_and_comes_back_after_closing(qtbot, window) -> None:
    w = window
    pick_from_menu(qtbot, w, "article-3-3-autoencoder")
    view = w.lesson_view
    before = view.browser.toPlainText()
    assert before.startswith("3.3 The autoencoder") and "What goes wrong" in before
    assert w.model_panel.forms["autoencoder"].latent.value() == 64
    w.training_panel.epochs.setValue(1)
    w.data_panel.set_limit(256)
    qtbot.waitUntil(w.start_button.isEnabled, timeout=20000)
    with qtbot.waitSignal(w.run_ended, timeout=120000):
        click(qtbot, w.start_button)
    assert view.isVisible() and view.browser.toPlainText() == before
    close = view.findChild(QAbstractButton, "qt_dockwidget_closebutton")
    click(qtbot, close)
    assert not view.isVisible()
    pick_from_menu(qtbot, w, name="showLessonAction")
    assert view.isVisible() and view.browser.toPlainText() == before


def test_a_lesson_trains_its_own_settings_even_those_without_a_control(qtbot, window) -> None:
    """Lesson 6 says its discriminator has no dropout and no weight averaging, yet the window trained it with the
    family's defaults (d_dropout 0.3, ema 0.995): settings that no panel shows were dropped when the panels were
    read back into a config. The course lost the article's valid padding, plain EMA-free GAN and unshifted data."""
    w = window
    for preset in list_presets():
        w.apply_preset(preset)
        cfg = w.current_config()
        assert cfg.section(cfg.model) == preset.config.section(preset.config.model), preset.key
        assert (cfg.optim, cfg.train) == (preset.config.optim, preset.config.train), preset.key
    # A family picked by hand after a lesson starts from that family's defaults, not the lesson's hidden ones.
    w.apply_preset(next(p for p in list_presets() if p.key == "gan-mode-collapse"))
    combo = w.model_panel.combo
    combo.setCurrentIndex(combo.findData("cnn"))
    combo.setCurrentIndex(combo.findData("gan"))
    assert w.current_config().gan.ema == 0.995


def test_the_layer_table_shows_the_lesson_model_not_the_family_default(qtbot, window) -> None:
    """Lesson 3.2 says its valid 3×3 convolution makes 26×26 maps pooled to 13×13; the Model tab's table was built
    from the family's defaults plus the form, which has no padding control, and showed 28×28 and 402,442
    parameters for a model that trained with 347,146."""
    w = window
    w.apply_preset(next(p for p in list_presets() if p.key.startswith("article-3-2")))
    table = w.model_panel.table
    w.model_panel.update_table()
    rows = {table.item(i, 0).text(): table.item(i, 1).text() for i in range(table.rowCount())}
    assert rows.get("Conv2d #1") == "32 × 26 × 26", rows
    assert rows.get("MaxPool2d") == "32 × 13 × 13", rows
    assert "347,146" in w.model_panel.params.text()


def test_opening_a_run_of_another_model_puts_the_lesson_away(qtbot, window, tmp_path) -> None:
    """Seen on a real display: lesson 9 (the detector) stayed beside an opened segmenter run."""
    from every_family import train

    w = window
    pick_from_menu(qtbot, w, "article-3-2-convolution")  # a CNN lesson
    assert w.lesson_view.isVisible()
    train("cnn", tmp_path / "cnn")
    assert w.open_run(tmp_path / "cnn")
    assert w.lesson_view.isVisible()  # the lesson's own model: it stays
    train("mlp", tmp_path / "mlp")
    assert w.open_run(tmp_path / "mlp")
    assert not w.lesson_view.isVisible()
    pick_from_menu(qtbot, w, name="showLessonAction")
    assert w.lesson_view.isVisible()
