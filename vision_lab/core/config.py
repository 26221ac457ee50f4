"""The whole experiment as frozen dataclasses, to and from JSON.

Every knob the GUI shows is a field here, and a run is reproducible from its ``config.json``
alone. Parsing is strict: an unknown key, a wrong type or an out-of-range value raises
:class:`ConfigError` with one sentence naming the field.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar, Union

from vision_lab.core.errors import ConfigError

CONFIG_VERSION = 1

FAMILIES = ("mlp", "cnn", "autoencoder", "gan")
FAMILY_TITLES = {"mlp": "MLP classifier", "cnn": "CNN classifier", "autoencoder": "Autoencoder", "gan": "GAN"}
ACTIVATIONS = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")
AE_VARIANTS = ("dense", "conv")
LR_SCHEDULES = ("constant", "cosine")
GAN_UPDATES = ("alternating", "simultaneous")

# Guards against values that would only ever be typos (batch 10^9, a 10^6-wide layer).
MAX_WIDTH = 16384
MAX_BATCH = 65536
MAX_EPOCHS = 100000
MAX_SEED = 2**63 - 1
"""Seeds are whole numbers from 0 to 2**63 - 1 (what NumPy and PyTorch generators take, with room to derive more)."""


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
            raise ConfigError("The dataset name is empty.")
        _check_range("data.val_fraction", self.val_fraction, 0.0, 0.9)
        _check_range("data.split_seed", self.split_seed, 0, MAX_SEED)
        if self.image_size is not None:
            _check_range("data.image_size", self.image_size, 8, 256)
        if self.channels is not None and self.channels not in (1, 3):
            raise ConfigError(f"data.channels must be 1 or 3, got {self.channels}.")
        for name in ("count", "limit", "val_limit"):
            value = getattr(self, name)
            if value is not None:
                _check_range(f"data.{name}", value, 1, 10_000_000)


@dataclass(frozen=True)
class MLPConfig:
    hidden: tuple[int, ...] = (512, 256)
    activation: str = "relu"
    dropout: float = 0.2
    batch_norm: bool = True

    def validate(self) -> None:
        _check_widths("mlp.hidden", self.hidden, allow_empty=True)
        _check_choice("mlp.activation", self.activation, ACTIVATIONS)
        _check_range("mlp.dropout", self.dropout, 0.0, 0.95)


@dataclass(frozen=True)
class ConvBlock:
    channels: int = 32
    kernel: int = 3
    pool: bool = True
    batch_norm: bool = False
    dropout: float = 0.0
    padding: str = "same"
    """``same`` keeps the size; ``valid`` (Keras' default, the article's) trims kernel - 1 pixels."""


@dataclass(frozen=True)
class CNNConfig:
    blocks: tuple[ConvBlock, ...] = (
        ConvBlock(32, batch_norm=True),
        ConvBlock(64, batch_norm=True),
        ConvBlock(128, batch_norm=True),
    )
    dense: tuple[int, ...] = (128,)
    activation: str = "relu"
    dropout: float = 0.3
    """Dropout before each dense layer."""

    def validate(self) -> None:
        if not self.blocks:
            raise ConfigError("cnn.blocks must hold at least one convolution block.")
        if len(self.blocks) > 6:
            raise ConfigError(f"cnn.blocks holds {len(self.blocks)} blocks; at most 6 fit a 28-pixel image.")
        for i, block in enumerate(self.blocks):
            _check_range(f"cnn.blocks[{i}].channels", block.channels, 1, 2048)
            if block.kernel not in (1, 3, 5, 7):
                raise ConfigError(f"cnn.blocks[{i}].kernel must be 1, 3, 5 or 7, got {block.kernel}.")
            _check_range(f"cnn.blocks[{i}].dropout", block.dropout, 0.0, 0.95)
            _check_choice(f"cnn.blocks[{i}].padding", block.padding, ("same", "valid"))
        if sum(b.pool for b in self.blocks) > 3:
            raise ConfigError("cnn.blocks pool more than 3 times; a 28-pixel image would shrink to nothing.")
        _check_widths("cnn.dense", self.dense, allow_empty=True)
        _check_choice("cnn.activation", self.activation, ACTIVATIONS)
        _check_range("cnn.dropout", self.dropout, 0.0, 0.95)


@dataclass(frozen=True)
class AutoencoderConfig:
    variant: str = "dense"
    latent_dim: int = 32
    hidden: tuple[int, ...] = (256,)
    """Dense variant: widths between the image and the latent code (mirrored in the decoder)."""
    conv_channels: tuple[int, ...] = (32, 64)
    """Conv variant: channels of the stride-2 convolutions."""
    activation: str = "relu"

    def validate(self) -> None:
        _check_choice("autoencoder.variant", self.variant, AE_VARIANTS)
        _check_range("autoencoder.latent_dim", self.latent_dim, 1, 4096)
        _check_widths("autoencoder.hidden", self.hidden, allow_empty=True)
        _check_widths("autoencoder.conv_channels", self.conv_channels, allow_empty=False, max_len=2)
        _check_choice("autoencoder.activation", self.activation, ACTIVATIONS)


@dataclass(frozen=True)
class GANConfig:
    latent_dim: int = 100
    g_width: int = 256
    """Channels of the generator's first 7×7 (8×8 at 32 px) map; halved by each transposed conv."""
    d_width: int = 64
    """Channels of the discriminator's first convolution; doubled by the second."""
    d_dropout: float = 0.3
    d_lr: float | None = None
    """Discriminator learning rate; None uses the optimizer's (the generator's) rate."""
    d_steps: int = 1
    """Discriminator updates per generator update."""
    label_smoothing: float = 0.0
    """One-sided: real images are labelled ``1 - label_smoothing`` for the discriminator."""
    judge_samples: int = 300
    ema: float = 0.995
    """Decay of the moving average of generator weights that samples come from; 0 turns it off."""
    update: str = "alternating"
    """How a step updates the pair. ``alternating``: D steps first, then G trains against the updated D
    (PyTorch's DCGAN example; three D passes). ``simultaneous``: both gradients come from one pass through D
    on the same fakes, then both step (the TensorFlow DCGAN tutorial the article follows; two D passes)."""

    def validate(self) -> None:
        _check_range("gan.latent_dim", self.latent_dim, 1, 4096)
        _check_range("gan.g_width", self.g_width, 4, 4096)
        if self.g_width % 4:
            raise ConfigError(f"gan.g_width must be a multiple of 4, got {self.g_width}.")
        _check_range("gan.d_width", self.d_width, 1, 4096)
        _check_range("gan.d_dropout", self.d_dropout, 0.0, 0.95)
        if self.d_lr is not None:
            _check_lr("gan.d_lr", self.d_lr)
        _check_range("gan.d_steps", self.d_steps, 1, 100)
        _check_range("gan.label_smoothing", self.label_smoothing, 0.0, 0.5)
        _check_range("gan.judge_samples", self.judge_samples, 10, 100000)
        _check_range("gan.ema", self.ema, 0.0, 0.9999)
        _check_choice("gan.update", self.update, GAN_UPDATES)


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
        _check_choice("optim.name", self.name, OPTIMIZERS)
        _check_lr("optim.lr", self.lr)
        _check_range("optim.weight_decay", self.weight_decay, 0.0, 1.0)
        _check_range("optim.momentum", self.momentum, 0.0, 0.999)
        _check_range("optim.beta1", self.beta1, 0.0, 0.9999)
        _check_range("optim.beta2", self.beta2, 0.0, 0.99999)


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
        _check_range("train.epochs", self.epochs, 1, MAX_EPOCHS)
        _check_range("train.batch_size", self.batch_size, 1, MAX_BATCH)
        _check_range("train.seed", self.seed, 0, MAX_SEED)
        _check_choice("train.device", self.device, DEVICES)
        _check_choice("train.precision", self.precision, PRECISIONS)
        if self.max_steps is not None:
            _check_range("train.max_steps", self.max_steps, 1, 10**12)
        _check_range("train.report_seconds", self.report_seconds, 0.0, 3600.0)
        _check_range("train.preview_seconds", self.preview_seconds, 0.0, 3600.0)
        _check_range("train.log_every", self.log_every, 0, 10**9)
        _check_choice("train.lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _check_range("train.augment_shift", self.augment_shift, 0, 8)


@dataclass(frozen=True)
class ExperimentConfig:
    """One experiment: which family, its knobs, the data, the optimizer and the schedule."""

    model: str = "cnn"
    data: DataConfig = field(default_factory=DataConfig)
    mlp: MLPConfig = field(default_factory=MLPConfig)
    cnn: CNNConfig = field(default_factory=CNNConfig)
    autoencoder: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    gan: GANConfig = field(default_factory=GANConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = ""
    """Free text shown in the runs list."""
    version: int = CONFIG_VERSION

    def validate(self) -> ExperimentConfig:
        if self.version > CONFIG_VERSION:
            raise ConfigError(
                f"This config was written by a newer Vision Lab (format {self.version}); "
                f"this version reads format {CONFIG_VERSION} and older."
            )
        _check_range("version", self.version, 1, CONFIG_VERSION)
        _check_choice("model", self.model, FAMILIES)
        for part in (self.data, self.mlp, self.cnn, self.autoencoder, self.gan, self.optim, self.train):
            part.validate()
        return self

    @property
    def family_config(self) -> MLPConfig | CNNConfig | AutoencoderConfig | GANConfig:
        return getattr(self, self.model)

    @property
    def is_classifier(self) -> bool:
        return self.model in ("mlp", "cnn")

    def to_dict(self) -> dict[str, Any]:
        return _to_jsonable(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> ExperimentConfig:
        if not isinstance(data, dict):
            raise ConfigError("A config must be a JSON object.")
        version = data.get("version", CONFIG_VERSION)
        if isinstance(version, int) and version > CONFIG_VERSION:
            raise ConfigError(
                f"This config was written by a newer Vision Lab (format {version}); "
                f"this version reads format {CONFIG_VERSION} and older."
            )
        return _from_jsonable(cls, data, "").validate()

    @classmethod
    def from_json(cls, text: str, source: str = "config") -> ExperimentConfig:
        return cls.from_dict(parse_json(text, source))

    @classmethod
    def load(cls, path: str | Path) -> ExperimentConfig:
        from vision_lab.core.safe_io import MAX_JSON, read_text, shown

        path = Path(path).expanduser()
        # A FIFO, /dev/zero or a 17 GB file is refused in one sentence before anything is read.
        text = read_text(path, "Config file", MAX_JSON, ConfigError)
        return cls.from_json(text, source=f"Config file '{shown(path)}'")

    def replace(self, **changes: Any) -> ExperimentConfig:
        return replace(self, **changes)


MAX_JSON_DEPTH = 32
"""A config nests four levels deep; anything past this is not a config (and deep enough nesting crashes parsers)."""


def parse_json(text: str, source: str) -> Any:
    """``json.loads`` for text from a user's file: its failures, including nesting too deep for Python, as one
    ConfigError naming ``source`` ("Config file 'x.json'", "--set mlp.hidden")."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{source} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}).") from None
    except RecursionError:
        raise ConfigError(f"{source} nests too deeply to be a setting (more than {MAX_JSON_DEPTH} levels).") from None
    except ValueError:  # Python refuses to parse integers of more than 4300 digits
        raise ConfigError(f"{source} holds a number too long to be a setting.") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise ConfigError(f"{source} nests too deeply to be a setting (more than {MAX_JSON_DEPTH} levels).")
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
    """Sensible defaults per family: the GAN trains with Adam 2e-4, betas 0.5/0.999 (DCGAN's)."""
    _check_choice("model", model, FAMILIES)
    cfg = ExperimentConfig(model=model)
    if model == "gan":
        cfg = replace(
            cfg,
            optim=OptimConfig(name="adam", lr=2e-4, beta1=0.5, beta2=0.999),
            gan=replace(cfg.gan, label_smoothing=0.1),
            train=replace(cfg.train, epochs=20, batch_size=32, lr_schedule="constant"),
        )
    elif model == "mlp":
        cfg = replace(cfg, optim=replace(cfg.optim, lr=2e-3))
    elif model == "autoencoder":
        cfg = replace(cfg, train=replace(cfg.train, epochs=10))
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
    :func:`with_overrides`, None is a value here (``{"train.max_steps": None}`` removes the cap)."""
    data = cfg.to_dict()
    for key, value in (overrides or {}).items():
        node: Any = data
        *path, last = key.split(".")
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or last not in node:
            raise ConfigError(f"Unknown setting {key!r}; settings look like train.epochs or optim.lr.")
        if isinstance(node[last], dict):  # replacing it would silently reset every setting in it (--max-steps too)
            example = next(iter(node[last]), "epochs")
            raise ConfigError(
                f"'{key}' is a whole section, not one setting; set its settings one by one, e.g. {key}.{example}."
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


# --- validation helpers -------------------------------------------------------------------------


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value}.")
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {_num(lo)} and {_num(hi)}, got {_num(value)}.")


def _num(value: float) -> str:
    # Whole numbers in full: "got 1000000000", not "got 1e+09", which reads like a float setting.
    if not isinstance(value, int):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 21 else f"{text[:4]}… (a {len(text.lstrip('-'))}-digit number)"


def _check_lr(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} (learning rate) must be a positive number, got {value}.")
    if value > 10:
        raise ConfigError(f"{name} (learning rate) of {value:g} is absurdly large; use at most 10.")


def _check_widths(name: str, widths: tuple[int, ...], *, allow_empty: bool, max_len: int = 16) -> None:
    if not widths and not allow_empty:
        raise ConfigError(f"{name} must not be empty.")
    if len(widths) > max_len:
        raise ConfigError(f"{name} holds {len(widths)} layers; at most {max_len} are allowed.")
    for w in widths:
        _check_range(f"{name} width", w, 1, MAX_WIDTH)


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
            raise ConfigError(f"{label} must be a JSON object, got {type(data).__name__}.")
        hints = typing.get_type_hints(tp)
        known = {f.name for f in fields(tp)}
        for key in data:
            if key not in known:
                shown = key if key.isidentifier() else repr(key)  # a key with a newline must not break the sentence
                raise ConfigError(
                    f"Unknown config key {where + '.' if where else ''}{shown} (known: {', '.join(sorted(known))})."
                )
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
            raise ConfigError(f"{label} must be a list, got {type(data).__name__}.")
        (item_type, _ellipsis) = typing.get_args(tp)
        return tuple(_from_jsonable(item_type, v, f"{label}[{i}]") for i, v in enumerate(data))
    if tp is bool:
        if not isinstance(data, bool):
            raise ConfigError(f"{label} must be true or false, got {data!r}.")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer():
                return int(data)
            raise ConfigError(f"{label} must be a whole number, got {data!r}.")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise ConfigError(f"{label} must be a number, got {data!r}.")
        try:
            return float(data)
        except OverflowError:  # an integer beyond any float: 10**400
            raise ConfigError(
                f"{label} must be a number of sensible size, got a {len(str(abs(data)))}-digit one."
            ) from None
    if tp is str:
        if not isinstance(data, str):
            raise ConfigError(f"{label} must be text, got {data!r}.")
        return data
    raise TypeError(f"unsupported config type {tp!r}")  # a bug in this module, not a user mistake


def article_config(model: str, **changes: Any) -> ExperimentConfig:
    """The reference article's models at their exact shapes (and Keras' habits: batch 32, constant lr).

    MLP 784-64-10; CNN conv32 3×3 (valid) -> maxpool 2 -> dense 64 -> 10; autoencoder 784-64-784;
    DCGAN as in :class:`GANConfig`, with the article's simultaneous updates and without the weight averaging
    it does not have.
    """
    cfg = default_config(model)
    train = replace(cfg.train, batch_size=32, lr_schedule="constant", augment_shift=0)
    cfg = replace(
        cfg,
        mlp=MLPConfig(hidden=(64,), dropout=0.0, batch_norm=False),
        cnn=CNNConfig(blocks=(ConvBlock(32, kernel=3, padding="valid"),), dense=(64,), dropout=0.0),
        autoencoder=AutoencoderConfig(variant="dense", hidden=(), latent_dim=64),
        gan=replace(cfg.gan, ema=0.0, update="simultaneous"),
        optim=replace(cfg.optim, lr=1e-3) if model != "gan" else cfg.optim,
        train=train,
    )
    return replace(cfg, **changes)
