"""What every family is tested for, whichever it is: it trains a few steps, resumes bit for bit, exports in every
format it declares (each checked against PyTorch here, apart from the export's own check) and opens in the window.

Nothing here names a family: the tests that use these helpers are parametrized over the registry
(``families.names()``), so a new family gets them by being registered, and tests/core/test_family_plugin.py runs
them on a family declared in a test file alone.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.events import Finished, Metrics, Preview
from vision_lab.core.lineage import fork_run, resume_run
from vision_lab.core.runs import TIMING_COLUMNS
from vision_lab.core.trainer import Trainer, TrainerControl

STEPS_PER_EPOCH = 4
BATCH = 16
TOL = 1e-5


def tiny_config(key: str, **dotted: object) -> ExperimentConfig:
    """The family at its declared toy size on 64 images of mnist-5k (of its own dataset where it learns from masks
    or boxes: scenes): 2 epochs of 4 steps, a row every 3 steps (rows that straddle epoch ends and stops), the
    cosine schedule (its rate depends on the step)."""
    family = families.get(key)
    cfg = default_config(key)
    if family.tiny is not None:
        cfg = family.tiny(cfg)
    base = {
        "data.name": cfg.data.name if family.target in ("mask", "boxes") else "mnist-5k",
        "data.limit": BATCH * STEPS_PER_EPOCH,
        "data.val_limit": 24,
        "train.epochs": 2,
        "train.batch_size": BATCH,
        "train.log_every": 3,
        "train.lr_schedule": "cosine",
    }
    return with_overrides(cfg, **{**base, **dotted})


def rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "metrics.csv", newline="") as fh:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(fh)]


def train(key: str, run_dir: Path, **dotted: object) -> tuple[Finished, list[object]]:
    """A whole tiny run written to ``run_dir``; its Finished event and every event before it."""
    events = list(Trainer(tiny_config(key, **dotted), run_dir=run_dir).events())
    done = events[-1]
    assert isinstance(done, Finished), done
    return done, events


def check_a_run(key: str, run_dir: Path) -> None:
    """A family's tiny run finished, reported its declared losses and figures, previewed its declared kind."""
    family = families.get(key)
    done, events = train(key, run_dir)
    assert done.status == "completed" and done.step == 2 * STEPS_PER_EPOCH, done.message
    metrics = [e for e in events if isinstance(e, Metrics)]
    assert metrics and all(k in metrics[-1].values for k in family.losses)
    assert family.headline in done.summary, (family.headline, done.summary)
    previews = [e for e in events if isinstance(e, Preview)]
    assert previews and {p.kind for p in previews} == {family.preview}
    assert all(np.isfinite(v) for m in metrics for v in m.values.values())
    saved = load_file(str(run_dir / "weights.safetensors"))
    assert saved and all(torch.isfinite(t).all() for t in saved.values())
    header = rows(run_dir)[0].keys()
    assert set(family.losses) <= set(header) and family.headline in header


def check_resume(key: str, tmp: Path, stop_at: int = STEPS_PER_EPOCH + 1) -> None:
    """Stopped at ``stop_at`` (mid-epoch) and resumed: the weights and metrics.csv rows of the unbroken run."""
    whole = tmp / "whole"
    train(key, whole)
    broken = tmp / "broken"
    control = TrainerControl(report_every_step=True)
    trainer = Trainer(tiny_config(key), run_dir=broken, control=control)
    for event in trainer.events():
        if isinstance(event, Metrics) and event.step == stop_at:
            control.request_stop()
    assert json.loads((broken / "summary.json").read_text())["status"] == "stopped"
    resumed = list(resume_run(broken).events())[-1]
    assert isinstance(resumed, Finished) and resumed.status == "completed", resumed
    a, b = load_file(str(whole / "weights.safetensors")), load_file(str(broken / "weights.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ"
    assert rows(whole) == rows(broken), "resumed metrics.csv differs"


def check_fork(key: str, tmp: Path, stop_at: int = STEPS_PER_EPOCH + 1) -> None:
    """A fork with no changes from a stopped run's latest checkpoint trains as the unbroken run would (weights bit
    for bit); a fork from epoch 1's weights with another learning rate records its parent and trains on from them."""
    whole = tmp / "whole"
    train(key, whole)
    parent = tmp / "parent"
    control = TrainerControl(report_every_step=True)
    for event in Trainer(tiny_config(key), run_dir=parent, control=control).events():
        if isinstance(event, Metrics) and event.step == stop_at:
            control.request_stop()
    same = list(fork_run(parent, run_dir=tmp / "same").events())[-1]
    assert isinstance(same, Finished) and same.status == "completed", same
    a, b = load_file(str(whole / "weights.safetensors")), load_file(str(tmp / "same" / "weights.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "a fork without changes differs"

    changed = list(fork_run(whole, {"optim.lr": 3e-3}, epoch=1, run_dir=tmp / "changed").events())[-1]
    assert isinstance(changed, Finished) and changed.status == "completed", changed
    summary = json.loads((tmp / "changed" / "summary.json").read_text())
    assert summary["parent"]["epoch"] == 1 and Path(summary["parent"]["run"]) == whole.resolve()
    first = rows(tmp / "changed")[0]
    assert int(first["step"]) > STEPS_PER_EPOCH  # the counters continue the parent's epoch 1
    c = load_file(str(tmp / "changed" / "weights.safetensors"))
    assert any(not torch.equal(a[k], c[k]) for k in a), "the fork with another rate ended where its parent did"


def check_exports(run_dir: Path, tmp: Path) -> list[str]:
    """Every format the family declares, each compared with PyTorch on a batch unlike the export's own check."""
    import onnxruntime

    from vision_lab.core.export import check_inputs, export_run, exported_module
    from vision_lab.core.inference import load_run_models

    loaded = load_run_models(run_dir)
    spec = loaded.config.family.export
    module = exported_module(loaded)[1]
    x = check_inputs(loaded, 13)[0][8:]  # 5 inputs the export's own check (the first 8) did not use
    with torch.no_grad():
        expected = module(x)
    formats = ["safetensors", "torchscript", "onnx", *(["script"] if spec.script is not None else [])]
    for fmt in formats:
        result = export_run(run_dir, fmt, tmp / f"export-{fmt}")
        assert fmt == "safetensors" or (result.max_abs_diff is not None and result.max_abs_diff <= TOL), (fmt, result)
    weights = load_file(str(tmp / "export-safetensors.safetensors"))
    assert all(torch.equal(weights[k], v) for k, v in module.state_dict().items())
    traced = torch.jit.load(str(tmp / "export-torchscript.pt"))
    with torch.no_grad():
        assert (traced(x) - expected).abs().max() <= TOL
        for name, inputs in (spec.methods(module, x) if spec.methods is not None else {}).items():
            assert (getattr(traced, name)(inputs) - getattr(module, name)(inputs)).abs().max() <= TOL
    session = onnxruntime.InferenceSession(str(tmp / "export-onnx.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert np.abs(got - expected.numpy()).max() <= TOL
    if "script" in formats:
        # The script as `python script.py --input .. --output ..` runs it, with vision_lab made unimportable.
        np.save(tmp / "in.npy", x.numpy())
        code = (
            "import runpy, sys\n"
            "sys.modules['vision_lab'] = None\n"
            "sys.argv = ['export-script.py', '--input', 'in.npy', '--output', 'out.npy']\n"
            "runpy.run_path('export-script.py', run_name='__main__')\n"
        )
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "vision_lab" not in (tmp / "export-script.py").read_text()
        np.testing.assert_allclose(np.load(tmp / "out.npy"), expected.numpy(), rtol=0, atol=TOL)
    return formats
