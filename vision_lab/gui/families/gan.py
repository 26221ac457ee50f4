"""The GAN in the window: its form, its two losses, its settings' names and its judge in the runs list."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from vision_lab.core.families.gan import GAN_UPDATES, GANConfig
from vision_lab.gui.families import GuiFamily
from vision_lab.gui.families.forms import Form, combo, formula, fraction, set_combo, spin
from vision_lab.gui.widgets.fields import LogSpinBox


class GANForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.latent = self.add(self.tr("Latent size"), spin(1, 4096), self.tr("Length of the noise vector z"))
        self.latent.setObjectName("ganLatentSpin")
        self.g_width = self.add(
            self.tr("G width"), spin(4, 4096, 4), self.tr("Channels of the generator's first feature map")
        )
        self.g_width.setObjectName("gWidthSpin")
        self.d_width = self.add(
            self.tr("D width"), spin(1, 4096, 8), self.tr("Channels of the discriminator's first convolution")
        )
        self.d_width.setObjectName("dWidthSpin")
        self.d_lr = self.add(self.tr("D learning rate"), LogSpinBox(lo=0.0, hi=10.0))
        self.d_lr.setObjectName("dLearningRateSpin")
        self.d_lr.setSpecialValueText(QCoreApplication.translate("Settings", "same as G"))
        self.d_lr.setToolTip(self.tr("The discriminator's learning rate; 'same as G' uses the optimizer's rate"))
        self.d_steps = self.add(self.tr("D steps"), spin(1, 100), self.tr("Discriminator updates per generator update"))
        updates = {"alternating": self.tr("alternating"), "simultaneous": self.tr("simultaneous")}
        self.update_mode = self.add(
            self.tr("Updates"),
            combo(GAN_UPDATES, updates),
            self.tr(
                "alternating: G learns against the D that just stepped (PyTorch's DCGAN); "
                "simultaneous: both step from one pass over the fakes (the TensorFlow tutorial; faster)"
            ),
        )
        self.update_mode.setObjectName("ganUpdateCombo")
        self.smoothing = self.add(
            self.tr("Label smoothing"), fraction(0.5), self.tr("Real images labelled 1 − this for D")
        )

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
    judge, found = f"{confidence:.2f}", f"{coverage:.0f}"
    if isinstance(classes, int) and classes > 0:
        text = QCoreApplication.translate("Settings", "judge {confidence}, {found}/{classes} classes")
        return text.format(confidence=judge, found=found, classes=classes), float(confidence) * coverage / classes
    text = QCoreApplication.translate("Settings", "judge {confidence}, {found} classes")
    return text.format(confidence=judge, found=found), float(confidence)


GUI = GuiFamily(
    key="gan",
    form=GANForm,
    formula=lambda: formula(
        "<i>L<sub>D</sub></i> = −[log <i>D</i>(<i>x</i>) + log(1 − <i>D</i>(<i>G</i>(<i>z</i>)))]<br>"
        "<i>L<sub>G</sub></i> = −log <i>D</i>(<i>G</i>(<i>z</i>))",
        QCoreApplication.translate(
            "Formulas",
            "The discriminator <i>D</i> learns to tell real images <i>x</i> from generated ones "
            "<i>G</i>(<i>z</i>); the generator learns to fool it.",
        ),
    ),
    labels={
        "gan.latent_dim": (QT_TRANSLATE_NOOP("Settings", "Latent size"), QT_TRANSLATE_NOOP("Settings", "latent")),
        "gan.g_width": (QT_TRANSLATE_NOOP("Settings", "G width"), QT_TRANSLATE_NOOP("Settings", "G width")),
        "gan.d_width": (QT_TRANSLATE_NOOP("Settings", "D width"), QT_TRANSLATE_NOOP("Settings", "D width")),
        "gan.d_lr": (QT_TRANSLATE_NOOP("Settings", "D learning rate"), QT_TRANSLATE_NOOP("Settings", "D lr")),
        "gan.d_steps": (QT_TRANSLATE_NOOP("Settings", "D steps"), QT_TRANSLATE_NOOP("Settings", "D steps")),
        "gan.update": (QT_TRANSLATE_NOOP("Settings", "Updates"), QT_TRANSLATE_NOOP("Settings", "updates")),
        "gan.label_smoothing": (
            QT_TRANSLATE_NOOP("Settings", "Label smoothing"),
            QT_TRANSLATE_NOOP("Settings", "smoothing"),
        ),
    },
    value_text=_value_text,
    result_text=_result_text,
)
