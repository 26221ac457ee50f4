"""LatestJob: the newest request wins, results arrive on the GUI thread, and shutdown joins what runs."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication

from vision_lab.core.errors import ConfigError
from vision_lab.gui.widgets.background import LatestJob


def test_a_newer_request_replaces_the_running_one(qtbot) -> None:
    job = LatestJob()
    release = threading.Event()
    seen: list[object] = []
    job.done.connect(seen.append)

    def slow(progress):
        release.wait(10)
        return "old" if progress(1, 1) else "cancelled"

    job.submit(slow)
    job.submit(lambda _p: "middle")  # replaced before it starts
    job.submit(lambda _p: threading.get_ident())
    assert job.busy()
    with qtbot.waitSignal(job.done, timeout=5000) as got:
        release.set()
    assert got.args[0] != threading.get_ident()  # it ran off the GUI thread
    qtbot.waitUntil(lambda: not job.busy())
    assert seen == [got.args[0]]  # neither the stale nor the replaced result was delivered


def test_a_users_mistake_arrives_as_its_sentence(qtbot) -> None:
    job = LatestJob()

    def bad(_p):
        raise ConfigError("The class index must be between 0 and 9, got 12.")

    with qtbot.waitSignal(job.failed, timeout=5000) as got:
        job.submit(bad)
    assert got.args == ["The class index must be between 0 and 9, got 12."]


def test_shutdown_joins_and_nothing_more_runs(qtbot) -> None:
    job = LatestJob()
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def first(progress):
        started.set()
        release.wait(10)
        ran.append("first")

    job.submit(first)
    assert started.wait(5)
    job.submit(lambda _p: ran.append("second"))
    release.set()
    job.shutdown()
    assert ran == ["first"]
    job.submit(lambda _p: ran.append("third"))
    assert not job.busy() and ran == ["first"]


def test_a_result_queued_while_shutting_down_is_dropped(qtbot) -> None:
    """Seen closing the window while the Features view computed: shutdown() let go of the worker whose result was
    still queued, the worker was deleted, and the result arrived from no sender (an assertion in the event loop)."""
    job = LatestJob()
    started = threading.Event()
    seen: list[object] = []
    job.done.connect(seen.append)

    def until_cancelled(progress):
        started.set()
        while progress(0, None):
            pass
        return "stopped"

    job.submit(until_cancelled)
    assert started.wait(5)
    job.shutdown()
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents()
    assert seen == [] and not job.busy()
