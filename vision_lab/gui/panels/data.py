"""Data panel: which dataset, what it looks like (examples, split sizes, class counts), downloads."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vision_lab.core import overlays
from vision_lab.core.config import DataConfig, ExperimentConfig
from vision_lab.core.data import DatasetInfo, ImageDataset, download_dataset, list_datasets, load_dataset
from vision_lab.gui.widgets.fields import error_label, set_error
from vision_lab.gui.widgets.image_grid import ImageGrid
from vision_lab.gui.worker import FunctionWorker

OPEN_FOLDER = "::open-folder"
OPEN_FILE = "::open-file"
PREVIEW_COUNT = 24
LOAD_QUIET_S = 0.5  # a load quicker than this shows no progress row
MAX_LIMIT = 10_000_000


def _load_options(data: DataConfig) -> dict[str, object]:
    """What of a data config decides the dataset itself (not how much of it a run uses): load_dataset's options."""
    return {
        "val_fraction": data.val_fraction,
        "seed": data.split_seed,
        "image_size": data.image_size,
        "channels": data.channels,
        "count": data.count,
    }


def scene_class_counts(ds: ImageDataset) -> np.ndarray:
    """Objects of each class in the training scenes (by their boxes; without boxes, scenes that show the class)."""
    if ds.train_boxes is not None:
        classes = ds.train_boxes[..., 0].astype(np.int64).ravel()
        return np.bincount(classes[classes >= 0], minlength=ds.num_classes)
    assert ds.train_masks is not None
    return np.array([(ds.train_masks == k).any(axis=(1, 2)).sum() for k in range(ds.num_classes)])


def preview_indices(labels: np.ndarray, count: int) -> np.ndarray:
    """Round-robin over classes, so the preview shows every class."""
    by_class = [list(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    out: list[int] = []
    while len(out) < min(count, len(labels)):
        for idx in by_class:
            if idx and len(out) < count:
                out.append(int(idx.pop(0)))
    return np.array(out, dtype=np.int64)


class DataPanel(QWidget):
    changed = Signal()
    dataset_loaded = Signal(object)  # ImageDataset

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset: ImageDataset | None = None
        self.infos: dict[str, DatasetInfo] = {}
        self._problem: str | None = None
        self._loader: FunctionWorker | None = None
        self._loaders: set[FunctionWorker] = set()
        """Every load still running: one replaced by a newer pick runs on to its end (a scene set cannot stop
        midway), and closing the window must wait for it, or Qt aborts on a thread destroyed while running."""
        self._downloader: FunctionWorker | None = None
        self._loading_key: str | None = None
        self._good: tuple[str, ImageDataset] | None = None
        """The last dataset that loaded (its key): a refused folder falls back to it."""
        self.options = DataConfig()
        """How the dataset shown was loaded (canvas size, scene count, channels, split): an opened run's or a
        lesson's, so the window shows and trains on the data the run had; the defaults for a dataset picked by hand."""
        self._pending: tuple[str, DataConfig] | None = None
        self._good_options = self.options

        self.combo = QComboBox()
        self.combo.setObjectName("datasetCombo")
        self.combo.setToolTip(
            self.tr("The images to train on: bundled digits, a download, or a folder or file of your own")
        )
        self.combo.setMinimumContentsLength(14)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo_error = error_label()
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setObjectName("datasetDescription")

        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self.start_download)
        self.download_progress = QProgressBar()
        self.download_progress.setObjectName("downloadProgress")
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelDownloadButton")
        self.cancel_button.clicked.connect(self.cancel_download)
        download_row = QHBoxLayout()
        download_row.setContentsMargins(0, 0, 0, 0)
        download_row.addWidget(self.download_button)
        download_row.addWidget(self.download_progress, 1)
        download_row.addWidget(self.cancel_button)
        self.download_box = QWidget()
        self.download_box.setLayout(download_row)
        self._build_load_box()

        self.limit_spin = QSpinBox()
        self.limit_spin.setObjectName("limitSpin")
        self.limit_spin.setRange(0, MAX_LIMIT)
        self.limit_spin.setSingleStep(256)
        self.limit_spin.setSpecialValueText(self.tr("all"))
        self.limit_spin.setToolTip(
            self.tr("Train on only this many training images (a seeded subset): quick experiments.")
        )
        self.limit_spin.valueChanged.connect(self._limit_changed)

        self.sizes = QLabel()
        self.sizes.setObjectName("splitSizes")
        self.sizes.setWordWrap(True)  # a narrow dock wraps it rather than clipping it
        self.counts = QLabel()
        self.counts.setObjectName("classCounts")
        self.counts.setWordWrap(True)
        self.counts.setTextFormat(Qt.TextFormat.RichText)
        self.preview = ImageGrid(self.tr("Loading examples…"))
        self.preview.setObjectName("dataPreview")
        self.preview.max_scale = 2.0
        self.preview.setMinimumHeight(150)
        self.source = QLabel()
        self.source.setWordWrap(True)
        self.source.setObjectName("datasetSource")
        font = self.source.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.source.setFont(font)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        combo_box = QVBoxLayout()
        combo_box.setSpacing(2)
        combo_box.addWidget(self.combo)
        combo_box.addWidget(self.combo_error)
        form.addRow(self.tr("Dataset"), combo_box)
        form.addRow(self.tr("Use only"), self.limit_spin)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        lay.addLayout(form)
        lay.addWidget(self.description)
        lay.addWidget(self.download_box)
        lay.addWidget(self.load_box)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.sizes)
        lay.addWidget(self.counts)
        lay.addWidget(self.source)
        self.download_box.hide()
        self.load_box.hide()
        self.populate()
        self.combo.currentIndexChanged.connect(self._selected)

    # --- config ------------------------------------------------------------------------------------
    @property
    def current_key(self) -> str:
        return str(self.combo.currentData() or "")

    def problem(self) -> str | None:
        """Why training cannot start with this data (None when it can)."""
        if self.dataset is None and self._problem is None:
            return self.tr("The dataset is still loading.")
        return self._problem

    def apply(self, cfg: ExperimentConfig) -> ExperimentConfig:
        limit = self.limit_spin.value() or None
        o = self.options
        data = dataclasses.replace(
            cfg.data,
            name=self.current_key,
            limit=limit,
            val_fraction=o.val_fraction,
            split_seed=o.split_seed,
            image_size=o.image_size,
            channels=o.channels,
            count=o.count,
        )
        return dataclasses.replace(cfg, data=data)

    def load_config(self, data: DataConfig) -> None:
        self.limit_spin.setValue(data.limit or 0)

    def set_limit(self, limit: int | None) -> None:
        self.limit_spin.setValue(limit or 0)

    def image_shape(self) -> tuple[int, int, int] | None:
        return self.dataset.image_shape if self.dataset is not None else None

    # --- dataset list --------------------------------------------------------------------------------
    def populate(self) -> None:
        """(Re)fill the picker from ``list_datasets()``, keeping the selection."""
        keep = self.current_key
        self.combo.blockSignals(True)
        self.combo.clear()
        self.infos = {info.name: info for info in list_datasets()}
        for info in self.infos.values():
            suffix = "" if info.available else self.tr("  (download)")
            self.combo.addItem(f"{info.name}{suffix}", info.name)
            self.combo.setItemData(self.combo.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole)
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem(self.tr("Open a folder…"), OPEN_FOLDER)
        self.combo.setItemData(
            self.combo.count() - 1,
            self.tr("Images in one sub-folder per class, MNIST-format IDX files, or CIFAR-10's cifar-10-batches-py"),
            Qt.ItemDataRole.ToolTipRole,
        )
        self.combo.addItem(self.tr("Open an .npz file…"), OPEN_FILE)
        self.combo.setItemData(
            self.combo.count() - 1,
            self.tr("A NumPy .npz with arrays x (images) and y (labels)"),
            Qt.ItemDataRole.ToolTipRole,
        )
        index = self.combo.findData(keep) if keep else -1
        self.combo.setCurrentIndex(index if index >= 0 else 0)
        self.combo.blockSignals(False)

    def shows(self, data: DataConfig) -> bool:
        """The dataset shown (or loading) is ``data``'s, loaded as it says."""
        return self.current_key == data.name and _load_options(self.options) == _load_options(data)

    def select(self, key: str, data: DataConfig | None = None) -> None:
        """Pick a dataset by name or path (adds the path to the list) and load it, as ``data`` says (a run's canvas
        size, scene count...; the defaults without it)."""
        self._pending = (key, data if data is not None else DataConfig(name=key))
        index = self.combo.findData(key)
        if index < 0:
            index = self.combo.count() - 3  # before the separator and the two "Open…" entries
            self.combo.blockSignals(True)
            self.combo.insertItem(index, Path(key).name or key, key)
            self.combo.setItemData(index, key, Qt.ItemDataRole.ToolTipRole)
            self.combo.blockSignals(False)
        if index == self.combo.currentIndex():
            self._selected(index)
        else:
            self.combo.setCurrentIndex(index)

    def _selected(self, _index: int) -> None:
        key = self.current_key
        if key in (OPEN_FOLDER, OPEN_FILE):
            if key == OPEN_FOLDER:
                folder = QFileDialog.getExistingDirectory(
                    self, self.tr("Open a dataset folder (image sub-folders per class, IDX files or CIFAR-10 batches)")
                )
            else:
                folder, _ = QFileDialog.getOpenFileName(
                    self, self.tr("Open a dataset file"), "", self.tr("NumPy archives (*.npz);;All files (*)")
                )
            if folder:
                self.select(folder)
            else:
                self.combo.setCurrentIndex(max(0, self.combo.findData(self._loading_key or "mnist-5k")))
            return
        self.load(key)

    # --- loading -------------------------------------------------------------------------------------
    def load(self, key: str) -> None:
        self.dataset = None
        self._problem = None
        self._loading_key = key
        pending, self._pending = self._pending, None
        self.options = pending[1] if pending is not None and pending[0] == key else DataConfig(name=key)
        set_error(self.combo_error, None)
        info = self.infos.get(key)
        self.description.setText(info.description if info else key)
        self.source.setText(self.tr("Source: {source}").format(source=info.source) if info else "")
        self.sizes.setText("")
        self.counts.setText("")
        if info is not None and not info.available:
            self.download_box.setVisible(info.downloadable)
            self.download_button.setEnabled(True)
            self.download_progress.setValue(0)
            self.download_progress.setFormat(info.size_hint)
            self.cancel_button.setEnabled(False)
            self._problem = self.tr("'{key}' is not on this computer yet; click Download to fetch it.").format(key=key)
            self.preview.clear(
                self.tr("'{key}' is not on this computer yet.\nDownload it to see its images.").format(key=key)
            )
            self.changed.emit()
            return
        self.download_box.hide()
        self.preview.clear(self.tr("Loading examples…"))
        self.changed.emit()
        if self._loader is not None and self._loader.isRunning():
            self._loader.cancel()  # a scan of the previous folder stops at its next report
        # An image folder's scan reports progress and checks for Cancel (a folder like / holds 100,000s of files).
        options = _load_options(self.options)
        worker = FunctionWorker(lambda progress: load_dataset(key, scan_progress=progress, **options), self)
        worker.progress.connect(lambda done, total, w=worker: self._load_progress(w, done, total))
        worker.done.connect(lambda ds, key=key: self._loaded(key, ds))
        worker.failed.connect(lambda msg, details, key=key: self._load_failed(key, msg, details))
        worker.finished.connect(lambda w=worker: self._load_ended(w))
        worker.finished.connect(worker.deleteLater)
        self._loader = worker
        self._loaders.add(worker)
        self._load_started = time.monotonic()
        worker.start()

    def _loaded(self, key: str, ds: ImageDataset) -> None:
        if key != self.current_key:
            return  # the user picked another dataset meanwhile
        self.load_box.hide()
        self.dataset = ds
        self._problem = None
        self._good = (key, ds)
        self._good_options = self.options
        self._restore_texts()
        self.dataset_loaded.emit(ds)
        self.changed.emit()

    def _restore_texts(self) -> None:
        """Description, examples, sizes and class counts of the dataset in use."""
        assert self._good is not None
        key, ds = self._good
        info = self.infos.get(key)
        self.description.setText(info.description if info else f"{ds.name} — {ds.source}")
        self.source.setText(self.tr("Source: {source}").format(source=info.source) if info else "")
        idx = preview_indices(ds.train_labels, PREVIEW_COUNT)
        names = ds.class_names
        if len(ds.targets) > 1:
            self._show_scenes(ds, idx)
        else:
            self.preview.set_images(ds.train_images[idx], [names[int(y)] for y in ds.train_labels[idx]])
        self._show_sizes()
        scenes = len(ds.targets) > 1
        counts = scene_class_counts(ds) if scenes else ds.class_counts()
        # Scenes count objects, and the background is no object.
        shown = [(names[i], int(n)) for i, n in enumerate(counts) if not (scenes and i == 0)]
        text = self.tr("Objects per class: {counts}") if scenes else self.tr("Per class: {counts}")
        self.counts.setText(text.format(counts=", ".join(f"{name} <b>{n}</b>" for name, n in shown)))
        if ds.notes:
            self.source.setText(self.source.text() + "\n" + "; ".join(ds.notes))

    def _show_scenes(self, ds: ImageDataset, idx: np.ndarray) -> None:
        """Scenes with what a model learns from them: the masks tinted, else the boxes; each captioned with the
        classes it holds."""
        names = ds.class_names
        if ds.train_masks is not None:
            held = [np.unique(m[m > 0]) for m in ds.train_masks[idx]]
            images = overlays.colour_masks(ds.train_images[idx], ds.train_masks[idx])
        else:
            assert ds.train_boxes is not None
            held = [np.unique(b[b[:, 0] > 0, 0]).astype(np.int64) for b in ds.train_boxes[idx]]
            images = overlays.draw_boxes(ds.train_images[idx], ds.train_boxes[idx], None, names, scale=2)
        self.preview.set_images(images, [" ".join(names[int(k)] for k in h) for h in held])

    def _load_failed(self, key: str, message: str, details: str) -> None:
        if key != self.current_key:
            return
        self.load_box.hide()
        good = self._good
        if key not in self.infos and good is not None:
            # A folder or file the user opened and we refused leaves the list again: the combo goes back to the
            # last dataset that loaded, which stays in use, and the sentence under it says so.
            self.combo.blockSignals(True)
            self.combo.removeItem(self.combo.findData(key))
            self.combo.setCurrentIndex(max(0, self.combo.findData(good[0])))
            self.combo.blockSignals(False)
            self.dataset, self._problem, self._loading_key = good[1], None, good[0]
            self.options = self._good_options
            set_error(
                self.combo_error,
                self.tr("{problem} Still using {name}.").format(problem=message, name=self.combo.currentText()),
            )
            self._restore_texts()
            self.changed.emit()
            return
        self._problem = message
        set_error(self.combo_error, message)
        self.preview.clear(self.tr("No images to show."))
        self.changed.emit()

    def is_loading(self) -> bool:
        return self._loader is not None and self._loader.isRunning()

    # --- a long load: progress and Cancel --------------------------------------------------------------------------
    def _build_load_box(self) -> None:
        self.load_progress = QLabel()
        self.load_progress.setObjectName("loadProgress")
        self.cancel_load_button = QPushButton(self.tr("Cancel"))
        self.cancel_load_button.setObjectName("cancelLoadButton")
        self.cancel_load_button.setToolTip(self.tr("Stop reading this folder"))
        self.cancel_load_button.clicked.connect(self.cancel_load)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.load_progress, 1)
        row.addWidget(self.cancel_load_button)
        self.load_box = QWidget()
        self.load_box.setObjectName("loadBox")
        self.load_box.setLayout(row)
        self._load_started = 0.0

    def _load_progress(self, worker: FunctionWorker, done: int, total: int) -> None:
        if worker is not self._loader or time.monotonic() - self._load_started < LOAD_QUIET_S:
            return  # a quick load shows no progress row at all
        if total < 0:
            text = self.tr("Scanning the folder: {count} files so far…").format(count=f"{done:,}")
        else:
            text = self.tr("Reading images: {done} of {total}…").format(done=f"{done:,}", total=f"{total:,}")
        self.load_progress.setText(text)
        if not self.load_box.isVisible():
            self.cancel_load_button.setEnabled(not worker.cancelled)
            self.load_box.show()

    def cancel_load(self) -> None:
        if self._loader is not None and self._loader.isRunning():
            self._loader.cancel()
            self.cancel_load_button.setEnabled(False)
            self.load_progress.setText(self.tr("Cancelling…"))

    def _load_ended(self, worker: FunctionWorker) -> None:
        self._loaders.discard(worker)
        if worker is self._loader:
            self._loader = None  # deleteLater follows: never ask a deleted thread whether it runs
            self.load_box.hide()

    # --- downloads -------------------------------------------------------------------------------------
    def start_download(self) -> None:
        key = self.current_key
        worker = FunctionWorker(lambda progress: download_dataset(key, progress=progress), self)
        worker.progress.connect(self._download_progress)
        worker.done.connect(lambda _path, key=key: self._downloaded(key))
        worker.failed.connect(self._download_failed)
        worker.finished.connect(worker.deleteLater)
        self._downloader = worker
        self.download_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.download_progress.setFormat(self.tr("Starting…"))
        set_error(self.combo_error, None)
        worker.start()

    def cancel_download(self) -> None:
        if self._downloader is not None:
            self._downloader.cancel()
            self.cancel_button.setEnabled(False)
            self.download_progress.setFormat(self.tr("Cancelling…"))

    def _download_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.download_progress.setRange(0, 1000)
            self.download_progress.setValue(round(1000 * done / total))
            self.download_progress.setFormat(
                self.tr("{done:.1f} of {total:.1f} MB").format(done=done / 1e6, total=total / 1e6)
            )
        else:
            self.download_progress.setRange(0, 0)

    def _downloaded(self, key: str) -> None:
        self._downloader = None
        self.download_progress.setRange(0, 1000)
        self.download_progress.setValue(1000)
        self.populate()
        if key == self.current_key:
            self.load(key)

    def _download_failed(self, message: str, _details: str) -> None:
        self._downloader = None
        self.download_progress.setRange(0, 1000)
        self.download_progress.setValue(0)
        self.download_progress.setFormat(
            self.tr("Download cancelled") if "cancel" in message.lower() else self.tr("Download failed")
        )
        self.download_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        set_error(self.combo_error, message)

    def shutdown(self) -> None:
        """Cancel and join background loads (window closing)."""
        for worker in (self._downloader, self._loader, *self._loaders):
            if worker is not None:
                try:
                    worker.cancel()
                    worker.wait()
                except RuntimeError:
                    pass  # already deleted by deleteLater

    def _show_sizes(self) -> None:
        ds = self.dataset
        if ds is None:
            self.sizes.setText("")
            return
        limit = self.limit_spin.value()
        n = len(ds.train_images)
        h, w, c = ds.image_shape
        kind = self.tr("grey") if c == 1 else self.tr("colour")
        if 0 < limit < n:  # self.tr("Use only"): the count that trains, and the whole it is taken from
            text = self.tr(
                "<b>{used:,}</b> of {total:,} training images (a seeded subset) · <b>{val:,}</b> validation · "
                "{h}×{w} {kind} · {classes} classes"
            )
        else:
            text = self.tr("<b>{total:,}</b> training · <b>{val:,}</b> validation · {h}×{w} {kind} · {classes} classes")
        self.sizes.setText(
            text.format(used=limit, total=n, val=len(ds.val_images), h=h, w=w, kind=kind, classes=len(ds.class_names))
        )

    def _limit_changed(self) -> None:
        self._show_sizes()
        self.changed.emit()
