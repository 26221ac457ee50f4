""":func:`run_sweep`: a sweep in this process, or (``jobs > 1``) in child processes that each run the same loop as a
lone sweep on the shared storage.

Processes, not threads: a trial's training holds the interpreter for long stretches, and two processes on one
storage are exactly what two machines sharing a study are, so both take one code path. The cores are split: each
child trains with ``cores // jobs`` torch threads. The parent only watches: it reads the study about once a second
and calls ``on_trial`` for each trial that ended since.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from typing import Any

from vision_lab.core.errors import RunError
from vision_lab.core.i18n import t
from vision_lab.core.sweep import (
    OnTrial,
    Plan,
    SweepReport,
    SweepSpec,
    Worker,
    available_cores,
    open_study,
    plan,
    read_sweep,
    write_summary,
)

POLL_SECONDS = 1.0


def run_sweep(spec: SweepSpec, on_trial: OnTrial | None = None, stop: Callable[[], bool] | None = None) -> SweepReport:
    """Run the sweep to its end (``trials`` COMPLETE or PRUNED trials in the study, or the timeout); ``on_trial``
    is called in this process with each trial that ends, this session's and (with ``jobs > 1``) its children's;
    ``stop()`` returning True ends it at the running trials' next report. Returns the study as plain data."""
    p = plan(spec)
    spec.out.mkdir(parents=True, exist_ok=True)
    study = open_study(p)
    if spec.jobs == 1:
        Worker(p, study, on_trial, stop).run()
    else:
        run_children(p, lambda: read_sweep(p.storage, spec.study), on_trial, stop)
    report = read_sweep(p.storage, spec.study, study)
    write_summary(spec.out, report)
    return report


def run_children(
    p: Plan, read: Callable[[], SweepReport], on_trial: OnTrial | None, stop: Callable[[], bool] | None
) -> None:
    """Start ``jobs`` children, pass on the trials they end, wait for all; the first child's error is raised."""
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold torch threads or Qt
    errors = ctx.SimpleQueue()
    threads = max(1, available_cores() // p.spec.jobs)
    children = [
        ctx.Process(target=_child, args=(p.payload(), threads, os.getpid(), errors), daemon=True)
        for _ in range(p.spec.jobs)
    ]
    for child in children:
        child.start()
    seen: set[int] = {r.number for r in read().trials if r.state not in ("running", "waiting")}
    try:
        while any(c.is_alive() for c in children):
            next(c for c in children if c.is_alive()).join(POLL_SECONDS)
            for r in read().trials:
                if r.number not in seen and r.state not in ("running", "waiting"):
                    seen.add(r.number)
                    if on_trial is not None:
                        on_trial(r)
            if stop is not None and stop():
                for c in children:
                    if c.is_alive() and c.pid is not None:
                        os.kill(c.pid, 2)  # SIGINT: each saves its run as stopped and its trial ends
    finally:
        for c in children:
            c.join()
    if not errors.empty():
        raise RunError(errors.get())
    bad = [c.exitcode for c in children if c.exitcode not in (0, None)]
    if bad:
        raise RunError(t("sweep.child", "A sweep process ended with exit code {code}.", code=bad[0]))


def _child(payload: dict[str, Any], threads: int, parent: int, errors: Any) -> None:
    import torch

    from vision_lab.core.errors import VisionLabError

    torch.set_num_threads(threads)
    p = Plan.from_payload(payload)
    try:
        Worker(p, open_study(p), None, lambda: os.getppid() != parent).run()  # an orphan stops between trials
    except VisionLabError as err:
        errors.put(str(err))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
