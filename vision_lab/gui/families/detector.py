"""The CenterNet-style detector in the window: its form, its loss (centre heatmaps, sizes, offsets), its settings'
names."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QCheckBox

from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import Form, batch_norm_tip, formula, fraction, spin


class DetectorForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.width_spin = self.add(
            self.tr("Width"),
            spin(4, 256, 4),
            self.tr("Channels of the first stage; each further stage doubles them, up to 4×"),
        )
        self.depth_spin = self.add(
            self.tr("Levels"),
            spin(1, 5),
            self.tr(
                "How many times the backbone halves the image before the heads: the heatmap has one cell per "
                "2^levels pixels"
            ),
        )
        self.batch_norm = self.add("", QCheckBox(self.tr("Batch norm in each block")), batch_norm_tip())
        threshold = fraction(1.0)
        self.threshold = self.add(
            self.tr("Score threshold"),
            threshold,
            self.tr("Boxes scoring below this are not drawn or exported; the mAP figures use every box"),
        )
        self.max_boxes = self.add(self.tr("Boxes per image"), spin(1, 100), self.tr("The highest peaks kept per image"))
        for name, box in (
            ("detWidthSpin", self.width_spin),
            ("detDepthSpin", self.depth_spin),
            ("detThreshold", threshold),
        ):
            box.setObjectName(name)

    def load(self, c: Any) -> None:  # type: ignore[override]
        self.width_spin.setValue(c.width)
        self.depth_spin.setValue(c.depth)
        self.batch_norm.setChecked(c.batch_norm)
        self.threshold.setValue(c.score_threshold)
        self.max_boxes.setValue(c.max_boxes)

    def value(self, c: Any) -> Any:  # type: ignore[override]
        return dataclasses.replace(
            c,
            width=self.width_spin.value(),
            depth=self.depth_spin.value(),
            batch_norm=self.batch_norm.isChecked(),
            score_threshold=self.threshold.value(),
            max_boxes=self.max_boxes.value(),
        )


def detector_formula() -> str:
    return formula(
        "<i>L</i> = <i>L</i><sub>heat</sub> + 0.1 <i>L</i><sub>size</sub> + <i>L</i><sub>offset</sub>",
        QCoreApplication.translate(
            "Formulas",
            "Each object is a peak at its centre in its class's heatmap: the focal loss <i>L</i><sub>heat</sub> "
            "teaches the peaks, <i>L</i><sub>size</sub> the box's width and height read at the peak, "
            "<i>L</i><sub>offset</sub> where in its cell the centre lies. Boxes are the peaks (a 3×3 max-pool "
            "keeps the highest), no overlap removal needed. Judged by mAP: the area under precision-recall, a box "
            "counting as found when it overlaps the truth by IoU ≥ 0.5 (mAP@0.5) or by 0.5 to 0.95 (mAP).",
        ),
    )


GUI = GuiFamily(
    key="detector",
    form=DetectorForm,
    formula=detector_formula,
    labels={
        "detector.width": (QT_TRANSLATE_NOOP("Settings", "Width"), QT_TRANSLATE_NOOP("Settings", "width")),
        "detector.depth": (QT_TRANSLATE_NOOP("Settings", "Levels"), QT_TRANSLATE_NOOP("Settings", "levels")),
        "detector.batch_norm": (
            QT_TRANSLATE_NOOP("Settings", "Batch norm"),
            QT_TRANSLATE_NOOP("Settings", "batch norm"),
        ),
        "detector.score_threshold": (
            QT_TRANSLATE_NOOP("Settings", "Score threshold"),
            QT_TRANSLATE_NOOP("Settings", "threshold"),
        ),
        "detector.max_boxes": (
            QT_TRANSLATE_NOOP("Settings", "Boxes per image"),
            QT_TRANSLATE_NOOP("Settings", "boxes"),
        ),
    },
)
