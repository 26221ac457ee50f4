"""What every classifier family shares (MLP, CNN, and any later one that predicts a class per image).

Not a family itself: the parts a classifier's declaration is made of, so each one states only what sets it apart
(its settings, its layers, its twin knobs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vision_lab.core.families.base import ExportSpec, Metric, ScriptParts
from vision_lab.core.i18n import N_

if TYPE_CHECKING:
    import torch
    from torch import nn


METRICS = (
    Metric("train_loss", N_("metric.train_loss", "train loss"), loss=True, color="#3d8bfd"),
    Metric("val_loss", N_("metric.val_loss", "val loss"), loss=True, epoch_only=True, color="#f59f00"),
    Metric(
        "val_accuracy",
        N_("metric.val_accuracy", "val accuracy"),
        epoch_only=True,
        percent=True,
        higher_is_better=True,
        color="#2fb344",
        right=True,
    ),
)
PLOTTED = ("train_loss", "val_loss", "val_accuracy")
HEADLINE = "val_accuracy"
CAPABILITIES = frozenset({"probabilities", "saliency", "confusion", "health", "attribute", "features"})


TASK = "vision_lab.core.tasks:ClassifierTask"


RUN_DEMO = """

def run(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    logits = model(x)
    probs = torch.softmax(logits, 1)
    for i, (p, k) in enumerate(zip(*probs.max(1))):
        print(f"image {i}: {CLASS_NAMES[int(k)]} ({float(p):.0%})")
    return logits
"""


def script(module: nn.Module, chw: tuple[int, int, int], class_names: tuple[str, ...]) -> ScriptParts:
    from vision_lab.core.script_code import IMAGES_DEMO, layer_code

    c, h, w = chw
    return ScriptParts(
        body=f"def build_model() -> nn.Module:\n    return {layer_code(module, '    ')}\n",
        doc=(
            f"Input: N×{c}×{h}×{w} images in [0, 1] (uint8 / 255). Output: N×{len(class_names)} logits; "
            "softmax gives the probabilities of CLASS_NAMES."
        ),
        demo=IMAGES_DEMO + RUN_DEMO,
    )


EXPORT = ExportSpec(modules=("model",), input_name="images", output_name="logits", script=script)


def bare_step(net: nn.Module, lr: float = 1e-3) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The bench's hand-written classifier step: cross-entropy, Adam."""
    import torch
    import torch.nn.functional as F

    opt = torch.optim.Adam(net.parameters(), lr)

    def step(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def classes(y: torch.Tensor) -> int:
    return int(y.max()) + 1 if len(y) else 1


__all__: list[Any] = ["CAPABILITIES", "EXPORT", "HEADLINE", "METRICS", "PLOTTED", "TASK", "bare_step", "script"]
