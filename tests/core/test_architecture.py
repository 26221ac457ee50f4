"""Models that do not fit their data: refused in one sentence before anything is built, or trained.

The property: for any CNN block list, image size, dataset size and batch size, the trainer either refuses the
config with one sentence (a VisionLabError) or one training step runs. Before the shape check, PyTorch's
"Output size is too small" and "Expected more than 1 value per channel" came out of the first step instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vision_lab.core.config import ExperimentConfig, TrainConfig
from vision_lab.core.data import ImageDataset
from vision_lab.core.errors import VisionLabError
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.trainer import Trainer


def tiny_dataset(h: int, w: int, c: int, n_train: int, n_val: int) -> ImageDataset:
    rng = np.random.default_rng(0)
    return ImageDataset(
        name="tiny",
        train_images=rng.integers(0, 256, (n_train, h, w, c), dtype=np.uint8),
        train_labels=np.arange(n_train) % 2,
        val_images=rng.integers(0, 256, (n_val, h, w, c), dtype=np.uint8),
        val_labels=np.arange(n_val) % 2,
        class_names=("a", "b"),
        source="test",
    )


def one_step(cfg: ExperimentConfig, ds: ImageDataset) -> str:
    """ "ok" when a step ran, else the refusal's sentence."""
    try:
        trainer = Trainer(cfg, dataset=ds)
        events = list(trainer.events())
    except VisionLabError as err:
        return str(err)
    assert events[-1].status == "completed", events[-1].message
    return "ok"


def is_one_sentence(text: str) -> bool:
    return "\n" not in text and text.endswith(".") and "Traceback" not in text and len(text) < 400


blocks = st.lists(
    st.builds(
        ConvBlock,
        channels=st.integers(1, 3),
        kernel=st.sampled_from([1, 3, 5, 7]),
        pool=st.booleans(),
        batch_norm=st.booleans(),
        padding=st.sampled_from(["same", "valid"]),
    ),
    min_size=1,
    max_size=6,
).map(tuple)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    blocks=blocks,
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    c=st.sampled_from([1, 3]),
    n_train=st.integers(1, 5),
    n_val=st.integers(0, 2),
    batch=st.integers(1, 4),
)
def test_any_cnn_on_any_image_size_is_refused_in_one_sentence_or_trains(
    blocks: tuple[ConvBlock, ...], h: int, w: int, c: int, n_train: int, n_val: int, batch: int
) -> None:
    cfg = ExperimentConfig(
        model="cnn",
        cnn=CNNConfig(blocks=blocks, dense=(4,), dropout=0.0),
        train=TrainConfig(epochs=1, batch_size=batch, max_steps=1, augment_shift=0, device="cpu"),
    )
    result = one_step(cfg, tiny_dataset(h, w, c, n_train, n_val))
    assert result == "ok" or is_one_sentence(result), result


CASES = [
    # (blocks, image side, the sentence's fragments)
    ([ConvBlock(4, kernel=7, padding="valid", pool=False)] * 5, 28, ("Block 5's 7×7 kernel", "block 4 leaves 4×4")),
    ([ConvBlock(4, kernel=3, padding="valid")] * 3, 8, ("Block 2's 2×2 pool", "gets 1×1")),
    ([ConvBlock(4, kernel=5, padding="valid")], 3, ("Block 1's 5×5 kernel", "the images are 3×3")),
    ([ConvBlock(4)] * 3, 4, ("Block 3's 2×2 pool", "gets 1×1")),
]


@pytest.mark.parametrize(("blocks", "side", "fragments"), CASES)
def test_the_block_that_does_not_fit_is_named(blocks: list[ConvBlock], side: int, fragments: tuple[str, ...]) -> None:
    cfg = ExperimentConfig(model="cnn", cnn=CNNConfig(blocks=tuple(blocks), dense=()), train=TrainConfig(max_steps=1))
    message = one_step(cfg, tiny_dataset(side, side, 1, 4, 2))
    assert is_one_sentence(message), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_batch_norm_needs_two_values_per_channel() -> None:
    mlp = ExperimentConfig(model="mlp", mlp=MLPConfig(hidden=(4,)), train=TrainConfig(batch_size=1, max_steps=1))
    assert "at least 2 images per batch" in one_step(mlp, tiny_dataset(8, 8, 1, 4, 0))
    # A CNN's batch norm normalises over the map too: one image of 8×8 is 64 values per channel.
    cnn = ExperimentConfig(
        model="cnn",
        cnn=CNNConfig(blocks=(ConvBlock(2, batch_norm=True, pool=False),), dense=()),
        train=TrainConfig(batch_size=1, max_steps=1),
    )
    assert one_step(cnn, tiny_dataset(8, 8, 1, 1, 0)) == "ok"
    # ...but a 1×1 map is one value: refused, naming the block.
    assert "block 1 of the CNN" in one_step(cnn, tiny_dataset(1, 1, 1, 3, 0))


def test_a_gan_on_images_too_small_for_its_judge_trains_without_one() -> None:
    from vision_lab.core.config import default_config
    from vision_lab.core.families.gan import GANConfig

    cfg = default_config(
        "gan",
        gan=GANConfig(g_width=8, d_width=4, judge_samples=10),
        train=TrainConfig(max_steps=2, batch_size=4, epochs=1),
    )
    trainer = Trainer(cfg, dataset=tiny_dataset(4, 4, 1, 8, 2))
    finished = list(trainer.events())[-1]
    assert finished.status == "completed"
    assert finished.warnings == ("The GAN judge's network does not fit images this small, so this run has no judge "
                                 "figures.",)  # fmt: skip
    assert "judge_confidence" not in finished.summary
