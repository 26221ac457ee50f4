"""Does it really learn? Default settings, real data, the figures the issue asks for.

These train for real (seconds to minutes on 2 CPU cores); deselect with ``-m "not slow"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vision_lab.core.config import default_config, with_overrides
from vision_lab.core.data import load_dataset
from vision_lab.core.trainer import run_to_end

pytestmark = pytest.mark.slow

FASHION = Path("/usr/share/datasets/fashion-mnist")


def test_cnn_reaches_97_percent_on_mnist5k_in_5_epochs(mnist5k) -> None:
    finished = run_to_end(default_config("cnn", **{}), dataset=mnist5k)
    assert finished.summary["epochs"] == 5
    assert finished.summary["val_accuracy"] >= 0.97


def test_mlp_reaches_94_percent_on_mnist5k_in_5_epochs(mnist5k) -> None:
    finished = run_to_end(default_config("mlp"), dataset=mnist5k)
    assert finished.summary["epochs"] == 5
    assert finished.summary["val_accuracy"] >= 0.94


@pytest.mark.skipif(
    not (FASHION / "t10k-images-idx3-ubyte.gz").is_file(), reason="Debian's dataset-fashion-mnist absent"
)
def test_cnn_reaches_88_percent_on_full_fashion_mnist_in_2_epochs() -> None:
    ds = load_dataset("fashion-mnist")
    assert len(ds.train_images) == 60000 and len(ds.val_images) == 10000
    cfg = with_overrides(default_config("cnn"), **{"data.name": "fashion-mnist", "train.epochs": 2})
    finished = run_to_end(cfg, dataset=ds)
    assert finished.summary["val_accuracy"] >= 0.88


def test_autoencoder_reconstructs_mnist5k(mnist5k, tmp_path: Path) -> None:
    from vision_lab.core.events import Preview
    from vision_lab.core.trainer import Trainer

    trainer = Trainer(default_config("autoencoder"), dataset=mnist5k, run_dir=tmp_path / "ae")
    events = list(trainer.events())
    mse = events[-1].summary["val_mse"]
    assert mse < 0.02  # an all-mean-image guess scores about 0.067
    preview = [e for e in events if isinstance(e, Preview)][-1]
    # Each reconstruction is closer to its own input than to any other input of the batch.
    a = preview.images.reshape(len(preview.images), -1).astype(np.float32)
    b = preview.outputs.reshape(len(preview.outputs), -1).astype(np.float32)
    dist = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    assert (dist.argmin(0) == np.arange(len(a))).all()
    assert (tmp_path / "ae" / "preview-reconstructions.png").is_file()


@pytest.mark.timeout(1800)  # about 6 minutes alone on 2 cores; room for a busy machine
def test_default_gan_makes_digits_the_judge_recognises(mnist5k, tmp_path: Path) -> None:
    """Default GAN, 20 epochs (about 6 minutes on 2 cores): judge confidence >= 0.75, >= 8 of 10 classes.

    A GAN's trajectory is chaotic: a change in float rounding alone (session 5's spectral and single-channel
    layers) moved this seed's final confidence from above 0.8 to 0.776. Measured after that change, seeds 0, 1, 2:
    0.776, 0.813, 0.801, every one 10/10 classes, each curve rising from 0.52–0.69 after the first epoch to a
    plateau of 0.78–0.81 from epoch 10 on. The bound sits under that plateau rather than inside it; an untrained
    or collapsed generator stays far from it (collapse shows as coverage: one class at epoch 1 of seed 2).
    """
    finished = run_to_end(default_config("gan"), dataset=mnist5k, run_dir=tmp_path / "gan")
    assert finished.summary["epochs"] == 20
    assert finished.summary["judge_confidence"] >= 0.75
    assert finished.summary["judge_coverage"] >= 8
