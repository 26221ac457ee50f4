"""Issue 17 in the real window: files a user did not make, through the Data panel's loader, Open run and the export
dialogs. Nothing runs Ghostscript, nothing hangs (a hung loader or dialog fails the wait), no run is destroyed, and
every refusal is one sentence next to the control or in a dialog."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import click
from PIL import Image
from test_runs_browser import make_run

TABS = {"data": 0}
SAYS = {
    "fifo": "pipe (FIFO)",
    "/dev/zero": "a device",
    "symlink loop": "loop of symbolic links",
    "huge sparse": "far larger than such a file can be",
}


def one_sentence(text: str) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text and text.endswith(".")


def folder_hash(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<folder>"
        for p in sorted(folder.rglob("*"))
    }


def pics(root: Path, n: int = 4) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (10, 10), dtype=np.uint8)).save(root / cls / f"{i}.png")
    return root


def make_special(path: Path, kind: str) -> Path:
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/zero":
        os.symlink("/dev/zero", path)
    elif kind == "symlink loop":
        os.symlink(path.name, path)
    else:  # huge sparse
        with open(path, "wb") as fh:
            fh.truncate(17 << 30)
    return path


def wait_loaded(qtbot, w, key: str) -> None:
    qtbot.waitUntil(
        lambda: (
            (w.data_panel.dataset is not None and w.data_panel.current_key == key)
            or w.data_panel.combo_error.isVisible()
        ),
        timeout=20000,
    )


# --- the Data panel's loader -------------------------------------------------------------------------------------


def test_the_data_panel_never_runs_ghostscript_and_says_what_it_skipped(
    qtbot, window, tmp_path: Path, fake_ghostscript: Path, postscript: bytes
) -> None:
    log = fake_ghostscript
    folder = pics(tmp_path / "pics")
    (folder / "a" / "drawing.png").write_bytes(postscript)
    w = window
    w.tabs.setCurrentIndex(TABS["data"])
    w.data_panel.select(str(folder))
    wait_loaded(qtbot, w, str(folder))
    assert (
        w.data_panel.dataset is not None
        and len(w.data_panel.dataset.train_images) + len(w.data_panel.dataset.val_images) == 8
    )
    assert not log.exists(), log.read_text()
    source = w.data_panel.source.text()
    assert "skipped 1 unreadable file" in source and "drawing.png" in source and "not a PNG, JPEG" in source


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "symlink loop", "huge sparse"])
def test_a_special_file_as_the_dataset_is_one_sentence_next_to_the_picker(
    qtbot, window, tmp_path: Path, kind: str
) -> None:
    w = window
    w.tabs.setCurrentIndex(TABS["data"])
    path = make_special(tmp_path / "data.npz", kind)
    w.data_panel.select(str(path))
    qtbot.waitUntil(lambda: w.data_panel.combo_error.isVisible(), timeout=10000)  # a hang never gets here
    text = w.data_panel.combo_error.text()
    assert "data.npz" in text and SAYS[kind] in text and "Still using mnist-5k." in text and "\n" not in text, text
    assert w.last_message is None and w.data_panel.current_key == "mnist-5k" and w.start_button.isEnabled()


def test_loading_the_whole_disk_shows_progress_and_cancel_stops_it(qtbot, window) -> None:
    w = window
    panel = w.data_panel
    w.tabs.setCurrentIndex(TABS["data"])
    panel.select("/")
    qtbot.waitUntil(lambda: panel.load_box.isVisible() and "files" in panel.load_progress.text(), timeout=20000)
    assert panel.cancel_load_button.isEnabled()
    click(qtbot, panel.cancel_load_button)
    qtbot.waitUntil(lambda: panel.combo_error.isVisible(), timeout=20000)
    text = panel.combo_error.text()
    assert one_sentence(text) and "was cancelled" in text and "Still using mnist-5k." in text, text
    assert not panel.load_box.isVisible()
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=5000)
    assert panel.current_key == "mnist-5k" and w.start_button.isEnabled()


# --- Open run --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "symlink loop", "huge sparse"])
def test_open_run_with_a_special_config_is_one_sentence_in_a_dialog(
    qtbot, window, mnist5k, tmp_path: Path, kind: str
) -> None:
    w = window
    run = make_run(tmp_path / "runs", mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    make_special(run / "config.json", kind)
    assert w.open_run(run) is False
    box = w.last_message
    assert box is not None and box.isVisible()
    assert one_sentence(box.text()) and "config.json" in box.text() and SAYS[kind] in box.text(), box.text()
    box.close()


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "symlink loop", "huge sparse", "bomb"])
def test_open_run_shows_the_previews_it_can_and_never_decodes_a_bad_one(
    qtbot, window, mnist5k, tmp_path: Path, kind: str, big_png
) -> None:
    w = window
    run = make_run(tmp_path / "runs", mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    good = sorted(run.glob("preview-*.png"))
    assert good
    bad = run / "preview-aaa.png"  # sorted first: were it read, the grid would show it and drop the others
    if kind == "bomb":
        big_png(bad, 7200, 7200)  # 52 megapixels in a small file: over our bound, under Qt's own (256 MB)
    else:
        make_special(bad, kind)
    assert w.open_run(run)
    assert w.last_message is None
    assert w.preview.count > 0  # the good previews are shown; the bad one is left out
    shown = w.preview._images[0]
    assert (shown.width(), shown.height()) == Image.open(good[0]).size


# --- the export dialogs ---------------------------------------------------------------------------------------------


def test_export_refuses_the_runs_own_files_and_asks_before_replacing_a_foreign_file(
    qtbot, window, mnist5k, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    w = window
    run = make_run(tmp_path / "runs", mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    assert w.open_run(run)
    before = folder_hash(run)
    for fmt, name in (("safetensors", "weights.safetensors"), ("csv", "metrics.csv"), ("preview-png", "preview-x.png")):
        assert w.run_actions.export(fmt, run / name) is False
        box = w.last_message
        assert box is not None and box.isVisible() and "is the run's own" in box.text(), box.text()
        assert one_sentence(box.text())
        box.close()
        w.last_message = None
    assert folder_hash(run) == before

    mine = tmp_path / "thesis.csv"
    mine.write_text("my,own\n1,2\n")
    assert w.run_actions.export("csv", mine) is False  # not yet: it asks first
    box = w.last_message
    assert box is not None and box.objectName() == "confirmOverwrite" and "thesis.csv" in box.text()
    click(qtbot, box.button(QMessageBox.StandardButton.Cancel))
    assert mine.read_text() == "my,own\n1,2\n"
    assert w.run_actions.export("csv", mine) is False
    box = w.last_message
    with qtbot.waitSignal(w.run_actions.export_done, timeout=30000):
        click(qtbot, box.button(QMessageBox.StandardButton.Yes))
    assert mine.read_text().startswith("step,epoch,")
    # An earlier export of the same kind is replaced without a question, as the CLI does without --force.
    with qtbot.waitSignal(w.run_actions.export_done, timeout=30000):
        assert w.run_actions.export("csv", mine) is True


def test_the_export_dialog_asks_once_before_replacing_an_earlier_export(
    qtbot, window, mnist5k, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    w = window
    run = make_run(tmp_path / "runs", mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    assert w.open_run(run)
    earlier = tmp_path / "metrics.csv"
    with qtbot.waitSignal(w.run_actions.export_done, timeout=30000):
        assert w.run_actions.export("csv", earlier)
    asked: list[object] = []

    def save_dialog(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(kwargs.get("options"))
        return str(earlier), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    w.run_actions.export_dialog("csv")
    assert asked == [QFileDialog.Option.DontConfirmOverwrite]  # one question, ours, not the dialog's as well
    box = w.last_message
    assert box is not None and box.objectName() == "confirmOverwrite" and "earlier metrics export" in box.text()
    with qtbot.waitSignal(w.run_actions.export_done, timeout=30000):
        click(qtbot, box.button(QMessageBox.StandardButton.Yes))


def test_the_replace_question_names_the_export_in_chinese(qtbot, window, mnist5k, tmp_path: Path) -> None:
    """The question before replacing an earlier export names its kind; the kind came from the core's table in
    English ('Replace the earlier metrics export' inside the Chinese sentence)."""
    from vision_lab.gui import i18n

    w = window
    run = make_run(tmp_path / "runs", mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    assert w.open_run(run)
    earlier = tmp_path / "metrics.csv"
    with qtbot.waitSignal(w.run_actions.export_done, timeout=30000):
        assert w.run_actions.export("csv", earlier)
    assert i18n.use_language("zh_CN")
    try:
        assert w.run_actions.export("csv", earlier, ask=True) is False
        box = w.last_message
        assert box is not None and box.objectName() == "confirmOverwrite"
        assert "之前导出的指标文件" in box.text() and "metrics export" not in box.text(), box.text()
    finally:
        i18n.use_language("en")
