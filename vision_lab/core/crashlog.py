"""A bug's traceback goes to a log file in the user's data folder; the user reads one sentence that says where.

Front ends catch :class:`~vision_lab.core.errors.VisionLabError` (a user's mistake, one sentence) themselves;
anything else that reaches their top level is a bug. :func:`report_bug` appends its traceback to
``<data folder>/logs/errors.log`` (``vision_lab.core.paths.data_dir``; a temp folder if that cannot be written)
and returns the sentence to show: never a traceback on the terminal or in a dialog, where a learner cannot use it
and a teacher would not show it, but a file a bug report can attach.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from vision_lab.core.paths import data_dir

LOG_NAME = "errors.log"
MAX_LOG_BYTES = 1 << 20
"""Past this the log is moved to errors.log.1 (one old generation kept): bugs in a loop must not fill a disk."""


def log_path() -> Path:
    return data_dir() / "logs" / LOG_NAME


def summary(err: BaseException, limit: int = 160) -> str:
    """``ZeroDivisionError: division by zero``: the exception's type and first line, short and on one line."""
    lines = str(err).strip().splitlines()
    text = f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_log(err: BaseException, where: str = "") -> Path | None:
    """Append ``err``'s traceback (with the time, version and ``where``) to the log; the file, or None if no folder
    could be written."""
    from vision_lab import __version__

    header = f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} vision-lab {__version__}, Python {sys.version.split()[0]}"
    header += f", process {os.getpid()}" + (f", {where}" if where else "")
    text = header + "\n" + "".join(traceback.format_exception(type(err), err, err.__traceback__)) + "\n"
    for path in (log_path(), Path(tempfile.gettempdir()) / f"vision-lab-{LOG_NAME}"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                if path.stat().st_size > MAX_LOG_BYTES:
                    os.replace(path, path.with_name(path.name + ".1"))
            with open(path, "a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(text)
            return path
        except OSError:
            continue
    return None


def report_bug(err: BaseException, where: str = "") -> tuple[str, Path | None]:
    """Log ``err`` and return ``(sentence, log file)``: the one sentence a front end shows for a bug."""
    path = write_log(err, where)
    details = f"the details are in {path}" if path is not None else "its details could not be saved"
    return f"Something unexpected went wrong ({summary(err)}); this is a bug: {details}.", path


__all__ = ["LOG_NAME", "log_path", "report_bug", "summary", "write_log"]
