"""The run folder on disk.

::

    RUN_DIR/
      config.json          the whole experiment (``vision-lab train --config`` re-runs it)
      dataset.json         what the data looked like: name, sizes, image shape, class names
      metrics.csv          a row every ``log_every`` steps and one per epoch end
      weights.safetensors  model weights (never pickle)
      checkpoint.pt        optimizer state, RNG state and counters (loaded with weights_only=True)
      .weights.previous.safetensors  the weights of the checkpoint before (crash recovery, see save_checkpoint)
      checkpoints/         epoch-0003.safetensors: weights only, one per epoch end (cheap; what a fork starts from)
      parent.json          a fork's parent: {"run": path, "epoch": e, "step": s} (summary.json repeats it)
      preview-*.png        grids of the last previews
      summary.json         final figures; written LAST, so its presence marks a complete run

Every file is written atomically (temp file + rename): a crash leaves the previous version, and the temp files
a killed process left behind are swept when the run is continued. A write that fails (disk full, folder gone or
read-only) does not raise out of the training loop: the writer records one sentence in ``RunWriter.error``, calls
``on_error`` (the trainer stops) and writes nothing more, so the trained model in memory survives.

Reading a folder lives in :mod:`run_reader`, the file names in :mod:`run_files` and the weights' safetensors I/O in
:mod:`weights_io`; their public names are importable from here too (``__all__``), as they were before the split.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vision_lab.core.atomic import atomic_write_bytes, atomic_write_text
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import RunError
from vision_lab.core.events import Preview
from vision_lab.core.i18n import t
from vision_lab.core.images import make_grid, save_png
from vision_lab.core.run_backup import FolderBackup
from vision_lab.core.run_files import (
    CHECKPOINT,
    CHECKPOINTS,
    CONFIG,
    DATASET,
    METRICS,
    PARENT,
    PREVIOUS_WEIGHTS,
    RUN_FILES,
    SUMMARY,
    WEIGHTS,
    checkpoint_epochs,
    checkpoint_weights_path,
    epoch_weights_path,
)
from vision_lab.core.run_reader import RunInfo, RunRecord, list_runs, load_checkpoint, open_run, read_metrics, run_info
from vision_lab.core.runlock import LOCK_NAME, RunLock, lock_run
from vision_lab.core.safe_io import MAX_CSV, os_reason, read_text, shown
from vision_lab.core.weights_io import _save_states, load_weights, save_safetensors, save_weights, weights_metadata

if TYPE_CHECKING:  # listing and opening runs (the window's Runs list) needs no torch: only writing and loading do
    import torch

__all__ = [
    "CHECKPOINT",
    "CHECKPOINTS",
    "CONFIG",
    "DATASET",
    "MAX_EPOCH_SNAPSHOTS",
    "METRICS",
    "PARENT",
    "PREVIOUS_WEIGHTS",
    "RUN_FILES",
    "SUMMARY",
    "TIMING_COLUMNS",
    "WEIGHTS",
    "RunInfo",
    "RunRecord",
    "RunWriter",
    "checkpoint_epochs",
    "checkpoint_weights_path",
    "epoch_weights_path",
    "list_runs",
    "load_checkpoint",
    "load_weights",
    "new_run_dir",
    "open_run",
    "read_metrics",
    "run_info",
    "save_model",
    "save_preview_png",
    "save_safetensors",
    "save_weights",
    "sweep_temp_files",
    "weights_metadata",
]

MAX_EPOCH_SNAPSHOTS = 12
TIMING_COLUMNS = ("samples_per_s", "elapsed_s")


def new_run_dir(root: Path, cfg: ExperimentConfig) -> Path:
    """A fresh, empty folder under ``root``: ``YYYYmmdd-HHMMSS-<model>-<dataset>`` (then -2, -3...).

    Created here, exclusively, not just named: two runs started in the same second (twin runs, a CLI run
    beside the GUI's) would otherwise both pick the same name and write into one folder.
    """
    dataset = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(cfg.data.name).name or "data")[:40]
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg.model}-{dataset}"
    path, n = root / stem, 2
    while True:
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            path, n = root / f"{stem}-{n}", n + 1
        except OSError as err:
            raise RunError(
                t(
                    "run.cannot_create_folder",
                    "Cannot create a run folder in '{path}': {reason}.",
                    path=shown(root),
                    reason=os_reason(err),
                )
            ) from None


class RunWriter:
    """Writes one run folder as training goes.

    ``append``: continue an existing run in place (resume): config.json is rewritten (its length may have
    changed), summary.json removed until the run ends again, and metrics.csv cut back to its header plus
    ``keep_rows`` rows (the rows its checkpoint accounts for; None keeps them all) so that rows written
    after the last checkpoint, by a run that was killed, are not there twice. Before any of that the folder is
    backed up (:class:`~vision_lab.core.run_backup.FolderBackup`): :meth:`rollback` puts it back as it was if the
    resume fails, :meth:`commit` drops the backup once it ended. ``parent``: a fork's parent.
    """

    def __init__(
        self,
        path: Path,
        cfg: ExperimentConfig,
        columns: list[str],
        dataset: Any,
        *,
        append: bool = False,
        keep_rows: int | None = None,
        parent: dict[str, Any] | None = None,
        lock: RunLock | None = None,
    ) -> None:
        self.path = Path(path)
        self.lock = lock
        """The folder's lock (:mod:`runlock`): taken here for a new folder, the resuming trainer's otherwise;
        released by :meth:`finish` and :meth:`close`."""
        self.columns = columns
        self.rows = 0
        """Data rows in metrics.csv; a checkpoint records it."""
        self.error: str | None = None
        """Set by the first write that failed (one sentence); every write after it is skipped."""
        self.on_error: Callable[[], None] | None = None
        """Called once, on that first failure (the trainer stops the run there)."""
        self._backup: FolderBackup | None = None
        if append:
            self._reopen(cfg, keep_rows)
            return
        try:
            if self.path.exists() and (not self.path.is_dir() or any(p.name != LOCK_NAME for p in self.path.iterdir())):
                raise RunError(
                    t(
                        "run.folder_already_exists",
                        "Run folder '{path}' already exists and is not empty; choose a new folder.",
                        path=self.path,
                    )
                )
            self.path.mkdir(parents=True, exist_ok=True)
            if self.lock is None:
                self.lock = lock_run(self.path)  # before the first file: two runs told the same --out, one wins
            atomic_write_text(self.path / CONFIG, cfg.to_json())
            atomic_write_text(self.path / DATASET, json.dumps(dataclasses.asdict(dataset), indent=2) + "\n")
            if parent is not None:
                atomic_write_text(self.path / PARENT, json.dumps(parent, indent=2) + "\n")
            self._csv = open(self.path / METRICS, "w", newline="", encoding="utf-8")  # noqa: SIM115 - kept open
            self._writer = csv.writer(self._csv)
            self._writer.writerow(columns)
            self._csv.flush()
        except (OSError, RunError) as err:
            self._unlock()
            if isinstance(err, RunError):
                raise
            raise RunError(
                t(
                    "run.cannot_write_folder",
                    "Cannot write the run folder '{path}': {reason}.",
                    path=shown(self.path),
                    reason=os_reason(err),
                )
            ) from None

    def _reopen(self, cfg: ExperimentConfig, keep_rows: int | None) -> None:
        metrics = self.path / METRICS
        if not os.path.lexists(metrics):
            raise RunError(
                t(
                    "run.no_continue",
                    "The run in '{path}' has no {metrics} to continue.",
                    path=shown(self.path),
                    metrics=METRICS,
                )
            )
        lines = read_text(metrics, f"The run's {METRICS}", MAX_CSV, RunError).splitlines(keepends=True)
        if not lines or next(csv.reader(lines[:1])) != self.columns:
            raise RunError(
                t(
                    "run.does_not_columns",
                    "'{path}' does not have the columns this run writes; it cannot be continued.",
                    path=metrics,
                )
            )
        rows = [line for line in lines[1:] if line.endswith("\n")]  # a row cut off by a crash is dropped
        if keep_rows is not None:
            rows = rows[:keep_rows]
        try:
            self._backup = FolderBackup(self.path)  # before the first change: a failed resume puts it all back
        except OSError as err:
            raise RunError(
                t(
                    "run.cannot_write_folder",
                    "Cannot write the run folder '{path}': {reason}.",
                    path=self.path,
                    reason=err.strerror or err,
                )
            ) from None
        try:
            sweep_temp_files(self.path)
            self._repair_weights()
            atomic_write_text(metrics, "".join([lines[0], *rows]))
            atomic_write_text(self.path / CONFIG, cfg.to_json())
            (self.path / SUMMARY).unlink(missing_ok=True)
            self._csv = open(metrics, "a", newline="", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        except OSError as err:
            self.rollback()
            raise RunError(
                t(
                    "run.cannot_write_folder",
                    "Cannot write the run folder '{path}': {reason}.",
                    path=self.path,
                    reason=err.strerror or err,
                )
            ) from None
        self.rows = len(rows)
        self._writer = csv.writer(self._csv)

    def _repair_weights(self) -> None:
        """After a kill between the weights' write and the checkpoint's, put the checkpoint's own weights back in
        place: the next save links weights.safetensors to PREVIOUS_WEIGHTS, which must then be the checkpoint's."""
        try:
            step = int(load_checkpoint(self.path)["step"])
        except (RunError, KeyError, TypeError, ValueError):
            return  # nothing to pair with (a fresh folder, or no checkpoint yet)
        if checkpoint_weights_path(self.path, step).name == PREVIOUS_WEIGHTS:
            os.replace(self.path / PREVIOUS_WEIGHTS, self.path / WEIGHTS)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[bool]:
        """``with self._writing() as ok: if ok: ...``: a failed write becomes :attr:`error`, once, not an exception."""
        if self.error is not None:
            yield False
            return
        try:
            yield True
        except OSError as err:
            self.error = f"Cannot write the run folder '{self.path}' ({err.strerror or err})."
            with contextlib.suppress(OSError):
                self._csv.close()
            if self.on_error is not None:
                self.on_error()

    def log(self, row: dict[str, float | int | None]) -> None:
        with self._writing() as ok:
            if ok:
                self._writer.writerow([_fmt(row.get(c)) for c in self.columns])
                self._csv.flush()
                self.rows += 1

    def save_checkpoint(self, modules: dict[str, torch.nn.Module], extra: dict[str, Any]) -> None:
        with self._writing() as ok:
            if ok:
                weights = self.path / WEIGHTS
                # A kill between the two writes below leaves new weights beside the old checkpoint: the old weights
                # stay under PREVIOUS_WEIGHTS (a hard link: no copy) until the new checkpoint is in place, and
                # :func:`checkpoint_weights_path` picks the file whose step matches the checkpoint's.
                if weights.is_file():
                    _link_or_copy(weights, self.path / PREVIOUS_WEIGHTS)
                # The step in the weights' metadata is what tells the two apart.
                save_weights(weights, modules, {"step": str(extra["step"])} if "step" in extra else None)
                import torch

                buf = io.BytesIO()
                torch.save(extra, buf)
                atomic_write_bytes(self.path / CHECKPOINT, buf.getvalue())

    def save_epoch_weights(self, modules: dict[str, torch.nn.Module], epoch: int, step: int) -> None:
        """Weights at an epoch end, for forks: ``checkpoints/epoch-0003.safetensors`` (its metadata: epoch, step)."""
        with self._writing() as ok:
            if ok:
                self._save_epoch_weights(modules, epoch, step)

    def _save_epoch_weights(self, modules: dict[str, torch.nn.Module], epoch: int, step: int) -> None:
        path = epoch_weights_path(self.path, epoch)
        path.parent.mkdir(exist_ok=True)
        save_weights(path, modules, {"epoch": str(epoch), "step": str(step)})
        # A default GAN's snapshot is ~20 MB: keep at most MAX_EPOCH_SNAPSHOTS, spread over the run (the first
        # and the latest always), dropping the one whose neighbours are closest each time.
        epochs = checkpoint_epochs(self.path)
        while len(epochs) > MAX_EPOCH_SNAPSHOTS:
            i = min(range(1, len(epochs) - 1), key=lambda j: (epochs[j + 1] - epochs[j - 1], epochs[j]))
            epoch_weights_path(self.path, epochs.pop(i)).unlink(missing_ok=True)

    def save_preview(self, preview: Preview) -> None:
        with self._writing() as ok:
            if ok:
                save_preview_png(preview, self.path / f"preview-{preview.kind}.png")

    def finish(self, summary: dict[str, Any]) -> None:
        try:
            with self._writing() as ok:
                if ok:
                    self._csv.close()
                    text = json.dumps(summary, indent=2, default=_json_default) + "\n"
                    atomic_write_text(self.path / SUMMARY, text)
        finally:
            self._unlock()

    def close(self) -> None:
        handle = getattr(self, "_csv", None)  # none yet if the folder could not be opened
        with contextlib.suppress(OSError):  # a full disk fails the last flush too; error already says so
            if handle is not None and not handle.closed:
                handle.close()
        self._unlock()

    def _unlock(self) -> None:
        lock, self.lock = getattr(self, "lock", None), None
        if lock is not None:
            lock.release()

    def commit(self) -> None:
        """The resume ended (completed, stopped or diverged): what it wrote stands, the backup goes."""
        if self._backup is not None:
            self._backup.discard()
            self._backup = None

    def rollback(self) -> None:
        """The resume failed: the folder goes back to what it was before it (nothing of a new run is undone); the
        lock is let go only once it has."""
        lock, self.lock = self.lock, None  # held through the restore: nobody may start writing the folder meanwhile
        try:
            self.close()
            if self._backup is not None:
                backup, self._backup = self._backup, None
                with contextlib.suppress(OSError):  # a folder that vanished cannot be put back; the error says why
                    backup.restore()
        finally:
            if lock is not None:
                lock.release()


def _link_or_copy(src: Path, dst: Path) -> None:
    """``dst`` becomes ``src``'s content, atomically (a link where the file system has them, else a copy)."""
    tmp = dst.with_name(f"{dst.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def sweep_temp_files(run: Path) -> list[Path]:
    """Remove the temp files (``.name.XXXX.tmp``) that writes cut off by a kill left in ``run``; returns them.

    Only for a run this process is about to write: nobody else writes a run folder at the same time.
    """
    swept = []
    for folder in (run, run / CHECKPOINTS):
        for path in folder.glob(".*.tmp") if folder.is_dir() else ():
            with contextlib.suppress(OSError):
                path.unlink()
                swept.append(path)
    return swept


def save_model(
    folder: Path, cfg: ExperimentConfig, dataset: Any, weights: dict[str, dict[str, np.ndarray]], step: int
) -> Path:
    """Write a model held in memory (``Finished.weights``) as a minimal run folder: config.json, dataset.json and
    weights.safetensors, which :func:`vision_lab.core.inference.load_run_models`, export and Open run read.

    For a run whose own folder could not be written. Raises RunError in one sentence if this one cannot be either.
    """
    import torch

    folder = Path(folder).expanduser()
    # torch.tensor copies, and keeps 0-d 0-d (np.ascontiguousarray would make it 1-d).
    states = {name: {key: torch.tensor(value) for key, value in state.items()} for name, state in weights.items()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / CONFIG, cfg.to_json())
        atomic_write_text(folder / DATASET, json.dumps(dataclasses.asdict(dataset), indent=2) + "\n")
        _save_states(folder / WEIGHTS, states, {"step": str(step)})
    except OSError as err:
        raise RunError(
            t(
                "run.cannot_save_model",
                "Cannot save the model in '{path}': {reason}.",
                path=folder,
                reason=err.strerror or err,
            )
        ) from None
    return folder


def _fmt(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def save_preview_png(preview: Preview, path: Path) -> None:
    if preview.kind == "reconstructions" and preview.outputs is not None:
        n = len(preview.images)
        grid = make_grid(np.concatenate([preview.images, preview.outputs]), ncols=n)
    elif preview.kind in ("segmentation", "detections"):
        from vision_lab.core.overlays import preview_picture

        images, rows = preview_picture(preview)  # the scenes over their masks, or with their boxes
        grid = make_grid(np.concatenate([images, *rows]), ncols=len(images))
    else:
        grid = make_grid(preview.images)
    save_png(grid, path, scale=1 if preview.kind == "detections" else 2)  # boxes are drawn enlarged already
