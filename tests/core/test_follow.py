"""RunFollower on real files: a run folder written by someone else, picked up a poll at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from vision_lab.core.atomic import atomic_write_bytes, atomic_write_text
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.follow import RunFollower
from vision_lab.core.runs import RunWriter, read_metrics

COLUMNS = ["step", "epoch", "train_loss", "val_loss"]
HEADER = b"step,epoch,train_loss,val_loss\r\n"  # csv.writer ends lines with \r\n, as RunWriter writes them


def row(step: int, val_loss: str = "") -> bytes:
    return f"{step},{step / 10},{1 / step!r},{val_loss}\r\n".encode()


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


def steps(rows: list[dict[str, float | None]]) -> list[float | None]:
    return [r["step"] for r in rows]


@pytest.fixture
def run(tmp_path: Path) -> Path:
    path = tmp_path / "run"
    path.mkdir()
    atomic_write_text(path / "config.json", ExperimentConfig(model="mlp").to_json())
    return path


def test_rows_appended_in_pieces_arrive_once_and_in_order(run: Path) -> None:
    metrics = run / "metrics.csv"
    follower = RunFollower(run)
    first = follower.poll()
    assert first.config == ExperimentConfig(model="mlp") and first.rows == []

    metrics.write_bytes(HEADER[:10])  # even the header comes in two pieces
    assert follower.poll().empty
    append(metrics, HEADER[10:] + row(1)[:5])
    assert follower.poll().empty
    append(metrics, row(1)[5:] + row(2, "0.5") + row(3)[:-1])  # row 3 lacks only its "\n"
    got = follower.poll()
    assert steps(got.rows) == [1, 2] and not got.restarted
    assert got.rows[1] == {"step": 2.0, "epoch": 0.2, "train_loss": 0.5, "val_loss": 0.5}
    assert got.rows[0]["val_loss"] is None  # an empty cell, as read_metrics reads it
    append(metrics, b"\n")
    assert steps(follower.poll().rows) == [3]
    assert follower.poll().empty  # nothing new: nothing reported twice
    append(metrics, row(4) + row(5) + row(6))
    assert steps(follower.poll().rows) == [4, 5, 6]
    assert follower.rows_read == 6

    # Everything delivered, in order, is what read_metrics reads in one go.
    fresh = RunFollower(run).poll()
    assert fresh.rows == read_metrics(metrics) and len(fresh.rows) == 6


def test_malformed_and_short_rows(run: Path) -> None:
    (run / "metrics.csv").write_bytes(HEADER + row(1) + b"2,0.2,oops,\r\n" + b"\r\n" + b"3,0.3\r\n" + row(4))
    got = RunFollower(run).poll()
    # The bad row and the blank line are skipped, not fatal; a short row's missing cells are None.
    assert steps(got.rows) == [1, 3, 4]
    assert got.rows[1] == {"step": 3.0, "epoch": 0.3, "train_loss": None, "val_loss": None}


def test_folder_and_config_that_appear_later(tmp_path: Path) -> None:
    run = tmp_path / "later"
    follower = RunFollower(run)
    assert follower.waiting and not follower.finished
    assert follower.poll().empty and follower.waiting

    run.mkdir()
    assert follower.poll().empty and follower.waiting
    text = ExperimentConfig(model="cnn").to_json()
    (run / "config.json").write_text(text[: len(text) // 2], encoding="utf-8")  # a writer caught halfway
    got = follower.poll()
    assert got.empty and follower.waiting and follower.config is None
    assert follower.config_error is not None and "not valid JSON" in follower.config_error

    (run / "config.json").write_text(text, encoding="utf-8")
    got = follower.poll()
    assert got.config == ExperimentConfig(model="cnn") and follower.config == got.config
    assert not follower.waiting and follower.config_error is None
    assert follower.poll().config is None  # reported once


def test_metrics_replaced_by_a_shorter_file_restarts(run: Path) -> None:
    metrics = run / "metrics.csv"
    metrics.write_bytes(HEADER + b"".join(row(s) for s in range(1, 6)))
    follower = RunFollower(run)
    assert steps(follower.poll().rows) == [1, 2, 3, 4, 5]

    # A resume: temp file + rename, cut back to fewer rows (here with new values, to tell them apart).
    tmp = run / ".metrics.csv.tmp"
    tmp.write_bytes(HEADER + row(1, "9.0") + row(2, "9.0"))
    os.replace(tmp, metrics)
    got = follower.poll()
    assert got.restarted and steps(got.rows) == [1, 2] and [r["val_loss"] for r in got.rows] == [9.0, 9.0]
    assert follower.rows_read == 2

    append(metrics, row(3))
    got = follower.poll()
    assert not got.restarted and steps(got.rows) == [3] and follower.rows_read == 3

    # Cut back in place (same inode, smaller size) is a restart too.
    with open(metrics, "r+b") as fh:
        fh.truncate(len(HEADER + row(1, "9.0")))
    got = follower.poll()
    assert got.restarted and steps(got.rows) == [1] and follower.rows_read == 1


def test_preview_rewritten_and_summary_appears(run: Path) -> None:
    (run / "metrics.csv").write_bytes(HEADER + row(1))
    preview = run / "preview-predictions.png"
    atomic_write_bytes(preview, b"first grid")
    follower = RunFollower(run)
    assert follower.poll().previews == (preview,)
    assert follower.poll().previews == ()

    atomic_write_bytes(preview, b"other grid")  # same size: the rename's new inode gives it away
    atomic_write_bytes(run / "preview-samples.png", b"x")
    (run / "notes.png").write_bytes(b"not a preview")
    assert follower.poll().previews == (preview, run / "preview-samples.png")
    assert follower.poll().empty

    atomic_write_text(run / "summary.json", '{"status": "completed", "steps": 1}\n')
    got = follower.poll()
    assert got.summary == {"status": "completed", "steps": 1} and follower.finished
    assert follower.poll().empty and follower.finished


@dataclass(frozen=True)
class TinyDataset:
    name: str = "toy"


def test_a_resume_by_the_real_writer(tmp_path: Path) -> None:
    """RunWriter's own resume: metrics.csv cut back and appended to, summary.json removed until the end."""
    cfg = ExperimentConfig(model="mlp")
    writer = RunWriter(tmp_path / "run", cfg, COLUMNS, TinyDataset())
    follower = RunFollower(writer.path)
    for s in range(1, 5):
        writer.log({"step": s, "epoch": s / 10, "train_loss": 1.0})
    assert steps(follower.poll().rows) == [1, 2, 3, 4]
    writer.finish({"status": "stopped"})
    assert follower.poll().summary == {"status": "stopped"} and follower.finished

    resumed = RunWriter(writer.path, cfg, COLUMNS, TinyDataset(), append=True, keep_rows=2)
    resumed.log({"step": 3, "epoch": 0.3, "train_loss": 0.5})
    got = follower.poll()
    assert got.restarted and steps(got.rows) == [1, 2, 3] and got.rows[-1]["train_loss"] == 0.5
    assert not follower.finished  # its summary.json is gone while it runs again
    resumed.finish({"status": "completed"})
    got = follower.poll()
    assert got.summary == {"status": "completed"} and follower.finished and got.rows == []


@pytest.mark.timeout(180)
def test_following_a_real_training_subprocess(tmp_path: Path) -> None:
    run = tmp_path / "live"
    log = tmp_path / "train.log"
    # --limit 3000: 186 steps, about a second of training (600 gives 0.3 s), so many polls land while rows come in.
    args = ["--model", "mlp", "--dataset", "mnist-5k", "--epochs", "2", "--limit", "3000", "--out", str(run)]
    follower = RunFollower(run)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vision_lab", "train", *args, "--quiet", "--set", "train.log_every=1"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        rows: list[dict[str, float | None]] = []
        live_polls = 0  # polls that brought rows while the run was still going
        previews: set[Path] = set()
        configs = 0
        deadline = time.monotonic() + 120
        while True:
            got = follower.poll()
            running = proc.poll() is None  # after the poll: the rows were read while it still ran
            if got.restarted:
                rows = []
            rows += got.rows
            previews.update(got.previews)
            configs += got.config is not None
            if got.rows and running and not follower.finished:
                live_polls += 1
            if not running and follower.finished:
                break
            assert time.monotonic() < deadline, "the run did not finish in 120 s"
            time.sleep(0.05)  # polling a file is the thing under test
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text(errors="replace")
    assert live_polls >= 2  # rows came in pieces while it ran: followed live, not read once at the end
    assert configs == 1 and follower.config is not None and follower.config.model == "mlp"
    expected = read_metrics(run / "metrics.csv")
    assert len(rows) == len(expected) == follower.rows_read and rows == expected
    assert steps(rows) == steps(expected)
    assert run / "preview-predictions.png" in previews
    assert follower.summary is not None and follower.summary.get("status", "completed") == "completed"


def test_run_files_are_as_readable_as_any_file_the_user_writes(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a watched run in a shared folder must be readable like metrics.csv."""
    from vision_lab.core.atomic import FILE_MODE

    atomic_write_text(tmp_path / "config.json", "{}")
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert (tmp_path / "config.json").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == FILE_MODE
