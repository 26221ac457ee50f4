"""GUI responsiveness and throughput while each family trains at its default settings.

For each family: the core loop alone (what ``vision-lab train`` runs) for ``seconds``, then the same
config started from the real window for ``seconds``, while a 10 ms timer on the GUI thread records how
late it fires. Figures are ratios and percentiles, printed; nothing here asserts a time.

    python -m vision_lab.gui.bench --seconds 15          (``vision-lab bench --gui`` once wired)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vision_lab.core.config import FAMILIES, default_config

TIMER_MS = 10


def _core_rate(family: str, seconds: float, dataset: Any, *, in_thread: bool = False) -> dict[str, float]:
    """samples/s of the bare training generator over ``seconds`` after its first report.

    ``in_thread``: drain it on a plain Python thread, as the GUI does (on a busy machine torch's
    OpenMP pool behaves differently on the main thread, so both are reported).
    """
    if in_thread:
        out: dict[str, float] = {}
        thread = threading.Thread(target=lambda: out.update(_core_rate(family, seconds, dataset)))
        thread.start()
        thread.join()
        return out
    from vision_lab.core.events import Finished, Metrics
    from vision_lab.core.trainer import Trainer, TrainerControl

    ctl = TrainerControl()
    trainer = Trainer(default_config(family), dataset=dataset, control=ctl)
    first: tuple[float, int] | None = None
    last: tuple[float, int] | None = None
    for event in trainer.events():
        if isinstance(event, Metrics):
            now = time.perf_counter()
            if first is None:
                first = (now, event.step)
            last = (now, event.step)
            if now - first[0] >= seconds:
                ctl.request_stop()
        elif isinstance(event, Finished):
            break
    assert first is not None and last is not None
    return {"samples_per_s": (last[1] - first[1]) * trainer.batch_size / max(last[0] - first[0], 1e-9)}


def _gui_run(window: Any, family: str, seconds: float) -> dict[str, float]:
    """Start ``family`` from the window; time the GUI thread and count steps for ``seconds``."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData(family))
    window.data_panel.set_limit(None)
    if not window.start_button.isEnabled():
        raise RuntimeError(f"Start is disabled: {window.status_label.text()}")

    ticks: list[float] = []
    arrivals: list[tuple[float, int]] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TIMER_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()

    def on_metrics(m: Any) -> None:
        now = time.perf_counter()
        arrivals.append((now, m.step))
        if len(arrivals) == 1:
            ticks.clear()  # measure from the first step on
            timer.start()
            QTimer.singleShot(int(seconds * 1000), loop.quit)

    window.start_button.click()
    worker = window.worker
    worker.metrics.connect(on_metrics)
    window.run_failed.connect(loop.quit)
    loop.exec()
    timer.stop()
    batch = window._started.batch_size if window._started else 0
    ended = QEventLoop()
    window.run_ended.connect(ended.quit)
    window.run_failed.connect(ended.quit)
    if window.worker is not None:
        window.stop_button.click()
        ended.exec()
    window.run_ended.disconnect(ended.quit)
    if len(arrivals) < 2:
        raise RuntimeError(f"The {family} run did not report from the window: {window.status_label.text()}")
    late = np.maximum(np.diff(np.asarray(ticks)) * 1000 - TIMER_MS, 0.0) if len(ticks) > 1 else np.zeros(1)
    (t0, s0), (t1, s1) = arrivals[0], arrivals[-1]
    return {
        "samples_per_s": (s1 - s0) * batch / max(t1 - t0, 1e-9),
        "late_p50_ms": float(np.percentile(late, 50)),
        "late_p99_ms": float(np.percentile(late, 99)),
        "late_max_ms": float(late.max()),
        "ticks": len(ticks),
    }


def run_gui_bench(families: Sequence[str] = FAMILIES, seconds: float = 10.0, *, gc_tuning: bool = True) -> list[dict]:
    """One row per family: core and GUI samples/s, their ratio, and the GUI timer's lateness (ms)."""
    os.environ.setdefault("VISION_LAB_HOME", tempfile.mkdtemp(prefix="vision-lab-bench-"))
    from vision_lab.core.data import load_dataset
    from vision_lab.gui.app import create_app, freeze_heap

    app = create_app()
    if not gc_tuning:
        gc.set_threshold(700, 10, 10)  # Python's defaults
    from vision_lab.gui.main_window import MainWindow

    dataset = load_dataset("mnist-5k")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="vision-lab-bench-runs-") as runs:
        window = MainWindow(runs_root=Path(runs))
        window.resize(1280, 800)
        window.show()
        window.load_initial_data()
        while window.data_panel.dataset is None:
            app.processEvents()
            time.sleep(0.01)
        if gc_tuning:
            freeze_heap()
        for family in families:
            cli = _core_rate(family, seconds, dataset)  # as `vision-lab train`; also caches the GAN judge
            core = _core_rate(family, seconds, dataset, in_thread=True)
            gui = _gui_run(window, family, seconds)
            rows.append(
                {
                    "family": family,
                    "cli_samples_per_s": cli["samples_per_s"],
                    "core_thread_samples_per_s": core["samples_per_s"],
                    "gui_samples_per_s": gui["samples_per_s"],
                    "ratio": gui["samples_per_s"] / max(cli["samples_per_s"], 1e-9),
                    "ratio_thread": gui["samples_per_s"] / max(core["samples_per_s"], 1e-9),
                    "late_p50_ms": gui["late_p50_ms"],
                    "late_p99_ms": gui["late_p99_ms"],
                    "late_max_ms": gui["late_max_ms"],
                    "ticks": gui["ticks"],
                }
            )
        window.close()
    return rows


def format_table(rows: list[dict]) -> str:
    head = (
        f"{'family':<12}{'CLI/s':>9}{'thread/s':>10}{'GUI/s':>9}{'GUI/CLI':>9}{'GUI/thr':>9}"
        f"{'late p50':>10}{'p99':>7}{'max':>7}{'ticks':>7}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['family']:<12}{r['cli_samples_per_s']:>9,.0f}{r['core_thread_samples_per_s']:>10,.0f}"
            f"{r['gui_samples_per_s']:>9,.0f}{r['ratio']:>9.2f}{r['ratio_thread']:>9.2f}"
            f"{r['late_p50_ms']:>10.1f}{r['late_p99_ms']:>7.1f}{r['late_max_ms']:>7.1f}{r['ticks']:>7}"
        )
    lines.append(
        "samples/s at default settings on mnist-5k: CLI = the core loop on the main thread (as `vision-lab train`),\n"
        "thread = the core loop on a plain thread, GUI = started from the window; lateness (ms) of a 10 ms timer on\n"
        f"the GUI thread, from the first step on. GC thresholds {gc.get_threshold()}."
    )
    return "\n".join(lines)


def main(
    argv: Sequence[str] | None = None,
    *,
    models: Sequence[str] | None = None,
    seconds: float | None = None,
    as_json: bool = False,
) -> int:
    """``python -m vision_lab.gui.bench [--families ...] [--seconds S] [--json]``, or called by
    ``vision-lab bench --gui`` with ``models``, ``seconds`` and ``as_json`` already parsed."""
    if models is None:
        p = argparse.ArgumentParser(prog="python -m vision_lab.gui.bench", description=__doc__.split("\n\n")[0])
        p.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
        p.add_argument("--seconds", type=float, default=10.0, help="training time measured per family and front end")
        p.add_argument("--json", action="store_true", help="print the rows as JSON")
        p.add_argument("--no-gc-tuning", action="store_true", help="Python's default GC thresholds, no freeze")
        args = p.parse_args(argv)
        models, seconds, as_json, gc_tuning = args.families, args.seconds, args.json, not args.no_gc_tuning
    else:
        gc_tuning = True
    rows = run_gui_bench(list(models), 10.0 if seconds is None else seconds, gc_tuning=gc_tuning)
    print(json.dumps(rows, indent=2) if as_json else format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
