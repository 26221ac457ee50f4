"""Follow a run folder that another process is writing, by polling.

A ``vision-lab train`` in a terminal, or a run on another machine writing to a shared folder: the GUI
polls :meth:`RunFollower.poll` (every half second or so) and draws what came in. Polling, not
file-system events: network and shared folders do not deliver them.

What the writer guarantees (see :mod:`vision_lab.core.runs`) and what this relies on:

* metrics.csv grows a row at a time, each flushed whole; only a resume rewrites it (temp + rename,
  cut back to fewer rows) before appending again.
* config.json, preview-*.png and summary.json are replaced atomically, so a file that is there is whole
  (a foreign or network writer may still show a half-written one: it is retried, never fatal).
* summary.json is written last, after metrics.csv is closed.

Nothing here raises for a missing, half-written or unreadable file: that poll reports less, the next retries.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.errors import ConfigError, RunError
from vision_lab.core.run_files import CONFIG, METRICS, SUMMARY
from vision_lab.core.run_reader import _read_json
from vision_lab.core.safe_io import MAX_CSV, open_file

PREVIEW_PREFIX = "preview-"
PREVIEW_SUFFIX = ".png"

# (st_ino, st_mtime_ns, st_size): the inode catches an atomic replace even where mtime is coarse (FAT, SMB: 1-2 s).
_Signature = tuple[int, int, int]


def _signature(st: os.stat_result) -> _Signature:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass(frozen=True)
class FollowUpdate:
    """What one :meth:`RunFollower.poll` found new."""

    config: ExperimentConfig | None
    """Set on the first poll that reads a valid config.json, and again if it is rewritten differently (a resume)."""
    rows: list[dict[str, float | None]]
    """Complete metrics rows new since the last poll, parsed like :func:`~vision_lab.core.run_reader.read_metrics`."""
    restarted: bool
    """metrics.csv was replaced or shrank (a resume cut it back): ``rows`` holds ALL rows from the start,
    and the consumer clears what it drew before."""
    previews: tuple[Path, ...]
    """preview-*.png files new or changed since the last poll, sorted."""
    summary: dict[str, Any] | None
    """summary.json's content when it first appears or changes: the run ended."""

    @property
    def empty(self) -> bool:
        return (
            self.config is None and not self.rows and not self.restarted and not self.previews and self.summary is None
        )


class RunFollower:
    """Polls one run folder for its config, new metrics rows, previews and end.

    The folder need not exist yet (a run about to start). Cheap when nothing changed: one ``stat`` per
    file and one directory listing per poll; metrics.csv is read only from where the last poll stopped.
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir).expanduser()
        self.config: ExperimentConfig | None = None
        self.config_error: str | None = None
        """Why the config.json that is there was not usable on the last try (None once read, or while absent)."""
        self.summary: dict[str, Any] | None = None
        self.rows_read = 0
        """Rows delivered since metrics.csv was (re)started: what the consumer holds now."""
        self._config_sig: _Signature | None = None
        self._summary_sig: _Signature | None = None
        self._previews: dict[Path, _Signature] = {}
        # metrics.csv: the inode we read, bytes read from it, the unterminated tail of those bytes, the header.
        self._ino: int | None = None
        self._offset = 0
        self._partial = b""
        self._header: list[str] | None = None

    @property
    def waiting(self) -> bool:
        """True until a valid config.json is read: the folder or its config do not exist yet (or are half-written)."""
        return self.config is None

    @property
    def finished(self) -> bool:
        """summary.json is there: the run ended (False again if a resume removes it)."""
        return self.summary is not None

    def poll(self) -> FollowUpdate:
        config = self._poll_config()
        # summary.json before metrics.csv: the writer closes metrics.csv before writing summary.json, so once
        # the summary is seen the metrics read below is complete and `finished` never comes before the last rows.
        summary = self._poll_summary()
        rows, restarted = self._poll_metrics()
        previews = self._poll_previews()
        return FollowUpdate(config=config, rows=rows, restarted=restarted, previews=previews, summary=summary)

    def _poll_config(self) -> ExperimentConfig | None:
        path = self.path / CONFIG
        try:
            sig = _signature(path.stat())
        except OSError:
            return None
        if sig == self._config_sig:
            return None
        try:
            cfg = ExperimentConfig.load(path)
        except ConfigError as err:
            self.config_error = str(err)  # half-written or invalid: the signature is not kept, so the next poll retries
            return None
        self._config_sig, self.config_error = sig, None
        if cfg == self.config:
            return None
        self.config = cfg
        return cfg

    def _poll_summary(self) -> dict[str, Any] | None:
        path = self.path / SUMMARY
        try:
            sig = _signature(path.stat())
        except FileNotFoundError:
            self._summary_sig = self.summary = None  # gone: a resume removed it until the run ends again
            return None
        except OSError:
            return None
        if sig == self._summary_sig:
            return None
        summary = _read_json(path)
        if summary is None:
            return None  # half-written (a non-atomic writer): retried next poll
        self._summary_sig = sig
        if summary == self.summary:
            return None
        self.summary = summary
        return summary

    def _poll_metrics(self) -> tuple[list[dict[str, float | None]], bool]:
        path = self.path / METRICS
        try:
            st = path.stat()
        except FileNotFoundError:
            self._ino = None  # a file that reappears, even on a reused inode, is then a restart
            return [], False
        except OSError:
            return [], False
        if st.st_ino == self._ino and st.st_size == self._offset:
            return [], False  # the usual case: nothing new, one stat
        try:
            # Never blocks: a FIFO or a device named metrics.csv is refused (this runs on the GUI's timer).
            with open_file(path, "metrics.csv", MAX_CSV, RunError) as fh:
                st = os.fstat(fh.fileno())  # the file actually opened, in case it was replaced after the stat
                restarted = self._offset > 0 and (st.st_ino != self._ino or st.st_size < self._offset)
                offset = 0 if restarted else self._offset
                fh.seek(offset)
                data = fh.read(MAX_CSV)
        except (OSError, RunError):
            return [], False  # state untouched: the next poll tries again from the same place
        if restarted or self._ino is None:
            self._header, self._partial = None, b""
        if restarted:
            self.rows_read = 0
        self._ino, self._offset = st.st_ino, offset + len(data)
        data = self._partial + data
        cut = data.rfind(b"\n") + 1  # only complete lines; the rest waits for its end
        self._partial = data[cut:]
        rows = self._parse(data[:cut].splitlines())
        self.rows_read += len(rows)
        return rows, restarted

    def _parse(self, lines: list[bytes]) -> list[dict[str, float | None]]:
        rows: list[dict[str, float | None]] = []
        for raw in lines:
            try:
                values = next(csv.reader([raw.decode("utf-8")]), [])
            except (UnicodeDecodeError, csv.Error):
                continue
            if self._header is None:
                self._header = values
                continue
            if not values:
                continue  # csv.DictReader skips blank rows too
            try:
                # As read_metrics (csv.DictReader): a missing cell is None, an extra one or an unnamed column dropped.
                row = {
                    name: (float(values[i]) if i < len(values) and values[i] != "" else None)
                    for i, name in enumerate(self._header)
                    if name
                }
            except ValueError:
                continue  # a malformed row is skipped; the rows after it still count
            rows.append(row)
        return rows

    def _poll_previews(self) -> tuple[Path, ...]:
        changed: list[Path] = []
        seen: dict[Path, _Signature] = {}
        try:
            with os.scandir(self.path) as entries:
                for entry in entries:
                    name = entry.name
                    if not (name.startswith(PREVIEW_PREFIX) and name.endswith(PREVIEW_SUFFIX)):
                        continue
                    try:
                        sig = _signature(entry.stat())
                    except OSError:
                        continue  # replaced or removed between the listing and the stat
                    path = Path(entry.path)
                    seen[path] = sig
                    if self._previews.get(path) != sig:
                        changed.append(path)
        except OSError:
            return ()
        self._previews = seen  # a preview removed and written again is then new again
        return tuple(sorted(changed))
