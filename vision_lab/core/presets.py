"""Lesson presets: a ready experiment plus a few sentences on what to watch, shipped in resources/presets.

A preset file::

    {"version": 1, "title": "...", "lesson": "...", "model": "mlp", "dataset": "mnist-5k",
     "overrides": {"optim.lr": 0.5, "train.epochs": 5}, "hide": ["optimizer"]}

``overrides`` are dotted config keys applied on top of ``default_config(model)``; their values are
checked as strictly as a config file's (lists become tuples, ``cnn.blocks`` entries become blocks).
``hide`` names front-end controls a lesson keeps out of the way (see :data:`HIDEABLE`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.paths import resource
from vision_lab.core.safe_io import MAX_JSON, read_text

PRESET_VERSION = 1
HIDEABLE = ("dataset", "model", "optimizer", "learningRate", "batchSize", "epochs", "seed", "device", "modelKnobs")
KEYS = ("version", "title", "lesson", "model", "dataset", "overrides", "hide")
REQUIRED = ("title", "lesson", "model")


@dataclass(frozen=True)
class Preset:
    key: str
    """The file name without ``.json``."""
    title: str
    lesson: str
    """Two to four sentences for the learner: what to watch, and why it happens."""
    config: ExperimentConfig
    hide: tuple[str, ...] = ()
    """Names from :data:`HIDEABLE`."""


def presets_dir() -> Path:
    return resource("presets")


def load_preset(path: str | Path) -> Preset:
    """Read and check one preset file; any problem is a ConfigError naming the file."""
    path = Path(path)
    where = f"Preset file '{path}'"
    text = read_text(path, "Preset file", MAX_JSON, ConfigError)  # user-made presets may be anything
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{where} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must hold a JSON object.")
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"{where} has an unknown key '{key}' (known: {', '.join(KEYS)}).")
    for key in REQUIRED:
        if key not in data:
            raise ConfigError(f"{where} lacks the key '{key}'.")
    version = data.get("version", PRESET_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > PRESET_VERSION:
        raise ConfigError(f"{where} has format {version!r}; this Vision Lab reads format {PRESET_VERSION}.")
    title, lesson, model = data["title"], data["lesson"], data["model"]
    for key, value in (("title", title), ("lesson", lesson)):
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} needs a non-empty text '{key}'.")
    if model not in families.names():
        raise ConfigError(f"{where} has model {model!r}; it must be one of {', '.join(families.names())}.")
    dataset = data.get("dataset", "mnist-5k")
    if not isinstance(dataset, str) or not dataset.strip():
        raise ConfigError(f"{where} needs a dataset name as text.")
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where} must give 'overrides' as a JSON object of dotted keys.")
    hide = data.get("hide", [])
    if not isinstance(hide, list) or not all(isinstance(h, str) for h in hide):
        raise ConfigError(f"{where} must give 'hide' as a list of names.")
    for name in hide:
        if name not in HIDEABLE:
            raise ConfigError(f"{where} cannot hide '{name}' (it can hide: {', '.join(HIDEABLE)}).")
    config = _apply(default_config(model), {"name": title, "data.name": dataset, **overrides}, where)
    return Preset(key=path.stem, title=title, lesson=lesson, config=config, hide=tuple(hide))


def _apply(cfg: ExperimentConfig, overrides: dict[str, Any], where: str) -> ExperimentConfig:
    """Dotted overrides through the config's JSON form, so they are type-checked like a config file."""
    tree = cfg.to_dict()
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or leaf not in node:
            raise ConfigError(f"{where} overrides an unknown setting '{dotted}'.")
        if isinstance(node[leaf], dict):
            raise ConfigError(f"{where} overrides the whole section '{dotted}'; name single settings, like 'optim.lr'.")
        node[leaf] = value
    try:
        return ExperimentConfig.from_dict(tree)
    except ConfigError as err:
        raise ConfigError(f"{where} has a bad override: {err}") from None


def list_presets() -> list[Preset]:
    """Every shipped preset, sorted by title."""
    folder = presets_dir()
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return sorted((load_preset(p) for p in paths), key=lambda p: p.title)
