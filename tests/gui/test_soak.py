"""Soak: 100 short runs started and stopped in one window must not leak threads, files, processes or memory.

The numbers are printed (``pytest -s``) and recorded in the test report (``record_property``: junit XML). Bounds,
after a warm-up of WARM_UP runs (first imports, pyqtgraph's items, torch's thread pool, the spare training process):

- Python threads and OS threads: +2. Each run's QThread is joined and deleted; what may legitimately differ is a
  helper thread that happens to be alive at the moment of measuring (a multiprocessing feeder, a Qt pool thread).
- Open file descriptors: +10. The spare training process holds a pipe (2 fds) and a sentinel, and Qt may have an
  event fd or two more; a leak of one pipe per run would show as +200.
- Child processes: at most the one spare (plus the one being reaped): a run that leaves its process behind shows
  as +100.
- RSS: +50 MB. Each run's previews (and the weights they carry) are dropped when the next run starts; malloc keeps
  some freed memory. Measured growth over 100 runs: 1.4 MB (process engine, twice), 1.5 to 18.6 MB (thread
  engine, three runs); 50 MB leaves room for that noise and still catches a leak of half a megabyte per run (one
  run's model, previews and weights are about 1 MB).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time

import pytest
from conftest import make_tiny

WARM_UP = 5
RUNS = 100


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:"))


def snapshot() -> dict[str, float]:
    gc.collect()
    return {
        "threads": threading.active_count(),
        "os_threads": len(os.listdir("/proc/self/task")),
        "fds": len(os.listdir("/proc/self/fd")),
        "children": len(multiprocessing.active_children()),
        "rss_mb": round(rss_mb(), 1),
    }


def one_run(qtbot, w) -> None:
    """Start, let it report once, Stop: what a user clicking Start and Stop does, through the same methods."""
    with qtbot.waitSignal(w.run_started, timeout=60000):
        assert w.start()
    qtbot.waitUntil(lambda: w._last_metrics is not None, timeout=30000)
    with qtbot.waitSignal(w.run_ended, timeout=30000) as ended:
        w.stop()
    assert ended.args[0].status in ("stopped", "completed")
    qtbot.waitUntil(lambda: w.worker is None and w.start_button.isEnabled(), timeout=10000)


@pytest.mark.slow
# "process" is the app's default: a child process per run (the spare one, started while the last run ended);
# "thread" keeps the loop in this process, where anything it leaks would show in these very numbers.
@pytest.mark.parametrize("engine", ["process", "thread"])
def test_100_runs_in_one_window_leak_nothing(qtbot, window, engine: str, monkeypatch, record_property) -> None:
    if engine == "thread":
        monkeypatch.setenv("VISION_LAB_ENGINE", "thread")
    w = window
    make_tiny(w, "mlp")
    w.training_panel.epochs.setValue(1000)  # it never ends by itself: every run is stopped
    for _ in range(WARM_UP):
        one_run(qtbot, w)
    before = snapshot()
    t = time.monotonic()
    for _ in range(RUNS - WARM_UP):
        one_run(qtbot, w)
    seconds = time.monotonic() - t
    after = snapshot()
    growth = {k: round(after[k] - before[k], 1) for k in before}
    print(f"\nsoak ({engine}, {RUNS} runs, {seconds:.0f} s): before {before}, after {after}, growth {growth}")
    for key in before:
        record_property(f"{key}_before", before[key])
        record_property(f"{key}_after", after[key])
    record_property("seconds", round(seconds, 1))
    assert len(list(w.runs_root.iterdir())) == RUNS  # every run was real and saved its folder
    assert growth["threads"] <= 2 and growth["os_threads"] <= 2, growth
    assert growth["fds"] <= 10, growth
    assert after["children"] <= 2, after
    assert growth["rss_mb"] <= 50, growth
