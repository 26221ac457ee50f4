"""The runs browser: every run folder under the runs directory in a sortable table, with Open, Compare and Delete.

The table is read from disk (:func:`vision_lab.core.runs.list_runs`), so it shows runs of earlier sessions and of
the command line too; the window marks this session's live run as running until it ends.
"""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.errors import RunError
from vision_lab.core.runs import RunInfo, list_runs, open_run
from vision_lab.gui import families as gui_families
from vision_lab.gui.results import final_metric_cell
from vision_lab.gui.widgets.headers import readable_sort_arrows

# Marked for lupdate; translated where the header is set.
COLUMNS = (
    QT_TRANSLATE_NOOP("RunsPanel", "Run"),
    QT_TRANSLATE_NOOP("RunsPanel", "Model"),
    QT_TRANSLATE_NOOP("RunsPanel", "Data"),
    QT_TRANSLATE_NOOP("RunsPanel", "Status"),
    QT_TRANSLATE_NOOP("RunsPanel", "Result"),
    QT_TRANSLATE_NOOP("RunsPanel", "Settings"),
    QT_TRANSLATE_NOOP("RunsPanel", "Parent"),
)
COL_DATE, COL_MODEL, COL_DATA, COL_STATUS, COL_RESULT, COL_SETTINGS, COL_PARENT = range(len(COLUMNS))
PATH_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2  # the status word the run folder says; the cell shows it translated
# The statuses a run folder or this session can give (core/run_reader, core/trainer, the window): for lupdate.
STATUSES = (
    QT_TRANSLATE_NOOP("RunStatus", "completed"),
    QT_TRANSLATE_NOOP("RunStatus", "stopped"),
    QT_TRANSLATE_NOOP("RunStatus", "diverged"),
    QT_TRANSLATE_NOOP("RunStatus", "incomplete"),
    QT_TRANSLATE_NOOP("RunStatus", "unsaved"),
    QT_TRANSLATE_NOOP("RunStatus", "running"),
    QT_TRANSLATE_NOOP("RunStatus", "paused"),
    QT_TRANSLATE_NOOP("RunStatus", "discarded"),
    QT_TRANSLATE_NOOP("RunStatus", "failed"),
)


def status_text(status: str) -> str:
    """A run's status in the window's language (an unknown word as it is)."""
    return QCoreApplication.translate("RunStatus", status)


class _Item(QTreeWidgetItem):
    """Sorts by SORT_ROLE (dates, numbers) where a column has one, else by its text."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        col = tree.sortColumn() if tree is not None else 0
        a, b = self.data(col, SORT_ROLE), other.data(col, SORT_ROLE)
        if a is not None and b is not None:
            return a < b
        return self.text(col).lower() < other.text(col).lower()


def _settings_text(path: Path, summary: dict[str, Any] | None, live_lr: float | None = None) -> tuple[str, float]:
    """``lr 0.002 → 0.0005 · batch 32 · 5 ep · adam``: the rate set live (this session's, or the summary's last
    change) follows the starting one."""
    try:
        cfg = open_run(path).config
    except RunError:
        return "–", 0.0
    lr = f"lr {cfg.optim.lr:g}"
    changes = (summary or {}).get("lr_changes")
    now = live_lr
    if now is None and isinstance(changes, list) and changes and isinstance(changes[-1], list | tuple):
        now = changes[-1][-1] if isinstance(changes[-1][-1], int | float) else None
    if now is not None and not math.isclose(now, cfg.optim.lr, rel_tol=1e-9):
        lr += f" → {now:g}"
    text = f"{lr} · batch {cfg.train.batch_size} · {cfg.train.epochs} ep · {cfg.optim.name}"
    return text, cfg.optim.lr


class RunsPanel(QWidget):
    """The table plus its buttons and a small plot that overlays the selected runs' loss curves."""

    open_requested = Signal(object)  # Path of the run to open in the window
    resume_requested = Signal(object)  # Path of the run to continue
    fork_requested = Signal(object)  # Path of the run to fork

    def __init__(self, root: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = root
        self.live_path: Path | None = None
        """This session's run while it trains: listed as running (or paused) and never deleted."""
        self.live_status = "running"
        self.live_lr: float | None = None
        """A learning rate the user set during the live run (shown in its Settings cell)."""
        self.overrides: dict[Path, tuple[str, str]] = {}
        """Status and result this session knows better than the disk (a run just discarded, one that failed)."""
        self.compare_window: QWidget | None = None
        """The last Compare window opened (it closes itself)."""

        self.table = QTreeWidget()
        self.table.setObjectName("runsList")
        self.table.setHeaderLabels([QCoreApplication.translate("RunsPanel", c) for c in COLUMNS])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_DATE, Qt.SortOrder.DescendingOrder)
        self.table.setToolTip(
            self.tr("Runs in the runs folder; double-click one to open it, select several to compare")
        )
        self.table.itemDoubleClicked.connect(lambda item, _col: self.open_requested.emit(self.path_of(item)))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        # At least three rows stay visible however small the screen (at 1280x720 the dock shrank to one).
        row = self.table.fontMetrics().height() + 6
        self.table.setMinimumHeight(row * 4 + 8)
        header = self.table.header()
        readable_sort_arrows(header, self)
        header.setStretchLastSection(True)
        for i, w in enumerate((130, 110, 90, 80, 110, 230)):
            header.resizeSection(i, w)

        self.refresh_button = self._button(
            "runsRefreshButton", self.tr("Refresh"), self.tr("Read the runs folder again"), self.refresh
        )
        self.open_button = self._button(
            "runsOpenButton",
            self.tr("Open"),
            self.tr("Restore the run's settings, curves, previews and weights"),
            self._open_selected,
        )
        self.resume_button = self._button(
            "runsResumeButton",
            self.tr("Resume"),
            self.tr("Continue the run where it stopped: same optimizer state, step, RNG and data order"),
            lambda: self._emit_single(self.resume_requested),
        )
        self.fork_button = self._button(
            "runsForkButton",
            self.tr("Fork…"),
            self.tr("A new run from this one's latest or an earlier epoch's weights, with the settings in the panels"),
            lambda: self._emit_single(self.fork_requested),
        )
        self.compare_button = self._button(
            "runsCompareButton",
            self.tr("Compare"),
            self.tr("Overlay the loss curves of the selected runs"),
            self.compare,
        )
        self.delete_button = self._button(
            "runsDeleteButton",
            self.tr("Delete…"),
            self.tr("Delete the selected runs' folders from disk"),
            self.delete_selected,
        )
        self.message = QLabel()
        self.message.setObjectName("runsMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (
            self.refresh_button,
            self.open_button,
            self.resume_button,
            self.fork_button,
            self.compare_button,
            self.delete_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(buttons)
        # A row of its own: beside the buttons a long runs-folder path wrapped into a tall, narrow column that
        # left no room for the table's rows.
        lay.addWidget(self.message)
        lay.addWidget(self.table, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(left)
        self._update_buttons()

    def set_live_status(self, status: str) -> None:
        """``running`` or ``paused``: the live run's Status cell follows the toolbar."""
        if status != self.live_status:
            self.live_status = status
            if self.live_path is not None:
                self.refresh()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _button(self, name: str, text: str, tip: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # --- the table ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the runs folder again, keeping the selection and the sort order."""
        selected = set(self.selected_paths())
        infos = list_runs(self.root)
        self.table.setSortingEnabled(False)  # sorting while inserting reorders rows under our feet
        self.table.clear()
        listed = set()
        for info in infos:
            item = self._item(info)
            self.table.addTopLevelItem(item)
            item.setSelected(info.path in selected)
            listed.add(info.path)
        if self.live_path is not None and self.live_path not in listed:
            # The live run's folder may not have its config yet: list it anyway.
            item = _Item([self.tr("now"), "", "", status_text(self.live_status), "–", "", ""])
            item.setData(COL_STATUS, STATUS_ROLE, self.live_status)
            item.setData(COL_DATE, PATH_ROLE, str(self.live_path))
            item.setData(COL_DATE, SORT_ROLE, time.time())
            self.table.addTopLevelItem(item)
        self.table.setSortingEnabled(True)
        self._say(
            "" if infos else self.tr("No runs in '{folder}' yet: press Start to make one.").format(folder=self.root)
        )
        self._update_buttons()

    def _item(self, info: RunInfo) -> _Item:
        result, result_key = final_metric_cell(info.summary)
        status = info.status
        if info.path == self.live_path:
            status = self.live_status
        elif info.path in self.overrides:
            status, override_result = self.overrides[info.path]
            if result == "–":
                result = override_result
        settings, lr = _settings_text(info.path, info.summary, self.live_lr if info.path == self.live_path else None)
        parent = ""
        if info.parent:
            parent = self.tr("{run} @ epoch {epoch}").format(
                run=Path(str(info.parent.get("run", ""))).name, epoch=info.parent.get("epoch", "?")
            )
        # When the run began: a resume rewrites its files, and a name taken from them moved the row to the top.
        date = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created))
        data = (
            info.dataset
            if info.limit is None
            else self.tr("{dataset} ({count} images)").format(dataset=info.dataset, count=f"{info.limit:,}")
        )
        item = _Item([date, gui_families.title(info.model), data, status_text(status), result, settings, parent])
        item.setData(COL_STATUS, STATUS_ROLE, status)
        item.setData(COL_DATE, PATH_ROLE, str(info.path))
        item.setData(COL_DATE, SORT_ROLE, info.created)
        item.setData(COL_RESULT, SORT_ROLE, result_key)
        item.setData(COL_SETTINGS, SORT_ROLE, lr)
        item.setToolTip(COL_DATE, str(info.path))
        done = f"{info.epochs_done:g}" if info.epochs_done is not None else "?"
        step = info.step if info.step is not None else "?"
        item.setToolTip(
            COL_STATUS,
            self.tr("{done} of {epochs} epochs, step {step}").format(done=done, epochs=info.epochs, step=step),
        )
        return item

    @staticmethod
    def path_of(item: QTreeWidgetItem) -> Path:
        return Path(str(item.data(COL_DATE, PATH_ROLE)))

    def item_for(self, path: Path) -> QTreeWidgetItem | None:
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            if self.path_of(item) == Path(path):
                return item
        return None

    def selected_paths(self) -> list[Path]:
        return [self.path_of(item) for item in self.table.selectedItems()]

    def set_status(self, path: Path, status: str, result: str = "–") -> None:
        """What this session knows about a run (discarded, failed) that its folder does not say."""
        self.overrides[Path(path)] = (status, result)
        item = self.item_for(path)
        if item is not None:
            item.setText(COL_STATUS, status_text(status))
            item.setData(COL_STATUS, STATUS_ROLE, status)
            if result != "–":
                item.setText(COL_RESULT, result)

    def _update_buttons(self) -> None:
        n = len(self.table.selectedItems())
        for b in (self.open_button, self.resume_button, self.fork_button):
            b.setEnabled(n == 1)
        self.compare_button.setEnabled(n >= 1)
        self.delete_button.setEnabled(n >= 1)

    def _open_selected(self) -> None:
        self._emit_single(self.open_requested)

    def _emit_single(self, signal: Any) -> None:
        paths = self.selected_paths()
        if len(paths) == 1:
            signal.emit(paths[0])

    # --- compare --------------------------------------------------------------------------------------
    def compare(self) -> None:
        """The selected runs' curves in a window of their own, each run named by what sets it apart."""
        from vision_lab.gui.compare import CompareWindow

        paths = self.selected_paths()
        window = CompareWindow(paths, self)
        if not window.curves:
            window.deleteLater()
            self._say(self.tr("The selected runs have no figures to compare yet."))
            return
        self._say("")
        self.compare_window = window
        window.show()
        window.raise_()

    # --- delete ---------------------------------------------------------------------------------------
    def delete_selected(self) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        if self.live_path is not None and self.live_path in paths:
            self._say(self.tr("The run that is training now cannot be deleted; stop it first."))
            return
        names = "\n".join(p.name for p in paths)
        answer = QMessageBox.question(
            self,
            self.tr("Delete runs"),
            self.tr("Delete {count} run folder(s) and everything in them?").format(count=len(paths)) + "\n\n" + names,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        failed = []
        for path in paths:
            try:
                shutil.rmtree(path)
            except OSError as err:
                failed.append(f"'{path.name}' ({err.strerror or err})")
        self.refresh()
        if failed:
            self._say(self.tr("Could not delete {folders}.").format(folders=", ".join(failed)))
        else:
            self._say(self.tr("Deleted {count} run(s).").format(count=len(paths)))
