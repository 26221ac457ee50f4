"""The CLI as users run it on several processes: ``torchrun --nproc_per_node=2 -m vision_lab train --config``."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from safetensors.torch import load_file

from vision_lab.core.config import default_config, with_overrides
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.inference import load_run_models
from vision_lab.core.runs import open_run


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def _losses(run: Path) -> list[tuple[int, float]]:
    with open(run / "metrics.csv", newline="") as fh:
        return [(int(r["step"]), float(r["train_loss"])) for r in csv.DictReader(fh) if r["train_loss"]]


def test_one_experiment_file_trains_the_same_on_one_and_two_processes(tmp_path: Path) -> None:
    # Nothing random in a step (no dropout, batch norm or shifts): 2 processes × 16 images must equal 1 × 32.
    cfg = dataclasses.replace(default_config("mlp"), mlp=MLPConfig(hidden=(32,), dropout=0.0, batch_norm=False))
    cfg = with_overrides(
        cfg,
        **{
            "data.limit": 256,
            "data.val_limit": 100,
            "train.epochs": 1,
            "train.batch_size": 32,
            "train.augment_shift": 0,
            "train.log_every": 1,
            "train.device": "cpu",
        },
    )
    exp = tmp_path / "exp.json"
    exp.write_text(cfg.to_json())
    one = _run(["-m", "vision_lab", "train", "--config", "exp.json", "--out", "one", "-q"], tmp_path)
    assert one.returncode == 0, one.stderr
    torchrun = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    two = _run([*torchrun, "-m", "vision_lab", "train", "--config", "exp.json", "--out", "two", "-q"], tmp_path)
    assert two.returncode == 0, two.stderr

    # Rank 0 alone prints and writes.
    assert two.stdout.split() == ["two"], two.stdout
    assert two.stderr.count("Training mlp on mnist-5k") == 1 and "on 2 processes" in two.stderr, two.stderr
    assert two.stderr.count("Finished 1 epoch ") == 1, two.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json", "one", "two"]

    run_one, run_two = tmp_path / "one", tmp_path / "two"
    assert json.loads((run_two / "config.json").read_text()) == json.loads((run_one / "config.json").read_text())
    a, b = _losses(run_one), _losses(run_two)
    assert [s for s, _ in a] == [s for s, _ in b] == list(range(1, 9))
    for (step, x), (_, y) in zip(a, b, strict=True):
        assert abs(x - y) <= 1e-5, (step, x, y)
    wa, wb = load_file(str(run_one / "weights.safetensors")), load_file(str(run_two / "weights.safetensors"))
    assert wa.keys() == wb.keys()
    assert max(float((wa[k] - wb[k]).abs().max()) for k in wa) <= 1e-5

    record = open_run(run_two)
    assert record.complete and record.summary["status"] == "completed"
    assert load_run_models(run_two).task.modules["model"].training is False


def test_mixed_precision_without_cuda_is_one_sentence(tmp_path: Path) -> None:
    result = _run(
        ["-m", "vision_lab", "train", "--model", "mlp", "--device", "cpu", "--precision", "fp16", "--out", "r"],
        tmp_path,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "train.precision 'fp16'" in lines[0] and "CUDA" in lines[0], result.stderr
    assert not (tmp_path / "r").exists()
