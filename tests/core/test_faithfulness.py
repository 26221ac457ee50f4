"""The deletion test: its area by hand on a model small enough to follow, and on a tiny trained CNN every method
beats removing pixels at random, while the same maps turned upside down do worse than random (the test can fail).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from test_attributions import trained
from torch import nn

from vision_lab.core import attributions as A
from vision_lab.core import faithfulness as F
from vision_lab.core.attributions import Explainable
from vision_lab.core.errors import ConfigError


def test_auc_by_the_trapezoid_rule() -> None:
    assert F.auc(np.array([0.0, 0.5, 1.0]), np.array([1.0, 0.5, 0.0])) == pytest.approx(0.5)
    assert F.auc(np.linspace(0, 1, 21), np.full(21, 0.3)) == pytest.approx(0.3)
    assert F.auc(np.array([0.0, 0.25, 1.0]), np.array([1.0, 0.0, 0.0])) == pytest.approx(0.125)


def hand_model() -> Explainable:
    """2×2 grey images; logits (4·p0 + 3·p1 + 2·p2 + 1·p3, 0) for pixels p in [0, 1]."""
    linear = nn.Linear(4, 2)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[4.0, 3.0, 2.0, 1.0], [0.0, 0.0, 0.0, 0.0]]))
        linear.bias.zero_()
    return Explainable(nn.Sequential(nn.Flatten(), linear), (0.0, 1.0), (2, 2, 1), "mlp")


def test_a_deletion_curve_by_hand() -> None:
    ex = hand_model()
    image = np.full((1, 2, 2, 1), 255, np.uint8)
    sigmoid = lambda v: 1.0 / (1.0 + math.exp(-v))  # noqa: E731  softmax of (v, 0), class 0
    # Most important first: pixel 0 (weight 4), then 1, 2, 3. One pixel leaves at each of the 4 steps.
    fractions, curve = F.deletion_curve(ex, image, np.array([[0, 1, 2, 3]]), steps=4)
    expected = [sigmoid(v) for v in (10, 6, 3, 1, 0)]
    np.testing.assert_allclose(fractions, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(curve, expected, rtol=1e-6)
    assert F.auc(fractions, curve) == pytest.approx(sum((a + b) / 2 * 0.25 for a, b in itertools.pairwise(expected)))
    # The worst order (least important first) keeps the confidence up longer.
    _, backwards = F.deletion_curve(ex, image, np.array([[3, 2, 1, 0]]), steps=4)
    np.testing.assert_allclose(backwards, [sigmoid(v) for v in (10, 9, 7, 4, 0)], rtol=1e-6)
    # The order a map gives: highest first.
    scores = np.array([[[0.1, 0.9], [0.5, 0.2]]])
    np.testing.assert_array_equal(F.removal_order(scores, np.random.default_rng(0)), [[1, 2, 3, 0]])


def test_ties_are_broken_at_random_not_top_left_first() -> None:
    order = F.removal_order(np.zeros((2, 4, 4)), np.random.default_rng(0))
    assert sorted(order[0]) == list(range(16)) and list(order[0]) != list(range(16))
    assert list(order[0]) != list(order[1])


def test_a_seeded_subset() -> None:
    a = F.pick_images(1000, 200, seed=3)
    assert len(a) == 200 and len(set(a)) == 200 and (np.diff(a) > 0).all()
    np.testing.assert_array_equal(a, F.pick_images(1000, 200, seed=3))
    assert not np.array_equal(a, F.pick_images(1000, 200, seed=4))
    np.testing.assert_array_equal(F.pick_images(50, 200, seed=3), np.arange(50))
    with pytest.raises(ConfigError, match="at least 1"):
        F.pick_images(50, 0, seed=3)


@pytest.fixture(scope="module")
def cnn(mnist5k, tmp_path_factory):  # type: ignore[no-untyped-def]
    return trained("cnn", mnist5k, Path(tmp_path_factory.mktemp("faith")) / "cnn")


def test_every_method_beats_random_removal_and_upside_down_maps_do_not(cnn, mnist5k) -> None:
    images = mnist5k.val_images[F.pick_images(len(mnist5k.val_images), 64, seed=0)]
    maps = {m: A.attribute(cnn, images, m) for m in A.methods_for("cnn")}
    scores = F.evaluate(cnn, images, list(maps), attributions=maps)
    random_auc = {s.random_auc for s in scores.values()}
    assert len(random_auc) == 1  # one yardstick for all
    for method, score in scores.items():
        assert score.deletion_auc < 0.8 * score.random_auc, (method, score.summary())
        assert len(score.deletion_curve) == F.STEPS + 1 and score.deletion_curve[0] == pytest.approx(
            score.random_curve[0]
        )
    upside_down = F.evaluate(cnn, images, list(maps), attributions={m: -a for m, a in maps.items()})
    for method, score in upside_down.items():
        assert score.deletion_auc > score.random_auc, (method, score.summary())
    # Reproducible: the same seed, the same figures (maps computed inside this time).
    again = F.evaluate(cnn, images, ["noise-tunnel"])
    assert again["noise-tunnel"].deletion_auc == pytest.approx(scores["noise-tunnel"].deletion_auc)


def test_no_images_is_one_sentence(cnn) -> None:
    with pytest.raises(ConfigError, match="no images"):
        F.evaluate(cnn, np.zeros((0, 28, 28, 1), np.uint8), ["gradient"])
