"""The window's catch-all, and the run-folder lock between the window and the CLI, in both orders and after a kill.

A bug in a slot or in training is one sentence in a dialog naming the log file; its traceback is in that file and
nowhere else. The window's training process and a ``vision-lab train`` never write one run folder together: the
second is refused by name, and a SIGKILLed holder leaves the folder free.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import click, make_tiny

from vision_lab.core.lineage import Launch
from vision_lab.core.runlock import LOCK_NAME
from vision_lab.core.runs import open_run
from vision_lab.gui import crash

RUN_TIMEOUT = 90000
LONG_RUN = ["--model", "mlp", "--limit", "64", "--epochs", "100000", "-q", "--set", "mlp.hidden=[8]"]


def one_sentence(text: str) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text and text.endswith(".")


# --- the catch-all ----------------------------------------------------------------------------------------------


@pytest.mark.qt_no_exception_capture  # the window's own hook is what is tested, not pytest-qt's
# pytest-qt swaps sys.excepthook around each test to catch exceptions in slots; when the first create_app ran inside
# such a test, the swap-back removed the catch-all for the tests after it (the traceback went to stderr, no dialog).
@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_one_sentence_and_its_traceback_goes_to_the_log(
    qtbot, window, monkeypatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VISION_LAB_HOME", str(tmp_path / "home"))
    assert crash.reporter() is not None, "create_app installs the catch-all"
    reporter = crash.install()  # as create_app does: the hooks are put back if they were replaced
    assert getattr(sys.excepthook, "vision_lab", False)
    if reporter.dialog is not None:  # one dialog at a time: one an earlier test left open would hide ours
        reporter.dialog.close()
        qtbot.waitUntil(lambda: reporter.dialog is None or not reporter.dialog.isVisible(), timeout=5000)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom in the plot\nsecond line")

    monkeypatch.setattr(window.loss_plot, "reset", broken)  # what the Reset button's slot calls
    click(qtbot, window.reset_button)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible(), timeout=5000)
    box = reporter.dialog
    text = box.text()
    log = tmp_path / "home" / "logs" / "errors.log"
    assert one_sentence(text), text
    assert "RuntimeError: boom in the plot" in text and f"this is a bug: the details are in {log}." in text
    assert not box.detailedText()
    details = log.read_text()
    assert "Traceback (most recent call last)" in details and "second line" in details and "in broken" in details
    box.close()


def test_a_bug_in_training_is_one_sentence_naming_the_log(qtbot, window, monkeypatch, tmp_path: Path) -> None:
    from vision_lab.core.trainer import Trainer

    monkeypatch.setenv("VISION_LAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VISION_LAB_ENGINE", "thread")  # the trainer in this process, where it can be broken

    def broken(self: Trainer) -> None:
        raise ZeroDivisionError("a bug in the previews")

    monkeypatch.setattr(Trainer, "_preview", broken)
    w = window
    make_tiny(w, "mlp")
    with qtbot.waitSignal(w.run_failed, timeout=RUN_TIMEOUT) as failed:
        click(qtbot, w.start_button)
    message = failed.args[0]
    log = tmp_path / "home" / "logs" / "errors.log"
    assert one_sentence(message) and "ZeroDivisionError: a bug in the previews" in message and str(log) in message
    box = w.last_message
    assert box is not None and box.text() == message
    assert "Traceback" not in box.detailedText()  # the log's path, not the traceback
    assert "in broken" in log.read_text()
    box.close()


# --- the run-folder lock: the window and the CLI ----------------------------------------------------------------


def start_cli(*args: str, until: Path | None = None) -> subprocess.Popen[str]:
    """``vision-lab train`` in its own process; with ``until``, returned once it holds that folder with a checkpoint."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "train", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if until is not None:
        deadline = time.monotonic() + 180
        lock = until / LOCK_NAME
        while not (lock.is_file() and f'"pid": {proc.pid}' in lock.read_text() and (until / "checkpoint.pt").exists()):
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the CLI did not start training"
            time.sleep(0.1)  # another process's files: there is no signal to wait on
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


@pytest.fixture
def unfinished_run(tmp_path: Path) -> Path:
    """A long run a CLI trained for a while and was killed in: resumable, with nearly all its epochs to go."""
    run = tmp_path / "cli-run"
    kill(start_cli(*LONG_RUN, "--out", str(run), until=run))
    return run


def test_a_cli_resume_while_the_window_trains_the_run_is_refused_naming_the_window(
    qtbot, window, unfinished_run: Path
) -> None:
    w = window
    run = unfinished_run
    with qtbot.waitSignal(w.run_started, timeout=RUN_TIMEOUT):
        assert w.run_actions.resume(run)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "vision_lab", "train", "--resume", str(run), "-q"],
            capture_output=True,
            text=True,
            timeout=180,
        )
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert f"is being trained by the Vision Lab window (process {os.getpid()}" in lines[0], lines[0]
    finally:
        with qtbot.waitSignal(w.run_ended, timeout=RUN_TIMEOUT):
            click(qtbot, w.stop_button)


def test_a_window_resume_while_the_cli_trains_the_run_is_refused_naming_it_and_works_after_a_kill(
    qtbot, window, unfinished_run: Path
) -> None:
    w = window
    run = unfinished_run
    cli = start_cli("--resume", str(run), until=run)
    try:
        # The Resume command asks first (the panels and the plot stay as they were)...
        assert not w.run_actions.resume(run) and w.worker is None
        box = w.last_message
        assert box is not None and box.isVisible()
        message = box.text()
        assert one_sentence(message) and f"is being trained by vision-lab train (process {cli.pid}" in message
        box.close()
        # ...and the training process itself refuses too (a CLI that started in between, a Launch from elsewhere).
        with qtbot.waitSignal(w.run_failed, timeout=RUN_TIMEOUT) as failed:
            assert w.start(launch=Launch(open_run(run).config, resume=run))
        assert failed.args[0] == message
        w.last_message.close()
    finally:
        kill(cli)
    with qtbot.waitSignal(w.run_started, timeout=RUN_TIMEOUT):  # the killed holder left nothing behind
        assert w.run_actions.resume(run)
    with qtbot.waitSignal(w.run_ended, timeout=RUN_TIMEOUT):
        click(qtbot, w.stop_button)
