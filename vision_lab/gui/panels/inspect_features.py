"""The Features view: what does a unit want? A gallery of pictures made by activation maximisation
(vision_lab/core/feature_vis.py), one per class output or per channel of a convolution layer, computed off the GUI
thread and, with "auto", again as the model trains.

Registered in :data:`vision_lab.gui.panels.inspect.VIEWS`; shown for families with the ``features`` capability
(the convolution choices only for those with ``filters`` too). Torch and the core's feature module are imported
where they run: the window shows before PyTorch loads.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from vision_lab.gui.panels.inspect_base import InspectView, _label
from vision_lab.gui.widgets.background import LatestJob
from vision_lab.gui.widgets.image_grid import ImageGrid

if TYPE_CHECKING:
    from vision_lab.gui.panels.inspect import InspectPanel

MAX_CHANNELS = 32
"""Channels shown of one layer: 32 pictures still fit the dock at a readable size (a layer may have 128)."""
AUTO_INTERVAL_S = 4.0
"""With "auto", new pictures at most this often while training: each set takes the CPU for about a second."""
DEFAULT_STEPS = 128


class FeaturesTab(InspectView):
    needs = frozenset({"features"})
    title = QT_TRANSLATE_NOOP("InspectPanel", "Features")
    group = QT_TRANSLATE_NOOP("InspectPanel", "Explain")
    min_interval_s = AUTO_INTERVAL_S

    def __init__(self, panel: InspectPanel) -> None:
        super().__init__(panel)
        self.what = QComboBox()
        self.what.setObjectName("featuresWhatCombo")
        self.what.setToolTip(self.tr("Which units to make pictures for"))
        self.what.currentIndexChanged.connect(lambda _i: self.regenerate())
        self.steps = QSpinBox()
        self.steps.setObjectName("featuresStepsSpin")
        self.steps.setRange(8, 1000)
        self.steps.setSingleStep(32)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setToolTip(self.tr("Gradient-ascent steps: more reach a stronger response, and take longer"))
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.regenerate_button.setObjectName("featuresRegenerateButton")
        self.regenerate_button.setToolTip(self.tr("Make the pictures again from the current weights"))
        self.regenerate_button.clicked.connect(self.regenerate)
        self.auto = QCheckBox(self.tr("auto"))
        self.auto.setObjectName("featuresAutoCheck")
        self.auto.setChecked(True)
        self.auto.setToolTip(
            self.tr("Make new pictures as the model trains (at most every {s:.0f} s)").format(s=AUTO_INTERVAL_S)
        )
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("What to show")))
        top.addWidget(self.what, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Steps")))
        row.addWidget(self.steps)
        row.addWidget(self.regenerate_button)
        row.addWidget(self.auto)
        row.addStretch(1)
        self.explain = _label(
            self.tr(
                "Activation maximisation: a picture is changed step by step until the chosen unit responds as "
                "strongly as it can. It shows what excites the unit, not a training image."
            ),
            name="featuresExplain",
        )
        self.note = _label(name="featuresNote")
        self.grid = ImageGrid(self.tr("The pictures appear once the model has weights."))
        self.grid.setObjectName("featuresGallery")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.explain)
        lay.addLayout(row)
        lay.addWidget(self.note)
        lay.addWidget(self.grid, 1)
        self.job = LatestJob(self)
        self.job.done.connect(self._show)
        self.job.failed.connect(self._failed)
        self.job.busy_changed.connect(self._busy)
        self._progress = (0, 0)
        """(done, total) of the running job, written by its thread, read by the timer below."""
        self._ticker = QTimer(self)
        self._ticker.setInterval(150)
        self._ticker.timeout.connect(self._show_progress)
        self._note = ""
        """What the note says when no job runs (the last result's explanation, or a refusal)."""
        self._shown = False
        """Pictures of this run's weights were asked for: without "auto", new weights leave them be."""
        self._live = False
        """A run that trains here (not a saved run opened): its early pictures mean little."""
        self.result: Any = None
        """The last :class:`~vision_lab.core.feature_vis.Visualisation` shown (tests compare it with the model)."""

    # --- choices ------------------------------------------------------------------------------------------
    def _set_choices(self) -> None:
        from vision_lab.core import feature_vis as fv

        insp = self.panel.inspector
        keep = self.what.currentData()
        self.what.blockSignals(True)
        self.what.clear()
        self.what.addItem(self.tr("Each class output"), "class")
        if insp is not None and insp.family == self.panel.family and self.serves(insp.family):
            for layer, name, channels in fv.conv_layers(insp):
                label = (
                    self.tr("First-layer filters ({name}, {channels})")
                    if layer == 0
                    else self.tr("Channels of {name} ({channels})")
                )
                self.what.addItem(label.format(name=name, channels=channels), f"channel:{layer}")
        found = self.what.findData(keep)
        self.what.setCurrentIndex(max(0, found))
        self.what.blockSignals(False)

    def reset(self) -> None:
        self.job.cancel()
        self.result = None
        self._shown = False
        insp = self.panel.inspector
        # A run that starts has no weights loaded yet; a saved run opens with its final ones.
        self._live = insp is not None and not getattr(self.panel, "_loaded", True)
        if insp is not None and self.serves(insp.family):
            self._set_choices()
        self.grid.clear(self.tr("The pictures appear once the model has weights."))
        self._set_note("")

    def _untrained(self) -> bool:
        """A live run before its first epoch's end (no confusion matrix yet): a classifier that guesses."""
        return self._live and self.panel.confusion is None and not self.panel.no_validation

    # --- computing ----------------------------------------------------------------------------------------
    def update_view(self) -> None:
        """New weights (or the view shown): new pictures with "auto", or when none were asked for yet."""
        if self.auto.isChecked() or not self._shown:
            self.regenerate()

    def regenerate(self) -> None:
        from vision_lab.core import feature_vis as fv

        insp = self.panel.inspector
        if insp is None or not self.serves(insp.family):
            return
        kind, _, at = str(self.what.currentData() or "class").partition(":")
        layer = int(at or 0)
        try:
            if kind == "class":
                targets = fv.class_targets(insp)
            else:
                targets = fv.channel_targets(insp, layer, MAX_CHANNELS)
            snap = fv.snapshot(insp)  # here, on the GUI thread: training loads new weights into ``insp``
        except ValueError as err:  # ConfigError: a sentence for the learner
            self._failed(str(err))
            return
        steps = self.steps.value()
        names = self.panel.class_names
        untrained = self._untrained()
        total = fv.conv_layers(insp)[layer][2] if kind == "channel" else len(targets)
        self._shown = True

        def job(progress: Any) -> tuple[Any, ...]:
            def tell(done: int, of: int) -> bool:
                self._progress = (done, of)
                return progress(done, of)

            result = fv.visualise(snap, targets, steps=steps, seed=0, progress=tell)
            return targets, result, names, untrained, total

        self._progress = (0, steps)
        self.job.submit(job)

    def _busy(self, busy: bool) -> None:
        if busy:
            self._ticker.start()
            self._show_progress()
        else:
            self._ticker.stop()
            self.note.setText(self._note)  # a cancelled job leaves no "Computing…" behind

    def _show_progress(self) -> None:
        done, total = self._progress
        self.note.setText(self.tr("Computing… step {done} of {total}").format(done=done, total=total))

    def _set_note(self, text: str) -> None:
        self._note = text
        self.note.setText(text)

    def _failed(self, message: str) -> None:
        self._set_note(html.escape(message))

    def _show(self, payload: tuple[Any, ...]) -> None:
        targets, result, names, untrained, total = payload
        self.result = result
        captions = []
        for target, value in zip(targets, result.values, strict=True):
            if target.kind == "class":
                name = names[target.index] if target.index < len(names) else str(target.index)
            else:
                name = str(target.index)  # "channel 12 · 1.4" is cut short under a picture the dock has room for
            captions.append(f"{name} · {value:.1f}")
        self.grid.set_images(result.images, captions)
        if targets[0].kind == "class":
            note = self.tr("Each picture raises its class's score above the others' mean; the number is that margin.")
        else:
            note = self.tr("Each picture raises its channel's mean response. Under it: the channel, and that mean.")
            if len(targets) < total:
                note += " " + self.tr("The first {shown} of {total} channels.").format(shown=len(targets), total=total)
        if untrained:
            early = self.tr("The model has not finished its first epoch: these pictures mean little yet.")
            note = f"<b>{early}</b> {note}"
        self._set_note(note)

    def shutdown(self) -> None:
        self._ticker.stop()
        self.job.shutdown()
