"""What a run folder's files may hold: every field read from one is checked here before it is used.

A run folder from someone else (a download, a shared drive, a colleague's USB stick) is untrusted input, like a
dataset: a field of the wrong type, a missing key, a negative or astronomically large number must end in one
sentence naming the file and the field, not a KeyError from deep inside a resume or a 61 TB allocation in an
export. Every reader here reads through :mod:`vision_lab.core.safe_io` (regular files only, a size bound per kind,
so a symlink to ``/dev/zero`` is refused before a byte is read) and returns checked values or raises
:class:`~vision_lab.core.errors.RunError`.

Sizes that decide an allocation are bounded before anything is allocated: an image side at most
:data:`MAX_SIDE`, an image at most :data:`MAX_IMAGE_VALUES` values, and a model rebuilt from a folder no larger
than its weights file holds (:func:`check_weights_fit`, computed on PyTorch's ``meta`` device, where tensors have
shapes but no memory).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from vision_lab.core import families
from vision_lab.core.config import parse_json
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.events import DatasetSummary
from vision_lab.core.i18n import t
from vision_lab.core.safe_io import MAX_JSON, MAX_WEIGHTS, check_file, read_text, shown
from vision_lab.core.validate import MAX_EPOCHS

if TYPE_CHECKING:  # the JSON checks run in the window, which does not load torch to open a run folder
    import torch

MAX_STEP = 10**12
"""As train.max_steps: more steps than any run takes."""
MAX_SIDE = 4096
MAX_IMAGE_VALUES = 4096 * 4096
"""Height × width × channels of one image: a 4096×4096 grey or 2364×2364 colour image."""
MAX_IMAGES = 10**9
MAX_CLASSES = 100_000
MAX_TEXT = 10_000
"""Characters in a name, a source or a note."""
MAX_NOTES = 1_000
STATUSES = ("running", "completed", "stopped", "pruned", "diverged", "unsaved")


def _floats() -> tuple[torch.dtype, ...]:
    import torch

    return (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _numbers() -> tuple[torch.dtype, ...]:
    """A counter kept as a 0-d tensor (an optimizer's step) may be float or integer."""
    import torch

    return (*_floats(), torch.int32, torch.int64)


def _is_tensor(value: Any) -> bool:
    """Without importing torch: nothing is a tensor while torch is not loaded."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


class _Fields:
    """Checks for one file's fields; the first that fails raises RunError "<what> is damaged: <field> <problem>."."""

    def __init__(self, what: str) -> None:
        self.what = what

    def fail(self, field: str, problem: str) -> NoReturn:
        # The frame is translated; ``what`` and ``problem`` are still English phrases (run_reader's, this module's).
        raise RunError(
            t(
                "run_schema.damaged",
                "{what} is damaged: {field} {problem}.",
                what=self.what,
                field=field,
                problem=problem,
            )
        )

    def mapping(self, value: Any, field: str = "it") -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(field, f"is {_kind(value)}, not a dictionary")
        return value

    def required(self, data: Mapping[str, Any], key: str) -> Any:
        if key not in data:
            self.fail(f"'{key}'", "is missing")
        return data[key]

    def integer(self, data: Mapping[str, Any], key: str, lo: int, hi: int, *, default: int | None = None) -> int:
        value = self.required(data, key) if default is None else data.get(key, default)
        return self.whole(value, f"'{key}'", lo, hi)

    def whole(self, value: Any, field: str, lo: int, hi: int) -> int:
        if _is_tensor(value) and value.numel() == 1 and not value.is_floating_point():
            value = int(value.item())  # a 0-d integer tensor, as some writers keep counters
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"is {_kind(value)}, not a whole number")
        if not lo <= value <= hi:
            self.fail(field, f"is {_number(value)}, outside {lo} to {_number(hi)}")
        return value

    def number(self, data: Mapping[str, Any], key: str, lo: float, hi: float, *, default: float | None = None) -> float:
        value = self.required(data, key) if default is None else data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"'{key}'", f"is {_kind(value)}, not a number")
        if not (math.isfinite(value) and lo <= value <= hi):
            self.fail(f"'{key}'", f"is {_number(value)}, outside {lo:g} to {hi:g}")
        return float(value)

    def text(self, data: Mapping[str, Any], key: str, *, default: str | None = None, limit: int = MAX_TEXT) -> str:
        value = self.required(data, key) if default is None else data.get(key, default)
        return self.string(value, f"'{key}'", limit)

    def string(self, value: Any, field: str, limit: int = MAX_TEXT) -> str:
        if not isinstance(value, str):
            self.fail(field, f"is {_kind(value)}, not text")
        if len(value) > limit:
            self.fail(field, f"is {len(value):,} characters long, more than {limit:,}")
        return value

    def strings(self, data: Mapping[str, Any], key: str, limit: int, *, default: list[str] | None = None) -> list[str]:
        value = self.required(data, key) if default is None else data.get(key, default)
        if not isinstance(value, list):
            self.fail(f"'{key}'", f"is {_kind(value)}, not a list")
        if len(value) > limit:
            self.fail(f"'{key}'", f"holds {len(value):,} entries, more than {limit:,}")
        return [self.string(v, f"an entry of '{key}'") for v in value]

    def tensor(
        self, value: Any, field: str, *, dtypes: tuple[torch.dtype, ...], shape: tuple[int, ...] | None = None
    ) -> torch.Tensor:
        if not _is_tensor(value):
            self.fail(field, f"is {_kind(value)}, not a tensor")
        if value.dtype not in dtypes:
            self.fail(field, f"holds {str(value.dtype).removeprefix('torch.')} values")
        if shape is not None and tuple(value.shape) != shape:
            self.fail(field, f"has shape {_shape(value.shape)}, not {_shape(shape)}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true or false"
    if _is_tensor(value):
        return f"a tensor of shape {_shape(value.shape)}"
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        list: "a list",
        tuple: "a list",
        dict: "a dictionary",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _quoted(text: object) -> str:
    """A value from the file, quoted for a sentence: escaped, and cut short when long."""
    quoted = repr(text) if isinstance(text, str) else _kind(text)
    return quoted if len(quoted) <= 40 else f"{quoted[:36]}…{quoted[0]}"


def _key(key: object) -> str:
    text = str(key)
    return text if len(text) <= 40 and text.isprintable() else _quoted(text)


def _number(value: float) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 21 else f"a {len(text.lstrip('-'))}-digit number"


def _shape(shape: Any) -> str:
    return "×".join(map(str, shape)) or "scalar"


# --- JSON files -------------------------------------------------------------------------------------------------


def read_json(path: Path, what: str) -> Any:
    """A JSON file of a run folder, bounded in size and nesting; RunError in one sentence otherwise."""
    text = read_text(path, what, MAX_JSON, RunError)
    try:
        return parse_json(text, f"{what} '{shown(path)}'")
    except ConfigError as err:
        raise RunError(str(err)) from None


def dataset_summary(data: Any, what: str) -> DatasetSummary:
    """dataset.json's fields, checked: the image shape decides what an export or Open run allocates."""
    f = _Fields(what)
    d = f.mapping(data)
    shape = f.required(d, "image_shape")
    if not isinstance(shape, list) or len(shape) != 3:
        f.fail("'image_shape'", f"is {_kind(shape)}" + (f" of {len(shape)}" if isinstance(shape, list) else ""))
    h = f.whole(shape[0], "the image height", 1, MAX_SIDE)
    w = f.whole(shape[1], "the image width", 1, MAX_SIDE)
    c = f.whole(shape[2], "the image channel count", 1, 3)
    if c == 2:
        f.fail("the image channel count", "is 2, not 1 or 3")
    if h * w * c > MAX_IMAGE_VALUES:
        f.fail("'image_shape'", f"is {h}×{w}×{c}, more than {MAX_IMAGE_VALUES:,} values an image")
    return DatasetSummary(
        name=f.text(d, "name"),
        source=f.text(d, "source", default=""),
        train_size=f.integer(d, "train_size", 0, MAX_IMAGES),
        val_size=f.integer(d, "val_size", 0, MAX_IMAGES),
        image_shape=(h, w, c),
        class_names=tuple(f.strings(d, "class_names", MAX_CLASSES)),
        notes=tuple(f.strings(d, "notes", MAX_NOTES, default=[])),
    )


def parent_link(data: Any, what: str) -> dict[str, Any]:
    """parent.json (or summary.json's "parent"): ``{"run": path, "epoch": e, "step": s}``."""
    f = _Fields(what)
    d = f.mapping(data, "'parent'" if "summary" in what else "it")
    return {
        "run": f.text(d, "run"),
        "epoch": f.integer(d, "epoch", 0, MAX_EPOCHS),
        "step": f.integer(d, "step", 0, MAX_STEP),
    }


def summary(data: Any, what: str) -> dict[str, Any]:
    """summary.json: the run's final figures; every value a number, a short text, or null (NaN is a figure too)."""
    f = _Fields(what)
    d = dict(f.mapping(data))
    out: dict[str, Any] = {}
    for key in d:
        if len(key) > 100:
            f.fail(f"a key ({_quoted(key)})", "is too long to be a figure's name")
    for key, value in d.items():
        if key == "parent":
            out[key] = parent_link(value, what)
        elif key == "status":
            out[key] = f.text(d, key)
            if value not in STATUSES:
                f.fail("'status'", f"is {_quoted(value)}, not one of {', '.join(STATUSES)}")
        elif key == "model":
            if value not in families.names():
                f.fail("'model'", f"is {_quoted(value) if isinstance(value, str) else _kind(value)}, not a family")
            out[key] = value
        elif key == "steps":
            out[key] = f.integer(d, key, 0, MAX_STEP)
        elif key == "classes":
            out[key] = f.integer(d, key, 0, MAX_CLASSES)
        elif key == "lr_changes":
            out[key] = _lr_changes(f, value)
        elif key in ("epochs", "seconds", "samples_per_s"):
            out[key] = f.number(d, key, 0.0, 1e15)
        elif isinstance(value, str):
            out[key] = f.text(d, key)
        elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            if isinstance(value, int) and abs(value) > 10**18:
                f.fail(f"'{key}'", f"is {_number(value)}, not a figure")
            out[key] = value
        # Anything else is a field this version does not know (a newer Vision Lab's): not read, so left out.
    return out


def _lr_changes(f: _Fields, value: Any) -> list[list[float]]:
    """summary.json's learning rates set while the run trained: ``[[step, rate], ...]``."""
    if not isinstance(value, list) or len(value) > 1_000_000:
        f.fail("'lr_changes'", f"is {_kind(value)}, not a list of [step, rate] pairs")
    out: list[list[float]] = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2):
            f.fail("an entry of 'lr_changes'", f"is {_kind(pair)}, not a [step, rate] pair")
        step = f.whole(pair[0], "a step in 'lr_changes'", 0, MAX_STEP)
        rate = pair[1]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not (math.isfinite(rate) and rate > 0):
            shown_rate = _number(rate) if isinstance(rate, int | float) and not isinstance(rate, bool) else _kind(rate)
            f.fail("a rate in 'lr_changes'", f"is {shown_rate}, not a positive number")
        out.append([step, float(rate)])
    return out


# --- weights files ----------------------------------------------------------------------------------------------


def weights_metadata(meta: Mapping[str, str], what: str) -> dict[str, Any]:
    """A safetensors file's metadata: its step and epoch (whole numbers, written as text) when present."""
    f = _Fields(what)
    out: dict[str, Any] = dict(meta)
    for key, hi in (("step", MAX_STEP), ("epoch", MAX_EPOCHS)):
        if key in meta:
            text = meta[key]
            if not (isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 20):
                f.fail(f"its {key}", f"{_quoted(text)} is not a whole number")
            out[key] = f.whole(int(text), f"its {key}", 0, hi)
    return out


def check_weights_file(path: Path) -> int:
    """The size of a weights file that is a regular file of a sane size (else RunError in one sentence)."""
    return check_file(path, "The weights file", MAX_WEIGHTS, RunError)


def expected_shapes(modules: Mapping[str, torch.nn.Module]) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Every tensor a weights file must hold for ``modules`` (keys ``module.key``), from shapes alone."""
    return {
        f"{name}.{key}": (tuple(t.shape), t.dtype)
        for name, module in modules.items()
        for key, t in module.state_dict().items()
    }


def check_weights_fit(
    path: Path, header: Mapping[str, tuple[tuple[int, ...], str]], modules: Mapping[str, torch.nn.Module]
) -> None:
    """The file's tensors (``header``: name -> (shape, dtype name), read without the data) are exactly the ones
    ``modules`` have, shape for shape; RunError naming the first that is not. Works on ``meta`` modules, so a
    model is known to fit its file before it is allocated."""
    want = expected_shapes(modules)
    for key, (shape, _dtype) in want.items():
        if key not in header:
            raise RunError(
                t(
                    "run_schema.weights_lack",
                    "The weights in '{path}' do not fit the run's model (they lack '{key}').",
                    path=shown(path),
                    key=key,
                )
            )
        if tuple(header[key][0]) != shape:
            raise RunError(
                t(
                    "run_schema.weights_shape",
                    "The weights in '{path}' do not fit the run's model ('{key}' is {shape}, the model's is {want}).",
                    path=shown(path),
                    key=key,
                    shape=_shape(header[key][0]),
                    want=_shape(shape),
                )
            )
    extra = sorted(k for k in header if k.split(".", 1)[0] in modules and k not in want)
    if extra:
        raise RunError(
            t(
                "run_schema.weights_extra",
                "The weights in '{path}' do not fit the run's model (it has no '{key}').",
                path=shown(path),
                key=extra[0],
            )
        )


# --- checkpoint.pt ----------------------------------------------------------------------------------------------


def checkpoint(state: Any, what: str, n_losses: int | None = None) -> dict[str, Any]:
    """checkpoint.pt's counters and states, checked for type and range (``n_losses``: the task's losses, the loss
    buffer's width). The optimizer states depend on the model: :func:`optimizer_state` checks them against it."""
    f = _Fields(what)
    d = dict(f.mapping(state))
    step = f.integer(d, "step", 0, MAX_STEP)
    f.integer(d, "epoch", 0, MAX_EPOCHS)
    batch = f.integer(d, "batch", 0, MAX_STEP)
    if "steps_per_epoch" in d:
        spe = f.integer(d, "steps_per_epoch", 1, MAX_STEP)
        if batch > spe:  # == spe: stopped after the epoch's last step, before the next epoch began
            f.fail("'batch'", f"is {batch}, past the epoch's {spe} steps")
    if batch > step:
        f.fail("'batch'", f"is {batch}, more than the run's {step} steps")
    f.integer(d, "format", 1, 2, default=2)
    import torch

    rng = torch.get_rng_state()
    f.tensor(
        f.required(d, "rng"), "'rng' (the random number generator's state)", dtypes=(rng.dtype,), shape=tuple(rng.shape)
    )
    if "base_lr" in d:
        f.number(d, "base_lr", 0.0, 1e30)
    if d.get("metrics_rows") is not None:
        f.integer(d, "metrics_rows", 0, MAX_STEP)
    f.number(d, "elapsed_s", 0.0, 1e12, default=0.0)
    status = d.get("status", "running")
    if status not in STATUSES:
        f.fail("'status'", f"is {_quoted(status) if isinstance(status, str) else _kind(status)}, not a run status")
    task = f.mapping(d.get("task", {}), "'task'")
    for key, value in task.items():
        f.tensor(value, f"'task.{_key(key)}'", dtypes=_floats(), shape=())
    if "losses" in d:
        losses = f.tensor(d["losses"], "'losses'", dtypes=_floats())
        width = losses.shape[1] if losses.dim() == 2 else -1
        if len(losses) != batch or width < 1 or (n_losses is not None and width != n_losses):
            f.fail("'losses'", f"has shape {_shape(losses.shape)}, not one row per step of the epoch so far ({batch})")
        f.integer(d, "log_from", 0, batch)
    optimizers = f.mapping(f.required(d, "optimizers"), "'optimizers'")
    for name, saved in optimizers.items():
        opt = f.mapping(saved, f"'optimizers.{_key(name)}'")
        f.mapping(f.required(opt, "state"), f"'optimizers.{_key(name)}.state'")
        groups = f.required(opt, "param_groups")
        if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
            f.fail(f"'optimizers.{_key(name)}.param_groups'", f"is {_kind(groups)}, not a list of settings")
    return d


def optimizer_state(saved: Any, optimizer: torch.optim.Optimizer, name: str, what: str) -> None:
    """A saved optimizer state that ``optimizer.load_state_dict`` takes and its next step can use: the same groups
    of the same parameters, settings of the same kinds, and moments shaped like the parameters."""
    f = _Fields(what)
    field = f"'optimizers.{name}'"
    groups = saved["param_groups"]
    mine = optimizer.param_groups
    if len(groups) != len(mine):
        f.fail(field, f"has {len(groups)} parameter groups, the model's optimizer {len(mine)}")
    shapes: dict[int, tuple[int, ...]] = {}
    for g, (group, live) in enumerate(zip(groups, mine, strict=True)):
        ids = group.get("params")
        if not isinstance(ids, list) or len(ids) != len(live["params"]) or not all(type(i) is int for i in ids):
            f.fail(f"{field}'s group {g}", "does not list the model's parameters")
        shapes.update(zip(ids, (tuple(p.shape) for p in live["params"]), strict=True))
        for key, value in live.items():
            if key == "params" or key not in group:
                continue
            if not _same_kind(group[key], value):
                f.fail(f"{field}'s setting '{key}'", f"is {_kind(group[key])}, not like {_kind(value)}")
    for pid, entry in saved["state"].items():
        if pid not in shapes:
            f.fail(f"{field}'s state", f"refers to a parameter ({pid!r:.20}) the model does not have")
        values = f.mapping(entry, f"{field}'s state of parameter {pid}")
        for key, value in values.items():
            if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                continue
            where = f"{field}'s '{key}' of parameter {pid}"
            tensor = f.tensor(value, where, dtypes=_numbers())
            if tensor.dim() and (tensor.dtype not in _floats() or tuple(tensor.shape) != shapes[pid]):
                f.fail(
                    f"{field}'s '{key}' of parameter {pid}",
                    f"has shape {_shape(tensor.shape)}, the parameter {_shape(shapes[pid])}",
                )


def _same_kind(saved: Any, live: Any) -> bool:
    """An optimizer setting of the kind the live one has (a rate a finite number, betas a pair of them, ...)."""
    if live is None:  # "let PyTorch choose" (foreach, fused): a choice or none
        return saved is None or isinstance(saved, bool)
    if isinstance(live, bool):
        return isinstance(saved, bool)
    if isinstance(live, int | float):
        return isinstance(saved, int | float) and not isinstance(saved, bool) and math.isfinite(saved) and saved >= 0
    if isinstance(live, tuple | list):
        return (
            isinstance(saved, tuple | list)
            and len(saved) == len(live)
            and all(_same_kind(s, v) for s, v in zip(saved, live, strict=True))
        )
    if _is_tensor(live):
        return _is_tensor(saved) and saved.shape == live.shape
    return isinstance(saved, type(live))


__all__ = [
    "MAX_IMAGE_VALUES",
    "MAX_SIDE",
    "MAX_STEP",
    "check_weights_file",
    "check_weights_fit",
    "checkpoint",
    "dataset_summary",
    "optimizer_state",
    "parent_link",
    "read_json",
    "summary",
    "weights_metadata",
]
