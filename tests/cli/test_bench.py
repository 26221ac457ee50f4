"""The benchmark runs and prints the documented JSON shape (figures themselves are never asserted)."""

from __future__ import annotations

import json

from test_cli import cli  # same folder: pytest puts it on sys.path


def test_bench_json_shape() -> None:
    result = cli(
        "bench", "--json", "--models", "mlp,autoencoder", "--batch-sizes", "16", "--seconds", "0.2", "--rounds", "1"
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["model"], r["batch_size"]) for r in rows] == [("mlp", 16), ("autoencoder", 16)]
    for row in rows:
        assert {"model", "batch_size", "engine_samples_per_s", "bare_samples_per_s", "ratio"} <= row.keys()
        assert row["engine_samples_per_s"] > 0 and row["bare_samples_per_s"] > 0
        assert (
            row["ratio"] == round(row["engine_samples_per_s"] / row["bare_samples_per_s"], 3)
            or abs(row["ratio"] - row["engine_samples_per_s"] / row["bare_samples_per_s"]) < 0.01
        )


def test_bench_rejects_bad_arguments() -> None:
    bad = (["--models", "rnn"], ["--batch-sizes", "0"], ["--batch-sizes", "x"], ["--seconds", "-1"], ["--rounds", "0"])
    for args in bad:
        result = cli("bench", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    # --inspect picks the Inspect view in front during the GUI runs: it needs --gui, and a view that exists.
    result = cli("bench", "--inspect", "overview")
    assert result.returncode == 2 and "--inspect needs --gui" in result.stderr, result.stderr
    result = cli("bench", "--gui", "--models", "cnn", "--inspect", "nothing")
    assert result.returncode == 2 and "no Inspect view called 'nothing'" in result.stderr, result.stderr
    assert "overview" in result.stderr


def test_bench_keras_reference_that_cannot_run_is_one_sentence(tmp_path) -> None:
    """--keras needs a Python with tensorflow; this environment has none (TensorFlow is no dependency)."""
    import sys

    for python, expected in ((str(tmp_path / "no-python"), "cannot run"), (sys.executable, "Keras reference")):
        result = cli("bench", "--keras", python, "--models", "mlp", "--seconds", "0.2", "--rounds", "1")
        assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
