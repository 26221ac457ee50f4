"""The core's pause/step/stop gate, driving a real tiny run on a thread as the window's worker and its training
process both do (tests/gui drive it through the window)."""

from __future__ import annotations

import queue
import threading

from every_family import tiny_config

from vision_lab.core.events import Finished, Metrics
from vision_lab.core.gate import RunGate
from vision_lab.core.trainer import Trainer

WAIT = 60


def drive(gate: RunGate, seen: list, done: threading.Event) -> threading.Thread:
    """The front end's loop: forward each event, then let the gate hold the loop while paused."""
    trainer = Trainer(tiny_config("mlp", **{"train.epochs": 3}), control=gate.control)

    def run() -> None:
        events = trainer.events()
        try:
            for event in events:
                if gate.aborted:
                    break
                gate.seen(event)
                seen.append(event)
                if isinstance(event, Finished) or gate.wait(event):
                    break
        finally:
            events.close()
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_paused_start_then_steps_of_one_batch_then_resume_and_stop() -> None:
    pauses: queue.Queue[bool] = queue.Queue()
    gate = RunGate(start_paused=True, on_paused=pauses.put)
    seen: list = []
    done = threading.Event()
    thread = drive(gate, seen, done)
    assert pauses.get(timeout=WAIT) is True  # held right after Started: nothing trained
    assert gate.blocked and not [e for e in seen if isinstance(e, Metrics)]
    for step in (1, 2):
        gate.step()
        assert pauses.get(timeout=WAIT) is True  # held again after one batch (a step is no resume)
        assert gate.last_step == step and [e.step for e in seen if isinstance(e, Metrics)][-1] == step
    gate.resume()
    assert pauses.get(timeout=WAIT) is False
    gate.stop()
    assert done.wait(WAIT)
    thread.join(WAIT)
    finished = seen[-1]
    assert isinstance(finished, Finished) and finished.status in ("stopped", "completed")
    assert finished.step >= 2


def test_a_pause_lands_within_a_batch_and_abort_leaves_at_once() -> None:
    pauses: queue.Queue[bool] = queue.Queue()
    gate = RunGate(on_paused=pauses.put)
    seen: list = []
    done = threading.Event()
    gate.pause()  # asked before the first step: the loop reports and previews after it, and holds there
    thread = drive(gate, seen, done)
    assert pauses.get(timeout=WAIT) is True and gate.blocked
    held = len(seen)
    gate.abort()
    assert done.wait(WAIT)
    thread.join(WAIT)
    assert gate.aborted and len(seen) == held  # nothing forwarded after the abort
    assert pauses.get(timeout=WAIT) is False  # the hold is let go (the window shows it unpaused)
