"""The "see inside" views: draw and predict, confusion matrix, filters and feature maps, latent explorer,
the GAN's latent space and judge, and training health.

Each view declares the capabilities it needs (``_Tab.needs``); a model gets the views its family's capabilities
allow (vision_lab/core/families). Every view is computed from the core's data — the weights each Preview carries,
the confusion matrix and judge histogram each epoch's Metrics carry, the health figures the trainer measures — by a
:class:`vision_lab.core.inspect.Inspector` in this process. Nothing trains here. To keep the GUI thread
cheap only the visible tab is recomputed, at most every ``UPDATE_S`` seconds, and only when new
weights or input arrived.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.data import ImageDataset
from vision_lab.core.events import Metrics, Preview, Started
from vision_lab.gui.panels.inspect_base import ViewGroup, _label, _Tab
from vision_lab.gui.panels.inspect_draw import DrawTab
from vision_lab.gui.panels.inspect_filters import FiltersTab
from vision_lab.gui.panels.inspect_generative import GanTab, LatentTab
from vision_lab.gui.widgets.charts import BarChart, SeriesPlot
from vision_lab.gui.widgets.confusion import EMPTY_TEXT, ConfusionMatrixView
from vision_lab.gui.widgets.fields import ERROR_COLOR
from vision_lab.gui.widgets.image_grid import ImageGrid

HEALTH_KEEP = 600  # health measurements kept for the plots
VIEWS: tuple[str, ...] = (
    "vision_lab.gui.panels.inspect_attention:AttentionTab",
    "vision_lab.gui.panels.inspect_scenes:SceneTab",
    "vision_lab.gui.panels.inspect_overview:OverviewTab",
    "vision_lab.gui.panels.inspect_features:FeaturesTab",
)
"""Inspect views in modules of their own, as ``"module:Class"`` (an InspectView subclass taking the panel): the
registry a new view is added to. Named, not imported, so that a view's module may import this one."""


class ConfusionTab(_Tab):
    needs = frozenset({"confusion"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Confusion")
    image_picked = Signal(object)
    """A validation image (H×W×C uint8) clicked in the cell gallery: the Overview walks it through the model."""

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.matrix = ConfusionMatrixView()
        self.matrix.setObjectName("confusionMatrix")
        self.matrix.cellClicked.connect(self.select)
        self.cell_title = _label(name="confusionCellTitle")
        self.cell_images = ImageGrid(self.tr("Click a cell to see its validation images."))
        self.cell_images.setObjectName("confusionImages")
        self.gallery_title = _label(self.tr("<b>Most confused</b>"), name="mostConfusedTitle")
        self.gallery = ImageGrid(self.tr("The most-confused pairs appear after the first epoch."))
        self.gallery.setObjectName("mostConfusedGallery")
        lay = QVBoxLayout(self)
        lay.addWidget(self.matrix, 4)
        lay.addWidget(self.cell_title)
        lay.addWidget(self.cell_images, 2)
        lay.addWidget(self.gallery_title)
        lay.addWidget(self.gallery, 2)
        self.selected: tuple[int, int] | None = None
        self._predictions: np.ndarray | None = None
        self._cell_idx = np.zeros(0, np.int64)
        self.cell_images.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.cell_images and event.type() == QEvent.Type.MouseButtonPress and self.panel.can("layers"):
            from vision_lab.gui.panels.inspect_overview import image_index_at

            i = image_index_at(self.cell_images, event.position().toPoint())  # type: ignore[attr-defined]
            ds = self.panel.dataset
            if i is not None and i < len(self._cell_idx) and ds is not None:
                self.image_picked.emit(ds.val_images[self._cell_idx[i]])
        return super().eventFilter(watched, event)

    def reset(self) -> None:
        self.selected = None
        self._predictions = None
        self.matrix.clear()
        self.cell_title.setText("")
        none = self.panel.no_validation  # no matrix will come: no cells to click, no pairs to show
        self.cell_images.clear("" if none else self.tr("Click a cell to see its validation images."))
        self.gallery.clear("" if none else self.tr("The most-confused pairs appear after the first epoch."))

    def set_no_validation(self, none: bool) -> None:
        """Without validation images there is no confusion matrix: the view says why instead of waiting for one."""
        self.matrix.placeholder = (
            self.tr("No validation images in this run (a validation share of 0, or too few images per class), so no "
                    "confusion matrix: it counts the model's answers on images it did not train on.")
            if none
            else EMPTY_TEXT
        )  # fmt: skip
        if none:
            self.matrix.clear()

    def select(self, true: int, pred: int) -> None:
        self.selected = (true, pred)
        self.matrix.set_selected(true, pred)
        self._show_cell()

    def _val_predictions(self) -> np.ndarray | None:
        insp, ds = self.panel.inspector, self.panel.dataset
        if insp is None or ds is None:
            return None
        if self._predictions is None:
            self._predictions = insp.probabilities(ds.val_images).argmax(1)
        return self._predictions

    def _show_cell(self) -> None:
        preds, ds = self._val_predictions(), self.panel.dataset
        if preds is None or ds is None or self.selected is None:
            return
        t, p = self.selected
        names = self.panel.class_names
        idx = np.flatnonzero((ds.val_labels == t) & (preds == p))[:48]
        self._cell_idx = idx
        title = (
            self.tr("<b>{true}</b> right: {count} shown (current weights)")
            if t == p
            else self.tr("<b>{true}</b> taken for {predicted}: {count} shown (current weights)")
        )
        self.cell_title.setText(title.format(true=_n(names, t), predicted=_n(names, p), count=len(idx)))
        if len(idx):
            self.cell_images.set_images(ds.val_images[idx])
        else:
            self.cell_images.clear(self.tr("No such images."))

    def update_view(self) -> None:
        confusion = self.panel.confusion
        if confusion is None:
            return
        from vision_lab.core.inspect import most_confused

        names = self.panel.class_names
        self.matrix.set_matrix(confusion, names)
        self._predictions = None  # new weights: predictions are recomputed on demand
        pairs = most_confused(confusion, 4)
        ds = self.panel.dataset
        preds = self._val_predictions()
        if pairs and ds is not None and preds is not None:
            images, captions = [], []
            for t, p, _count in pairs:
                idx = np.flatnonzero((ds.val_labels == t) & (preds == p))[:6]
                images.extend(ds.val_images[idx])
                captions.extend([f"{_n(names, t)}→{_n(names, p)}"] * len(idx))
            pair = self.tr("{true} as {predicted} ({count})")
            text = ", ".join(pair.format(true=_n(names, t), predicted=_n(names, p), count=c) for t, p, c in pairs)
            self.gallery_title.setText(self.tr("<b>Most confused</b>: {pairs}").format(pairs=text))
            if images:
                self.gallery.set_images(np.stack(images), captions, [True] * len(images))
        if self.selected is None and pairs:
            self.selected = (pairs[0][0], pairs[0][1])
            self.matrix.set_selected(*self.selected)
        self._show_cell()


class HealthTab(_Tab):
    needs = frozenset({"health"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Health")

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.warnings = _label(name="healthWarnings")
        self.grad = SeriesPlot()
        self.grad.setObjectName("gradNormPlot")
        self.grad.set_log_y(True)
        self.ratio = SeriesPlot()
        self.ratio.setObjectName("updateRatioPlot")
        self.ratio.set_log_y(True)
        self.dead = BarChart()
        self.dead.setObjectName("deadReluChart")
        self.dead.setMinimumHeight(90)
        lay = QVBoxLayout(self)
        lay.addWidget(self.warnings)
        lay.addWidget(_label(self.tr("<b>Gradient norm per layer</b>")))
        lay.addWidget(self.grad, 1)
        lay.addWidget(_label(self.tr("<b>Update / weight per step</b> (healthy: about 1e-3)")))
        lay.addWidget(self.ratio, 1)
        lay.addWidget(_label(self.tr("<b>Dead ReLUs</b> (units silent for a whole batch)")))
        lay.addWidget(self.dead)

    def reset(self) -> None:
        self.grad.clear()
        self.ratio.clear()
        self.dead.set_values([], [])
        self.warnings.setText("")

    def update_view(self) -> None:
        history = self.panel.health
        warnings = self.panel.warnings
        self.warnings.setText("<br>".join(f"⚠ {w}" for w in warnings) if warnings else self.tr("No warnings."))
        self.warnings.setStyleSheet(f"color: {ERROR_COLOR.name()};" if warnings else "")
        if not history:
            return
        series: dict[str, tuple[list[float], list[float], list[float]]] = {}
        for h in history:
            for layer in h.get("layers", ()):
                # The Model tab's name ("Conv2d #2", "Linear 128"), not the module path ("model.4").
                xs, gs, rs = series.setdefault(layer.get("label", layer["name"]), ([], [], []))
                xs.append(float(h["step"]))
                gs.append(layer["grad_norm"])
                rs.append(layer["update_ratio"])
        for name, (xs, gs, rs) in series.items():
            x = np.asarray(xs)
            g, r = np.asarray(gs, dtype=float), np.asarray(rs, dtype=float)
            ok_g, ok_r = np.isfinite(g) & (g > 0), np.isfinite(r) & (r > 0)
            self.grad.set_series(name, x[ok_g], g[ok_g])
            self.ratio.set_series(name, x[ok_r], r[ok_r])
        dead = history[-1].get("dead_relu", {})
        after = history[-1].get("relu_after", {})
        names = [self.tr("after {layer}").format(layer=after.get(k, k)) for k in dead]
        self.dead.set_values(list(dead.values()), names, maximum=1.0)


class InspectPanel(QTabWidget):
    """Tabs of live views over the current run; the main window feeds it the run's events."""

    warnings_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspectTabs")
        self.setDocumentMode(True)
        self.inspector: Any = None  # vision_lab.core.inspect.Inspector for the current run
        self.family = ""
        self.class_names: tuple[str, ...] = ()
        self._dataset: ImageDataset | None = None
        self.no_validation = False
        """The run's data has no validation images: the views show training images instead, and say so."""
        self.confusion: np.ndarray | None = None
        self.class_counts: np.ndarray | None = None
        self.last_values: dict[str, float] = {}
        self.last_values_step = 0
        """The step the judge figures in ``last_values`` are from."""
        self.values_history: list[dict[str, float]] = []
        self.health: list[dict] = []
        self.warnings: list[str] = []
        self._dirty: set[str] = set()
        self._loaded = False  # weights arrived: the model views have something to show
        self._last_update: dict[str, float] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        self.draw_tab = DrawTab(self)
        self.views: list[_Tab] = [
            self.draw_tab,
            ConfusionTab(self),
            FiltersTab(self),
            LatentTab(self),
            GanTab(self),
            HealthTab(self),
        ]
        for name in VIEWS:  # views kept in modules of their own, after the built-in ones
            module, _, cls = name.partition(":")
            self.views.append(getattr(importlib.import_module(module), cls)(self))
        self.groups: dict[str, ViewGroup] = {}
        for view in self.views:
            view.setObjectName(f"inspect{view.title}Tab")
            title = QCoreApplication.translate("InspectPanel", view.title)
            if not view.group:
                self.addTab(view, title)
                continue
            group = self.groups.get(view.group)
            if group is None:
                group = self.groups[view.group] = ViewGroup(view.group)
                group.currentChanged.connect(lambda _i, g=group: self.currentWidget() is g and self.refresh(force=True))
                self.addTab(group, QCoreApplication.translate("InspectPanel", view.group))
            group.addTab(view, title)
        self.currentChanged.connect(lambda _i: self.refresh(force=True))
        self.set_family(ExperimentConfig().model)

    @property
    def dataset(self) -> ImageDataset | None:
        """The images the views show (``val_images``): the validation split, or the training images without one."""
        return self._dataset

    @dataset.setter
    def dataset(self, ds: ImageDataset | None) -> None:
        self.no_validation = ds is not None and not len(ds.val_images)
        if ds is not None and self.no_validation:
            ds = dataclasses.replace(ds, val_images=ds.train_images, val_labels=ds.train_labels)
        self._dataset = ds
        confusion = self.views[1] if hasattr(self, "views") else None
        if isinstance(confusion, ConfusionTab):
            confusion.set_no_validation(self.no_validation)

    def can(self, capability: str) -> bool:
        """Whether the family on show declares ``capability``."""
        return self.family in families.names() and families.get(self.family).has(capability)

    # --- what the window tells us -------------------------------------------------------------------
    def set_family(self, family: str) -> None:
        """Show only the views that make sense for ``family`` (before a run, too).

        Hidden rather than greyed out: six titles did not fit the dock, so the tab bar scrolled and a learner
        reached Health only through arrows; a family has at most four views.
        """
        self.family = family
        for i in range(self.count()):
            page = self.widget(i)
            members = page.members() if isinstance(page, ViewGroup) else [page]
            serves = [v.serves(family) for v in members if isinstance(v, _Tab)]
            if isinstance(page, ViewGroup):
                for j, on in enumerate(serves):
                    page.setTabVisible(j, on)
                    page.setTabEnabled(j, on)
                if not page.isTabEnabled(page.currentIndex()) and any(serves):
                    page.setCurrentIndex(serves.index(True))
            self.setTabVisible(i, any(serves))
            self.setTabEnabled(i, any(serves))
        if not self.isTabEnabled(self.currentIndex()):
            for i in range(self.count()):
                if self.isTabEnabled(i):
                    self.setCurrentIndex(i)
                    break

    def _group_of(self, view: _Tab) -> ViewGroup | None:
        return self.groups.get(view.group) if view.group else None

    def shows(self, view: _Tab) -> bool:
        """Whether ``view`` has a tab the user can reach for the family on show (its own, or a sub-tab)."""
        group = self._group_of(view)
        if group is not None:
            return self.isTabEnabled(self.indexOf(group)) and group.isTabEnabled(group.indexOf(view))
        return self.isTabEnabled(self.indexOf(view))

    def bring_forward(self, view: _Tab) -> None:
        """Bring ``view`` to the front (its group's tab, then its sub-tab)."""
        group = self._group_of(view)
        if group is not None:
            group.setCurrentWidget(view)
            self.setCurrentWidget(group)
        else:
            self.setCurrentWidget(view)

    def current_view(self) -> _Tab | None:
        """The view on screen: the current tab, or the current sub-tab of a group."""
        page = self.currentWidget()
        if isinstance(page, ViewGroup):
            page = page.currentWidget()
        return page if isinstance(page, _Tab) else None

    def show_view(self, title: str) -> bool:
        """Bring the view titled ``title`` (its English title) forward, when the family on show has it."""
        for view in self.views:
            if view.title == title and self.shows(view):
                self.bring_forward(view)
                return True
        return False

    def start_run(self, started: Started, dataset: ImageDataset | None) -> None:
        from vision_lab.core.inspect import Inspector

        cfg = started.config
        self.inspector = Inspector(cfg, started.dataset.image_shape, started.dataset.class_names)
        self.class_names = started.dataset.class_names
        self.dataset = dataset
        self.confusion = self.class_counts = None
        self.last_values, self.values_history, self.health, self.warnings = {}, [], [], []
        self._loaded = False
        self._last_update.clear()
        self.set_family(cfg.model)
        for view in self.views:
            view.reset()
        self._dirty = {v.title for v in self.views}

    def open_run(self, inspector: Any, dataset: ImageDataset | None) -> None:
        """Show a saved run's final weights (``Inspector.from_run``): the views work without training."""
        self.inspector = inspector
        self.class_names = tuple(inspector.class_names)
        self.dataset = dataset
        self.confusion = self.class_counts = None
        self.last_values, self.values_history, self.health, self.warnings = {}, [], [], []
        self._loaded = True
        self._last_update.clear()
        self.set_family(inspector.family)
        for view in self.views:
            view.reset()
        self.warnings_changed.emit([])
        self.mark_dirty()

    def clear_run(self) -> None:
        """No run on screen: every view forgets the last one (its health charts, confusion matrix, warnings)."""
        self.inspector = None
        self.confusion = self.class_counts = None
        self.last_values, self.values_history, self.health, self.warnings = {}, [], [], []
        self._loaded = False
        self._last_update.clear()
        for view in self.views:
            view.reset()
        self.warnings_changed.emit([])

    def shutdown(self) -> None:
        """Cancel and join every view's background work (window closing)."""
        for view in self.views:
            view.shutdown()

    def show_confusion(self, confusion: np.ndarray) -> None:
        """Show a past confusion matrix (rewind) without changing the live one."""
        tab = self.views[1]
        assert isinstance(tab, ConfusionTab)
        tab.matrix.set_matrix(confusion, self.class_names)

    def on_final(self, summary: dict[str, Any]) -> None:
        """The run's last figures (a run stopped mid-epoch is judged once more): every view shows the same,
        current judge, and its warnings follow."""
        judged = {k: float(v) for k, v in summary.items() if k.startswith("judge_") and isinstance(v, int | float)}
        if not judged:
            return
        self.last_values = {**self.last_values, **judged}
        self.last_values_step = int(summary.get("steps") or self.last_values_step)
        self.values_history.append(judged)
        self._update_warnings()
        self.mark_dirty("GAN")

    def on_metrics(self, m: Metrics) -> None:
        if any(k.startswith("judge_") for k in m.values):
            self.last_values_step = m.step
        self.last_values = {**self.last_values, **m.values}
        self.values_history.append(dict(m.values))
        del self.values_history[:-50]
        if m.confusion is not None:
            self.confusion = m.confusion
            self.mark_dirty("Confusion")
        if m.class_counts is not None:
            self.class_counts = m.class_counts
            self.mark_dirty("GAN")
        self._update_warnings()

    def on_preview(self, p: Preview) -> None:
        if self.inspector is None:
            return
        if p.weights is not None:
            self.inspector.load(p.weights)
            self._loaded = True
            self.mark_dirty()
        if p.health is not None:
            self.health.append(p.health)
            del self.health[:-HEALTH_KEEP]
            self.mark_dirty("Health")
            self._update_warnings()

    def _update_warnings(self) -> None:
        from vision_lab.core.health import health_warnings

        warnings = health_warnings(
            self.values_history, self.health[-1] if self.health else None, self.family, len(self.class_names)
        )
        if warnings != self.warnings:
            self.warnings = warnings
            self.warnings_changed.emit(warnings)
            self.mark_dirty("Health")
            self.mark_dirty("GAN")

    # --- updating -------------------------------------------------------------------------------------
    def mark_dirty(self, *titles: object) -> None:
        """Something a view shows changed (no argument: every view)."""
        names = [t for t in titles if isinstance(t, str)]
        self._dirty |= set(names) if names else {v.title for v in self.views}
        view = self.current_view()
        if view is not None and view.title in self._dirty and not self._timer.isActive():
            self._timer.start(self._wait_for(view))

    def _wait_for(self, view: _Tab) -> int:
        last = self._last_update.get(view.title)
        if last is None:
            return 0
        return max(0, int((view.min_interval_s - (time.monotonic() - last)) * 1000))

    def refresh(self, *, force: bool = False) -> None:
        """Recompute the visible view if it is out of date, at most every ``min_interval_s`` of that view."""
        view = self.current_view()
        if view is None or view.title not in self._dirty or self.inspector is None:
            return
        if not view.serves(self.inspector.family):
            return  # the family was changed after the run: this view waits for a run of its own kind
        if not self._loaded and view.title != "Health":
            return
        wait = 0 if force else self._wait_for(view)
        if wait > 0:
            self._timer.start(wait)
            return
        self._last_update[view.title] = time.monotonic()
        self._dirty.discard(view.title)
        view.update_view()


def _n(names: tuple[str, ...], i: int) -> str:
    return names[i] if 0 <= i < len(names) else str(i)
