"""The training process behind the GUI: the core loop on the main thread of its own process.

Why a process and not a thread: a thread shares the GIL with the GUI, so every paint slows the many
small, Python-driven steps of an MLP, and the GUI waits for the training thread to let go of the GIL.
A child process trains exactly as ``vision-lab train`` does, and a crash or an out-of-memory kill
there leaves the window standing. Qt-free: it is imported by ``multiprocessing``'s spawn.

Protocol over one duplex pipe. Parent -> child: ``("run", launch, dataset, runs_root, start_paused, threads,
plugins)`` once (``plugins``: the modules of families registered from outside the package, see
:func:`vision_lab.core.families.plugins`), then commands ``("pause",)``, ``("resume",)``, ``("step",)``,
``("lr", value)``, ``("stop",)``, ``("abort",)``. Child -> parent: ``("ready",)`` once imported, ``("event", event)``,
``("paused", bool)``, ``("failed", message, details)``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from multiprocessing.connection import Connection
from typing import Any

CHILD_NICE = 5


def engine_main(conn: Connection) -> None:
    """Child entry point: import the heavy stack first (so a spare process is ready), then serve one run."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(CHILD_NICE)  # the GUI process wins the CPU when it wakes to paint
    import torch
    import torch._dynamo  # built by the first optimizer; import it while we wait

    from vision_lab.core.errors import VisionLabError

    conn.send(("ready",))
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return
    if message[0] != "run":
        return
    _, launch, dataset, runs_root, start_paused, threads, plugins = message
    from vision_lab.core.runlock import set_holder

    set_holder("the Vision Lab window", os.getppid())  # what a CLI resuming the same run folder is told
    if threads:
        torch.set_num_threads(threads)
    driver = _Driver(conn, start_paused)
    try:
        from vision_lab.core import families

        families.load(plugins)  # the families the window registered from outside the package
        trainer = launch.build(dataset=dataset, runs_root=runs_root, control=driver.control)
    except VisionLabError as err:
        conn.send(("failed", str(err), ""))
        return
    except Exception as err:
        conn.send(("failed", *_bug(err)))
        return
    del dataset
    threading.Thread(target=driver.listen, name="commands", daemon=True).start()
    events = trainer.events()
    try:
        for event in events:
            if driver.aborted:
                break
            conn.send(("event", event))
            if type(event).__name__ == "Finished":
                return
            if driver.wait_while_paused(event):
                break
    except VisionLabError as err:
        conn.send(("failed", str(err), ""))
    except (BrokenPipeError, EOFError, OSError):
        pass  # the window went away: finish saving below
    except Exception as err:
        conn.send(("failed", *_bug(err)))
    finally:
        events.close()  # the core saves what was trained when we leave early


def _bug(err: BaseException) -> tuple[str, str]:
    """A bug in training: one sentence naming the log file its traceback went to (and that file's path)."""
    from vision_lab.core.crashlog import report_bug

    sentence, path = report_bug(err, "the window's training process")
    return sentence, str(path or "")


class _Driver:
    """Pause, step and stop between the loop's yields; commands arrive on a listener thread.

    The listener only flips flags on the core's TrainerControl (read between steps), so stop, pause and
    a new learning rate act within one batch; it never touches a tensor.
    """

    def __init__(self, conn: Connection, start_paused: bool) -> None:
        from vision_lab.core.trainer import TrainerControl

        self.conn = conn
        self.control = TrainerControl(stream_weights=True)  # the inspection views load each preview's weights
        self._cond = threading.Condition()
        self._paused = start_paused
        self._step_target: int | None = None
        self.aborted = False
        self.last_step = 0

    def listen(self) -> None:
        while True:
            try:
                command = self.conn.recv()
            except (EOFError, OSError):
                command = ("abort",)  # the parent is gone: save and end
            self.apply(command)
            if command[0] == "abort":
                return

    def apply(self, command: tuple[Any, ...]) -> None:
        kind = command[0]
        with self._cond:
            if kind == "pause":
                self._paused = True
                self.control.request_report(preview=True)
            elif kind == "resume":
                self._paused = False
                self._step_target = None
                self.control.report_every_step = False
            elif kind == "step":
                self._paused = True
                self._step_target = self.last_step + 1
                self.control.report_every_step = True
                self.control.request_report(preview=True)
            elif kind == "lr":
                with contextlib.suppress(ValueError):
                    self.control.set_lr(float(command[1]))
            elif kind in ("stop", "abort"):
                self.aborted = self.aborted or kind == "abort"
                self.control.request_stop()
                self._paused = False
                self._step_target = None
            self._cond.notify_all()

    def wait_while_paused(self, event: object) -> bool:
        """Block while paused; True when the run must end now. Pauses land on a preview or right after Started."""
        name = type(event).__name__
        step = getattr(event, "step", None) if name == "Metrics" else getattr(event, "start_step", None)
        if step is not None:
            self.last_step = step
        if name not in ("Preview", "Started"):
            return self.aborted
        with self._cond:
            if self._step_target is not None and self.last_step >= self._step_target:
                self._step_target = None
                self.control.report_every_step = False
            if not self._paused or self._step_target is not None:
                return self.aborted
            self.conn.send(("paused", True))
            while self._paused and self._step_target is None and not self.aborted:
                self._cond.wait()
            resumed = not self._paused
        if resumed:
            self.conn.send(("paused", False))
        return self.aborted
