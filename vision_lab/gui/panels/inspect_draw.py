"""The Draw view: a drawing (or a validation image) through the model, its class probabilities and an attribution
map of them (the shared picker), or an autoencoder's reconstruction of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from vision_lab.gui.panels.inspect_base import _label, _Tab
from vision_lab.gui.widgets.attribution_picker import AttributionPicker
from vision_lab.gui.widgets.charts import BarChart
from vision_lab.gui.widgets.draw_canvas import DrawCanvas
from vision_lab.gui.widgets.fields import NumberSpinBox

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel


class DrawTab(_Tab):
    """The drawing through the model: class probabilities (and an attribution map), or a reconstruction."""

    needs = frozenset({"probabilities", "reconstruct"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Draw")
    min_interval_s = 0.05  # follows the pen

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.canvas = DrawCanvas()
        self.canvas.changed.connect(lambda: self.panel.mark_dirty("Draw", "Filters"))
        self.brush = NumberSpinBox(0.5, 6.0, self.tr("The brush"))
        self.brush.setObjectName("brushSizeSpin")
        self.brush.setSingleStep(0.25)
        self.brush.setValue(self.canvas.brush_size)
        self.brush.setToolTip(self.tr("Brush radius in image pixels"))
        self.brush.valueChanged.connect(self.canvas.set_brush_size)
        clear = QPushButton(self.tr("Clear"))
        clear.setObjectName("clearCanvasButton")
        clear.clicked.connect(self.canvas.clear)
        example = QPushButton(self.tr("Example"))
        example.setObjectName("exampleButton")
        example.setToolTip(self.tr("Put a random validation image on the canvas"))
        example.clicked.connect(self.load_example)
        # Which pixels made the model say it: the map goes over the drawing (the ink is left alone).
        self.picker = AttributionPicker()
        self.picker.setObjectName("drawAttributionPicker")
        self.picker.settings_changed.connect(lambda: self.panel.mark_dirty("Draw"))
        self.picker.heat_changed.connect(self._show_heat)
        tools = QHBoxLayout()
        tools.addWidget(QLabel(self.tr("Brush")))
        tools.addWidget(self.brush)
        tools.addWidget(clear)
        tools.addWidget(example)
        tools.addStretch(1)
        self.bars = BarChart()
        self.bars.setObjectName("probabilityChart")
        self.bars.setMinimumHeight(150)
        self.verdict = _label(name="drawVerdict")
        lay = QVBoxLayout(self)
        lay.addLayout(tools)
        lay.addWidget(self.canvas, 3)
        lay.addWidget(self.verdict)
        lay.addWidget(self.picker)
        lay.addWidget(self.bars, 2)
        self._rng = np.random.default_rng(0)
        self.probabilities: np.ndarray | None = None
        self.reconstruction: np.ndarray | None = None

    def reset(self) -> None:
        ae = not self.panel.can("probabilities")  # it reconstructs the drawing instead
        self.bars.setVisible(not ae)
        self.picker.set_family(self.panel.family if self.panel.can("attribute") else None, self.panel.class_names)
        self.canvas.set_secondary(np.zeros_like(self.canvas.image()) if ae else None, self.tr("reconstruction"))
        self.probabilities = None
        self.verdict.setText(self.tr("Draw a digit with the mouse (right button erases)."))

    def load_example(self) -> None:
        ds = self.panel.dataset
        if ds is None or not len(ds.val_images):
            return
        i = int(self._rng.integers(len(ds.val_images)))
        img = ds.val_images[i].astype(np.float32).mean(-1) / 255.0
        self.canvas.set_image(self._fit(img, self.canvas.image().shape))

    @staticmethod
    def _fit(img: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        if img.shape == shape:
            return img
        from PIL import Image

        return np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize(shape[::-1]), dtype=np.float32)

    def model_input(self) -> np.ndarray:
        """The drawing as the model sees it: MNIST-style centred, at the dataset's size and channels."""
        insp = self.panel.inspector
        assert insp is not None
        h, w, c = insp.image_shape  # H×W×C, as the dataset reports it
        img = self.canvas.mnist_image() if self.canvas.image().shape == (28, 28) else self.canvas.image()
        img = self._fit(img, (h, w))
        return np.repeat(img[:, :, None], c, axis=2)[None].astype(np.float32)

    def update_view(self) -> None:
        insp = self.panel.inspector
        if insp is None:
            return
        if self.canvas.is_empty():
            self.picker.clear()
            self.bars.set_values([0.0] * len(self.panel.class_names), self.panel.class_names, maximum=1.0)
            if not self.panel.can("probabilities"):
                self.canvas.set_secondary(np.zeros_like(self.canvas.image()), self.tr("reconstruction"))
            self.probabilities = None
            return
        x = self.model_input()
        if not self.panel.can("probabilities"):
            recon = insp.reconstruct(x)[0].astype(np.float32).mean(-1) / 255.0
            self.reconstruction = recon
            self.canvas.set_secondary(self._fit(recon, self.canvas.image().shape), self.tr("reconstruction"))
            self.verdict.setText(self.tr("Your drawing through the autoencoder's bottleneck: what the code keeps."))
            return
        p = insp.probabilities(x)[0]
        self.probabilities = p
        best = int(p.argmax())
        names = self.panel.class_names
        self.bars.set_values(list(map(float, p)), names, highlight=best, maximum=1.0)
        says = self.tr("The model says <b>{label}</b> ({confidence}).")
        self.verdict.setText(says.format(label=names[best] if best < len(names) else best, confidence=f"{p[best]:.0%}"))
        self.picker.request(insp, x[0])  # off the GUI thread; _show_heat draws it

    def _show_heat(self, heat: np.ndarray | None) -> None:
        if heat is None or self.canvas.is_empty():
            self.canvas.set_overlay(None)
        else:
            self.canvas.set_overlay(self.on_canvas(heat))

    def on_canvas(self, heat: np.ndarray) -> np.ndarray:
        """A map over the model's input (:meth:`model_input`) placed over the drawing: undo the MNIST centring."""
        if self.canvas.image().shape == (28, 28):
            from vision_lab.gui.widgets.draw_canvas import mnist_unplace

            back = mnist_unplace(self._fit(heat, (28, 28)), self.canvas.image())
            top = float(back.max())
            return back / top if top > 0 else back  # scaled back to [0, 1], as the map came
        return self._fit(heat, self.canvas.image().shape)

    def shutdown(self) -> None:
        self.picker.shutdown()
