"""Engine vs bare PyTorch, alternating in one process so machine drift hits both alike."""

from __future__ import annotations

import importlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from vision_lab.bench.bare import BareLoop
from vision_lab.core import families
from vision_lab.core.config import article_config, with_overrides
from vision_lab.core.data import load_dataset
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Event, Metrics
from vision_lab.core.trainer import Trainer


@dataclass
class BenchRow:
    model: str
    batch_size: int
    engine_samples_per_s: float
    bare_samples_per_s: float
    ratio: float
    first_metric_s: float
    """From building the trainer (data already loaded) to its first metric event."""
    keras_samples_per_s: float | None = None
    """The article's Keras code (``--keras PYTHON``), alternated with the two loops above."""
    engine_vs_keras: float | None = None


class KerasReference:
    """``vision_lab/bench/keras_article.py --serve`` in another Python (one with TensorFlow), asked for segments."""

    def __init__(self, python: str) -> None:
        script = Path(__file__).with_name("keras_article.py")
        try:
            self.proc = subprocess.Popen(
                [python, str(script), "--serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as err:
            raise ConfigError(f"--keras: cannot run '{python}' ({err.strerror or err}).") from None
        self.info = self._answer(python)

    def _answer(self, python: str) -> dict:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        try:
            return json.loads(line)
        except ValueError:
            self.proc.kill()
            err = (self.proc.stderr.read() if self.proc.stderr else "").strip().splitlines()
            why = err[-1] if err else "no answer"
            raise ConfigError(f"--keras: '{python}' cannot run the Keras reference ({why}).") from None

    def segment(self, model: str, batch_size: int, seconds: float) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"model": model, "batch_size": batch_size, "seconds": seconds}) + "\n")
        self.proc.stdin.flush()
        return float(self._answer("the Keras process")["samples_per_s"])

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(30)


def _bare_segment(loop: BareLoop, seconds: float) -> float:
    steps, chunk = 0, 2
    t0 = time.perf_counter()
    while (elapsed := time.perf_counter() - t0) < seconds:
        loop.run(chunk)
        steps += chunk
        chunk = min(chunk * 2, 64)
    return steps * loop.bs / elapsed


def _engine_segment(events: Iterator[Event], seconds: float, batch_size: int) -> float:
    """Pull events until ``seconds`` of training lie between two metric events; samples/s between them."""
    start = next(e for e in events if isinstance(e, Metrics))
    t0, s0 = time.perf_counter(), start.step
    while True:
        event = next(events)
        if isinstance(event, Metrics) and (elapsed := time.perf_counter() - t0) >= seconds:
            return (event.step - s0) * batch_size / elapsed


def bench(
    models: Sequence[str], batch_sizes: Sequence[int], seconds: float, rounds: int = 4, keras: str | None = None
) -> tuple[list[BenchRow], dict]:
    """``rounds`` alternating segments of ``seconds`` each side; samples/s are means over the rounds.

    ``keras``: a Python with TensorFlow; its Keras segments then alternate with the engine's and the bare loop's
    (while Keras trains this process waits, so each side has the cores to itself).
    """
    reference = KerasReference(keras) if keras else None
    t = time.perf_counter()
    ds = load_dataset("mnist-5k")
    load_s = time.perf_counter() - t
    # A process's first optimizer step imports torch._dynamo (~1.2 s here). The app does that at start-up,
    # before anyone can press Start; timed apart so "first metric" is what a user waits for after Start.
    t = time.perf_counter()
    importlib.import_module("torch._dynamo")

    dynamo_s = time.perf_counter() - t
    rows = []
    for model in models:
        # A family that learns from masks or boxes trains on its own dataset (scenes); the others on mnist-5k.
        target = families.get(model).target
        data = ds if target in ("class", "none") else load_dataset(article_config(model).data.name)
        x01 = torch.from_numpy(data.train_images).permute(0, 3, 1, 2).float().div(255).contiguous()
        y = torch.from_numpy(data.target_arrays(target)[0])
        y = y.long() if target in ("class", "none") else y
        for bs in batch_sizes:
            cfg = with_overrides(article_config(model), **{"train.batch_size": bs, "train.epochs": 10_000})
            t = time.perf_counter()
            trainer = Trainer(cfg, dataset=data)
            events = trainer.events()
            first = next(e for e in events if isinstance(e, Metrics))
            first_metric_s = time.perf_counter() - t
            del first
            loop = BareLoop(model, x01, y, bs, cfg)
            loop.run(3)  # warm-up: allocator, oneDNN primitives
            bare, engine, ker = [], [], []
            for _ in range(rounds):
                bare.append(_bare_segment(loop, seconds))
                engine.append(_engine_segment(events, seconds, bs))
                if reference is not None:
                    ker.append(reference.segment(model, bs, seconds))
            events.close()
            b, e = sum(bare) / len(bare), sum(engine) / len(engine)
            row = BenchRow(model, bs, round(e, 1), round(b, 1), round(e / b, 3), round(first_metric_s, 3))
            if ker:
                k = sum(ker) / len(ker)
                row.keras_samples_per_s, row.engine_vs_keras = round(k, 1), round(e / k, 3)
            rows.append(row)
    if reference is not None:
        reference.close()
    extra = {
        "mnist5k_load_s": round(load_s, 3),
        "dynamo_import_s": round(dynamo_s, 3),
        "rounds": rounds,
        "seconds": seconds,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "keras": reference.info if reference is not None else None,
    }
    return rows, extra


def main(models: Sequence[str] | None = None, batch_sizes: Sequence[int] = (32, 128), seconds: float = 2.0,
         as_json: bool = False, rounds: int = 4, keras: str | None = None) -> int:  # fmt: skip
    rows, extra = bench(models or families.names(), batch_sizes, seconds, rounds, keras)
    if as_json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    head = f"{'model':<12} {'batch':>5} {'engine/s':>10} {'bare/s':>10} {'ratio':>6} {'first metric':>13}"
    print(head + (f" {'keras/s':>10} {'vs keras':>8}" if keras else ""))
    for r in rows:
        line = (
            f"{r.model:<12} {r.batch_size:>5} {r.engine_samples_per_s:>10,.0f} {r.bare_samples_per_s:>10,.0f} "
            f"{r.ratio:>6.3f} {r.first_metric_s:>12.2f}s"
        )
        if r.keras_samples_per_s is not None:
            line += f" {r.keras_samples_per_s:>10,.0f} {r.engine_vs_keras:>8.3f}"
        print(line)
    print(
        f"mnist-5k load {extra['mnist5k_load_s']:.2f}s, peak RSS {extra['peak_rss_mb']:.0f} MB, "
        f"torch {extra['torch']}, {extra['threads']} threads; {extra['rounds']} alternating rounds of "
        f"{extra['seconds']:g} s each side; one-time torch._dynamo import {extra['dynamo_import_s']:.2f}s "
        "(the app does it at start-up)"
        + (f"; TensorFlow {extra['keras'].get('tensorflow')}, Keras {extra['keras'].get('keras')}" if keras else ""),
        file=sys.stdout,
    )
    return 0
