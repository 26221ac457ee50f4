"""Rewind: the current run's previews (weights stripped) and the confusion matrix current at each, replayed with the
slider under the preview; and the history exported as an animated GIF.

A part of :class:`~vision_lab.gui.main_window.MainWindow` (a mixin: its preview handler records here); apart because
the history is state of its own with its own controls.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from vision_lab.core.events import Preview
from vision_lab.gui.widgets.image_grid import ImageGrid, fill_grid

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QPushButton, QSlider

    from vision_lab.gui.panels.inspect import InspectPanel

HISTORY_KEEP = 400  # previews kept for rewinding; beyond that every other one is dropped (the span stays)
GIF_FRAMES = 120


class Rewind:
    """The preview history and its slider (a mixin of MainWindow, which builds the slider, Live and Export GIF)."""

    history: list[Preview]
    history_confusion: list[np.ndarray | None]
    _confusion: np.ndarray | None
    rewind_slider: QSlider
    rewind_label: QLabel
    live_button: QPushButton
    preview: ImageGrid
    inspect_panel: InspectPanel
    opened_run: Path | None

    @property
    def rewinding(self) -> bool:
        return bool(self.history) and self.rewind_slider.value() < len(self.history) - 1

    def _record(self, p: Preview) -> None:
        follow = not self.rewinding
        self.history.append(dataclasses.replace(p, weights=None, health=None))
        self.history_confusion.append(self._confusion)
        if len(self.history) > HISTORY_KEEP:
            keep = [*range(0, len(self.history) - 1, 2), len(self.history) - 1]
            self.history = [self.history[i] for i in keep]
            self.history_confusion = [self.history_confusion[i] for i in keep]
        self.rewind_slider.blockSignals(True)
        self.rewind_slider.setMaximum(len(self.history) - 1)
        if follow:
            self.rewind_slider.setValue(len(self.history) - 1)
        self.rewind_slider.blockSignals(False)
        self._update_rewind_label()

    def _update_rewind_label(self) -> None:
        if not self.history:
            self.rewind_label.setText(self.tr("History"))
            return
        p = self.history[self.rewind_slider.value()]
        step = f"{p.step:,}"
        self.rewind_label.setText(
            self.tr("step {step} (rewound)").format(step=step)
            if self.rewinding
            else self.tr("step {step}").format(step=step)
        )
        self.live_button.setEnabled(self.rewinding)

    def _rewound(self, index: int) -> None:
        if not self.history:
            return
        self._update_rewind_label()
        self.show_preview(self.history[index])
        confusion = self.history_confusion[index]
        if confusion is not None:
            self.inspect_panel.show_confusion(confusion)

    def follow_live(self) -> None:
        if self.history:
            self.rewind_slider.setValue(len(self.history) - 1)
        if self._confusion is not None:
            self.inspect_panel.show_confusion(self._confusion)

    def export_gif_dialog(self) -> None:
        if not self.history:
            self.statusBar().showMessage(self.tr("No previews yet: train first."), 4000)
            return
        name = (self.opened_run.name if self.opened_run else "vision-lab") + "-previews.gif"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the previews as a GIF"), str(Path.home() / name), self.tr("GIF (*.gif)")
        )
        if path:
            self.export_gif(Path(path))

    def export_gif(self, path: Path) -> Path:
        """Render every kept preview (at most ``GIF_FRAMES``, evenly spaced) as one frame of an animated GIF."""
        from vision_lab.core.images import save_gif

        picks = np.unique(np.linspace(0, len(self.history) - 1, min(GIF_FRAMES, len(self.history))).astype(int))
        grid = ImageGrid()
        grid.resize(640, 360)
        grid.setPalette(self.preview.palette())
        frames = []
        for i in picks:
            p = self.history[int(i)]
            fill_grid(grid, p)
            image = grid.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
            _label_frame(image, self.tr("step {step:,} · epoch {epoch}").format(step=p.step, epoch=p.epoch + 1))
            w, h, stride = image.width(), image.height(), image.bytesPerLine()
            rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
            frames.append(rows[:, : w * 3].reshape(h, w, 3).copy())
        try:
            out = save_gif(frames, path)
            with Image.open(out) as gif:  # what the file holds (identical frames would have been merged)
                count = getattr(gif, "n_frames", 1)
        except OSError as err:
            could_not = self.tr("Could not write '{path}': {reason}.").format(path=path, reason=err.strerror)
            self.show_dialog(QMessageBox.Icon.Warning, "Vision Lab", could_not)
            return path
        self.statusBar().showMessage(self.tr("Saved {count} frames to {path}.").format(count=count, path=out), 6000)
        return out


def _label_frame(image: QImage, text: str) -> None:
    """Write ``text`` in the frame's top-left corner (a GIF's frames say which step they show)."""
    painter = QPainter(image)
    try:
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        rect = painter.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3)
        rect.moveTo(4, 4)
        painter.fillRect(rect, QColor(0, 0, 0, 170))
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
