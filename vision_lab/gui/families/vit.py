"""The Vision Transformer in the window: its form, its formula (attention and the loss), its settings' names."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from vision_lab.core.families.vit import ViTConfig
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import Form, classifier_formula, dropout_tip, formula, fraction, spin
from vision_lab.gui.widgets.fields import NumberSpinBox


class ViTForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.patch = self.add(
            self.tr("Patch size"),
            spin(1, 28),
            self.tr(
                "Side of the square patches cut from the image; each patch becomes one token. It must divide the "
                "image: on 28×28 digits 7 gives 16 tokens, 4 gives 49 (slower, finer attention maps)"
            ),
        )
        self.width_spin = self.add(
            self.tr("Width"), spin(4, 1024, 8), self.tr("Numbers per token (the embedding size)")
        )
        self.blocks_spin = self.add(
            self.tr("Blocks"), spin(1, 24), self.tr("Encoder blocks, each attention then an MLP")
        )
        self.heads = self.add(
            self.tr("Heads"),
            spin(1, 32),
            self.tr("Attention heads per block; each looks at width ÷ heads numbers of every token"),
        )
        mlp = NumberSpinBox(0.25, 8.0)
        mlp.setSingleStep(0.5)
        mlp.setDecimals(2)
        mlp.setKeyboardTracking(False)
        self.mlp_ratio = self.add(
            self.tr("MLP ratio"), mlp, self.tr("Each block's MLP has width × this many hidden units")
        )
        self.dropout = self.add(self.tr("Dropout"), fraction(0.9), dropout_tip())
        names = (("vitPatchSpin", self.patch), ("vitWidthSpin", self.width_spin), ("vitHeadsSpin", self.heads))
        for name, box in names:
            box.setObjectName(name)

    def load(self, c: ViTConfig) -> None:  # type: ignore[override]
        self.patch.setValue(c.patch)
        self.width_spin.setValue(c.width)
        self.blocks_spin.setValue(c.depth)
        self.heads.setValue(c.heads)
        self.mlp_ratio.setValue(c.mlp_ratio)
        self.dropout.setValue(c.dropout)

    def value(self, c: ViTConfig) -> ViTConfig:  # type: ignore[override]
        return dataclasses.replace(
            c,
            patch=self.patch.value(),
            width=self.width_spin.value(),
            depth=self.blocks_spin.value(),
            heads=self.heads.value(),
            mlp_ratio=self.mlp_ratio.value(),
            dropout=self.dropout.value(),
        )


def attention_formula() -> str:
    return formula(
        "<i>A</i> = softmax(<i>QK</i><sup>T</sup>/√<i>d</i>) <i>V</i>",
        QCoreApplication.translate(
            "Formulas",
            "Attention <i>A</i>: each head compares every token's query <i>Q</i> with every token's key <i>K</i> "
            "(<i>d</i> numbers each); the softmax turns the scores into weights that sum to 1, and the token takes "
            "that mix of the values <i>V</i>. The class token's weights are what the Attention view draws.",
        ),
    )


GUI = GuiFamily(
    key="vit",
    form=ViTForm,
    formula=lambda: attention_formula() + classifier_formula(),
    labels={
        "vit.patch": (QT_TRANSLATE_NOOP("Settings", "Patch size"), QT_TRANSLATE_NOOP("Settings", "patch")),
        "vit.width": (QT_TRANSLATE_NOOP("Settings", "Width"), QT_TRANSLATE_NOOP("Settings", "width")),
        "vit.depth": (QT_TRANSLATE_NOOP("Settings", "Blocks"), QT_TRANSLATE_NOOP("Settings", "blocks")),
        "vit.heads": (QT_TRANSLATE_NOOP("Settings", "Heads"), QT_TRANSLATE_NOOP("Settings", "heads")),
        "vit.mlp_ratio": (QT_TRANSLATE_NOOP("Settings", "MLP ratio"), QT_TRANSLATE_NOOP("Settings", "mlp ratio")),
        "vit.dropout": (QT_TRANSLATE_NOOP("Settings", "Dropout"), QT_TRANSLATE_NOOP("Settings", "dropout")),
    },
)
