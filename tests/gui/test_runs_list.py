"""The Runs list as a user reads it (issue 15, item 11): stable names, the data actually used, the current
learning rate, and rows in the order the sort arrow shows."""

from __future__ import annotations

import time

from conftest import click, make_tiny
from PySide6.QtCore import Qt
from test_runs_browser import click_header, make_run, rows

from vision_lab.gui.panels.runs import COL_DATA, COL_DATE, COL_RESULT, COL_SETTINGS, SORT_ROLE


def sort_keys(w, column: int) -> list:
    out = []
    for item in rows(w):
        key = item.data(column, SORT_ROLE)
        out.append(key if key is not None else item.text(column).lower())
    return out


def test_the_sort_arrow_matches_the_order_in_every_column(qtbot, window, mnist5k) -> None:
    w = window
    for lr in (0.01, 0.002, 0.05):
        make_run(w.runs_root, mnist5k, "mlp", lr=lr, epochs=1)
    click(qtbot, w.runs_panel.refresh_button)
    header = w.runs_list.header()
    keys = sort_keys(w, header.sortIndicatorSection())  # as the list first shows: newest first, arrow to match
    assert keys == sorted(keys, reverse=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
    for column in range(w.runs_list.columnCount()):
        for _ in range(2):
            click_header(qtbot, w, column)
            keys = sort_keys(w, column)
            ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            assert keys == sorted(keys, reverse=not ascending), (column, header.sortIndicatorOrder(), keys)


def test_run_names_stay_put_data_shows_use_only_and_settings_the_live_rate(qtbot, window) -> None:
    w = window
    make_tiny(w, "mlp")
    w.training_panel.epochs.setValue(40)
    with qtbot.waitSignal(w.run_started, timeout=60000):
        click(qtbot, w.start_button)
    qtbot.waitUntil(lambda: w._last_metrics is not None, timeout=60000)
    w.training_panel.lr.setValue(0.0005)  # a live change (applies from the next step)
    w.training_panel.lr_edited.emit(0.0005)
    qtbot.waitUntil(lambda: w._last_metrics.lr < 0.0008, timeout=60000)
    with qtbot.waitSignal(w.run_ended, timeout=60000) as blocker:
        click(qtbot, w.stop_button)
    run = blocker.args[0].run_dir
    item = next(i for i in rows(w) if w.runs_panel.path_of(i) == run)
    assert item.text(COL_DATA) == "mnist-5k (256 images)"
    assert "lr 0.002 → 0.0005" in item.text(COL_SETTINGS), item.text(COL_SETTINGS)
    # The Run column is when the run was created (its folder's name says so), not when a file last changed.
    created = time.strftime("%Y-%m-%d %H:%M", time.strptime(run.name[:15], "%Y%m%d-%H%M%S"))
    assert item.text(COL_DATE) == created
    with qtbot.waitSignal(w.run_ended, timeout=60000):
        w.run_actions.resume(run)
    item = next(i for i in rows(w) if w.runs_panel.path_of(i) == run)
    assert item.text(COL_DATE) == created and item.text(COL_RESULT) != "–"
    assert item.data(COL_DATE, SORT_ROLE) == time.mktime(time.strptime(run.name[:15], "%Y%m%d-%H%M%S"))


def arrow_points_up(header, section: int) -> bool:
    """Read the sort arrow off the painted header: an up arrow has its few dark pixels at the top."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = header.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    h, stride = image.height(), image.bytesPerLine()
    pixels = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)[:, : image.width()]
    x0 = header.sectionViewportPosition(section)
    width = header.sectionSize(section)
    text_width = header.fontMetrics().horizontalAdvance(header.model().headerData(section, Qt.Orientation.Horizontal))
    region = pixels[:, x0 + text_width + 8 : x0 + width - 2].astype(int)
    dark = (region < 128).sum(1)  # dark pixels per row: the arrow (the text is left of the region)
    rows_with = np.flatnonzero(dark)
    assert len(rows_with) >= 3, "no sort arrow found"
    top, bottom = dark[rows_with[0]], dark[rows_with[-1]]
    return top < bottom


def test_the_painted_arrow_points_up_for_ascending(qtbot, window, mnist5k) -> None:
    """Qt's own styles draw a down arrow for ascending; people read an up arrow as "smallest first"."""
    w = window
    make_run(w.runs_root, mnist5k, "mlp", lr=0.01, epochs=1)
    click(qtbot, w.runs_panel.refresh_button)
    header = w.runs_list.header()
    w.runs_list.sortByColumn(COL_DATE, Qt.SortOrder.AscendingOrder)
    assert arrow_points_up(header, COL_DATE)
    w.runs_list.sortByColumn(COL_DATE, Qt.SortOrder.DescendingOrder)
    assert not arrow_points_up(header, COL_DATE)
