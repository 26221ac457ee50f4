"""The Vision Transformer's own checks: the attention the Inspect view draws is the model's (recomputed here from
the weights), its rollout adds up, and settings that cannot work are refused in one sentence naming the setting.
Training, resuming, exporting and opening in the window are every family's tests (tests/every_family.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vision_lab.core import families
from vision_lab.core.attention import AttentionMaps, attention_maps, overlay
from vision_lab.core.config import default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.inspect import Inspector

SHAPE = (28, 28, 1)


def _inspector(**vit: object) -> Inspector:
    cfg = default_config("vit").apply({f"vit.{k}": v for k, v in {"width": 16, "depth": 2, "heads": 4, **vit}.items()})
    return Inspector(cfg, SHAPE, tuple(str(i) for i in range(10)))


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, SHAPE, dtype=np.uint8)


def test_one_heads_attention_recomputed_from_the_weights_is_what_the_view_reads() -> None:
    insp = _inspector()
    model = insp.task.modules["model"]
    with torch.no_grad():  # weights a trained model might have, not the small initial ones
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    image = _image()
    maps = attention_maps(insp, image)

    # By hand from the weights: the tokens, block 2's input (block 1 as the model runs it), its LayerNorm, and
    # head 3's queries and keys cut out of the qkv layer's weight matrix.
    x = torch.from_numpy(image.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    lo, hi = insp.task.value_range
    x = x * (hi - lo) + lo
    block = model.blocks[1]
    with torch.no_grad():
        t = model.blocks[0](model.tokens(x))[0]
        n = block.norm1(t)
        width, head, d = 16, 2, 4
        w, b = block.attn.qkv.weight, block.attn.qkv.bias
        rows = slice(head * d, (head + 1) * d)
        q = n @ w[rows].T + b[rows]
        k = n @ w[width:][rows].T + b[width:][rows]
        expected = torch.softmax(q @ k.T / math.sqrt(d), dim=-1).numpy()
    np.testing.assert_allclose(maps.full[1][head], expected, atol=1e-6)
    np.testing.assert_allclose(maps.heads[1, head].ravel(), expected[0, 1:], atol=1e-6)
    assert maps.cls_self[1, head] == pytest.approx(float(expected[0, 0]), abs=1e-6)
    # The view's weights add up: each head's patches and its class token make 1; the rollout too.
    np.testing.assert_allclose(maps.heads.sum(axis=(2, 3)) + maps.cls_self, 1.0, atol=1e-5)
    assert maps.rollout.shape == (4, 4) and maps.rollout.sum() == pytest.approx(1.0, abs=1e-5)
    with torch.no_grad():
        assert not model.training and maps.probabilities.argmax() == int(model(x).argmax())


def test_rollout_of_one_block_is_its_heads_mean_with_the_residual() -> None:
    insp = _inspector(depth=1)
    maps = attention_maps(insp, _image(1))
    a = maps.full[0].mean(0) + np.eye(17)
    a = a / a.sum(-1, keepdims=True)
    np.testing.assert_allclose(maps.rollout.ravel(), a[0, 1:] / a[0, 1:].sum(), atol=1e-6)


def test_the_drawing_is_brighter_where_a_head_looks_and_the_patch_grid_shows() -> None:
    weights = np.zeros((4, 4), np.float32)
    weights[1, 2] = 1.0
    picture = overlay(np.zeros(SHAPE, np.uint8), weights, patch=7, scale=4)
    assert picture.shape == (112, 112, 3) and picture.dtype == np.uint8
    lit = picture[7 * 4 + 10, 14 * 4 + 10]  # inside patch (1, 2)
    dark = picture[10, 10]  # inside patch (0, 0)
    assert lit.sum() > 3 * dark.sum() + 300
    assert tuple(picture[7 * 4, 5]) == (110, 200, 255)  # a grid line between patch rows


def test_a_model_without_attention_says_so() -> None:
    insp = Inspector(default_config("mlp"), SHAPE, tuple("0123456789"))
    with pytest.raises(ValueError, match=r"needs a transformer \(MLP classifier has no attention\)"):
        attention_maps(insp, _image())


def test_settings_that_cannot_work_are_refused_naming_the_setting() -> None:
    vit = families.get("vit")
    with pytest.raises(ConfigError, match=r"Patch size 5 does not divide the 28×28 images.*2, 4, 7, 14, 28") as err:
        vit.check_fit(default_config("vit").apply({"vit.patch": 5}), SHAPE)
    assert err.value.key == "vit.patch"
    with pytest.raises(ConfigError, match=r"vit.width \(30\) must be a multiple of vit.heads \(4\)") as err:
        default_config("vit").apply({"vit.width": 30}).validate()
    assert err.value.key == "vit.heads"


def test_the_maps_type_is_what_the_view_is_given() -> None:
    maps = attention_maps(_inspector(), _image())
    assert isinstance(maps, AttentionMaps) and maps.heads.shape == (2, 4, 4, 4) and maps.patch == 7
