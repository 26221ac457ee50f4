"""A run's weights on disk: safetensors files written and read, and checked against the model they load into.

Apart from :mod:`runs` because weights are written by more than the run folder (the judge's, a model saved without
its run) and read without one (export, Open run); reading a header needs no torch.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError, safe_open

from vision_lab.core import run_schema
from vision_lab.core.atomic import atomic_save
from vision_lab.core.errors import RunError
from vision_lab.core.i18n import t
from vision_lab.core.safe_io import shown

if TYPE_CHECKING:  # reading a header needs no torch: only writing and loading do
    import torch


def save_weights(path: Path, modules: dict[str, torch.nn.Module], metadata: dict[str, str] | None = None) -> None:
    states = {
        name: {key: t.detach().cpu().contiguous() for key, t in module.state_dict().items()}
        for name, module in modules.items()
    }
    _save_states(path, states, metadata)


def _save_states(path: Path, states: dict[str, dict[str, torch.Tensor]], metadata: dict[str, str] | None) -> None:
    """One safetensors file of every module's state, keys ``module.key``: the format all weights files share."""
    tensors = {f"{name}.{key}": t for name, state in states.items() for key, t in state.items()}
    meta = {"format": "vision-lab/1", **(metadata or {})}
    atomic_save(path, lambda tmp: save_safetensors(tensors, tmp, meta))


def save_safetensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """safetensors' save_file, whose I/O failures (disk full, file too large) become the OSError they are."""
    from safetensors.torch import save_file

    try:
        save_file(tensors, str(path), metadata=metadata)
    except SafetensorError as err:
        found = re.search(r"os error (\d+)", str(err))
        if found is None:
            raise
        code = int(found.group(1))
        raise OSError(code, os.strerror(code), str(path)) from None


def weights_metadata(path: Path) -> dict[str, str]:
    """The metadata of a safetensors file (``{}`` when it has none); its step and epoch are checked whole numbers."""
    meta, _header = _weights_header(path)
    return meta


def _weights_header(path: Path) -> tuple[dict[str, str], dict[str, tuple[tuple[int, ...], str]]]:
    """A weights file's metadata and its tensors' shapes and types, read from its header alone (no tensor data)."""
    if not os.path.lexists(path):
        raise RunError(t("run.no_weights_file", "The run has no weights file '{path}'.", path=path))
    run_schema.check_weights_file(path)
    try:
        with safe_open(str(path), framework="numpy") as fh:  # the header alone: no need to load torch
            meta = dict(fh.metadata() or {})
            header = {}
            for key in fh.keys():  # noqa: SIM118 - a safetensors handle, not a dict
                part = fh.get_slice(key)
                header[key] = (tuple(part.get_shape()), str(part.get_dtype()))
    except FileNotFoundError:
        raise RunError(t("run.no_weights_file", "The run has no weights file '{path}'.", path=path)) from None
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise RunError(
            t(
                "run.weights_file_corrupt",
                "The weights file '{path}' is corrupt or not a safetensors file ({error}).",
                path=path,
                error=err,
            )
        ) from None
    return run_schema.weights_metadata(meta, f"The weights file '{shown(path)}'"), header


def load_weights(path: Path, modules: dict[str, torch.nn.Module], *, check_only: bool = False) -> None:
    """Load ``modules`` from a weights file, once its header shows the file holds exactly their tensors
    (``check_only``: only that; ``modules`` may then be on the meta device, shapes without memory)."""
    _meta, header = _weights_header(path)
    run_schema.check_weights_fit(path, header, modules)
    if check_only:
        return
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(path))
    except FileNotFoundError:
        raise RunError(t("run.no_weights_file", "The run has no weights file '{path}'.", path=path)) from None
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise RunError(
            t(
                "run.weights_file_corrupt",
                "The weights file '{path}' is corrupt or not a safetensors file ({error}).",
                path=path,
                error=err,
            )
        ) from None
    for name, module in modules.items():
        prefix = f"{name}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        problem = _misfit(state, module, prefix)
        if problem is None:
            try:
                module.load_state_dict(state)
            except RuntimeError as err:
                problem = str(err).splitlines()[0]
        if problem is not None:
            raise RunError(
                t(
                    "run.weights_do_not",
                    "The weights in '{path}' do not fit the run's model: {problem}.",
                    path=shown(path),
                    problem=problem,
                )
            )


def _misfit(state: dict[str, torch.Tensor], module: torch.nn.Module, prefix: str) -> str | None:
    """What stops ``state`` loading into ``module``, as a clause naming the layer (PyTorch's own message starts with
    "Error(s) in loading state_dict for Sequential:" and puts the useful part on the lines after)."""
    own = module.state_dict()
    for key, tensor in own.items():
        if key not in state:
            return f"the file has no {prefix}{key}"
        if tuple(state[key].shape) != tuple(tensor.shape):
            return (
                f"{prefix}{key} is {_shape(state[key])} in the file but {_shape(tensor)} in the model (the data or the "
                "model settings changed since it was saved)"
            )
    extra = sorted(set(state) - set(own))
    return f"the file has {prefix}{extra[0]}, which the model has not" if extra else None


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(map(str, tensor.shape)) or "a single number"
