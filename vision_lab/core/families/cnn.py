"""The CNN classifier: convolution blocks -> dense layers -> class logits (vision_lab/core/models/cnn.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vision_lab.core.errors import ConfigError
from vision_lab.core.families import classifier
from vision_lab.core.families.base import Family, Knob
from vision_lab.core.i18n import N_
from vision_lab.core.validate import ACTIVATIONS, check_choice, check_range, check_widths

if TYPE_CHECKING:
    import torch
    from torch import nn

    from vision_lab.core.config import ExperimentConfig
    from vision_lab.core.families.base import BareStep


@dataclass(frozen=True)
class ConvBlock:
    channels: int = 32
    kernel: int = 3
    pool: bool = True
    batch_norm: bool = False
    dropout: float = 0.0
    padding: str = "same"
    """``same`` keeps the size; ``valid`` (Keras' default, the article's) trims kernel - 1 pixels."""


@dataclass(frozen=True)
class CNNConfig:
    blocks: tuple[ConvBlock, ...] = (
        ConvBlock(32, batch_norm=True),
        ConvBlock(64, batch_norm=True),
        ConvBlock(128, batch_norm=True),
    )
    dense: tuple[int, ...] = (128,)
    activation: str = "relu"
    dropout: float = 0.3
    """Dropout before each dense layer."""

    def validate(self) -> None:
        if not self.blocks:
            raise ConfigError("cnn.blocks must hold at least one convolution block.")
        if len(self.blocks) > 6:
            raise ConfigError(f"cnn.blocks holds {len(self.blocks)} blocks; at most 6 fit a 28-pixel image.")
        for i, block in enumerate(self.blocks):
            check_range(f"cnn.blocks[{i}].channels", block.channels, 1, 2048)
            if block.kernel not in (1, 3, 5, 7):
                raise ConfigError(f"cnn.blocks[{i}].kernel must be 1, 3, 5 or 7, got {block.kernel}.")
            check_range(f"cnn.blocks[{i}].dropout", block.dropout, 0.0, 0.95)
            check_choice(f"cnn.blocks[{i}].padding", block.padding, ("same", "valid"))
        if sum(b.pool for b in self.blocks) > 3:
            raise ConfigError("cnn.blocks pool more than 3 times; a 28-pixel image would shrink to nothing.")
        check_widths("cnn.dense", self.dense, allow_empty=True)
        check_choice("cnn.activation", self.activation, ACTIVATIONS)
        check_range("cnn.dropout", self.dropout, 0.0, 0.95)


@dataclass(frozen=True)
class BlockMap:
    """One CNN block: the map its convolution leaves, the map it hands on, and why it does not fit (None: it does)."""

    index: int
    """1-based, as a learner counts blocks."""
    kernel: int
    padding: str
    pool: bool
    channels: int
    conv: tuple[int, int]
    """(height, width) after the convolution."""
    out: tuple[int, int]
    """(height, width) after the pool (the convolution's when the block does not pool)."""
    problem: str | None = None
    fails: str | None = None
    """Which layer of the block does not fit: ``"kernel"`` (its convolution) or ``"pool"``."""


def _size(hw: tuple[int, int]) -> str:
    return f"{hw[0]}×{hw[1]}"


def cnn_maps(cfg: CNNConfig, image_shape: tuple[int, int, int]) -> list[BlockMap]:
    """Each block's maps, up to and including the first that does not fit (whose ``problem`` says why)."""
    h, w = image_shape[0], image_shape[1]
    rows: list[BlockMap] = []
    for i, block in enumerate(cfg.blocks, start=1):
        k = block.kernel
        source = f"the images are {h}×{w}" if i == 1 else f"block {i - 1} leaves {h}×{w}"
        if block.padding == "valid" and (h < k or w < k):
            problem = (
                f"Block {i}'s {k}×{k} kernel needs a map of at least {k}×{k}, but {source}: remove a pool or use "
                "padding 'same'."
            )
            rows.append(BlockMap(i, k, block.padding, block.pool, block.channels, (h, w), (h, w), problem, "kernel"))
            return rows
        if block.padding == "valid":
            h, w = h - k + 1, w - k + 1
        conv = (h, w)
        if block.pool:
            if h < 2 or w < 2:
                problem = (
                    f"Block {i}'s 2×2 pool needs a map of at least 2×2, but it gets {h}×{w}: remove a pool, "
                    "use fewer blocks or use larger images."
                )
                rows.append(BlockMap(i, k, block.padding, block.pool, block.channels, conv, conv, problem, "pool"))
                return rows
            h, w = h // 2, w // 2
        rows.append(BlockMap(i, k, block.padding, block.pool, block.channels, conv, (h, w)))
    return rows


def _build(cfg: CNNConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    from vision_lab.core.models.cnn import build_cnn

    return {"model": build_cnn(cfg, image_shape, num_classes)}


def _article(cfg: ExperimentConfig) -> ExperimentConfig:
    """conv32 3×3 (valid) -> maxpool 2 -> dense 64 -> 10."""
    cnn = CNNConfig(blocks=(ConvBlock(32, kernel=3, padding="valid"),), dense=(64,), dropout=0.0)
    return cfg.replace(cnn=cnn, optim=dataclasses.replace(cfg.optim, lr=1e-3))


def _check_fit(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> None:
    for row in cnn_maps(cfg.cnn, image_shape):
        if row.problem:
            raise ConfigError(row.problem, key="cnn.blocks")


def _batch_norm_need(cfg: ExperimentConfig, image_shape: tuple[int, int, int]) -> tuple[int, str, bool] | None:
    sizes = [
        (row.conv[0] * row.conv[1], row.index)
        for row, block in zip(cnn_maps(cfg.cnn, image_shape), cfg.cnn.blocks, strict=False)
        if block.batch_norm
    ]
    if not sizes:
        return None
    values, index = min(sizes)
    return values, f"block {index} of the CNN (a {values}-pixel map)", True


# cnn.blocks is a list of block objects; people think of it as its channel counts (as the Model panel does).
def _channels(cfg: ExperimentConfig) -> list[int]:
    return [b.channels for b in cfg.cnn.blocks]


def _set_channels(cfg: ExperimentConfig, value: Any) -> ExperimentConfig:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"Conv channels must be a list of channel counts such as [32, 64], got {value!r}.")
    blocks = list(cfg.cnn.blocks)
    out: list[dict[str, Any]] = []
    for i, channels in enumerate(value):
        # New blocks copy the last one's kernel and norm; they pool only while a 28-pixel image can still halve.
        template = blocks[min(i, len(blocks) - 1)]
        pooled = sum(b["pool"] for b in out)
        pool = template.pool if i < len(blocks) else template.pool and pooled < 3
        out.append({**dataclasses.asdict(template), "channels": channels, "pool": pool})
    return cfg.apply({"cnn.blocks": out})


def _bench(cfg: ExperimentConfig, x01: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, BareStep]:
    from torch import nn

    c, h, w = x01.shape[1:]
    flat = 32 * ((h - 2) // 2) * ((w - 2) // 2)  # after a valid 3×3 convolution and a 2×2 pool
    net = nn.Sequential(
        nn.Conv2d(c, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(flat, 64), nn.ReLU(),
        nn.Linear(64, classifier.classes(y)),
    )  # fmt: skip
    return x01, classifier.bare_step(net)


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(cnn=CNNConfig(blocks=(ConvBlock(4, batch_norm=True), ConvBlock(6, dropout=0.1)), dense=(8,)))


FAMILY = Family(
    key="cnn",
    title=N_("family.cnn.title", "CNN classifier"),
    config=CNNConfig,
    build=_build,
    task=classifier.TASK,
    target="class",
    preview="predictions",
    metrics=classifier.METRICS,
    plotted=classifier.PLOTTED,
    headline=classifier.HEADLINE,
    capabilities=classifier.CAPABILITIES | {"filters", "layers"},
    export=classifier.EXPORT,
    knobs=(
        Knob(
            "cnn.channels",
            N_("knob.cnn.channels", "Conv channels (one block each)"),
            N_("knob.cnn.channels.short", "channels"),
            None,
            _channels,
            _set_channels,
            ("cnn.blocks",),
        ),
        Knob("cnn.dense", N_("knob.cnn.dense", "Dense layer widths"), N_("knob.cnn.dense.short", "dense")),
        Knob("cnn.dropout", N_("knob.cnn.dropout", "Dropout"), N_("knob.cnn.dropout.short", "dropout")),
        Knob("cnn.activation", N_("knob.cnn.activation", "Activation"), N_("knob.cnn.activation.short", "activation")),
    ),
    article=_article,
    tiny=_tiny,
    check_fit=_check_fit,
    batch_norm_need=_batch_norm_need,
    shift_augment=True,
    bench=_bench,
)
