"""Settings as the panels name them: "Learning rate 0.001 → 0.0001", not "optim.lr: 0.001 → 0.0001".

Dialogs that list what changed between two experiments (Fork, Twin, Compare) speak the panels' language, so a
learner can find the knob the dialog talks about.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from vision_lab.core.config import ExperimentConfig, config_changes, flat_config
from vision_lab.gui import families as gui_families
from vision_lab.gui.widgets.fields import plain_number


def _t(text: str) -> str:
    return QCoreApplication.translate("Settings", text)


# (panel label, short label for legends); a family's settings are named by its window module (vision_lab/gui/families).
_LABELS: dict[str, tuple[str, str]] = {
    "model": ("Family", "family"),
    "name": ("Name", "name"),
    "data.name": ("Dataset", "data"),
    "data.limit": ("Use only", "images"),
    "data.val_fraction": ("Validation share", "val share"),
    "data.split_seed": ("Split seed", "split seed"),
    "data.image_size": ("Image size", "size"),
    "optim.name": ("Optimizer", "optimizer"),
    "optim.lr": ("Learning rate", "lr"),
    "optim.weight_decay": ("Weight decay", "weight decay"),
    "optim.momentum": ("Momentum", "momentum"),
    "optim.beta1": ("Adam β1", "β1"),
    "optim.beta2": ("Adam β2", "β2"),
    "train.epochs": ("Epochs", "epochs"),
    "train.batch_size": ("Batch size", "batch"),
    "train.seed": ("Seed", "seed"),
    "train.lr_schedule": ("LR schedule", "schedule"),
    "train.device": ("Device", "device"),
    "train.precision": ("Precision", "precision"),
    "train.max_steps": ("Step limit", "max steps"),
    "train.augment_shift": ("Random shifts", "shift"),
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
        return _t("none")
    if isinstance(value, bool):
        return _t("on") if value else _t("off")
    if isinstance(value, float):
        return plain_number(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or _t("none")
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
