"""The run folder on disk.

::

    RUN_DIR/
      config.json          the whole experiment (``vision-lab train --config`` re-runs it)
      dataset.json         what the data looked like: name, sizes, image shape, class names
      metrics.csv          a row every ``log_every`` steps and one per epoch end
      weights.safetensors  model weights (never pickle)
      checkpoint.pt        optimizer state, RNG state and counters (loaded with weights_only=True)
      preview-*.png        grids of the last previews
      summary.json         final figures; written LAST, so its presence marks a complete run

Every file is written atomically (temp file + rename): a crash leaves the previous version.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from vision_lab.core.atomic import atomic_save, atomic_write_bytes, atomic_write_text
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.events import Preview
from vision_lab.core.images import make_grid, save_png

CONFIG = "config.json"
METRICS = "metrics.csv"
WEIGHTS = "weights.safetensors"
CHECKPOINT = "checkpoint.pt"
SUMMARY = "summary.json"
DATASET = "dataset.json"
TIMING_COLUMNS = ("samples_per_s", "elapsed_s")


def new_run_dir(root: Path, cfg: ExperimentConfig) -> Path:
    """A fresh folder name under ``root``: ``YYYYmmdd-HHMMSS-<model>-<dataset>``."""
    dataset = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(cfg.data.name).name or "data")[:40]
    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg.model}-{dataset}"
    path = root / stem
    n = 2
    while path.exists():
        path = root / f"{stem}-{n}"
        n += 1
    return path


class RunWriter:
    """Writes one run folder as training goes."""

    def __init__(self, path: Path, cfg: ExperimentConfig, columns: list[str], dataset: Any) -> None:
        self.path = Path(path)
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise RunError(f"Run folder '{self.path}' already exists and is not empty; choose a new folder.")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path / CONFIG, cfg.to_json())
            atomic_write_text(self.path / DATASET, json.dumps(dataclasses.asdict(dataset), indent=2) + "\n")
        except OSError as err:
            raise RunError(f"Cannot write the run folder '{self.path}': {err.strerror or err}.") from None
        self.columns = columns
        self._csv = open(self.path / METRICS, "w", newline="", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        self._writer = csv.writer(self._csv)
        self._writer.writerow(columns)
        self._csv.flush()

    def log(self, row: dict[str, float | int | None]) -> None:
        self._writer.writerow([_fmt(row.get(c)) for c in self.columns])
        self._csv.flush()

    def save_checkpoint(self, modules: dict[str, torch.nn.Module], extra: dict[str, Any]) -> None:
        save_weights(self.path / WEIGHTS, modules)
        buf = io.BytesIO()
        torch.save(extra, buf)
        atomic_write_bytes(self.path / CHECKPOINT, buf.getvalue())

    def save_preview(self, preview: Preview) -> None:
        save_preview_png(preview, self.path / f"preview-{preview.kind}.png")

    def finish(self, summary: dict[str, Any]) -> None:
        self.close()
        atomic_write_text(self.path / SUMMARY, json.dumps(summary, indent=2, default=_json_default) + "\n")

    def close(self) -> None:
        if not self._csv.closed:
            self._csv.close()


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


def save_weights(path: Path, modules: dict[str, torch.nn.Module]) -> None:
    tensors = {
        f"{name}.{key}": t.detach().cpu().contiguous()
        for name, module in modules.items()
        for key, t in module.state_dict().items()
    }
    atomic_save(path, lambda tmp: save_file(tensors, str(tmp), metadata={"format": "vision-lab/1"}))


def load_weights(path: Path, modules: dict[str, torch.nn.Module]) -> None:
    try:
        tensors = load_file(str(path))
    except FileNotFoundError:
        raise RunError(f"The run has no weights file '{path}'.") from None
    except Exception as err:  # safetensors raises its own error types for corrupt files
        raise RunError(f"The weights file '{path}' is corrupt or not a safetensors file ({err}).") from None
    for name, module in modules.items():
        prefix = f"{name}."
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(state)
        except RuntimeError as err:
            raise RunError(
                f"The weights in '{path}' do not fit the run's model ({str(err).splitlines()[0]})."
            ) from None


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

    @property
    def complete(self) -> bool:
        return self.summary is not None

    def metrics(self) -> list[dict[str, float | None]]:
        return read_metrics(self.path / METRICS)


def open_run(path: str | Path) -> RunRecord:
    path = Path(path).expanduser()
    if not path.is_dir():
        raise RunError(f"Run folder '{path}' does not exist.")
    if not (path / CONFIG).is_file():
        raise RunError(f"'{path}' is not a Vision Lab run folder (it has no {CONFIG}).")
    try:
        cfg = ExperimentConfig.load(path / CONFIG)
    except ConfigError as err:
        raise RunError(f"The run in '{path}' has an unusable config: {err}") from None
    summary = None
    if (path / SUMMARY).is_file():
        try:
            summary = json.loads((path / SUMMARY).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            summary = None
    return RunRecord(path, cfg, summary)


def read_metrics(path: Path) -> list[dict[str, float | None]]:
    rows: list[dict[str, float | None]] = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                try:
                    rows.append({k: (float(v) if v not in ("", None) else None) for k, v in row.items() if k})
                except ValueError:
                    break  # a row cut off by a crash ends the readable part
    except FileNotFoundError:
        pass
    return rows


def load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        return torch.load(path / CHECKPOINT, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise RunError(f"The run in '{path}' has no checkpoint to resume from.") from None
    except Exception as err:
        raise RunError(f"The checkpoint in '{path}' is corrupt ({err.__class__.__name__}).") from None
