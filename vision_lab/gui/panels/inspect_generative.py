"""Inspect views of generative models: the autoencoder's latent explorer and the GAN's latent space and judge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
)

from vision_lab.gui.panels.inspect_base import _label, _Tab
from vision_lab.gui.widgets.charts import BarChart
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid
from vision_lab.gui.widgets.latent_map import LatentMapView

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel

LATENT_POINTS = 1000  # validation images placed on the latent map
SLIDER_DIMS = 4  # GAN latent dimensions with a slider


class LatentTab(_Tab):
    needs = frozenset({"latent"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Latent")

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.map = LatentMapView()
        self.map.setObjectName("latentMap")
        self.map.clicked.connect(self.decode_at)
        self.note = _label(name="latentNote")
        self.decoded = ImageGrid("Click the map to decode that point.")
        self.decoded.setObjectName("decodedView")
        self.decoded.setFixedHeight(96)
        self.a = QSpinBox()
        self.a.setObjectName("interpolateFromSpin")
        self.b = QSpinBox()
        self.b.setObjectName("interpolateToSpin")
        for s in (self.a, self.b):
            s.valueChanged.connect(self.interpolate)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Interpolate image")))
        row.addWidget(self.a)
        row.addWidget(QLabel(self.tr("to")))
        row.addWidget(self.b)
        row.addStretch(1)
        self.strip = ImageGrid()
        self.strip.setObjectName("interpolationStrip")
        self.strip.setFixedHeight(80)
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.map, 1)
        lay.addWidget(self.decoded)
        lay.addLayout(row)
        lay.addWidget(self.strip)
        self.projection: Any = None
        self.last_click: tuple[float, float] | None = None

    def reset(self) -> None:
        ds = self.panel.dataset
        n = max(0, min(len(ds.val_images), LATENT_POINTS) - 1) if ds is not None else 0
        for s in (self.a, self.b):
            s.blockSignals(True)
            s.setRange(0, n)
            s.blockSignals(False)
        self.b.blockSignals(True)
        self.b.setValue(min(1, n))
        self.b.blockSignals(False)
        self.projection = None
        self.decoded.clear()
        self.strip.clear()

    def update_view(self) -> None:
        insp, ds = self.panel.inspector, self.panel.dataset
        if insp is None or ds is None:
            return
        from vision_lab.core.inspect import LatentProjection

        images, labels = ds.val_images[:LATENT_POINTS], ds.val_labels[:LATENT_POINTS]
        codes = insp.latent_codes(images)
        self.projection = LatentProjection().fit(codes)
        xy = self.projection.project(codes)
        self.map.set_points(xy, labels, self.panel.class_names, images)
        dim = codes.shape[1]
        # Without validation images the map shows training images: it says so.
        codes_of = self.tr("Training codes (no validation images)") if self.panel.no_validation else "Validation codes"
        self.note.setText(
            f"{codes_of} (latent size {dim}), coloured by class."
            if dim == 2
            else f"{codes_of} projected from {dim} dimensions to 2 by PCA "
            f"({self.projection.explained:.0%} of their variance). Click anywhere to decode that point."
        )
        if self.last_click is not None:
            self.decode_at(*self.last_click)
        self.interpolate()

    def decode_at(self, x: float, y: float) -> None:
        insp = self.panel.inspector
        if insp is None or self.projection is None:
            return
        self.last_click = (x, y)
        image = insp.decode(self.projection.unproject(np.array([[x, y]], dtype=np.float32)))
        self.decoded.set_images(image, [f"({x:.2f}, {y:.2f})"])

    def interpolate(self) -> None:
        insp, ds = self.panel.inspector, self.panel.dataset
        if insp is None or ds is None:
            return
        a, b = ds.val_images[self.a.value()], ds.val_images[self.b.value()]
        self.strip.set_images(insp.interpolate_images(a, b, 8))


class GanTab(_Tab):
    """Noise walks, latent sliders and the judge's view: a family that generates from noise."""

    needs = frozenset({"generate"})
    title = "GAN"

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.seed = 1
        new = QPushButton(self.tr("New endpoints"))
        new.setObjectName("newEndpointsButton")
        new.clicked.connect(self.new_endpoints)
        self.strip = ImageGrid()
        self.strip.setObjectName("ganInterpolation")
        self.strip.setFixedHeight(84)
        self.sliders: list[QSlider] = []
        grid = QGridLayout()
        for d in range(SLIDER_DIMS):
            s = QSlider(Qt.Orientation.Horizontal)
            s.setObjectName(f"latentSlider{d}")
            s.setRange(-30, 30)
            s.valueChanged.connect(lambda _v: self.panel.mark_dirty("GAN"))
            grid.addWidget(QLabel(f"z[{d}]"), d, 0)
            grid.addWidget(s, d, 1)
            self.sliders.append(s)
        self.sample = ImageGrid()
        self.sample.setObjectName("ganSliderSample")
        self.sample.setFixedSize(120, 120)
        self.sample.max_scale = 8.0
        sliders = QHBoxLayout()
        sliders.addLayout(grid, 1)
        sliders.addWidget(self.sample)
        self.judge_text = _label(name="judgeText")
        self.collapse = _label(name="modeCollapseWarning")
        self.collapse.setStyleSheet(f"color: {ERROR_COLOR.name()}; font-weight: bold;")
        self.histogram = BarChart()
        self.histogram.setObjectName("coverageChart")
        self.histogram.setMinimumHeight(130)
        head = QHBoxLayout()
        head.addWidget(_label(self.tr("<b>Between two noise vectors</b>")))
        head.addStretch(1)
        head.addWidget(new)
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(self.strip)
        lay.addWidget(_label(self.tr("<b>Move {count} of the latent dimensions</b>").format(count=SLIDER_DIMS)))
        lay.addLayout(sliders)
        lay.addWidget(_label(self.tr("<b>The judge's view of the samples</b>")))
        lay.addWidget(self.judge_text)
        lay.addWidget(self.histogram, 1)
        lay.addWidget(self.collapse)
        self.base: np.ndarray | None = None
        self.ends: np.ndarray | None = None

    def new_endpoints(self) -> None:
        self.seed += 1
        self.ends = None
        self.panel.mark_dirty("GAN")

    def reset(self) -> None:
        self.base = self.ends = None
        self.collapse.setText("")
        self.judge_text.setText("The judge scores samples at the end of each epoch.")
        self.strip.clear()
        self.sample.clear()

    def update_view(self) -> None:
        insp = self.panel.inspector
        if insp is None:
            return
        dim = insp.latent_dim
        if self.ends is None:
            self.ends = np.random.default_rng(self.seed).standard_normal((2, dim)).astype(np.float32)
        if self.base is None:
            self.base = np.random.default_rng(0).standard_normal((1, dim)).astype(np.float32)
        self.strip.set_images(insp.interpolate_noise(self.ends[0], self.ends[1], 8))
        z = self.base.copy()
        for d, s in enumerate(self.sliders[:dim]):
            z[0, d] = s.value() / 10.0
        self.sample.set_images(insp.generate(z))
        counts = self.panel.class_counts
        names = self.panel.class_names
        if counts is not None and counts.sum() > 0:
            share = counts / counts.sum()
            self.histogram.set_values(list(map(float, share)), names, maximum=max(0.3, float(share.max())))
        values = self.panel.last_values
        if "judge_confidence" in values:
            self.judge_text.setText(
                self.tr(
                    "Judge {confidence:.2f}, {coverage:.0f}/{classes} classes at step {step:,}; samples per class:"
                ).format(
                    confidence=values["judge_confidence"],
                    coverage=values.get("judge_coverage", 0),
                    classes=len(names),
                    step=int(self.panel.last_values_step),
                )
            )
        self.collapse.setText(collapse_warning(self.panel.warnings))


def collapse_warning(warnings: list[str]) -> str:
    """The mode-collapse warning among a run's warnings, or ''. Known by its id (its words change with the
    language); a warning read back from a run folder is plain English text, without one."""
    from vision_lab.core import health  # imports torch: not before the window is shown (tests/gui/test_startup.py)

    return next(
        (w for w in warnings if getattr(w, "id", None) == health.MODE_COLLAPSE or w.startswith("Mode collapse")), ""
    )
