"""Issue 17, items 1, 7 and 8 through the command line: what trained wrongly without a word now gets a sentence (or
the meaning a user expects), and messages name the real problem. Each case is what a careless user typed."""

from __future__ import annotations

import gzip
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.cli import main
from vision_lab.core.data.idx import write_idx

REPO = Path(__file__).resolve().parents[2]
TINY = ["--limit", "64", "--batch-size", "16", "--epochs", "1", "-q"]


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    return code, capsys.readouterr().err


def one_sentence(code: int, stderr: str, *fragments: str) -> str:
    assert code == 2, stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("vision-lab: error: ") and lines[0].endswith("."), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def pics(root: Path, classes: tuple[str, ...] = ("a", "b"), n: int = 6) -> Path:
    rng = np.random.default_rng(0)
    for cls in classes:
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(root / cls / f"{i}.png")
    return root


def cli(*args: str, env: dict[str, str] | None = None, prelude: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", prelude, *args] if prelude else [sys.executable, "-m", "vision_lab", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=REPO, timeout=300
    )


# --- 1. The real command never runs Ghostscript, and says what it skipped ------------------------------------------


def test_training_on_a_folder_with_postscript_never_calls_gs_and_warns(
    tmp_path: Path, fake_ghostscript: Path, postscript: bytes
) -> None:
    log = fake_ghostscript  # first on PATH, which the child process inherits
    folder = pics(tmp_path / "pics")
    (folder / "a" / "cat.png").write_bytes(postscript)
    done = cli(
        "train",
        "--model",
        "mlp",
        "--dataset",
        str(folder),
        *TINY,
        "--out",
        str(tmp_path / "run"),
    )
    assert done.returncode == 0, done.stderr
    assert not log.exists(), log.read_text()
    warning = next(line for line in done.stderr.splitlines() if line.startswith("vision-lab: warning: skipped"))
    assert "cat.png" in warning and "is not a PNG, JPEG, BMP, GIF, TIFF or WebP image" in warning


# --- 7. Silently wrong --------------------------------------------------------------------------------------------


def test_a_classifier_on_one_class_is_refused_and_an_autoencoder_trains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = pics(tmp_path / "pics", classes=("cats",))
    code, err = run_main(
        capsys, "train", "--model", "mlp", "--dataset", str(folder), *TINY, "--out", str(tmp_path / "r")
    )
    one_sentence(code, err, "only one class ('cats')", "nothing to tell apart", "autoencoder")
    assert not (tmp_path / "r").exists()
    code, err = run_main(
        capsys, "train", "--model", "autoencoder", "--dataset", str(folder), *TINY, "--out", str(tmp_path / "ae")
    )
    assert code == 0, err


def test_setting_a_whole_section_is_refused_instead_of_dropping_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_main(capsys, "train", "--max-steps", "2", "--set", "train={}", "--out", str(tmp_path / "r"))
    one_sentence(code, err, "'train' is a whole section", "train.epochs")
    assert not (tmp_path / "r").exists()


def test_a_run_folder_inside_the_dataset_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = pics(tmp_path / "pics")
    out = folder / "runs" / "first"
    code, err = run_main(capsys, "train", "--model", "mlp", "--dataset", str(folder), *TINY, "--out", str(out))
    one_sentence(code, err, "is inside the dataset folder", "as a class")
    assert not (folder / "runs").exists()


def _ctrl_c_as_in_a_terminal() -> None:
    """The child gets Ctrl-C as a terminal delivers it. A test run started as a background job of a shell that has
    no job control (as CI may be) inherits SIGINT ignored, and Python then never turns it into KeyboardInterrupt:
    the scan ran on to its bound and the resume to its end (seen in a CI run; reproduced by ignoring SIGINT)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_scanning_the_whole_disk_shows_progress_and_ctrl_c_ends_it(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "train", "--dataset", "/", "--out", str(tmp_path / "r")],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the first progress line, before the scan is anywhere near its end
    assert "Scanning '/'" in first and "files so far" in first, first
    proc.send_signal(signal.SIGINT)
    try:
        rest = proc.stderr.read()
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
    assert code == 130, first + rest
    assert "Traceback" not in rest and "interrupted" in rest
    assert not (tmp_path / "r").exists()


# --- 8. Messages that name the real problem -------------------------------------------------------------------------

# Address space capped at what the child uses after its imports plus 300 MB (as in test_faults): a dataset of
# 400 MB of pixels does not fit, a model and a batch would.
LOW_MEMORY = (
    "import resource, sys, torch, torch._dynamo, vision_lab.cli, vision_lab.core.trainer\n"
    "vm = next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmSize:'))\n"
    "cap = vm + (300 << 20)\n"
    "resource.setrlimit(resource.RLIMIT_AS, (cap, cap))\n"
    "sys.exit(vision_lab.cli.main(sys.argv[1:]))\n"
)


def test_out_of_memory_while_loading_the_data_names_the_data_not_the_batch_size(tmp_path: Path) -> None:
    folder = tmp_path / "big-idx"
    folder.mkdir()
    n = 512_000  # 401 MB of 28×28 pixels in a 0.4 MB .gz
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb", compresslevel=1) as fh:
        fh.write(bytes([0, 0, 8, 3]) + struct.pack(">3I", n, 28, 28))
        block = bytes(1000 * 28 * 28)
        for _ in range(n // 1000):
            fh.write(block)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8) % 2)
    done = cli(
        "train", "--model", "mlp", "--dataset", str(folder), "-q", "--out", str(tmp_path / "r"), prelude=LOW_MEMORY
    )
    line = one_sentence(done.returncode, done.stderr, "Out of memory while loading the dataset", "big-idx")
    assert "batch size" not in line


def test_forking_from_an_epoch_whose_file_is_a_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vision_lab.core.runs import checkpoint_epochs

    run = tmp_path / "run"
    assert main(["train", "--model", "mlp", "--set", "mlp.hidden=[16]", *TINY, "--epochs", "2", "--out", str(run)]) == 0
    capsys.readouterr()
    snapshot = run / "checkpoints" / "epoch-0001.safetensors"
    snapshot.unlink()
    snapshot.mkdir()
    assert checkpoint_epochs(run) == [0, 2]  # 1 is not offered to fork from
    code, err = run_main(capsys, "train", "--fork", f"{run}@1", "-q", "--out", str(tmp_path / "fork"))
    one_sentence(code, err, "epoch-0001.safetensors' is a folder, not a file")


def test_a_broken_judge_cache_is_a_prefixed_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vision_lab.core.data import load_dataset
    from vision_lab.core.judge import fingerprint

    data = ["--set", "data.name=shapes", "--set", "data.count=80", "--set", "data.image_size=8"]
    ds = load_dataset("shapes", count=80, image_size=8)
    cache = Path(os.environ["VISION_LAB_CACHE"]) / "judges" / f"{fingerprint(ds)}.safetensors"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"not a safetensors file")
    try:
        code, err = run_main(
            capsys, "train", "--model", "gan", *data, "--set", "gan.g_width=8", "--set", "gan.d_width=8",
            "--set", "gan.judge_samples=20", "--batch-size", "16", "--epochs", "1", "-q", "--out", str(tmp_path / "g"),
        )  # fmt: skip
    finally:
        cache.unlink(missing_ok=True)  # the next GAN test trains its own judge
    assert code == 0, err
    lines = [line for line in err.splitlines() if "judge in the cache" in line or "ignoring judge" in line]
    assert lines and all(line.startswith("vision-lab: warning: ") for line in lines), err
    assert "corrupt or not a safetensors file" in lines[0] and "it is trained again" in lines[0]


def test_nul_byte_in_a_dataset_name_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "exp.json"
    cfg.write_text('{"model": "mlp", "data": {"name": "mnist\\u0000-5k"}}')
    code, err = run_main(capsys, "train", "--config", str(cfg), "--out", str(tmp_path / "r"))
    line = one_sentence(code, err, "mnist\\x00-5k")
    assert "\x00" not in line


def test_ctrl_c_during_a_resume_keeps_the_work_and_the_run_stays_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C lands inside a training step nearly always: the run is saved as Stop saves it, a resume's work too."""
    import csv
    import json

    run = tmp_path / "run"
    assert main(["train", "--model", "mlp", "--set", "mlp.hidden=[16]", *TINY, "--out", str(run)]) == 0
    capsys.readouterr()
    rows_before = len(list(csv.reader((run / "metrics.csv").open()))) - 1
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "train", "--resume", str(run), "--epochs", "100000", "-q"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    deadline = time.monotonic() + 120
    while len(list(csv.reader((run / "metrics.csv").open()))) - 1 < rows_before + 20:  # it is training now
        assert proc.poll() is None and time.monotonic() < deadline, "the resume did not get going"
        time.sleep(0.05)  # polling the run folder, as a user watching it would
    proc.send_signal(signal.SIGINT)
    try:
        stderr = proc.communicate(timeout=120)[1]
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "the run so far is in" in stderr
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "stopped" and summary["steps"] > 4
    assert not (run / ".resume-backup").exists()
