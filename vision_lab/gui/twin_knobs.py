"""Twin runs' knobs and verdict, without widgets: which settings B may change, their labels, values typed and
shown, config B, the differences between A and B, and the sentence saying which did better.

Apart from :mod:`twin` (the window) so that the rules can be read, and tested, without the widgets around them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n
from vision_lab.core.config import ExperimentConfig, apply_overrides, config_changes, flat_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.families import Knob, Metric

SAME_AS_A = QT_TRANSLATE_NOOP("Twin", "B would be the same as A: change the value.")  # translated where said

# The optimizer's and the schedule's knobs, everyone's: key -> (label for people, short name for captions and titles).
# A family's own are its declaration's (``Family.knobs``); ``train.augment_shift`` only where it shifts images.
KNOBS: dict[str, tuple[str, str]] = {
    "optim.lr": (QT_TRANSLATE_NOOP("Twin", "Learning rate"), QT_TRANSLATE_NOOP("Twin", "lr")),
    "optim.name": (QT_TRANSLATE_NOOP("Twin", "Optimizer"), QT_TRANSLATE_NOOP("Twin", "optimizer")),
    "train.batch_size": (QT_TRANSLATE_NOOP("Twin", "Batch size"), QT_TRANSLATE_NOOP("Twin", "batch")),
    "optim.weight_decay": (QT_TRANSLATE_NOOP("Twin", "Weight decay"), QT_TRANSLATE_NOOP("Twin", "weight decay")),
    "optim.momentum": (QT_TRANSLATE_NOOP("Twin", "Momentum"), QT_TRANSLATE_NOOP("Twin", "momentum")),
    "train.lr_schedule": (QT_TRANSLATE_NOOP("Twin", "Learning-rate schedule"), QT_TRANSLATE_NOOP("Twin", "schedule")),
    "train.augment_shift": (QT_TRANSLATE_NOOP("Twin", "Random shift (pixels)"), QT_TRANSLATE_NOOP("Twin", "shift")),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("Twin", text)


def _family_knob(key: str) -> Knob | None:
    family = key.partition(".")[0]
    if family not in families.names():
        return None
    return next((k for k in families.get(family).knobs if k.key == key), None)


def _pseudo_knob(key: str) -> Knob | None:
    """A family's own name for part of its settings (``cnn.channels``), which no config file has."""
    knob = _family_knob(key)
    return knob if knob is not None and knob.get is not None else None


# --- knobs and values ------------------------------------------------------------------------------------
def twin_knobs(cfg: ExperimentConfig) -> list[tuple[str, str]]:
    """The (dotted key, label) pairs B may change for ``cfg``'s family.

    Never the seed or the length: the twins must share them, or the comparison says nothing about the knob.
    """
    family = cfg.family
    keys = ["optim.lr", "optim.name", "train.batch_size", *(k.key for k in family.knobs_for(cfg))]
    keys.append("optim.weight_decay")
    if cfg.optim.name in ("sgd", "rmsprop"):  # Adam ignores it: a twin on it would train the same model twice
        keys.append("optim.momentum")
    keys.append("train.lr_schedule")
    if family.shift_augment:
        keys.append("train.augment_shift")
    return [(k, knob_label(k)) for k in keys]


def _said(text: str) -> str:
    """A family's knob text: the core's catalogue has the built-in families' (``N_``); a plug-in's plain string is
    looked up in the window's, where a translator may add it."""
    return core_i18n.text(text) if isinstance(text, core_i18n.Deferred) else _t(text)


def knob_label(key: str) -> str:
    knob = _family_knob(key)
    return _said(knob.label) if knob is not None else _t(KNOBS[key][0]) if key in KNOBS else key


def knob_short(key: str) -> str:
    knob = _family_knob(key)
    return _said(knob.short) if knob is not None else _t(KNOBS[key][1]) if key in KNOBS else key


def knob_value(cfg: ExperimentConfig, key: str) -> Any:
    """The knob's value as in a config file (lists for widths)."""
    pseudo = _pseudo_knob(key)
    if pseudo is not None and pseudo.get is not None:
        return pseudo.get(cfg)
    flat = flat_config(cfg)
    if key not in flat:
        raise ConfigError(
            QCoreApplication.translate(
                "Twin", "Unknown setting {key}; settings look like train.epochs or optim.lr."
            ).format(key=repr(key))
        )
    return flat[key]


def edit_text(value: Any) -> str:
    """What the value box shows: JSON for lists, booleans and None; plain text otherwise."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def display_value(value: Any) -> str:
    """A value in a title or caption."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display_value(v) for v in value) + "]"
    return str(value)


def parse_value(text: str, current: Any) -> Any:
    """JSON when the text parses as JSON, else plain text; lenient where people type naturally.

    ``64, 32`` is taken as a list when the knob holds a list, ``Adam`` as ``adam``, ``yes``/``off`` as booleans.
    """
    text = text.strip()
    if isinstance(current, bool) and text.lower() in ("yes", "on", "true", "no", "off", "false"):
        return text.lower() in ("yes", "on", "true")
    try:
        return json.loads(text)
    except ValueError:
        pass
    if isinstance(current, list) and not text.startswith("["):
        try:
            return json.loads(f"[{text}]")
        except ValueError:
            pass
    return text.lower() if isinstance(current, str) else text


def set_knob(cfg: ExperimentConfig, key: str, value: Any) -> ExperimentConfig:
    """``cfg`` with ``key`` set to ``value``, checked as strictly as a config file (raises ConfigError)."""
    pseudo = _pseudo_knob(key)
    if pseudo is not None and pseudo.set is not None:
        return pseudo.set(cfg, value)
    return apply_overrides(cfg, {key: value})


def config_b(cfg: ExperimentConfig, key: str, text: str) -> ExperimentConfig:
    """B: ``cfg`` with the knob ``key`` set from the typed ``text``; ConfigError says, in one sentence, why not."""
    if not text.strip():
        raise ConfigError(
            QCoreApplication.translate("Twin", "Type a value for B's {setting}.").format(
                setting=knob_label(key).lower()
            )
        )
    current = knob_value(cfg, key)
    try:
        b = set_knob(cfg, key, parse_value(text, current))
    except ConfigError:
        raise
    except Exception:  # a value shape the strict parser did not foresee: still one sentence, no traceback
        raise ConfigError(
            QCoreApplication.translate("Twin", "{value} is not a usable value for {setting}.").format(
                value=repr(text.strip()), setting=knob_label(key).lower()
            )
        ) from None
    if not config_changes(cfg, b):
        raise ConfigError(_t(SAME_AS_A))
    return b


def differences(a: ExperimentConfig, b: ExperimentConfig) -> list[tuple[str, str, str]]:
    """(key, A's value, B's value) for people, the name aside; a setting a family names otherwise reads so
    (cnn.blocks as its channel counts)."""
    keys = [k for k in config_changes(a, b) if k != "name"]
    covering = {c: k for k in a.family.knobs if k.get is not None for c in k.covers}
    out = []
    for key in keys:
        knob = covering.get(key)
        if knob is not None and knob.get is not None and knob.get(a) != knob.get(b):
            key = knob.key
        va, vb = knob_value(a, key), knob_value(b, key)
        out.append((key, display_value(va), display_value(vb)))
    return out


def final_figure(family: str, summary: dict[str, Any] | None) -> float | None:
    key = families.get(family).headline
    value = (summary or {}).get(key)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _headline(family: str) -> Metric:
    declared = families.get(family)
    return declared.metric(declared.headline)


def format_figure(family: str, value: float, digits: int | None = None) -> str:
    percent = _headline(family).percent
    if percent:
        return f"{value:.{1 if digits is None else digits}%}"
    return f"{value:.{4 if digits is None else digits + 3}g}"


def verdict(family: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    """Which twin did better on the family's final figure, in one sentence."""
    headline = _headline(family)
    title, higher = core_i18n.text(headline.title), headline.higher_is_better
    va, vb = final_figure(family, a), final_figure(family, b)
    if va is None and vb is None:
        return QCoreApplication.translate("Twin", "Neither run reached a {figure}.").format(figure=title)
    if va is None or vb is None:
        who, value = ("A", va) if vb is None else ("B", vb)
        other = "B" if who == "A" else "A"
        return QCoreApplication.translate(
            "Twin", "Only {who} reached a {figure} ({value}); {other} has none to compare."
        ).format(who=who, figure=title, value=format_figure(family, value), other=other)
    if va == vb:
        return QCoreApplication.translate("Twin", "A and B tie on {figure}: {value} each.").format(
            figure=title, value=format_figure(family, va)
        )
    a_wins = va > vb if higher else va < vb
    win, lose, wv, lv = ("A", "B", va, vb) if a_wins else ("B", "A", vb, va)
    digits = None
    while format_figure(family, wv, digits) == format_figure(family, lv, digits) and (digits or 1) < 6:
        digits = (digits or 1) + 1  # never print "91.2% vs 91.2%" for two different numbers
    sentence = (
        QCoreApplication.translate(
            "Twin", "{win} reached {better} vs {worse} for {lose}: {win} did better on {figure}."
        )
        if higher
        else QCoreApplication.translate(
            "Twin", "{win} reached {better} vs {worse} for {lose}: {win} did better on {figure} (lower is better)."
        )
    )
    better, worse = format_figure(family, wv, digits), format_figure(family, lv, digits)
    return sentence.format(win=win, better=better, worse=worse, lose=lose, figure=title)
