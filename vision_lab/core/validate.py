"""Range and choice checks for config fields: one :class:`ConfigError` sentence naming the field.

Shared by the experiment's own sections (:mod:`vision_lab.core.config`) and every family's section
(:mod:`vision_lab.core.families`), which is why they live apart from both.
"""

from __future__ import annotations

import math

from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import t

ACTIVATIONS = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid")
"""The activations the model builders know (models/common.py)."""

# Guards against values that would only ever be typos (batch 10^9, a 10^6-wide layer).
MAX_WIDTH = 16384
MAX_BATCH = 65536
MAX_EPOCHS = 100000
MAX_SEED = 2**63 - 1
"""Seeds are whole numbers from 0 to 2**63 - 1 (what NumPy and PyTorch generators take, with room to derive more)."""


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(
            t(
                "config.choice",
                "{name} must be one of {choices}; got {value}.",
                name=name,
                choices=", ".join(choices),
                value=repr(value),
            )
        )


def check_range(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(t("config.finite", "{name} must be a finite number, got {value}.", name=name, value=value))
    if not lo <= value <= hi:
        raise ConfigError(
            t(
                "config.range",
                "{name} must be between {lo} and {hi}, got {value}.",
                name=name,
                lo=number_text(lo),
                hi=number_text(hi),
                value=number_text(value),
            )
        )


def number_text(value: float) -> str:
    # Whole numbers in full: "got 1000000000", not "got 1e+09", which reads like a float setting.
    if not isinstance(value, int):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 21 else f"{text[:4]}… (a {len(text.lstrip('-'))}-digit number)"


def check_lr(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(
            t(
                "config.lr.positive",
                "{name} (learning rate) must be a positive number, got {value}.",
                name=name,
                value=value,
            )
        )
    if value > 10:
        raise ConfigError(
            t(
                "config.lr.large",
                "{name} (learning rate) of {value} is absurdly large; use at most 10.",
                name=name,
                value=f"{value:g}",
            )
        )


def check_widths(name: str, widths: tuple[int, ...], *, allow_empty: bool, max_len: int = 16) -> None:
    if not widths and not allow_empty:
        raise ConfigError(t("config.empty", "{name} must not be empty.", name=name))
    if len(widths) > max_len:
        raise ConfigError(
            t(
                "config.layers.many",
                "{name} holds {count} layers; at most {most} are allowed.",
                name=name,
                count=len(widths),
                most=max_len,
            )
        )
    for w in widths:
        check_range(f"{name} width", w, 1, MAX_WIDTH)
