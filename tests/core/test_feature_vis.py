"""Activation maximisation (vision_lab/core/feature_vis.py) on tiny real models: the pictures excite their units
far more than blank or random pictures do, the same seed gives the same pictures, and what a model cannot show is
refused in one sentence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from tests.toy_family import registered
from vision_lab.core import feature_vis as fv
from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Preview
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.inspect import Inspector
from vision_lab.core.trainer import Trainer, TrainerControl

SHAPE = (28, 28, 1)
DIGITS = tuple(str(i) for i in range(10))
STEPS = 48


def tiny(family: str, model: object) -> ExperimentConfig:
    cfg = dataclasses.replace(default_config(family), **{family: model})
    return with_overrides(
        cfg,
        **{
            "data.limit": 1000,
            "data.val_limit": 50,
            "train.epochs": 3,
            "train.batch_size": 32,
            "optim.lr": 3e-3,
            "train.preview_seconds": 0.0,
        },
    )


def trained(cfg: ExperimentConfig, dataset) -> Inspector:
    trainer = Trainer(cfg, dataset=dataset, control=TrainerControl(stream_weights=True))
    weights = [e.weights for e in trainer.events() if isinstance(e, Preview) and e.weights is not None]
    inspector = Inspector(cfg, dataset.image_shape, dataset.class_names)
    inspector.load(weights[-1])
    return inspector


@pytest.fixture(scope="module")
def cnn(mnist5k) -> Inspector:
    return trained(tiny("cnn", CNNConfig(blocks=(ConvBlock(8, batch_norm=True), ConvBlock(8)), dense=(32,))), mnist5k)


@pytest.fixture(scope="module")
def mlp() -> Inspector:
    return Inspector(tiny("mlp", MLPConfig(hidden=(32,))), SHAPE, DIGITS)


def noise(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, *SHAPE), dtype=np.uint8)


def test_class_pictures_excite_their_class_far_more_than_blank_or_random_pictures(cnn: Inspector) -> None:
    targets = fv.class_targets(cnn)
    result = fv.visualise(cnn, targets, steps=STEPS, seed=0)
    assert result.images.shape == (10, *SHAPE) and result.images.dtype == np.uint8
    assert result.values.shape == (10,) and result.values.dtype == np.float32 and result.steps == STEPS
    # The reported values are the units' response to the pictures as returned (uint8), not to some other tensor.
    np.testing.assert_allclose(fv.activations(cnn, targets, result.images), result.values, rtol=1e-5, atol=1e-5)
    blank = fv.activations(cnn, targets, np.zeros((10, *SHAPE), np.uint8))
    random = fv.activations(cnn, targets, noise(10))
    assert (result.values > blank + 3).all(), (result.values, blank)
    assert (result.values > random + 3).all(), (result.values, random)
    # Each picture is taken for its class: the margin is over the other classes, not "more of everything".
    assert (cnn.probabilities(result.images).argmax(1) == np.arange(10)).all()


def test_channel_pictures_excite_their_channel(cnn: Inspector) -> None:
    assert fv.conv_layers(cnn) == [(0, "conv 1", 8), (1, "conv 2", 8)]
    first = fv.first_layer_targets(cnn)
    assert first == [fv.Target("channel", c, 0) for c in range(8)]
    targets = first + fv.channel_targets(cnn, 1, limit=4)
    result = fv.visualise(cnn, targets, steps=STEPS, seed=0)
    assert result.images.shape == (12, *SHAPE)
    random = fv.activations(cnn, targets, noise(12))
    assert (result.values > random + 0.2).all(), (result.values, random)
    assert result.values.mean() > random.mean() + 0.5


def test_same_seed_same_pictures_other_seed_other_pictures(cnn: Inspector) -> None:
    targets = [fv.Target("class", 3), fv.Target("channel", 2, layer=1)]
    a = fv.visualise(cnn, targets, steps=12, seed=5)
    b = fv.visualise(cnn, targets, steps=12, seed=5)
    c = fv.visualise(cnn, targets, steps=12, seed=6)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.images, c.images)


def test_the_inspectors_model_is_left_alone_and_inputs_stay_in_the_value_range(cnn: Inspector) -> None:
    model = cnn.task.modules["model"]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seen: list[tuple[float, float]] = []
    # A hook on the inspector's model travels with visualise's deep copy: it sees every input the copy gets.
    hook = model.register_forward_pre_hook(
        lambda _m, args: seen.append((float(args[0].detach().min()), float(args[0].detach().max())))
    )
    try:
        fv.visualise(cnn, fv.class_targets(cnn)[:2], steps=6)
    finally:
        hook.remove()
    lo, hi = cnn.task.value_range
    assert len(seen) == 7  # six steps and the final evaluation
    assert all(lo <= a and b <= hi for a, b in seen), (seen, (lo, hi))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters()) and not model.training


def test_progress_is_told_each_step_and_false_stops_early(cnn: Inspector) -> None:
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 3

    result = fv.visualise(cnn, fv.class_targets(cnn), steps=40, progress=progress)
    assert calls == [(1, 40), (2, 40), (3, 40)]
    assert result.steps == 3 and result.images.shape == (10, *SHAPE)


def test_an_mlp_shows_class_outputs_and_refuses_channels_in_one_sentence(mlp: Inspector) -> None:
    assert fv.conv_layers(mlp) == []
    result = fv.visualise(mlp, fv.class_targets(mlp), steps=4)
    assert result.images.shape == (10, *SHAPE)
    for call in (
        lambda: fv.visualise(mlp, [fv.Target("channel", 0, 0)], steps=4),
        lambda: fv.first_layer_targets(mlp),
    ):
        with pytest.raises(ConfigError) as err:
            call()
        message = str(err.value)
        assert "no convolution layers" in message and "MLP" in message
        assert message.count(".") == 1 and "\n" not in message


def test_bad_requests_are_one_sentence(cnn: Inspector) -> None:
    bad = {
        "between 0 and 9, got 10": ([fv.Target("class", 10)], 4),
        "layers 0 to 1, not 2": ([fv.Target("channel", 0, 2)], 4),
        "channels 0 to 7, not 8": ([fv.Target("channel", 8, 0)], 4),
        "at least one unit": ([], 4),
        "between 1 and": ([fv.Target("class", 0)], 0),
    }
    for words, (targets, steps) in bad.items():
        with pytest.raises(ConfigError, match=words):
            fv.visualise(cnn, targets, steps=steps)


def test_a_non_classifier_is_refused() -> None:
    cfg = default_config("autoencoder")
    with pytest.raises(ConfigError, match="works on classifiers"):
        fv.class_targets(Inspector(cfg, SHAPE, DIGITS))


def test_a_family_declared_outside_the_package_gets_class_pictures() -> None:
    with registered() as family:
        inspector = Inspector(with_overrides(default_config(family.key), **{"data.limit": 64}), SHAPE, DIGITS)
        assert fv.conv_layers(inspector) == []  # its patch embedding is a convolution, but no "filters" view
        result = fv.visualise(inspector, fv.class_targets(inspector), steps=4, seed=1)
    assert result.images.shape == (10, *SHAPE) and np.isfinite(result.values).all()


def test_a_snapshot_keeps_its_weights_while_the_inspector_loads_new_ones(cnn: Inspector) -> None:
    snap = fv.snapshot(cnn)
    targets = fv.class_targets(cnn)[:2]
    before = fv.visualise(snap, targets, steps=4)
    model = cnn.task.modules["model"]
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    try:
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)  # what loading a later preview's weights does to the inspector
        assert snap.task.modules["model"] is not model
        np.testing.assert_array_equal(fv.visualise(snap, targets, steps=4).images, before.images)
        assert not np.array_equal(fv.visualise(cnn, targets, steps=4).images, before.images)
    finally:
        model.load_state_dict(saved)
