"""The CNN classifier in the window: its form, its settings' names, and its blocks' maps in the layer table."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QCheckBox

from vision_lab.core.config import ExperimentConfig
from vision_lab.core.families.cnn import CNNConfig, ConvBlock, cnn_maps
from vision_lab.core.validate import ACTIVATIONS
from vision_lab.gui.families import GuiFamily, LayerRows
from vision_lab.gui.families.forms import (
    Form,
    activation_tip,
    batch_norm_tip,
    classifier_formula,
    combo,
    dropout_tip,
    fraction,
    set_combo,
)
from vision_lab.gui.widgets.fields import IntListEdit


class CNNForm(Form):
    def __init__(self) -> None:
        super().__init__()
        self.channels = self.add(
            self.tr("Conv channels"),
            IntListEdit(allow_empty=False, max_items=6, hi=2048, what=self.tr("channel count")),
            self.tr("One convolution block per number: its output channels, e.g. 32, 64, 128"),
        )
        self.channels.setObjectName("cnnChannelsEdit")
        self.kernel = self.add(
            self.tr("Kernel"),
            combo(("3", "5", "7", "1")),
            self.tr("Each convolution's window in pixels: 3 is usual; 5 or 7 see more at once and cost more"),
        )
        self.pool = self.add(
            "",
            QCheckBox(self.tr("Max-pool 2×2 after each block")),
            self.tr(
                "Halve the maps' height and width after each block (at most 3 pools: a 28-pixel image would vanish)"
            ),
        )
        self.batch_norm = self.add("", QCheckBox(self.tr("Batch norm in each block")), batch_norm_tip())
        self.dense = self.add(
            self.tr("Dense sizes"),
            IntListEdit(what=self.tr("width")),
            self.tr("Dense layers before the output, e.g. 128"),
        )
        self.dense.setObjectName("cnnDenseEdit")
        self.activation = self.add(self.tr("Activation"), combo(ACTIVATIONS), activation_tip())
        self.dropout = self.add(self.tr("Dropout"), fraction(), dropout_tip())

    def load(self, c: CNNConfig) -> None:  # type: ignore[override]
        self.channels.set_values(tuple(b.channels for b in c.blocks))
        set_combo(self.kernel, str(c.blocks[0].kernel) if c.blocks else "3")
        self.pool.setChecked(all(b.pool for b in c.blocks[:3]))
        self.batch_norm.setChecked(all(b.batch_norm for b in c.blocks))
        self.dense.set_values(c.dense)
        set_combo(self.activation, c.activation)
        self.dropout.setValue(c.dropout)

    def value(self, c: CNNConfig) -> CNNConfig:  # type: ignore[override]
        kernel = int(self.kernel.currentData())
        pool, bn = self.pool.isChecked(), self.batch_norm.isChecked()
        # Pooling after the first three blocks only: a 28-pixel image cannot halve more often. What the form does not
        # show (a block's padding or dropout: the article's CNN has "valid" padding) stays as ``c`` has it.
        blocks = tuple(
            dataclasses.replace(
                c.blocks[i] if i < len(c.blocks) else ConvBlock(),
                channels=ch,
                kernel=kernel,
                pool=pool and i < 3,
                batch_norm=bn,
            )
            for i, ch in enumerate(self.channels.parse()[0])
        )
        return dataclasses.replace(
            c,
            blocks=blocks,
            dense=self.dense.parse()[0],
            activation=self.activation.currentData(),
            dropout=self.dropout.value(),
        )


def _value_text(key: str, value: Any) -> str | None:
    if key == "cnn.blocks" and isinstance(value, list):
        channels = ", ".join(str(b.get("channels")) for b in value if isinstance(b, dict))
        first = value[0] if value and isinstance(value[0], dict) else {}
        kernel = first.get("kernel", 3)
        pool = (
            QCoreApplication.translate("Settings", "pool")
            if any(b.get("pool") for b in value if isinstance(b, dict))
            else QCoreApplication.translate("Settings", "no pool")
        )
        return f"{channels} ({kernel}×{kernel}, {pool})"
    return None


def _layer_rows(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> LayerRows | None:
    """The blocks with the maps they leave, up to the block that does not fit the images (None: they all fit)."""
    maps = cnn_maps(cfg.cnn, image_shape)
    if not maps or not maps[-1].problem:
        return None
    rows: list[tuple[str, str, str]] = []  # (layer, output, problem)
    for m in maps:
        conv_bad = m.fails == "kernel"
        rows.append(
            (
                QCoreApplication.translate("ModelPanel", "Block {index} · Conv2d {k}×{k}").format(
                    index=m.index, k=m.kernel
                ),
                "" if conv_bad else f"{m.channels} × {m.conv[0]} × {m.conv[1]}",
                (m.problem or "") if conv_bad else "",
            )
        )
        if m.pool and not conv_bad:
            shape = "" if m.fails == "pool" else f"{m.channels} × {m.out[0]} × {m.out[1]}"
            pool = QCoreApplication.translate("ModelPanel", "Block {index} · MaxPool2d 2×2").format(index=m.index)
            rows.append((pool, shape, m.problem or ""))
    h, w = image_shape[0], image_shape[1]
    text = QCoreApplication.translate(
        "ModelPanel", "Parameters: — (block {index} does not fit the {h}×{w} images)"
    ).format(index=maps[-1].index, h=h, w=w)
    return rows, text


GUI = GuiFamily(
    key="cnn",
    form=CNNForm,
    formula=classifier_formula,
    labels={
        "cnn.blocks": (QT_TRANSLATE_NOOP("Settings", "Conv blocks"), QT_TRANSLATE_NOOP("Settings", "conv")),
        "cnn.dense": (QT_TRANSLATE_NOOP("Settings", "Dense sizes"), QT_TRANSLATE_NOOP("Settings", "dense")),
        "cnn.activation": (QT_TRANSLATE_NOOP("Settings", "Activation"), QT_TRANSLATE_NOOP("Settings", "activation")),
        "cnn.dropout": (QT_TRANSLATE_NOOP("Settings", "Dropout"), QT_TRANSLATE_NOOP("Settings", "dropout")),
    },
    value_text=_value_text,
    layer_rows=_layer_rows,
)
