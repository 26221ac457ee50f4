"""Take a trained model out of Vision Lab: weights, TorchScript, ONNX, a plain-PyTorch script, or the metrics.

What is exported is the family's to say (``Family.export``, :class:`~vision_lab.core.families.base.ExportSpec`),
always in eval mode (dropout off, batch norm on its running statistics): a classifier's model (float32 N×C×H×W
images scaled to [0, 1] -> N×classes logits; the class names are in the metadata), the autoencoder whole with its
halves as methods, the GAN's generator (noise -> images in [-1, 1]); each family module's docstring says more.

Every format that runs (TorchScript, ONNX, script) is checked right after it is written: its outputs on a
batch of the run's validation images (noise for a GAN; random images in the input range when the dataset
cannot be loaded here) are compared with PyTorch's, and an export off by more than ``tolerance`` is deleted
and reported. The batch differs in size from the one traced, so a batch size baked into the graph is caught.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import inspect
import json
import os
import shutil
import sys
import textwrap
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from vision_lab.core.atomic import atomic_path
from vision_lab.core.errors import ExportError, RunError, VisionLabError
from vision_lab.core.export_targets import (
    EXPORT_FORMAT,
    FORMATS,
    TITLES,
    export_target,
)
from vision_lab.core.families import ExportSpec
from vision_lab.core.i18n import N_, t, text
from vision_lab.core.inference import LoadedRun, load_run_models
from vision_lab.core.runs import METRICS, open_run
from vision_lab.core.safe_io import MAX_CSV, check_file, os_reason, shown

TOLERANCE = 1e-5
"""Per unit of the largest output PyTorch gives on the check batch (1e-5 outright for outputs within ±1): float32
rounds relative to magnitude, and a trained U-Net's 11×64×64 logits (up to ±19) differed from ONNX Runtime's by
1.2e-5 after twenty layers, with every value right to 7 digits."""
ONNX_OPSET = 17
CHECK_BATCH = 8
TRACE_BATCH = 2
ONNX_MISSING = N_("export.onnx_missing", "ONNX export needs the onnx extra: pip install 'vision-lab[onnx]'.")


@dataclass(frozen=True)
class ExportResult:
    format: str
    path: Path
    files: tuple[Path, ...]
    """Everything written: the script's weights file besides the script."""
    module: str
    """Which of the run's modules: ``model``, ``generator`` or ``generator_ema``; empty for csv."""
    max_abs_diff: float | None
    """Largest difference from PyTorch's outputs; None where nothing runs (safetensors, csv)."""
    checked_on: str
    """What the check ran on, e.g. ``8 validation images``."""

    def describe(self) -> str:
        """One line for a status bar or the CLI."""
        title = text(TITLES[self.format])
        if self.max_abs_diff is None:
            return t("export.wrote", "Wrote the {title} export to {path}.", title=title, path=self.path)
        return t(
            "export.wrote_checked",
            "Wrote the {title} export to {path}; checked on {checked_on}: max abs difference from PyTorch {diff}.",
            title=title,
            path=self.path,
            checked_on=self.checked_on,
            diff=f"{self.max_abs_diff:.2g}",
        )


def export_run(
    run_dir: str | Path, fmt: str, out: str | Path, *, tolerance: float = TOLERANCE, force: bool = False
) -> ExportResult:
    """Export the run in ``run_dir`` as ``fmt`` (one of :data:`FORMATS`) to ``out``.

    ``out`` is a file name (its suffix may be left off) or an existing folder (the file is named after the
    run). ``script`` also writes the weights beside the script (same name, ``.safetensors``). Mistakes and a
    failed check raise :class:`~vision_lab.core.errors.VisionLabError` subclasses with one sentence; where the
    export goes is checked first, by :func:`export_target` (``force``: write over a file that is not an earlier
    export of this kind).
    """
    path = export_target(run_dir, fmt, out, force=force)
    record = open_run(run_dir)
    if fmt == "csv":
        source = record.path / METRICS
        if not os.path.lexists(source):
            raise RunError(
                t(
                    "export.no_metrics",
                    "The run in '{path}' has no {file} to export.",
                    path=shown(record.path),
                    file=METRICS,
                )
            )
        check_file(source, f"The run's {METRICS}", MAX_CSV, RunError)  # a FIFO would block the copy
        with _writing(path) as tmp:
            shutil.copyfile(source, tmp)
        return ExportResult(fmt, path, (path,), "", None, "")
    if fmt == "onnx":
        _require_onnx()
    loaded = load_run_models(record.path)
    name, module = exported_module(loaded)
    inputs, checked_on = check_inputs(loaded)
    exporter = {"onnx": _onnx, "torchscript": _torchscript, "script": _script, "safetensors": _safetensors}[fmt]
    files, diff = exporter(loaded, module, inputs, path)
    if diff is not None:
        with torch.no_grad():
            tolerance *= max(1.0, float(module(inputs).detach().abs().max()))
    if diff is not None and not diff <= tolerance:  # NaN fails too
        for f in files:
            f.unlink(missing_ok=True)
        raise ExportError(
            t(
                "export.differs",
                "The {title} export differs from PyTorch by up to {diff} (more than {tolerance}) on "
                "{checked_on}, so it was not kept.",
                title=text(TITLES[fmt]),
                diff=f"{diff:.2g}",
                tolerance=f"{tolerance:g}",
                checked_on=checked_on,
            )
        )
    return ExportResult(fmt, path, files, name, diff, checked_on if diff is not None else "")


def _spec(loaded: LoadedRun) -> ExportSpec:
    return loaded.config.family.export


def exported_module(loaded: LoadedRun) -> tuple[str, nn.Module]:
    """The module a run exports (the first of its family's ``ExportSpec.modules`` it has), in eval mode."""
    task = loaded.task
    name = next((m for m in _spec(loaded).modules if m in task.modules), "")
    if not name:
        raise ExportError(
            t(
                "export.no_module",
                "The {model} run in '{path}' has no module to export.",
                model=loaded.config.model,
                path=shown(loaded.record.path),
            )
        )
    return name, task.modules[name].eval()


def check_inputs(loaded: LoadedRun, n: int = CHECK_BATCH) -> tuple[torch.Tensor, str]:
    """A batch to compare outputs on: validation images (noise for a GAN), as the exported model takes them."""
    task, cfg = loaded.task, loaded.config
    gen = torch.Generator().manual_seed(0)
    if _spec(loaded).noise_input:
        noise = torch.randn(n, task.latent_dim, generator=gen)  # type: ignore[attr-defined]
        return noise, t("export.checked_on_noise", "{n} noise vectors", n=n)
    from vision_lab.core.run_data import prepare_dataset, to_tensor

    with contextlib.suppress(VisionLabError, OSError):
        ds = prepare_dataset(cfg)  # offline only: an export never downloads
        if len(ds.val_images) and ds.image_shape == loaded.dataset.image_shape:
            x = to_tensor(ds.val_images[:n], task.value_range, torch.device("cpu"))
            return x, t("export.checked_on_val", "{n} validation images", n=len(x))
    h, w, c = loaded.dataset.image_shape
    lo, hi = task.value_range
    noise = lo + (hi - lo) * torch.rand(n, c, h, w, generator=gen)
    return noise, t("export.checked_on_random", "{n} random images (the dataset is not here)", n=n)


# --- the formats: each writes its file(s), checks them, and returns (files, max abs difference) ---------
Written = tuple[tuple[Path, ...], float | None]


def _safetensors(loaded: LoadedRun, module: nn.Module, inputs: torch.Tensor, path: Path) -> Written:
    tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
    with _writing(path) as tmp:
        save_file(tensors, str(tmp), metadata=_metadata(loaded))
        back = load_file(str(tmp))
        if back.keys() != tensors.keys() or not all(torch.equal(back[k], v) for k, v in tensors.items()):
            raise ExportError(
                t(
                    "export.read_back",
                    "The weights written to '{path}' did not read back the same; the disk may be full.",
                    path=path,
                )
            )
    return (path,), None


def _torchscript(loaded: LoadedRun, module: nn.Module, inputs: torch.Tensor, path: Path) -> Written:
    example = inputs[:TRACE_BATCH]
    methods = _spec(loaded).methods
    with torch.no_grad(), _quiet():
        if methods is not None:  # methods besides forward (the autoencoder's halves), traced with their inputs
            traced = torch.jit.trace_module(module, {"forward": example, **methods(module, example)})
        else:
            traced = torch.jit.trace(module, example)
    with _writing(path) as tmp:
        with _quiet():
            # The metadata as an extra file: how a later export recognises this one as its own to replace.
            torch.jit.save(traced, str(tmp), _extra_files={"vision_lab.json": json.dumps(_metadata(loaded))})
            back = torch.jit.load(str(tmp))
        with torch.no_grad():
            diff = _max_diff(back(inputs), module(inputs))
            for name, x in (methods(module, inputs) if methods is not None else {}).items():
                diff = max(diff, _max_diff(getattr(back, name)(x), getattr(module, name)(x)))
    return (path,), diff


def _require_onnx() -> None:
    try:
        import onnx  # noqa: F401 - the exporter needs it
        import onnxruntime  # noqa: F401 - the check needs it
    except ImportError:
        raise ExportError(text(ONNX_MISSING)) from None


def _onnx(loaded: LoadedRun, module: nn.Module, inputs: torch.Tensor, path: Path) -> Written:
    import onnx
    import onnxruntime

    in_name, out_name = _spec(loaded).input_name, _spec(loaded).output_name
    with _writing(path) as tmp:
        with torch.no_grad(), _quiet():
            # The TorchScript-based exporter: it needs only onnx (the dynamo one also needs onnxscript) and
            # gives a graph with a free batch dimension from dynamic_axes.
            torch.onnx.export(
                module,
                (inputs[:TRACE_BATCH],),
                str(tmp),
                input_names=[in_name],
                output_names=[out_name],
                opset_version=ONNX_OPSET,
                dynamic_axes={in_name: {0: "batch"}, out_name: {0: "batch"}},
                **({"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}),
            )
        proto = onnx.load(str(tmp))
        for key, value in _metadata(loaded).items():
            proto.metadata_props.add(key=key, value=value)
        onnx.save(proto, str(tmp))
        session = onnxruntime.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        (got,) = session.run([out_name], {in_name: inputs.numpy()})
        with torch.no_grad():
            diff = _max_diff(torch.from_numpy(got), module(inputs))
    return (path,), diff


def _script(loaded: LoadedRun, module: nn.Module, inputs: torch.Tensor, path: Path) -> Written:
    weights = path.with_suffix(".safetensors")
    _safetensors(loaded, module, inputs, weights)
    try:
        with _writing(path) as tmp:
            tmp.write_text(script_source(loaded, module, weights.name), encoding="utf-8")
            standalone = _import_file(tmp)
            rebuilt = standalone.load_model(weights)
            with torch.no_grad():
                diff = _max_diff(rebuilt(inputs), module(inputs))
    except BaseException:
        weights.unlink(missing_ok=True)
        raise
    return (path, weights), diff


# --- the standalone script ----------------------------------------------------------------------------------------
def script_source(loaded: LoadedRun, module: nn.Module, weights_name: str) -> str:
    """The text of a standalone Python file that rebuilds ``module`` in plain PyTorch and runs it."""
    cfg, ds = loaded.config, loaded.dataset
    h, w, c = ds.image_shape
    lo, hi = loaded.task.value_range
    make = _spec(loaded).script
    if make is None:
        raise ExportError(
            t(
                "export.no_script",
                "A {family} cannot be written as a standalone script yet.",
                family=text(cfg.family.title),
            )
        )
    parts = make(module, (c, h, w), tuple(ds.class_names))
    head = {
        "IMAGE_SHAPE": (c, h, w),
        "VALUE_RANGE": (lo, hi),
        "CLASS_NAMES": list(ds.class_names),
        **parts.constants,
    }
    # Code gets repr() (a literal whatever the text); the docstring gets _docstring_text (no quote, backslash or
    # control character can end it early): a file or run name is data, never code.
    constants = "".join(f"{k} = {v!r}\n" for k, v in head.items())
    title = f"The {cfg.model} of the Vision Lab run '{loaded.record.path.name}', rebuilt in plain PyTorch"
    return _TEMPLATE.format(
        title=_docstring_text(title),
        doc=textwrap.fill(parts.doc, 110),
        weights=_docstring_text(weights_name),
        weights_literal=repr(weights_name),
        constants=constants,
        body=parts.body,
        run=parts.demo,
        script=_docstring_text(weights_name.rsplit(".", 1)[0] + ".py"),
    )


def _docstring_text(text: str) -> str:
    """``text`` for a triple-quoted docstring, escaped so that the docstring's value is exactly ``text``."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '\\"':
            out.append("\\" + ch)
        elif code < 32 or code == 127 or 0xD800 <= code <= 0xDFFF:  # controls; lone surrogates of undecodable names
            out.append(f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


_TEMPLATE = '''"""{title}.

{doc}
Weights: {weights} beside this file. Needs torch, numpy and safetensors; not Vision Lab.

    python {script}                                # a demo on a seeded random batch
    python {script} --input x.npy --output y.npy   # x: inputs as above (float32), or uint8 N×H×W×C images
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

{constants}WEIGHTS = Path(__file__).with_name({weights_literal})


{body}

def load_model(weights: str | Path = WEIGHTS) -> nn.Module:
    model = build_model()
    model.load_state_dict(load_file(str(weights)))
    return model.eval()


def to_input(array: np.ndarray) -> torch.Tensor:
    """float inputs as they are; uint8 N×H×W×C images scaled to VALUE_RANGE as N×C×H×W."""
    x = torch.from_numpy(np.ascontiguousarray(array))
    if x.dtype == torch.uint8:
        lo, hi = VALUE_RANGE
        x = x.permute(0, 3, 1, 2).float() * ((hi - lo) / 255.0) + lo
    return x.float()

{run}

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="a .npy batch; default: a seeded random demo batch")
    parser.add_argument("--output", type=Path, help="save the raw outputs as .npy")
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("-n", type=int, default=8, help="demo batch size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = load_model(args.weights)
    x = to_input(np.load(args.input, allow_pickle=False)) if args.input else demo_batch(args.n, args.seed)
    with torch.no_grad():
        y = run(model, x)
    if args.output:
        np.save(args.output, y.numpy())


if __name__ == "__main__":
    main()
'''


# --- helpers ----------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _writing(path: Path) -> Iterator[Path]:
    """A temp file beside ``path`` that replaces it only if the block succeeds; folder errors in one sentence."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            yield tmp
    except OSError as err:
        raise ExportError(
            t("export.cannot_write", "Cannot write '{path}': {reason}.", path=shown(path), reason=os_reason(err))
        ) from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """TorchScript and the TorchScript-based ONNX exporter announce their deprecation on every call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        yield


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    if a.shape != b.shape:
        return float("inf")
    return float((a.detach().double() - b.detach().double()).abs().max())


def _metadata(loaded: LoadedRun) -> dict[str, str]:
    h, w, c = loaded.dataset.image_shape
    return {
        "format": EXPORT_FORMAT,
        "family": loaded.config.model,
        "image_shape": json.dumps([c, h, w]),
        "value_range": json.dumps(list(loaded.task.value_range)),
        "class_names": json.dumps(list(loaded.dataset.class_names)),
        "run": loaded.record.path.name,
    }


def _import_file(path: Path) -> Any:
    """Import a generated script from its (temp) file, as a module of its own."""
    name = f"_vision_lab_export_{uuid.uuid4().hex}"
    # An explicit source loader: the temp file's name does not end in .py.
    spec = importlib.util.spec_from_file_location(
        name, path, loader=importlib.machinery.SourceFileLoader(name, str(path))
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and the like look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


__all__ = [
    "FORMATS",
    "ONNX_MISSING",
    "TOLERANCE",
    "ExportResult",
    "check_inputs",
    "export_run",
    "exported_module",
]
