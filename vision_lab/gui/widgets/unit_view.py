"""The unit view: how one unit of the live model gets its value, with every number the model's own.

A convolution unit: the input with the receptive field boxed, the kernel's weights and the element-wise products
as number grids (3 significant digits; hover a cell for its exact figure), "sum + bias = value" in big type, then
the batch norm, pooling and activation steps as a short formula chain. With several input channels the grids show
one channel at a time and the per-channel partial sums are listed. The arrow keys (or the slider) step the kernel
across the map: the sliding window. A dense unit: its largest contributions as a table; the softmax: logits,
exponentials, their sum and p. The numbers come from :mod:`vision_lab.core.layer_walk` (types only imported here).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QKeyEvent, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from vision_lab.gui.widgets.layer_overview import LUT, grey, heat, qimage

if TYPE_CHECKING:
    from vision_lab.core.layer_walk import Overview, Step, UnitExplanation


def f3(v: float) -> str:
    """Three significant digits, what a cell shows (no "-0")."""
    return f"{v + 0.0:.3g}"


def exact(v: float) -> str:
    """Every digit a float32 holds, what a tooltip shows."""
    return f"{v:.9g}"


class NumberGrid(QWidget):
    """A grid of numbers on a diverging tint (blue < 0 < red); padding cells hatched; exact figure on hover."""

    cell_clicked = Signal(int)
    """The clicked cell's index in reading order."""

    def __init__(self, parent: QWidget | None = None, *, numbered: bool = False) -> None:
        super().__init__(parent)
        self.values = np.zeros((0, 0))
        self.inside: np.ndarray | None = None
        self.numbered = numbered
        """Tooltips name each cell's index (the per-channel partial sums: the channel)."""
        self.highlight: int | None = None
        self.cell = QSize(48, 22)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_values(self, values: np.ndarray, inside: np.ndarray | None = None) -> None:
        self.values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        self.inside = inside
        fm = self.fontMetrics()
        self.cell = QSize(fm.horizontalAdvance("-0.000123") + 6, fm.height() + 6)
        self.updateGeometry()
        self.setFixedSize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:
        rows, cols = self.values.shape
        return QSize(cols * self.cell.width() + 1, rows * self.cell.height() + 1)

    def cell_at(self, x: int, y: int) -> tuple[int, int] | None:
        r, c = y // self.cell.height(), x // self.cell.width()
        rows, cols = self.values.shape
        return (r, c) if 0 <= r < rows and 0 <= c < cols and not math.isnan(self.values[r, c]) else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            hit = self.cell_at(event.pos().x(), event.pos().y())
            if hit is None:
                QToolTip.hideText()
            else:
                v = float(self.values[hit])
                pad = self.inside is not None and not self.inside[hit]
                tip = exact(v) + (self.tr(" (padding)") if pad else "")
                if self.numbered:
                    tip = self.tr("channel {n}: {value}").format(n=hit[0] * self.values.shape[1] + hit[1], value=tip)
                QToolTip.showText(event.globalPos(), tip, self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(int(event.position().x()), int(event.position().y()))
        if hit is not None:
            self.cell_clicked.emit(hit[0] * self.values.shape[1] + hit[1])
        super().mousePressEvent(event)

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        finite = self.values[np.isfinite(self.values)]
        scale = float(np.abs(finite).max()) if finite.size else 1.0
        text = self.palette().color(QPalette.ColorRole.Text)
        for (r, c), v in np.ndenumerate(self.values):
            if math.isnan(v):
                continue
            rect = QRect(c * self.cell.width(), r * self.cell.height(), self.cell.width(), self.cell.height())
            if self.inside is not None and not self.inside[r, c]:
                p.fillRect(rect, QColor(200, 200, 200))
                p.fillRect(rect, Qt.BrushStyle.BDiagPattern)
            else:
                p.fillRect(rect, QColor(*LUT[int(np.clip(round(v / (scale or 1) * 127.5 + 127.5), 0, 255))]))
            p.setPen(QPen(QColor(20, 20, 20)))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, f3(v))
            p.setPen(QPen(text, 0.5))
            p.drawRect(rect)
        if self.highlight is not None and self.values.size:
            r, c = divmod(self.highlight, self.values.shape[1])
            p.setPen(QPen(QColor(0, 0, 0), 2))
            p.drawRect(QRect(c * self.cell.width() + 1, r * self.cell.height() + 1, self.cell.width() - 2,
                             self.cell.height() - 2))  # fmt: skip
        p.end()


class MapBox(QWidget):
    """One map (grey for the image, diverging otherwise) with a box drawn on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = qimage(np.zeros((1, 1, 3), np.uint8))
        self.shape = (1, 1)
        self.box: tuple[int, int, int, int] | None = None
        self.setFixedSize(112, 112)

    def set_map(self, values: np.ndarray, box: tuple[int, int, int, int] | None, *, image: bool) -> None:
        if image and values.ndim == 3:  # C×H×W model input: grey for one channel, colour for three
            rgb = values.transpose(1, 2, 0)
            lo, hi = float(rgb.min()), float(rgb.max())
            rgb8 = (((rgb - lo) / (hi - lo or 1)) * 255).round().astype(np.uint8)
            self.image = qimage(rgb8 if rgb8.shape[2] == 3 else np.repeat(rgb8, 3, axis=2))
        elif image:
            self.image = qimage(grey(values))
        else:
            self.image = qimage(heat(values, float(np.abs(values).max()) or 1.0))
        self.shape = values.shape[-2:]
        self.box = box
        self.update()

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        h, w = self.shape
        s = min(self.width() / w, self.height() / h)
        p.drawImage(QRectF(0, 0, w * s, h * s), self.image)
        if self.box is not None:
            top, left, bottom, right = self.box
            p.setPen(QPen(QColor(255, 200, 0), 2))
            p.drawRect(QRectF(left * s, top * s, (right - left + 1) * s, (bottom - top + 1) * s))
        p.end()


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    return table


def _fill(
    table: QTableWidget, rows: list[list[tuple[str, str]]], bold: int | None = None, tint: np.ndarray | None = None
) -> None:
    """Rows of (shown, tooltip) cells; ``tint``: a value per row that colours the last column as a bar would."""
    table.setRowCount(len(rows))
    scale = float(np.abs(tint).max()) if tint is not None and tint.size else 1.0
    for r, row in enumerate(rows):
        for c, (shown, tip) in enumerate(row):
            item = QTableWidgetItem(shown)
            item.setToolTip(tip)
            if tint is not None and c == len(row) - 1:
                item.setBackground(QColor(*LUT[int(np.clip(round(tint[r] / (scale or 1) * 127.5 + 127.5), 0, 255))]))
                item.setForeground(QColor(20, 20, 20))
            if r == bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


class UnitView(QWidget):
    moved = Signal(int, object)
    """(layer index, unit): the learner stepped the window (arrow keys or the slider)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.explanation: UnitExplanation | None = None
        self.overview: Overview | None = None
        self.title = QLabel()
        self.title.setObjectName("unitTitle")
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(200)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("unitSlider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrow keys belong to the view
        self.slider.setToolTip(self.tr("Step the unit across its layer (or use the arrow keys)"))
        self.slider.valueChanged.connect(self._slid)
        self.hint = QLabel(self.tr("←→↑↓ move the window"))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.hint)
        top.addWidget(self.slider, 1)
        # --- a convolution --------------------------------------------------------------------------
        self.image_box, self.input_box = MapBox(), MapBox()
        self.image_box.setToolTip(self.tr("The input image; the box is the unit's receptive field"))
        self.input_box.setToolTip(self.tr("The layer's input channel; the box is the kernel's window"))
        self.image_caption, self.input_caption = QLabel(self.tr("input image")), QLabel()
        self.kernel, self.products = NumberGrid(), NumberGrid()
        self.kernel.setObjectName("kernelGrid")
        self.products.setObjectName("productsGrid")
        self.kernel_caption, self.products_caption = QLabel(), QLabel(self.tr("input × weight"))
        self.channel = QSpinBox()
        self.channel.setObjectName("unitChannelSpin")
        self.channel.setToolTip(self.tr("Which input channel the grids show"))
        self.channel.valueChanged.connect(lambda _c: self._show_conv_channel())
        self.channel_label = QLabel(self.tr("input channel"))
        self.partials = NumberGrid(numbered=True)
        self.partials.setObjectName("partialSumsGrid")
        self.partials.setToolTip(self.tr("Click a channel's sum to show its grids"))
        self.partials.cell_clicked.connect(self.channel.setValue)
        self.partials_caption = QLabel(self.tr("sum of the products of each input channel"))
        grids = QGridLayout()
        for col, (w, cap) in enumerate(
            ((self.image_box, self.image_caption), (self.input_box, self.input_caption),
             (self.kernel, self.kernel_caption), (self.products, self.products_caption))
        ):  # fmt: skip
            grids.addWidget(cap, 0, col)
            grids.addWidget(w, 1, col, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grids.setColumnStretch(4, 1)
        chan = QHBoxLayout()
        chan.addWidget(self.channel_label)
        chan.addWidget(self.channel)
        chan.addWidget(self.partials_caption)
        chan.addStretch(1)
        self.conv_box = QWidget()
        conv_lay = QVBoxLayout(self.conv_box)
        conv_lay.setContentsMargins(0, 0, 0, 0)
        conv_lay.addLayout(grids)
        conv_lay.addLayout(chan)
        conv_lay.addWidget(self.partials)
        # --- a dense unit, the softmax ----------------------------------------------------------------
        self.table = _table([])
        self.table.setObjectName("unitTable")
        self.table.setMinimumHeight(140)
        # --- the arithmetic in words ------------------------------------------------------------------
        self.value_label = QLabel()
        self.value_label.setObjectName("unitValue")
        big = QFont(self.font())
        big.setPointSizeF(self.font().pointSizeF() * 1.6)
        big.setBold(True)
        self.value_label.setFont(big)
        self.value_label.setWordWrap(True)
        self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chain = QLabel()
        self.chain.setObjectName("unitChain")
        self.chain.setWordWrap(True)
        self.chain.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.conv_box)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.value_label)
        lay.addWidget(self.chain)
        lay.addStretch(0)
        self.show_explanation(None, None)

    # --- content --------------------------------------------------------------------------------------
    def show_explanation(self, e: UnitExplanation | None, ov: Overview | None) -> None:
        self.explanation, self.overview = e, ov
        self.conv_box.setVisible(e is not None and e.conv is not None)
        self.table.setVisible(e is not None and e.kind in ("dense", "softmax"))
        self.slider.setVisible(e is not None)
        self.hint.setVisible(e is not None)
        if e is None or ov is None:
            self.title.setText(self.tr("Click a unit in the layers above: a pixel of a map, a dense unit or a bar."))
            self.value_label.setText("")
            self.chain.setText("")
            return
        stage = ov.stage(e.layer_index)
        self._set_slider(stage.values.shape, e.unit)
        where = (
            self.tr("channel {c}, row {i}, col {j}").format(c=e.unit[0], i=e.unit[1], j=e.unit[2])
            if len(e.unit) == 3
            else self.tr("unit {u}").format(u=e.unit[0])
        )
        if e.kind == "softmax":
            names = ov.class_names
            where = names[e.unit[0]] if e.unit[0] < len(names) else where
        self.title.setText(self.tr("<b>{layer}</b>, {where}: {value}").format(layer=stage.label, where=where,
                                                                               value=exact(e.value)))  # fmt: skip
        self.title.setTextFormat(Qt.TextFormat.RichText)
        if e.conv is not None:
            self._show_conv(e, ov)
        elif e.dense is not None:
            self._show_dense(e)
        elif e.softmax is not None:
            self._show_softmax(e)
        else:
            self.value_label.setText(self.tr("pixel = {value}").format(value=f3(e.value)))
            self.value_label.setToolTip(exact(e.value))
        self.chain.setText("<br>".join(self._step_text(s) for s in e.steps))

    def _set_slider(self, shape: tuple[int, ...], unit: tuple[int, ...]) -> None:
        self.slider.blockSignals(True)
        if len(shape) == 3:
            self.slider.setRange(0, shape[1] * shape[2] - 1)
            self.slider.setValue(unit[1] * shape[2] + unit[2])
        else:
            self.slider.setRange(0, shape[0] - 1)
            self.slider.setValue(unit[0])
        self.slider.blockSignals(False)

    def _show_conv(self, e: UnitExplanation, ov: Overview) -> None:
        conv = e.conv
        assert conv is not None
        self.image_box.set_map(ov.input, conv.field, image=True)
        for w in (self.input_box, self.input_caption):  # the first layer's input is the image itself
            w.setVisible(conv.layer_index > 0)
        c_in, k = conv.patch.shape[0], conv.patch.shape[1]
        self.channel.blockSignals(True)
        self.channel.setRange(0, c_in - 1)
        self.channel.blockSignals(False)
        for w in (self.channel, self.channel_label, self.partials, self.partials_caption):
            w.setVisible(c_in > 1)
        per_row = 8
        partial = np.full(math.ceil(c_in / per_row) * per_row, np.nan)
        partial[:c_in] = conv.partial_sums
        self.partials.set_values(partial.reshape(-1, per_row) if c_in > per_row else partial[:c_in][None])
        self._show_conv_channel()
        bias = self.tr("bias") if conv.has_bias else self.tr("bias (none: batch norm shifts)")
        terms = self.tr("{n} products").format(n=c_in * k * k)
        self.value_label.setText(f"Σ {terms} {f3(conv.total)} + {bias} {f3(conv.bias)} = {f3(conv.value)}")
        self.value_label.setToolTip(f"{exact(conv.total)} + {exact(conv.bias)} = {exact(conv.value)}")

    def _show_conv_channel(self) -> None:
        e, ov = self.explanation, self.overview
        if e is None or e.conv is None or ov is None:
            return
        conv, c = e.conv, self.channel.value()
        c_in, k = conv.patch.shape[0], conv.patch.shape[1]
        self.partials.highlight = c
        self.partials.update()
        source = ov.input if conv.layer_index == 0 else ov.outputs[conv.layer_index - 1]
        self.input_box.set_map(source[c], conv.window, image=conv.layer_index == 0)
        self.input_caption.setText(self.tr("layer input, channel {c} of {n}").format(c=c, n=c_in))
        self.kernel.set_values(conv.weights[c])
        self.products.set_values(conv.products[c], conv.inside)
        self.kernel_caption.setText(self.tr("weights {k}×{k}").format(k=k))

    def _show_dense(self, e: UnitExplanation) -> None:
        d = e.dense
        assert d is not None
        self.table.setColumnCount(5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("input #"), self.tr("from"), self.tr("input"), self.tr("weight"), self.tr("input × weight")]
        )
        rows = [
            [(str(c.index), str(c.index)), (",".join(map(str, c.where)), ""), (f3(c.input), exact(c.input)),
             (f3(c.weight), exact(c.weight)), (f3(c.product), exact(c.product))]
            for c in d.top
        ]  # fmt: skip
        _fill(self.table, rows, tint=np.array([c.product for c in d.top]))
        terms, bias = self.tr("{n} products").format(n=len(d.inputs)), self.tr("bias")
        self.value_label.setText(f"Σ {terms} {f3(d.total)} + {bias} {f3(d.bias)} = {f3(d.value)}")
        self.value_label.setToolTip(f"{exact(d.total)} + {exact(d.bias)} = {exact(d.value)}")
        self.table.setToolTip(
            self.tr("The {n} largest of {total} products by size; 'from' is (channel, row, col) before the flatten")
            .format(n=len(d.top), total=len(d.inputs))
        )  # fmt: skip

    def _show_softmax(self, e: UnitExplanation) -> None:
        sm = e.softmax
        assert sm is not None
        names = self.overview.class_names if self.overview is not None else ()
        self.table.setColumnCount(5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("class"), self.tr("logit"), self.tr("logit − max"), self.tr("e^(logit − max)"), self.tr("p")]
        )
        rows = []
        for k, z in enumerate(sm.logits):
            name = names[k] if k < len(names) else str(k)
            d = float(z) - sm.shift
            p = float(sm.exps[k] / sm.total)
            rows.append([(name, name), (f3(float(z)), exact(float(z))), (f3(d), exact(d)),
                         (f3(float(sm.exps[k])), exact(float(sm.exps[k]))), (f3(p), exact(p))])  # fmt: skip
        _fill(self.table, rows, bold=sm.index)
        self.value_label.setText(
            f"p = {f3(float(sm.exps[sm.index]))} / {f3(sm.total)} = {f3(sm.value)}"
            + self.tr("   (max logit {shift} subtracted first)").format(shift=f3(sm.shift))
        )
        self.value_label.setToolTip(f"{exact(float(sm.exps[sm.index]))} / {exact(sm.total)} = {exact(sm.value)}")

    def _step_text(self, s: Step) -> str:
        if s.kind == "bn":
            p = s.params
            text = self.tr(
                "→ <b>{label}</b>: (x − mean) / √(var + ε) · γ + β = "
                "({x} − {m}) / √({v} + {eps}) · {g} + {b} = <b>{y}</b>"
            )
            return text.format(label=s.label, x=f3(s.before), m=f3(p["mean"]), v=f3(p["var"]), eps=f"{p['eps']:g}",
                               g=f3(p["gamma"]), b=f3(p["beta"]), y=f3(s.value))  # fmt: skip
        if s.kind == "pool":
            assert s.window is not None and s.picked is not None
            values = ", ".join(f3(float(v)) for v in s.window.reshape(-1))
            return self.tr("→ <b>{label}</b>: max({values}) = <b>{y}</b> (row {r}, col {c} of the window)").format(
                label=s.label, values=values, y=f3(s.value), r=s.picked[0], c=s.picked[1]
            )
        from vision_lab.core.layer_walk import activation_formula

        return self.tr("→ <b>{label}</b>: {formula} = <b>{y}</b> with x = {x}").format(
            label=s.label, formula=activation_formula(s.label, s.params), y=f3(s.value), x=f3(s.before)
        )

    # --- stepping the window --------------------------------------------------------------------------
    def _unit_shape(self) -> tuple[int, ...] | None:
        if self.explanation is None or self.overview is None:
            return None
        return self.overview.stage(self.explanation.layer_index).values.shape

    def _slid(self, value: int) -> None:
        shape = self._unit_shape()
        if shape is None or self.explanation is None:
            return
        unit = (self.explanation.unit[0], *divmod(value, shape[2])) if len(shape) == 3 else (value,)
        self.moved.emit(self.explanation.layer_index, unit)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        shape, e = self._unit_shape(), self.explanation
        moves = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1), Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0)}
        step = moves.get(Qt.Key(event.key()))
        if shape is None or e is None or step is None:
            super().keyPressEvent(event)
            return
        if len(shape) == 3:
            c, i, j = e.unit
            unit: tuple[int, ...] = (c, min(max(i + step[0], 0), shape[1] - 1), min(max(j + step[1], 0), shape[2] - 1))
        else:
            unit = (min(max(e.unit[0] + step[0] + step[1], 0), shape[0] - 1),)
        if unit != e.unit:
            self.moved.emit(e.layer_index, unit)
        event.accept()
