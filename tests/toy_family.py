"""A family declared outside Vision Lab's package: a toy vision transformer (patch embedding, a class token, learned
positions, pre-norm attention blocks), shaped as the ViT of issue 18 will be.

It proves the registry's promise: this file alone (a config, a model builder, a core declaration and a window one)
makes a family that trains, resumes, exports and opens in the window, through code that never names it. Register it
with :func:`registered` (a context manager) so that it leaves no trace in the tests that run after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig
from vision_lab.core.families import Family, Knob, classifier
from vision_lab.core.validate import check_range

KEY = "toyvit"


@dataclass(frozen=True)
class ToyViTConfig:
    patch: int = 7
    width: int = 16
    depth: int = 1
    heads: int = 2

    def validate(self) -> None:
        check_range("toyvit.patch", self.patch, 2, 14)
        check_range("toyvit.width", self.width, 4, 256)
        check_range("toyvit.depth", self.depth, 1, 4)
        check_range("toyvit.heads", self.heads, 1, 8)


class Block(nn.Module):
    """Pre-norm: x + attention(norm(x)), then x + mlp(norm(x)); attention written out: softmax(QKᵀ/√d)V."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(n, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(w // self.heads), -1)
        x = x + self.out((weights @ v).transpose(1, 2).reshape(n, t, w))
        return x + self.mlp(self.norm2(x))


class ToyViT(nn.Module):
    def __init__(self, cfg: ToyViTConfig, image_shape: tuple[int, int, int], num_classes: int) -> None:
        super().__init__()
        h, w, c = image_shape
        tokens = (h // cfg.patch) * (w // cfg.patch)
        self.embed = nn.Conv2d(c, cfg.width, cfg.patch, stride=cfg.patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.width))
        self.pos = nn.Parameter(torch.randn(1, tokens + 1, cfg.width) * 0.02)
        self.blocks = nn.Sequential(*(Block(cfg.width, cfg.heads) for _ in range(cfg.depth)))
        self.norm = nn.LayerNorm(cfg.width)
        self.head = nn.Linear(cfg.width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patches = self.embed(x).flatten(2).transpose(1, 2)
        # x.shape[0], not len(x): a traced len() is a constant, and the export would keep one batch size only.
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), patches], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def _build(cfg: ToyViTConfig, image_shape: tuple[int, int, int], num_classes: int) -> dict[str, nn.Module]:
    return {"model": ToyViT(cfg, image_shape, num_classes)}


def _tiny(cfg: ExperimentConfig) -> ExperimentConfig:
    return cfg.replace(optim=dataclasses.replace(cfg.optim, name="adamw"))


FAMILY = Family(
    key=KEY,
    title="Toy transformer",
    config=ToyViTConfig,
    build=_build,
    task=classifier.TASK,
    target="class",
    preview="predictions",
    metrics=classifier.METRICS,
    plotted=classifier.PLOTTED,
    headline=classifier.HEADLINE,
    capabilities=classifier.CAPABILITIES,
    export=dataclasses.replace(classifier.EXPORT, script=None),  # no standalone script for attention layers
    knobs=(Knob("toyvit.width", "Width", "width"), Knob("toyvit.depth", "Blocks", "depth")),
    tiny=_tiny,
    shift_augment=True,
)


def gui_family():  # type: ignore[no-untyped-def]
    """The window's side, built only where Qt is loaded."""
    from vision_lab.gui.families import GuiFamily
    from vision_lab.gui.families.forms import Form, spin

    class ToyForm(Form):
        def __init__(self) -> None:
            super().__init__()
            self.width = self.add("Width", spin(4, 256, 4), "Numbers per token")
            self.depth = self.add("Blocks", spin(1, 4), "Attention blocks")

        def load(self, c: ToyViTConfig) -> None:  # type: ignore[override]
            self.width.setValue(c.width)
            self.depth.setValue(c.depth)

        def value(self, c: ToyViTConfig) -> ToyViTConfig:  # type: ignore[override]
            return dataclasses.replace(c, width=self.width.value(), depth=self.depth.value())

    return GuiFamily(
        key=KEY,
        form=ToyForm,
        formula="softmax(<i>QK</i><sup>T</sup>/√<i>d</i>)<i>V</i>",
        labels={"toyvit.width": ("Width", "width"), "toyvit.depth": ("Blocks", "depth")},
    )


@contextlib.contextmanager
def registered(*, window: bool = False) -> Iterator[Family]:
    """The toy family in the registry (and the window's registry) for the duration of the block."""
    families.register(FAMILY)
    if window:
        from vision_lab.gui import families as gui_families

        gui_families.register(gui_family())
    try:
        yield FAMILY
    finally:
        if window:
            from vision_lab.gui import families as gui_families

            gui_families.unregister(KEY)
        families.unregister(KEY)
