"""Where the Sweep view's trials come from, off the GUI thread: :class:`SweepRunner` runs a sweep (the core's
``run_sweep`` in a QThread, a signal per ended trial, ``stop()`` at the running trials' next report) and
:class:`SweepPoller` reads a study every ~2 s (a sweep this window runs, or one other processes or machines write).

Everything optuna-related is imported inside the threads: the window shows before optuna (and sqlalchemy) load.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from vision_lab.core.errors import VisionLabError
from vision_lab.gui.worker import FunctionWorker, _report_bug

if TYPE_CHECKING:
    from vision_lab.core.sweep import SweepReport, SweepSpec, TrialRecord
    from vision_lab.core.sweep_space import Dimension

POLL_MS = 2000
MIN_FOR_IMPORTANCE = 4
"""Completed trials before parameter importances mean anything (fANOVA on fewer fits noise)."""


@dataclass
class Snapshot:
    """A study read once: its report, its space, each trial's epochs reached, and the importances (or why not)."""

    report: SweepReport
    space: tuple[Dimension, ...] = ()
    epochs: dict[int, float] = field(default_factory=dict)
    importances: dict[str, float] | None = None
    importance_error: str | None = None


def epochs_reached(record: TrialRecord) -> float | None:
    """How far a trial's run got (its summary, else its metrics), or None before it wrote anything."""
    if not record.run_dir:
        return None
    from vision_lab.core.runs import run_info

    try:
        return run_info(Path(record.run_dir)).epochs_done
    except (VisionLabError, OSError):
        return None


def sqlite_ready(path: Path) -> bool:
    """Whether a SQLite study file exists with Optuna's tables made (read-only: a reader never creates them)."""
    import sqlite3

    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT count(*) FROM alembic_version").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def read_snapshot(url: str, study_name: str, known: frozenset[int], importance_for: int | None) -> Snapshot:
    """The study at ``url``; epochs for the trials not in ``known`` (ended trials already read); importances when
    ``importance_for`` (the completed count they are wanted for) is given."""
    import optuna

    from vision_lab.core.errors import ConfigError
    from vision_lab.core.i18n import t
    from vision_lab.core.sweep import open_storage, read_sweep
    from vision_lab.core.sweep_space import parse_space

    missing = ConfigError(t("sweep.study.missing", "There is no study {study} in {url}.", study=study_name, url=url))
    if url.startswith("sqlite:///") and not sqlite_ready(Path(url.removeprefix("sqlite:///"))):
        raise missing  # opening it would create its tables while the sweep's process creates them: both fail
    try:
        study = optuna.load_study(study_name=study_name, storage=open_storage(url))
    except KeyError:
        raise missing from None
    report = read_sweep(url, study_name, study)
    space = tuple(parse_space(study.user_attrs["space"])) if study.user_attrs.get("space") else ()
    snap = Snapshot(report, space)
    for r in report.trials:
        if r.number not in known:
            e = epochs_reached(r)
            if e is not None:
                snap.epochs[r.number] = e
    if importance_for is not None:
        try:
            values = optuna.importance.get_param_importances(study)
            snap.importances = {k: float(v) for k, v in values.items() if math.isfinite(v)}
        except Exception as err:  # fANOVA on a degenerate study (one value everywhere): say so, do not crash
            snap.importance_error = str(err).splitlines()[0][:200] if str(err) else err.__class__.__name__
    return snap


class SweepRunner(QThread):
    """``run_sweep(spec)`` off the GUI thread; :attr:`trial` per ended trial, then :attr:`done` or :attr:`failed`."""

    trial = Signal(object, object)  # TrialRecord, epochs reached (float or None)
    opened = Signal(str, str)  # storage URL, study name: the study exists, the view may read it
    done = Signal(object)  # SweepReport
    failed = Signal(str, str)  # message, details (empty for a user's mistake)

    def __init__(self, spec: SweepSpec, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._stop = False

    def stop(self) -> None:
        """End at the running trials' next report (an epoch's end); each saves its run as stopped."""
        self._stop = True

    @property
    def stopping(self) -> bool:
        return self._stop

    def run(self) -> None:
        from vision_lab.core.sweep import open_study, plan
        from vision_lab.core.sweep_run import run_sweep

        try:
            p = plan(self.spec)
            self.spec.out.mkdir(parents=True, exist_ok=True)
            open_study(p)  # made here first, so the view's reads never race the sweep to create it
            self.opened.emit(p.storage, self.spec.study)
            report = run_sweep(self.spec, on_trial=self._ended, stop=lambda: self._stop)
        except VisionLabError as err:
            self.failed.emit(str(err), "")
        except Exception as err:
            self.failed.emit(*_report_bug(err))
        else:
            self.done.emit(report)

    def _ended(self, record: TrialRecord) -> None:
        self.trial.emit(record, epochs_reached(record))


class SweepPoller(QObject):
    """Reads a study every :data:`POLL_MS` in a worker thread, one read at a time; the newest target wins."""

    snapshot = Signal(object)  # Snapshot
    problem = Signal(str)  # why the study could not be read (shown, then tried again)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.url: str | None = None
        self.study = ""
        self._generation = 0
        self._job: FunctionWorker | None = None
        self._jobs: list[FunctionWorker] = []
        self.known: set[int] = set()
        self._importance_done = -1  # the completed count the last importances were computed for
        self.completed = 0
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def follow(self, url: str, study: str) -> None:
        self.url, self.study = url, study
        self._generation += 1
        self.known = set()
        self._importance_done = -1
        self.completed = 0
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        self._generation += 1  # a read in flight is dropped when it lands

    def poll(self) -> None:
        if self.url is None or self._job is not None:
            return
        generation, url, study = self._generation, self.url, self.study
        known = frozenset(self.known)
        wanted = (
            self.completed if self.completed >= MIN_FOR_IMPORTANCE and self.completed != self._importance_done else None
        )
        job = FunctionWorker(lambda _progress: read_snapshot(url, study, known, wanted), self)
        job.done.connect(lambda snap: self._landed(generation, snap, wanted))
        job.failed.connect(lambda message, _details: self._failed(generation, message))
        job.finished.connect(lambda: self._finished(job))
        self._job = job
        self._jobs.append(job)
        job.start()

    def _landed(self, generation: int, snap: Snapshot, wanted: int | None) -> None:
        if generation != self._generation:
            return
        ended = [r for r in snap.report.trials if r.state in ("complete", "pruned", "fail")]
        self.known |= {r.number for r in ended if r.number in snap.epochs or not r.run_dir}
        self.completed = snap.report.count("complete")
        if wanted is not None:
            self._importance_done = wanted
        self.snapshot.emit(snap)
        if wanted is None and self.completed >= MIN_FOR_IMPORTANCE and self.completed != self._importance_done:
            QTimer.singleShot(0, self.poll)  # the importances for the new count, without waiting 2 s

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.problem.emit(message)

    def _finished(self, job: FunctionWorker) -> None:
        if self._job is job:
            self._job = None
        if job in self._jobs:
            self._jobs.remove(job)
        job.deleteLater()

    def shutdown(self) -> None:
        """Stop polling and join the read in flight (closing the window must not leave a thread running)."""
        self.stop()
        for job in list(self._jobs):
            job.wait()


def study_location(folder: Path) -> tuple[str, str]:
    """(storage URL, study name) of a sweep folder: its sweep.json says both; else its study.db, study "sweep"."""
    import json

    from vision_lab.core.sweep import DEFAULT_STUDY, SUMMARY, storage_url

    summary = folder / SUMMARY
    if summary.is_file():
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("storage"), str) and isinstance(data.get("study"), str):
                return data["storage"], data["study"]
        except (OSError, ValueError):
            pass
    return storage_url(None, folder), DEFAULT_STUDY


def knob_name(key: str) -> str:
    """A searched setting as people read it ("Learning rate", 学习率), its config key when it has no name."""
    from vision_lab.gui.twin_knobs import knob_label

    return knob_label(key)


def value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


__all__ = ["POLL_MS", "Snapshot", "SweepPoller", "SweepRunner", "read_snapshot", "study_location", "value_text"]
