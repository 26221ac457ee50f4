"""Reading a run folder: its config, summary and parent link (:func:`open_run`), metrics, checkpoint, and the cheap
one-line summaries a runs browser lists (:func:`list_runs`).

Apart from :mod:`runs` (the writer) because reading needs none of the writing machinery, nor torch until a
checkpoint is loaded.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vision_lab.core import run_schema
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.i18n import t
from vision_lab.core.run_files import CHECKPOINT, CONFIG, DATASET, METRICS, PARENT, SUMMARY, checkpoint_epochs
from vision_lab.core.safe_io import (
    MAX_CSV,
    MAX_WEIGHTS,
    check_file,
    describe_special,
    open_file,
    os_reason,
    read_bytes,
    shown,
)


@dataclass(frozen=True)
class RunRecord:
    path: Path
    config: ExperimentConfig
    summary: dict[str, Any] | None
    """None while the run is still being written or was cut off."""
    parent: dict[str, Any] | None = None
    """A fork's parent: ``{"run": path, "epoch": e, "step": s}``; None for a run of its own."""

    @property
    def complete(self) -> bool:
        return self.summary is not None

    def metrics(self) -> list[dict[str, float | None]]:
        return read_metrics(self.path / METRICS)


def open_run(path: str | Path) -> RunRecord:
    """A run folder's config, summary and parent link, each checked against its schema (:mod:`run_schema`)."""
    path = Path(path).expanduser()
    special = describe_special(path)
    if special is not None:
        raise RunError(
            t("run.not_folder", "'{path}' is {special}, not a run folder.", path=shown(path), special=special)
        )
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RunError(t("run.folder_does_not", "Run folder '{path}' does not exist.", path=shown(path))) from None
    except OSError as err:
        raise RunError(
            t(
                "run.folder_cannot_read",
                "Run folder '{path}' cannot be read ({reason}).",
                path=shown(path),
                reason=os_reason(err),
            )
        ) from None
    if not stat.S_ISDIR(st.st_mode):
        raise RunError(t("run.file_not_folder", "'{path}' is a file, not a run folder.", path=shown(path)))
    if not os.path.lexists(path / CONFIG):
        raise RunError(
            t(
                "run.not_vision_lab",
                "'{path}' is not a Vision Lab run folder (it has no {config}).",
                path=shown(path),
                config=CONFIG,
            )
        )
    try:
        cfg = ExperimentConfig.load(path / CONFIG)
    except ConfigError as err:
        raise RunError(
            t("run.unusable_config", "The run in '{path}' has an unusable config: {error}", path=shown(path), error=err)
        ) from None
    if os.path.lexists(path / METRICS):  # read later, whole: a device or a huge file is refused now
        check_file(path / METRICS, "The run's metrics file", MAX_CSV, RunError)
    summary = _read_checked(path / SUMMARY, f"The run's {SUMMARY} in '{shown(path)}'", run_schema.summary)
    parent = _read_checked(path / PARENT, f"The run's {PARENT} in '{shown(path)}'", run_schema.parent_link)
    return RunRecord(path, cfg, summary, parent)


def _read_checked(path: Path, what: str, check: Callable[[Any, str], dict[str, Any]]) -> dict[str, Any] | None:
    """A run folder's JSON file through its schema check; None when the file is not there (yet)."""
    if not os.path.lexists(path):
        return None
    return check(run_schema.read_json(path, what), what)


def _read_json(path: Path) -> dict[str, Any] | None:
    """summary.json for a folder being watched: None while it is absent, half-written or damaged."""
    try:
        return _read_checked(path, f"The run's {path.name}", run_schema.summary)
    except RunError:
        return None


def read_metrics(path: Path) -> list[dict[str, float | None]]:
    """The rows of a metrics.csv; none when it is missing or is not a regular file of sane size (never read then:
    the views that draw curves must not block on a FIFO; export and resume say what is wrong in a sentence)."""
    rows: list[dict[str, float | None]] = []
    try:
        with open_file(path, f"The run's {METRICS}", MAX_CSV, RunError) as raw:
            fh = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            for row in csv.DictReader(fh):
                try:
                    rows.append({k: (float(v) if v not in ("", None) else None) for k, v in row.items() if k})
                except (ValueError, TypeError):
                    break  # a row cut off by a crash ends the readable part
            fh.detach()
    except (RunError, OSError, UnicodeDecodeError, csv.Error):
        pass  # absent, not a file, not text, NUL bytes: no (more) rows
    return rows


def load_checkpoint(path: Path, n_losses: int | None = None) -> dict[str, Any]:
    """checkpoint.pt, loaded without running code (``weights_only``) and checked field by field (:mod:`run_schema`);
    ``n_losses`` is the task's loss count, the width of a mid-epoch loss buffer."""
    file = path / CHECKPOINT
    if not os.path.lexists(file):
        raise RunError(
            t("run.no_checkpoint_resume", "The run in '{path}' has no checkpoint to resume from.", path=shown(path))
        )
    data = read_bytes(file, f"The run's {CHECKPOINT}", MAX_WEIGHTS, RunError)  # never blocks on a FIFO
    import torch

    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:
        raise RunError(
            t(
                "run.checkpoint_corrupt",
                "The checkpoint in '{path}' is corrupt ({error}).",
                path=path,
                error=err.__class__.__name__,
            )
        ) from None
    return run_schema.checkpoint(state, f"The checkpoint in '{shown(path)}'", n_losses)


@dataclass(frozen=True)
class RunInfo:
    """One line of a runs browser, read cheaply (no weights, no checkpoint): see :func:`list_runs`."""

    path: Path
    name: str
    """The config's name, or the folder's."""
    model: str
    dataset: str
    status: str
    """``completed``, ``stopped``, ``pruned``, ``diverged`` (from summary.json), or ``incomplete``: running now or
    cut off."""
    epochs: int
    """What the config asks for."""
    epochs_done: float | None
    step: int | None
    summary: dict[str, Any] | None
    parent: dict[str, Any] | None
    snapshot_epochs: tuple[int, ...]
    """Epoch ends a fork can start from (:func:`checkpoint_epochs`)."""
    resumable: bool
    """Has a checkpoint and did not diverge."""
    modified: float
    """When metrics.csv or summary.json last changed (seconds since the epoch): "is it running?"."""
    created: float = 0.0
    """When the run began (its folder's name, else its dataset.json, written once): a resumed run keeps its place."""
    limit: int | None = None
    """``data.limit``: the training images used when fewer than the dataset has."""


def run_info(path: str | Path) -> RunInfo:
    record = open_run(path)
    summary, cfg, p = record.summary, record.config, record.path
    last = _last_metrics_row(p / METRICS)
    if summary is not None:
        status = str(summary.get("status", "completed"))
        epochs_done, step = summary.get("epochs"), summary.get("steps")
    else:
        status = "incomplete"
        epochs_done = last.get("epoch") if last else None
        step = last.get("step") if last else None
    times = [f.stat().st_mtime for f in (p / METRICS, p / SUMMARY, p / CONFIG) if f.is_file()]
    return RunInfo(
        path=p,
        name=cfg.name or p.name,
        model=cfg.model,
        dataset=cfg.data.name,
        status=status,
        epochs=cfg.train.epochs,
        epochs_done=None if epochs_done is None else float(epochs_done),
        step=None if step is None else int(step),
        summary=summary,
        parent=record.parent,
        snapshot_epochs=tuple(checkpoint_epochs(p)),
        resumable=(p / CHECKPOINT).is_file() and status != "diverged",
        modified=max(times, default=0.0),
        created=_created(p),
        limit=cfg.data.limit,
    )


def _created(path: Path) -> float:
    """When a run began: the ``YYYYmmdd-HHMMSS`` its folder is named with, else dataset.json's time (written once,
    at the start), else the folder's."""
    try:
        return time.mktime(time.strptime(path.name[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        pass
    for candidate in (path / DATASET, path):
        try:
            return candidate.stat().st_mtime
        except OSError:
            continue
    return 0.0


def list_runs(root: str | Path) -> list[RunInfo]:
    """Every run folder directly under ``root``, newest first; folders that are not runs are left out."""
    root = Path(root).expanduser()
    if not root.is_dir():
        return []
    infos = []
    for child in root.iterdir():
        if child.is_dir() and (child / CONFIG).is_file():
            try:
                infos.append(run_info(child))
            except RunError:
                continue  # a half-written or foreign folder is not a run to list
    return sorted(infos, key=lambda i: i.modified, reverse=True)


def _last_metrics_row(path: Path) -> dict[str, float | None] | None:
    """The last complete row of metrics.csv, reading only the file's first line and its tail."""
    try:
        with open_file(path, f"The run's {METRICS}", MAX_CSV, RunError) as fh:
            header = fh.readline(64 * 1024).decode("utf-8", errors="replace")
            size = fh.seek(0, io.SEEK_END)
            fh.seek(max(len(header), size - 4096))
            tail = fh.read(8192).decode("utf-8", errors="replace")
    except (OSError, RunError):
        return None
    lines = [line for line in tail.split("\n")[:-1] if line.strip()]  # the last element is unterminated
    if not header.strip() or not lines:
        return None
    try:
        names = next(csv.reader([header]))
        values = next(csv.reader([lines[-1]]))
        return {k: (float(v) if v else None) for k, v in zip(names, values, strict=False)}
    except (ValueError, csv.Error, StopIteration):
        return None
