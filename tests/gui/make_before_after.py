"""Before/after screenshots for issue 15: the whole X screen, the real window, five views (not a test).

    Xvfb :93 -screen 0 1280x720x24 &
    DISPLAY=:93 QT_QPA_PLATFORM=xcb python tests/gui/make_before_after.py [--label after] [--out DIR] [views...]
        -> DIR/<view>-<W>x<H>-<label>.png      (DIR: resources/screenshots/ui of this checkout)
    # the old code (a worktree at db9aed9 beside this one), its shots into this checkout:
    cd ../before && export PYTHONPATH=$PWD DISPLAY=:93 QT_QPA_PLATFORM=xcb
    python ../shots/tests/gui/make_before_after.py --label before --out ../shots/resources/screenshots/ui

One run takes 3-7 minutes on two busy cores (most of it the GAN and the CNN); the 20 PNGs of the README's
"Before and after (issue 15)" are four runs: before and after, at 1280x720 and 1600x1000. A grab over 150 KB
is cut to 256 colours (undithered), which keeps text sharp. The log names each file and the window's geometry.

Views, in the order they are taken (one window, one session, as a user would click through):
  model    the Model tab with the CNN family, the settings dock at the width it opens with;
  compare  two short MLP runs that differ only in the learning rate: lr 0.01 for 2 epochs, then a fork of it
           from epoch 1 with lr 0.001 (Run > Fork, no dialog), both selected in Runs and Compare clicked;
  stage    View > Stage mode switched on while a short CNN run trains, then off again;
  health   the Health tab of Inspect once that CNN run has finished;
  gan      the default GAN trained ``GAN_EPOCHS`` epochs on ``GAN_LIMIT`` images of mnist-5k (1-3 minutes), the
           GAN tab shown; a warning box the run ends with stays in the shot, as the user would see it.

The window is started as ``vision-lab`` starts it (app.main: create_app, torch warm-up where there is one, the
pre-warmed training process) and then made to fill the screen (no window manager runs on Xvfb to maximise it).
The grab is ImageMagick's ``import -window root``: the whole screen, other windows and dialogs included. It
must be a real X display: the script refuses the offscreen platform, whose grabs hide clipping and stale paint.

What differs between the checkouts (guarded below, the old way kept working):
  - before (db9aed9): Compare draws into a small plot inside the Runs dock (``runs_panel.plot``);
    after: ``runs_panel.compare`` opens ``runs_panel.compare_window``, a window of its own.
  - after: torch loads on a thread after the window shows (``gui.warmup``): the layer table says "PyTorch is
    loading" until then, so the script waits for ``warmup.torch_ready()``; before, torch loaded up front.
  - before: ``create_app`` always called ``keep_torch_off_the_gui_thread``; after, ``main`` calls it once torch has
    loaded (done here as main does, where the function exists).
The label (before/after) defaults to "after" when ``vision_lab.gui.compare`` exists, else "before".
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if os.environ.setdefault("QT_QPA_PLATFORM", "xcb") != "xcb":
    sys.exit("make_before_after: needs a real X display (QT_QPA_PLATFORM=xcb and DISPLAY), not offscreen.")
if not os.environ.get("DISPLAY"):
    sys.exit("make_before_after: DISPLAY is not set; start Xvfb (e.g. Xvfb :93 -screen 0 1280x720x24 &).")
_HOME = Path(tempfile.mkdtemp(prefix="vision-lab-before-after-"))
os.environ.setdefault("VISION_LAB_HOME", str(_HOME / "home"))  # the runs of this session, nobody else's
os.environ.setdefault("XDG_CONFIG_HOME", str(_HOME / "config"))  # fresh window settings, none written back

REPO = Path(__file__).resolve().parents[2]

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

VIEWS = ("model", "compare", "stage", "health", "gan")
GAN_EPOCHS, GAN_LIMIT = 4, 1024  # the default GAN, 128 steps: 1-3 min on 2 busy cores (all of mnist-5k: 3 min an epoch)
CNN_EPOCHS, CNN_LIMIT = 3, 2048
MLP_EPOCHS, MLP_LIMIT = 2, 1024
MAX_BYTES = 150_000
T0 = time.monotonic()


def log(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f} s] {text}", flush=True)


def wait(condition, timeout: float, what: str) -> None:
    app = QApplication.instance()
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(ms: int = 600) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class Shooter:
    def __init__(self, window, out: Path, label: str) -> None:
        self.window = window
        screen = QApplication.primaryScreen().size()
        self.size = f"{screen.width()}x{screen.height()}"
        self.out, self.label = out, label
        out.mkdir(parents=True, exist_ok=True)

    def __call__(self, view: str) -> Path:
        settle()
        path = self.out / f"{view}-{self.size}-{self.label}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True)
        subprocess.run(["mogrify", "-strip", str(path)], check=True)
        if path.stat().st_size > MAX_BYTES:  # 256 colours, undithered (dither noise costs bytes): sharp, ~1/3
            subprocess.run(
                ["mogrify", "+dither", "-colors", "256", "-define", "png:compression-level=9", str(path)], check=True
            )
        g, screen = self.window.geometry(), QApplication.primaryScreen().geometry()
        off = "" if screen.contains(g) else "  <- NOT ALL ON SCREEN"  # the layout asked for more than the screen
        log(f"{path} ({path.stat().st_size // 1024} KB), window {g.width()}x{g.height()} at {g.x()},{g.y()}{off}")
        return path


def pick_family(window, family: str) -> None:
    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData(family))
    settle(200)


def train(window, family: str, epochs: int, limit: int | None, lr: float | None = None) -> None:
    """Set the panels as a user would (family first: picking one may reset epochs and lr) and click Start."""
    pick_family(window, family)
    window.data_panel.set_limit(limit)
    window.training_panel.epochs.setValue(epochs)
    if lr is not None:
        window.training_panel.lr.setValue(lr)
    wait(window.start_button.isEnabled, 120, "the Start button")
    window.start_button.click()
    wait(lambda: window.worker is not None, 60, "the run to start")


def wait_finished(window, timeout: float = 900) -> None:
    wait(lambda: window.worker is None, timeout, "the run to finish")
    settle(400)


def show_inspect(window, title: str) -> None:
    panel = window.inspect_panel
    view = next(v for v in panel.views if v.title == title)
    panel.bring_forward(view)
    panel.refresh(force=True)


def close_messages() -> None:
    """A message box left on screen (a run's warnings, an error) would cover the next view: log it, close it."""
    for box in QApplication.topLevelWidgets():
        if isinstance(box, QMessageBox) and box.isVisible():
            log(f"closing a message box: {box.text()!r}")
            box.close()


def shot_model(window, shoot: Shooter) -> None:
    pick_family(window, "cnn")
    tabs = window.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Model"))
    shoot("model")


def shot_compare(window, shoot: Shooter) -> None:
    train(window, "mlp", MLP_EPOCHS, MLP_LIMIT, lr=0.01)
    wait_finished(window)
    close_messages()
    parent = window.opened_run
    window.training_panel.lr.setValue(0.001)  # the fork's one change, as typed into the Training panel
    window.run_actions.fork(parent, 1)
    wait(lambda: window.worker is not None, 60, "the fork to start")
    wait_finished(window)
    close_messages()
    runs = window.runs_panel
    runs.refresh()
    table = runs.table
    for i in range(table.topLevelItemCount()):
        table.topLevelItem(i).setSelected(True)
    runs.compare_button.click()
    cw = getattr(runs, "compare_window", None)  # after: a window of its own; before: the dock's small plot
    if cw is not None:
        wait(cw.isVisible, 10, "the Compare window")
        cw.raise_()
        cw.activateWindow()
    shoot("compare")
    if cw is not None:
        cw.close()
    close_messages()


def shot_stage_and_health(window, shoot: Shooter, views: set[str]) -> None:
    close_messages()
    train(window, "cnn", CNN_EPOCHS, CNN_LIMIT)
    if "stage" in views:
        wait(
            lambda: window._last_metrics is not None and window._last_metrics.epoch_progress >= 1.3,
            600,
            "the CNN run to pass epoch 1.3",
        )
        window.stage_action.setChecked(True)
        settle(1500)
        window.refresh(force=True)
        shoot("stage")
        window.stage_action.setChecked(False)
    wait_finished(window)
    close_messages()
    if "health" in views:
        show_inspect(window, "Health")
        shoot("health")


def shot_gan(window, shoot: Shooter) -> None:
    close_messages()
    train(window, "gan", GAN_EPOCHS, GAN_LIMIT)
    wait_finished(window)
    show_inspect(window, "GAN")  # a warning box, if the run ended with one, stays on screen as the user sees it
    shoot("gan")
    close_messages()


def main(argv: list[str]) -> int:
    after = importlib.util.find_spec("vision_lab.gui.compare") is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("views", nargs="*", help=f"some of {', '.join(VIEWS)} (default: all)")
    parser.add_argument("--label", default="after" if after else "before", help="before or after (file names)")
    parser.add_argument("--out", type=Path, default=REPO / "resources" / "screenshots" / "ui")
    args = parser.parse_args(argv)
    views = set(args.views or VIEWS)
    if views - set(VIEWS):
        parser.error(f"unknown views: {', '.join(sorted(views - set(VIEWS)))}")

    import vision_lab
    from vision_lab.gui import app as app_module

    log(f"vision_lab from {Path(vision_lab.__file__).parent}, label {args.label}, home {_HOME}")
    app = app_module.create_app()
    warmup = None
    try:
        from vision_lab.gui import warmup  # after: torch loads after the window shows

        warmup.defer()
    except ImportError:
        pass
    from vision_lab.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    window.load_initial_data()
    if warmup is not None:

        def torch_loaded() -> None:
            getattr(app_module, "keep_torch_off_the_gui_thread", lambda: None)()
            app_module.freeze_heap()

        warmup.warmup().ready.connect(torch_loaded)
        warmup.start()
    else:
        app_module.freeze_heap()
    from vision_lab.gui.worker import ProcessWorker, prewarm_engine, worker_class

    if worker_class() is ProcessWorker:
        prewarm_engine()
    # No window manager on Xvfb: fill the screen as a maximised window would, its top-left at the screen's.
    window.setGeometry(app.primaryScreen().availableGeometry())
    wait(lambda: window.data_panel.dataset is not None, 120, "mnist-5k to load")
    if warmup is not None:
        wait(warmup.torch_ready, 120, "PyTorch to load")
    settle(800)
    shoot = Shooter(window, args.out, args.label)
    log(f"window up, screen {shoot.size}")

    if "model" in views:
        shot_model(window, shoot)
    if "compare" in views:
        shot_compare(window, shoot)
    if views & {"stage", "health"}:
        shot_stage_and_health(window, shoot, views)
    if "gan" in views:
        shot_gan(window, shoot)
    window.ask_before_closing = False
    window.close()
    log("done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
