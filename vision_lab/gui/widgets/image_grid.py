"""A grid of small images with captions, scaled to fit, pixels kept sharp (nearest-neighbour).

One widget serves the dataset preview, predictions (wrong ones framed and captioned in red),
generated samples, reconstructions (each cell an input stacked over its output) and scenes (a scene over its
predicted and its true mask, or a scene with its boxes).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QCoreApplication, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from vision_lab.core import overlays, scene_scores
from vision_lab.core.events import Preview
from vision_lab.gui.widgets.fields import ERROR_COLOR

GAP = 6


def to_qimage(image: np.ndarray) -> QImage:
    """uint8 H×W×C (C 1 or 3) -> a QImage that owns its pixels."""
    arr = np.ascontiguousarray(image)
    h, w, c = arr.shape
    fmt = QImage.Format.Format_Grayscale8 if c == 1 else QImage.Format.Format_RGB888
    return QImage(arr.data, w, h, w * c, fmt).copy()


class ImageGrid(QWidget):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = placeholder
        self._images: list[QImage] = []
        self._outputs: list[list[QImage]] = []
        """Rows drawn under the images, each one image per cell (a reconstruction; a predicted and a true mask)."""
        self._row_labels: list[str] = []
        self._captions: list[str] = []
        self._wrong: list[bool] = []
        self._image_size = (28, 28)
        self.max_scale = 4.0
        #: Bumped on every new content: tests and callers can tell a repaint from new pictures.
        self.updates = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def clear(self, placeholder: str | None = None) -> None:
        if placeholder is not None:
            self.placeholder = placeholder
        self._images, self._outputs, self._captions, self._wrong = [], [], [], []
        self._row_labels = []
        self.updates += 1
        self.update()

    def set_images(
        self,
        images: np.ndarray,
        captions: Sequence[str] | None = None,
        wrong: Sequence[bool] | None = None,
        outputs: np.ndarray | None = None,
        rows: Sequence[np.ndarray] = (),
        row_labels: Sequence[str] = (),
    ) -> None:
        """Show ``images`` (N×H×W×C uint8); with ``outputs``, each cell stacks an image over its output; with
        ``rows``, over one image of each row, the gutter naming them (``row_labels``: the images' row first)."""
        self._images = [to_qimage(im) for im in images]
        if outputs is not None:
            rows = [outputs]
            row_labels = [
                QCoreApplication.translate("ImageGrid", "input"),
                QCoreApplication.translate("ImageGrid", "output"),
            ]
        self._outputs = [[to_qimage(im) for im in row] for row in rows]
        self._row_labels = list(row_labels)
        self._captions = list(captions) if captions is not None else []
        self._wrong = list(wrong) if wrong is not None else []
        self._image_size = (int(images.shape[2]), int(images.shape[1])) if len(images) else (28, 28)
        self.updates += 1
        self.update()

    @property
    def count(self) -> int:
        return len(self._images)

    # --- layout and painting ---------------------------------------------------------------------------
    def _layout(self) -> tuple[int, float, int, int]:
        """(columns, scale, cell width, cell height) that fit the widget best."""
        n = len(self._images)
        w, h = self._image_size
        stack = 1 + len(self._outputs)
        cap = self.fontMetrics().height() + 2 if self._captions else 0
        gutter = self._gutter()
        avail_w, avail_h = max(1, self.width() - gutter - GAP), max(1, self.height() - GAP)
        best = (1, 0.0)
        for cols in range(1, n + 1):
            rows = math.ceil(n / cols)
            s = min((avail_w / cols - GAP) / w, ((avail_h / rows) - GAP - cap) / (h * stack + 2 * (stack - 1)))
            if s > best[1]:
                best = (cols, s)
        cols, s = best
        s = min(max(s, 0.25), self.max_scale)
        if s >= 2:
            s = math.floor(s)  # whole-number scales keep every pixel the same size
        cell_w = round(w * s)
        cell_h = round(h * s) * stack + 2 * (stack - 1) + cap
        return cols, s, cell_w, cell_h

    def _gutter(self) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(t) for t in self._row_labels), default=0) + 8 if self._outputs else 0

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self._images:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        cols, s, cell_w, cell_h = self._layout()
        rows = math.ceil(len(self._images) / cols)
        img_h = round(self._image_size[1] * s)
        gutter = self._gutter()
        total_w = gutter + cols * (cell_w + GAP) - GAP
        total_h = rows * (cell_h + GAP) - GAP
        x0 = max(GAP, (self.width() - total_w) // 2) + gutter
        y0 = max(GAP, (self.height() - total_h) // 2)
        fm = self.fontMetrics()
        text_color = pal.color(QPalette.ColorRole.Text)
        for i, image in enumerate(self._images):
            r, c = divmod(i, cols)
            x, y = x0 + c * (cell_w + GAP), y0 + r * (cell_h + GAP)
            target = QRect(x, y, cell_w, img_h)
            p.drawImage(QRectF(target), image)
            for k, row in enumerate(self._outputs, start=1):
                p.drawImage(QRectF(QRect(x, y + k * (img_h + 2), cell_w, img_h)), row[i])
            if self._outputs and c == 0:
                p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
                right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                for k, label in enumerate(self._row_labels):
                    p.drawText(QRect(x - gutter, y + k * (img_h + 2), gutter - 6, img_h), right, label)
            wrong = i < len(self._wrong) and self._wrong[i]
            if wrong:
                p.setPen(QPen(ERROR_COLOR, 2))
                p.drawRect(target.adjusted(-1, -1, 0, 0))
            if i < len(self._captions):
                p.setPen(ERROR_COLOR if wrong else text_color)
                text = fm.elidedText(self._captions[i], Qt.TextElideMode.ElideRight, cell_w + GAP)
                p.drawText(
                    QRect(x - GAP // 2, y + cell_h - fm.height(), cell_w + GAP, fm.height()),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    text,
                )
        p.end()


def _name(names: tuple[str, ...], index: object) -> str:
    i = int(index)  # type: ignore[call-overload]
    return names[i] if 0 <= i < len(names) else str(i)


def legend(names: tuple[str, ...], classes: np.ndarray) -> str:
    """Rich text: a coloured square and the name of each class shown (the background has no colour)."""
    items = [
        f"<span style='color:{overlays.class_colour(int(k))}'>■</span>&nbsp;{html.escape(_name(names, k))}"
        for k in classes
        if int(k) > 0
    ]
    return "<br><span style='font-weight:normal'>" + " &nbsp;".join(items) + "</span>" if items else ""


def fill_grid(grid: ImageGrid, p: Preview) -> str:
    """Show a preview in ``grid``; returns what to add to its title (e.g. " — 31 of 32 right")."""
    names = p.class_names
    if p.kind == "predictions" and p.predictions is not None and p.labels is not None:
        wrong = [int(a) != int(b) for a, b in zip(p.predictions, p.labels, strict=True)]
        captions = [
            f"{_name(names, a)} ({_name(names, b)})" if w else _name(names, a)
            for a, b, w in zip(p.predictions, p.labels, wrong, strict=True)
        ]
        grid.set_images(p.images, captions, wrong)
        return QCoreApplication.translate("ImageGrid", " — {right} of {count} right").format(
            right=len(wrong) - sum(wrong), count=len(wrong)
        )
    if p.kind == "reconstructions" and p.outputs is not None:
        grid.set_images(p.images, outputs=p.outputs)
        return ""
    if p.kind == "segmentation" and p.masks is not None and p.predicted_masks is not None:
        images, rows = overlays.preview_picture(p)
        k = max(len(names), int(max(p.masks.max(), p.predicted_masks.max())) + 1)
        grid.set_images(
            images,
            [f"{v:.0%}" for v in scene_scores.scene_ious(p.masks, p.predicted_masks, k)],
            rows=rows,
            row_labels=[
                QCoreApplication.translate("ImageGrid", "scene"),
                QCoreApplication.translate("ImageGrid", "predicted"),
                QCoreApplication.translate("ImageGrid", "true"),
            ],
        )
        # IoU, not the share of pixels right: a model that finds no digit at all gets 93% of these pixels right.
        miou = scene_scores.mean_iou(scene_scores.confusion(p.masks, p.predicted_masks, k))
        note = QCoreApplication.translate("ImageGrid", " — mIoU of these scenes {miou} (each scene's under it)")
        return note.format(miou=f"{miou:.0%}") + legend(
            names, np.union1d(np.unique(p.masks), np.unique(p.predicted_masks))
        )
    if p.kind == "detections" and p.boxes is not None and p.predicted_boxes is not None:
        images, _ = overlays.preview_picture(p)
        found = missed = false = 0
        captions, missing = [], []
        for truth, pred in zip(p.boxes, p.predicted_boxes, strict=True):
            hit, right = overlays.match(truth, overlays.shown_boxes(pred, overlays.THRESHOLD))
            found, missed, false = found + int(hit.sum()), missed + int((~hit).sum()), false + int((~right).sum())
            captions.append(f"{int(hit.sum())}/{len(hit)}")
            missing.append(not hit.all())
        grid.set_images(images, captions, missing)
        classes = np.unique(np.concatenate([p.boxes[..., 0].ravel(), p.predicted_boxes[..., 0].ravel()]))
        return QCoreApplication.translate(
            "ImageGrid", " — {found} of {total} boxes found, {false} false (score ≥ {threshold})"
        ).format(found=found, total=found + missed, false=false, threshold=overlays.THRESHOLD) + legend(names, classes)
    grid.set_images(p.images)
    if p.predictions is not None and len(p.predictions):
        # What these samples show, said as such: the judge's coverage (GAN tab, Runs list) counts only confident
        # calls over a larger batch, and "the judge sees 2" beside its "1/10 classes" read as a contradiction.
        classes = len(set(int(x) for x in p.predictions))
        return QCoreApplication.translate("ImageGrid", " — {classes} of {total} classes among these {count}").format(
            classes=classes, total=len(names) or classes, count=len(p.predictions)
        )
    return ""
