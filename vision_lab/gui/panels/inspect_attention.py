"""The Attention view: where a transformer's class token looks, head by head and block by block, and the
attention rollout through every block, drawn over the image with its patch grid (vision_lab/core/attention.py).

Registered in :data:`vision_lab.gui.panels.inspect.VIEWS`; shown for families with the ``attention`` capability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from vision_lab.core.attention import attention_maps, overlay
from vision_lab.gui.panels.inspect_base import InspectView, _label, _to_uint8
from vision_lab.gui.widgets.image_grid import ImageGrid

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel


class AttentionTab(InspectView):
    needs = frozenset({"attention"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Attention")
    group = QT_TRANSLATE_NOOP("InspectPanel", "Explain")

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.index = QSpinBox()
        self.index.setObjectName("attentionImageSpin")
        self.index.setRange(0, 0)
        self.index.setToolTip(self.tr("Which validation image to look at"))
        self.index.valueChanged.connect(lambda _v: self.panel.mark_dirty(self.title))
        self.use_drawing = QCheckBox(self.tr("Use the drawing"))
        self.use_drawing.setObjectName("attentionDrawingCheck")
        self.use_drawing.setToolTip(self.tr("Show the attention for the digit drawn in the Draw tab"))
        self.use_drawing.toggled.connect(lambda _on: self.panel.mark_dirty(self.title))
        self.block = QComboBox()
        self.block.setObjectName("attentionBlockCombo")
        self.block.setToolTip(self.tr("Which encoder block's heads to show"))
        self.block.currentIndexChanged.connect(lambda _i: self.panel.mark_dirty(self.title))
        row = QHBoxLayout()
        for widget in (QLabel(self.tr("Image")), self.index, self.use_drawing, QLabel(self.tr("Block")), self.block):
            row.addWidget(widget)
        row.addStretch(1)
        self.note = _label(name="attentionNote")
        self.grid = ImageGrid(self.tr("The attention appears once the model has weights."))
        self.grid.setObjectName("attentionGrid")
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.note)
        lay.addWidget(self.grid, 1)
        self.maps = None
        """The last :class:`~vision_lab.core.attention.AttentionMaps` shown (tests compare it with the model)."""
        panel.draw_tab.canvas.changed.connect(self._drawing_changed)

    def _drawing_changed(self) -> None:
        if self.use_drawing.isChecked():
            self.panel.mark_dirty(self.title)

    def reset(self) -> None:
        ds = self.panel.dataset
        self.index.setMaximum(max(0, len(ds.val_images) - 1) if ds is not None else 0)
        self.maps = None
        self.grid.set_images(np.zeros((0, 1, 1, 1), np.uint8))
        self.note.setText(
            self.tr(
                "Where the class token looks: each head's attention over the image's patches (brighter = more), and "
                "the rollout through all blocks. Updates as the model trains."
            )
        )

    def _set_blocks(self, count: int) -> None:
        if self.block.count() == count:
            return
        keep = min(max(self.block.currentIndex(), 0), count - 1)
        self.block.blockSignals(True)
        self.block.clear()
        for i in range(count):
            self.block.addItem(self.tr("{n} of {count}").format(n=i + 1, count=count), i)
        self.block.setCurrentIndex(keep)
        self.block.blockSignals(False)

    def update_view(self) -> None:
        insp, ds = self.panel.inspector, self.panel.dataset
        if insp is None or ds is None or not len(ds.val_images):
            return
        drawing = self.use_drawing.isChecked() and not self.panel.draw_tab.canvas.is_empty()
        image = _to_uint8(self.panel.draw_tab.model_input()[0]) if drawing else ds.val_images[self.index.value()]
        maps = attention_maps(insp, image)
        self.maps = maps
        blocks, heads = maps.heads.shape[:2]
        self._set_blocks(blocks)
        b = max(self.block.currentIndex(), 0)
        cells = [overlay(image, np.zeros_like(maps.rollout), maps.patch)]
        captions = [self.tr("image")]
        for h in range(heads):
            cells.append(overlay(image, maps.heads[b, h], maps.patch))
            # The share that goes to patches, not to the class token itself: a head that looks nowhere says so.
            captions.append(self.tr("head {h} · {share:.0%}").format(h=h + 1, share=1.0 - float(maps.cls_self[b, h])))
        cells.append(overlay(image, maps.rollout, maps.patch))
        captions.append(self.tr("rollout"))
        self.grid.set_images(np.stack(cells), captions)
        k = int(np.argmax(maps.probabilities))
        names = self.panel.class_names
        gh, gw = maps.rollout.shape
        self.note.setText(
            self.tr(
                "Block {b} of {blocks}: where the class token looks, head by head, over {gh}×{gw} patches of "
                "{p}×{p} pixels (each map scaled to its own maximum; the % is the head's share on patches rather "
                "than on the class token). Rollout: attention followed through all {blocks} blocks. "
                "The model says <b>{name}</b> ({prob:.0%})."
            ).format(
                b=b + 1,
                blocks=blocks,
                gh=gh,
                gw=gw,
                p=maps.patch,
                name=names[k] if k < len(names) else k,
                prob=float(maps.probabilities[k]),
            )
        )
