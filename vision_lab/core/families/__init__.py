"""The family registry: which families there are, and everything about each (see :mod:`.base`).

Adding a family is one module in this package that builds a :class:`~.base.Family`, plus its line in
:data:`BUILT_IN`; the generic tests (train, resume, export, open in the window) run on it because they are
parametrized over :func:`names`. A plugin outside the package calls :func:`register` with its own declaration.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from vision_lab.core.errors import ConfigError
from vision_lab.core.families.base import CAPABILITIES, ExportSpec, Family, Knob, Metric, ScriptParts
from vision_lab.core.i18n import t, text

if TYPE_CHECKING:
    from vision_lab.core.config import ExperimentConfig

BUILT_IN = ("mlp", "cnn", "autoencoder", "gan", "vit", "segmenter", "detector")
"""The modules of this package that declare a family, in the order the window's Model combo lists them."""

_FAMILIES: dict[str, Family] = {}
_MODULES: dict[str, str] = {}
"""key -> the module that declares the family (``FAMILY`` in it), so another process can register it too."""


def register(family: Family, *, module: str | None = None) -> Family:
    """Add a family (its declaration checked first); a key taken by another family is refused. ``module``: where
    ``FAMILY`` is declared (default: its model builder's module), for :func:`plugins`."""
    family.check()
    known = _FAMILIES.get(family.key)
    if known is not None and known is not family:
        raise ConfigError(t("family.taken", "A family called '{key}' is registered already.", key=family.key))
    _FAMILIES[family.key] = family
    _MODULES[family.key] = module or family.build.__module__
    return family


def unregister(key: str) -> None:
    """Remove a family (tests that register one of their own)."""
    _FAMILIES.pop(key, None)
    _MODULES.pop(key, None)


def plugins() -> tuple[str, ...]:
    """The modules of the families registered from outside this package: what the window's training process
    imports (:func:`load`) before it builds a run, so that it knows every family the window does."""
    return tuple(_MODULES[k] for k in _FAMILIES if k not in BUILT_IN)


def load(modules: tuple[str, ...] | list[str]) -> None:
    """Import each module and register its ``FAMILY`` (one registered already stays as it is)."""
    for name in modules:
        family = importlib.import_module(name).FAMILY
        if _FAMILIES.get(family.key) is not family:
            register(family, module=name)


def _load_built_in() -> None:
    for name in BUILT_IN:
        register(importlib.import_module(f"{__name__}.{name}").FAMILY, module=f"{__name__}.{name}")


def names() -> tuple[str, ...]:
    """Every family's key (``cnn``), built-in ones first in :data:`BUILT_IN` order."""
    return tuple(_FAMILIES)


def all_families() -> tuple[Family, ...]:
    return tuple(_FAMILIES.values())


def get(key: str) -> Family:
    """The family called ``key``; ConfigError in one sentence for a name no family has."""
    family = _FAMILIES.get(key)
    if family is None:
        raise ConfigError(
            t(
                "family.unknown",
                "model must be one of {names}; got {value}.",
                names=", ".join(_FAMILIES),
                value=repr(key),
            )
        )
    return family


def of(cfg: ExperimentConfig) -> Family:
    """The family ``cfg`` trains."""
    return get(cfg.model)


def with_capability(capability: str) -> tuple[Family, ...]:
    """The families whose models can do ``capability`` (one of :data:`~.base.CAPABILITIES`)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    return tuple(f for f in _FAMILIES.values() if capability in f.capabilities)


def titles() -> dict[str, str]:
    """key -> title for people in the current language ("cnn" -> "CNN classifier")."""
    return {f.key: text(f.title) for f in _FAMILIES.values()}


def metric(key: str) -> Metric | None:
    """The declaration of a metric some family reports (the first family's, in registry order)."""
    for family in _FAMILIES.values():
        for m in family.metrics:
            if m.key == key:
                return m
    return None


_load_built_in()

__all__ = [
    "BUILT_IN",
    "CAPABILITIES",
    "ExportSpec",
    "Family",
    "Knob",
    "Metric",
    "ScriptParts",
    "all_families",
    "get",
    "load",
    "metric",
    "names",
    "of",
    "plugins",
    "register",
    "titles",
    "unregister",
    "with_capability",
]
