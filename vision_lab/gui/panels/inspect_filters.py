"""The Filters view: a network's first-layer kernels, then what each of its conv layers sees in one image, and
(for a classifier) an attribution map of that image (the shared picker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from vision_lab.core import families
from vision_lab.gui.panels.inspect_base import _label, _Tab, _to_uint8
from vision_lab.gui.widgets.attribution_picker import AttributionPicker
from vision_lab.gui.widgets.feature_grid import FeatureGrid
from vision_lab.gui.widgets.image_grid import ImageGrid

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel


class FiltersTab(_Tab):
    needs = frozenset({"filters"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Filters")

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.index = QSpinBox()
        self.index.setObjectName("featureImageSpin")
        self.index.setRange(0, 0)
        self.index.setToolTip(self.tr("Which validation image to show the feature maps of"))
        self.index.valueChanged.connect(lambda _v: self.panel.mark_dirty("Filters"))
        self.use_drawing = QCheckBox(self.tr("Use the drawing"))
        self.use_drawing.setObjectName("useDrawingCheck")
        self.use_drawing.toggled.connect(lambda _on: self.panel.mark_dirty("Filters"))
        self.image_view = ImageGrid()
        self.image_view.setFixedSize(72, 72)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Image")))
        row.addWidget(self.index)
        row.addWidget(self.use_drawing)
        row.addStretch(1)
        row.addWidget(self.image_view)
        # Which pixels of this image made the model say it: a larger copy of the image with the map over it.
        self.picker = AttributionPicker()
        self.picker.setObjectName("filtersAttributionPicker")
        self.picker.settings_changed.connect(lambda: self.panel.mark_dirty("Filters"))
        self.picker.heat_changed.connect(self._show_heat)
        self.heat_view = ImageGrid()
        self.heat_view.setObjectName("filtersHeatView")
        self.heat_view.setFixedSize(128, 128)
        self.heat_view.setVisible(False)
        explain = QHBoxLayout()
        explain.addWidget(self.picker, 1)
        explain.addWidget(self.heat_view)
        self._shown: np.ndarray | None = None
        self.note = _label(name="filtersNote")
        self.grid = FeatureGrid()
        self.grid.setObjectName("featureGrid")
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(explain)
        lay.addWidget(self.note)
        lay.addWidget(self.grid, 1)

    def reset(self) -> None:
        ds = self.panel.dataset
        self.index.setMaximum(max(0, len(ds.val_images) - 1) if ds is not None else 0)
        module = self._module()
        self.use_drawing.setVisible(self.panel.draw_tab.serves(self.panel.family))  # a family one can draw for
        self.picker.set_family(self.panel.family if self.panel.can("attribute") else None, self.panel.class_names)
        self.note.setText(
            self.tr("The {module}'s first-layer filters, and what each conv layer sees in a real image.").format(
                module=QCoreApplication.translate("ModuleNames", module)
            )
            if module != "model"
            else self.tr("First-layer filters (light = positive weight), then each conv layer's feature maps.")
        )

    # The names of the networks a family's filters may come from, for the note above (keys of build_models).
    _MODULE_NAMES = (
        QT_TRANSLATE_NOOP("ModuleNames", "discriminator"),
        QT_TRANSLATE_NOOP("ModuleNames", "generator"),
        QT_TRANSLATE_NOOP("ModuleNames", "encoder"),
        QT_TRANSLATE_NOOP("ModuleNames", "decoder"),
    )

    def _module(self) -> str:
        family = self.panel.family
        return families.get(family).filters_module if family in families.names() else "model"

    def update_view(self) -> None:
        insp, ds = self.panel.inspector, self.panel.dataset
        if insp is None or ds is None:
            return
        module = self._module()
        if self.use_drawing.isChecked() and not self.panel.draw_tab.canvas.is_empty():
            x = self.panel.draw_tab.model_input()[0]
            shown = _to_uint8(x)
        else:
            shown = ds.val_images[self.index.value()]
            x = shown
        self.image_view.set_images(shown[None])
        self._shown = shown
        self.picker.request(insp, x)  # off the GUI thread; _show_heat draws it
        groups: list[tuple[str, np.ndarray]] = [(self.tr("first-layer filters"), insp.conv_filters(module))]
        groups += insp.feature_maps(x, module)
        self.grid.set_maps(groups)

    def _show_heat(self, heat: np.ndarray | None) -> None:
        if heat is None or self._shown is None:
            self.heat_view.setVisible(False)
            return
        from vision_lab.core.attributions import overlay

        self.heat_view.set_images(overlay(self._shown, heat, scale=1)[None])
        self.heat_view.setVisible(True)

    def shutdown(self) -> None:
        self.picker.shutdown()
