"""Exports of tiny real runs, checked here independently of the export's own check."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from vision_lab.core.config import default_config, with_overrides
from vision_lab.core.errors import ExportError, RunError
from vision_lab.core.export import ONNX_MISSING, check_inputs, export_run, exported_module
from vision_lab.core.families.autoencoder import AutoencoderConfig
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.inference import load_run_models
from vision_lab.core.trainer import Trainer

FAMILIES = ("mlp", "cnn", "autoencoder", "gan")  # the built-in four, each with a tiny setup below
TINY = {
    "mlp": {"mlp": MLPConfig(hidden=(32,), dropout=0.1)},
    "cnn": {"cnn": CNNConfig(blocks=(ConvBlock(8, batch_norm=True), ConvBlock(8, dropout=0.1)), dense=(16,))},
    "autoencoder": {"autoencoder": AutoencoderConfig(variant="conv", latent_dim=4, conv_channels=(4, 8))},
    "gan": {"gan": GANConfig(g_width=16, d_width=8, judge_samples=20)},
}
# As in test_resume: the GAN's judge for these shapes is trained once per session, in about a second.
GAN_DATA = {"data.name": "shapes", "data.count": 160, "data.image_size": 8, "data.limit": 128}
TOL = 1e-5


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One trained run per family (an epoch of 4 steps: batch norm statistics and weights away from their init)."""
    from vision_lab.core.data import load_dataset

    mnist = load_dataset("mnist-5k")
    root = tmp_path_factory.mktemp("export-runs")
    out = {}
    for family in FAMILIES:
        cfg = dataclasses.replace(default_config(family), **TINY[family])
        data = GAN_DATA if family == "gan" else {"data.limit": 128}
        cfg = with_overrides(cfg, **{**data, "data.val_limit": 40, "train.epochs": 1, "train.batch_size": 32})
        for _ in Trainer(cfg, dataset=None if family == "gan" else mnist, run_dir=root / family).events():
            pass
        out[family] = root / family
    return out


def reference(run_dir: Path, n: int = 5) -> tuple[torch.nn.Module, torch.Tensor]:
    """PyTorch's module and a batch unlike the export's own check batch (another size, other images)."""
    loaded = load_run_models(run_dir)
    inputs, _ = check_inputs(loaded, 8 + n)
    return exported_module(loaded)[1], inputs[8:]


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("family", FAMILIES)
def test_torchscript_and_onnx_match_pytorch(family: str, runs: dict[str, Path], tmp_path: Path) -> None:
    import onnx
    import onnxruntime

    module, x = reference(runs[family])
    with torch.no_grad():
        expected = module(x)

    ts = export_run(runs[family], "torchscript", tmp_path / "model")
    assert ts.path == tmp_path / "model.pt" and ts.max_abs_diff is not None and ts.max_abs_diff <= TOL
    assert ts.checked_on == ("8 noise vectors" if family == "gan" else "8 validation images")
    assert ts.module == ("generator_ema" if family == "gan" else "model")
    traced = torch.jit.load(str(ts.path))
    with torch.no_grad():
        assert (traced(x) - expected).abs().max() <= TOL
        if family == "autoencoder":  # the halves ship as methods
            z = module.encode(x)
            assert (traced.encode(x) - z).abs().max() <= TOL
            assert (traced.decode(z) - module.decode(z)).abs().max() <= TOL

    ox = export_run(runs[family], "onnx", tmp_path / "model.onnx")
    assert ox.max_abs_diff is not None and ox.max_abs_diff <= TOL
    proto = onnx.load(str(ox.path))
    assert proto.opset_import[0].version >= 17
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["family"] == family and json.loads(meta["value_range"]) == ([-1, 1] if family == "gan" else [0, 1])
    session = onnxruntime.InferenceSession(str(ox.path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert np.abs(got - expected.numpy()).max() <= TOL
    print(f"{family}: TorchScript {ts.max_abs_diff:.2g}, ONNX {ox.max_abs_diff:.2g}")


def test_scripts_rebuild_every_family_without_vision_lab(runs: dict[str, Path], tmp_path: Path) -> None:
    expected = {}
    for family in FAMILIES:
        result = export_run(runs[family], "script", tmp_path / family)
        assert result.files == (tmp_path / f"{family}.py", tmp_path / f"{family}.safetensors")
        assert result.max_abs_diff == 0.0
        source = result.path.read_text()
        assert "vision_lab" not in source
        module, x = reference(runs[family])
        np.save(tmp_path / f"{family}-in.npy", x.numpy())
        with torch.no_grad():
            expected[family] = module(x).numpy()
    # One interpreter runs the four scripts as `python script.py --input .. --output ..` would, with vision_lab
    # made unimportable, so a stray import would fail.
    code = (
        "import runpy, sys\n"
        "sys.modules['vision_lab'] = None\n"
        f"for f in {list(FAMILIES)!r}:\n"
        f"    sys.argv = [f + '.py', '--input', f + '-in.npy', '--output', f + '-out.npy']\n"
        "    runpy.run_path(f + '.py', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "image 0:" in done.stdout and "reconstructed 5 images" in done.stdout and "generated 5 images" in done.stdout
    for family in FAMILIES:
        np.testing.assert_allclose(np.load(tmp_path / f"{family}-out.npy"), expected[family], rtol=0, atol=TOL)


def test_weights_and_metrics(runs: dict[str, Path], tmp_path: Path) -> None:
    gan = export_run(runs["gan"], "safetensors", tmp_path)  # a folder: the file is named after the run
    assert gan.path == tmp_path / "gan.safetensors" and gan.max_abs_diff is None
    module, _ = reference(runs["gan"])
    weights = load_file(str(gan.path))
    assert weights.keys() == module.state_dict().keys()  # the EMA generator's own keys, no prefix
    assert all(torch.equal(weights[k], v) for k, v in module.state_dict().items())
    with safe_open(str(gan.path), framework="pt") as fh:
        assert json.loads(fh.metadata()["image_shape"]) == [3, 8, 8]
    csv = export_run(runs["mlp"], "csv", tmp_path / "metrics.csv")
    assert csv.path.read_text() == (runs["mlp"] / "metrics.csv").read_text()


def test_export_mistakes_say_what_is_wrong(runs: dict[str, Path], tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(ExportError, match="Unknown export format 'pickle'"):
        export_run(runs["mlp"], "pickle", tmp_path / "x")
    with pytest.raises(ExportError, match=r"must end in \.onnx, got 'x\.pt'"):
        export_run(runs["mlp"], "onnx", tmp_path / "x.pt")
    with pytest.raises(RunError, match="does not exist"):
        export_run(tmp_path / "nothing", "torchscript", tmp_path / "x.pt")
    # A check that fails leaves nothing behind.
    with pytest.raises(ExportError, match=r"differs from PyTorch by up to .* so it was not kept"):
        export_run(runs["cnn"], "script", tmp_path / "s.py", tolerance=-1.0)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if the onnx extra were not installed
    with pytest.raises(ExportError) as err:
        export_run(runs["mlp"], "onnx", tmp_path / "x.onnx")
    assert str(err.value) == ONNX_MISSING == "ONNX export needs the onnx extra: pip install 'vision-lab[onnx]'."
