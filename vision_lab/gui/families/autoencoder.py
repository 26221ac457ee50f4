"""The autoencoder in the window: its form, its loss and its settings' names."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from vision_lab.core.families.autoencoder import AE_VARIANTS, AutoencoderConfig
from vision_lab.core.validate import ACTIVATIONS
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import Form, activation_tip, combo, formula, set_combo, spin
from vision_lab.gui.widgets.fields import IntListEdit


class AutoencoderForm(Form):
    def __init__(self) -> None:
        super().__init__()
        variants = {"dense": self.tr("dense"), "conv": self.tr("conv")}
        self.variant = self.add(
            self.tr("Variant"),
            combo(AE_VARIANTS, variants),
            self.tr("dense: fully connected; conv: stride-2 convolutions"),
        )
        self.latent = self.add(
            self.tr("Latent size"), spin(1, 4096), self.tr("Numbers in the code between encoder and decoder")
        )
        self.latent.setObjectName("latentSpin")
        self.hidden = self.add(
            self.tr("Hidden sizes"), IntListEdit(what=self.tr("width")), self.tr("Dense variant: widths, mirrored")
        )
        self.conv = self.add(
            self.tr("Conv channels"),
            IntListEdit(allow_empty=False, max_items=2, hi=2048, what=self.tr("channel count")),
            self.tr("Conv variant: channels of the (at most two) stride-2 convolutions"),
        )
        self.activation = self.add(self.tr("Activation"), combo(ACTIVATIONS), activation_tip())
        self.variant.currentIndexChanged.connect(self._variant_changed)

    def _variant_changed(self) -> None:
        dense = self.variant.currentData() == "dense"
        self.hidden.setEnabled(dense)
        self.conv.setEnabled(not dense)

    def load(self, c: AutoencoderConfig) -> None:  # type: ignore[override]
        set_combo(self.variant, c.variant)
        self.latent.setValue(c.latent_dim)
        self.hidden.set_values(c.hidden)
        self.conv.set_values(c.conv_channels)
        set_combo(self.activation, c.activation)
        self._variant_changed()

    def value(self, c: AutoencoderConfig) -> AutoencoderConfig:  # type: ignore[override]
        dense = self.variant.currentData() == "dense"
        return dataclasses.replace(
            c,
            variant=self.variant.currentData(),
            latent_dim=self.latent.value(),
            hidden=self.hidden.parse()[0] if dense else c.hidden,
            conv_channels=self.conv.parse()[0] if not dense else c.conv_channels,
            activation=self.activation.currentData(),
        )


GUI = GuiFamily(
    key="autoencoder",
    form=AutoencoderForm,
    formula=lambda: formula(
        "<i>L</i> = <sup>1</sup>⁄<sub><i>n</i></sub> Σ<sub><i>i</i></sub> "
        "(<i>x<sub>i</sub></i> − <i>x̂<sub>i</sub></i>)<sup>2</sup>",
        QCoreApplication.translate(
            "Formulas", "Mean squared error between each pixel <i>x</i> and its reconstruction <i>x̂</i>."
        ),
    ),
    labels={
        "autoencoder.variant": (QT_TRANSLATE_NOOP("Settings", "Variant"), QT_TRANSLATE_NOOP("Settings", "variant")),
        "autoencoder.latent_dim": (
            QT_TRANSLATE_NOOP("Settings", "Latent size"),
            QT_TRANSLATE_NOOP("Settings", "latent"),
        ),
        "autoencoder.hidden": (QT_TRANSLATE_NOOP("Settings", "Hidden sizes"), QT_TRANSLATE_NOOP("Settings", "hidden")),
        "autoencoder.conv_channels": (
            QT_TRANSLATE_NOOP("Settings", "Conv channels"),
            QT_TRANSLATE_NOOP("Settings", "conv"),
        ),
        "autoencoder.activation": (
            QT_TRANSLATE_NOOP("Settings", "Activation"),
            QT_TRANSLATE_NOOP("Settings", "activation"),
        ),
    },
)
