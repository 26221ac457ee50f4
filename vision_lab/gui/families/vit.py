"""The Vision Transformer in the window: its form, its formula (attention and the loss), its settings' names."""

from __future__ import annotations

import dataclasses

from vision_lab.core.families.vit import ViTConfig
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import CLASSIFIER_FORMULA, DROPOUT_TIP, MATH, Form, fraction, spin
from vision_lab.gui.widgets.fields import NumberSpinBox


class ViTForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.patch = self.add(
            "Patch size",
            spin(1, 28),
            "Side of the square patches cut from the image; each patch becomes one token. It must divide the "
            "image: on 28×28 digits 7 gives 16 tokens, 4 gives 49 (slower, finer attention maps)",
        )
        self.width_spin = self.add("Width", spin(4, 1024, 8), "Numbers per token (the embedding size)")
        self.blocks_spin = self.add("Blocks", spin(1, 24), "Encoder blocks, each attention then an MLP")
        self.heads = self.add(
            "Heads", spin(1, 32), "Attention heads per block; each looks at width ÷ heads numbers of every token"
        )
        mlp = NumberSpinBox(0.25, 8.0)
        mlp.setSingleStep(0.5)
        mlp.setDecimals(2)
        mlp.setKeyboardTracking(False)
        self.mlp_ratio = self.add("MLP ratio", mlp, "Each block's MLP has width × this many hidden units")
        self.dropout = self.add("Dropout", fraction(0.9), DROPOUT_TIP)
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


ATTENTION_FORMULA = (
    f'<div style="{MATH}"><i>A</i> = softmax(<i>QK</i><sup>T</sup>/√<i>d</i>) <i>V</i></div>'
    "<div>Attention <i>A</i>: each head compares every token's query <i>Q</i> with every token's key <i>K</i> "
    "(<i>d</i> numbers each); "
    "the softmax turns the scores into weights that sum to 1, and the token takes that mix of the values "
    "<i>V</i>. The class token's weights are what the Attention view draws.</div>"
)

GUI = GuiFamily(
    key="vit",
    form=ViTForm,
    formula=ATTENTION_FORMULA + CLASSIFIER_FORMULA,
    labels={
        "vit.patch": ("Patch size", "patch"),
        "vit.width": ("Width", "width"),
        "vit.depth": ("Blocks", "blocks"),
        "vit.heads": ("Heads", "heads"),
        "vit.mlp_ratio": ("MLP ratio", "mlp ratio"),
        "vit.dropout": ("Dropout", "dropout"),
    },
)
