"""Under zh_CN the window shows no English left, under English no Chinese.

Every text of every widget is read, shown or not (other tabs, other families' forms, menus, tooltips, headers), so
a string added without tr() fails here as soon as its widget is built, and one added with tr() but untranslated
fails test_i18n's every-entry-translated test: together, no new English reaches a Chinese user unnoticed.

The English still there is listed in i18n_untranslated.txt, a ratchet: all of it comes from the core (lesson
titles and texts, family titles, metric titles), which translates it with gettext (vision_lab.core.i18n). A text
missing from the list fails (new English), and so does a listed text no longer found (shrink the list:
VISION_LAB_I18N_RATCHET=write rewrites it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTableWidget,
    QTabWidget,
    QWidget,
)

from vision_lab.gui import i18n

KNOWN = Path(__file__).with_name("i18n_untranslated.txt")
# Names and symbols that stay as they are in a Chinese window: models, datasets, units, formats, libraries, keys.
ALLOWED = re.compile(
    r"Vision Lab|vision-lab|Vision Transformer|Transformer|MNIST|Fashion|CIFAR|mnist[\w-]*|fashion[\w-]*|cifar[\w-]*|"
    r"\bshapes\b|"  # the bundled shapes dataset's name, as the CLI and config files spell it
    r"\bMLP\b|\bCNN\b|\bGAN\b|\bViT\b|\bSGD\b|AdamW?|RMSprop|\bGPU\b|CUDA|cuda|\bCPU\b|\bcpu\b|\bauto\b|\bmps\b|"
    r"fp32|bf16|fp16|JSON|GIF|PNG|SVG|CSV|PyTorch|TorchScript|Python|NumPy|Optuna|Captum|Grad-CAM|SmoothGrad|\bIDX\b|npz|ONNX|safetensors|token|rollout|Esc|Shift|Ctrl|\bMSE\b|\bF\d\b|ReLU|relu|"
    r"(?:/[\w.-]+)+|gelu|tanh|sigmoid|leaky relu|DCGAN|TensorFlow|"
    # Formula symbols, and Dropout: Chinese ML texts keep the English word (as they keep ReLU).
    r"\blog\b|softmax|logits|Conv2d|MaxPool2d|[Dd]ropout|"
    # Scene models and their scores, as Chinese papers and courses write them.
    r"U-Net|CenterNet|\bDice\b|\bdice\b|\bm?AP\b|mAP@[\d.]+|AP@[\d.]+|\bm?IoU\b|"
    r"\badam\b|"  # a value typed in the twin dialog, as config files spell it
    r"\bMB\b|\bpx\b|\bG\b|\bD\b|train --config FILE|\(\*\.\w+\)|\*\.\w+|&\w|β\d|\b[a-zA-Z]\b"
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TAG = re.compile(r"<[^>]+>|&\w+;")  # rich text: tags and entities (&nbsp;)


def texts(root: QWidget) -> Iterator[str]:
    """What a user can read in ``root`` and its children, shown now or after a click."""
    for w in [root, *root.findChildren(QWidget)]:
        yield w.toolTip()
        if isinstance(w, (QLabel, QAbstractButton)):
            yield w.text()
        elif isinstance(w, QGroupBox):
            yield w.title()
        elif isinstance(w, QDockWidget):
            yield w.windowTitle()
        elif isinstance(w, QLineEdit):
            yield w.placeholderText()
        elif isinstance(w, QAbstractSpinBox):  # "all" at the minimum, units after the number
            yield from (w.specialValueText(), w.prefix(), w.suffix())
        elif isinstance(w, QComboBox):
            yield from (w.itemText(i) for i in range(w.count()))
        elif isinstance(w, QTabWidget):
            yield from (w.tabText(i) for i in range(w.count()))
            yield from (w.tabToolTip(i) for i in range(w.count()))
        elif isinstance(w, QTableWidget):
            for i in range(w.columnCount()):
                item = w.horizontalHeaderItem(i)
                yield item.text() if item is not None else ""
        if isinstance(w, QMenu):
            yield w.title()
        for action in w.actions():
            yield action.text()
            yield action.toolTip()


# The View ▸ Language menu names each language in its own tongue (English, 简体中文), so a user who cannot read the
# current language still finds theirs: "English" stays English in a Chinese window, as 简体中文 stays in an English one.
OWN_NAMES = {i18n.LANGUAGES["en"]}


def english(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", ALLOWED.sub(" ", TAG.sub(" ", text))))


@pytest.fixture
def chinese_window(qtbot, tmp_path: Path):
    from vision_lab.gui.main_window import MainWindow

    assert i18n.use_language("zh_CN")
    try:
        w = MainWindow(runs_root=tmp_path / "runs")
        qtbot.addWidget(w)
        w.show()
        yield w
    finally:
        i18n.use_language("en")


def test_chinese_window_has_no_english_left(chinese_window) -> None:
    for menu in chinese_window.menuBar().findChildren(QMenu):
        menu.aboutToShow.emit()  # Recent runs and Lessons fill themselves when opened
    found = {t.replace("\n", "\\n") for t in texts(chinese_window) if t and english(t) and t not in OWN_NAMES}
    if os.environ.get("VISION_LAB_I18N_RATCHET") == "write":  # after translating: rewrite the list, review its diff
        KNOWN.write_text("".join(f"{t}\n" for t in sorted(found)), encoding="utf-8")
    known = {line for line in KNOWN.read_text(encoding="utf-8").splitlines() if line}
    new = sorted(found - known)
    gone = sorted(known - found)
    assert not new, f"{len(new)} English texts in the Chinese window (wrap them in tr(), translate the .ts):\n" + (
        "\n".join(new[:60])
    )
    assert not gone, f"translated now: remove from {KNOWN.name}:\n" + "\n".join(gone[:60])


def test_english_window_has_no_chinese(window) -> None:
    for menu in window.menuBar().findChildren(QMenu):
        menu.aboutToShow.emit()
    chinese = {t for t in texts(window) if CHINESE.search(t)} - {i18n.LANGUAGES["zh_CN"]}
    assert not chinese, sorted(chinese)


def test_a_lesson_reads_in_chinese_in_a_chinese_window(chinese_window) -> None:
    """The lesson view's text is rich text (not a widget text the scan above reads): its headings, the course's
    name and the lesson itself in Chinese, the English of the lesson file nowhere."""
    w = chinese_window
    w._fill_lessons()
    action = next(a for a in w.lessons_menu.actions() if a.data() == "article-3-4-gan")
    action.trigger()
    view = w.lesson_view
    text = view.browser.toPlainText()
    assert view.windowTitle() == "本课"
    for part in ("文章配套课程", "公式", "观察要点", "易错点：问题在哪，我们怎么做", "生成器"):
        assert part in text, part
    for part in ("Formula", "What to watch", "Pitfall", "The article's course", "The generator"):
        assert part not in text, part


def test_the_gan_filters_note_names_its_network_in_chinese(chinese_window) -> None:
    """The Filters tab's note names the network whose filters it shows; for a GAN that was the module's key,
    'discriminator', in English inside the Chinese sentence (seen on the real display)."""
    from PySide6.QtWidgets import QLabel

    w = chinese_window
    combo = w.model_panel.combo
    combo.setCurrentIndex(combo.findData("gan"))
    note = w.findChild(QLabel, "filtersNote")
    note.parent().reset()
    assert "判别器" in note.text() and not english(note.text()), note.text()


def test_painted_canvas_titles_are_chinese_too(chinese_window) -> None:
    """The Draw canvas paints its second image's title itself (no label the scan above reads): the autoencoder's
    'reconstruction' stayed English in the Chinese window."""
    w = chinese_window
    combo = w.model_panel.combo
    combo.setCurrentIndex(combo.findData("autoencoder"))
    draw = w.inspect_panel.draw_tab
    draw.reset()
    assert draw.canvas.has_secondary()
    assert CHINESE.search(draw.canvas._secondary_title) and not english(draw.canvas._secondary_title)
