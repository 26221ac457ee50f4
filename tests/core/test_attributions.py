"""Captum's attributions on tiny real models: the shape every method gives, reproducible, each map the model's
own (a class switch changes it), Grad-CAM refused in one sentence where there is no conv layer, and every mistake
one sentence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from vision_lab.core import attributions as A
from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.errors import ConfigError
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.inspect import Inspector
from vision_lab.core.trainer import Trainer

TINY = {
    "cnn": {"cnn": CNNConfig(blocks=(ConvBlock(8, batch_norm=True), ConvBlock(8)), dense=(32,), dropout=0.0)},
    "mlp": {"mlp": MLPConfig(hidden=(32,), dropout=0.0)},
}


def tiny(family: str) -> ExperimentConfig:
    cfg = dataclasses.replace(default_config(family), **TINY[family])
    return with_overrides(
        cfg,
        **{
            "data.limit": 1000,
            "data.val_limit": 100,
            "train.epochs": 3,
            "optim.lr": 3e-3,
            "train.batch_size": 32,
        },
    )


def trained(family: str, mnist5k, folder: Path) -> Inspector:
    for _ in Trainer(tiny(family), dataset=mnist5k, run_dir=folder).events():
        pass
    return Inspector.from_run(folder)


@pytest.fixture(scope="module")
def cnn(mnist5k, tmp_path_factory) -> Inspector:
    return trained("cnn", mnist5k, tmp_path_factory.mktemp("attr") / "cnn")


@pytest.fixture(scope="module")
def mlp(mnist5k, tmp_path_factory) -> Inspector:
    return trained("mlp", mnist5k, tmp_path_factory.mktemp("attr") / "mlp")


def test_methods_come_from_the_capabilities() -> None:
    assert A.methods_for("cnn") == A.CAPTUM_METHODS
    assert A.methods_for("mlp") == A.CAPTUM_METHODS  # Grad-CAM is listed; it refuses with a sentence
    assert A.methods_for("vit") == A.METHODS  # attention rollout too: the ViT has attention
    assert A.methods_for("autoencoder") == ()
    assert all(A.explanation(m) and A.title(m) for m in A.METHODS)


@pytest.mark.parametrize("method", A.CAPTUM_METHODS)
def test_every_method_gives_one_reproducible_map_per_image(cnn: Inspector, mnist5k, method: str) -> None:
    images = mnist5k.val_images[:5]
    maps = A.attribute(cnn, images, method)
    assert maps.shape == (5, 28, 28) and maps.dtype == np.float32 and np.isfinite(maps).all()
    assert np.abs(maps).max() > 0
    np.testing.assert_array_equal(maps, A.attribute(cnn, images, method))  # SmoothGrad is seeded
    # Floats in [0, 1] are the same images.
    floats = A.attribute(cnn, images.astype(np.float32) / 255.0, method)
    np.testing.assert_allclose(floats, maps, atol=1e-4 * np.abs(maps).max())
    # The map is of the class asked for: another class, another map.
    predicted = cnn.probabilities(images).argmax(1)
    other = int((predicted[0] + 1) % 10)
    assert not np.allclose(A.attribute(cnn, images[:1], method, target=other)[0], maps[0])
    alone = A.attribute(cnn, images[:1], method, target=int(predicted[0]))[0]
    np.testing.assert_allclose(alone, maps[0], atol=1e-4 * np.abs(maps[0]).max())  # batch of one: float noise


def test_gradient_is_the_inspectors_saliency(cnn: Inspector, mnist5k) -> None:
    image = mnist5k.val_images[3]
    mine = A.attribute(cnn, image[None], "gradient")[0]
    np.testing.assert_allclose(mine / mine.max(), cnn.saliency(image), atol=1e-5)


def test_gradcam_on_an_mlp_is_refused_in_one_sentence(mlp: Inspector, mnist5k) -> None:
    with pytest.raises(ConfigError) as err:
        A.attribute(mlp, mnist5k.val_images[:2], "gradcam")
    sentence = str(err.value)
    assert "Grad-CAM" in sentence and "convolution" in sentence and sentence.count(".") == 1 and "\n" not in sentence
    assert A.attribute(mlp, mnist5k.val_images[:2], "integrated-gradients").shape == (2, 28, 28)


def test_gradcam_is_coarse_and_positive(cnn: Inspector, mnist5k) -> None:
    maps = A.attribute(cnn, mnist5k.val_images[:4], "gradcam")
    assert maps.min() >= 0  # ReLU'd


def test_mistakes_are_one_sentence(cnn: Inspector, mnist5k) -> None:
    images = mnist5k.val_images[:2]
    for method, target, fragment in [
        ("lime", None, "Unknown attribution method 'lime'"),
        ("attention-rollout", None, "does not apply"),
        ("gradient", 10, "between 0 and 9"),
        ("gradient", -1, "between 0 and 9"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            A.attribute(cnn, images, method, target=target)
    with pytest.raises(ValueError, match="Expected images of shape"):
        A.attribute(cnn, images[:, :20], "gradient")


def test_the_model_is_explained_in_eval_mode_and_left_alone(cnn: Inspector, mnist5k) -> None:
    model = cnn.task.modules["model"]
    model.train(True)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    A.attribute(cnn, mnist5k.val_images[:4], "integrated-gradients")
    assert not model.training  # BatchNorm's running statistics were used, and are untouched
    for k, v in model.state_dict().items():
        assert (v == before[k]).all(), k
    assert all(p.grad is None for p in model.parameters())


def test_attention_rollout_of_a_transformer(mnist5k) -> None:
    vit = Inspector(default_config("vit"), (28, 28, 1), tuple(str(i) for i in range(10)))
    images = mnist5k.val_images[:3]
    maps = A.attribute(vit, images, "attention-rollout")
    assert maps.shape == (3, 28, 28)
    from vision_lab.core.attention import attention_maps

    patch = attention_maps(vit, images[1]).rollout
    p = 28 // patch.shape[0]
    np.testing.assert_allclose(maps[1, ::p, ::p] / maps[1].sum() * p * p, patch, rtol=1e-4)


def test_smoothgrad_is_seeded_and_leaves_the_global_rng_alone(cnn: Inspector, mnist5k) -> None:
    import torch

    images = mnist5k.val_images[:3]
    state = torch.random.get_rng_state()
    one = A.attribute(cnn, images, "noise-tunnel", seed=1)
    assert torch.equal(torch.random.get_rng_state(), state)  # a model seeded on another thread is not disturbed
    assert not np.allclose(one, A.attribute(cnn, images, "noise-tunnel", seed=2))
    # Smoother than the plain gradient: neighbouring pixels differ less, relative to the map's size.
    plain = A.attribute(cnn, images, "gradient")

    def roughness(m: np.ndarray) -> float:
        return float(np.abs(np.diff(m, axis=2)).mean() / m.mean())

    assert roughness(one) < roughness(plain)
