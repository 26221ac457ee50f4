"""Data-parallel training: two real processes (gloo, CPU) against one, on tiny real models; mixed precision's guard.

The processes are started with ``torch.multiprocessing.spawn`` and find each other through the same
environment variables torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), so the trainer
takes exactly the path it takes under torchrun (tests/cli/test_torchrun.py runs torchrun itself).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.multiprocessing as mp
from safetensors.torch import load_file

from vision_lab.core import distributed
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.config import with_overrides as _with
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Finished
from vision_lab.core.export import export_run
from vision_lab.core.families.autoencoder import AutoencoderConfig
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.inference import load_run_models
from vision_lab.core.inspect import Inspector
from vision_lab.core.runs import open_run
from vision_lab.core.trainer import Trainer

TOL = 1e-5


def mlp_config(**dotted: Any) -> ExperimentConfig:
    """No dropout, no batch norm, no random shifts: nothing random in a step, so 2×B/2 must equal 1×B."""
    cfg = dataclasses.replace(default_config("mlp"), mlp=MLPConfig(hidden=(32,), dropout=0.0, batch_norm=False))
    base = {
        "data.limit": 256,
        "data.val_limit": 100,
        "train.epochs": 2,
        "train.batch_size": 32,
        "train.augment_shift": 0,
        "train.log_every": 1,
        "train.device": "cpu",
    }
    return _with(cfg, **{**base, **dotted})


def tiny(family: str, **dotted: Any) -> ExperimentConfig:
    parts = {
        "gan": {"gan": GANConfig(g_width=16, d_width=8, judge_samples=50)},
        "autoencoder": {"autoencoder": AutoencoderConfig(latent_dim=2, hidden=(32,))},
    }[family]
    cfg = dataclasses.replace(default_config(family), **parts)
    base = {"data.limit": 128, "data.val_limit": 100, "train.epochs": 2, "train.batch_size": 32, "train.device": "cpu"}
    return _with(cfg, **{**base, **dotted})


# --- two processes --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, jobs: dict[str, dict[str, Any]], out: str) -> None:
    """One rank: run each job (a new run, or a resume) in turn; what it saw goes to ``out``/rank-R.json."""
    os.environ.update(
        RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    )
    torch.set_num_threads(1)  # two processes on two cores
    from vision_lab.core.lineage import resume_run

    report: dict[str, dict[str, Any]] = {}
    try:
        for name, job in jobs.items():
            try:
                if "resume" in job:
                    trainer = resume_run(job["resume"], job.get("overrides"))
                else:
                    trainer = Trainer(ExperimentConfig.from_json(job["config"]), run_dir=Path(job["run_dir"]))
                finished = [e for e in trainer.events() if isinstance(e, Finished)][-1]
                state = {f"{m}.{k}": v for m, mod in trainer.task.modules.items() for k, v in mod.state_dict().items()}
                report[name] = {
                    "status": finished.status,
                    "warnings": list(finished.warnings),
                    "shard": list(trainer._shard),
                    "weights": {k: v.tolist() for k, v in state.items()},
                }
            except ConfigError as err:
                report[name] = {"error": str(err)}
            torch.distributed.barrier()  # the next job may read what rank 0 has just written
        distributed.teardown()
    finally:  # an unexpected error propagates: spawn shows its traceback and stops the other rank
        Path(out, f"rank-{rank}.json").write_text(json.dumps(report))


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, dict[str, Any]]]]:
    """Every two-process run of this module, in ONE pair of spawned processes (starting Python and torch twice
    costs more than all the runs), each job writing its own run folder under the returned root."""
    root = tmp_path_factory.mktemp("two")
    runs = root / "runs"
    first = mlp_config(**{"train.lr_schedule": "constant", "train.epochs": 1})
    jobs: dict[str, dict[str, Any]] = {
        "mlp": {"config": mlp_config().to_json(), "run_dir": str(runs / "mlp")},
        "gan": {"config": tiny("gan", **{"gan.d_steps": 2}).to_json(), "run_dir": str(runs / "gan")},
        "autoencoder": {"config": tiny("autoencoder").to_json(), "run_dir": str(runs / "autoencoder")},
        # The article's GAN step: D and G step together from one pass (backward restricted to each model).
        "gan_simultaneous": {
            "config": tiny("gan", **{"gan.update": "simultaneous", "gan.ema": 0.0}).to_json(),
            "run_dir": str(runs / "gan_simultaneous"),
        },
        "first": {"config": first.to_json(), "run_dir": str(runs / "resumed")},
        "resume": {"resume": str(runs / "resumed"), "overrides": {"train.epochs": 2}},
        "odd_batch": {"config": mlp_config(**{"train.batch_size": 31}).to_json(), "run_dir": str(runs / "odd")},
    }
    out = root / "reports"
    out.mkdir()
    port = _free_port()
    mp.spawn(_worker, args=(2, port, jobs, str(out)), nprocs=2, join=True)
    return runs, [json.loads((out / f"rank-{r}.json").read_text()) for r in range(2)]


def _losses(run: Path, column: str = "train_loss") -> list[tuple[int, float]]:
    with open(run / "metrics.csv", newline="") as fh:
        return [(int(r["step"]), float(r[column])) for r in csv.DictReader(fh) if r[column]]


def _weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run / "weights.safetensors"))


def _same_curves(a: Path, b: Path) -> None:
    la, lb = _losses(a), _losses(b)
    assert [s for s, _ in la] == [s for s, _ in lb]
    for (step, x), (_, y) in zip(la, lb, strict=True):
        assert abs(x - y) <= TOL, (step, x, y)
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], atol=TOL, rtol=TOL, msg=k)


def test_two_processes_with_half_batches_match_one_process(two, mnist5k, tmp_path: Path) -> None:
    runs, reports = two
    one = tmp_path / "one"
    list(Trainer(mlp_config(), dataset=mnist5k, run_dir=one).events())
    _same_curves(one, runs / "mlp")
    losses = _losses(one)
    assert [s for s, _ in losses] == list(range(1, 17))  # a row per step: 2 epochs × 256/32 steps
    assert losses[-1][1] < losses[0][1] - 0.1  # equal curves, but not two flat lines
    acc_one, acc_two = _losses(one, "val_accuracy"), _losses(runs / "mlp", "val_accuracy")
    assert [s for s, _ in acc_one] == [s for s, _ in acc_two]  # pytest.approx takes no nested (step, value) pairs
    assert [v for _, v in acc_one] == pytest.approx([v for _, v in acc_two], abs=1e-6)
    r0, r1 = reports[0]["mlp"], reports[1]["mlp"]
    assert r0["status"] == r1["status"] == "completed"
    assert r0["warnings"] == r1["warnings"] == []
    assert r0["weights"] == r1["weights"]  # DDP averaged the gradients: both ranks made the same updates
    # Each rank trained on its half of every global batch of 32, not on all of it.
    assert (r0["shard"], r1["shard"]) == ([0, 16], [16, 32])


def test_rank_zero_alone_writes_a_run_that_opens_like_any_other(two, tmp_path: Path) -> None:
    runs, _ = two
    # Each rank was handed the same folders; a second writer would have failed on "not empty" or doubled rows.
    assert sorted(p.name for p in runs.iterdir()) == ["autoencoder", "gan", "gan_simultaneous", "mlp", "resumed"]
    run = runs / "mlp"
    names = {p.name for p in run.iterdir()}
    assert {"config.json", "dataset.json", "metrics.csv", "weights.safetensors", "checkpoint.pt"} <= names
    assert "summary.json" in names and "preview-predictions.png" in names
    steps = [s for s, _ in _losses(run)]
    assert steps == sorted(set(steps))
    record = open_run(run)
    assert record.complete and record.config == mlp_config() and record.summary["status"] == "completed"
    # No DDP "module." prefix: the run loads, inspects and exports like a one-process run.
    assert all(k.startswith("model.") and "module." not in k for k in _weights(run))
    loaded = load_run_models(run)
    assert loaded.task.modules["model"](torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert Inspector.from_run(run).family == "mlp"
    result = export_run(run, "safetensors", tmp_path / "exported")
    assert not any(k.startswith("module.") for k in load_file(str(result.path)))


@pytest.mark.parametrize("job", ["gan", "gan_simultaneous", "autoencoder"])
def test_gan_and_autoencoder_train_on_two_processes(two, job: str) -> None:
    runs, reports = two
    family = job.removesuffix("_simultaneous")
    r0, r1 = reports[0][job], reports[1][job]
    assert r0["status"] == r1["status"] == "completed"
    assert r0["warnings"] == [], r0["warnings"]
    # The ranks never drifted apart: weights, the GAN's averaged generator, batch-norm statistics.
    assert r0["weights"] == r1["weights"]
    run = runs / job
    record = open_run(run)
    assert record.complete and record.summary["steps"] == 2 * (128 // 32)
    kind = {"gan": "samples", "autoencoder": "reconstructions"}[family]
    assert (run / f"preview-{kind}.png").is_file()
    if family == "gan":
        assert {"judge_confidence", "judge_coverage"} <= record.summary.keys()
        assert load_run_models(run).generate(4).shape == (4, 28, 28, 1)
    else:
        assert 0 < record.summary["val_mse"] < 1


def test_resume_under_two_processes_continues_the_run(two, mnist5k, tmp_path: Path) -> None:
    runs, reports = two
    assert reports[0]["first"]["status"] == reports[0]["resume"]["status"] == "completed"
    unbroken = tmp_path / "unbroken"
    list(Trainer(mlp_config(**{"train.lr_schedule": "constant"}), dataset=mnist5k, run_dir=unbroken).events())
    _same_curves(unbroken, runs / "resumed")


def test_a_global_batch_that_does_not_split_is_refused(two) -> None:
    runs, reports = two
    for rep in reports:
        message = rep["odd_batch"]["error"]
        assert "train.batch_size (31)" in message and "multiple of 2" in message
        assert message.endswith(".") and ". " not in message  # one sentence
    assert not (runs / "odd").exists()


# --- one process --------------------------------------------------------------------------------------


def test_without_torchrun_variables_nothing_is_distributed(mnist5k, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    trainer = Trainer(mlp_config(**{"train.max_steps": 2}), dataset=mnist5k)
    assert trainer.world == distributed.SINGLE and trainer._train_modules is None
    list(trainer.events())
    assert not torch.distributed.is_initialized()
    # A world of one (torchrun --nproc_per_node=1) is the same plain path.
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert Trainer(mlp_config(), dataset=mnist5k)._train_modules is None


def test_rank_seeds_differ_but_rank_zero_keeps_the_single_process_stream() -> None:
    seeds = {distributed.rank_seed(0, r, 0) for r in range(1, 8)}
    assert len(seeds) == 7 and all(0 <= s < 2**63 for s in seeds)
    assert distributed.rank_seed(0, 1, 10) != distributed.rank_seed(0, 1, 0)


# --- mixed precision ---------------------------------------------------------------------------------------


def test_precision_round_trips_and_old_configs_default_to_fp32() -> None:
    cfg = _with(mlp_config(), **{"train.precision": "bf16"})
    assert ExperimentConfig.from_json(cfg.to_json()).train.precision == "bf16"
    data = cfg.to_dict()
    del data["train"]["precision"]  # a config written before the field existed
    assert ExperimentConfig.from_dict(data).train.precision == "fp32"
    data["train"]["precision"] = "fp8"
    with pytest.raises(ConfigError, match=r"train\.precision must be one of fp32, bf16, fp16"):
        ExperimentConfig.from_dict(data)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_off_cuda_is_refused_in_one_sentence(precision: str, mnist5k, tmp_path: Path) -> None:
    run = tmp_path / "run"
    with pytest.raises(ConfigError) as info:
        Trainer(mlp_config(**{"train.precision": precision}), dataset=mnist5k, run_dir=run)
    message = str(info.value)
    assert f"train.precision '{precision}'" in message and "CUDA" in message
    assert message.endswith(".") and ". " not in message
    assert not run.exists()
