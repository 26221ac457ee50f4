"""The Scenes view: a segmenter's or a detector's validation scenes, worst first, one of them large.

Segmenter: the scene with its predicted mask; click a pixel to see its class probabilities; IoU per class. Detector:
the scene with its boxes, a score threshold that redraws them as it moves; AP@0.5 per class; the missed and false
boxes counted per scene. Computed by vision_lab/core/scene_inspect.py on the Inspector's copy of the model.

Registered in :data:`vision_lab.gui.panels.inspect.VIEWS`; shown for families with ``segment`` or ``detect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import overlays, scene_inspect, scene_scores
from vision_lab.core.detection_metrics import pr_curves
from vision_lab.gui.panels.inspect_base import InspectView, _label
from vision_lab.gui.widgets.charts import BarChart, SeriesPlot
from vision_lab.gui.widgets.draw_canvas import DrawCanvas
from vision_lab.gui.widgets.image_grid import ImageGrid, legend, to_qimage

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel

WORST = 8


class ScenePicture(QWidget):
    """One scene, as large as fits, pixels sharp; a click names the image pixel under the mouse."""

    clicked = Signal(int, int)

    def __init__(self) -> None:
        super().__init__()
        self._image: np.ndarray | None = None
        self._source = (1, 1)
        self.marker: tuple[int, int] | None = None
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def set_image(self, image: np.ndarray, source_size: tuple[int, int]) -> None:
        """``image`` as drawn (perhaps enlarged); ``source_size`` (W, H): the scene's own pixels, what clicks name."""
        self._image, self._source = image, source_size
        self.update()

    def target(self) -> QRect:
        if self._image is None:
            return QRect()
        h, w = self._image.shape[:2]
        s = min(self.width() / w, self.height() / h)
        tw, th = int(w * s), int(h * s)
        return QRect((self.width() - tw) // 2, (self.height() - th) // 2, tw, th)

    def pixel_at(self, pos: QPoint) -> tuple[int, int] | None:
        r = self.target()
        if r.isEmpty() or not r.contains(pos):
            return None
        x = int((pos.x() - r.x()) * self._source[0] / r.width())
        y = int((pos.y() - r.y()) * self._source[1] / r.height())
        return min(x, self._source[0] - 1), min(y, self._source[1] - 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        at = self.pixel_at(event.position().toPoint())
        if at is not None:
            self.marker = at
            self.clicked.emit(*at)
            self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self._image is None:
            return
        r = self.target()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(r, to_qimage(self._image))
        if self.marker is not None:
            sx, sy = r.width() / self._source[0], r.height() / self._source[1]
            cx, cy = r.x() + (self.marker[0] + 0.5) * sx, r.y() + (self.marker[1] + 0.5) * sy
            p.setPen(QPen(Qt.GlobalColor.white, 2))
            p.drawEllipse(QPoint(int(cx), int(cy)), 6, 6)
        p.end()


class SceneTab(InspectView):
    needs = frozenset({"segment", "detect"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Scenes")

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.index = QSpinBox()
        self.index.setObjectName("sceneIndexSpin")
        self.index.setToolTip(self.tr("Which scene to show large: 0 is the worst of the ranked validation scenes"))
        self.index.valueChanged.connect(lambda _v: self.panel.mark_dirty(self.title))
        self.worst = QCheckBox(self.tr("Worst first"))
        self.worst.setObjectName("sceneWorstCheck")
        self.worst.setChecked(True)
        self.worst.setToolTip(self.tr("Order the scenes from the worst result to the best"))
        self.worst.toggled.connect(lambda _on: self.panel.mark_dirty(self.title))
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setObjectName("sceneThresholdSlider")
        self.threshold.setRange(0, 100)
        self.threshold.setValue(round(overlays.THRESHOLD * 100))
        self.threshold.setToolTip(
            self.tr("Boxes scoring below this are hidden: slide to trade missed boxes for false ones")
        )
        self.threshold.valueChanged.connect(self._threshold_moved)
        self.threshold_label = QLabel()
        self.threshold_label.setObjectName("sceneThresholdLabel")
        self.draw = QCheckBox(self.tr("Draw a scene"))
        self.draw.setObjectName("sceneDrawCheck")
        self.draw.setToolTip(
            self.tr("Draw several digits on an empty scene and watch the model's masks or boxes appear as you draw")
        )
        self.draw.toggled.connect(self._draw_toggled)
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.setObjectName("sceneClearButton")
        self.clear_button.setVisible(False)
        row = QHBoxLayout()
        for widget in (QLabel(self.tr("Scene")), self.index, self.worst, self.draw, self.clear_button):
            row.addWidget(widget)
        row.addStretch(1)
        threshold_row = QHBoxLayout()  # a row of its own: the Inspect dock is narrow on a 1280×720 screen
        threshold_row.addWidget(self.threshold_label)
        threshold_row.addWidget(self.threshold, 1)
        self.note = _label(name="sceneNote")
        self.picture = ScenePicture()
        self.picture.setObjectName("scenePicture")
        self.picture.clicked.connect(self._pixel_clicked)
        self.pixel_bars = BarChart()
        self.pixel_bars.setObjectName("scenePixelChart")
        self.pr = SeriesPlot(
            "",  # the tab names it; a title here would widen the whole Inspect dock
            x_label=self.tr("recall"),
            y_label=self.tr("precision"),
            object_name="scenePrPlot",
        )
        self.class_bars = BarChart()
        self.class_bars.setObjectName("sceneClassChart")
        self.grid = ImageGrid(self.tr("The scenes appear once the model has weights."))
        self.grid.setObjectName("sceneWorstGrid")
        self.canvas = DrawCanvas(64)
        self.canvas.setObjectName("sceneCanvas")
        self.canvas.setMinimumSize(160, 160)  # as the picture it replaces: the dock stays narrow
        self.canvas.hint = self.tr("Draw digits anywhere here\nright button erases")
        self.canvas.changed.connect(lambda: self.panel.mark_dirty(self.title))
        self.clear_button.clicked.connect(lambda: self.canvas.clear())
        self.left = QStackedWidget()
        self.left.addWidget(self.picture)
        self.left.addWidget(self.canvas)
        middle = QHBoxLayout()
        middle.addWidget(self.left, 3)
        middle.addWidget(self.pixel_bars, 2)
        # Below, one at a time: a 1280×720 screen has no room for the scenes, the bars and the curves at once.
        self.below = QTabWidget()
        self.below.setObjectName("sceneBelowTabs")
        self.below.addTab(self.grid, self.tr("Worst scenes"))
        self.below.addTab(self.class_bars, self.tr("Per class"))
        self.below.addTab(self.pr, self.tr("Precision–recall"))
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(threshold_row)
        lay.addWidget(self.note)
        lay.addLayout(middle, 3)
        lay.addWidget(self.below, 2)
        self.order: np.ndarray = np.zeros(0, np.int64)
        """Validation scene indices as ranked (worst first when so ticked)."""
        self.probabilities: np.ndarray | None = None
        """Segmenter: the large scene's class probabilities, K×H×W (tests compare the bars with them)."""
        self.boxes: np.ndarray | None = None
        """Detector: every ranked scene's boxes, threshold aside."""
        self._shown = -1
        self._redraw_only = False
        self._redrawing = False

    # --- which kind --------------------------------------------------------------------------------
    def _detector(self) -> bool:
        return self.panel.can("detect")

    def reset(self) -> None:
        detector = self._detector()
        self.threshold.setVisible(detector)
        self.threshold_label.setVisible(detector)
        self.pixel_bars.setVisible(not detector)
        self.below.setTabVisible(self.below.indexOf(self.pr), detector)
        self.pr.clear()
        self.picture.marker = None
        self.probabilities = self.boxes = None
        self.order = np.zeros(0, np.int64)
        self._shown = -1
        self._threshold_moved(self.threshold.value())
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8))
        self.pixel_bars.clear()
        self.class_bars.clear()
        self.pixel_bars.set_title(self.tr("Click a pixel"))  # short: the bars sit in a narrow column
        self.note.setText("")

    def _draw_toggled(self, on: bool) -> None:
        ds = self.panel.dataset
        if on and ds is not None:
            self._fit_canvas(ds.image_shape[0])
        self.left.setCurrentWidget(self.canvas if on else self.picture)
        # A pixel's bars belong to the scene picture: beside a drawing they would describe a scene no longer shown.
        self.pixel_bars.setVisible(not on and not self._detector())
        self.clear_button.setVisible(on)
        self.index.setEnabled(not on)
        self.panel.mark_dirty(self.title)

    def _fit_canvas(self, size: int) -> None:
        """A drawing canvas of the scenes' size (a new one when the size changed)."""
        if self.canvas.grid == size:
            return
        old = self.canvas
        self.canvas = DrawCanvas(size)
        self.canvas.setObjectName("sceneCanvas")
        self.canvas.setMinimumSize(160, 160)
        self.canvas.hint = old.hint
        if not old.is_empty():
            self.canvas.set_image(old.image())  # what was drawn stays, at the scenes' size
        self.canvas.changed.connect(lambda: self.panel.mark_dirty(self.title))
        self.left.insertWidget(1, self.canvas)
        self.left.removeWidget(old)
        old.deleteLater()
        if self.draw.isChecked():
            self.left.setCurrentWidget(self.canvas)

    def _threshold_moved(self, value: int) -> None:
        self.threshold_label.setText(self.tr("Score ≥ {value:.2f}").format(value=value / 100))
        if self.boxes is not None:
            self._redraw_only = True  # no model run: the boxes are kept, only redrawn at once
            self.update_view()

    # --- drawing -----------------------------------------------------------------------------------
    def update_view(self) -> None:
        insp, ds = self.panel.inspector, self.panel.dataset
        if insp is None or ds is None or not len(ds.val_images):
            return
        images = ds.val_images[: scene_inspect.SCENES]
        names = self.panel.class_names
        if self.draw.isChecked():
            self._update_drawing(insp, names)
            return
        if self._detector():
            self._update_detector(insp, images, names)
        else:
            self._update_segmenter(insp, images, names)

    def _update_drawing(self, insp: object, names: tuple[str, ...]) -> None:
        h, _w, c = insp.image_shape  # type: ignore[attr-defined]
        self._fit_canvas(h)
        ink = self.canvas.image()
        scene = (np.repeat(ink[:, :, None], c, axis=2)[None] * 255 + 0.5).astype(np.uint8)
        if self._detector():
            self.boxes = None
            boxes = scene_inspect.detect(insp, scene)  # type: ignore[arg-type]
            threshold = self.threshold.value() / 100
            shown = overlays.shown_boxes(boxes[0], threshold)
            self.canvas.set_secondary(overlays.draw_boxes(scene, None, boxes, names, threshold)[0], self.tr("boxes"))
            self.note.setText(
                self.tr("The detector finds {n} box(es) with a score ≥ {threshold:.2f} in your drawing.").format(
                    n=len(shown), threshold=threshold
                )
            )
            return
        probs = scene_inspect.segment(insp, scene)  # type: ignore[arg-type]
        self.probabilities = probs[0]
        pred = probs.argmax(1).astype(np.uint8)
        self.canvas.set_secondary(overlays.colour_masks(scene, pred)[0], self.tr("mask"))
        self.note.setText(
            self.tr("Your drawing, segmented: each pixel tinted with the class the model gives it.")
            + legend(names, np.unique(pred))
        )

    def _rank(self, badness: np.ndarray) -> int:
        self.order = scene_inspect.worst_first(badness) if self.worst.isChecked() else np.arange(len(badness))
        self.index.setMaximum(max(0, len(self.order) - 1))
        return int(self.order[min(self.index.value(), len(self.order) - 1)])

    def _update_segmenter(self, insp: object, images: np.ndarray, names: tuple[str, ...]) -> None:
        ds = self.panel.dataset
        assert ds is not None and ds.val_masks is not None
        truth = ds.val_masks[: len(images)]
        probs = scene_inspect.segment(insp, images)  # type: ignore[arg-type]
        pred = probs.argmax(1).astype(np.uint8)
        k = probs.shape[1]
        i = self._rank(1.0 - scene_scores.scene_ious(truth, pred, k))
        self.probabilities = probs[i]
        self._shown = i
        self.picture.set_image(overlays.colour_masks(images[i : i + 1], pred[i : i + 1])[0], images.shape[2:0:-1])
        iou = scene_scores.per_class_iou(scene_scores.confusion(truth, pred, k))
        shown = [c for c in range(k) if np.isfinite(iou[c])]
        self.class_bars.set_title(self.tr("IoU per class on {n} validation scenes").format(n=len(images)))
        self.class_bars.set_values([iou[c] for c in shown], [names[c] if c < len(names) else str(c) for c in shown])
        worst = self.order[:WORST]
        self.grid.set_images(
            overlays.colour_masks(images[worst], pred[worst]),
            [f"#{int(j)}" for j in worst],
            rows=[overlays.colour_masks(images[worst], truth[worst])],
            row_labels=[self.tr("predicted"), self.tr("true")],
        )
        miou = float(np.nanmean(iou))
        scene = float(scene_scores.scene_ious(truth[i : i + 1], pred[i : i + 1], k)[0])
        self.note.setText(
            self.tr(
                "Scene #{i}: its predicted mask (mean IoU {scene:.0%}; all {n} scenes: mIoU {miou:.0%}). Click a "
                "pixel for its class probabilities. Below: the {worst} worst scenes, predicted over true."
            ).format(i=i, scene=scene, n=len(images), miou=miou, worst=len(worst))
            + legend(names, np.unique(np.concatenate([np.unique(pred[i]), np.unique(truth[i])])))
        )
        if self.picture.marker is not None:
            self._pixel_clicked(*self.picture.marker)

    def _pixel_clicked(self, x: int, y: int) -> None:
        if self.probabilities is None or self._detector():
            return
        names = self.panel.class_names
        p = self.probabilities[:, y, x]
        self.pixel_bars.set_title(self.tr("Pixel ({x}, {y})").format(x=x, y=y))
        self.pixel_bars.set_values(
            list(p), [names[c] if c < len(names) else str(c) for c in range(len(p))], highlight=int(np.argmax(p))
        )

    def _update_detector(self, insp: object, images: np.ndarray, names: tuple[str, ...]) -> None:
        ds = self.panel.dataset
        assert ds is not None and ds.val_boxes is not None
        truth = ds.val_boxes[: len(images)]
        self._redrawing = self._redraw_only and self.boxes is not None and len(self.boxes) == len(images)
        if not self._redrawing:
            self.boxes = scene_inspect.detect(insp, images)  # type: ignore[arg-type]
        self._redraw_only = False
        threshold = self.threshold.value() / 100
        missed, false = scene_inspect.box_errors(truth, self.boxes, threshold)
        i = self._rank((missed + false).astype(np.float64))
        self._shown = i
        drawn = overlays.draw_boxes(images[i : i + 1], truth[i : i + 1], self.boxes[i : i + 1], names, threshold)
        self.picture.set_image(drawn[0], images.shape[2:0:-1])
        ap = scene_inspect.average_precision(truth, self.boxes, len(names))
        if not self._redrawing:
            for c, curve in pr_curves(self.boxes, truth, 0.5).items():
                self.pr.set_series(names[c] if 0 <= c < len(names) else str(c), curve.recall, curve.precision)
        shown = [c for c in range(len(names)) if np.isfinite(ap[c])]
        self.class_bars.set_title(self.tr("AP@0.5 per class on {n} validation scenes").format(n=len(images)))
        self.class_bars.set_values([ap[c] for c in shown], [names[c] for c in shown])
        worst = self.order[:WORST]
        self.grid.set_images(
            overlays.draw_boxes(images[worst], truth[worst], self.boxes[worst], names, threshold, scale=2),
            # Short: a cell is about 60 pixels wide ("2 missed, 3 false" was cut); the note says which is which.
            [f"{int(missed[j])} · {int(false[j])}" for j in worst],
            [bool(missed[j] or false[j]) for j in worst],
        )
        self.note.setText(
            self.tr(
                "Scene #{i}: {missed} true box(es) missed, {false} false at score ≥ {threshold:.2f}; all {n} "
                "scenes: {all_missed} missed, {all_false} false. Dashed: the truth. Below: the {worst} worst scenes "
                "(missed · false)."
            ).format(
                i=i,
                missed=int(missed[i]),
                false=int(false[i]),
                threshold=threshold,
                n=len(images),
                all_missed=int(missed.sum()),
                all_false=int(false.sum()),
                worst=len(worst),
            )
        )
