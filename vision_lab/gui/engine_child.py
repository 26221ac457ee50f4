"""The training process behind the GUI: the core loop on the main thread of its own process.

Why a process and not a thread: a thread shares the GIL with the GUI, so every paint slows the many
small, Python-driven steps of an MLP, and the GUI waits for the training thread to let go of the GIL.
A child process trains exactly as ``vision-lab train`` does, and a crash or an out-of-memory kill
there leaves the window standing. Qt-free: it is imported by ``multiprocessing``'s spawn.

Protocol over one duplex pipe. Parent -> child: ``("run", launch, dataset, runs_root, start_paused, threads,
plugins, language)`` once (``plugins``: the modules of families registered from outside the package, see
:func:`vision_lab.core.families.plugins`; ``language``: the core's, see :mod:`vision_lab.core.i18n`), then
commands ``("pause",)``, ``("resume",)``, ``("step",)``,
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
    from vision_lab.core.gate import RunGate

    conn.send(("ready",))
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return
    if message[0] != "run":
        return
    _, launch, dataset, runs_root, start_paused, threads, plugins, language = message
    from vision_lab.core import i18n

    i18n.set_language(language)  # the sentences made here reach the window in its language
    from vision_lab.core.runlock import set_holder

    set_holder("the Vision Lab window", os.getppid())  # what a CLI resuming the same run folder is told
    if threads:
        torch.set_num_threads(threads)
    gate = RunGate(start_paused=start_paused, on_paused=lambda paused: conn.send(("paused", paused)))
    try:
        from vision_lab.core import families

        families.load(plugins)  # the families the window registered from outside the package
        trainer = launch.build(dataset=dataset, runs_root=runs_root, control=gate.control)
    except VisionLabError as err:
        conn.send(("failed", str(err), ""))
        return
    except Exception as err:
        conn.send(("failed", *_bug(err)))
        return
    del dataset
    threading.Thread(target=_listen, args=(conn, gate), name="commands", daemon=True).start()
    events = trainer.events()
    try:
        for event in events:
            if gate.aborted:
                break
            gate.seen(event)
            conn.send(("event", event))
            if type(event).__name__ == "Finished":
                return
            if gate.wait(event):
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


def _listen(conn: Connection, gate: Any) -> None:
    """The parent's commands, applied to the gate as they come (between steps the loop reads its flags; a command
    never touches a tensor). A parent that went away is an abort: the run saves and ends."""
    while True:
        try:
            command = conn.recv()
        except (EOFError, OSError):
            command = ("abort",)
        kind = command[0]
        if kind == "lr":
            with contextlib.suppress(ValueError):  # the window checked the rate before sending it
                gate.set_lr(float(command[1]))
        elif kind in ("pause", "resume", "step", "stop", "abort"):
            getattr(gate, kind)()
        if kind == "abort":
            return
