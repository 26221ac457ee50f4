"""Issue 7's bad-input catalogue in the real window: typed into the real fields, one sentence next to the control.

Spin boxes cannot hold a bad value (Qt drops the keys or restores the last value), so what matters there is
that the user is told what happened; text fields (layer widths) and dataset paths block Start until fixed.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import click, make_tiny, pick_family
from PySide6.QtCore import Qt

from vision_lab.core.data.idx import write_idx
from vision_lab.core.events import Finished

TABS = {"data": 0, "model": 1, "training": 2}


def type_into(qtbot, widget, text: str, *, enter: bool = True) -> None:
    """What a user does: select the field's text, type over it, press Enter."""
    widget.setFocus()
    widget.selectAll()
    if text:
        qtbot.keyClicks(widget, text)
    else:
        qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def one_sentence(text: str) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text and text.endswith(".")


# (family, tab, the spin box, what is typed, fragments of the message, the value the box keeps)
SPINS: list[tuple[str, str, Callable, str, tuple[str, ...], int | float]] = [
    ("mlp", "training", lambda w: w.training_panel.batch, "abc", ("Batch size", "1 to 65536", "'a'"), 32),
    ("mlp", "training", lambda w: w.training_panel.batch, "0", ("Batch size", "'0' was refused", "it is 32"), 32),
    ("mlp", "training", lambda w: w.training_panel.batch, "-8", ("Batch size", "'-' was refused"), 8),
    ("mlp", "training", lambda w: w.training_panel.batch, "1000000000", ("'100000' was refused", "it is 10000"),
     10000),
    ("mlp", "training", lambda w: w.training_panel.epochs, "0", ("Epochs", "1 to 100000", "'0' was refused"), 5),
    ("mlp", "training", lambda w: w.training_panel.epochs, "1000000000", ("Epochs", "'1000000' was refused"),
     100000),
    ("mlp", "training", lambda w: w.training_panel.epochs, "", ("Epochs", "an empty box was refused"), 5),
    ("mlp", "training", lambda w: w.training_panel.lr, "1e9", ("learning rate", "0.000001 to 10", "'1e9' was refused"),
     0.002),
    ("mlp", "training", lambda w: w.training_panel.lr, "fast", ("learning rate", "'fast' was refused"), 0.002),
    ("autoencoder", "model", lambda w: w.model_panel.forms["autoencoder"].latent, "0",
     ("Latent size", "1 to 4096", "'0' was refused"), 32),
    ("gan", "model", lambda w: w.model_panel.forms["gan"].latent, "x", ("Latent size", "'x' was refused"), 100),
    ("gan", "model", lambda w: w.model_panel.forms["gan"].d_width, "99999",
     ("D width", "'9999' was refused", "it is 999"), 999),
]  # fmt: skip


def _field_error(spin):
    """The message label under a spin box: the training panel's own rows, else the Field around it."""
    tp = spin.window().training_panel
    labels = {id(tp.batch): tp.batch_error, id(tp.epochs): tp.epochs_error, id(tp.lr): tp.lr_field.error}
    return labels.get(id(spin)) or spin.parentWidget().error


@pytest.mark.parametrize(
    ("family", "tab", "get", "typed", "fragments", "kept"),
    SPINS,
    ids=[f"{s[0]} {s[4][0]} <- {s[3]!r}" for s in SPINS],
)
def test_refused_typing_in_number_fields_is_explained(
    qtbot, window, family: str, tab: str, get: Callable, typed: str, fragments: tuple[str, ...], kept: float
) -> None:
    w = window
    pick_family(w, family)
    w.tabs.setCurrentIndex(TABS[tab])
    spin = get(w)
    type_into(qtbot, spin, typed)
    label = _field_error(spin)
    assert label.isVisible(), f"no message under {spin.objectName()}"
    message = label.text()
    assert one_sentence(message), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert spin.value() == pytest.approx(kept)
    assert w.worker is None  # typing never starts anything
    # A valid value afterwards clears the message.
    type_into(qtbot, spin, "4" if spin.minimum() <= 4 else str(int(spin.minimum())))
    assert not label.isVisible() and spin.value() == pytest.approx(4 if spin.minimum() <= 4 else spin.minimum())


# (family, the list field, typed text, fragment)
LISTS = [
    ("mlp", "hidden", "0", "between 1 and 16384; 0 is not"),
    ("mlp", "hidden", "64, -4", "between 1 and 16384; -4 is not"),
    ("mlp", "hidden", "abc", "'abc' is not a whole number"),
    ("mlp", "hidden", "64, 100000000", "100000000 is not"),
    ("cnn", "channels", "", "Give at least one channel count"),
    ("cnn", "dense", "12.5", "'12.5' is not a whole number"),
    ("autoencoder", "hidden", "0", "0 is not"),
]


@pytest.mark.parametrize(("family", "attr", "typed", "fragment"), LISTS, ids=[f"{f}.{a}={t!r}" for f, a, t, _ in LISTS])
def test_bad_layer_sizes_block_start_with_a_message(qtbot, window, family, attr, typed, fragment) -> None:
    w = window
    pick_family(w, family)
    w.tabs.setCurrentIndex(TABS["model"])
    edit = getattr(w.model_panel.forms[family], attr)
    type_into(qtbot, edit, typed, enter=False)
    label = edit.parentWidget().error
    assert label.isVisible() and fragment in label.text() and one_sentence(label.text()), label.text()
    assert not w.start_button.isEnabled() and not w.step_button.isEnabled()
    w.start()  # even the keyboard shortcut's slot refuses
    assert w.worker is None
    type_into(qtbot, edit, "16", enter=False)
    assert not label.isVisible() and w.start_button.isEnabled()


def _non_images(root: Path) -> Path:
    for cls in ("cats", "dogs"):
        (root / "pics" / cls).mkdir(parents=True)
        (root / "pics" / cls / "a.png").write_bytes(b"not a png")
    return root / "pics"


def _huge_idx(root: Path) -> Path:
    (root / "idx").mkdir()
    header = bytes([0, 0, 8, 3]) + struct.pack(">3I", 10**9, 28, 28)
    (root / "idx" / "train-images-idx3-ubyte").write_bytes(header + bytes(64))
    write_idx(root / "idx" / "train-labels-idx1-ubyte", np.zeros(10, np.uint8))
    return root / "idx"


def _folder_as_idx_file(root: Path) -> Path:
    (root / "idx" / "train-images-idx3-ubyte").mkdir(parents=True)
    write_idx(root / "idx" / "train-labels-idx1-ubyte", np.zeros(10, np.uint8))
    return root / "idx"


def _empty(root: Path) -> Path:
    (root / "empty").mkdir()
    return root / "empty"


DATASETS = [
    ("missing", lambda root: root / "nowhere", "does not exist"),
    ("non-images", _non_images, "No readable images"),
    ("IDX claiming 1e9 images", _huge_idx, "784,000,000,000 bytes"),
    ("folder instead of IDX file", _folder_as_idx_file, "is a folder"),
    ("empty folder", _empty, "no class sub-folders"),
]


@pytest.mark.parametrize(("make", "fragment"), [d[1:] for d in DATASETS], ids=[d[0] for d in DATASETS])
def test_bad_dataset_paths_get_one_sentence(qtbot, window, tmp_path: Path, make, fragment: str) -> None:
    w = window
    w.tabs.setCurrentIndex(TABS["data"])
    path = str(make(tmp_path))
    w.data_panel.select(path)
    qtbot.waitUntil(lambda: w.data_panel.combo_error.isVisible(), timeout=10000)
    text = w.data_panel.combo_error.text()
    assert fragment in text and "Still using mnist-5k." in text and "\n" not in text, text
    assert w.worker is None
    assert w.last_message is None  # next to the control, not a dialog
    # Refused: out of the list, and the dataset that was loaded before stays in use (the message says so).
    assert w.data_panel.combo.findData(path) < 0 and w.data_panel.current_key == "mnist-5k"
    assert w.start_button.isEnabled()


def test_after_bad_input_everywhere_a_valid_run_still_trains(qtbot, window, tmp_path: Path) -> None:
    w = window
    pick_family(w, "mlp")
    w.tabs.setCurrentIndex(TABS["data"])
    w.data_panel.select(str(tmp_path / "nowhere"))
    qtbot.waitUntil(lambda: w.data_panel.combo_error.isVisible(), timeout=10000)
    w.data_panel.select("mnist-5k")
    qtbot.waitUntil(lambda: w.start_button.isEnabled(), timeout=20000)
    w.tabs.setCurrentIndex(TABS["model"])
    hidden = w.model_panel.forms["mlp"].hidden
    type_into(qtbot, hidden, "lots", enter=False)
    assert not w.start_button.isEnabled()
    type_into(qtbot, hidden, "16", enter=False)
    w.tabs.setCurrentIndex(TABS["training"])
    panel = w.training_panel
    for spin, bad, good in ((panel.batch, "0", "32"), (panel.epochs, "abc", "1"), (panel.lr, "1e9", "0.01")):
        type_into(qtbot, spin, bad)
        assert _field_error(spin).isVisible()
        type_into(qtbot, spin, good)
        assert not _field_error(spin).isVisible()
    assert w.current_config().train.batch_size == 32 and w.current_config().train.epochs == 1
    with qtbot.waitSignal(w.run_ended, timeout=90000) as blocker:
        click(qtbot, w.start_button)
    finished: Finished = blocker.args[0]
    assert finished.status == "completed", finished.message
    assert w.start_button.isEnabled()


# --- issue 16: batch 1, shapes that do not fit, tiny data, no validation, tampered run folders ---------------------


def _image_folder(root: Path, per_class: int, classes: int = 2, size: tuple[int, int] = (28, 28)) -> Path:
    from PIL import Image

    folder = root / "pics"
    rng = np.random.default_rng(0)
    for c in range(classes):
        (folder / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, size[::-1], dtype=np.uint8)).save(folder / f"class{c}" / f"{i}.png")
    return folder


def click_box(qtbot, box) -> None:
    """A checkbox clicked on its box (its middle may be empty space past the text)."""
    from PySide6.QtCore import QPoint

    assert box.isEnabled()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _use_dataset(qtbot, w, path: Path) -> None:
    w.tabs.setCurrentIndex(TABS["data"])
    w.data_panel.select(str(path))
    qtbot.waitUntil(lambda: w.data_panel.dataset is not None and w.data_panel.current_key == str(path), timeout=20000)


def test_batch_1_with_batch_norm_is_explained_under_the_batch_size(qtbot, window) -> None:
    w = window
    pick_family(w, "mlp")
    w.tabs.setCurrentIndex(TABS["training"])
    panel = w.training_panel
    type_into(qtbot, panel.batch, "1")
    assert panel.batch.value() == 1  # a legal value: kept, and the reason it cannot train is given
    label = panel.batch_fit_error
    assert label.isVisible() and one_sentence(label.text()), label.text()
    assert "batch norm" in label.text() and "at least 2 images per batch" in label.text()
    assert not w.start_button.isEnabled() and not w.step_button.isEnabled()
    w.start()
    assert w.worker is None
    w.tabs.setCurrentIndex(TABS["model"])
    click_box(qtbot, w.model_panel.forms["mlp"].batch_norm)  # batch norm off: batch 1 trains
    assert label.isHidden() and w.start_button.isEnabled()
    pick_family(w, "gan")  # the GAN's generator always has batch norm
    w.tabs.setCurrentIndex(TABS["training"])
    type_into(qtbot, panel.batch, "1")
    assert label.isVisible() and "the GAN's generator" in label.text() and not w.start_button.isEnabled()
    type_into(qtbot, panel.batch, "2")
    assert not label.isVisible() and w.start_button.isEnabled()


def test_a_one_image_dataset_with_batch_norm_is_explained(qtbot, window, tmp_path: Path) -> None:
    w = window
    w.data_panel.set_limit(None)
    _use_dataset(qtbot, w, _image_folder(tmp_path, 1, 1))
    pick_family(w, "mlp")
    label = w.training_panel.batch_fit_error
    qtbot.waitUntil(lambda: not label.isHidden(), timeout=5000)  # under the batch size, on the Training tab
    assert "only 1 training image" in label.text() and one_sentence(label.text())
    assert not w.start_button.isEnabled()


def test_a_cnn_that_pools_the_images_away_shows_the_block_in_the_layer_table(qtbot, window, tmp_path: Path) -> None:
    w = window
    _use_dataset(qtbot, w, _image_folder(tmp_path, 3, 2, size=(10, 4000)))  # 4000×10 px: brought to 128×1
    pick_family(w, "cnn")
    w.tabs.setCurrentIndex(TABS["model"])
    panel = w.model_panel
    qtbot.waitUntil(panel.error.isVisible, timeout=5000)
    assert "Block 1's 2×2 pool" in panel.error.text() and one_sentence(panel.error.text()), panel.error.text()
    assert not w.start_button.isEnabled()
    panel.update_table()  # what its timer does as typing pauses
    table = panel.table
    cells = [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]
    assert cells[-1] == ("Block 1 · MaxPool2d 2×2", "does not fit"), cells
    assert table.item(table.rowCount() - 1, 1).toolTip() == panel.error.text()
    click_box(qtbot, panel.forms["cnn"].pool)  # pooling off: the blocks fit
    assert not panel.error.isVisible() and w.start_button.isEnabled()
    panel.update_table()
    assert all(table.item(r, 1).text() != "does not fit" for r in range(table.rowCount()))


def test_without_validation_images_a_run_trains_and_says_so(qtbot, window, tmp_path: Path) -> None:
    w = window
    w.data_panel.set_limit(None)
    _use_dataset(qtbot, w, _image_folder(tmp_path, 1, 3))  # one image per class: no hold-out possible
    assert not len(w.data_panel.dataset.val_images)
    make_tiny(w, "cnn")
    with qtbot.waitSignal(w.run_ended, timeout=90000) as ended:
        click(qtbot, w.start_button)
    finished: Finished = ended.args[0]
    assert finished.status == "completed", finished.message
    assert not any(k.startswith("val_") for k in finished.summary)
    qtbot.waitUntil(lambda: "training images" in w.preview_title.text(), timeout=10000)
    inspect = w.inspect_panel
    assert inspect.no_validation
    confusion = inspect.views[1]
    inspect.setCurrentWidget(confusion)
    assert "No validation images" in confusion.matrix.placeholder
    filters = inspect.views[2]
    inspect.setCurrentWidget(filters)  # shows a training image's feature maps rather than failing on none
    inspect.refresh(force=True)
    assert filters.grid.isVisible()


def _tamper(name: str, change) -> Callable[[Path], None]:
    import json

    def damage(run: Path) -> None:
        path = run / name
        if change == "dev/zero":
            path.unlink()
            path.symlink_to("/dev/zero")
            return
        data = json.loads(path.read_text())
        data.update(change)
        path.write_text(json.dumps(data))

    return damage


OPEN_TAMPERED = [
    ("dataset.json claiming 61 TB", _tamper("dataset.json", {"image_shape": [4_000_000, 4_000_000, 1]}),
     "the image height is 4000000"),
    ("dataset.json with a negative side", _tamper("dataset.json", {"image_shape": [28, -28, 1]}), "image width"),
    ("summary.json epochs as text", _tamper("summary.json", {"epochs": "many"}), "'epochs' is text"),
    ("summary.json status unknown", _tamper("summary.json", {"status": "exploded"}), "'status' is 'exploded'"),
    ("config.json as /dev/zero", _tamper("config.json", "dev/zero"), "is a device"),
    ("weights as /dev/zero", _tamper("weights.safetensors", "dev/zero"), "is a device"),
    ("metrics.csv as /dev/zero", _tamper("metrics.csv", "dev/zero"), "is a device"),
]  # fmt: skip


@pytest.mark.parametrize(("damage", "fragment"), [c[1:] for c in OPEN_TAMPERED], ids=[c[0] for c in OPEN_TAMPERED])
def test_open_run_on_a_tampered_folder_is_one_sentence(qtbot, window, mnist5k, tmp_path: Path, damage, fragment):
    from test_runs_browser import make_run

    w = window
    run = make_run(tmp_path / "runs", mnist5k, "mlp", lr=0.01, epochs=1).run_dir
    damage(run)
    assert not w.open_run(run)
    box = w.last_message
    assert box is not None and box.isVisible()
    text = box.text()
    assert fragment in text and one_sentence(text), text
    assert not box.detailedText()
    box.close()
