"""The GAN in the window: its form, its two losses, its settings' names and its judge in the runs list."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from PySide6.QtCore import QCoreApplication

from vision_lab.core.families.gan import GAN_UPDATES, GANConfig
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import MATH, Form, combo, fraction, set_combo, spin
from vision_lab.gui.widgets.fields import LogSpinBox


class GANForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.latent = self.add("Latent size", spin(1, 4096), "Length of the noise vector z")
        self.latent.setObjectName("ganLatentSpin")
        self.g_width = self.add("G width", spin(4, 4096, 4), "Channels of the generator's first feature map")
        self.g_width.setObjectName("gWidthSpin")
        self.d_width = self.add("D width", spin(1, 4096, 8), "Channels of the discriminator's first convolution")
        self.d_width.setObjectName("dWidthSpin")
        self.d_lr = self.add("D learning rate", LogSpinBox(lo=0.0, hi=10.0))
        self.d_lr.setObjectName("dLearningRateSpin")
        self.d_lr.setSpecialValueText("same as G")
        self.d_lr.setToolTip("The discriminator's learning rate; 'same as G' uses the optimizer's rate")
        self.d_steps = self.add("D steps", spin(1, 100), "Discriminator updates per generator update")
        self.update_mode = self.add(
            "Updates",
            combo(GAN_UPDATES),
            "alternating: G learns against the D that just stepped (PyTorch's DCGAN); "
            "simultaneous: both step from one pass over the fakes (the TensorFlow tutorial; faster)",
        )
        self.update_mode.setObjectName("ganUpdateCombo")
        self.smoothing = self.add("Label smoothing", fraction(0.5), "Real images labelled 1 − this for D")

    def load(self, c: GANConfig) -> None:  # type: ignore[override]
        self.latent.setValue(c.latent_dim)
        self.g_width.setValue(c.g_width)
        self.d_width.setValue(c.d_width)
        self.d_lr.setValue(c.d_lr or 0.0)
        self.d_steps.setValue(c.d_steps)
        self.smoothing.setValue(c.label_smoothing)
        set_combo(self.update_mode, c.update)

    def value(self, c: GANConfig) -> GANConfig:  # type: ignore[override]
        return dataclasses.replace(
            c,
            latent_dim=self.latent.value(),
            g_width=self.g_width.value(),
            d_width=self.d_width.value(),
            d_lr=self.d_lr.value() or None,
            d_steps=self.d_steps.value(),
            label_smoothing=self.smoothing.value(),
            update=self.update_mode.currentData(),
        )


def _value_text(key: str, value: Any) -> str | None:
    if key == "gan.d_lr" and value is None:
        return QCoreApplication.translate("Settings", "same as G")
    return None


def _result_text(summary: dict[str, Any]) -> tuple[str, float] | None:
    """The judge as confidence and coverage together ("judge 0.82, 10/10 classes"): a collapsed generator draws one
    class the judge is sure of, so confidence alone once said "judge 100%" of near-identical dots."""
    confidence, coverage = summary.get("judge_confidence"), summary.get("judge_coverage")
    if not (isinstance(confidence, int | float) and isinstance(coverage, int | float) and math.isfinite(confidence)):
        return None
    classes = summary.get("classes")
    of = f"{coverage:.0f}/{classes}" if isinstance(classes, int) and classes > 0 else f"{coverage:.0f}"
    share = coverage / classes if isinstance(classes, int) and classes > 0 else 1.0
    return f"judge {confidence:.2f}, {of} classes", float(confidence) * share


GUI = GuiFamily(
    key="gan",
    form=GANForm,
    formula=(
        f'<div style="{MATH}"><i>L<sub>D</sub></i> = −[log <i>D</i>(<i>x</i>) + '
        "log(1 − <i>D</i>(<i>G</i>(<i>z</i>)))]<br>"
        "<i>L<sub>G</sub></i> = −log <i>D</i>(<i>G</i>(<i>z</i>))</div>"
        "<div>The discriminator <i>D</i> learns to tell real images <i>x</i> from generated ones "
        "<i>G</i>(<i>z</i>); the generator learns to fool it.</div>"
    ),
    labels={
        "gan.latent_dim": ("Latent size", "latent"),
        "gan.g_width": ("G width", "G width"),
        "gan.d_width": ("D width", "D width"),
        "gan.d_lr": ("D learning rate", "D lr"),
        "gan.d_steps": ("D steps", "D steps"),
        "gan.update": ("Updates", "updates"),
        "gan.label_smoothing": ("Label smoothing", "smoothing"),
    },
    value_text=_value_text,
    result_text=_result_text,
)
