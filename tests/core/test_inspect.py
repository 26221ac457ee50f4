"""Seeing inside models: a preview's weight snapshot reproduces the preview; every view on tiny real models."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.events import Metrics, Preview
from vision_lab.core.families.autoencoder import AutoencoderConfig
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.images import save_gif
from vision_lab.core.inspect import Inspector, LatentProjection, most_confused
from vision_lab.core.trainer import Trainer, TrainerControl

TINY = {
    "mlp": {"mlp": MLPConfig(hidden=(32,), dropout=0.1)},
    "cnn": {"cnn": CNNConfig(blocks=(ConvBlock(8, batch_norm=True), ConvBlock(8)), dense=(32,), dropout=0.0)},
    "autoencoder": {"autoencoder": AutoencoderConfig(latent_dim=2, hidden=(32,))},
    "gan": {"gan": GANConfig(g_width=16, d_width=8, judge_samples=50)},
}
SHAPE = (28, 28, 1)
DIGITS = tuple(str(i) for i in range(10))


def tiny(family: str, **dotted) -> ExperimentConfig:
    cfg = dataclasses.replace(default_config(family), **TINY[family])
    base = {
        "data.limit": 256,
        "data.val_limit": 100,
        "train.epochs": 1,
        "train.batch_size": 32,
        "train.preview_seconds": 0.0,
        "train.report_seconds": 0.0,
    }
    return with_overrides(cfg, **{**base, **dotted})


def train(cfg: ExperimentConfig, dataset, **kwargs) -> tuple[Trainer, list[Preview]]:
    trainer = Trainer(cfg, dataset=dataset, control=TrainerControl(stream_weights=True), **kwargs)
    previews = [e for e in trainer.events() if isinstance(e, Preview)]
    return trainer, previews


@pytest.fixture(scope="module")
def trained_cnn(mnist5k) -> tuple[Trainer, list[Preview]]:
    # About 90% right: enough for saliency to find the strokes and for confusions to be real.
    return train(tiny("cnn", **{"data.limit": 1000, "train.epochs": 3, "optim.lr": 3e-3}), mnist5k)


# --- a preview's weights are the preview's model -----------------------------------------------------------


@pytest.mark.parametrize("family", ["mlp", "cnn"])
def test_preview_weights_reproduce_the_predictions(family: str, mnist5k) -> None:
    trainer, previews = train(tiny(family, **{"train.epochs": 2}), mnist5k)
    assert previews[0].step < previews[-1].step
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    # An early preview too: its snapshot must not follow the weights as training goes on.
    for p in (previews[0], previews[-1]):
        assert p.weights is not None and set(p.weights) == {"model"}
        inspector.load(p.weights)
        np.testing.assert_array_equal(inspector.probabilities(p.images), p.probabilities)
    assert not np.array_equal(previews[0].probabilities, previews[-1].probabilities)


def test_weights_are_streamed_only_when_asked(mnist5k) -> None:
    trainer = Trainer(tiny("mlp"), dataset=mnist5k)  # as the CLI runs it
    previews = [e for e in trainer.events() if isinstance(e, Preview)]
    assert previews and all(p.weights is None and p.health is not None for p in previews)


def test_preview_weights_reproduce_the_reconstructions(mnist5k) -> None:
    trainer, previews = train(tiny("autoencoder"), mnist5k)
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    for p in (previews[0], previews[-1]):
        inspector.load(p.weights)
        np.testing.assert_array_equal(inspector.reconstruct(p.images), p.outputs)


def test_preview_weights_reproduce_the_gan_samples(mnist5k) -> None:
    trainer, previews = train(tiny("gan", **{"train.max_steps": 6}), mnist5k)
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    # The averaged generator makes the samples; the raw one is not streamed.
    assert set(previews[-1].weights) == {"discriminator", "generator_ema"}
    noise = trainer.task.fixed_noise.numpy()
    for p in (previews[0], previews[-1]):
        inspector.load(p.weights)
        np.testing.assert_array_equal(inspector.generate(noise), p.images)
    assert inspector.latent_dim == trainer.cfg.gan.latent_dim == 100


def test_untrained_inspector_is_the_runs_step_zero_and_leaves_the_rng_alone(mnist5k) -> None:
    cfg = tiny("mlp", **{"train.seed": 3})
    before = torch.get_rng_state()
    inspector = Inspector(cfg, SHAPE, DIGITS)
    assert torch.equal(torch.get_rng_state(), before)
    trainer = Trainer(cfg, dataset=mnist5k)
    for key, value in trainer.task.modules["model"].state_dict().items():
        assert torch.equal(inspector.task.modules["model"].state_dict()[key], value), key


def test_inspecting_builds_no_optimizer(mnist5k, tmp_path: Path) -> None:
    """The window builds an Inspector at every run's start, on its own thread: a process's first optimizer imports
    torch._dynamo, which once held the window for 1.0-1.3 s at the first Start after start-up."""
    assert Inspector(tiny("mlp"), SHAPE, DIGITS).task.optimizers == {}
    train(tiny("mlp", **{"train.max_steps": 2}), mnist5k, run_dir=tmp_path / "run")
    loaded = Inspector.from_run(tmp_path / "run")
    assert loaded.task.optimizers == {} and loaded.task.lr == tiny("mlp").optim.lr


def test_from_run_loads_the_final_weights(mnist5k, tmp_path: Path) -> None:
    _, previews = train(tiny("mlp"), mnist5k, run_dir=tmp_path / "run")
    inspector = Inspector.from_run(tmp_path / "run")
    assert inspector.family == "mlp" and inspector.class_names == DIGITS
    np.testing.assert_array_equal(inspector.probabilities(previews[-1].images), previews[-1].probabilities)


def test_weights_of_another_model_are_refused(mnist5k) -> None:
    _, previews = train(tiny("mlp", **{"train.max_steps": 2}), mnist5k)
    other = Inspector(tiny("mlp", **{"mlp.hidden": (8,)}), SHAPE, DIGITS)
    with pytest.raises(ValueError, match="do not fit"):
        other.load(previews[-1].weights)
    with pytest.raises(ValueError, match="no part called 'generator'"):
        other.load({"generator": {}})


# --- classifiers -------------------------------------------------------------------------------------------


def test_images_in_any_accepted_form(trained_cnn) -> None:
    trainer, previews = trained_cnn
    inspector = Inspector(trainer.cfg, (1, 28, 28), DIGITS)  # (C, H, W) is recognised too
    inspector.load(previews[-1].weights)
    images = previews[-1].images
    as_uint8 = inspector.probabilities(images)
    assert as_uint8.shape == (len(images), 10) and as_uint8.dtype == np.float32
    np.testing.assert_allclose(inspector.probabilities(images.astype(np.float32) / 255), as_uint8, atol=1e-5)
    np.testing.assert_array_equal(inspector.probabilities(images[..., 0]), as_uint8)  # N×H×W for one channel
    with pytest.raises(ValueError, match="N×28×28×1"):
        inspector.probabilities(np.zeros((2, 32, 32, 1), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        inspector.probabilities(np.zeros((2, 28, 28, 1), np.int32))
    with pytest.raises(ValueError, match="needs an Autoencoder"):
        inspector.reconstruct(images)
    with pytest.raises(ValueError, match="needs a GAN"):
        inspector.generate(np.zeros((1, 100), np.float32))


def test_saliency_lights_up_the_digit_and_changes_with_training(trained_cnn, mnist5k) -> None:
    trainer, previews = trained_cnn
    untrained = Inspector(trainer.cfg, SHAPE, DIGITS)
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    inspector.load(previews[-1].weights)
    image = previews[-1].images[0]
    sal = inspector.saliency(image)
    assert sal.shape == (28, 28) and sal.dtype == np.float32
    assert sal.min() >= 0 and sal.max() == pytest.approx(1.0)
    ink = image[..., 0] > 128
    assert sal[ink].mean() > 2 * sal[~ink].mean()
    assert not np.allclose(untrained.saliency(image), sal, atol=0.05)
    assert not np.allclose(inspector.saliency(image, target=(int(previews[-1].labels[0]) + 1) % 10), sal)
    with pytest.raises(ValueError, match="between 0 and 9"):
        inspector.saliency(image, target=10)
    # Only the input gets a gradient: the model's own .grad stays as training left it.
    assert all(p.grad is None for p in inspector.task.modules["model"].parameters())


def test_examples_and_most_confused(trained_cnn, mnist5k) -> None:
    trainer, previews = trained_cnn
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    inspector.load(previews[-1].weights)
    images, labels = mnist5k.val_images[:300], mnist5k.val_labels[:300]
    predicted = inspector.probabilities(images).argmax(1)
    for true, pred in [(3, 3), (4, 9), (7, 1)]:
        found = inspector.examples(images, labels, true, pred, limit=5)
        expected = np.flatnonzero((labels == true) & (predicted == pred))[:5]
        np.testing.assert_array_equal(found, expected)
    assert len(inspector.examples(images, labels, 3, 3, limit=5)) == 5

    confusion = np.array([[50, 2, 0], [7, 40, 1], [0, 7, 30]])
    assert most_confused(confusion) == [(1, 0, 7), (2, 1, 7), (0, 1, 2), (1, 2, 1)]
    assert most_confused(confusion, k=1) == [(1, 0, 7)]
    assert most_confused(np.eye(3, dtype=int) * 5) == []


# --- convolutions ------------------------------------------------------------------------------------------


def test_filters_and_feature_maps(trained_cnn) -> None:
    trainer, previews = trained_cnn
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    inspector.load(previews[-1].weights)
    filters = inspector.conv_filters()
    assert filters.shape == (8, 3, 3) and filters.dtype == np.float32
    assert filters.min() == 0 and filters.max() == 1
    maps = inspector.feature_maps(previews[-1].images[0], max_maps=4)
    assert [name for name, _ in maps] == ["conv 1 (8×28×28)", "conv 2 (8×14×14)"]
    assert [m.shape for _, m in maps] == [(4, 28, 28), (4, 14, 14)]
    for _, m in maps:
        assert m.dtype == np.float32 and m.min() >= 0 and m.max() <= 1
    with pytest.raises(ValueError, match="no convolution layers"):
        Inspector(tiny("mlp"), SHAPE, DIGITS).conv_filters()
    with pytest.raises(ValueError, match="no convolution layers"):
        Inspector(tiny("mlp"), SHAPE, DIGITS).feature_maps(previews[-1].images[0])


def test_colour_filters_and_gan_discriminator_maps() -> None:
    colour = Inspector(tiny("cnn"), (32, 32, 3), ("a", "b"))
    assert colour.conv_filters().shape == (8, 3, 3, 3)
    gan = Inspector(tiny("gan"), SHAPE, DIGITS)
    image = gan.generate(np.ones((1, gan.latent_dim), np.float32))[0]
    maps = gan.feature_maps(image, module="discriminator", max_maps=16)
    assert [m.shape for _, m in maps] == [(8, 14, 14), (16, 7, 7)]
    assert gan.conv_filters("discriminator").shape == (8, 5, 5)
    with pytest.raises(ValueError, match="no part called 'model'"):
        gan.conv_filters()


# --- autoencoder -------------------------------------------------------------------------------------------


def test_latent_codes_decode_and_interpolate(mnist5k) -> None:
    trainer, previews = train(tiny("autoencoder"), mnist5k)
    inspector = Inspector(trainer.cfg, SHAPE, DIGITS)
    inspector.load(previews[-1].weights)
    images = previews[-1].images
    codes = inspector.latent_codes(images)
    assert codes.shape == (len(images), 2) and codes.dtype == np.float32
    recon = inspector.reconstruct(images)
    np.testing.assert_array_equal(inspector.decode(codes), recon)
    walk = inspector.interpolate_images(images[0], images[1], steps=7)
    assert walk.shape == (7, 28, 28, 1) and walk.dtype == np.uint8
    ends = inspector.reconstruct(images[:2])
    np.testing.assert_array_equal(walk[0], ends[0])
    np.testing.assert_array_equal(walk[-1], ends[1])
    assert not np.array_equal(walk[3], walk[0])
    with pytest.raises(ValueError, match="N×2"):
        inspector.decode(np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match="at least 2 steps"):
        inspector.interpolate_images(images[0], images[1], steps=1)


def test_latent_projection() -> None:
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(2, 8))
    codes = rng.normal(size=(200, 2)) @ plane + 3.0  # codes that lie on a plane, off the origin
    proj = LatentProjection().fit(codes)
    assert proj.explained == pytest.approx(1.0)
    xy = proj.project(codes)
    assert xy.shape == (200, 2)
    np.testing.assert_allclose(proj.unproject(xy), codes, atol=1e-4)
    np.testing.assert_allclose(proj.project(proj.unproject(xy[:5])), xy[:5], atol=1e-4)
    noisy = LatentProjection().fit(codes + rng.normal(scale=0.5, size=codes.shape))
    assert 0.3 < noisy.explained < 1.0

    two = LatentProjection().fit(codes[:, :2])
    np.testing.assert_array_equal(two.project(codes[:, :2]), codes[:, :2].astype(np.float32))
    np.testing.assert_array_equal(two.unproject(xy), xy)
    assert two.explained == 1.0
    with pytest.raises(ValueError, match="Fit the projection"):
        LatentProjection().project(codes)


# --- GAN ---------------------------------------------------------------------------------------------------


def test_gan_noise_walk_ends_at_its_noise() -> None:
    inspector = Inspector(tiny("gan"), SHAPE, DIGITS)
    z = np.random.default_rng(1).normal(size=(2, inspector.latent_dim)).astype(np.float32)
    walk = inspector.interpolate_noise(z[0], z[1], steps=5)
    assert walk.shape == (5, 28, 28, 1) and walk.dtype == np.uint8
    ends = inspector.generate(z)
    np.testing.assert_array_equal(walk[[0, -1]], ends)
    with pytest.raises(ValueError, match=f"N×{inspector.latent_dim}"):
        inspector.generate(np.zeros((2, 3), np.float32))


def test_gan_epoch_ends_carry_the_judges_class_counts(mnist5k) -> None:
    trainer = Trainer(tiny("gan", **{"train.max_steps": 4}), dataset=mnist5k)
    ends = [e for e in trainer.events() if isinstance(e, Metrics) and e.epoch_end]
    assert ends and ends[-1].class_counts is not None
    counts = ends[-1].class_counts
    assert counts.shape == (10,) and counts.sum() == trainer.cfg.gan.judge_samples
    assert ends[-1].values["judge_coverage"] == (counts >= 0.25 * counts.sum() / 10).sum()


# --- GIFs --------------------------------------------------------------------------------------------------


def test_save_gif_round_trip(tmp_path: Path) -> None:
    frames = [np.full((8, 10, 1), v, np.uint8) for v in (0, 120, 255)]
    path = save_gif(frames, tmp_path / "walk.gif", duration_ms=100)
    with Image.open(path) as gif:
        assert gif.n_frames == 3 and gif.size == (10, 8)
        assert gif.info["loop"] == 0 and gif.info["duration"] == 100
    colour = save_gif([np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 200, np.uint8)], tmp_path / "c.gif")
    with Image.open(colour) as gif:
        assert gif.n_frames == 2
    assert [p.name for p in tmp_path.iterdir()] and not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ValueError, match="at least one frame"):
        save_gif([], tmp_path / "none.gif")
    with pytest.raises(ValueError, match="one size"):
        save_gif([np.zeros((4, 4), np.uint8), np.zeros((5, 4), np.uint8)], tmp_path / "bad.gif")
