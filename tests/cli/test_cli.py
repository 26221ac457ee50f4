"""The real CLI in a subprocess: a user's mistakes give exit code 2 and one sentence, never a traceback."""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

TINY = ["--limit", "128", "--epochs", "1", "--batch-size", "32", "-q"]


def cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "vision_lab", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def assert_user_error(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]


def write_idx(path: Path, array: np.ndarray, magic_type: int = 0x08) -> None:
    header = bytes([0, 0, magic_type, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_train_writes_a_complete_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = cli("train", "--model", "mlp", *TINY, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and 0 <= summary["val_accuracy"] <= 1
    # config.json re-runs the experiment.
    again = cli("train", "--config", str(out / "config.json"), "-q", "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "again" / "config.json").read_text()) == json.loads((out / "config.json").read_text())


def test_gan_sample_writes_npz(tmp_path: Path) -> None:
    out = tmp_path / "gan"
    result = cli("train", "--model", "gan", "--limit", "64", "--max-steps", "2", "-q", "--out", str(out))
    assert result.returncode == 0, result.stderr
    npz = tmp_path / "s.npz"
    result = cli("sample", str(out), "-n", "5", "--out", str(npz))
    assert result.returncode == 0, result.stderr
    images = np.load(npz)["images"]
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.uint8


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "--model", "rnn"], "invalid choice"),
        (["train", "--dataset", "imagenet-22k"], "imagenet-22k"),
        (["train", "--batch-size", "0"], "train.batch_size"),
        (["train", "--batch-size", "-3"], "train.batch_size"),
        (["train", "--lr", "nan"], "learning rate"),
        (["train", "--lr", "-0.1"], "learning rate"),
        (["train", "--epochs", "ten"], "invalid int value"),
        (["train", "--dataset", "/no/such/folder"], "does not exist"),
        (["train", "--config", "/no/such.json"], "does not exist"),
        (["train", "--device", "cuda"], "cuda"),
        (["sample", "/no/such/run", "--out", "x.npz"], "does not exist"),
    ],
)
def test_user_mistakes_exit_2_with_one_sentence(args: list[str], fragment: str, tmp_path: Path) -> None:
    if args[-1] == "cuda":
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
    assert_user_error(cli(*args, "--out", str(tmp_path / "r")) if args[0] == "train" else cli(*args), fragment)
    assert not (tmp_path / "r").exists()


def test_malformed_and_unknown_key_configs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": "cnn", "train": {"epochs": 2')
    assert_user_error(cli("train", "--config", str(bad)), "not valid JSON")
    bad.write_text('{"model": "cnn", "trian": {}}')
    assert_user_error(cli("train", "--config", str(bad)), "Unknown config key trian")


def test_broken_idx_and_empty_folders(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    idx.mkdir()
    write_idx(idx / "train-images-idx3-ubyte.gz", np.zeros((10, 28, 28)))
    write_idx(idx / "train-labels-idx1-ubyte.gz", np.zeros(10))
    # Truncate the images file: the header claims 10 images.
    raw = gzip.decompress((idx / "train-images-idx3-ubyte.gz").read_bytes())
    (idx / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(raw[:-100]))
    result = cli("train", "--dataset", str(idx), "--out", str(tmp_path / "r"))
    assert_user_error(result, "train-images-idx3-ubyte")
    (idx / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x01\x02" + raw[2:]))
    assert_user_error(cli("train", "--dataset", str(idx), "--out", str(tmp_path / "r")), "train-images-idx3-ubyte")
    empty = tmp_path / "empty"
    (empty / "cats").mkdir(parents=True)
    assert_user_error(cli("train", "--dataset", str(empty), "--out", str(tmp_path / "r")), str(empty))
    assert not (tmp_path / "r").exists()


def test_existing_run_folder_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert_user_error(cli("train", "--model", "mlp", *TINY, "--out", str(out)), "not empty")
    assert (out / "keep.txt").read_text() == "mine"


def test_datasets_lists_everything_offline_state() -> None:
    result = cli("datasets")
    assert result.returncode == 0, result.stderr
    for name in ("mnist-5k", "shapes", "fashion-mnist", "mnist", "kmnist", "cifar10"):
        assert name in result.stdout
    first = next(line for line in result.stdout.splitlines() if line.startswith("mnist-5k"))
    assert "available offline" in first
