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
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import SafetensorError, safe_open

from vision_lab.core import run_schema
from vision_lab.core.atomic import atomic_save, atomic_write_bytes, atomic_write_text
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.events import Preview
from vision_lab.core.images import make_grid, save_png
from vision_lab.core.run_backup import FolderBackup
from vision_lab.core.runlock import LOCK_NAME, RunLock, lock_run
from vision_lab.core.safe_io import (
    MAX_CSV,
    MAX_WEIGHTS,
    check_file,
    describe_special,
    open_file,
    os_reason,
    read_bytes,
    read_text,
    shown,
)

if TYPE_CHECKING:  # listing and opening runs (the window's Runs list) needs no torch: only writing and loading do
    import torch

CONFIG = "config.json"
METRICS = "metrics.csv"
WEIGHTS = "weights.safetensors"
PREVIOUS_WEIGHTS = ".weights.previous.safetensors"
CHECKPOINT = "checkpoint.pt"
SUMMARY = "summary.json"
DATASET = "dataset.json"
PARENT = "parent.json"
CHECKPOINTS = "checkpoints"
RUN_FILES = frozenset({CONFIG, METRICS, WEIGHTS, PREVIOUS_WEIGHTS, CHECKPOINT, SUMMARY, DATASET, PARENT, CHECKPOINTS})
"""What a run folder holds besides its preview-*.png: nothing else may write these names there."""
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
            raise RunError(f"Cannot create a run folder in '{shown(root)}': {os_reason(err)}.") from None


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
                raise RunError(f"Run folder '{self.path}' already exists and is not empty; choose a new folder.")
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
            raise RunError(f"Cannot write the run folder '{shown(self.path)}': {os_reason(err)}.") from None

    def _reopen(self, cfg: ExperimentConfig, keep_rows: int | None) -> None:
        metrics = self.path / METRICS
        if not os.path.lexists(metrics):
            raise RunError(f"The run in '{shown(self.path)}' has no {METRICS} to continue.")
        lines = read_text(metrics, f"The run's {METRICS}", MAX_CSV, RunError).splitlines(keepends=True)
        if not lines or next(csv.reader(lines[:1])) != self.columns:
            raise RunError(f"'{metrics}' does not have the columns this run writes; it cannot be continued.")
        rows = [line for line in lines[1:] if line.endswith("\n")]  # a row cut off by a crash is dropped
        if keep_rows is not None:
            rows = rows[:keep_rows]
        try:
            self._backup = FolderBackup(self.path)  # before the first change: a failed resume puts it all back
        except OSError as err:
            raise RunError(f"Cannot write the run folder '{self.path}': {err.strerror or err}.") from None
        try:
            sweep_temp_files(self.path)
            self._repair_weights()
            atomic_write_text(metrics, "".join([lines[0], *rows]))
            atomic_write_text(self.path / CONFIG, cfg.to_json())
            (self.path / SUMMARY).unlink(missing_ok=True)
            self._csv = open(metrics, "a", newline="", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        except OSError as err:
            self.rollback()
            raise RunError(f"Cannot write the run folder '{self.path}': {err.strerror or err}.") from None
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


def checkpoint_weights_path(run: Path, step: int) -> Path:
    """The weights that go with the checkpoint at ``step``: weights.safetensors, unless a kill between the weights'
    write and the checkpoint's left newer weights there and the checkpoint's own are the previous ones."""
    current = Path(run) / WEIGHTS
    previous = Path(run) / PREVIOUS_WEIGHTS
    saved = weights_metadata(current).get("step") if current.is_file() else None
    if saved is not None and int(saved) != step and previous.is_file():
        with contextlib.suppress(RunError, ValueError):
            if int(weights_metadata(previous).get("step", -1)) == step:
                return previous
    return current


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
        raise RunError(f"Cannot save the model in '{folder}': {err.strerror or err}.") from None
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


def save_weights(path: Path, modules: dict[str, torch.nn.Module], metadata: dict[str, str] | None = None) -> None:
    states = {
        name: {key: t.detach().cpu().contiguous() for key, t in module.state_dict().items()}
        for name, module in modules.items()
    }
    _save_states(path, states, metadata)


def _save_states(path: Path, states: dict[str, dict[str, torch.Tensor]], metadata: dict[str, str] | None) -> None:
    """One safetensors file of every module's state, keys ``module.key``: the format all weights files share."""
    tensors = {f"{name}.{key}": t for name, state in states.items() for key, t in state.items()}
    meta = {"format": "vision-lab/1", **(metadata or {})}
    atomic_save(path, lambda tmp: save_safetensors(tensors, tmp, meta))


def save_safetensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """safetensors' save_file, whose I/O failures (disk full, file too large) become the OSError they are."""
    from safetensors.torch import save_file

    try:
        save_file(tensors, str(path), metadata=metadata)
    except SafetensorError as err:
        found = re.search(r"os error (\d+)", str(err))
        if found is None:
            raise
        code = int(found.group(1))
        raise OSError(code, os.strerror(code), str(path)) from None


def epoch_weights_path(run: Path, epoch: int) -> Path:
    return Path(run) / CHECKPOINTS / f"epoch-{epoch:04d}.safetensors"


def checkpoint_epochs(run: str | Path) -> list[int]:
    """Epochs with a weights snapshot in ``run`` (0 is the starting weights), ascending: what a fork can start from."""
    epochs = []
    for path in (Path(run) / CHECKPOINTS).glob("epoch-*.safetensors"):
        suffix = path.stem.removeprefix("epoch-")
        if suffix.isdigit() and path.is_file():  # a folder or a FIFO by that name holds no weights to start from
            epochs.append(int(suffix))
    return sorted(epochs)


def weights_metadata(path: Path) -> dict[str, str]:
    """The metadata of a safetensors file (``{}`` when it has none); its step and epoch are checked whole numbers."""
    meta, _header = _weights_header(path)
    return meta


def _weights_header(path: Path) -> tuple[dict[str, str], dict[str, tuple[tuple[int, ...], str]]]:
    """A weights file's metadata and its tensors' shapes and types, read from its header alone (no tensor data)."""
    if not os.path.lexists(path):
        raise RunError(f"The run has no weights file '{path}'.")
    run_schema.check_weights_file(path)
    try:
        with safe_open(str(path), framework="numpy") as fh:  # the header alone: no need to load torch
            meta = dict(fh.metadata() or {})
            header = {}
            for key in fh.keys():  # noqa: SIM118 - a safetensors handle, not a dict
                part = fh.get_slice(key)
                header[key] = (tuple(part.get_shape()), str(part.get_dtype()))
    except FileNotFoundError:
        raise RunError(f"The run has no weights file '{path}'.") from None
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise RunError(f"The weights file '{path}' is corrupt or not a safetensors file ({err}).") from None
    return run_schema.weights_metadata(meta, f"The weights file '{shown(path)}'"), header


def load_weights(path: Path, modules: dict[str, torch.nn.Module], *, check_only: bool = False) -> None:
    """Load ``modules`` from a weights file, once its header shows the file holds exactly their tensors
    (``check_only``: only that; ``modules`` may then be on the meta device, shapes without memory)."""
    _meta, header = _weights_header(path)
    run_schema.check_weights_fit(path, header, modules)
    if check_only:
        return
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(path))
    except FileNotFoundError:
        raise RunError(f"The run has no weights file '{path}'.") from None
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise RunError(f"The weights file '{path}' is corrupt or not a safetensors file ({err}).") from None
    for name, module in modules.items():
        prefix = f"{name}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        problem = _misfit(state, module, prefix)
        if problem is None:
            try:
                module.load_state_dict(state)
            except RuntimeError as err:
                problem = str(err).splitlines()[0]
        if problem is not None:
            raise RunError(f"The weights in '{shown(path)}' do not fit the run's model: {problem}.")


def _misfit(state: dict[str, torch.Tensor], module: torch.nn.Module, prefix: str) -> str | None:
    """What stops ``state`` loading into ``module``, as a clause naming the layer (PyTorch's own message starts with
    "Error(s) in loading state_dict for Sequential:" and puts the useful part on the lines after)."""
    own = module.state_dict()
    for key, tensor in own.items():
        if key not in state:
            return f"the file has no {prefix}{key}"
        if tuple(state[key].shape) != tuple(tensor.shape):
            return (
                f"{prefix}{key} is {_shape(state[key])} in the file but {_shape(tensor)} in the model (the data or the "
                "model settings changed since it was saved)"
            )
    extra = sorted(set(state) - set(own))
    return f"the file has {prefix}{extra[0]}, which the model has not" if extra else None


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(map(str, tensor.shape)) or "a single number"


def save_preview_png(preview: Preview, path: Path) -> None:
    if preview.kind == "reconstructions" and preview.outputs is not None:
        n = len(preview.images)
        grid = make_grid(np.concatenate([preview.images, preview.outputs]), ncols=n)
    else:
        grid = make_grid(preview.images)
    save_png(grid, path, scale=2)


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
        raise RunError(f"'{shown(path)}' is {special}, not a run folder.")
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RunError(f"Run folder '{shown(path)}' does not exist.") from None
    except OSError as err:
        raise RunError(f"Run folder '{shown(path)}' cannot be read ({os_reason(err)}).") from None
    if not stat.S_ISDIR(st.st_mode):
        raise RunError(f"'{shown(path)}' is a file, not a run folder.")
    if not os.path.lexists(path / CONFIG):
        raise RunError(f"'{shown(path)}' is not a Vision Lab run folder (it has no {CONFIG}).")
    try:
        cfg = ExperimentConfig.load(path / CONFIG)
    except ConfigError as err:
        raise RunError(f"The run in '{shown(path)}' has an unusable config: {err}") from None
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
        raise RunError(f"The run in '{shown(path)}' has no checkpoint to resume from.")
    data = read_bytes(file, f"The run's {CHECKPOINT}", MAX_WEIGHTS, RunError)  # never blocks on a FIFO
    import torch

    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:
        raise RunError(f"The checkpoint in '{path}' is corrupt ({err.__class__.__name__}).") from None
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
    """``completed``, ``stopped``, ``diverged`` (from summary.json), or ``incomplete``: running now or cut off."""
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
