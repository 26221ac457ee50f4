"""Compare at full size, runs named by what differs, a readable legend (issue 15, item 3)."""

from __future__ import annotations

from pathlib import Path

from conftest import click
from PySide6.QtWidgets import QPushButton
from test_runs_browser import make_run, rows

from vision_lab.core.lineage import fork_run
from vision_lab.gui.compare import CompareWindow, load_runs


def select_all(qtbot, w) -> None:
    click(qtbot, w.runs_panel.refresh_button)
    for item in rows(w):
        item.setSelected(True)


def test_compare_opens_a_full_size_window_naming_runs_by_their_difference(qtbot, window, mnist5k) -> None:
    w = window
    a = make_run(w.runs_root, mnist5k, "mlp", lr=0.01)
    b = make_run(w.runs_root, mnist5k, "mlp", lr=0.001)
    select_all(qtbot, w)
    click(qtbot, w.runs_panel.compare_button)
    cw = w.runs_panel.compare_window
    qtbot.waitExposed(cw)
    assert cw.plot.width() >= 600 and cw.plot.height() >= 350, cw.plot.size()
    names = {r.path: r.name for r in cw.runs}
    assert names == {a.run_dir: "lr 0.01", b.run_dir: "lr 0.001"}
    legend = cw.legend.text()
    for run in cw.runs:  # a swatch of the curve's colour beside each name, above the plot (not over the curves)
        assert f"color:{run.color}" in legend and "lr&nbsp;0.0" in legend
    assert cw.legend.geometry().bottom() <= cw.plot.geometry().top()
    assert len({r.color for r in cw.runs}) == 2
    cw.metric_combo.setCurrentIndex(cw.metric_combo.findData("val_accuracy"))
    assert set(cw.curves) == {(a.run_dir.name, "val_accuracy"), (b.run_dir.name, "val_accuracy")}
    click(qtbot, cw.findChild(QPushButton, "compareCloseButton"))
    qtbot.waitUntil(lambda: not cw.isVisible())


def test_a_fork_and_its_parent_are_told_apart(mnist5k, tmp_path: Path) -> None:
    parent = make_run(tmp_path, mnist5k, "mlp", lr=0.01)
    fork = fork_run(parent.run_dir, {"train.epochs": 3}, epoch=1, run_dir=tmp_path / "fork", dataset=mnist5k)
    list(fork.events())
    runs = load_runs([parent.run_dir, tmp_path / "fork"])
    names = [r.name for r in runs]
    assert names[0] != names[1]
    assert "fork @ epoch 1" in names[1] and "epochs 3" in names[1], names
    same = load_runs([parent.run_dir, parent.run_dir])  # nothing sets them apart: when they began
    assert all(parent.run_dir.name[:15] in r.name for r in same)


def test_compare_window_escape_closes(qtbot, mnist5k, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    a = make_run(tmp_path, mnist5k, "mlp", lr=0.01, epochs=1)
    cw = CompareWindow([a.run_dir])
    qtbot.addWidget(cw)
    cw.show()
    qtbot.keyClick(cw, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not cw.isVisible())


def test_runs_of_two_families_are_named_by_their_families(tmp_path: Path) -> None:
    """A CNN beside a transformer read "activation relu · conv 32, 64, 128 · dense 128" against "activation none ·
    conv none · dense none": each named by settings only the other has (seen on Xvfb for lesson 7)."""
    from every_family import train

    train("cnn", tmp_path / "cnn")
    train("vit", tmp_path / "vit", **{"optim.lr": 0.003})
    names = [r.name for r in load_runs([tmp_path / "cnn", tmp_path / "vit"])]
    assert names[0].startswith("CNN classifier") and names[1].startswith("Vision Transformer"), names
    assert "none" not in " ".join(names) and "conv" not in names[1] and "patch" not in names[0], names
    assert "lr 0.003" in names[1], names  # a shared setting that differs still names them
