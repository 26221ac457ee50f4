"""Issue 17, item 3: special files in every place the program reads one. A FIFO, ``/dev/zero`` (through a symlink), a
symlink loop, a 17 GB sparse file and a folder, each where a config, a dataset, an image, an IDX file, a CIFAR batch
or a run folder's file should be: every case ends at once (a hang fails the test at its timeout), exits with 2 and one
sentence naming what the file is, never a traceback. Most cases run :func:`vision_lab.cli.main` in this process (a
subprocess per case would cost a torch import each); a few run the real command in a process with a timeout.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.cli import main
from vision_lab.core.data.idx import write_idx

KINDS = ("fifo", "/dev/zero", "symlink loop", "huge sparse", "folder")
# What the one sentence says for each kind; a few places word it their own way (see EXPECTED_OVERRIDES).
SAYS = {
    "fifo": "pipe (FIFO)",
    "/dev/zero": "a device",
    "symlink loop": "loop of symbolic links",
    "huge sparse": "far larger than such a file can be",
    "folder": "folder",
}
TIMEOUT = 30  # seconds: far above what any case takes (under 2 s), far below "hangs forever"


def make_special(path: Path, kind: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/zero":
        os.symlink("/dev/zero", path)
    elif kind == "symlink loop":
        os.symlink(path.name, path)  # points at itself
    elif kind == "huge sparse":
        with open(path, "wb") as fh:
            fh.truncate(17 << 30)  # 17 GB of nothing: above every bound (the largest, a dataset file's, is 16 GB)
    else:
        path.mkdir()
    return path


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    return code, capsys.readouterr().err


def one_sentence(code: int, stderr: str) -> str:
    assert code == 2, stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("vision-lab: error: ") and line.endswith("."), line
    return line


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny finished two-epoch run (so it has epoch snapshots to fork from)."""
    run = tmp_path_factory.mktemp("special") / "run"
    tiny = ["--model", "mlp", "--limit", "64", "--batch-size", "32", "--epochs", "2", "-q", "--set", "mlp.hidden=[16]"]
    code = main(["train", *tiny, "--set", "data.val_limit=32", "--out", str(run)])
    assert code == 0
    return run


def copy_run(base: Path, tmp: Path) -> Path:
    run = tmp / "run"
    shutil.copytree(base, run)
    return run


def pngs(folder: Path, n: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("L", (8, 8), 40 * i).save(folder / f"{i}.png")


def cifar_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    data = np.zeros((4, 3072), np.uint8)
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        (folder / name).write_bytes(pickle.dumps({b"data": data, b"labels": [0, 1, 0, 1]}, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"a", b"b"]}, protocol=2))
    return folder


# Each place: (tmp, base run, kind) -> the argv that reads the special file there.
Place = Callable[[Path, Path, str], list[str]]


def config_file(tmp: Path, base: Path, kind: str) -> list[str]:
    return ["train", "--config", str(make_special(tmp / "exp.json", kind)), "--out", str(tmp / "out")]


def dataset_path(tmp: Path, base: Path, kind: str) -> list[str]:
    return ["train", "--dataset", str(make_special(tmp / "data.npz", kind)), "--out", str(tmp / "out")]


def image_in_class_folder(tmp: Path, base: Path, kind: str) -> list[str]:
    for cls in ("a", "b"):
        make_special(tmp / "pics" / cls / "x.png", kind)
    return ["train", "--dataset", str(tmp / "pics"), "--out", str(tmp / "out")]


def idx_file(tmp: Path, base: Path, kind: str) -> list[str]:
    (tmp / "idx").mkdir()
    write_idx(tmp / "idx" / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    make_special(tmp / "idx" / "train-images-idx3-ubyte", kind)
    return ["train", "--dataset", str(tmp / "idx"), "--out", str(tmp / "out")]


def cifar_batch(tmp: Path, base: Path, kind: str) -> list[str]:
    folder = cifar_folder(tmp / "cifar")
    make_special(folder / "data_batch_1", kind)
    return ["train", "--dataset", str(folder), "--out", str(tmp / "out")]


def run_file(name: str, *argv: str) -> Place:
    def place(tmp: Path, base: Path, kind: str) -> list[str]:
        run = copy_run(base, tmp)
        make_special(run / name, kind)
        return [a.replace("RUN", str(run)).replace("TMP", str(tmp)) for a in argv]

    place.__name__ = f"run's {name}"
    return place


def run_folder_itself(tmp: Path, base: Path, kind: str) -> list[str]:
    return ["export", str(make_special(tmp / "run", kind)), "--format", "csv", "--out", str(tmp / "m.csv")]


def export_target(tmp: Path, base: Path, kind: str) -> list[str]:
    run = copy_run(base, tmp)
    return ["export", str(run), "--format", "csv", "--out", str(make_special(tmp / "metrics-out", kind))]


PLACES: dict[str, Place] = {
    "--config": config_file,
    "--dataset path": dataset_path,
    "image in a class folder": image_in_class_folder,
    "IDX file": idx_file,
    "CIFAR batch": cifar_batch,
    "run config.json": run_file("config.json", "export", "RUN", "--format", "csv", "--out", "TMP/m.csv"),
    "run summary.json": run_file("summary.json", "export", "RUN", "--format", "csv", "--out", "TMP/m.csv"),
    "run parent.json": run_file("parent.json", "export", "RUN", "--format", "csv", "--out", "TMP/m.csv"),
    "run metrics.csv (export)": run_file("metrics.csv", "export", "RUN", "--format", "csv", "--out", "TMP/m.csv"),
    "run metrics.csv (resume)": run_file("metrics.csv", "train", "--resume", "RUN", "--epochs", "3", "-q"),
    "run checkpoint.pt": run_file("checkpoint.pt", "train", "--resume", "RUN", "--epochs", "3", "-q"),
    "run weights": run_file("weights.safetensors", "export", "RUN", "--format", "safetensors", "--out", "TMP/w"),
    "run dataset.json": run_file("dataset.json", "export", "RUN", "--format", "safetensors", "--out", "TMP/w"),
    "run epoch snapshot": run_file(
        "checkpoints/epoch-0001.safetensors", "train", "--fork", "RUN@1", "--out", "TMP/fork", "-q"
    ),
    "run folder itself": run_folder_itself,
    "export --out": export_target,
}
# Where a kind is not a mistake, or another sentence names it better than the generic fragment.
EXPECTED_OVERRIDES: dict[tuple[str, str], str | None] = {
    ("--dataset path", "folder"): "has no class sub-folders",  # an empty folder is a dataset folder, empty
    ("image in a class folder", "folder"): "are all empty",  # a sub-folder of a class folder holds its images
    ("run folder itself", "huge sparse"): "is a file, not a run folder",
    ("export --out", "folder"): None,  # a folder to write into: the export succeeds
    ("export --out", "huge sparse"): "already exists and is not a folder",  # not written over, nor written beside
}


@pytest.mark.timeout(TIMEOUT, method="signal")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("place", list(PLACES))
def test_special_file_ends_at_once_in_one_sentence(
    place: str, kind: str, base_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = PLACES[place](tmp_path, base_run, kind)
    code, stderr = run_main(capsys, *argv)
    expected = EXPECTED_OVERRIDES.get((place, kind), SAYS[kind])
    if expected is None:
        assert code == 0 and "Traceback" not in stderr, stderr
        return
    line = one_sentence(code, stderr)
    assert expected in line, line
    assert "\x00" not in line


# --- the core's other readers: what the window polls and lists ------------------------------------------------------


@pytest.mark.timeout(TIMEOUT, method="signal")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["config.json", "metrics.csv", "summary.json", "preview-samples.png"])
def test_following_and_listing_a_run_with_a_special_file_never_hangs(
    name: str, kind: str, base_run: Path, tmp_path: Path
) -> None:
    from vision_lab.core.follow import RunFollower
    from vision_lab.core.runs import list_runs

    run = copy_run(base_run, tmp_path)
    make_special(run / name, kind)
    follower = RunFollower(run)
    update = follower.poll()  # the Watch view polls twice a second on the GUI thread: it must never block
    follower.poll()
    if name == "metrics.csv":
        assert update.rows == []
    listed = list_runs(tmp_path)  # the Runs browser: a run whose files are special is left out or listed, never read
    assert [info.path for info in listed] in ([], [run])


@pytest.mark.timeout(TIMEOUT, method="signal")
@pytest.mark.parametrize("kind", KINDS)
def test_saved_preview_reader_refuses_special_files(kind: str, tmp_path: Path) -> None:
    from vision_lab.core.errors import VisionLabError
    from vision_lab.core.images import read_image_rgb

    path = make_special(tmp_path / "preview-samples.png", kind)
    with pytest.raises(VisionLabError, match=SAYS[kind].replace("(", r"\(").replace(")", r"\)")):
        read_image_rgb(path, "Preview")


@pytest.mark.timeout(TIMEOUT, method="signal")
@pytest.mark.parametrize("kind", KINDS)
def test_preset_and_judge_cache_refuse_special_files(kind: str, tmp_path: Path) -> None:
    from vision_lab.core.data import load_dataset
    from vision_lab.core.errors import ConfigError
    from vision_lab.core.judge import fingerprint, get_judge

    with pytest.raises(ConfigError, match=SAYS[kind].replace("(", r"\(").replace(")", r"\)")):
        from vision_lab.core.presets import load_preset

        load_preset(make_special(tmp_path / "preset.json", kind))
    ds = load_dataset("shapes", count=40, image_size=8)
    cache = Path(os.environ["VISION_LAB_CACHE"]) / "judges" / f"{fingerprint(ds)}.safetensors"
    warnings: list[str] = []
    try:
        make_special(cache, kind)
        import torch

        assert get_judge(ds, torch.device("cpu"), train_if_missing=False, warn=warnings.append) is None
    finally:
        if cache.is_dir() and not cache.is_symlink():
            cache.rmdir()
        elif cache.exists() or cache.is_symlink():
            cache.unlink()
    assert len(warnings) == 1 and SAYS[kind] in warnings[0] and warnings[0].endswith("."), warnings


# --- the real command, in its own process, with a real timeout --------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_the_real_command_exits_on_a_special_config_and_dataset(kind: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for argv in (config_file(tmp_path, tmp_path, kind), image_in_class_folder(tmp_path / "d", tmp_path, kind)):
        done = subprocess.run(
            [sys.executable, "-m", "vision_lab", *argv], capture_output=True, text=True, env=env, timeout=120
        )
        line = one_sentence(done.returncode, done.stderr)
        assert SAYS[kind] in line
