"""A sweep's search space: which config keys vary and how, read from ``--space`` texts or a JSON file.

``optim.lr=loguniform:1e-4:1e-1``, ``cnn.dropout=uniform:0:0.5`` (``uniform:0:0.5:0.1`` on a grid of 0.1),
``train.batch_size=int:16:256`` (``int:16:256:16``, ``logint:16:256``), ``optim.name=choice:adam,sgd`` or a JSON list
``mlp.hidden=choice:[[64],[128,64]]``. A space file is one JSON object of the same: ``{"optim.lr":
"loguniform:1e-4:1e-1", "optim.name": ["adam", "sgd"]}`` (a list is a choice). Qt-free and optuna-free until a
trial asks: the window can check a space as it is typed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vision_lab.core.config import ExperimentConfig, apply_overrides
from vision_lab.core.errors import ConfigError
from vision_lab.core.i18n import t
from vision_lab.core.safe_io import shown

if TYPE_CHECKING:
    import optuna

KINDS = ("uniform", "loguniform", "int", "logint", "choice")
MAX_GRID = 100_000
"""Points a grid may have: past this a grid search is not what anyone meant."""


@dataclass(frozen=True)
class Dimension:
    """One config key and the values a trial may give it."""

    key: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    choices: tuple[Any, ...] = ()

    @property
    def _encoded(self) -> bool:
        # Optuna's categorical values are plain scalars; a list (mlp.hidden) travels as its JSON text.
        return any(not isinstance(c, (str, int, float, bool)) and c is not None for c in self.choices)

    def _stored_choices(self) -> list[Any]:
        return [json.dumps(c) for c in self.choices] if self._encoded else list(self.choices)

    def decode(self, value: Any) -> Any:
        """The config value for what optuna stored (a choice list's JSON text back to the list)."""
        return json.loads(value) if self.kind == "choice" and self._encoded else value

    def suggest(self, trial: optuna.Trial) -> Any:
        if self.kind == "choice":
            return self.decode(trial.suggest_categorical(self.key, self._stored_choices()))
        if self.kind in ("int", "logint"):
            step = int(self.step or 1)
            return trial.suggest_int(self.key, int(self.low), int(self.high), step=step, log=self.kind == "logint")
        return trial.suggest_float(self.key, self.low, self.high, step=self.step, log=self.kind == "loguniform")

    def grid(self) -> list[Any] | None:
        """Every value a grid search tries, or None where the values are not countable (no step)."""
        if self.kind == "choice":
            return self._stored_choices()
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.kind == "uniform" and self.step:
            n = math.floor((self.high - self.low) / self.step + 1e-9)
            return [round(self.low + i * self.step, 12) for i in range(n + 1)]
        return None

    def text(self) -> str:
        if self.kind == "choice":
            return f"{self.key}=choice:" + json.dumps(list(self.choices))
        step = f":{self.step:g}" if self.step else ""
        return f"{self.key}={self.kind}:{self.low:g}:{self.high:g}{step}"


def _number(spec: str, part: str, whole: bool) -> float:
    try:
        value = int(part) if whole else float(part)
    except ValueError:
        raise ConfigError(
            t(
                "sweep.space.number",
                "--space {spec}: {value} is not {what}.",
                spec=spec,
                value=repr(part),
                what=t("sweep.space.whole", "a whole number") if whole else t("sweep.space.a_number", "a number"),
            )
        ) from None
    if not math.isfinite(value):
        raise ConfigError(t("sweep.space.finite", "--space {spec}: the bounds must be finite numbers.", spec=spec))
    return value


def _choices(spec: str, raw: str) -> tuple[Any, ...]:
    if raw.strip().startswith("["):
        try:
            values = json.loads(raw)
        except ValueError:
            values = None
        if not isinstance(values, list):
            raise ConfigError(
                t("sweep.space.choice_json", "--space {spec}: the choices are not a JSON list.", spec=spec)
            )
    else:
        values = []
        for item in raw.split(","):
            try:
                values.append(json.loads(item))
            except ValueError:
                values.append(item.strip())  # text: an optimizer's or an activation's name
    if not values or any(v == "" for v in values):
        raise ConfigError(
            t("sweep.space.choice_empty", "--space {spec}: choice needs values, e.g. choice:adam,sgd.", spec=spec)
        )
    return tuple(values)


def parse_dimension(key: str, spec: str) -> Dimension:
    """``key`` and ``kind:low:high[:step]`` or ``choice:a,b`` as a :class:`Dimension` (ConfigError: what is wrong)."""
    whole = f"{key}={spec}"
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if not key or kind not in KINDS or not rest.strip():
        raise ConfigError(
            t(
                "sweep.space.form",
                "--space takes KEY=KIND:LOW:HIGH or KEY=choice:A,B with KIND one of {kinds}, e.g. "
                "optim.lr=loguniform:1e-4:1e-1; got {spec}.",
                kinds=", ".join(KINDS[:-1]),
                spec=repr(whole),
            )
        )
    if kind == "choice":
        return Dimension(key, kind, choices=_choices(whole, rest))
    parts = rest.split(":")
    integer = kind in ("int", "logint")
    if len(parts) not in (2, 3) or (len(parts) == 3 and kind in ("loguniform", "logint")):
        raise ConfigError(
            t(
                "sweep.space.bounds",
                "--space {spec}: {kind} takes LOW:HIGH{step}.",
                spec=whole,
                kind=kind,
                step="" if kind in ("loguniform", "logint") else "[:STEP]",
            )
        )
    low, high = (_number(whole, p.strip(), integer) for p in parts[:2])
    step = _number(whole, parts[2].strip(), integer) if len(parts) == 3 else None
    if low > high:
        raise ConfigError(
            t(
                "sweep.space.order",
                "--space {spec}: the low end {low} is above the high end {high}.",
                spec=whole,
                low=parts[0],
                high=parts[1],
            )
        )
    if kind in ("loguniform", "logint") and low <= 0:
        raise ConfigError(
            t(
                "sweep.space.log",
                "--space {spec}: a log range must start above 0, not at {low}.",
                spec=whole,
                low=parts[0],
            )
        )
    if step is not None and step <= 0:
        raise ConfigError(t("sweep.space.step", "--space {spec}: the step must be above 0.", spec=whole))
    return Dimension(key, kind, float(low), float(high), step)


def parse_space(items: Iterable[str], file: Path | None = None) -> tuple[Dimension, ...]:
    """``--space KEY=SPEC`` texts and a ``--space-file``; a key given twice is refused."""
    pairs: list[tuple[str, str | list[Any]]] = []
    if file is not None:
        pairs.extend(_space_file(file).items())
    for item in items:
        key, sep, spec = item.partition("=")
        if not sep:
            raise ConfigError(
                t(
                    "sweep.space.equals",
                    "--space takes KEY=SPEC, e.g. optim.lr=loguniform:1e-4:1e-1; got {value}.",
                    value=repr(item),
                )
            )
        pairs.append((key.strip(), spec.strip()))
    space: dict[str, Dimension] = {}
    for key, spec in pairs:
        if key in space:
            raise ConfigError(t("sweep.space.twice", "The search space names {key} twice.", key=key))
        space[key] = (
            Dimension(key, "choice", choices=_choices(key, json.dumps(spec)))
            if isinstance(spec, list)
            else parse_dimension(key, spec)
        )
    if not space:
        raise ConfigError(
            t(
                "sweep.space.none",
                "A sweep needs a search space: --space KEY=SPEC (e.g. optim.lr=loguniform:1e-4:1e-1).",
            )
        )
    return tuple(space.values())


def _space_file(path: Path) -> dict[str, str | list[Any]]:
    try:
        data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ConfigError(
            t(
                "sweep.space.file",
                "Cannot read the space file '{path}': {reason}.",
                path=shown(path),
                reason=getattr(err, "strerror", None) or err.__class__.__name__,
            )
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, (str, list)) for v in data.values()):
        raise ConfigError(
            t(
                "sweep.space.file_form",
                "The space file '{path}' must hold one JSON object of KEY: SPEC text or a list of choices.",
                path=shown(path),
            )
        )
    return data


def check_space(cfg: ExperimentConfig, space: Sequence[Dimension]) -> None:
    """Every key is a setting of ``cfg`` and every end of every range a value it accepts (ConfigError otherwise)."""
    for dim in space:
        if dim.key in ("model", "version") or dim.key.startswith("data.name"):
            raise ConfigError(
                t(
                    "sweep.space.fixed",
                    "--space cannot vary {key}: a sweep compares runs of one model on one dataset.",
                    key=dim.key,
                )
            )
        ends: tuple[Any, ...] = dim.choices if dim.kind == "choice" else (dim.low, dim.high)
        for value in ends:
            if dim.kind in ("int", "logint"):
                value = int(value)
            apply_overrides(cfg, {dim.key: value})  # an unknown key or a refused value: the config's sentence


def grid_space(space: Sequence[Dimension]) -> dict[str, list[Any]]:
    """The grid sampler's search space; ConfigError names a dimension without countable values."""
    grid: dict[str, list[Any]] = {}
    size = 1
    for dim in space:
        values = dim.grid()
        if values is None:
            raise ConfigError(
                t(
                    "sweep.grid.uncountable",
                    "--sampler grid needs countable values: {spec} has none (use choice, int, or uniform with a "
                    "step, e.g. uniform:0:0.5:0.1).",
                    spec=dim.text(),
                )
            )
        grid[dim.key] = values
        size *= len(values)
    if size > MAX_GRID:
        raise ConfigError(
            t("sweep.grid.size", "The grid has {size} points, more than {most}.", size=size, most=MAX_GRID)
        )
    return grid


def decode_params(space: Sequence[Dimension], params: Mapping[str, Any]) -> dict[str, Any]:
    """A trial's params as config values (choices of lists decoded); keys outside the space kept as stored."""
    dims = {d.key: d for d in space}
    return {k: dims[k].decode(v) if k in dims else v for k, v in params.items()}


__all__ = ["KINDS", "Dimension", "check_space", "decode_params", "grid_space", "parse_dimension", "parse_space"]
