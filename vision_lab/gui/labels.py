"""Settings as the panels name them: "Learning rate 0.001 → 0.0001", not "optim.lr: 0.001 → 0.0001".

Dialogs that list what changed between two experiments (Fork, Twin, Compare) speak the panels' language, so a
learner can find the knob the dialog talks about.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from vision_lab.core.config import ExperimentConfig, config_changes, flat_config
from vision_lab.gui import families as gui_families
from vision_lab.gui.widgets.fields import plain_number


def _t(text: str) -> str:
    return QCoreApplication.translate("Settings", text)


# (panel label, short label for legends); a family's settings are named by its window module (vision_lab/gui/families).
_LABELS: dict[str, tuple[str, str]] = {
    "model": (QT_TRANSLATE_NOOP("Settings", "Family"), QT_TRANSLATE_NOOP("Settings", "family")),
    "name": (QT_TRANSLATE_NOOP("Settings", "Name"), QT_TRANSLATE_NOOP("Settings", "name")),
    "data.name": (QT_TRANSLATE_NOOP("Settings", "Dataset"), QT_TRANSLATE_NOOP("Settings", "data")),
    "data.limit": (QT_TRANSLATE_NOOP("Settings", "Use only"), QT_TRANSLATE_NOOP("Settings", "images")),
    "data.val_fraction": (
        QT_TRANSLATE_NOOP("Settings", "Validation share"),
        QT_TRANSLATE_NOOP("Settings", "val share"),
    ),
    "data.split_seed": (QT_TRANSLATE_NOOP("Settings", "Split seed"), QT_TRANSLATE_NOOP("Settings", "split seed")),
    "data.image_size": (QT_TRANSLATE_NOOP("Settings", "Image size"), QT_TRANSLATE_NOOP("Settings", "size")),
    "optim.name": (QT_TRANSLATE_NOOP("Settings", "Optimizer"), QT_TRANSLATE_NOOP("Settings", "optimizer")),
    "optim.lr": (QT_TRANSLATE_NOOP("Settings", "Learning rate"), QT_TRANSLATE_NOOP("Settings", "lr")),
    "optim.weight_decay": (
        QT_TRANSLATE_NOOP("Settings", "Weight decay"),
        QT_TRANSLATE_NOOP("Settings", "weight decay"),
    ),
    "optim.momentum": (QT_TRANSLATE_NOOP("Settings", "Momentum"), QT_TRANSLATE_NOOP("Settings", "momentum")),
    "optim.beta1": (QT_TRANSLATE_NOOP("Settings", "Adam β1"), QT_TRANSLATE_NOOP("Settings", "β1")),
    "optim.beta2": (QT_TRANSLATE_NOOP("Settings", "Adam β2"), QT_TRANSLATE_NOOP("Settings", "β2")),
    "train.epochs": (QT_TRANSLATE_NOOP("Settings", "Epochs"), QT_TRANSLATE_NOOP("Settings", "epochs")),
    "train.batch_size": (QT_TRANSLATE_NOOP("Settings", "Batch size"), QT_TRANSLATE_NOOP("Settings", "batch")),
    "train.seed": (QT_TRANSLATE_NOOP("Settings", "Seed"), QT_TRANSLATE_NOOP("Settings", "seed")),
    "train.lr_schedule": (QT_TRANSLATE_NOOP("Settings", "LR schedule"), QT_TRANSLATE_NOOP("Settings", "schedule")),
    "train.device": (QT_TRANSLATE_NOOP("Settings", "Device"), QT_TRANSLATE_NOOP("Settings", "device")),
    "train.precision": (QT_TRANSLATE_NOOP("Settings", "Precision"), QT_TRANSLATE_NOOP("Settings", "precision")),
    "train.max_steps": (QT_TRANSLATE_NOOP("Settings", "Step limit"), QT_TRANSLATE_NOOP("Settings", "max steps")),
    "train.augment_shift": (QT_TRANSLATE_NOOP("Settings", "Random shifts"), QT_TRANSLATE_NOOP("Settings", "shift")),
}


def setting_label(key: str, *, short: bool = False) -> str:
    """The panel's label for a dotted config key (the key itself for a setting no panel shows)."""
    labels = _LABELS.get(key) or gui_families.label(key)
    if labels is None:
        return key
    return _t(labels[1] if short else labels[0])


def setting_value(key: str, value: Any) -> str:
    """A setting's value as the panel shows it."""
    own = gui_families.value_text(key, value)  # a family's way of showing its setting
    if own is not None:
        return own
    if value is None:
        return QCoreApplication.translate("Settings", "none")
    if isinstance(value, bool):
        return QCoreApplication.translate("Settings", "on") if value else QCoreApplication.translate("Settings", "off")
    if isinstance(value, float):
        return plain_number(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or QCoreApplication.translate("Settings", "none")
    return str(value)


def describe_change(key: str, old: Any, new: Any) -> str:
    """``Learning rate: 0.001 → 0.0001``."""
    return f"{setting_label(key)}: {setting_value(key, old)} → {setting_value(key, new)}"


def short_setting(key: str, value: Any) -> str:
    """``lr 0.001``: a curve's name in a legend."""
    return f"{setting_label(key, short=True)} {setting_value(key, value)}"


def describe_changes(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    """``["Learning rate: 0.001 → 0.0001", ...]``: what differs between two experiments, in the panels' words."""
    a, b = flat_config(old), flat_config(new)
    return [describe_change(k, a.get(k), b.get(k)) for k in config_changes(old, new)]
