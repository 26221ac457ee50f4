"""The lesson view: the open lesson's title, text, formula, what to watch and its pitfall, in a dock under the
Experiment settings, so that it stays readable while the lesson's model trains (a message box was read once, then
gone, and hid the window while it showed). Closable; Lessons ▸ Show the lesson brings it back.

Also the Lessons menu's list of lessons: each course under its heading, in section order, then the other lessons.
The lesson texts come from the lesson files in the core's language (core.presets); only this view's own words go
through Qt's translation.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTextBrowser, QWidget

from vision_lab.core.i18n import language
from vision_lab.core.presets import ARTICLE_COURSE, Preset

FORMULA_FONT = "'DejaVu Serif','Cambria Math','Times New Roman',serif"
"""The Model tab's formula font (gui/families/forms.py MATH): it has the Unicode maths glyphs (θ, ∇, ‖, x̂)."""


def course_title(course: str) -> str:
    """A course's heading: the article's course by name, a teacher's own course as their file names it."""
    return QCoreApplication.translate("LessonView", "The article's course") if course == ARTICLE_COURSE else course


def lesson_label(preset: Preset) -> str:
    """How a lesson is listed and headed: its section number first, when it has one ("3.1 The learning loop")."""
    return f"{preset.section} {preset.title}" if preset.section else preset.title


_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|(\S))")
"""TeX's shorthand in a formula: ``L_D``, ``E_{z}``, ``x^2``: one character, or a braced group, lowered or raised."""


def formula_html(formula: str) -> str:
    """A lesson's formula (plain Unicode maths, one line each) as rich text, its _x and ^{...} as sub/superscripts."""

    def script(m: re.Match[str]) -> str:
        tag = "sub" if m.group(1) == "_" else "sup"
        return f"<{tag}>{m.group(2) if m.group(2) is not None else m.group(3)}</{tag}>"

    def gap(m: re.Match[str]) -> str:
        return "&nbsp;" * len(m.group())  # rich text collapses spaces: a caption set apart stays apart

    lines = (_SCRIPT.sub(script, html.escape(line)) for line in formula.strip().splitlines())
    return "<br>".join(re.sub(r" {2,}", gap, line) for line in lines)


def _paragraphs(text: str) -> str:
    """Plain text from a lesson file as rich text: blank lines part paragraphs, a newline breaks a line."""
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in parts)


class LessonView(QDockWidget):
    """A dock with the lesson as rich text; :meth:`show_lesson` fills it, :meth:`reopen` shows it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonDock")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.browser = QTextBrowser()
        self.browser.setObjectName("lessonText")
        self.browser.setOpenLinks(False)  # lesson files are anyone's: nothing in them opens a page or a file
        self.setWidget(self.browser)
        self.preset: Preset | None = None
        self._render()

    def show_lesson(self, preset: Preset) -> None:
        self.preset = preset
        self._render()
        self.browser.verticalScrollBar().setValue(0)
        hidden = self.isHidden()
        self.reopen()
        window = self.parentWidget()
        if hidden and isinstance(window, QMainWindow):
            # Half the column: at its least height (seen on a 720-px screen) the text showed four lines at a time.
            window.resizeDocks([self], [max(240, window.height() // 2)], Qt.Orientation.Vertical)

    def reopen(self) -> None:
        self.show()
        self.raise_()

    def html(self) -> str:
        p = self.preset
        if p is None:
            return "<p>{}</p>".format(
                html.escape(
                    self.tr(
                        "Open a lesson from the Lessons menu: its text, formula and what to watch stay here "
                        "while its model trains."
                    )
                )
            )
        shade = self.palette().color(QPalette.ColorRole.AlternateBase).name()
        parts = [f"<h2>{html.escape(lesson_label(p))}</h2>"]
        if p.course:
            parts.append(f"<p><i>{html.escape(course_title(p.course))}</i></p>")
        parts.append(_paragraphs(p.lesson))
        if p.formula:
            lines = formula_html(p.formula)
            heading = html.escape(self.tr("Formula"))
            parts.append(
                f"<h3>{heading}</h3>"
                f"<table width='100%' cellpadding='8' style='background-color:{shade}'><tr><td>"
                f'<span style="font-family:{FORMULA_FONT}; font-size:large">{lines}</span></td></tr></table>'
            )
        if p.watch:
            heading = html.escape(self.tr("What to watch"))
            parts.append(f"<h3>{heading}</h3>{_paragraphs(p.watch)}")
        if p.pitfall:
            heading = html.escape(self.tr("Pitfall: what goes wrong, and what we do instead"))
            parts.append(f"<h3>{heading}</h3>{_paragraphs(p.pitfall)}")
        return "".join(parts)

    def _render(self) -> None:
        self.setWindowTitle(self.tr("Lesson"))
        self.browser.setHtml(self.html())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            # Later, so that whoever installed the new translator has set the core's language too.
            QTimer.singleShot(0, self, self._retranslate)  # dropped if the view is gone by then
        elif event.type() == QEvent.Type.PaletteChange:
            self._render()

    def _retranslate(self) -> None:
        if self.preset is not None:
            self.preset = self.preset.in_language(language())
        self._render()


def add_lesson_dock(window: QMainWindow, below: QDockWidget) -> LessonView:
    """The lesson view under ``below`` (the Experiment dock: a lesson hides most of its controls), hidden until a
    lesson opens."""
    view = LessonView(window)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, view)
    window.splitDockWidget(below, view, Qt.Orientation.Vertical)
    view.hide()
    return view


def fill_lessons_menu(
    menu: QMenu, presets: list[Preset], open_lesson: Callable[[Preset], None], view: LessonView
) -> None:
    """Each course under a heading, in the order core.presets lists them, then the other lessons, then Show the
    lesson (the view, closed, comes back)."""
    heading_font = menu.font()
    heading_font.setBold(True)
    course: str | None = None
    for preset in presets:
        if preset.course != course:
            title = (
                course_title(preset.course)
                if preset.course
                else QCoreApplication.translate("LessonView", "More lessons")
            )
            if course is not None or preset.course is not None:
                if menu.actions():
                    menu.addSeparator()
                heading = menu.addAction(title)
                heading.setObjectName("lessonHeading")
                heading.setFont(heading_font)
                heading.setEnabled(False)
            course = preset.course
        action = menu.addAction(lesson_label(preset))
        action.setToolTip(preset.lesson)
        action.setData(preset.key)
        action.triggered.connect(lambda _checked=False, p=preset: open_lesson(p))
    menu.addSeparator()
    again = menu.addAction(QCoreApplication.translate("LessonView", "Show the lesson"))
    again.setObjectName("showLessonAction")
    again.setToolTip(QCoreApplication.translate("LessonView", "Bring back the lesson view after closing it"))
    again.setEnabled(view.preset is not None)
    again.triggered.connect(view.reopen)
