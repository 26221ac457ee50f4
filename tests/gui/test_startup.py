"""The window shows before PyTorch loads (issue 15, item 19): nothing the window imports pulls in torch, and the
start-up probe, run through the real ``vision-lab`` entry point, reports a painted window and idle memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

CHECK = """
import sys
from vision_lab.gui.app import create_app
app = create_app()
from vision_lab.gui import warmup
warmup.defer()
from vision_lab.gui.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
w.model_panel.update_table()  # what its timer does: it must say why it waits, not import torch here
print("torch" in sys.modules, w.model_panel.params.text())
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "VISION_LAB_HOME": str(tmp_path / "home")}


def test_the_window_is_built_and_shown_without_torch(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, env=_env(tmp_path), timeout=120, check=True
    )
    loaded, _, params = out.stdout.strip().partition(" ")
    assert loaded == "False", out.stdout
    assert "PyTorch is loading" in params  # the layer table says why it is not filled yet, rather than block


def test_startup_probe_reports_a_painted_window_torch_and_memory(tmp_path: Path) -> None:
    probe = tmp_path / "probe.json"
    env = {**_env(tmp_path), "VISION_LAB_STARTUP_PROBE": str(probe), "VISION_LAB_STARTUP_T0": repr(time.time())}
    subprocess.run([sys.executable, "-m", "vision_lab"], env=env, capture_output=True, timeout=300, check=True)
    figures = json.loads(probe.read_text())
    assert min(figures["window_visible_s"], figures["torch_ready_s"], figures["engine_ready_s"]) > 0
    assert figures["gui_rss_mb"] > 50 and figures["engine_rss_mb"] > 50  # both processes, read from /proc


def test_the_layer_table_fills_once_torch_has_loaded(qtbot, window) -> None:
    # In the test process torch is loaded and no warm-up runs: the table fills on its timer, never "loading".
    qtbot.waitUntil(lambda: window.model_panel.table.rowCount() > 0, timeout=10000)
    assert "Parameters:" in window.model_panel.params.text() and "loading" not in window.model_panel.params.text()
