"""The layer walk (vision_lab/core/layer_walk.py): every unit's value, recomputed here from the numbers the walk
shows (products, sums, bias, batch norm, pooling window, activation, softmax), is the model's own output at that
place, captured by hooks during the model's ordinary forward pass."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn

from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.inspect import Inspector
from vision_lab.core.layer_walk import UnitExplanation, explain_unit, overview, reference_activation

TOL = 1e-5
DIGITS = tuple(str(i) for i in range(10))
CNNS = {
    # batch norm, 'same' padding, pool before a monotone activation, dropout in between
    "bn-same-relu": CNNConfig(
        blocks=(ConvBlock(4, batch_norm=True), ConvBlock(6, padding="valid", dropout=0.1)), dense=(8,), dropout=0.2
    ),
    # no batch norm (the conv has a bias), 'valid' 5×5, GELU activates before it pools, a block without a pool
    "bias-valid-gelu": CNNConfig(
        blocks=(ConvBlock(3, kernel=5, padding="valid"), ConvBlock(5, batch_norm=True, pool=False)),
        dense=(),
        activation="gelu",
        dropout=0.0,
    ),
    "leaky-same": CNNConfig(blocks=(ConvBlock(2), ConvBlock(3, kernel=5)), dense=(6, 5), activation="leaky_relu"),
}
MLPS = {
    "mlp-bn": MLPConfig(hidden=(16, 8), batch_norm=True, dropout=0.1),
    "mlp-tanh": MLPConfig(hidden=(12,), batch_norm=False, activation="tanh", dropout=0.0),
}


def _inspector(cfg: ExperimentConfig) -> Inspector:
    insp = Inspector(cfg, (28, 28, 1), DIGITS)
    # Batch norms as a trained model has them (not the identity a fresh one is): the affine step must show.
    g = torch.Generator().manual_seed(1)
    for m in insp.task.modules["model"].modules():
        if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.3)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            with torch.no_grad():
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.copy_(torch.randn(n, generator=g) * 0.2)
    return insp


def _hooked(insp: Inspector, image: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Every layer's output from the model's own forward pass (not the walk's), and the class probabilities."""
    model = insp.task.modules["model"]
    seen: list[np.ndarray] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: seen.append(out[0].numpy().copy())) for m in model]
    try:
        with torch.inference_mode():
            logits = model(insp._single(image))
    finally:
        for h in hooks:
            h.remove()
    return seen, torch.softmax(logits.double(), 1)[0].numpy()


def _check_chain(e: UnitExplanation, start: float) -> float:
    """Recompute the batch norm / pool / activation steps from their numbers; the value they end on."""
    value = start
    for step in e.steps:
        if step.kind == "pool":
            assert step.window is not None and step.picked is not None
            assert math.isclose(float(step.window[step.picked]), value, rel_tol=TOL, abs_tol=TOL)
            assert step.window[step.picked] == step.window.max()  # the element it took is the window's largest
            value = float(step.window.max())
        elif step.kind == "bn":
            assert math.isclose(step.before, value, rel_tol=TOL, abs_tol=TOL)
            p = step.params
            value = (value - p["mean"]) / math.sqrt(p["var"] + p["eps"]) * p["gamma"] + p["beta"]
        else:
            assert math.isclose(step.before, value, rel_tol=TOL, abs_tol=TOL)
            value = reference_activation(step.label, value, step.params)
        assert math.isclose(value, step.value, rel_tol=TOL, abs_tol=TOL), step
    return value


@pytest.fixture(scope="module")
def image(mnist5k) -> np.ndarray:
    return mnist5k.val_images[3]


@pytest.mark.parametrize("name", list(CNNS))
def test_cnn_units_recomputed_from_the_shown_numbers(name: str, image: np.ndarray) -> None:
    cfg = dataclasses.replace(default_config("cnn"), cnn=CNNS[name])
    insp = _inspector(cfg)
    seen, probs = _hooked(insp, image)
    ov = overview(insp, image)
    model = insp.task.modules["model"]
    # The columns are the model's real layers in its real order, dropout and flatten left out.
    kinds = [s.kind for s in ov.stages]
    assert kinds[0] == "input" and kinds[-2:] == ["logits", "softmax"]
    real = [s.index for s in ov.stages[1:-1]]
    assert real == [i for i, m in enumerate(model) if not isinstance(m, nn.Dropout | nn.Dropout2d | nn.Flatten)]
    if cfg.cnn.activation == "relu":
        assert kinds[1:5] == ["conv", "bn", "pool", "act"]  # the pool before the activation, as the model runs
    if cfg.cnn.activation == "gelu":
        assert kinds[1:4] == ["conv", "act", "pool"]
    for s in ov.stages[1:-1]:
        np.testing.assert_array_equal(s.values, seen[s.index])

    checked = 0
    for s in ov.stages:
        if not s.is_map or s.kind == "input":
            continue
        _, h, w = s.values.shape
        for unit in [(0, 0, 0), (s.values.shape[0] - 1, h // 2, w - 1), (1 % s.values.shape[0], h - 1, 1)]:
            e = explain_unit(insp, image, s.index, unit, ov)
            conv = e.conv
            assert e.kind == "conv" and conv is not None
            # sum of the shown products + the shown bias = the convolution's output there
            assert np.array_equal(conv.products, conv.patch * conv.weights)
            np.testing.assert_allclose(conv.partial_sums.sum(), conv.total, rtol=1e-9)
            recomputed = float(conv.products.astype(np.float64).sum()) + conv.bias
            assert math.isclose(recomputed, float(seen[conv.layer_index][conv.channel, conv.row, conv.col]),
                                rel_tol=TOL, abs_tol=TOL)  # fmt: skip
            conv_layer = model[conv.layer_index]
            np.testing.assert_array_equal(conv.weights, conv_layer.weight[conv.channel].detach().numpy())
            assert conv.has_bias == (conv_layer.bias is not None)
            # The patch is the layer's input under the window, zeros where the window leaves it.
            x = insp._single(image)[0].numpy() if conv.layer_index == 0 else seen[conv.layer_index - 1]
            top, left, bottom, right = conv.window
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    inside = 0 <= r < x.shape[1] and 0 <= c < x.shape[2]
                    assert conv.inside[r - top, c - left] == inside
                    want = x[:, r, c] if inside else np.zeros(x.shape[0], np.float32)
                    np.testing.assert_array_equal(conv.patch[:, r - top, c - left], want)
            end = _check_chain(e, recomputed)
            assert math.isclose(end, float(seen[s.index][unit]), rel_tol=TOL, abs_tol=TOL)
            assert math.isclose(e.value, float(seen[s.index][unit]), rel_tol=TOL, abs_tol=TOL)
            checked += 1
    assert checked >= 9
    # A unit at the border of a 'same' convolution shows its padding.
    first = explain_unit(insp, image, 0, (0, 0, 0), ov).conv
    assert first is not None
    if first.padding:
        assert not first.inside.all() and first.window[:2] == (-first.padding, -first.padding)
        assert first.field[:2] == (0, 0)

    _check_dense_and_softmax(insp, image, ov, seen, probs)


@pytest.mark.parametrize("name", list(MLPS))
def test_mlp_units_recomputed_from_the_shown_numbers(name: str, image: np.ndarray) -> None:
    cfg = dataclasses.replace(default_config("mlp"), mlp=MLPS[name])
    insp = _inspector(cfg)
    seen, probs = _hooked(insp, image)
    ov = overview(insp, image)
    assert [s.kind for s in ov.stages][:2] == ["input", "dense"]
    _check_dense_and_softmax(insp, image, ov, seen, probs)
    # The first layer's inputs are the image's pixels, and each contribution says which pixel.
    e = explain_unit(insp, image, ov.stages[1].index, 0, ov)
    assert e.dense is not None
    pixels = insp._single(image)[0].numpy()
    for c in e.dense.top:
        assert c.input == float(pixels[c.where])


def _check_dense_and_softmax(insp, image, ov, seen, probs) -> None:  # type: ignore[no-untyped-def]
    vectors = [s for s in ov.stages if not s.is_map and s.kind != "softmax"]
    assert vectors and vectors[-1].kind == "logits"
    for s in vectors:
        for u in {0, len(s.values) - 1}:
            e = explain_unit(insp, image, s.index, u, ov)
            d = e.dense
            assert e.kind == "dense" and d is not None
            np.testing.assert_array_equal(d.inputs, seen[d.layer_index - 1].reshape(-1))
            assert np.array_equal(d.products, d.inputs * d.weights)
            recomputed = float(d.products.astype(np.float64).sum()) + d.bias
            assert math.isclose(recomputed, float(seen[d.layer_index][u]), rel_tol=TOL, abs_tol=TOL)
            sizes = [abs(c.product) for c in d.top]
            assert sizes == sorted(sizes, reverse=True) and sizes[0] == float(np.abs(d.products).max())
            assert all(c.product == d.products[c.index] for c in d.top)
            end = _check_chain(e, recomputed)
            assert math.isclose(end, float(seen[s.index][u]), rel_tol=TOL, abs_tol=TOL)
    softmax = ov.stages[-1]
    for k in (0, 7):
        e = explain_unit(insp, image, softmax.index, k, ov)
        sm = e.softmax
        assert sm is not None
        assert sm.shift == float(sm.logits.max())
        exps = np.exp(sm.logits.astype(np.float64) - sm.shift)
        np.testing.assert_allclose(sm.exps, exps, rtol=1e-12)
        assert math.isclose(sm.total, float(exps.sum()), rel_tol=1e-12)
        assert math.isclose(sm.exps[k] / sm.total, probs[k], rel_tol=TOL, abs_tol=TOL)
        assert math.isclose(e.value, probs[k], rel_tol=TOL, abs_tol=TOL)


def test_a_unit_that_is_not_there_is_one_sentence(image: np.ndarray) -> None:
    insp = _inspector(dataclasses.replace(default_config("cnn"), cnn=CNNS["leaky-same"]))
    with pytest.raises(ValueError, match=r"conv 1 \(3×3\) has units of shape 2×28×28; there is no unit 2,0,0\."):
        explain_unit(insp, image, 0, (2, 0, 0))
    vit = Inspector(default_config("vit"), (28, 28, 1), DIGITS)
    with pytest.raises(ValueError, match="A layer-by-layer walk needs"):
        overview(vit, image)
