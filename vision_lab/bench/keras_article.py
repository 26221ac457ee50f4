"""The article's Keras code, timed the way `vision-lab bench` times the engine (not part of Vision Lab).

Run it with a Python that has TensorFlow, in its own virtual environment (TensorFlow is no dependency of
Vision Lab, and this file imports neither torch nor vision_lab)::

    python -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install "tensorflow-cpu==2.21.*"
    /tmp/kerasenv/bin/python vision_lab/bench/keras_article.py [--seconds 6] [--batch-sizes 32,128] [--json]

Data as in the bench: 4,500 of the bundled mnist-5k images (as many as its training split),
same shapes and optimizers as ``vision_lab/bench/bare.py``: MLP 784-64-10, CNN conv32 3×3 -> maxpool 2 ->
dense 64 -> 10 (``model.fit``, Adam 1e-3), autoencoder 784-64-784 (``model.fit``, MSE), and the DCGAN of the
TensorFlow tutorial the article follows (a ``tf.function`` train step with GradientTape, Adam 2e-4, β₁ 0.5).
Each model is warmed up (graph tracing) for one epoch, then timed over whole epochs for at least ``--seconds``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf
from tensorflow import keras

DATA = Path(__file__).resolve().parents[2] / "resources" / "data" / "mnist-5k"
TRAIN = 4500


def load() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(DATA / "train-images-idx3-ubyte.gz") as fh:
        x = np.frombuffer(fh.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    with gzip.open(DATA / "train-labels-idx1-ubyte.gz") as fh:
        y = np.frombuffer(fh.read(), np.uint8, offset=8)
    return (x[:TRAIN].astype("float32") / 255.0), y[:TRAIN].astype("int64")


def mlp() -> keras.Model:
    return keras.Sequential(
        [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(64, "relu"), keras.layers.Dense(10)]
    )


def cnn() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(64, "relu"),
            keras.layers.Dense(10),
        ]
    )


def autoencoder() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(64),
            keras.layers.Dense(784, "sigmoid"),
            keras.layers.Reshape((28, 28, 1)),
        ]
    )


def generator() -> keras.Model:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((100,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(0.2),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh"),
        ]
    )


def discriminator() -> keras.Model:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )


class FitLoop:
    """One classifier or autoencoder, compiled and warmed up; ``run`` trains whole epochs with ``model.fit``."""

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, bs: int) -> None:
        self.model = {"mlp": mlp, "cnn": cnn, "autoencoder": autoencoder}[name]()
        if name == "autoencoder":
            self.model.compile(keras.optimizers.Adam(1e-3), "mse")
            self.target = x
        else:
            loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            self.model.compile(keras.optimizers.Adam(1e-3), loss)
            self.target = y
        self.x, self.bs = x, bs
        self.model.fit(x, self.target, batch_size=bs, epochs=1, verbose=0)  # tracing, allocator warm-up

    def run(self, seconds: float) -> float:
        epochs, t0 = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            self.model.fit(self.x, self.target, batch_size=self.bs, epochs=1, verbose=0)
            epochs += 1
        return epochs * len(self.x) / elapsed


class GANLoop:
    """The TensorFlow DCGAN tutorial's train step; ``run`` trains batches for ``seconds``."""

    def __init__(self, x: np.ndarray, bs: int) -> None:
        g, d = generator(), discriminator()
        g_opt, d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
        bce = keras.losses.BinaryCrossentropy(from_logits=True)

        @tf.function
        def train_step(real: tf.Tensor) -> None:
            noise = tf.random.normal([tf.shape(real)[0], 100])
            with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
                fake = g(noise, training=True)
                real_out, fake_out = d(real, training=True), d(fake, training=True)
                g_loss = bce(tf.ones_like(fake_out), fake_out)
                d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
            g_grads = g_tape.gradient(g_loss, g.trainable_variables)
            d_grads = d_tape.gradient(d_loss, d.trainable_variables)
            g_opt.apply_gradients(zip(g_grads, g.trainable_variables, strict=True))
            d_opt.apply_gradients(zip(d_grads, d.trainable_variables, strict=True))

        self.step, self.bs = train_step, bs
        images = tf.constant(x * 2.0 - 1.0)
        self.dataset = tf.data.Dataset.from_tensor_slices(images).shuffle(len(x)).batch(bs, drop_remainder=True)
        for batch in self.dataset.take(3):  # tracing
            train_step(batch)

    def run(self, seconds: float) -> float:
        steps, t0 = 0, time.perf_counter()
        while True:
            for batch in self.dataset:
                self.step(batch)
                steps += 1
                if (elapsed := time.perf_counter() - t0) >= seconds:
                    return steps * self.bs / elapsed


def serve(x: np.ndarray, y: np.ndarray) -> None:
    """For ``vision-lab bench --keras PYTHON``: one JSON request per line on stdin, one answer per line.

    ``{"model": "cnn", "batch_size": 32, "seconds": 2}`` -> ``{"samples_per_s": 5321.0}``; models stay built and
    warm between requests, so the bench can alternate Keras segments with its own in one run.
    """
    loops: dict[tuple[str, int], FitLoop | GANLoop] = {}
    print(json.dumps({"ready": True, "tensorflow": tf.__version__, "keras": keras.__version__}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        key = (str(req["model"]), int(req["batch_size"]))
        if key not in loops:
            loops[key] = GANLoop(x, key[1]) if key[0] == "gan" else FitLoop(key[0], x, y, key[1])
        print(json.dumps({"samples_per_s": round(loops[key].run(float(req["seconds"])), 1)}), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--batch-sizes", default="32,128")
    p.add_argument("--models", default="mlp,cnn,autoencoder,gan")
    p.add_argument("--json", action="store_true")
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    x, y = load()
    if args.serve:
        serve(x, y)
        return
    rows = []
    for name in args.models.split(","):
        for bs in (int(b) for b in args.batch_sizes.split(",")):
            loop = GANLoop(x, bs) if name == "gan" else FitLoop(name, x, y, bs)
            rate = loop.run(args.seconds)
            rows.append({"model": name, "batch_size": bs, "keras_samples_per_s": round(rate, 1)})
            if not args.json:
                print(f"{name:<12} {bs:>5} {rate:>10,.0f}", flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
