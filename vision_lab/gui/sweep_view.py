"""The Sweep view: a window of its own with the trials' table and three plots (parallel coordinates, the objective
against each knob, importances) for a sweep this window runs (Run ▸ Sweep…) or one it watches (File ▸ Watch a
sweep…). Trials appear as they end; a click on a row or a plotted trial opens it as a run in the main window, and
"Fork best" forks the best trial there.

:func:`open_sweep_dialog` and :func:`watch_sweep_dialog` are what the menus call; the window's RunActions keeps
the one :class:`SweepWindow` and closes it (stopping and joining its sweep) when the main window closes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core.errors import ConfigError
from vision_lab.gui.sweep_plots import ImportancePlot, KnobScatter, ParallelPlot
from vision_lab.gui.sweep_source import Snapshot, SweepPoller, SweepRunner, knob_name, study_location, value_text

if TYPE_CHECKING:
    from vision_lab.core.sweep import SweepReport, SweepSpec, TrialRecord
    from vision_lab.core.sweep_space import Dimension
    from vision_lab.gui.main_window import MainWindow

ENDED = ("complete", "pruned", "fail")


class NumberItem(QTableWidgetItem):
    """A cell that sorts by its number (value, epochs), empty cells last."""

    def __init__(self, value: float | None, text: str) -> None:
        super().__init__(text)
        self.number = -math.inf if value is None else float(value)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, NumberItem):
            return self.number < other.number
        return super().__lt__(other)


class SweepWindow(QWidget):
    """A sweep's trials as they end: table, plots, Stop, Fork best."""

    changed = Signal()  # the trials on show changed (tests wait on it)
    ended = Signal()  # the sweep this window ran has ended (done, stopped or failed)

    def __init__(self, main: MainWindow) -> None:
        super().__init__(main, Qt.WindowType.Window)
        self.setObjectName("sweepWindow")
        self.setWindowTitle(self.tr("Sweep"))
        self.main = main
        self.runner: SweepRunner | None = None
        self.poller = SweepPoller(self)
        self.poller.snapshot.connect(self._snapshot)
        self.poller.problem.connect(self._problem)
        self.trials: dict[int, TrialRecord] = {}
        self.epochs: dict[int, float] = {}
        self.space: tuple[Dimension, ...] = ()
        self.objective = ""
        self.direction = "maximize"
        self.best: TrialRecord | None = None
        self.asked: int | None = None  # the trials the sweep this window runs was asked for
        self.error: str | None = None

        self.header = QLabel()
        self.header.setObjectName("sweepHeader")
        self.header.setWordWrap(True)
        self.stop_button = QPushButton(self.tr("Stop sweep"))
        self.stop_button.setObjectName("sweepStopButton")
        self.stop_button.setToolTip(self.tr("End at the running trials' next epoch; each saves its run as stopped"))
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.open_best_button = QPushButton(self.tr("Open best"))
        self.open_best_button.setObjectName("sweepOpenBestButton")
        self.open_best_button.clicked.connect(lambda: self.best and self.open_trial(self.best.number))
        self.fork_button = QPushButton(self.tr("Fork best…"))
        self.fork_button.setObjectName("sweepForkBestButton")
        self.fork_button.setToolTip(self.tr("Continue the best trial in the main window (Run ▸ Fork from here)"))
        self.fork_button.clicked.connect(self.fork_best)
        for b in (self.open_best_button, self.fork_button):
            b.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.open_best_button)
        top.addWidget(self.fork_button)
        top.addWidget(self.stop_button)

        self.table = QTableWidget()
        self.table.setObjectName("sweepTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # trials in their order
        self.table.verticalHeader().hide()
        self.table.cellClicked.connect(lambda row, _col: self._row_opened(row))
        self.parallel = ParallelPlot()
        self.parallel.trial_clicked.connect(self.open_trial)
        self.scatter = KnobScatter()
        self.scatter.trial_clicked.connect(self.open_trial)
        self.importance = ImportancePlot()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("sweepTabs")
        self.tabs.addTab(self.parallel, self.tr("Parallel coordinates"))
        self.tabs.addTab(self.scatter, self.tr("Objective vs knobs"))
        self.tabs.addTab(self.importance, self.tr("Importance"))
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("sweepSplitter")
        split.addWidget(self.tabs)
        split.addWidget(self.table)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        hint = QLabel(self.tr("Click a trial (a row, a line or a point) to open it as a run in the main window."))
        hint.setObjectName("sweepHint")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(hint)
        avail = main.screen().availableGeometry().size()
        self.resize(min(1400, avail.width() - 40), min(900, avail.height() - 40))
        self._redraw()

    # --- sources -----------------------------------------------------------------------------------------------
    def run(self, spec: SweepSpec) -> None:
        """Run ``spec`` here (off the GUI thread) and follow its study."""
        self._forget()
        self.asked = spec.trials
        self.objective = spec.objective or ""
        self.space = spec.space
        self.setWindowTitle(self.tr("Sweep: {folder}").format(folder=spec.out))
        runner = SweepRunner(spec, self)
        runner.trial.connect(self._trial_ended)
        runner.done.connect(self._done)
        runner.failed.connect(self._failed)
        runner.finished.connect(self._runner_finished)
        self.runner = runner
        self.stop_button.setEnabled(True)
        runner.opened.connect(self.poller.follow)  # running trials, and with jobs > 1 the children's
        runner.start()
        self._redraw()

    def watch(self, url: str, study: str) -> None:
        """Follow a study other processes (or machines) write."""
        self._forget()
        self.setWindowTitle(self.tr("Watching sweep: {study} in {url}").format(study=study, url=url))
        self.poller.follow(url, study)
        self._redraw()

    def _forget(self) -> None:
        self.trials, self.epochs, self.best, self.error, self.asked = {}, {}, None, None, None

    @property
    def running(self) -> bool:
        return self.runner is not None and self.runner.isRunning()

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.stop_button.setEnabled(False)
            self.header.setText(self.tr("Stopping: the running trials end at their next epoch…"))

    def shutdown(self) -> None:
        """Stop the sweep and join it, and the reads in flight (the main window is closing)."""
        self.poller.shutdown()
        if self.runner is not None:
            self.runner.stop()
            self.runner.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the view hides it: a running sweep goes on (Run ▸ Sweep… shows it again, with Stop); a watched
        one is no longer read. The main window's closing stops and joins the sweep (:meth:`shutdown`)."""
        if self.running:
            self.main.statusBar().showMessage(
                self.tr("The sweep goes on in the background; Run ▸ Sweep… shows it again."), 8000
            )
        else:
            self.poller.stop()
        super().closeEvent(event)

    # --- updates -----------------------------------------------------------------------------------------------
    def _merge(self, record: TrialRecord) -> None:
        old = self.trials.get(record.number)
        if old is not None and old.state in ENDED and record.state not in ENDED:
            return  # a read older than the trial's end
        self.trials[record.number] = record

    def _trial_ended(self, record: TrialRecord, epochs: float | None) -> None:
        self._merge(record)
        if epochs is not None:
            self.epochs[record.number] = epochs
        self._pick_best()
        self._redraw()

    def _snapshot(self, snap: Snapshot) -> None:
        r = snap.report
        self.objective, self.direction = r.objective or self.objective, r.direction
        self.space = snap.space or self.space
        for record in r.trials:
            self._merge(record)
        self.epochs.update(snap.epochs)
        self._pick_best()
        self.error = None
        self._redraw()
        completed = r.count("complete")
        self.importance.show_importances(snap.importances, completed, snap.importance_error)

    def _pick_best(self) -> None:
        done = [r for r in self.trials.values() if r.state == "complete" and r.value is not None]
        if not done:
            self.best = None
        else:
            sign = 1 if self.direction == "maximize" else -1
            self.best = max(done, key=lambda r: (sign * float(r.value or 0), -r.number))

    def _problem(self, message: str) -> None:
        self.error = message
        self._update_header()

    def _done(self, report: SweepReport) -> None:
        self.objective, self.direction = report.objective, report.direction
        for record in report.trials:
            self._merge(record)
        self._pick_best()
        self._redraw()

    def _failed(self, message: str, details: str) -> None:
        self.error = message
        self._update_header()
        self.main.show_dialog(QMessageBox.Icon.Warning, self.tr("The sweep stopped"), message, details)

    def _runner_finished(self) -> None:
        self.stop_button.setEnabled(False)
        self.poller.poll()  # the last states (the final read lands after the runner's own report)
        self._update_header()
        self.ended.emit()

    # --- drawing -----------------------------------------------------------------------------------------------
    def _update_header(self) -> None:
        rs = list(self.trials.values())
        count = {s: sum(r.state == s for r in rs) for s in ("complete", "pruned", "fail", "running")}
        way = self.tr("higher is better") if self.direction == "maximize" else self.tr("lower is better")
        text = self.tr(
            "{objective} ({way}): {done} trials done, {pruned} pruned, {failed} failed, {running} running"
        ).format(
            objective=self.objective or "…",
            way=way,
            done=count["complete"] + count["pruned"],
            pruned=count["pruned"],
            failed=count["fail"],
            running=count["running"],
        )
        if self.asked is not None:
            text += self.tr(" (of {asked})").format(asked=self.asked)
        if self.best is not None:
            text += "\n" + self.tr("Best: trial {number}, {value} with {params}").format(
                number=self.best.number,
                value=value_text(self.best.value),
                params=", ".join(f"{knob_name(k)}={value_text(v)}" for k, v in self.best.params.items()),
            )
        if self.runner is not None and self.runner.isFinished():
            text += "\n" + (self.tr("Stopped.") if self.runner.stopping else self.tr("The sweep has ended."))
        if self.error:
            text += "\n" + self.error
        self.header.setText(text)

    def _redraw(self) -> None:
        trials = sorted(self.trials.values(), key=lambda r: r.number)
        best = self.best.number if self.best else None
        maximize = self.direction == "maximize"
        self._fill_table(trials, best)
        self.parallel.show_trials(trials, self.objective, maximize, self.space, best)
        self.scatter.show_trials(trials, self.objective, maximize, self.space, best)
        if not any(r.state == "complete" for r in trials):
            self.importance.show_importances(None, 0)
        has_best = best is not None and bool(self.best and self.best.run_dir)
        self.open_best_button.setEnabled(has_best)
        self.fork_button.setEnabled(has_best)
        self._update_header()
        self.changed.emit()

    def _fill_table(self, trials: list[TrialRecord], best: int | None) -> None:
        keys = list(dict.fromkeys(k for r in trials for k in r.params))
        headers = [
            self.tr("Trial"),
            self.tr("State"),
            self.objective or self.tr("Value"),
            *map(knob_name, keys),
            self.tr("Epochs"),
            self.tr("Run folder"),
        ]
        t = self.table
        sort_col, sort_order = t.horizontalHeader().sortIndicatorSection(), t.horizontalHeader().sortIndicatorOrder()
        t.setSortingEnabled(False)
        t.clear()
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setRowCount(len(trials))
        states = {
            "complete": self.tr("complete"),
            "pruned": self.tr("pruned"),
            "fail": self.tr("failed"),
            "running": self.tr("running"),
            "waiting": self.tr("waiting"),
        }
        for row, r in enumerate(trials):
            state = states.get(r.state, r.state)
            epochs = self.epochs.get(r.number)
            cells: list[QTableWidgetItem] = [
                NumberItem(r.number, str(r.number)),
                QTableWidgetItem(state if not r.error else f"{state}: {r.error}"),
                NumberItem(r.value, "" if r.value is None else value_text(r.value)),
                *(self._param_item(r.params.get(k)) for k in keys),
                NumberItem(epochs, "" if epochs is None else value_text(epochs)),
                QTableWidgetItem(Path(r.run_dir).name if r.run_dir else ""),
            ]
            cells[1].setToolTip(r.error or r.status or r.state)
            cells[-1].setToolTip(r.run_dir or "")
            for col, item in enumerate(cells):
                item.setData(Qt.ItemDataRole.UserRole, r.number)
                if r.number == best:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(Qt.GlobalColor.darkRed)
                t.setItem(row, col, item)
        t.setSortingEnabled(True)
        t.sortItems(sort_col if 0 <= sort_col < len(headers) else 0, sort_order)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)

    @staticmethod
    def _param_item(value: Any) -> QTableWidgetItem:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return NumberItem(float(value), value_text(value))
        return QTableWidgetItem("" if value is None else value_text(value))

    # --- acting on trials --------------------------------------------------------------------------------------
    def row_of(self, number: int) -> int:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == number:
                return row
        return -1

    def _row_opened(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.open_trial(int(item.data(Qt.ItemDataRole.UserRole)))

    def open_trial(self, number: int) -> bool:
        """Open trial ``number``'s run folder in the main window (its curves, previews and weights)."""
        r = self.trials.get(number)
        if r is None or not r.run_dir or not Path(r.run_dir).is_dir():
            self.header.setText(self.tr("Trial {number} has no run folder yet.").format(number=number))
            return False
        row = self.row_of(number)
        if row >= 0:
            self.table.selectRow(row)
        return self.main.open_run(Path(r.run_dir))

    def fork_best(self) -> None:
        if self.best is None or not self.best.run_dir:
            return
        self.main.raise_()
        self.main.activateWindow()
        self.main.run_actions.fork_dialog_open(Path(self.best.run_dir))


# --- what the menus call -----------------------------------------------------------------------------------------
def sweep_window(main: MainWindow) -> SweepWindow:
    """The window's one Sweep view (a new one when the last was closed with its sweep ended)."""
    acts = main.run_actions
    view = acts.sweep_window
    if view is None:
        view = SweepWindow(main)
        acts.sweep_window = view
    return view


def open_sweep_dialog(main: MainWindow, lesson: Any = None) -> QDialog | None:
    """Run ▸ Sweep…: the dialog on the window's current settings; Start runs the sweep in the Sweep view."""
    from vision_lab.core.paths import runs_dir
    from vision_lab.core.sweep import available_cores
    from vision_lab.gui.sweep_dialog import SweepDialog, default_folder

    view = main.run_actions.sweep_window
    if view is not None and view.running:
        view.show()
        view.raise_()
        main.statusBar().showMessage(
            QCoreApplication.translate("SweepView", "A sweep is running: stop it before starting another."), 5000
        )
        return None
    if not main.settings_valid:
        problem = main.settings_problem or QCoreApplication.translate(
            "SweepView", "The settings in the panels are not valid."
        )
        main.show_dialog(
            QMessageBox.Icon.Information, QCoreApplication.translate("SweepView", "Cannot start a sweep"), problem
        )
        return None
    root = main.runs_root if main.runs_root is not None else runs_dir()
    dialog = SweepDialog(main.current_config().validate(), default_folder(root), available_cores(), main)
    if lesson is not None:
        dialog.load_lesson(lesson)
    dialog.accepted.connect(lambda: start_sweep(main, dialog.spec()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    main.run_actions.sweep_dialog = dialog
    return dialog


def start_sweep(main: MainWindow, spec: SweepSpec) -> SweepWindow:
    view = sweep_window(main)
    view.run(spec)
    view.show()
    view.raise_()
    return view


class WatchSweepDialog(QDialog):
    """A sweep folder, or a storage URL and a study name (a study other machines write)."""

    def __init__(self, start: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("watchSweepDialog")
        self.setWindowTitle(self.tr("Watch a sweep"))
        self.folder = QLineEdit()
        self.folder.setObjectName("watchSweepFolder")
        self.folder.setPlaceholderText(str(start))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(lambda: self._browse(start))
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.url = QLineEdit()
        self.url.setObjectName("watchSweepUrl")
        self.url.setPlaceholderText("sqlite:///…/study.db, postgresql://…, /shared/sweep.log")
        self.study = QLineEdit("sweep")
        self.study.setObjectName("watchSweepStudy")
        form = QFormLayout()
        form.addRow(self.tr("Sweep folder"), row)
        form.addRow(QLabel(self.tr("or a study storage other processes write:")))
        form.addRow(self.tr("Storage URL"), self.url)
        form.addRow(self.tr("Study name"), self.study)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _browse(self, start: Path) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A sweep folder"), str(start))
        if folder:
            self.folder.setText(folder)

    def target(self) -> tuple[str, str]:
        """(storage URL, study name); ConfigError: the one sentence saying what is missing or wrong."""
        from vision_lab.core.sweep import storage_url

        if self.url.text().strip():
            return storage_url(self.url.text().strip(), Path.cwd()), self.study.text().strip() or "sweep"
        folder = Path(self.folder.text().strip()).expanduser()
        if not self.folder.text().strip() or not folder.is_dir():
            raise ConfigError(
                self.tr("Choose a sweep folder (with its sweep.json or study.db), or type a storage URL.")
            )
        return study_location(folder)


def watch_sweep_dialog(main: MainWindow) -> QDialog:
    from vision_lab.core.paths import runs_dir

    start = main.runs_root if main.runs_root is not None else runs_dir()
    dialog = WatchSweepDialog(start, main)
    dialog.accepted.connect(lambda: _watch_from(main, dialog))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def _watch_from(main: MainWindow, dialog: WatchSweepDialog) -> None:
    try:
        target = dialog.target()
    except ConfigError as err:
        main.show_dialog(
            QMessageBox.Icon.Information, QCoreApplication.translate("SweepView", "Watch a sweep"), str(err)
        )
        return
    watch_sweep(main, *target)


def watch_sweep(main: MainWindow, url: str, study: str) -> SweepWindow | None:
    view = sweep_window(main)
    if view.running:
        main.statusBar().showMessage(
            QCoreApplication.translate("SweepView", "A sweep is running: stop it before watching another."), 5000
        )
        return None
    view.watch(url, study)
    view.show()
    view.raise_()
    return view


__all__ = ["SweepWindow", "WatchSweepDialog", "open_sweep_dialog", "start_sweep", "watch_sweep", "watch_sweep_dialog"]
