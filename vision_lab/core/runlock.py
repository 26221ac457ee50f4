"""One writer per run folder: a process that trains a run holds its lock, and a second one is refused by name.

Two processes appending to one metrics.csv and replacing each other's checkpoints would leave a run that neither
of them trained (a ``vision-lab train --resume`` while another one, or the window, trains the same folder). The
lock is ``flock`` on ``RUN_DIR/.lock`` (``msvcrt.locking`` on Windows): the operating system drops it when the
holder's process ends however it ends, SIGKILL and power loss included, so no stale lock ever has to be cleared
by hand. While held, the file names its holder (what, process id, host, since when) so the refused process can
say who has the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from vision_lab.core.errors import RunError
from vision_lab.core.safe_io import KB, os_reason, read_text, shown

LOCK_NAME = ".lock"

_holder: dict[str, Any] = {"what": "a Vision Lab process", "pid": None}


def set_holder(what: str, pid: int | None = None) -> None:
    """How this process is named to a refused one: "vision-lab train", "the Vision Lab window" (and whose process
    id to give: the window's for its training process)."""
    _holder.update(what=what, pid=pid)


class RunLock:
    """An exclusive, non-blocking lock on one run folder, held until :meth:`release` or the process ends."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        """Take the lock, or raise RunError naming the process that holds it."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as err:
            raise RunError(f"Cannot lock the run folder '{shown(self.path.parent)}' ({os_reason(err)}).") from None
        if not _try_lock(fd):
            os.close(fd)
            raise RunError(_refusal(self.path))
        self._fd = fd
        info = {
            "what": _holder["what"],
            "pid": _holder["pid"] or os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        with contextlib.suppress(OSError):  # the name is a courtesy; the lock is what counts
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, (json.dumps(info) + "\n").encode())
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no holder named any more
        os.close(fd)  # closing the descriptor drops the lock

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def lock_run(run_dir: Path) -> RunLock:
    """``RunLock(run_dir).acquire()``."""
    return RunLock(run_dir).acquire()


def holder(run_dir: Path) -> str | None:
    """Who holds ``run_dir``'s lock (the sentence a refused writer gets), or None when nobody does."""
    try:
        probe = RunLock(run_dir).acquire()
    except RunError as err:
        return str(err)
    probe.release()
    return None


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # a file system without locks (some network shares): train rather than refuse forever
    return True


def _refusal(path: Path) -> str:
    run = shown(path.parent)
    try:
        info = json.loads(read_text(path, "The lock file", 4 * KB, RunError))
        who = f"{info['what']} (process {int(info['pid'])} on {info['host']}, since {info['since']})"
    except (RunError, ValueError, KeyError, TypeError):
        who = "another process"
    return f"The run in '{run}' is being trained by {who}; wait until it finishes, or stop it, then try again."


__all__ = ["LOCK_NAME", "RunLock", "holder", "lock_run", "set_holder"]
