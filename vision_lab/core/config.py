"""The whole experiment as frozen dataclasses, to and from JSON.

Every knob the GUI shows is a field here or in a family's section, and a run is reproducible from its
``config.json`` alone. Parsing is strict: an unknown key, a wrong type or an out-of-range value raises
:class:`ConfigError` with one sentence naming the field.

The file format (``version``):

- **2** (since families became plugins, issue 18): ``model``, ``data``, then the settings of that one family under
  its key (``"cnn": {...}``), then ``optim``, ``train``, ``name``, ``version``. A config carries its own family's
  settings only, so a new family adds nothing to anyone else's files and a file names exactly what its run used.
  Reading accepts another registered family's section too (ignored, as format 1 ignored them), and a file without
  ``version`` is read as the current format.
- **1**: the same, with every family's section (``mlp``, ``cnn``, ``autoencoder``, ``gan``) whatever ``model`` was;
  read unchanged (tests/fixtures/runs-v1 are run folders format 1 wrote). Written back, it is format 2.

In memory an :class:`ExperimentConfig` may hold sections of other families too (a format-1 file's): they are
validated (a value out of range is a mistake even where it changes nothing) but neither compared nor saved.
``cfg.mlp`` (any family's key) is that family's section, its defaults when the config holds none.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar, Union

from vision_lab.core import families
from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import t
from vision_lab.core.validate import (
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_SEED,
    check_choice,
    check_lr,
    check_range,
)

CONFIG_VERSION = 2
"""The format this Vision Lab writes (see the module docstring); it reads this one and every older one."""

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")
LR_SCHEDULES = ("constant", "cosine")
_PARTS = ("model", "data", "optim", "train", "name", "version")
"""The keys of a config besides the family sections."""


@dataclass(frozen=True)
class DataConfig:
    name: str = "mnist-5k"
    """A dataset name (``vision-lab datasets``) or a path."""
    val_fraction: float = 0.1
    """Hold-out fraction for datasets without a test split."""
    split_seed: int = 0
    image_size: int | None = None
    """Resize target for image folders and the size of procedural shapes."""
    channels: int | None = None
    count: int | None = None
    """How many procedural images to make (``shapes``)."""
    limit: int | None = None
    """Use only the first N training images (seeded subset); tiny runs and tests."""
    val_limit: int | None = None

    def validate(self) -> None:
        if not self.name.strip():
            raise ConfigError(t("config.data.name_empty", "The dataset name is empty."))
        check_range("data.val_fraction", self.val_fraction, 0.0, 0.9)
        check_range("data.split_seed", self.split_seed, 0, MAX_SEED)
        if self.image_size is not None:
            check_range("data.image_size", self.image_size, 8, 256)
        if self.channels is not None and self.channels not in (1, 3):
            raise ConfigError(
                t("config.data.channels", "data.channels must be 1 or 3, got {value}.", value=self.channels)
            )
        for name in ("count", "limit", "val_limit"):
            value = getattr(self, name)
            if value is not None:
                check_range(f"data.{name}", value, 1, 10_000_000)


@dataclass(frozen=True)
class OptimConfig:
    name: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    """SGD and RMSprop momentum."""
    beta1: float = 0.9
    beta2: float = 0.999

    def validate(self) -> None:
        check_choice("optim.name", self.name, OPTIMIZERS)
        check_lr("optim.lr", self.lr)
        check_range("optim.weight_decay", self.weight_decay, 0.0, 1.0)
        check_range("optim.momentum", self.momentum, 0.0, 0.999)
        check_range("optim.beta1", self.beta1, 0.0, 0.9999)
        check_range("optim.beta2", self.beta2, 0.0, 0.99999)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    batch_size: int = 32
    seed: int = 0
    device: str = "auto"
    max_steps: int | None = None
    """Stop after this many steps in all (tiny runs and demos)."""
    report_seconds: float = 0.1
    """Live metric events at most this often (and at every epoch end)."""
    preview_seconds: float = 1.0
    """Previews at most this often (and at every epoch end)."""
    lr_schedule: str = "cosine"
    """``constant`` or ``cosine`` (decays to zero over the run; the final weights are steadier)."""
    augment_shift: int = 1
    """Classifiers: move each training image by up to this many pixels (0: off)."""
    log_every: int = 0
    """A metrics.csv row every N steps; 0 picks about 50 rows per epoch. Step-based so the file is reproducible."""
    precision: str = "fp32"
    """``bf16`` or ``fp16``: mixed precision (autocast; fp16 with a loss scaler) on a CUDA GPU; fp32 elsewhere."""

    def validate(self) -> None:
        check_range("train.epochs", self.epochs, 1, MAX_EPOCHS)
        check_range("train.batch_size", self.batch_size, 1, MAX_BATCH)
        check_range("train.seed", self.seed, 0, MAX_SEED)
        check_choice("train.device", self.device, DEVICES)
        check_choice("train.precision", self.precision, PRECISIONS)
        if self.max_steps is not None:
            check_range("train.max_steps", self.max_steps, 1, 10**12)
        check_range("train.report_seconds", self.report_seconds, 0.0, 3600.0)
        check_range("train.preview_seconds", self.preview_seconds, 0.0, 3600.0)
        check_range("train.log_every", self.log_every, 0, 10**9)
        check_choice("train.lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_range("train.augment_shift", self.augment_shift, 0, 8)


@dataclass(frozen=True, init=False, eq=False)
class ExperimentConfig:
    """One experiment: which family, its knobs, the data, the optimizer and the schedule.

    ``ExperimentConfig(model="mlp", mlp=MLPConfig(...))`` and ``dataclasses.replace(cfg, gan=...)`` take any
    registered family's key as a keyword; ``cfg.gan`` reads it back (see the module docstring).
    """

    model: str = "cnn"
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = ""
    """Free text shown in the runs list."""
    version: int = CONFIG_VERSION
    sections: tuple[tuple[str, Any], ...] = ()
    """The family sections given, as sorted (key, settings) pairs; a family's defaults stand for any other."""

    def __init__(
        self,
        model: str = "cnn",
        data: DataConfig | None = None,
        optim: OptimConfig | None = None,
        train: TrainConfig | None = None,
        name: str = "",
        version: int = CONFIG_VERSION,
        sections: Mapping[str, Any] | tuple[tuple[str, Any], ...] = (),
        **family_sections: Any,
    ) -> None:
        given = dict(sections.items() if isinstance(sections, Mapping) else sections)
        for key, value in family_sections.items():
            if key not in families.names():
                raise TypeError(f"ExperimentConfig got an unexpected keyword argument {key!r} (not a family)")
            given[key] = value
        init = object.__setattr__  # frozen: set once, here
        init(self, "model", model)
        init(self, "data", DataConfig() if data is None else data)
        init(self, "optim", OptimConfig() if optim is None else optim)
        init(self, "train", TrainConfig() if train is None else train)
        init(self, "name", name)
        init(self, "version", version)
        init(self, "sections", tuple(sorted(given.items())))

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not attributes: a family's key reads its section.
        if not name.startswith("_") and "sections" in self.__dict__ and name in families.names():
            return self.section(name)
        raise AttributeError(f"'ExperimentConfig' object has no attribute {name!r}")

    def section(self, key: str) -> Any:
        """Family ``key``'s settings: the ones given, else that family's defaults."""
        for k, value in self.sections:
            if k == key:
                return value
        return families.get(key).config()

    @property
    def family(self) -> families.Family:
        """What the registry knows of this config's family (ConfigError when there is no such family)."""
        return families.get(self.model)

    def _identity(self) -> tuple[Any, ...]:
        # The experiment: the other families' sections are not part of it.
        own = self.section(self.model) if self.model in families.names() else dict(self.sections).get(self.model)
        return (self.model, self.data, own, self.optim, self.train, self.name, self.version)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExperimentConfig):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def validate(self) -> ExperimentConfig:
        if self.version > CONFIG_VERSION:
            raise ConfigError(_newer(self.version))
        check_range("version", self.version, 1, CONFIG_VERSION)
        families.get(self.model)  # "model must be one of ..."
        given = dict(self.sections)
        # Its own family's settings, and any other family's it was given: a value out of range is a mistake even
        # where it changes nothing.
        keys = [k for k in families.names() if k in given or k == self.model]
        sections = [given[k] if k in given else self.section(k) for k in keys]
        for key, part in zip(keys, sections, strict=True):
            expected = families.get(key).config
            if not isinstance(part, expected):
                raise ConfigError(
                    t(
                        "config.section.type",
                        "The {key} settings must be a {expected}, not {got}.",
                        key=key,
                        expected=expected.__name__,
                        got=type(part).__name__,
                    )
                )
        for part in (self.data, *sections, self.optim, self.train):
            part.validate()
        return self

    def to_dict(self) -> dict[str, Any]:
        """The format-2 file's content: the config's own family section only."""
        return {
            "model": self.model,
            "data": _to_jsonable(self.data),
            self.model: _to_jsonable(self.section(self.model)),
            "optim": _to_jsonable(self.optim),
            "train": _to_jsonable(self.train),
            "name": self.name,
            "version": CONFIG_VERSION,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> ExperimentConfig:
        """Format 2 or 1 (or no ``version``: the current format); the result is a current (format 2) config."""
        if not isinstance(data, dict):
            raise ConfigError(t("config.not_object", "A config must be a JSON object."))
        version = data.get("version", CONFIG_VERSION)
        if isinstance(version, int) and version > CONFIG_VERSION:
            raise ConfigError(_newer(version))
        hints = typing.get_type_hints(cls)
        parts: dict[str, Any] = {}
        sections: dict[str, Any] = {}
        for key, value in data.items():
            if key in _PARTS:
                parts[key] = _from_jsonable(hints[key], value, key)
            elif key in families.names():
                sections[key] = _from_jsonable(families.get(key).config, value, key)
            else:
                shown = key if key.isidentifier() else repr(key)  # a key with a newline must not break the sentence
                known = sorted((*_PARTS, *families.names()))
                raise ConfigError(_unknown_key(shown, known))
        check_range("version", parts.get("version", CONFIG_VERSION), 1, CONFIG_VERSION)
        parts["version"] = CONFIG_VERSION  # read as what it means now
        return cls(**parts, sections=sections).validate()

    @classmethod
    def from_json(cls, text: str, source: str = "config") -> ExperimentConfig:
        return cls.from_dict(parse_json(text, source))

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        from vision_lab.core.safe_io import MAX_JSON, read_text, shown

        path = Path(path).expanduser()
        # A FIFO, /dev/zero or a 17 GB file is refused in one sentence before anything is read.
        text = read_text(path, "Config file", MAX_JSON, ConfigError)
        return cls.from_json(text, source=t("config.file", "Config file '{path}'", path=shown(path)))

    def replace(self, **changes: Any) -> ExperimentConfig:
        return replace(self, **changes)

    def apply(self, overrides: Mapping[str, Any] | None) -> ExperimentConfig:
        """:func:`apply_overrides` as a method (a family's code changes a config without importing this module)."""
        return apply_overrides(self, overrides)


MAX_JSON_DEPTH = 32
"""A config nests four levels deep; anything past this is not a config (and deep enough nesting crashes parsers)."""


def _newer(version: object) -> str:
    return t(
        "config.newer",
        "This config was written by a newer Vision Lab (format {version}); this version reads format {current} and "
        "older.",
        version=version,
        current=CONFIG_VERSION,
    )


def _unknown_key(key: str, known: Sequence[str]) -> str:
    return t("config.key.unknown", "Unknown config key {key} (known: {known}).", key=key, known=", ".join(known))


def _too_deep(source: str) -> str:
    return t(
        "config.json.deep",
        "{source} nests too deeply to be a setting (more than {depth} levels).",
        source=source,
        depth=MAX_JSON_DEPTH,
    )


def parse_json(text: str, source: str) -> Any:
    """``json.loads`` for text from a user's file: its failures, including nesting too deep for Python, as one
    ConfigError naming ``source`` ("Config file 'x.json'", "--set mlp.hidden")."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(
            t(
                "config.json.invalid",
                "{source} is not valid JSON (line {line}, column {column}: {reason}).",
                source=source,
                line=err.lineno,
                column=err.colno,
                reason=err.msg,
            )
        ) from None
    except RecursionError:
        raise ConfigError(_too_deep(source)) from None
    except ValueError:  # Python refuses to parse integers of more than 4300 digits
        raise ConfigError(
            t("config.json.long_number", "{source} holds a number too long to be a setting.", source=source)
        ) from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise ConfigError(_too_deep(source))
    return data


def _depth(value: Any) -> int:
    """How deeply lists and objects nest (iterative: the value may be nested deeper than Python can recurse)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def default_config(model: str = "cnn", **changes: Any) -> ExperimentConfig:
    """Sensible defaults per family (each family says how it trains best: the GAN with Adam 2e-4, betas
    0.5/0.999, DCGAN's)."""
    family = families.get(model)
    cfg = ExperimentConfig(model=model)
    if family.defaults is not None:
        cfg = family.defaults(cfg)
    return replace(cfg, **changes)


def with_overrides(cfg: ExperimentConfig, **dotted: Any) -> ExperimentConfig:
    """``with_overrides(cfg, **{"train.epochs": 3, "optim.lr": 0.01})``; None values are skipped."""
    for key, value in dotted.items():
        if value is None:
            continue
        head, _, attr = key.partition(".")
        if not attr:
            cfg = replace(cfg, **{head: value})
        else:
            cfg = replace(cfg, **{head: replace(getattr(cfg, head), **{attr: value})})
    return cfg


def apply_overrides(cfg: ExperimentConfig, overrides: Mapping[str, Any] | None) -> ExperimentConfig:
    """``apply_overrides(cfg, {"optim.lr": 0.01, "mlp.hidden": [64]})``: dotted keys, checked as strictly as a
    config file (types, ranges; an unknown key raises :class:`ConfigError` naming it). Unlike
    :func:`with_overrides`, None is a value here (``{"train.max_steps": None}`` removes the cap). Another
    family's settings are checked and kept, as format 1 kept them, so that one list of settings can serve a
    script that trains several families (``model`` may change in the same call)."""
    data = cfg.to_dict()
    for key, value in (overrides or {}).items():
        *path, last = key.split(".")
        if path and path[0] in families.names() and path[0] not in data:
            data[path[0]] = _to_jsonable(cfg.section(path[0]))
        node: Any = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            raise ConfigError(
                t(
                    "config.set.unknown",
                    "Unknown setting {key}; settings look like train.epochs or optim.lr.",
                    key=repr(key),
                )
            )
        if isinstance(node[last], dict):  # replacing it would silently reset every setting in it (--max-steps too)
            example = next(iter(node[last]), "epochs")
            raise ConfigError(
                t(
                    "config.set.section",
                    "'{key}' is a whole section, not one setting; set its settings one by one, e.g. {key}.{example}.",
                    key=key,
                    example=example,
                )
            )
        node[last] = _to_jsonable(value)
    return ExperimentConfig.from_dict(data)


def flat_config(cfg: ExperimentConfig) -> dict[str, Any]:
    """Every setting under its dotted key, as in a config file: ``{"optim.lr": 0.001, "mlp.hidden": [64], ...}``."""

    def flat(value: Any, prefix: str) -> dict[str, Any]:
        if isinstance(value, dict):
            return {k: v for key, item in value.items() for k, v in flat(item, f"{prefix}{key}.").items()}
        return {prefix[:-1]: value}

    return flat(cfg.to_dict(), "")


def config_changes(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    """The dotted keys whose values differ, e.g. ``["optim.lr", "train.epochs"]`` (a list compares whole)."""
    a, b = flat_config(old), flat_config(new)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


# --- strict JSON (de)serialisation ----------------------------------------------------------------


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_to_jsonable(v) for v in value]
    return value


T = TypeVar("T")


def _from_jsonable(tp: Any, data: Any, where: str) -> Any:
    label = where or "config"
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ConfigError(
                t(
                    "config.type.object",
                    "{label} must be a JSON object, got {type}.",
                    label=label,
                    type=type(data).__name__,
                )
            )
        hints = typing.get_type_hints(tp)
        known = {f.name for f in fields(tp)}
        for key in data:
            if key not in known:
                shown = key if key.isidentifier() else repr(key)  # a key with a newline must not break the sentence
                raise ConfigError(_unknown_key(f"{where + '.' if where else ''}{shown}", sorted(known)))
        kwargs = {
            key: _from_jsonable(hints[key], value, f"{where}.{key}" if where else key) for key, value in data.items()
        }
        return tp(**kwargs)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _from_jsonable(inner[0], data, where)
    if origin is tuple:
        if not isinstance(data, list):
            raise ConfigError(
                t("config.type.list", "{label} must be a list, got {type}.", label=label, type=type(data).__name__)
            )
        (item_type, _ellipsis) = typing.get_args(tp)
        return tuple(_from_jsonable(item_type, v, f"{label}[{i}]") for i, v in enumerate(data))
    if tp is bool:
        if not isinstance(data, bool):
            raise ConfigError(
                t("config.type.bool", "{label} must be true or false, got {value}.", label=label, value=repr(data))
            )
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer():
                return int(data)
            raise ConfigError(
                t("config.type.int", "{label} must be a whole number, got {value}.", label=label, value=repr(data))
            )
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise ConfigError(
                t("config.type.float", "{label} must be a number, got {value}.", label=label, value=repr(data))
            )
        try:
            return float(data)
        except OverflowError:  # an integer beyond any float: 10**400
            raise ConfigError(
                t(
                    "config.type.huge",
                    "{label} must be a number of sensible size, got a {digits}-digit one.",
                    label=label,
                    digits=len(str(abs(data))),
                )
            ) from None
    if tp is str:
        if not isinstance(data, str):
            raise ConfigError(
                t("config.type.text", "{label} must be text, got {value}.", label=label, value=repr(data))
            )
        return data
    raise TypeError(f"unsupported config type {tp!r}")  # a bug in this module, not a user mistake


def article_config(model: str, **changes: Any) -> ExperimentConfig:
    """The reference article's models at their exact shapes, with Keras' habits (batch 32, a constant rate, no
    augmentation); each family says what its article model is (``Family.article``)."""
    cfg = default_config(model)
    cfg = replace(cfg, train=replace(cfg.train, batch_size=32, lr_schedule="constant", augment_shift=0))
    article = families.get(model).article
    if article is not None:
        cfg = article(cfg)
    return replace(cfg, **changes)
