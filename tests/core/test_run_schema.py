"""Fuzzing a real run folder: every field of checkpoint.pt, the weights' metadata, dataset.json, summary.json and
config.json made the wrong type, missing, out of range or huge, then resumed, forked, exported, sampled and opened.

Each command either works or raises a VisionLabError whose message is one sentence; never another exception.
The whole fuzz runs under an address-space limit a few GB above where it started, so a field that made the
program try to allocate without bound (dataset.json's "61 TB" image) fails the test instead of only the machine:
such an allocation would end as an "Out of memory" sentence, which is not accepted here either.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.data import load_dataset
from vision_lab.core.errors import VisionLabError
from vision_lab.core.export import export_run
from vision_lab.core.inference import load_run_models
from vision_lab.core.inspect import Inspector
from vision_lab.core.lineage import fork_run, resume_run
from vision_lab.core.runs import open_run, run_info
from vision_lab.core.trainer import run_to_end

GB = 1 << 30
HEADROOM = 3 * GB
"""What the fuzz may allocate beyond where it started: a few models and datasets of this size, not terabytes."""
DELETE = object()
MUTATIONS: dict[str, Any] = {
    "missing": DELETE,
    "text": "x",
    "a list": [1, 2],
    "null": None,
    "negative": -1,
    "huge": 10**30,
    "huge float": 1e300,
    "long text": "y" * 100_000,
}


@contextlib.contextmanager
def address_space_bound(headroom: int) -> Iterator[None]:
    """Allocations past the current address space plus ``headroom`` fail (MemoryError) while inside."""
    with open("/proc/self/status") as fh:
        vm = int(next(line for line in fh if line.startswith("VmSize:")).split()[1]) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (vm + headroom, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.fixture(scope="module")
def data():
    return load_dataset("mnist-5k")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, data) -> dict[str, Path]:
    """A tiny MLP run stopped mid-epoch (its checkpoint keeps the epoch's losses) and a tiny GAN run (for sample)."""
    root = tmp_path_factory.mktemp("schema")
    mlp = with_overrides(
        default_config("mlp"),
        **{"data.limit": 64, "mlp.hidden": (8,), "train.batch_size": 16, "train.epochs": 2, "train.max_steps": 3},
    )
    gan = with_overrides(
        default_config("gan"),
        **{"data.limit": 64, "gan.g_width": 16, "gan.d_width": 8, "gan.judge_samples": 10, "train.max_steps": 1},
    )
    for name, cfg in (("mlp", mlp), ("gan", gan)):
        assert run_to_end(cfg, dataset=data, run_dir=root / name).status == "completed"
    assert "losses" in torch.load(root / "mlp" / "checkpoint.pt", weights_only=True)
    return {"mlp": root / "mlp", "gan": root / "gan"}


# --- the mutations ------------------------------------------------------------------------------------------------


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *path, last = dotted.split(".")
    for part in path:
        data = data[int(part)] if isinstance(data, list) else data[part]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


def json_mutation(name: str, field: str, value: Any) -> Callable[[Path], None]:
    def mutate(run: Path) -> None:
        data = json.loads((run / name).read_text())
        _set(data, field, value)
        (run / name).write_text(json.dumps(data))

    return mutate


def checkpoint_mutation(field: str, value: Any) -> Callable[[Path], None]:
    def mutate(run: Path) -> None:
        state = torch.load(run / "checkpoint.pt", weights_only=True)
        if field:
            _set(state, field, value)
        else:
            state = value
        buf = io.BytesIO()
        torch.save(state, buf)
        (run / "checkpoint.pt").write_bytes(buf.getvalue())

    return mutate


def weights_mutation(meta: dict[str, Any] | None = None, tensors: Callable[[dict], dict] | None = None):
    def mutate(run: Path) -> None:
        from safetensors import safe_open

        path = run / "weights.safetensors"
        with safe_open(str(path), "pt") as fh:
            metadata = dict(fh.metadata())
        values = load_file(str(path))
        for key, value in (meta or {}).items():
            if value is DELETE:
                metadata.pop(key, None)
            else:
                metadata[key] = value
        save_file(tensors(values) if tensors else values, str(path), metadata=metadata)

    return mutate


def symlink_to_dev_zero(name: str) -> Callable[[Path], None]:
    def mutate(run: Path) -> None:
        (run / name).unlink()
        (run / name).symlink_to("/dev/zero")

    return mutate


def _reshape_first(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    key = next(k for k in tensors if k.endswith("weight"))
    return {**tensors, key: torch.zeros(3, 5)}


def _drop_first(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    key = next(iter(tensors))
    return {k: v for k, v in tensors.items() if k != key}


# (what, mutation, which commands read it)
CASES: list[tuple[str, Callable[[Path], None], tuple[str, ...]]] = []
# Which commands read each file (summary.json and config.json are read by open_run, which all of them call: the
# commands that use their values afterwards are enough).
READS = {
    "checkpoint": ("resume", "fork"),
    "weights": ("resume", "fork", "export", "open", "sample"),
    "dataset": ("export", "open", "sample"),
    "summary": ("open",),
    "config": ("resume", "export", "open"),
}
for field in (
    "format", "optimizers", "step", "epoch", "batch", "steps_per_epoch", "rng", "base_lr", "metrics_rows",
    "elapsed_s", "status", "task", "losses", "log_from",
):  # fmt: skip
    for label in ("missing", "text", "a list", "negative", "huge"):
        mutation = checkpoint_mutation(field, MUTATIONS[label])
        CASES.append((f"checkpoint {field}: {label}", mutation, READS["checkpoint"]))
CASES += [
    ("checkpoint: a list", checkpoint_mutation("", [1, 2]), READS["checkpoint"]),
    ("checkpoint rng: wrong size", checkpoint_mutation("rng", torch.zeros(10, dtype=torch.uint8)), READS["checkpoint"]),
    ("checkpoint rng: wrong type", checkpoint_mutation("rng", torch.zeros(5056)), READS["checkpoint"]),
    ("checkpoint losses: wrong shape", checkpoint_mutation("losses", torch.zeros(5, 7)), READS["checkpoint"]),
    ("checkpoint losses: wrong width", checkpoint_mutation("losses", torch.zeros(3, 2)), READS["checkpoint"]),
    ("checkpoint batch: past the epoch", checkpoint_mutation("batch", 99), READS["checkpoint"]),
    ("checkpoint optimizer: moments of the wrong shape",
     checkpoint_mutation("optimizers.model.state.0.exp_avg", torch.zeros(3)), READS["checkpoint"]),
    ("checkpoint optimizer: a text learning rate",
     checkpoint_mutation("optimizers.model.param_groups.0.lr", "fast"), READS["checkpoint"]),
    ("checkpoint optimizer: a negative epsilon",
     checkpoint_mutation("optimizers.model.param_groups.0.eps", -1.0), READS["checkpoint"]),
    ("checkpoint optimizer: betas of one", checkpoint_mutation("optimizers.model.param_groups.0.betas", [0.9]),
     READS["checkpoint"]),
    ("checkpoint optimizer: no groups", checkpoint_mutation("optimizers.model.param_groups", []), READS["checkpoint"]),
    ("checkpoint optimizer: another name", checkpoint_mutation("optimizers", {"other": {}}), READS["checkpoint"]),
    ("checkpoint task: a text", checkpoint_mutation("task", {"last_g_loss": "x"}), READS["checkpoint"]),
    ("checkpoint: /dev/zero", symlink_to_dev_zero("checkpoint.pt"), READS["checkpoint"]),
]  # fmt: skip
for value in ("abc", "-1", "1e30", "9" * 30, "", " 3", "３", DELETE):
    CASES.append((f"weights step: {value!r:.12}", weights_mutation({"step": value}), READS["weights"]))
CASES += [
    ("weights format: missing", weights_mutation({"format": DELETE}), READS["weights"]),
    ("weights: a tensor of the wrong shape", weights_mutation(tensors=_reshape_first), READS["weights"]),
    ("weights: a tensor missing", weights_mutation(tensors=_drop_first), READS["weights"]),
    ("weights: /dev/zero", symlink_to_dev_zero("weights.safetensors"), READS["weights"]),
]
for field in ("name", "source", "train_size", "val_size", "image_shape", "class_names", "notes"):
    for label, value in MUTATIONS.items():
        CASES.append((f"dataset.json {field}: {label}", json_mutation("dataset.json", field, value), READS["dataset"]))
for label, shape in {
    "61 TB": [4_000_000, 4_000_000, 1],
    "a negative side": [-1, 28, 1],
    "two dims": [28, 28],
    "four dims": [28, 28, 1, 1],
    "two channels": [28, 28, 2],
    "a different size": [14, 14, 1],
    "text sizes": ["28", "28", "1"],
}.items():
    CASES.append((f"dataset.json image_shape: {label}", json_mutation("dataset.json", "image_shape", shape),
                  READS["dataset"]))  # fmt: skip
CASES += [
    ("dataset.json: a list", lambda run: (run / "dataset.json").write_text("[1, 2]"), READS["dataset"]),
    ("dataset.json: /dev/zero", symlink_to_dev_zero("dataset.json"), READS["dataset"]),
    ("dataset.json class_names: a million", json_mutation("dataset.json", "class_names", ["c"] * 1_000_000),
     READS["dataset"]),
]  # fmt: skip
SUMMARY_FIELDS = ("status", "steps", "epochs", "seconds", "samples_per_s", "model", "dataset", "classes", "val_loss",
                  "parent", "lr_changes")  # fmt: skip
for field in SUMMARY_FIELDS:
    for label, value in MUTATIONS.items():
        CASES.append((f"summary.json {field}: {label}", json_mutation("summary.json", field, value), READS["summary"]))
CASES += [
    ("summary.json parent: its run a number",
     json_mutation("summary.json", "parent", {"run": 5, "epoch": 0, "step": 0}), READS["summary"]),
    ("summary.json: /dev/zero", symlink_to_dev_zero("summary.json"), READS["summary"]),
    ("summary.json lr_changes: a rate as text", json_mutation("summary.json", "lr_changes", [[3, "fast"]]),
     READS["summary"]),
    ("summary.json lr_changes: a pair of three", json_mutation("summary.json", "lr_changes", [[3, 0.1, 2]]),
     READS["summary"]),
    ("metrics.csv: /dev/zero", symlink_to_dev_zero("metrics.csv"), ("resume", "open")),
]  # fmt: skip
CONFIG_FIELDS = ("model", "data", "train", "mlp", "version", "train.epochs", "train.batch_size", "data.name",
                 "mlp.hidden")  # fmt: skip
for field in CONFIG_FIELDS:
    for label in ("missing", "text", "null", "negative", "huge"):
        CASES.append((f"config.json {field}: {label}", json_mutation("config.json", field, MUTATIONS[label]),
                      READS["config"]))  # fmt: skip
CASES.append(("config.json: /dev/zero", symlink_to_dev_zero("config.json"), READS["config"]))


# --- the commands -------------------------------------------------------------------------------------------------


def _resume(run: Path, tmp: Path, data) -> None:
    for _ in resume_run(run, {"train.max_steps": 4}, dataset=data).events():
        pass


def _fork(run: Path, tmp: Path, data) -> None:
    for _ in fork_run(run, {"train.max_steps": 4}, run_dir=tmp / "fork", dataset=data).events():
        pass


def _export(run: Path, tmp: Path, data) -> None:
    export_run(run, "safetensors", tmp / "out.safetensors")


def _open(run: Path, tmp: Path, data) -> None:
    """What File > Open run and the runs list read: the record, its list line, its final weights, its rows."""
    record = open_run(run)
    run_info(run)
    Inspector.from_run(run)
    record.metrics()


def _sample(run: Path, tmp: Path, data) -> None:
    images = load_run_models(run).generate(2)
    assert images.shape[0] == 2 and images.dtype == np.uint8


COMMANDS = {"resume": _resume, "fork": _fork, "export": _export, "open": _open, "sample": _sample}


def test_the_fuzz_covers_every_file_and_command() -> None:
    files = {what.split(" ")[0].split(":")[0] for what, _, _ in CASES}
    assert files == {"checkpoint", "weights", "dataset.json", "summary.json", "config.json", "metrics.csv"}
    assert {c for _, _, commands in CASES for c in commands} == set(COMMANDS)
    assert len(CASES) > 250


def test_no_field_of_a_run_folder_ends_in_a_traceback_or_an_unbounded_allocation(
    runs: dict[str, Path], data, tmp_path: Path
) -> None:
    outcomes: dict[str, int] = {"worked": 0, "refused": 0}
    failures: list[str] = []
    with address_space_bound(HEADROOM):
        for what, mutate, commands in CASES:
            for command in commands:
                source = runs["gan" if command == "sample" else "mlp"]
                work = tmp_path / "case"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                run = work / "run"
                shutil.copytree(source, run, symlinks=True)
                try:
                    mutate(run)
                except (KeyError, IndexError):
                    continue  # the field is not in this run's file (a GAN summary has no val_loss)
                try:
                    COMMANDS[command](run, work, data)
                    outcomes["worked"] += 1
                except VisionLabError as err:
                    text = str(err)
                    outcomes["refused"] += 1
                    if "\n" in text or not text.endswith((".", ")")) or "Out of memory" in text or len(text) > 600:
                        failures.append(f"{what} / {command}: {text!r:.300}")
                except Exception as err:  # the point of the test: no other exception escapes
                    failures.append(f"{what} / {command}: {type(err).__name__}: {err}"[:400])
    assert not failures, f"{len(failures)} of {sum(outcomes.values())}:\n" + "\n".join(failures)
    assert outcomes["refused"] > 400 and outcomes["worked"] > 20, outcomes  # both kinds happened


def test_a_damaged_field_is_named_in_the_sentence(runs: dict[str, Path], tmp_path: Path) -> None:
    cases = [
        (json_mutation("dataset.json", "image_shape", [4_000_000, 4_000_000, 1]),
         lambda run: export_run(run, "safetensors", tmp_path / "out.safetensors"),
         r"dataset\.json in .* is damaged: the image height is 4000000, outside 1 to 4096\."),
        (checkpoint_mutation("step", "ten"), lambda run: resume_run(run, {"train.max_steps": 4}),
         r"checkpoint in .* is damaged: 'step' is text, not a whole number\."),
        (weights_mutation({"step": "abc"}), load_run_models,
         r"weights file .* is damaged: its step 'abc' is not a whole number\."),
        (json_mutation("summary.json", "epochs", "many"), open_run,
         r"summary\.json in .* is damaged: 'epochs' is text, not a number\."),
    ]  # fmt: skip
    for i, (mutate, command, pattern) in enumerate(cases):
        run = tmp_path / f"run{i}"
        shutil.copytree(runs["mlp"], run)
        mutate(run)
        with pytest.raises(VisionLabError, match=pattern):
            command(run)


def test_an_untouched_folder_passes_every_command(runs: dict[str, Path], data, tmp_path: Path) -> None:
    for command, function in COMMANDS.items():
        work = tmp_path / command
        work.mkdir()
        run = work / "run"
        shutil.copytree(runs["gan" if command == "sample" else "mlp"], run)
        function(run, work, data)
    cfg = ExperimentConfig.load(runs["mlp"] / "config.json")
    assert cfg.mlp.hidden == (8,)
    assert os.path.isfile(runs["mlp"] / "summary.json")
