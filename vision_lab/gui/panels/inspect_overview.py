"""The Overview view: one image walked through the live model layer by layer, as CNN Explainer does, and the unit
view that shows how any unit's value is computed (vision_lab/core/layer_walk.py).

Registered in :data:`vision_lab.gui.panels.inspect.VIEWS`; shown for families with the ``layers`` capability (the
CNN and the MLP). The image is a validation image, the drawing of the Draw view, or an image clicked in the
Confusion view's cell gallery. The walk is one forward pass of one image on the GUI thread, so it follows training
at the Inspect views' rate without a background job: for the default CNN (17 columns, 8 maps each) an update took
1.9 ms (the walk 0.8 ms, the colour maps 0.6 ms) and painting the picture 2.5 ms, medians on an idle 2-core machine
(:attr:`OverviewTab.last_ms` keeps the last update's time; ``vision-lab bench --gui --inspect overview`` measures
it while the window trains).

The unit view opens in a dialog of its own, not below the layer picture: the Inspect dock is 360 pixels wide at
1280×720, and the kernel and product grids of a 5×5 kernel with readable numbers need about twice that, while the
layer picture needs the dock's height. The dialog is not modal, so the overview stays live beside it and marks
the unit the dialog explains.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QPoint
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
)

from vision_lab.gui.panels.inspect_base import InspectView, _label
from vision_lab.gui.widgets.layer_overview import LayerOverview
from vision_lab.gui.widgets.unit_view import UnitView

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel
    from vision_lab.gui.widgets.image_grid import ImageGrid

VALIDATION, DRAWING, PICKED = 0, 1, 2


def image_index_at(grid: ImageGrid, pos: QPoint) -> int | None:
    """Which of an ImageGrid's images lies under ``pos`` (the grid's own layout, as it paints it)."""
    import math

    from vision_lab.gui.widgets.image_grid import GAP

    n = grid.count
    if not n:
        return None
    cols, _s, cell_w, cell_h = grid._layout()
    rows = math.ceil(n / cols)
    gutter = grid._gutter()
    x0 = max(GAP, (grid.width() - (gutter + cols * (cell_w + GAP) - GAP)) // 2) + gutter
    y0 = max(GAP, (grid.height() - (rows * (cell_h + GAP) - GAP)) // 2)
    c, dx = divmod(pos.x() - x0, cell_w + GAP)
    r, dy = divmod(pos.y() - y0, cell_h + GAP)
    i = r * cols + c
    return i if 0 <= c < cols and r >= 0 and dx < cell_w and dy < cell_h and i < n else None


class OverviewTab(InspectView):
    needs = frozenset({"layers"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Overview")
    group = QT_TRANSLATE_NOOP("InspectPanel", "Explain")

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.source = QComboBox()
        self.source.setObjectName("overviewSourceCombo")
        self.source.addItems([self.tr("Validation image"), self.tr("The drawing"), self.tr("Picked in Confusion")])
        self.source.setToolTip(self.tr("Which image to walk through the model"))
        self.source.currentIndexChanged.connect(lambda _i: self._changed())
        self.index = QSpinBox()
        self.index.setObjectName("overviewImageSpin")
        self.index.setToolTip(self.tr("Which validation image"))
        self.index.valueChanged.connect(lambda _v: self._changed())
        self.maps = QSpinBox()
        self.maps.setObjectName("overviewMapsSpin")
        self.maps.setRange(1, 64)
        self.maps.setValue(8)
        self.maps.setToolTip(self.tr("How many channels of each layer to draw"))
        self.maps.valueChanged.connect(lambda _v: self._changed())
        self.enlarge = QPushButton(self.tr("Enlarge"))
        self.enlarge.setObjectName("overviewEnlargeButton")
        self.enlarge.setCheckable(True)
        self.enlarge.setToolTip(self.tr("Every layer in a window of its own, as large as the screen (for a projector)"))
        self.enlarge.toggled.connect(self._enlarge)
        row = QHBoxLayout()
        for w in (self.source, self.index, QLabel(self.tr("maps")), self.maps):
            row.addWidget(w)
        row.addStretch(1)
        self.note = _label(name="overviewNote")
        self.layers = LayerOverview()
        self.layers.setObjectName("layerOverview")
        self.layers.unit_clicked.connect(self.select)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.layers)
        self.scroll_area = scroll
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(scroll, 1)
        below = QHBoxLayout()  # not in the row above: it would widen the dock past 1280 px windows
        below.addWidget(self.note, 1)
        below.addWidget(self.enlarge)
        lay.addLayout(below)
        # The enlarged picture: the same columns, maps as large as the screen's width allows, clicks as in the dock.
        self.large = LayerOverview()
        self.large.setObjectName("largeLayerOverview")
        self.large.max_cell = 120
        self.large.fit_width = True
        self.large.unit_clicked.connect(self.select)
        self.large_note = _label(name="largeOverviewNote")
        self.large_scroll = QScrollArea()
        self.large_scroll.setWidgetResizable(True)
        self.large_scroll.setWidget(self.large)
        self.large_window = QDialog(self)
        self.large_window.setObjectName("largeOverviewWindow")
        self.large_window.setWindowTitle(self.tr("The model's layers"))
        self.large_window.finished.connect(lambda _r: self.enlarge.setChecked(False))
        llay = QVBoxLayout(self.large_window)
        llay.addWidget(self.large_note)
        llay.addWidget(self.large_scroll, 1)
        self.unit_view = UnitView()
        self.unit_view.setObjectName("unitView")
        self.unit_view.moved.connect(self.select)
        self.dialog = QDialog(self)
        self.dialog.setObjectName("unitDialog")
        self.dialog.setWindowTitle(self.tr("How a unit gets its value"))
        dlay = QVBoxLayout(self.dialog)
        dlay.addWidget(self.unit_view)
        self.picked: np.ndarray | None = None
        self.overview: Any = None
        self._image: np.ndarray | None = None
        """The last :class:`~vision_lab.core.layer_walk.Overview` shown."""
        self.selected: tuple[int, tuple[int, ...]] | None = None
        self.last_ms = 0.0
        """Milliseconds the last update took on the GUI thread (the walk and the colour maps; painting aside)."""
        panel.draw_tab.canvas.changed.connect(self._drawing_changed)
        confusion = next((v for v in panel.views if hasattr(v, "image_picked")), None)
        if confusion is not None:
            confusion.image_picked.connect(self.show_image)

    def _changed(self) -> None:
        self.index.setEnabled(self.source.currentIndex() == VALIDATION)
        self.panel.mark_dirty(self.title)

    def _drawing_changed(self) -> None:
        if self.source.currentIndex() == DRAWING:
            self.panel.mark_dirty(self.title)

    def show_image(self, image: np.ndarray) -> None:
        """Walk ``image`` (H×W×C uint8, from the Confusion view) through the model: the view comes to the front."""
        self.picked = np.asarray(image)
        self.source.setCurrentIndex(PICKED)
        self.panel.mark_dirty(self.title)
        if self.serves(self.panel.family):
            self.panel.bring_forward(self)

    def reset(self) -> None:
        ds = self.panel.dataset
        self.index.setMaximum(max(0, len(ds.val_images) - 1) if ds is not None else 0)
        self.picked = None
        self.overview = None
        self.selected = None
        self.layers.set_overview(None)
        self.large.set_overview(None)
        self.unit_view.show_explanation(None, None)
        self.dialog.hide()
        self.note.setText(
            self.tr("Each column is a layer's output for the image, left to right, in the model's own order. Maps "
                    "and units: blue below 0, white 0, red above, one scale per column (± its largest |value|, "
                    "under it). Click a unit to see how its value is computed.")
        )  # fmt: skip

    def image(self) -> np.ndarray | None:
        """The image the view walks: the drawing, the picked image or the chosen validation image."""
        ds = self.panel.dataset
        source = self.source.currentIndex()
        if source == DRAWING and not self.panel.draw_tab.canvas.is_empty():
            return self.panel.draw_tab.model_input()[0]
        if source == PICKED and self.picked is not None:
            return self.picked
        if ds is None or not len(ds.val_images):
            return None
        return ds.val_images[min(self.index.value(), len(ds.val_images) - 1)]

    def update_view(self) -> None:
        insp = self.panel.inspector
        image = self.image() if insp is not None else None
        if image is None:
            return
        from vision_lab.core.layer_walk import overview

        t0 = time.perf_counter()
        ov = overview(insp, image)
        self.overview = ov
        self._image = image
        self.layers.max_maps = self.large.max_maps = self.maps.value()
        self.layers.set_overview(ov)
        if self.large_window.isVisible():
            self.large.set_overview(ov)
        if self.selected is not None:
            self.select(*self.selected, show=False)
        self.last_ms = (time.perf_counter() - t0) * 1000
        names = self.panel.class_names
        k = ov.predicted
        source = self.source.currentIndex()
        what = (
            self.tr("the drawing") if source == DRAWING and not self.panel.draw_tab.canvas.is_empty()
            else self.tr("the picked image") if source == PICKED and self.picked is not None
            else self.tr("validation image {i}").format(i=self.index.value())
        )  # fmt: skip
        self.note.setText(
            self.tr("The model says <b>{name}</b> ({p:.0%}) for {what}. Blue below 0, white 0, red above; one "
                    "scale per column (± its largest |value|). Click a unit to see how its value is computed.")
            .format(name=names[k] if k < len(names) else k, p=float(ov.probabilities[k]), what=what)
        )  # fmt: skip
        self.large_note.setText(self.note.text())

    def select(self, layer_index: int, unit: Any, *, show: bool = True) -> None:
        """Explain ``unit`` of the layer at ``layer_index`` in the unit view (opening it when ``show``)."""
        if self.overview is None or self.panel.inspector is None:
            return
        from vision_lab.core.layer_walk import explain_unit

        unit = tuple(int(u) for u in unit)
        try:
            e = explain_unit(self.panel.inspector, self._image, layer_index, unit, self.overview)
        except ValueError:  # the layer changed shape (a new run): forget the unit
            self.selected = None
            self.layers.set_selected(None)
            self.unit_view.show_explanation(None, None)
            return
        self.selected = (layer_index, unit)
        window = None
        if e.conv is not None:  # box the kernel's window on the convolution's input, the column before it
            stages = self.overview.stages
            k = next(i for i, s in enumerate(stages) if s.index == e.conv.layer_index)
            window = (stages[k - 1].index, e.conv.window)
        self.layers.set_selected(layer_index, unit, window)
        self.large.set_selected(layer_index, unit, window)
        self.unit_view.show_explanation(e, self.overview)
        if show and not self.dialog.isVisible():
            self._place_dialog()
            self.dialog.show()
            self.unit_view.setFocus()

    def _place_dialog(self) -> None:
        screen = (self.window().screen() or QApplication.primaryScreen()).availableGeometry()
        self.dialog.resize(min(900, screen.width() - 40), min(620, screen.height() - 80))
        # Left of the Inspect dock, over the centre of the window: the layer picture stays in view.
        frame = self.window().frameGeometry()
        x = max(screen.left(), min(frame.center().x() - self.dialog.width() // 2 - 180,
                                   screen.right() - self.dialog.width()))  # fmt: skip
        y = max(screen.top(), min(frame.top() + 60, screen.bottom() - self.dialog.height()))
        self.dialog.move(x, y)

    def _enlarge(self, on: bool) -> None:
        if not on:
            self.large_window.hide()
            return
        screen = (self.window().screen() or QApplication.primaryScreen()).availableGeometry()
        self.large_window.resize(screen.width() - 40, screen.height() - 80)
        self.large_window.move(screen.left() + 20, screen.top() + 40)
        self.large.set_overview(self.overview)
        if self.selected is not None:
            self.select(*self.selected, show=False)
        self.large_note.setText(self.note.text())
        self.large_window.show()

    def shutdown(self) -> None:
        self.large_window.hide()
        self.dialog.hide()
