"""The window's side of each family: its form, its formula, its settings' names (see :class:`GuiFamily`).

One module per family in this package, next to its core declaration (vision_lab/core/families); adding a family
to the window is its module plus its line in :data:`BUILT_IN`. Everything else in the window asks the core registry
(what a family plots, which Inspect views it has) or this one (how to show its settings).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vision_lab.core import families
from vision_lab.core import i18n as core_i18n

if TYPE_CHECKING:
    from vision_lab.core.config import ExperimentConfig
    from vision_lab.gui.families.forms import Form

BUILT_IN = ("mlp", "cnn", "autoencoder", "gan", "vit", "segmenter", "detector")

LayerRows = tuple[list[tuple[str, str, str]], str]
"""(layer, output, problem) rows for the Model tab's table, and the line above it."""


@dataclass(frozen=True)
class GuiFamily:
    key: str
    form: Callable[[], Form]
    """Its knobs, a fresh widget each call (see vision_lab/gui/families/forms.py)."""
    formula: str | Callable[[], str]
    """Its loss as the reference article writes it (Qt rich text); a function when its caption is translated."""
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Its settings as its form names them: dotted key -> (label, short label for legends)."""
    value_text: Callable[[str, Any], str | None] | None = None
    """A setting's value as its form shows it (``cnn.blocks`` as channel counts); None: the plain rendering."""
    result_text: Callable[[dict[str, Any]], tuple[str, float] | None] | None = None
    """The runs list's Result cell from a run's summary: (text, sort key: higher first); None: its headline."""
    layer_rows: Callable[[ExperimentConfig, tuple[int, int, int]], LayerRows | None] | None = None
    """Rows the layer table shows instead of the built model (the CNN's blocks up to one that does not fit)."""


_GUI: dict[str, GuiFamily] = {}


def register(family: GuiFamily) -> GuiFamily:
    families.get(family.key)  # a window side needs its core family
    _GUI[family.key] = family
    return family


def unregister(key: str) -> None:
    _GUI.pop(key, None)


def get(key: str) -> GuiFamily:
    return _GUI[key]


def names() -> tuple[str, ...]:
    """The families the window offers: registered in the core and here, in the core's order."""
    return tuple(k for k in families.names() if k in _GUI)


def title(key: str) -> str:
    """The family's title for people, translated ("CNN classifier"); the key itself for an unknown family."""
    try:
        text = families.get(key).title
    except Exception:  # a run folder naming a family this Vision Lab does not have
        return key
    return core_i18n.text(text)  # marked N_() in the core: its catalogue holds the translation


def formula(key: str) -> str:
    """The family's loss in rich text, its caption in the window's language."""
    text = _GUI[key].formula
    return text() if callable(text) else text


def label(key: str) -> tuple[str, str] | None:
    """A family setting's (label, short label), untranslated (context "Settings"), from the family its key
    starts with."""
    gui = _GUI.get(key.partition(".")[0])
    return gui.labels.get(key) if gui is not None else None


def value_text(key: str, value: Any) -> str | None:
    gui = _GUI.get(key.partition(".")[0])
    return gui.value_text(key, value) if gui is not None and gui.value_text is not None else None


for _name in BUILT_IN:
    register(importlib.import_module(f"{__name__}.{_name}").GUI)

__all__ = ["BUILT_IN", "GuiFamily", "formula", "get", "label", "names", "register", "title", "unregister", "value_text"]
