"""What is not a user's mistake: a bug, and a second process on a run folder.

A bug (any exception that is not a VisionLabError) reaches the CLI's top level as one sentence naming the log
file that holds its traceback; the terminal never shows the traceback. Two processes on one run folder: the
second is refused in one sentence naming the first, and a SIGKILLed holder leaves nothing stuck.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vision_lab.cli import main
from vision_lab.core.lineage import resume_run
from vision_lab.core.runlock import LOCK_NAME
from vision_lab.core.runs import load_checkpoint

BUG = "vision-lab: error: Something unexpected went wrong (ZeroDivisionError: boom); this is a bug: the details are in "
LONG_RUN = ["--model", "mlp", "--limit", "64", "--epochs", "100000", "-q", "--set", "mlp.hidden=[8]"]


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# --- the catch-all ----------------------------------------------------------------------------------------------


def test_a_bug_is_one_sentence_and_its_traceback_goes_to_the_log(monkeypatch, tmp_path: Path, capsys) -> None:
    import vision_lab.cli as cli

    def broken(args: object) -> int:
        raise ZeroDivisionError("boom\nwith a second line")

    monkeypatch.setenv("VISION_LAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cli, "cmd_datasets", broken)
    code = main(["datasets"])
    line = _one_line(capsys.readouterr().err)
    assert code == 1 and line.startswith(BUG) and line.endswith(".")
    log = Path(line.removeprefix(BUG)[:-1])
    assert log == tmp_path / "home" / "logs" / "errors.log"
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "with a second line" in text and "in broken" in text
    main(["datasets"])  # a second bug is appended, not written over
    capsys.readouterr()
    assert log.read_text().count("Traceback (most recent call last)") == 2


def test_a_bug_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    forced = "import vision_lab.cli as c; c.cmd_datasets = lambda a: 1 / 0; raise SystemExit(c.main(['datasets']))"
    result = subprocess.run(
        [sys.executable, "-c", forced],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "VISION_LAB_HOME": str(tmp_path / "home")},
    )
    line = _one_line(result.stderr)
    assert result.returncode == 1 and "ZeroDivisionError: division by zero" in line and "this is a bug" in line
    assert "Traceback" in (tmp_path / "home" / "logs" / "errors.log").read_text()


def test_when_the_data_folder_cannot_be_written_the_log_goes_to_the_temp_folder(
    monkeypatch, tmp_path: Path, capsys
) -> None:
    import tempfile

    import vision_lab.cli as cli

    (tmp_path / "home").write_text("a file where the data folder should be")
    monkeypatch.setenv("VISION_LAB_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(cli, "cmd_datasets", lambda args: 1 / 0)
    assert main(["datasets"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert str(tmp_path / "tmp" / "vision-lab-errors.log") in line


# --- one writer per run folder ----------------------------------------------------------------------------------


def start_training(run: Path, *args: str) -> subprocess.Popen[str]:
    """``vision-lab train`` in a process of its own, returned once it holds the folder's lock and has a checkpoint."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "train", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 180
    lock = run / LOCK_NAME
    while not (lock.is_file() and f'"pid": {proc.pid}' in lock.read_text() and (run / "checkpoint.pt").is_file()):
        if proc.poll() is not None:
            raise AssertionError(f"the training process ended: {proc.communicate()[1]}")
        assert time.monotonic() < deadline, "the training process did not start training"
        time.sleep(0.1)  # polling another process's files: there is no signal to wait on
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def test_a_resume_while_the_cli_trains_is_refused_naming_it_and_a_kill_leaves_nothing_stuck(
    tmp_path: Path, capsys
) -> None:
    run = tmp_path / "run"
    trainer = start_training(run, *LONG_RUN, "--out", str(run))
    try:
        before = (run / "config.json").read_bytes()
        code = main(["train", "--resume", str(run), "--epochs", "99999", "-q"])
        line = _one_line(capsys.readouterr().err)
        assert code == 2 and f"The run in '{run}' is being trained by vision-lab train (process {trainer.pid}" in line
        assert (run / "config.json").read_bytes() == before  # the refused resume did not touch the folder
        # Reading is not writing: an export of the run being trained works.
        assert main(["export", str(run), "--format", "safetensors", "--out", str(tmp_path / "w.safetensors")]) == 0
        capsys.readouterr()
    finally:
        kill(trainer)
    step = int(load_checkpoint(run)["step"])
    assert main(["train", "--resume", str(run), "--max-steps", str(step + 2), "-q"]) == 0  # after SIGKILL: free
    assert capsys.readouterr().out.strip() == str(run)


def test_a_resume_while_another_resume_trains_is_refused(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["train", *LONG_RUN, "--max-steps", "4", "--out", str(run)]) == 0
    capsys.readouterr()
    resumer = start_training(run, "--resume", str(run), "--max-steps", "none")
    try:
        code = main(["train", "--resume", str(run), "--max-steps", "none", "-q"])
        line = _one_line(capsys.readouterr().err)
        assert code == 2 and f"vision-lab train (process {resumer.pid}" in line
    finally:
        kill(resumer)


def test_two_trainers_in_one_process_cannot_share_a_folder(tmp_path: Path, mnist5k) -> None:
    run = tmp_path / "run"
    assert main(["train", *LONG_RUN, "--max-steps", "2", "--out", str(run)]) == 0
    first = resume_run(run, {"train.max_steps": 4}, dataset=mnist5k)
    with pytest.raises(Exception, match="is being trained by"):
        resume_run(run, {"train.max_steps": 4}, dataset=mnist5k)
    for _ in first.events():
        pass
    for _ in resume_run(run, {"train.max_steps": 6}, dataset=mnist5k).events():  # released when it finished
        pass
    assert int(load_checkpoint(run)["step"]) == 6
