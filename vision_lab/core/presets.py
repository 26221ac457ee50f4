"""Lesson presets: a ready experiment plus a few sentences on what to watch, shipped in resources/presets.

A preset file (format 2; format 1 files, which have no texts beyond ``title`` and ``lesson``, still read)::

    {"version": 2, "course": "article", "section": "3.1",
     "title": {"en": "...", "zh_CN": "..."}, "lesson": "...", "formula": "...", "watch": "...", "pitfall": "...",
     "model": "mlp", "dataset": "mnist-5k", "overrides": {"optim.lr": 0.5, "train.epochs": 5}, "hide": ["optimizer"],
     "inspect": "Overview"}

Each text (:data:`TEXTS`) is either one string (a teacher writing their own lesson in one language) or an object
of strings by language (:data:`vision_lab.core.i18n.LANGUAGES`); a :class:`Preset` carries them in the core's
language, else English, else the first language the file gives. Lesson texts live in the lesson files, not in a
message catalogue: they are content a teacher writes and shares, in whatever languages they write.

A ``formula`` is a few short lines of Unicode maths; the window lowers ``_x`` and ``_{...}`` and raises ``^x`` and
``^{...}`` as TeX does (``L_D``, ``max_{u,v}``). ``course`` groups lessons that belong together (the article's
course is ``"article"``) and ``section`` orders them ("3.1" before "3.2" before "3.10"). ``overrides`` are dotted
config keys applied on top of ``default_config(model)``; their values are checked as strictly as a config file's
(lists become tuples, ``cnn.blocks`` entries become blocks).
``hide`` names front-end controls a lesson keeps out of the way (see :data:`HIDEABLE`). ``inspect`` names the
Inspect view the lesson opens on (its English title, "Overview"); a window without such a view for the lesson's
model keeps the view it shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import LANGUAGES, SOURCE, language, normalise, t
from vision_lab.core.paths import resource
from vision_lab.core.safe_io import MAX_JSON, read_text

PRESET_VERSION = 2
HIDEABLE = ("dataset", "model", "optimizer", "learningRate", "batchSize", "epochs", "seed", "device", "modelKnobs")
TEXTS = ("title", "lesson", "formula", "watch", "pitfall")
"""The keys whose values are texts for the learner, each a string or an object of strings by language."""
NEW_IN_2 = ("formula", "watch", "pitfall", "section", "course", "sweep")
KEYS = ("version", "course", "section", *TEXTS, "model", "dataset", "overrides", "hide", "inspect", "sweep")
SWEEP_KEYS = ("space", "trials", "sampler", "pruner", "objective")
REQUIRED = ("title", "lesson", "model")
ARTICLE_COURSE = "article"
"""The course that follows the reference article, section by section (3.1 to 3.4)."""


@dataclass(frozen=True)
class LessonSweep:
    """A lesson's sweep: ``--space`` texts (checked against the lesson's config) and the sweep's settings."""

    space: tuple[str, ...]
    trials: int = 10
    sampler: str = "tpe"
    pruner: str = "median"
    objective: str | None = None


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
    formula: str | None = None
    """A few short lines of Unicode math."""
    watch: str | None = None
    """What to watch for in the plots and Inspect views."""
    pitfall: str | None = None
    """A known mistake (the article's code bugs): what goes wrong, and what we do instead."""
    section: str | None = None
    course: str | None = None
    inspect: str | None = None
    """The English title of the Inspect view the lesson opens on."""
    sweep: LessonSweep | None = None
    """A sweep the lesson runs (Run ▸ Sweep… opens filled with it)."""
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False, repr=False)
    """Every text the file gives, by key and language ("" for a plain string): :meth:`in_language` picks again."""

    def in_language(self, code: str) -> Preset:
        """The same lesson with its texts in ``code`` (with the usual fallback), its config named by its title."""
        shown = {key: pick(by_language, code) for key, by_language in self.texts.items()}
        config = self.config.replace(name=shown["title"]) if "title" in shown else self.config
        return replace(self, config=config, **shown)


def pick(by_language: Mapping[str, str], code: str) -> str:
    """``code``'s text, else English, else the first given (a one-language lesson is shown as written)."""
    if code in by_language:
        return by_language[code]
    if SOURCE in by_language:
        return by_language[SOURCE]
    return next(iter(by_language.values()))


def section_order(section: str | None) -> tuple[tuple[int, int | str], ...]:
    """Sections in reading order, 3.2 before 3.10: numbers compare as numbers, anything else as text after them."""
    parts = re.split(r"[.\s]+", section.strip()) if section else []
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def presets_dir() -> Path:
    return resource("presets")


def load_preset(path: str | Path) -> Preset:
    """Read and check one preset file; any problem is a ConfigError naming the file (and the key)."""
    path = Path(path)
    text = read_text(path, "Preset file", MAX_JSON, ConfigError)  # user-made presets may be anything
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(
            t(
                "preset.json",
                "Preset file '{path}' is not valid JSON (line {line}, column {column}: {reason}).",
                path=path,
                line=err.lineno,
                column=err.colno,
                reason=err.msg,
            )
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(t("preset.object", "Preset file '{path}' must hold a JSON object.", path=path))
    for key in data:
        if key not in KEYS:
            raise ConfigError(
                t(
                    "preset.unknown_key",
                    "Preset file '{path}' has an unknown key '{key}' (known: {known}).",
                    path=path,
                    key=key,
                    known=", ".join(KEYS),
                )
            )
    for key in REQUIRED:
        if key not in data:
            raise ConfigError(t("preset.lacks_key", "Preset file '{path}' lacks the key '{key}'.", path=path, key=key))
    version = data.get("version", PRESET_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= PRESET_VERSION:
        raise ConfigError(
            t(
                "preset.format",
                "Preset file '{path}' has format {version}; this Vision Lab reads formats 1 to {newest}.",
                path=path,
                version=repr(version),
                newest=PRESET_VERSION,
            )
        )
    texts = {key: _texts(data[key], key, path, version) for key in TEXTS if key in data}
    course, section = (_name(data.get(key), key, path, version) for key in ("course", "section"))
    model = data["model"]
    if model not in families.names():
        raise ConfigError(
            t(
                "preset.model",
                "Preset file '{path}' has model {model}; it must be one of {known}.",
                path=path,
                model=repr(model),
                known=", ".join(families.names()),
            )
        )
    dataset = data.get("dataset", "mnist-5k")
    if not isinstance(dataset, str) or not dataset.strip():
        raise ConfigError(t("preset.dataset", "Preset file '{path}' needs a dataset name as text.", path=path))
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict):
        raise ConfigError(
            t(
                "preset.overrides",
                "Preset file '{path}' must give 'overrides' as a JSON object of dotted keys.",
                path=path,
            )
        )
    hide = data.get("hide", [])
    if not isinstance(hide, list) or not all(isinstance(h, str) for h in hide):
        raise ConfigError(t("preset.hide", "Preset file '{path}' must give 'hide' as a list of names.", path=path))
    for name in hide:
        if name not in HIDEABLE:
            raise ConfigError(
                t(
                    "preset.cannot_hide",
                    "Preset file '{path}' cannot hide '{name}' (it can hide: {known}).",
                    path=path,
                    name=name,
                    known=", ".join(HIDEABLE),
                )
            )
    inspect = data.get("inspect")
    if inspect is not None and (not isinstance(inspect, str) or not inspect.strip()):
        raise ConfigError(
            t("preset.inspect", "Preset file '{path}' must give 'inspect' as the title of a view, as text.", path=path)
        )
    shown = {key: pick(by_language, language()) for key, by_language in texts.items()}
    config = _apply(default_config(model), {"name": shown["title"], "data.name": dataset, **overrides}, path)
    sweep = _sweep(data["sweep"], config, path, version) if "sweep" in data else None
    return Preset(
        sweep=sweep,
        key=path.stem,
        config=config,
        hide=tuple(hide),
        section=section,
        course=course,
        inspect=inspect,
        texts=texts,
        **shown,
    )


def _needs_format_2(path: Path, key: str) -> ConfigError:
    return ConfigError(
        t(
            "preset.needs_format_2",
            "Preset file '{path}' gives '{key}' as format 2 does; set \"version\": 2 in it.",
            path=path,
            key=key,
        )
    )


def _texts(value: object, key: str, path: Path, version: int) -> dict[str, str]:
    """A text as {language: text}; a plain string is kept under "" (any language: the one it was written in)."""
    if version < 2 and (key in NEW_IN_2 or isinstance(value, dict)):
        raise _needs_format_2(path, key)
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError(
                t("preset.empty_text", "Preset file '{path}' needs a non-empty text '{key}'.", path=path, key=key)
            )
        return {"": value}
    if not isinstance(value, dict) or not value:
        raise ConfigError(
            t(
                "preset.text.kind",
                "Preset file '{path}' needs '{key}' as text, or as an object of texts by language like {example}.",
                path=path,
                key=key,
                example='{"en": "...", "zh_CN": "..."}',
            )
        )
    for code, text in value.items():
        if code not in LANGUAGES:
            near = normalise(code)  # "zh", "zh-CN": a likely slip for a language we have
            if near in LANGUAGES:
                raise ConfigError(
                    t(
                        "preset.text.language_near",
                        "Preset file '{path}' gives '{key}' in an unknown language '{code}'; did you mean '{near}'?",
                        path=path,
                        key=key,
                        code=code,
                        near=near,
                    )
                )
            raise ConfigError(
                t(
                    "preset.text.language",
                    "Preset file '{path}' gives '{key}' in an unknown language '{code}' (known: {known}).",
                    path=path,
                    key=key,
                    code=code,
                    known=", ".join(LANGUAGES),
                )
            )
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(
                t(
                    "preset.text.empty_in",
                    "Preset file '{path}' needs a non-empty text for '{key}' in '{code}'.",
                    path=path,
                    key=key,
                    code=code,
                )
            )
    return dict(value)


def _name(value: object, key: str, path: Path, version: int) -> str | None:
    """``course`` and ``section``: short names, the same in every language."""
    if value is None:
        return None
    if version < 2:
        raise _needs_format_2(path, key)
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise ConfigError(
            t(
                "preset.name",
                "Preset file '{path}' needs '{key}' as a short non-empty text, like \"3.1\" or \"article\".",
                path=path,
                key=key,
            )
        )
    return value.strip()


def _sweep(value: object, cfg: ExperimentConfig, path: Path, version: int) -> LessonSweep:
    """The ``sweep`` key, checked as ``vision-lab sweep`` checks its flags (the same sentences, naming the file)."""
    from vision_lab.core.sweep import MAX_TRIALS, PRUNERS, SAMPLERS, resolve_objective
    from vision_lab.core.sweep_space import check_space, grid_space, parse_space

    if version < 2:
        raise _needs_format_2(path, "sweep")
    example = '{"space": ["optim.lr=loguniform:1e-4:1e-1"], "trials": 12}'
    if not isinstance(value, dict) or any(k not in SWEEP_KEYS for k in value):
        raise ConfigError(
            t(
                "preset.sweep.form",
                "Preset file '{path}' must give 'sweep' as an object with the keys {known}, like {example}.",
                path=path,
                known=", ".join(SWEEP_KEYS),
                example=example,
            )
        )
    space = value.get("space")
    if not isinstance(space, list) or not space or not all(isinstance(s, str) for s in space):
        raise ConfigError(
            t(
                "preset.sweep.space",
                "Preset file '{path}' needs 'sweep.space' as a list of texts like \"optim.lr=loguniform:1e-4:1e-1\".",
                path=path,
            )
        )
    trials = value.get("trials", 10)
    if not isinstance(trials, int) or isinstance(trials, bool) or not 1 <= trials <= MAX_TRIALS:
        raise ConfigError(
            t(
                "preset.sweep.trials",
                "Preset file '{path}' needs 'sweep.trials' as a whole number from 1 to {most}.",
                path=path,
                most=MAX_TRIALS,
            )
        )
    sampler, pruner = value.get("sampler", "tpe"), value.get("pruner", "median")
    for key, given, known in (("sampler", sampler, SAMPLERS), ("pruner", pruner, PRUNERS)):
        if given not in known:
            raise ConfigError(
                t(
                    "preset.sweep.choice",
                    "Preset file '{path}' has 'sweep.{key}' {value}; it must be one of {known}.",
                    path=path,
                    key=key,
                    value=repr(given),
                    known=", ".join(known),
                )
            )
    objective = value.get("objective")
    try:
        dims = parse_space(space)
        check_space(cfg, dims)
        if sampler == "grid":
            grid_space(dims)
        if objective is not None and not isinstance(objective, str):
            objective = repr(objective)
        resolve_objective(cfg, objective)
    except ConfigError as err:
        raise ConfigError(
            t("preset.sweep.bad", "Preset file '{path}' has a bad sweep: {problem}", path=path, problem=err)
        ) from None
    return LessonSweep(tuple(space), trials, sampler, pruner, objective)


def _apply(cfg: ExperimentConfig, overrides: dict[str, Any], path: Path) -> ExperimentConfig:
    """Dotted overrides through the config's JSON form, so they are type-checked like a config file."""
    tree = cfg.to_dict()
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or leaf not in node:
            raise ConfigError(
                t(
                    "preset.unknown_setting",
                    "Preset file '{path}' overrides an unknown setting '{key}'.",
                    path=path,
                    key=dotted,
                )
            )
        if isinstance(node[leaf], dict):
            raise ConfigError(
                t(
                    "preset.whole_section",
                    "Preset file '{path}' overrides the whole section '{key}'; name single settings, like 'optim.lr'.",
                    path=path,
                    key=dotted,
                )
            )
        node[leaf] = value
    try:
        return ExperimentConfig.from_dict(tree)
    except ConfigError as err:
        raise ConfigError(
            t("preset.bad_override", "Preset file '{path}' has a bad override: {problem}", path=path, problem=err)
        ) from None


def list_presets() -> list[Preset]:
    """Every shipped preset: each course's lessons in section order (the article's course first), then the rest
    by title, numbers as numbers ("2. ..." before "10. ...")."""
    folder = presets_dir()
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return sorted((load_preset(p) for p in paths), key=lesson_order)


def lesson_order(preset: Preset) -> tuple[Any, ...]:
    if preset.course is None:
        return (2, "", section_order(preset.title), preset.title)
    first = 0 if preset.course == ARTICLE_COURSE else 1
    return (first, preset.course, section_order(preset.section), preset.title)
