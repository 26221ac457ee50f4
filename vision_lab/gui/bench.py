"""GUI responsiveness and throughput while each family trains at its default settings.

For each family: the core loop alone (what ``vision-lab train`` runs) for ``seconds``, then the same
config started from the real window for ``seconds``, while a 10 ms timer on the GUI thread records how
late it fires. Figures are ratios and percentiles, printed; nothing here asserts a time.

    python -m vision_lab.gui.bench --seconds 15          (``vision-lab bench --gui``)

``--inspect overview`` keeps the Inspect panel on that view while the window trains (it follows the training),
and reports the time its updates take on the GUI thread.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vision_lab.core import families as registry
from vision_lab.core.config import default_config

TIMER_MS = 10


def core_rate(family: str, seconds: float) -> float:
    """samples/s of the core loop alone, as ``vision-lab train`` runs it: on the main thread of its own process.

    A separate process on purpose: torch work on this process's main thread would start an OpenMP team
    there and slow the GUI's worker (see ``vision_lab.gui.app.keep_torch_off_the_gui_thread``).
    """
    from vision_lab.core.data import load_dataset
    from vision_lab.core.events import Finished, Metrics
    from vision_lab.core.trainer import Trainer

    trainer = Trainer(default_config(family), dataset=load_dataset("mnist-5k"))
    first: tuple[float, int] | None = None
    last: tuple[float, int] | None = None
    for event in trainer.events():
        if isinstance(event, Metrics):
            now = time.perf_counter()
            first = first or (now, event.step)
            last = (now, event.step)
            if now - first[0] >= seconds:
                trainer.control.request_stop()
        elif isinstance(event, Finished):
            break
    assert first is not None and last is not None
    return (last[1] - first[1]) * trainer.batch_size / max(last[0] - first[0], 1e-9)


def _cli_rate(family: str, seconds: float) -> float:
    code = "import sys; from vision_lab.gui.bench import core_rate; print(core_rate(sys.argv[1], float(sys.argv[2])))"
    out = subprocess.run(
        [sys.executable, "-c", code, family, str(seconds)], capture_output=True, text=True, check=True, timeout=600
    )
    return float(out.stdout.strip().splitlines()[-1])


def _inspect_view(window: Any, title: str | None) -> Any:
    """Bring the Inspect view called ``title`` (any case) to the front; None for no view."""
    if title is None:
        return None
    panel = window.inspect_panel
    for view in panel.views:
        if view.title.lower() == title.lower():
            if not panel.shows(view):
                raise RuntimeError(f"The Inspect view {view.title} is not shown for this model.")
            panel.bring_forward(view)
            return view
    known = ", ".join(v.title.lower() for v in panel.views)
    raise RuntimeError(f"No Inspect view called {title!r}; the views are: {known}.")


def _check_view(title: str) -> None:
    """ConfigError unless an Inspect view is called ``title`` (any case): before minutes of start-up figures."""
    import importlib

    from vision_lab.core.errors import ConfigError
    from vision_lab.core.i18n import t
    from vision_lab.gui.panels import inspect

    classes = [inspect.DrawTab, inspect.ConfusionTab, inspect.FiltersTab, inspect.LatentTab, inspect.GanTab]
    classes += [inspect.HealthTab]
    for name in inspect.VIEWS:
        module, _, cls = name.partition(":")
        classes.append(getattr(importlib.import_module(module), cls))
    titles = [c.title.lower() for c in classes]
    if title.lower() not in titles:
        raise ConfigError(
            t("cli.bench.inspect_view", "--inspect: no Inspect view called {view}; choose from {views}.",
              view=repr(title), views=", ".join(titles))
        )  # fmt: skip


def _timed(view: Any, spent: list[float]) -> Any:
    """Record how long each of ``view``'s updates takes (ms); returns what to restore."""
    original = view.update_view

    def update_view() -> None:
        t0 = time.perf_counter()
        original()
        spent.append((time.perf_counter() - t0) * 1000)

    view.update_view = update_view
    return original


def _gui_run(window: Any, family: str, seconds: float, inspect: str | None = None) -> dict[str, float]:
    """Start ``family`` from the window; time the GUI thread and count steps for ``seconds`` (with the Inspect view
    ``inspect`` in front, following the training)."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData(family))
    view = _inspect_view(window, inspect)
    spent: list[float] = []
    original = _timed(view, spent) if view is not None else None
    window.data_panel.set_limit(None)
    if not window.start_button.isEnabled():
        raise RuntimeError(f"Start is disabled: {window.status_label.text()}")

    ticks: list[float] = []
    gui_cpu: list[float] = []  # CPU seconds the GUI thread itself used while measured
    arrivals: list[tuple[float, int]] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TIMER_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()

    clicked = time.perf_counter()

    def on_metrics(m: Any) -> None:
        now = time.perf_counter()
        arrivals.append((now, m.step))
        if len(arrivals) == 1:
            gui_cpu.append(time.thread_time())
            QTimer.singleShot(int(seconds * 1000), loop.quit)

    # Lateness counts from the click on Start, as a user feels it: the window's own work at Start (building the
    # inspector, handing the data to the training process) included, not only the steady state.
    timer.start()
    ticks.append(time.perf_counter())
    window.start_button.click()
    _inspect_view(window, inspect)  # the run's family may have moved the panel to another view
    worker = window.worker
    worker.metrics.connect(on_metrics)
    window.run_failed.connect(loop.quit)
    loop.exec()
    gui_cpu.append(time.thread_time())
    timer.stop()
    batch = window._started.batch_size if window._started else 0
    ended = QEventLoop()
    window.run_ended.connect(ended.quit)
    window.run_failed.connect(ended.quit)
    if window.worker is not None:
        window.stop_button.click()
        ended.exec()
    window.run_ended.disconnect(ended.quit)
    if view is not None:
        view.update_view = original
    if len(arrivals) < 2:
        raise RuntimeError(f"The {family} run did not report from the window: {window.status_label.text()}")
    late = np.maximum(np.diff(np.asarray(ticks)) * 1000 - TIMER_MS, 0.0) if len(ticks) > 1 else np.zeros(1)
    (t0, s0), (t1, s1) = arrivals[0], arrivals[-1]
    return {
        "first_report_s": t0 - clicked,
        "samples_per_s": (s1 - s0) * batch / max(t1 - t0, 1e-9),
        "late_p50_ms": float(np.percentile(late, 50)),
        "late_p99_ms": float(np.percentile(late, 99)),
        "late_max_ms": float(late.max()),
        "ticks": len(ticks),
        "gui_cpu_share": (gui_cpu[-1] - gui_cpu[0]) / max(t1 - t0, 1e-9) if len(gui_cpu) == 2 else float("nan"),
        "view_updates": len(spent),
        "view_ms_p50": float(np.percentile(spent, 50)) if spent else float("nan"),
        "view_ms_max": float(max(spent)) if spent else float("nan"),
    }


STARTUP_KEYS = (
    "window_visible_s",
    "torch_ready_s",
    "engine_ready_s",
    "gui_rss_mb",
    "engine_rss_mb",
    "platform_check_ms",
)


def startup_figures(repeats: int = 3) -> dict[str, float | None]:
    """Start ``vision-lab`` as a user does, ``repeats`` times, with the start-up probe (vision_lab.gui.startup_probe):
    medians of the seconds from launch to a painted window, to torch loaded in the window's process and to a
    ready training process, and the idle resident memory of both processes (MB)."""
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="vision-lab-startup-") as tmp:
        for i in range(repeats):
            out = Path(tmp) / f"probe-{i}.json"
            env = {**os.environ, "VISION_LAB_HOME": str(Path(tmp) / "home"), "VISION_LAB_STARTUP_PROBE": str(out)}
            env["VISION_LAB_STARTUP_T0"] = repr(time.time())
            subprocess.run([sys.executable, "-m", "vision_lab"], env=env, capture_output=True, timeout=300, check=True)
            runs.append(json.loads(out.read_text()))
    figures: dict[str, float | None] = {}
    for key in STARTUP_KEYS:
        values = [r[key] for r in runs if r.get(key) is not None]
        figures[key] = float(np.median(values)) if values else None
    return figures


def format_startup(f: dict[str, float | None]) -> str:
    def value(key: str, unit: str) -> str:
        v = f.get(key)
        if v is None:
            return "–"
        return f"{v:.2f} s" if unit == "s" else f"{v:.1f} ms" if unit == "ms" else f"{v:,.0f} MB"

    return (
        f"start-up (medians of 3 launches of vision-lab): window painted {value('window_visible_s', 's')} "
        f"(target <= 1.0 s; the platform check before it {value('platform_check_ms', 'ms')}), torch loaded behind "
        f"it {value('torch_ready_s', 's')}, training process ready {value('engine_ready_s', 's')}"
        f"\nidle memory (resident): window process {value('gui_rss_mb', 'MB')}, "
        f"pre-started training process {value('engine_rss_mb', 'MB')}"
    )


def run_gui_bench(
    families: Sequence[str] | None = None,
    seconds: float = 10.0,
    *,
    gc_tuning: bool = True,
    rounds: int = 3,
    inspect: str | None = None,
) -> list[dict]:
    """One row per family: core and GUI samples/s (medians of ``rounds`` alternating segments), their ratio,
    and the GUI timer's lateness (ms; p99 and max are the worst over the rounds); with ``inspect``, that Inspect
    view in front during the GUI runs and its update times."""
    os.environ.setdefault("VISION_LAB_HOME", tempfile.mkdtemp(prefix="vision-lab-bench-"))
    from vision_lab.gui.app import create_app, freeze_heap

    app = create_app()
    if not gc_tuning:
        gc.set_threshold(700, 10, 10)  # Python's defaults
    from vision_lab.gui.main_window import MainWindow

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
        from vision_lab.gui.worker import ProcessWorker, prewarm_engine, worker_class

        if worker_class() is ProcessWorker:
            prewarm_engine()  # as the app does at start-up: the first GUI run below is the first after start-up
        for family in families or registry.names():
            # Alternate the front ends, several rounds, and take medians: this machine's speed drifts.
            cli_rates, gui_runs = [], []
            for _ in range(rounds):
                gui_runs.append(_gui_run(window, family, seconds, inspect))
                cli_rates.append(_cli_rate(family, seconds))
            cli = float(np.median(cli_rates))
            gui = float(np.median([g["samples_per_s"] for g in gui_runs]))
            rows.append(
                {
                    "family": family,
                    "cli_samples_per_s": cli,
                    "gui_samples_per_s": gui,
                    "ratio": gui / max(cli, 1e-9),
                    "late_p50_ms": float(np.median([g["late_p50_ms"] for g in gui_runs])),
                    "late_p99_ms": float(max(g["late_p99_ms"] for g in gui_runs)),
                    "late_max_ms": float(max(g["late_max_ms"] for g in gui_runs)),
                    "first_report_s": float(max(g["first_report_s"] for g in gui_runs)),
                    "ticks": sum(g["ticks"] for g in gui_runs),
                    "gui_thread_cpu": float(np.median([g["gui_cpu_share"] for g in gui_runs])),
                    "inspect": inspect or "",
                    "view_updates": sum(g["view_updates"] for g in gui_runs),
                    "view_ms_p50": float(np.nanmedian([g["view_ms_p50"] for g in gui_runs])) if inspect else None,
                    "view_ms_max": float(np.nanmax([g["view_ms_max"] for g in gui_runs])) if inspect else None,
                }
            )
        window.close()
    return rows


def format_table(rows: list[dict]) -> str:
    head = (
        f"{'family':<12}{'CLI/s':>9}{'GUI/s':>9}{'GUI/CLI':>9}{'late p50':>10}{'p99':>7}{'max':>7}{'ticks':>7}"
        f"{'GUI CPU':>9}{'1st report':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['family']:<12}{r['cli_samples_per_s']:>9,.0f}"
            f"{r['gui_samples_per_s']:>9,.0f}{r['ratio']:>9.2f}"
            f"{r['late_p50_ms']:>10.1f}{r['late_p99_ms']:>7.1f}{r['late_max_ms']:>7.1f}{r['ticks']:>7}"
            f"{r['gui_thread_cpu']:>9.0%}{r['first_report_s']:>11.2f}s"
        )
        if r.get("inspect"):
            lines.append(
                f"{'':<12}Inspect view {r['inspect']!r} in front: {r['view_updates']} updates, "
                f"{r['view_ms_p50']:.1f} ms median, {r['view_ms_max']:.1f} ms max on the GUI thread (painting aside)"
            )
    lines.append(
        "samples/s at default settings on mnist-5k, medians of alternating rounds: CLI = the core loop on the main\n"
        "thread (as `vision-lab train`), GUI = started from the window; lateness (ms) of a 10 ms timer on the GUI\n"
        f"thread from the click on Start on, the first run after start-up included (p99 and max: worst round);\n"
        f"GUI CPU = the GUI thread's own CPU time as a share of one core; 1st report = click to first figures\n"
        f"(worst round). Targets: p99 <= 20 ms, max <= 100 ms. GC thresholds {gc.get_threshold()}."
    )
    return "\n".join(lines)


def main(
    argv: Sequence[str] | None = None,
    *,
    models: Sequence[str] | None = None,
    seconds: float | None = None,
    as_json: bool = False,
    inspect: str | None = None,
) -> int:
    """``python -m vision_lab.gui.bench [--families ...] [--seconds S] [--json] [--inspect VIEW]``, or called by
    ``vision-lab bench --gui`` with ``models``, ``seconds``, ``as_json`` and ``inspect`` already parsed."""
    if models is None:
        p = argparse.ArgumentParser(prog="python -m vision_lab.gui.bench", description=__doc__.split("\n\n")[0])
        p.add_argument("--families", nargs="+", choices=registry.names(), default=list(registry.names()))
        p.add_argument("--seconds", type=float, default=10.0, help="training time measured per family and front end")
        p.add_argument("--json", action="store_true", help="print the rows as JSON")
        p.add_argument("--no-gc-tuning", action="store_true", help="Python's default GC thresholds, no freeze")
        p.add_argument("--rounds", type=int, default=3, help="alternating CLI/GUI rounds per family (medians)")
        p.add_argument("--inspect", metavar="VIEW", help="keep this Inspect view in front while training (overview)")
        p.add_argument("--no-startup", action="store_true", help="skip the start-up figures (3 launches)")
        args = p.parse_args(argv)
        models, seconds, as_json, gc_tuning = args.families, args.seconds, args.json, not args.no_gc_tuning
        rounds, inspect, startup_on = args.rounds, args.inspect, not args.no_startup
    else:
        gc_tuning, rounds, startup_on = True, 3, True
    if inspect is not None:
        _check_view(inspect)
    from vision_lab.gui.app import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the bench needs no screen: measure headless
    # First, on a quiet machine: nothing else of the bench runs yet.
    startup = startup_figures() if startup_on else None
    rows = run_gui_bench(
        list(models), 10.0 if seconds is None else seconds, gc_tuning=gc_tuning, rounds=rounds, inspect=inspect
    )
    if as_json:
        print(json.dumps({"startup": startup, "families": rows}, indent=2))
    else:
        print(format_table(rows))
        if startup is not None:
            print()
            print(format_startup(startup))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
