"""``vision-lab sweep`` (issue 22): bad input is one sentence and exit 2; two processes share one study; a sweep
killed with SIGKILL mid-trial finishes the asked number when run again, its killed trial FAIL and its folder kept."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from vision_lab.cli import main
from vision_lab.core.sweep import open_storage

REPO = Path(__file__).resolve().parents[2]
TINY = ["--model", "mlp", "--limit", "300", "--set", "mlp.hidden=[8]", "--set", "train.batch_size=64"]
SPACE = ["--space", "optim.lr=loguniform:1e-3:1e-1"]


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


BAD: list[tuple[list[str], str]] = [
    (["--space", "optim.lr=loguniform"], "KIND:LOW:HIGH"),
    (["--space", "optim.lr"], "KEY=SPEC"),
    (["--space", "optim.nope=uniform:0:1"], "Unknown setting 'optim.nope'"),
    (["--space", "optim.lr=uniform:0.1:0.01"], "above the high end"),
    (["--space", "optim.lr=loguniform:0:0.1"], "above 0"),
    (["--space", "mlp.dropout=uniform:0:2"], "mlp.dropout"),
    ([*SPACE, "--objective", "judge_confidence"], "--objective judge_confidence"),
    ([*SPACE, "--storage", "nosuchdb://host/db"], "Cannot open the study storage"),
    ([*SPACE, "--storage", "just-a-name"], "--storage takes"),
    ([*SPACE, "--trials", "0"], "--trials must be between 1"),
    ([*SPACE, "--jobs", "0"], "--jobs must be between 1"),
    ([*SPACE, "--sampler", "grid"], "--sampler grid needs countable values"),
    ([*SPACE, "--sampler", "cmaes"], "--sampler must be one of"),
    ([*SPACE, "--pruner", "hyperband"], "--pruner must be one of"),
    ([], "needs a search space"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD)
def test_bad_input_is_one_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fragment: str
) -> None:
    code, _out, err = run_main(capsys, "sweep", *TINY, *argv, "--out", str(tmp_path / "s"))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("vision-lab: error: ") and fragment in lines[0], lines[0]
    assert not (tmp_path / "s" / "trial-0000").exists()  # refused before any trial


def sweep_process(*argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "sweep", *TINY, *SPACE, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_share_one_study(tmp_path: Path) -> None:
    out, storage = tmp_path / "sweep", tmp_path / "shared" / "study.log"
    # Trials of 1-2 s (30 short epochs): long next to the two processes' start-up skew, so both get some.
    args = ["--trials", "6", "--epochs", "30", "--pruner", "none", "--study", "S", "--storage", str(storage)]
    procs = [sweep_process(*args, "--out", str(out)) for _ in range(2)]
    for p in procs:
        _o, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    saved = json.loads((out / "sweep.json").read_text())
    numbers = [t["number"] for t in saved["trials"]]
    assert len(numbers) == len(set(numbers))
    assert sum(t["state"] in ("complete", "pruned") for t in saved["trials"]) == 6
    workers = {t["worker"].rpartition(":")[2] for t in saved["trials"] if t["state"] == "complete"}
    assert workers == {str(p.pid) for p in procs}, saved["trials"]
    for t in saved["trials"]:
        if t["state"] == "complete":
            assert (Path(t["run_dir"]) / "summary.json").is_file()


def test_a_killed_sweep_continues_where_it_stopped(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["--trials", "2", "--epochs", "40", "--pruner", "none", "--out", str(out)]  # trials of ~2 s: caught
    proc = sweep_process(*args)
    deadline = time.monotonic() + 240
    running = None
    while running is None:  # poll the study until a trial trains (its run folder has begun)
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.2)  # the wait between two looks; an exit is caught above
        if not (out / "study.db").is_file():
            continue
        try:
            study = optuna.load_study(study_name="sweep", storage=open_storage(f"sqlite:///{out / 'study.db'}"))
        except KeyError:
            continue
        for trial in study.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
            if (out / f"trial-{trial.number:04d}" / "metrics.csv").is_file():
                running = trial.number
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    killed = out / f"trial-{running:04d}"
    assert not (killed / "summary.json").exists()  # really mid-trial
    again = sweep_process(*args)
    _o, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    saved = json.loads((out / "sweep.json").read_text())
    states = {t["number"]: t["state"] for t in saved["trials"]}
    assert states[running] == "fail"  # not lost, not left RUNNING
    assert sum(s == "complete" for s in states.values()) == 2
    assert killed.is_dir() and (killed / "config.json").is_file()  # its folder stays
    assert "running" not in states.values()
