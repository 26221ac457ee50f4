"""Walk a classifier layer by layer for one image, and show how one unit's value is computed (issue 21).

For families with the ``layers`` capability (the model is a plain ``nn.Sequential``: the CNN and the MLP).
:func:`overview` runs the Sequential one layer at a time (exactly its own forward) and keeps every layer's
output, grouped as a learner thinks of them: the input, each convolution block's stages in the model's real
order (a CNN with a monotone activation pools *before* it activates, models/cnn.py), dense layers, the logits,
the softmax. :func:`explain_unit` takes one unit of one stage and lays out its arithmetic with the model's own
numbers: the receptive field and kernel of a convolution, the inputs and weights of a dense unit, the batch norm,
pooling and activation steps after them, the softmax. Dropout is identity in eval and Flatten only reshapes: both
are skipped. Every number is float32 as the model holds it; sums are taken in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from vision_lab.core.i18n import t
from vision_lab.core.inspect import Inspector

SKIPPED = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Flatten, nn.Identity)
ACTIVATION_NAMES = {
    nn.ReLU: "ReLU",
    nn.LeakyReLU: "Leaky ReLU",
    nn.GELU: "GELU",
    nn.Tanh: "tanh",
    nn.Sigmoid: "sigmoid",
}
TOP = 12
"""Contributions listed for a dense unit."""


@dataclass(frozen=True)
class Stage:
    """One column of the overview: a layer's output for the image."""

    index: int
    """The layer's place in the Sequential (what :func:`explain_unit` takes); -1 the input, len(model) the softmax."""
    kind: str
    """``input``, ``conv``, ``bn``, ``pool``, ``act``, ``dense``, ``logits`` or ``softmax``."""
    label: str
    values: np.ndarray
    """float32: channels×H×W for maps (the input too), one value per unit for vectors."""
    block: int
    """1-based convolution block or dense layer the stage belongs to (0 for the input and the softmax)."""

    @property
    def is_map(self) -> bool:
        return self.values.ndim == 3


@dataclass(frozen=True)
class Overview:
    stages: tuple[Stage, ...]
    outputs: tuple[np.ndarray, ...]
    """Every layer's output (batch dimension dropped), by its index in the Sequential."""
    input: np.ndarray
    """The model's input, channels×H×W (scaled as the model sees it)."""
    probabilities: np.ndarray
    class_names: tuple[str, ...]

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))

    def stage(self, layer_index: int) -> Stage:
        for s in self.stages:
            if s.index == layer_index:
                return s
        raise ValueError(t("layer_walk.no_stage", "The overview has no layer {index}.", index=layer_index))


@dataclass(frozen=True)
class ConvArithmetic:
    """One output of a convolution: ``sum(patch × weights) + bias``."""

    layer_index: int
    channel: int
    row: int
    col: int
    patch: np.ndarray
    """in-channels×k×k of the layer's input under the kernel, 0 where the window leaves the input (padding)."""
    weights: np.ndarray
    products: np.ndarray
    partial_sums: np.ndarray
    """The sum of the products of each input channel."""
    inside: np.ndarray
    """k×k bool: where the window lies on the input (False: a padding zero)."""
    total: float
    bias: float
    """0 when the layer has no bias (a batch norm follows and has its own shift)."""
    has_bias: bool
    value: float
    window: tuple[int, int, int, int]
    """(top, left, bottom, right), inclusive, in the layer's input; may leave it where it is padded."""
    field: tuple[int, int, int, int]
    """The receptive field in the input image (top, left, bottom, right, inclusive, clipped to the image)."""
    padding: int


@dataclass(frozen=True)
class Contribution:
    index: int
    input: float
    weight: float
    product: float
    where: tuple[int, ...]
    """The input's place in the layer before the flatten (channel, row, col), or (index,) for a vector."""


@dataclass(frozen=True)
class DenseArithmetic:
    """One output of a dense layer: ``sum(inputs × weights) + bias``."""

    layer_index: int
    unit: int
    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    has_bias: bool
    value: float
    top: tuple[Contribution, ...]
    """The largest products by size, largest first."""
    source_shape: tuple[int, ...]


@dataclass(frozen=True)
class Step:
    """A batch norm, pooling or activation applied to one value."""

    kind: str
    """``bn``, ``pool`` or ``act``."""
    layer_index: int
    label: str
    before: float
    value: float
    params: dict[str, float] = field(default_factory=dict)
    """bn: mean, var, eps, gamma, beta; act: slope (Leaky ReLU)."""
    window: np.ndarray | None = None
    """pool: the k×k window of the map before it."""
    picked: tuple[int, int] | None = None
    """pool: the (row, col) in the window it took."""
    origin: tuple[int, int] | None = None
    """pool: the window's top-left corner in the map before it."""


@dataclass(frozen=True)
class SoftmaxArithmetic:
    logits: np.ndarray
    shift: float
    """The largest logit, subtracted before exponentiating (the same p, no overflow)."""
    exps: np.ndarray
    total: float
    index: int
    value: float


@dataclass(frozen=True)
class UnitExplanation:
    kind: str
    """``input``, ``conv`` (a stage of a convolution block), ``dense`` (of a dense layer or the logits), ``softmax``."""
    layer_index: int
    unit: tuple[int, ...]
    value: float
    """The model's own output at that place."""
    label: str
    conv: ConvArithmetic | None = None
    dense: DenseArithmetic | None = None
    steps: tuple[Step, ...] = ()
    """What follows the weighted layer, in order, up to the stage asked about."""
    softmax: SoftmaxArithmetic | None = None


# --- the overview ------------------------------------------------------------------------------------------------
def _model(inspector: Inspector) -> nn.Sequential:
    task = inspector._need(t("layer_walk.what", "A layer-by-layer walk"), "layers")
    model = task.modules["model"]
    assert isinstance(model, nn.Sequential)
    return model


def _kind(m: nn.Module, last_linear: bool) -> str | None:
    if isinstance(m, nn.Conv2d):
        return "conv"
    if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
        return "bn"
    if isinstance(m, nn.MaxPool2d):
        return "pool"
    if isinstance(m, nn.Linear):
        return "logits" if last_linear else "dense"
    if isinstance(m, tuple(ACTIVATION_NAMES)):
        return "act"
    if isinstance(m, SKIPPED):
        return None
    raise ValueError(t("layer_walk.unknown_layer", "The walk does not know the layer {layer}.", layer=type(m).__name__))


def _label(m: nn.Module, kind: str, block: int) -> str:
    if kind == "conv":
        assert isinstance(m, nn.Conv2d)
        return t("layer_walk.label.conv", "conv {n} ({k}×{k})", n=block, k=m.kernel_size[0])
    if kind == "bn":
        return t("layer_walk.label.bn", "batch norm")
    if kind == "pool":
        assert isinstance(m, nn.MaxPool2d)
        k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
        return t("layer_walk.label.pool", "max pool {k}×{k}", k=k)
    if kind == "dense":
        assert isinstance(m, nn.Linear)
        return t("layer_walk.label.dense", "dense {units}", units=m.out_features)
    if kind == "logits":
        return t("layer_walk.label.logits", "logits")
    return next(name for cls, name in ACTIVATION_NAMES.items() if isinstance(m, cls))


def overview(inspector: Inspector, image: np.ndarray) -> Overview:
    """Every layer's output for ``image`` (H×W×C uint8, or floats in [0, 1]), from the input to the softmax."""
    model = _model(inspector)
    x = inspector._single(image)
    outputs: list[np.ndarray] = []
    with torch.inference_mode():
        h = x
        for layer in model:  # exactly the Sequential's own forward, one layer at a time
            h = layer(h)
            outputs.append(h[0].detach().float().cpu().numpy().copy())
    linears = [i for i, m in enumerate(model) if isinstance(m, nn.Linear)]
    stages = [Stage(-1, "input", t("layer_walk.label.input", "input"), x[0].numpy().copy(), 0)]
    convs = denses = block = 0
    for i, m in enumerate(model):
        kind = _kind(m, bool(linears) and i == linears[-1])
        if kind is None:
            continue
        if kind == "conv":
            convs += 1
            block = convs
        elif kind in ("dense", "logits"):
            denses += 1
            block = denses
        stages.append(Stage(i, kind, _label(m, kind, block), outputs[i], block))
    logits = outputs[-1].astype(np.float64)
    e = np.exp(logits - logits.max())
    probs = (e / e.sum()).astype(np.float32)
    stages.append(Stage(len(model), "softmax", t("layer_walk.label.softmax", "softmax"), probs, 0))
    return Overview(tuple(stages), tuple(outputs), x[0].numpy().copy(), probs, tuple(inspector.class_names))


# --- one unit ----------------------------------------------------------------------------------------------------
def _input_of(ov: Overview, index: int) -> np.ndarray:
    return ov.input if index == 0 else ov.outputs[index - 1]


def _check_unit(values: np.ndarray, unit: tuple[int, ...], label: str) -> None:
    shape = values.shape
    if len(unit) != len(shape) or any(not 0 <= u < n for u, n in zip(unit, shape, strict=False)):
        raise ValueError(
            t(
                "layer_walk.bad_unit",
                "{layer} has units of shape {shape}; there is no unit {unit}.",
                layer=label,
                shape="×".join(map(str, shape)),
                unit=",".join(map(str, unit)),
            )
        )


def _field(model: nn.Sequential, upto: int, rows: tuple[int, int], cols: tuple[int, int]) -> tuple[int, ...]:
    """The input pixels that ``rows``×``cols`` of layer ``upto``'s output depend on (inclusive, unclipped)."""
    (r0, r1), (c0, c1) = rows, cols
    for m in reversed(list(model)[: upto + 1]):
        if isinstance(m, nn.Conv2d):
            (kh, kw), (sh, sw), (ph, pw) = m.kernel_size, m.stride, m.padding  # type: ignore[misc]
            r0, r1 = r0 * sh - ph, r1 * sh - ph + kh - 1
            c0, c1 = c0 * sw - pw, c1 * sw - pw + kw - 1
        elif isinstance(m, nn.MaxPool2d):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            s = m.stride if isinstance(m.stride, int) else m.stride[0]
            r0, r1, c0, c1 = r0 * s, r1 * s + k - 1, c0 * s, c1 * s + k - 1
    return r0, c0, r1, c1


def _conv(model: nn.Sequential, ov: Overview, index: int, c: int, i: int, j: int) -> ConvArithmetic:
    conv = model[index]
    assert isinstance(conv, nn.Conv2d)
    if conv.stride != (1, 1) or conv.dilation != (1, 1) or conv.groups != 1:
        raise ValueError(t("layer_walk.conv_form", "The walk shows plain convolutions (stride 1, no dilation)."))
    x = _input_of(ov, index)
    k = conv.kernel_size[0]
    pad = int(conv.padding[0])  # type: ignore[index]
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    patch = padded[:, i : i + k, j : j + k].copy()
    inside = np.zeros((k, k), bool)
    inside[max(0, pad - i) : min(k, x.shape[1] + pad - i), max(0, pad - j) : min(k, x.shape[2] + pad - j)] = True
    weights = conv.weight[c].detach().float().cpu().numpy().copy()
    products = patch * weights
    bias = float(conv.bias.detach()[c]) if conv.bias is not None else 0.0
    total = float(products.astype(np.float64).sum())
    top, left, bottom, right = _field(model, index, (i, i), (j, j))
    h, w = ov.input.shape[1:]
    return ConvArithmetic(
        index, c, i, j, patch, weights, products, products.astype(np.float64).sum((1, 2)), inside, total,
        bias, conv.bias is not None, float(ov.outputs[index][c, i, j]),
        (i - pad, j - pad, i - pad + k - 1, j - pad + k - 1),
        (max(0, top), max(0, left), min(h - 1, bottom), min(w - 1, right)), pad,
    )  # fmt: skip


def _dense(model: nn.Sequential, ov: Overview, index: int, u: int) -> DenseArithmetic:
    lin = model[index]
    assert isinstance(lin, nn.Linear)
    before = _input_of(ov, index)
    k = index - 1
    while k >= 0 and isinstance(model[k], SKIPPED):  # where the inputs were before a flatten (and dropout)
        k -= 1
    source = ov.input if k < 0 else ov.outputs[k]
    inputs = before.reshape(-1).copy()
    weights = lin.weight[u].detach().float().cpu().numpy().copy()
    products = inputs * weights
    order = np.argsort(-np.abs(products), kind="stable")[:TOP]
    shape = source.shape if source.size == inputs.size else inputs.shape
    top = tuple(
        Contribution(int(n), float(inputs[n]), float(weights[n]), float(products[n]),
                     tuple(int(v) for v in np.unravel_index(int(n), shape)))
        for n in order
    )  # fmt: skip
    bias = float(lin.bias.detach()[u]) if lin.bias is not None else 0.0
    total = float(products.astype(np.float64).sum())
    value = float(ov.outputs[index][u])
    return DenseArithmetic(
        index, u, inputs, weights, products, total, bias, lin.bias is not None, value, top, tuple(shape)
    )


def _step(model: nn.Sequential, ov: Overview, index: int, pos: tuple[int, ...]) -> Step:
    m = model[index]
    before = _input_of(ov, index)
    value = float(ov.outputs[index][pos])
    label = _label(m, _kind(m, False) or "", 0)
    if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
        c = pos[0]
        assert m.running_mean is not None and m.running_var is not None
        params = {
            "mean": float(m.running_mean[c]),
            "var": float(m.running_var[c]),
            "eps": float(m.eps),
            "gamma": float(m.weight.detach()[c]) if m.weight is not None else 1.0,
            "beta": float(m.bias.detach()[c]) if m.bias is not None else 0.0,
        }
        return Step("bn", index, label, float(before[pos]), value, params)
    if isinstance(m, nn.MaxPool2d):
        k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
        s = m.stride if isinstance(m.stride, int) else m.stride[0]
        c, i, j = pos
        window = before[c, i * s : i * s + k, j * s : j * s + k].copy()
        r, q = divmod(int(np.argmax(window)), window.shape[1])
        return Step("pool", index, label, float(window[r, q]), value, {}, window, (r, q), (i * s, j * s))
    params = {"slope": float(m.negative_slope)} if isinstance(m, nn.LeakyReLU) else {}
    return Step("act", index, label, float(before[pos]), value, params)


def explain_unit(
    inspector: Inspector,
    image: np.ndarray,
    layer_index: int,
    unit: tuple[int, ...] | int,
    overview_: Overview | None = None,
) -> UnitExplanation:
    """How ``unit`` of the stage at ``layer_index`` (a :attr:`Stage.index`) gets its value for ``image``.

    ``unit`` is (channel, row, col) for a map, the unit's index for a vector. Pass the image's ``overview_`` to
    reuse its outputs (a sliding window asks for many units of one image).
    """
    model = _model(inspector)
    ov = overview_ if overview_ is not None else overview(inspector, image)
    stage = ov.stage(layer_index)
    pos = (unit,) if isinstance(unit, int) else tuple(int(u) for u in unit)
    _check_unit(stage.values, pos, stage.label)
    value = float(stage.values[pos])
    if stage.kind == "input":
        return UnitExplanation("input", layer_index, pos, value, stage.label)
    if stage.kind == "softmax":
        logits = ov.outputs[-1].astype(np.float64)
        shift = float(logits.max())
        exps = np.exp(logits - shift)
        total = float(exps.sum())
        k = pos[0]
        sm = SoftmaxArithmetic(ov.outputs[-1].copy(), shift, exps, total, k, float(exps[k] / total))
        return UnitExplanation("softmax", layer_index, pos, value, stage.label, softmax=sm)
    # Walk back to the weighted layer, following the unit through each pooling to the element it took.
    chain: list[tuple[int, tuple[int, ...]]] = []
    index, at = layer_index, pos
    while not isinstance(model[index], nn.Conv2d | nn.Linear):
        m = model[index]
        if not isinstance(m, SKIPPED):
            step = _step(model, ov, index, at)
            chain.append((index, at))
            if step.picked is not None and step.origin is not None:
                at = (at[0], step.origin[0] + step.picked[0], step.origin[1] + step.picked[1])
        index -= 1
    steps = tuple(_step(model, ov, i, p) for i, p in reversed(chain))
    if isinstance(model[index], nn.Conv2d):
        c, i, j = at
        conv = _conv(model, ov, index, c, i, j)
        return UnitExplanation("conv", layer_index, pos, value, stage.label, conv=conv, steps=steps)
    dense = _dense(model, ov, index, at[0])
    return UnitExplanation("dense", layer_index, pos, value, stage.label, dense=dense, steps=steps)


def activation_formula(label: str, params: dict[str, float]) -> str:
    """The activation as a learner reads it (``max(0, x)``)."""
    return {
        "ReLU": "max(0, x)",
        "Leaky ReLU": f"x if x > 0 else {params.get('slope', 0.0):g}·x",
        "GELU": "x·Φ(x)",
        "tanh": "tanh(x)",
        "sigmoid": "1 / (1 + e^(−x))",
    }.get(label, label)


def reference_activation(label: str, x: float, params: dict[str, float]) -> float:
    """The activation recomputed from its formula (tests check the model against it)."""
    if label == "ReLU":
        return max(0.0, x)
    if label == "Leaky ReLU":
        return x if x > 0 else params["slope"] * x
    if label == "GELU":
        return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))
    if label == "tanh":
        return math.tanh(x)
    return 1.0 / (1.0 + math.exp(-x))
