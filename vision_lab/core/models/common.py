"""Pieces shared by the model families."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

#: Non-decreasing activations: max-pooling commutes with them (GELU dips below zero, so it does not).
MONOTONE = ("relu", "leaky_relu", "tanh", "sigmoid")


def activation(name: str) -> nn.Module:
    return {
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.2),
        "gelu": nn.GELU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
    }[name]()


class Dropout(nn.Dropout):
    """``nn.Dropout`` whose mask is drawn 8 bytes of randomness at a time on the CPU.

    PyTorch's CPU dropout draws one Bernoulli sample per element through the per-element generator: on the
    DCGAN discriminator's 128×64×14×14 features that took 19 ms of a ~450 ms step, more than a third of the
    layer's convolution. Here one 64-bit draw gives four 16-bit uniforms; keeping those at or above
    p·65536 is the same inverted dropout (p rounded to 1/65536), from the same seeded global generator, in
    ~5 ms (vision_lab/bench/PERFORMANCE.md, section 5). Elsewhere (CUDA, eval, in place, small tensors) it is
    nn.Dropout.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.numel()
        # Below ~4k elements the few extra ops cost more than they save (measured: even at 4,096).
        if not self.training or self.inplace or x.device.type != "cpu" or not 0.0 < self.p < 1.0 or n < 4096:
            return super().forward(x)
        words = torch.randint(-(2**63), 2**63 - 1, ((n + 3) // 4,), dtype=torch.int64)
        uniform16 = words.view(torch.int16)[:n].view(x.shape)
        drop = round(self.p * 65536)
        keep = uniform16 >= drop - 32768
        return x * keep.to(x.dtype).mul_(65536 / (65536 - drop))


def pytorch_kernel_only(layer: nn.Conv2d | nn.ConvTranspose2d, x: torch.Tensor) -> bool:
    """Whether ``layer`` on ``x`` must run PyTorch's own convolution rather than one of our CPU formulations
    (spectral.py, thin.py): under tracing (TorchScript and ONNX exports record PyTorch's kernel, and no shape test
    gets traced), off the CPU, outside float32, for grouped or dilated layers, or string padding."""
    return (
        torch.jit.is_tracing()
        or torch.jit.is_scripting()
        or x.dim() != 4
        or x.device.type != "cpu"
        or not (x.dtype == torch.float32 == layer.weight.dtype)
        or layer.groups != 1
        or layer.dilation != (1, 1)
        or not isinstance(layer.padding, tuple)
    )


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int
    label: str = ""
    """How the Model tab and the Health view name the layer: ``Conv2d #2``, ``Linear 128``, ``ReLU``."""


def layer_labels(module: nn.Module, prefix: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """(labels, after) for ``module``'s leaf layers, keyed by ``prefix`` + their dotted names.

    ``labels``: what a learner reads in the Model tab's table: convolutions numbered in order (``Conv2d #2``),
    dense layers by their width (``Linear 128``; ``Linear 64 #2`` for a second of that width), the rest by kind.
    ``after``: for each activation, the label of the weighted layer it follows (the Health view says "the ReLUs
    after Linear 128", not "model.15").
    """
    labels: dict[str, str] = {}
    after: dict[str, str] = {}
    counts: dict[str, int] = {}
    used: set[str] = set()
    last = ""
    for name, m in module.named_modules():
        if list(m.children()):
            continue
        kind = public_name(m)
        if isinstance(m, nn.Linear):
            label = f"Linear {m.out_features}"
        elif isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            counts[kind] = counts.get(kind, 0) + 1
            label = f"{kind} #{counts[kind]}"
        else:
            label = kind
        weighted = any(p.ndim >= 2 for p in m.parameters(recurse=False))
        if weighted and label in used:
            n = 2
            while f"{label} #{n}" in used:
                n += 1
            label = f"{label} #{n}"
        key = f"{prefix}{name}"
        labels[key] = label
        if weighted:
            used.add(label)
            last = label
        elif last and not list(m.parameters(recurse=False)):
            after[key] = last
    return labels, after


def public_name(module: nn.Module) -> str:
    """The PyTorch layer a module is, as the user built it: ``ConvTranspose2d`` for our CPU formulations of it
    (SpectralConvTranspose2d, ThinConv2d compute the same layer faster), ``Dropout`` for ours."""
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn"):
            return cls.__name__
    return type(module).__name__


def layer_table(model: nn.Module, input_shape: tuple[int, ...]) -> list[LayerRow]:
    """One row per leaf layer with its output shape (batch dim dropped) and parameter count.

    Runs one forward pass of a single zero input through a copy-free hook; the model is put
    back in its previous train/eval mode.
    """
    rows: list[LayerRow] = []
    hooks = []
    labels, _ = layer_labels(model)
    for name, module in model.named_modules():
        if list(module.children()):
            continue

        def hook(mod: nn.Module, _inp: object, out: object, name: str = name) -> None:
            shape = tuple(out.shape[1:]) if isinstance(out, torch.Tensor) else ()
            rows.append(LayerRow(name, public_name(mod), shape, count_parameters(mod), labels.get(name, "")))

        hooks.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), device=device))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows
