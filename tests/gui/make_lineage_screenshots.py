"""Screenshots of Fork from here, Watch a folder and Twin runs on the real mnist-5k (not a test).

python tests/gui/make_lineage_screenshots.py [fork] [watch] [twin]   -> resources/screenshots/<name>.png
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VISION_LAB_HOME", tempfile.mkdtemp(prefix="vision-lab-shots-"))

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_screenshots import OUT, REPO, wait  # noqa: E402

sys.path.insert(0, str(REPO))

from vision_lab.core.config import default_config, with_overrides  # noqa: E402
from vision_lab.core.trainer import Trainer  # noqa: E402
from vision_lab.gui.app import create_app  # noqa: E402


def settle(app, window) -> None:
    wait(app, lambda: True, 0)
    window.refresh(force=True)
    app.processEvents()


def fork(app, window, root: Path) -> Path:
    cfg = with_overrides(default_config("mlp"), **{"train.epochs": 4, "optim.lr": 0.05, "optim.name": "sgd"})
    parent = list(Trainer(cfg, runs_root=root).events())[-1].run_dir
    window.runs_panel.refresh()
    assert window.open_run(parent)
    window.training_panel.lr.setValue(0.005)
    window.training_panel.epochs.setValue(6)
    dialog = window.run_actions.fork_dialog_open()
    assert dialog is not None
    combo = dialog.source
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemData(i) == 2))
    dialog.accept()
    wait(app, lambda: window.worker is None and window._started is not None, 600)
    window.runs_panel.refresh()
    settle(app, window)
    path = OUT / "fork.png"
    window.grab().save(str(path))
    return path


def watch(app, window, root: Path) -> Path:
    run = root / "from-a-terminal"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vision_lab", "train", "--model", "cnn", "--epochs", "3", "--out", str(run), "--quiet"],
        stdout=subprocess.DEVNULL,
    )
    try:
        window.run_actions.watch(run)
        wait(app, lambda: (window.loss_plot.series["val_loss"].x or [0])[-1] >= 1 and window.preview.count > 0, 900)
        wait(app, lambda: window.loss_plot.point_count() > 0 and window.loss_plot.series["train_loss"].x[-1] > 1.6, 900)
        settle(app, window)
        path = OUT / "watch.png"
        window.grab().save(str(path))
    finally:
        proc.terminate()
        proc.wait(60)
    window.run_actions.stop_watching()
    return path


def twin(app, window, root: Path) -> Path:
    combo = window.model_panel.combo
    combo.setCurrentIndex(combo.findData("mlp"))
    window.training_panel.epochs.setValue(4)
    window.training_panel.lr.setValue(0.001)
    cfg_b = with_overrides(window.current_config(), **{"optim.lr": 0.02})
    tw = window.run_actions.start_twins(cfg_b)
    finished: list[bool] = []
    tw.both_finished.connect(lambda: finished.append(True))
    wait(app, lambda: bool(finished), 900)
    tw.resize(1280, 800)
    settle(app, tw)
    path = OUT / "twin.png"
    tw.grab().save(str(path))
    tw.close()
    return path


def main(names: list[str]) -> None:
    app = create_app()
    from vision_lab.gui.main_window import MainWindow

    root = Path(tempfile.mkdtemp(prefix="vision-lab-runs-"))
    window = MainWindow(runs_root=root)
    window.resize(1280, 800)
    window.show()
    window.load_initial_data()
    wait(app, lambda: window.data_panel.dataset is not None, 60)
    for name in names or ["fork", "watch", "twin"]:
        print(globals()[name](app, window, root))
    window.close()


if __name__ == "__main__":
    main(sys.argv[1:])
