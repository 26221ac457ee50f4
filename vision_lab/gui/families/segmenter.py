"""The U-Net segmenter in the window: its form, its loss (per-pixel cross-entropy, optionally + Dice), its
settings' names."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QCheckBox

from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import Form, batch_norm_tip, formula, fraction, spin


class SegmenterForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.depth_spin = self.add(
            self.tr("Levels"),
            spin(2, 5),
            self.tr(
                "How many times the encoder halves the image (and the decoder doubles it back); each level sees "
                "a wider part of the scene. The image side must divide by 2 to this power"
            ),
        )
        self.width_spin = self.add(
            self.tr("Width"),
            spin(4, 256, 4),
            self.tr("Channels of the first level; each deeper level doubles them, up to 8×"),
        )
        self.batch_norm = self.add("", QCheckBox(self.tr("Batch norm in each block")), batch_norm_tip())
        self.dilation = self.add(
            "",
            QCheckBox(self.tr("Dilated convolutions at the bottom")),
            self.tr(
                "Spread the bottom block's kernels apart so each pixel's class is decided from the whole digit, "
                "not only its own stroke"
            ),
        )
        dice = fraction(10.0)
        self.dice = self.add(
            self.tr("Dice weight"),
            dice,
            self.tr(
                "Adds the Dice loss, which counts each class's overlap whatever its size: small digits on a large "
                "background weigh as much as the background. 0 = cross-entropy alone"
            ),
        )
        for name, box in (("segDepthSpin", self.depth_spin), ("segWidthSpin", self.width_spin), ("segDiceSpin", dice)):
            box.setObjectName(name)

    def load(self, c: Any) -> None:  # type: ignore[override]
        self.depth_spin.setValue(c.depth)
        self.width_spin.setValue(c.width)
        self.batch_norm.setChecked(c.batch_norm)
        self.dilation.setChecked(c.dilation)
        self.dice.setValue(c.dice)

    def value(self, c: Any) -> Any:  # type: ignore[override]
        return dataclasses.replace(
            c,
            depth=self.depth_spin.value(),
            width=self.width_spin.value(),
            batch_norm=self.batch_norm.isChecked(),
            dilation=self.dilation.isChecked(),
            dice=self.dice.value(),
        )


def segmenter_formula() -> str:
    return formula(
        "<i>L</i> = −(1/<i>HW</i>) Σ<sub><i>p</i></sub> log <i>ŷ<sub>p</sub></i>[<i>y<sub>p</sub></i>] + λ (1 − Dice)",
        QCoreApplication.translate(
            "Formulas",
            "A classifier at every pixel <i>p</i>: cross-entropy between its true class <i>y<sub>p</sub></i> and "
            "its predicted probabilities, averaged over the image; plus λ (the Dice weight) times the Dice loss, "
            "one minus the overlap of predicted (<i>P<sub>k</sub></i>) and true (<i>T<sub>k</sub></i>) pixels of "
            "each class <i>k</i>. Judged by IoU: |<i>P</i>∩<i>T</i>| / |<i>P</i>∪<i>T</i>| per class, averaged (mIoU).",
        ),
    )


GUI = GuiFamily(
    key="segmenter",
    form=SegmenterForm,
    formula=segmenter_formula,
    labels={
        "segmenter.depth": (QT_TRANSLATE_NOOP("Settings", "Levels"), QT_TRANSLATE_NOOP("Settings", "levels")),
        "segmenter.width": (QT_TRANSLATE_NOOP("Settings", "Width"), QT_TRANSLATE_NOOP("Settings", "width")),
        "segmenter.batch_norm": (
            QT_TRANSLATE_NOOP("Settings", "Batch norm"),
            QT_TRANSLATE_NOOP("Settings", "batch norm"),
        ),
        "segmenter.dilation": (QT_TRANSLATE_NOOP("Settings", "Dilation"), QT_TRANSLATE_NOOP("Settings", "dilation")),
        "segmenter.dice": (QT_TRANSLATE_NOOP("Settings", "Dice weight"), QT_TRANSLATE_NOOP("Settings", "dice")),
    },
)
