"""Issue 7's bad-input catalogue for the CLI: each mistake exits with 2 and one sentence naming it, no traceback.

Most cases call :func:`vision_lab.cli.main` in this process (the same function ``python -m vision_lab`` runs;
a subprocess per case would cost a torch import each); a few go through a real process to show that holds there.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vision_lab.cli import main
from vision_lab.core.data import load_dataset
from vision_lab.core.data.idx import write_idx


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_sentence(code: int, stderr: str, *fragments: str) -> str:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("vision-lab: error: ") and line.endswith("."), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# --- settings: flags, --set and config files ------------------------------------------------------------

SETTINGS: list[tuple[list[str], tuple[str, ...]]] = [
    # zero and negative sizes
    (["--batch-size", "0"], ("train.batch_size", "between 1 and 65536", "got 0")),
    (["--batch-size", "-3"], ("train.batch_size", "got -3")),
    (["--epochs", "0"], ("train.epochs", "between 1 and 100000", "got 0")),
    (["--epochs", "-1"], ("train.epochs", "got -1")),
    (["--model", "mlp", "--set", "mlp.hidden=[0]"], ("mlp.hidden", "between 1 and 16384", "got 0")),
    (["--model", "mlp", "--set", "mlp.hidden=[64,-4]"], ("mlp.hidden", "got -4")),
    (["--set", "cnn.dense=[0]"], ("cnn.dense", "got 0")),
    (["--model", "autoencoder", "--set", "autoencoder.latent_dim=0"], ("autoencoder.latent_dim", "got 0")),
    (["--model", "gan", "--set", "gan.latent_dim=0"], ("gan.latent_dim", "got 0")),
    (["--limit", "0"], ("data.limit", "got 0")),
    (["--max-steps", "0"], ("train.max_steps", "got 0")),
    # absurd values (whole numbers are written out in full, not as 1e+09)
    (["--batch-size", "1000000000"], ("train.batch_size", "got 1000000000")),
    (["--epochs", "1000000000"], ("train.epochs", "got 1000000000")),
    (["--set", "train.epochs=1e9"], ("train.epochs", "got 1000000000")),
    (["--lr", "1e9"], ("optim.lr", "absurdly large", "at most 10")),
    (["--lr", "nan"], ("optim.lr", "positive number")),
    (["--set", "mlp.hidden=[1e9]"], ("mlp.hidden", "got 1000000000")),
    (["--set", "train.seed=-1"], ("train.seed", "between 0 and 9223372036854775807", "got -1")),
    (["--set", "data.val_fraction=2"], ("data.val_fraction", "between 0 and 0.9")),
    # text where a number belongs
    (["--set", "optim.lr=abc"], ("optim.lr must be a number", "'abc'")),
    (["--set", "train.batch_size=abc"], ("train.batch_size must be a whole number", "'abc'")),
    (["--set", "train.epochs=2.5"], ("train.epochs must be a whole number", "2.5")),
    (["--set", "mlp.hidden=64"], ("mlp.hidden must be a list",)),
    (["--lr", "abc"], ("--lr", "invalid float value", "'abc'")),
    (["--batch-size", "ten"], ("--batch-size", "invalid int value", "'ten'")),
    # unknown settings and malformed --set
    (["--set", "optim.learning_rate=0.1"], ("Unknown setting 'optim.learning_rate'",)),
    (["--set", "optim.lr"], ("--set takes KEY=VALUE",)),
    # empty names and paths
    (["--dataset", ""], ("dataset name is empty",)),
    (["--config", ""], ("--config", "the path is empty")),
]


@pytest.mark.parametrize(("args", "fragments"), SETTINGS, ids=[" ".join(a) for a, _ in SETTINGS])
def test_bad_settings(args: list[str], fragments: tuple[str, ...], tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    code, stdout, stderr = run_main(capsys, "train", *args, "--out", str(out))
    assert_one_sentence(code, stderr, *fragments)
    assert stdout == "" and not out.exists()


CONFIGS: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("malformed", b'{"model": "mlp" "train": {}}', ("not valid JSON", "line 1")),
    ("truncated", b'{"model": "mlp", "train": {"epo', ("not valid JSON",)),
    ("empty file", b"", ("not valid JSON",)),
    ("binary", b"\xff\xfe\x00\x81garbage", ("not UTF-8 text",)),
    ("a list", b"[1, 2]", ("must be a JSON object",)),
    ("wrong type", b'{"train": {"epochs": "ten"}}', ("train.epochs must be a whole number", "'ten'")),
    ("wrong nested type", b'{"mlp": {"hidden": 64}}', ("mlp.hidden must be a list",)),
    ("bool for int", b'{"train": {"batch_size": true}}', ("train.batch_size must be a whole number",)),
    ("section not object", b'{"optim": 3}', ("optim must be a JSON object",)),
    ("unknown key", b'{"optim": {"learning_rate": 0.1}}', ("Unknown config key optim.learning_rate", "known: ")),
    ("unknown top key", b'{"trian": {}}', ("Unknown config key trian",)),
    ("future version", b'{"version": 3, "model": "mlp"}', ("newer Vision Lab", "format 3", "format 2")),
    # A newer format may well have keys we do not know: the version is what to report, not the key.
    ("future version, new keys", b'{"version": 7, "hologram": {}}', ("newer Vision Lab", "format 7")),
    ("version as text", b'{"version": "2"}', ("version must be a whole number",)),
    ("zero batch", b'{"train": {"batch_size": 0}}', ("train.batch_size", "got 0")),
]


@pytest.mark.parametrize(("content", "fragments"), [c[1:] for c in CONFIGS], ids=[c[0] for c in CONFIGS])
def test_bad_config_files(content: bytes, fragments: tuple[str, ...], tmp_path: Path, capsys) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(content)
    code, _, stderr = run_main(capsys, "train", "--config", str(path), "--out", str(tmp_path / "run"))
    assert_one_sentence(code, stderr, *fragments)
    assert not (tmp_path / "run").exists()


def test_old_config_without_version_still_loads(tmp_path: Path) -> None:
    from vision_lab.core.config import CONFIG_VERSION, ExperimentConfig

    path = tmp_path / "old.json"
    path.write_text('{"model": "mlp", "train": {"epochs": 3}}')  # written before configs carried a version
    cfg = ExperimentConfig.load(path)
    assert (cfg.model, cfg.train.epochs, cfg.version) == ("mlp", 3, CONFIG_VERSION)


def test_config_paths_missing_and_a_folder(tmp_path: Path, capsys) -> None:
    code, _, stderr = run_main(capsys, "train", "--config", str(tmp_path / "nope.json"))
    assert_one_sentence(code, stderr, "nope.json", "does not exist")
    code, _, stderr = run_main(capsys, "train", "--config", str(tmp_path))
    assert_one_sentence(code, stderr, str(tmp_path), "is a folder")


# --- datasets given as paths ------------------------------------------------------------------------------


def _idx_pair(folder: Path, n: int = 10) -> Path:
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((n, 28, 28), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(n, np.uint8))
    return folder / "train-images-idx3-ubyte"


def _truncated_idx(root: Path) -> Path:
    images = _idx_pair(root / "idx")
    images.write_bytes(images.read_bytes()[:-50])
    return root / "idx"


def _wrong_magic_idx(root: Path) -> Path:
    images = _idx_pair(root / "idx")
    images.write_bytes(b"\x08\x03" + images.read_bytes()[2:])
    return root / "idx"


def _huge_claim_idx(root: Path) -> Path:
    images = _idx_pair(root / "idx")
    images.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">3I", 10**9, 28, 28) + bytes(100))
    return root / "idx"


def _empty_idx(root: Path) -> Path:
    _idx_pair(root / "idx").write_bytes(b"")
    return root / "idx"


def _folder_where_idx_file_belongs(root: Path) -> Path:
    # Unreadable even for root (who ignores chmod 000): a folder where the images file should be.
    images = _idx_pair(root / "idx")
    images.unlink()
    images.mkdir()
    return root / "idx"


def _non_images(root: Path) -> Path:
    for cls, name, data in (("cats", "a.png", b"not a png"), ("dogs", "b.jpg", bytes(10)), ("dogs", "c.txt", b"hi")):
        (root / "pics" / cls).mkdir(parents=True, exist_ok=True)
        (root / "pics" / cls / name).write_bytes(data)
    return root / "pics"


def _empty_folder(root: Path) -> Path:
    (root / "empty").mkdir()
    return root / "empty"


def _empty_class_folders(root: Path) -> Path:
    (root / "pics" / "cats").mkdir(parents=True)
    return root / "pics"


def _plain_file(root: Path) -> Path:
    (root / "notes.txt").write_text("hello")
    return root / "notes.txt"


def _not_a_zip_npz(root: Path) -> Path:
    (root / "data.npz").write_bytes(b"PK not really")
    return root / "data.npz"


DATASETS: list[tuple[str, Callable[[Path], Path], tuple[str, ...]]] = [
    ("missing path", lambda root: root / "nowhere", ("nowhere", "does not exist")),
    ("plain file", _plain_file, ("notes.txt", "is a file")),
    ("empty folder", _empty_folder, ("empty", "no class sub-folders")),
    ("empty class folders", _empty_class_folders, ("pics", "all empty")),
    ("folder of non-images", _non_images, ("pics", "No readable images")),
    ("truncated IDX", _truncated_idx, ("train-images-idx3-ubyte", "truncated")),
    ("wrong-magic IDX", _wrong_magic_idx, ("train-images-idx3-ubyte", "is not an IDX file")),
    ("IDX claiming 1e9 images", _huge_claim_idx, ("train-images-idx3-ubyte", "784,000,000,000 bytes", "100")),
    ("empty IDX", _empty_idx, ("train-images-idx3-ubyte", "too short")),
    ("folder instead of IDX file", _folder_where_idx_file_belongs, ("train-images-idx3-ubyte", "is a folder")),
    ("npz that is not a zip", _not_a_zip_npz, ("data.npz", "not a zip archive")),
]


@pytest.mark.parametrize(("make", "fragments"), [d[1:] for d in DATASETS], ids=[d[0] for d in DATASETS])
def test_bad_dataset_paths(make: Callable[[Path], Path], fragments: tuple[str, ...], tmp_path: Path, capsys) -> None:
    path = make(tmp_path)
    out = tmp_path / "run"
    code, _, stderr = run_main(capsys, "train", "--model", "mlp", "--dataset", str(path), "--out", str(out))
    assert_one_sentence(code, stderr, *fragments)
    assert not out.exists()


def test_mixed_sizes_and_modes_are_accepted_and_converted(tmp_path: Path, capsys) -> None:
    """L, RGB, RGBA, P, 1 and 16-bit images of different sizes train together: all become one uint8 shape."""
    root = tmp_path / "pics"
    rng = np.random.default_rng(0)
    for cls, modes in {"a": ["L", "RGB", "RGBA"], "b": ["P", "I;16", "1"]}.items():
        (root / cls).mkdir(parents=True)
        for i, mode in enumerate(modes):
            w, h = 10 + 7 * i, 12 + 3 * i
            if mode == "I;16":
                img = Image.fromarray(rng.integers(0, 65536, (h, w), dtype=np.uint16))
            else:
                img = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).convert(mode)
            img.save(root / cls / f"{i}.png")
    # 16-bit extremes map to 8-bit extremes, not to a clipped 255 everywhere.
    Image.fromarray(np.array([[0, 65535]] * 12 * 5, dtype=np.uint16).reshape(12, 10)).save(root / "b" / "9.png")
    ds = load_dataset(str(root), val_fraction=0.0)
    assert ds.train_images.dtype == np.uint8 and ds.train_images.shape == (7, 12, 10, 3)
    sixteen = ds.train_images[list(ds.train_labels).index(1) + 3]  # b/9.png: after b/0, b/1, b/2 in path order
    assert sixteen[..., 0].min() == 0 and sixteen[..., 0].max() == 255
    out = tmp_path / "run"
    code, _, stderr = run_main(
        capsys, "train", "--model", "mlp", "--dataset", str(root), "--max-steps", "1", "-q", "--out", str(out)
    )
    assert code == 0, stderr
    assert "12×10×3" in stderr  # the first of the (equally common) sizes; colour, as some images are
    assert (out / "summary.json").is_file()


# --- corrupt run folders for export, sample and train --resume ---------------------------------------------


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-step GAN run: every command (export, sample, resume) accepts it."""
    run = tmp_path_factory.mktemp("good") / "run"
    tiny = ["--limit", "64", "--max-steps", "2", "-q", "--set", "gan.g_width=16", "--set", "gan.d_width=8"]
    result = subprocess.run(
        [sys.executable, "-m", "vision_lab", "train", "--model", "gan", *tiny, "--out", str(run)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert result.returncode == 0, result.stderr
    return run


def _truncate(name: str, keep: int) -> Callable[[Path], None]:
    return lambda run: (run / name).write_bytes((run / name).read_bytes()[:keep])


def _replace_with_folder(name: str) -> Callable[[Path], None]:
    def damage(run: Path) -> None:
        (run / name).unlink()
        (run / name).mkdir()

    return damage


def _edit_checkpoint(run: Path, *, whole: object = None, **fields: object) -> None:
    import io

    import torch

    state = torch.load(run / "checkpoint.pt", weights_only=True)
    for key, value in fields.items():
        if value is None:
            del state[key]
        else:
            state[key] = value
    buf = io.BytesIO()
    torch.save(whole if whole is not None else state, buf)
    (run / "checkpoint.pt").write_bytes(buf.getvalue())


def _edit_weights_step(run: Path, step: str) -> None:
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    path = str(run / "weights.safetensors")
    with safe_open(path, "pt") as fh:
        meta = dict(fh.metadata())
    save_file(load_file(path), path, metadata={**meta, "step": step})


def _edit_dataset(run: Path, **fields: object) -> None:
    data = json.loads((run / "dataset.json").read_text())
    (run / "dataset.json").write_text(json.dumps({**data, **fields}))


def _dev_zero(name: str) -> Callable[[Path], None]:
    def damage(run: Path) -> None:
        (run / name).unlink()
        (run / name).symlink_to("/dev/zero")

    return damage


# (what is broken, how, which commands notice, fragments); export and sample need only config + weights.
RUN_DAMAGE: list[tuple[str, Callable[[Path], None], tuple[str, ...], tuple[str, ...]]] = [
    ("missing weights", lambda run: (run / "weights.safetensors").unlink(), ("export", "sample", "resume"),
     ("weights.safetensors", "no weights file")),
    ("truncated safetensors", _truncate("weights.safetensors", 200), ("export", "sample", "resume"),
     ("weights.safetensors", "corrupt or not a safetensors file")),
    ("empty safetensors", _truncate("weights.safetensors", 0), ("export", "sample", "resume"),
     ("weights.safetensors", "corrupt or not a safetensors file")),
    ("garbage safetensors", lambda run: (run / "weights.safetensors").write_bytes(b"garbage" * 20),
     ("export", "sample", "resume"), ("weights.safetensors", "corrupt or not a safetensors file")),
    ("folder as weights", _replace_with_folder("weights.safetensors"), ("export", "sample", "resume"),
     ("weights.safetensors", "is a folder, not a file")),
    ("garbage checkpoint", lambda run: (run / "checkpoint.pt").write_bytes(b"garbage" * 20), ("resume",),
     ("checkpoint", "corrupt")),
    ("truncated checkpoint", _truncate("checkpoint.pt", 100), ("resume",), ("checkpoint", "corrupt")),
    ("missing checkpoint", lambda run: (run / "checkpoint.pt").unlink(), ("resume",), ("no checkpoint",)),
    ("folder as checkpoint", _replace_with_folder("checkpoint.pt"), ("resume",), ("checkpoint.pt", "is a folder")),
    ("missing config", lambda run: (run / "config.json").unlink(), ("export", "sample", "resume"),
     ("not a Vision Lab run folder", "config.json")),
    ("truncated config", _truncate("config.json", 40), ("export", "sample", "resume"),
     ("unusable config", "not valid JSON")),
    ("future config", lambda run: (run / "config.json").write_text('{"version": 3}'), ("export", "sample", "resume"),
     ("unusable config", "newer Vision Lab")),
    ("missing metrics", lambda run: (run / "metrics.csv").unlink(), ("resume",), ("metrics.csv",)),
    # issue 16: tampered fields (tests/core/test_run_schema.py fuzzes every one) and files far larger than they can be
    ("checkpoint without a step", lambda run: _edit_checkpoint(run, step=None), ("resume", "fork"),
     ("checkpoint", "damaged: 'step' is missing")),
    ("checkpoint that is a list", lambda run: _edit_checkpoint(run, whole=[1, 2]), ("resume", "fork"),
     ("checkpoint", "damaged: it is a list, not a dictionary")),
    ("checkpoint epoch as text", lambda run: _edit_checkpoint(run, epoch="ten"), ("resume", "fork"),
     ("checkpoint", "'epoch' is text, not a whole number")),
    ("checkpoint loss buffer of the wrong shape",
     lambda run: _edit_checkpoint(run, batch=1, losses=__import__("torch").zeros(5, 7), log_from=0),
     ("resume", "fork"), ("checkpoint", "'losses' has shape 5×7")),
    ("checkpoint RNG state of the wrong size",
     lambda run: _edit_checkpoint(run, rng=__import__("torch").zeros(10, dtype=__import__("torch").uint8)),
     ("resume", "fork"), ("checkpoint", "'rng'", "has shape 10, not 5056")),
    ("weights step not a number", lambda run: _edit_weights_step(run, "abc"), ("export", "sample", "resume"),
     ("weights.safetensors", "its step 'abc' is not a whole number")),
    ("dataset.json claiming 61 TB", lambda run: _edit_dataset(run, image_shape=[4_000_000, 4_000_000, 1]),
     ("export", "sample"), ("dataset.json", "the image height is 4000000, outside 1 to 4096")),
    ("dataset.json negative dimension", lambda run: _edit_dataset(run, image_shape=[-1, 28, 1]), ("export", "sample"),
     ("dataset.json", "the image height is -1")),
    ("dataset.json two dimensions", lambda run: _edit_dataset(run, image_shape=[28, 28]), ("export", "sample"),
     ("dataset.json", "'image_shape' is a list of 2")),
    ("config.json is /dev/zero", _dev_zero("config.json"), ("export", "sample", "resume"),
     ("config.json", "is a device, not a file")),
    ("checkpoint.pt is /dev/zero", _dev_zero("checkpoint.pt"), ("resume", "fork"), ("checkpoint.pt", "is a device")),
    ("weights are /dev/zero", _dev_zero("weights.safetensors"), ("export", "sample", "resume"),
     ("weights.safetensors", "is a device")),
    ("dataset.json is /dev/zero", _dev_zero("dataset.json"), ("export", "sample"), ("dataset.json", "is a device")),
    ("metrics.csv is /dev/zero", _dev_zero("metrics.csv"), ("resume",), ("metrics.csv", "is a device")),
]  # fmt: skip

COMMANDS = {
    "export": lambda run, tmp: ["export", str(run), "--format", "safetensors", "--out", str(tmp / "out.safetensors")],
    "sample": lambda run, tmp: ["sample", str(run), "-n", "2", "--out", str(tmp / "out.npz")],
    "resume": lambda run, tmp: ["train", "--resume", str(run), "--max-steps", "4", "-q"],
    "fork": lambda run, tmp: ["train", "--fork", str(run), "--max-steps", "4", "-q", "--out", str(tmp / "fork")],
}
RUN_CASES = [
    pytest.param(damage, command, fragments, id=f"{command}: {what}")
    for what, damage, commands, fragments in RUN_DAMAGE
    for command in commands
]


@pytest.mark.parametrize(("damage", "command", "fragments"), RUN_CASES)
def test_corrupt_run_folders(
    damage: Callable[[Path], None], command: str, fragments: tuple[str, ...], good_run: Path, tmp_path: Path, capsys
) -> None:
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    damage(run)
    before = sorted(p.name for p in run.iterdir())
    code, stdout, stderr = run_main(capsys, *COMMANDS[command](run, tmp_path))
    assert_one_sentence(code, stderr, str(run), *fragments)
    assert stdout == ""
    assert not (tmp_path / "out.safetensors").exists() and not (tmp_path / "out.npz").exists()
    assert not (tmp_path / "fork").exists()
    assert sorted(p.name for p in run.iterdir()) == before  # a refused resume changes nothing in the folder


def test_garbage_checkpoint_does_not_stop_export_or_sample(good_run: Path, tmp_path: Path, capsys) -> None:
    """Export and sample read only config and weights: a broken optimizer checkpoint is no reason to refuse."""
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    (run / "checkpoint.pt").write_bytes(b"garbage")
    code, _, stderr = run_main(capsys, *COMMANDS["sample"](run, tmp_path))
    assert code == 0, stderr
    assert np.load(tmp_path / "out.npz", allow_pickle=False)["images"].shape[0] == 2


@pytest.mark.parametrize("command", ["export", "sample", "resume"])
def test_run_dir_that_is_missing_or_empty(command: str, tmp_path: Path, capsys) -> None:
    code, _, stderr = run_main(capsys, *COMMANDS[command](tmp_path / "nowhere", tmp_path))
    assert_one_sentence(code, stderr, "nowhere", "does not exist")
    argv = COMMANDS[command](tmp_path, tmp_path)
    argv[argv.index(str(tmp_path))] = ""
    code, _, stderr = run_main(capsys, *argv)
    assert_one_sentence(code, stderr, "the path is empty")


def test_a_file_given_as_run_dir_is_called_a_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "run").write_text("x")
    code, _, stderr = run_main(capsys, *COMMANDS["sample"](tmp_path / "run", tmp_path))
    assert_one_sentence(code, stderr, "is a file")


# --- the same, through a real process ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "--set", "optim.lr=abc"], "optim.lr must be a number"),
        (["train", "--batch-size", "1000000000"], "got 1000000000"),
        (["train", "--config", ""], "the path is empty"),
    ],
    ids=["text lr", "absurd batch", "empty config path"],
)
def test_in_a_real_process(args: list[str], fragment: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vision_lab", *args, "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_sentence(result.returncode, result.stderr, fragment)
    assert not (tmp_path / "run").exists()


# --- issue 16: what a learner tries on the first day: tiny data, batch 1, no validation, shapes that do not fit ----
# Each case either works (a sensible meaning exists) or is refused in one sentence before any run folder exists.

QUICK = ["--max-steps", "1", "-q"]
BN_CNN = ["--set", 'cnn.blocks=[{"channels": 4, "batch_norm": true}, {"channels": 4, "batch_norm": true}]']
SMALL = ["--set", "cnn.dense=[8]", "--set", "mlp.hidden=[8]", "--set", "autoencoder.hidden=[8]"]
SMALL_GAN = ["--set", "gan.g_width=16", "--set", "gan.d_width=8", "--set", "gan.judge_samples=10"]


def _folder(root: Path, per_class: int, classes: int = 2, size: tuple[int, int] = (28, 28)) -> Path:
    """An image folder: ``classes`` sub-folders of ``per_class`` grey PNGs of ``size`` (width, height)."""
    folder = root / "pics"
    rng = np.random.default_rng(0)
    for c in range(classes):
        (folder / f"class{c}").mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 256, size[::-1], dtype=np.uint8)).save(folder / f"class{c}" / f"{i}.png")
    return folder


def _idx(root: Path, n: int, n_test: int | None = None) -> Path:
    folder = root / "idx"
    folder.mkdir()
    write_idx(folder / "train-images-idx3-ubyte", np.random.default_rng(0).integers(0, 256, (n, 28, 28), np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte", (np.arange(n) % 2).astype(np.uint8))
    if n_test is not None:
        write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((n_test, 28, 28), np.uint8))
        write_idx(folder / "t10k-labels-idx1-ubyte", np.zeros(n_test, np.uint8))
    return folder


def _npz(root: Path, n: int, n_val: int | None = None) -> Path:
    arrays = {"x": np.random.default_rng(0).integers(0, 256, (n, 28, 28), np.uint8), "y": np.arange(n) % 2}
    if n_val is not None:
        arrays |= {"x_val": np.zeros((n_val, 28, 28), np.uint8), "y_val": np.zeros(n_val, np.int64)}
    np.savez(root / "data.npz", **arrays)
    return root / "data.npz"


def _cifar(root: Path, n: int) -> Path:
    import pickle

    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ("data_batch_1", "test_batch"):
        batch = {b"labels": [0] * n, b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"plane", b"car"]}, protocol=2))
    return folder


# (what, the dataset to make or None for mnist-5k with --limit 64, the arguments)
EDGE_WORKS: list[tuple[str, Callable[[Path], Path] | None, list[str]]] = [
    ("cnn, batch 1 (batch norm over 1 image's map)", None, ["--model", "cnn", "--batch-size", "1", *BN_CNN]),
    ("mlp, batch 1 without batch norm", None, ["--model", "mlp", "--batch-size", "1", "--set", "mlp.batch_norm=false"]),
    ("mlp, no validation split", None, ["--model", "mlp", "--set", "data.val_fraction=0"]),
    ("cnn, no validation split", None, ["--model", "cnn", "--set", "data.val_fraction=0"]),
    ("autoencoder, no validation split", None, ["--model", "autoencoder", "--set", "data.val_fraction=0"]),
    ("gan, no validation split", None, ["--model", "gan", "--set", "data.val_fraction=0", *SMALL_GAN]),
    # One image of one class is one class: a classifier is refused for that (EDGE_REFUSED), an autoencoder trains.
    ("cnn, one image per class", lambda root: _folder(root, 1, 3), ["--model", "cnn"]),
    ("cnn, two images", lambda root: _folder(root, 1, 2), ["--model", "cnn"]),
    ("autoencoder, one image (folder)", lambda root: _folder(root, 1, 1), ["--model", "autoencoder"]),
    ("autoencoder, one image (IDX)", lambda root: _idx(root, 1), ["--model", "autoencoder"]),
    ("autoencoder, one image (npz)", lambda root: _npz(root, 1), ["--model", "autoencoder"]),
    ("cnn, one image (CIFAR folder)", lambda root: _cifar(root, 1), ["--model", "cnn"]),
    ("mlp, npz with an empty validation part", lambda root: _npz(root, 10, 0), ["--model", "mlp"]),
    ("mlp, IDX test file of 0 images", lambda root: _idx(root, 10, 0), ["--model", "mlp"]),
    ("mlp, shapes with count 3", lambda root: Path("shapes"), ["--model", "mlp", "--set", "data.count=3"]),
    ("cnn, shapes with count 1", lambda root: Path("shapes"), ["--model", "cnn", "--set", "data.count=1"]),
    ("gan, shapes with count 3", lambda root: Path("shapes"), ["--model", "gan", "--set", "data.count=3", *SMALL_GAN]),
    ("the largest seed", None, ["--model", "cnn", "--seed", "9223372036854775807", "--max-steps", "2"]),
]


@pytest.mark.parametrize(("make", "args"), [c[1:] for c in EDGE_WORKS], ids=[c[0] for c in EDGE_WORKS])
def test_edge_cases_that_train(make: Callable[[Path], Path] | None, args: list[str], tmp_path: Path, capsys) -> None:
    data = ["--dataset", str(make(tmp_path))] if make is not None else ["--limit", "64"]
    out = tmp_path / "run"
    code, stdout, stderr = run_main(capsys, "train", *data, *SMALL, *QUICK, *args, "--out", str(out))
    assert code == 0, stderr
    assert "Traceback" not in stderr and stdout.strip() == str(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    if "val_fraction=0" in " ".join(args):
        assert not any(k.startswith("val_") for k in summary)  # no validation figure is made up


EDGE_REFUSED: list[tuple[str, Callable[[Path], Path] | None, list[str], tuple[str, ...]]] = [
    ("mlp, batch 1 with batch norm", None, ["--model", "mlp", "--batch-size", "1"], ("batch norm", "at least 2")),
    ("gan, batch 1", None, ["--model", "gan", "--batch-size", "1", *SMALL_GAN], ("batch norm", "at least 2")),
    # One image of one class: a classifier has nothing to tell apart, which is said before batch norm's limit.
    ("mlp, one image (folder)", lambda root: _folder(root, 1, 1), ["--model", "mlp"], ("only one class", "classifier")),
    ("mlp, one image (IDX)", lambda root: _idx(root, 1), ["--model", "mlp"], ("only one class", "classifier")),
    ("mlp, one image (npz)", lambda root: _npz(root, 1), ["--model", "mlp"], ("only one class", "classifier")),
    ("mlp, one image (CIFAR)", lambda root: _cifar(root, 1), ["--model", "mlp"], ("1 training image", "batch norm")),
    ("mlp, shapes with count 1", lambda root: Path("shapes"), ["--model", "mlp", "--set", "data.count=1"],
     ("1 training image", "batch norm")),
    ("cnn, five valid 7×7 convolutions on 28 px", None,
     ["--set", "cnn.blocks=" + json.dumps([{"channels": 4, "kernel": 7, "padding": "valid", "pool": False}] * 5)],
     ("Block 5's 7×7 kernel", "block 4 leaves 4×4", "padding 'same'")),
    ("cnn, pools that shrink 8 px to nothing", lambda root: Path("shapes"),
     ["--set", "data.image_size=8", "--set", "data.count=12",
      "--set", "cnn.blocks=" + json.dumps([{"channels": 4, "padding": "valid"}] * 3)],
     ("Block 2's 2×2 pool", "1×1")),
    ("cnn, a folder of 1×1 images", lambda root: _folder(root, 3, 2, (1, 1)), ["--model", "cnn"],
     ("Block 1's 2×2 pool", "1×1")),
    ("cnn, a folder of 4000×10 images", lambda root: _folder(root, 2, 2, (4000, 10)), ["--model", "cnn"],
     ("Block 1's 2×2 pool", "1×128")),
    ("a negative split seed", None, ["--set", "data.split_seed=-1"], ("data.split_seed", "got -1")),
    ("a seed past 64 bits", None, ["--seed", str(2**64)], ("train.seed", "got 1844")),
]  # fmt: skip


@pytest.mark.parametrize(("make", "args", "fragments"), [c[1:] for c in EDGE_REFUSED], ids=[c[0] for c in EDGE_REFUSED])
def test_edge_cases_refused_in_one_sentence(
    make: Callable[[Path], Path] | None, args: list[str], fragments: tuple[str, ...], tmp_path: Path, capsys
) -> None:
    data = ["--dataset", str(make(tmp_path))] if make is not None else ["--limit", "64"]
    out = tmp_path / "run"
    code, stdout, stderr = run_main(capsys, "train", *data, *SMALL, *QUICK, *args, "--out", str(out))
    assert_one_sentence(code, stderr, *fragments)
    assert stdout == "" and not out.exists()


def _deep_json(root: Path) -> Path:
    (root / "deep.json").write_text('{"train": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return root / "deep.json"


def _npz_unsupported_compression(root: Path) -> Path:
    path = _npz(root, 10)
    raw = bytearray(path.read_bytes())
    # Compression method 9 (Deflate64) in every local and central header: zipfile knows it but cannot read it.
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (at := raw.find(sig, start)) >= 0:
            raw[at + offset : at + offset + 2] = (9).to_bytes(2, "little")
            start = at + 4
    path.write_bytes(bytes(raw))
    return path


def _npz_raw_members(root: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(root / "data.npz", "w") as zf:
        zf.writestr("x", b"not an array")  # no .npy suffix: numpy hands back the raw bytes
        zf.writestr("y", b"\x00\x01")
    return root / "data.npz"


LONG = "d" * 300  # one path component longer than any file system allows (255)
TOO_LONG = ("longer than this system allows",)

FILE_CASES: list[tuple[str, Callable[[Path], list[str]], tuple[str, ...]]] = [
    ("deeply nested config", lambda root: ["--config", str(_deep_json(root))], ("nests too deeply",)),
    ("deeply nested --set", lambda root: ["--set", "mlp.hidden=" + "[" * 100_000 + "]" * 100_000],
     ("mlp.hidden", "nests too deeply")),
    ("a dataset path too long", lambda root: ["--dataset", str(root / LONG / "x")], TOO_LONG),
    ("a dataset name too long", lambda root: ["--dataset", str(root / LONG)], TOO_LONG),
    ("a config path too long", lambda root: ["--config", str(root / LONG)], TOO_LONG),
    ("an npz with an unsupported compression", lambda root: ["--dataset", str(_npz_unsupported_compression(root))],
     ("data.npz", "compression")),
    ("an npz whose members are not .npy", lambda root: ["--dataset", str(_npz_raw_members(root))],
     ("data.npz", "not a NumPy array")),
]  # fmt: skip


@pytest.mark.parametrize(("make", "fragments"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_files_that_break_the_readers(make: Callable[[Path], list[str]], fragments: tuple[str, ...], tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, stderr = run_main(capsys, "train", "--model", "mlp", *make(tmp_path), *QUICK, "--out", str(out))
    assert_one_sentence(code, stderr, *fragments)
    assert stdout == "" and not out.exists()


def test_an_output_path_too_long_is_one_sentence(good_run: Path, tmp_path: Path, capsys) -> None:
    long = tmp_path / LONG / "out"
    for argv in (
        ["train", "--model", "mlp", "--limit", "64", *QUICK, "--out", str(long)],
        ["export", str(good_run), "--format", "safetensors", "--out", str(long)],
        ["sample", str(good_run), "-n", "2", "--out", str(long) + ".npz"],
        ["train", "--resume", str(tmp_path / LONG), *QUICK],
        ["train", "--fork", str(good_run), "--out", str(long), "--max-steps", "4", "-q"],
    ):
        code, _, stderr = run_main(capsys, *argv)
        assert_one_sentence(code, stderr, "longer than this system allows")


def test_a_fork_epoch_of_thousands_of_digits_is_one_sentence(good_run: Path, tmp_path: Path, capsys) -> None:
    code, _, stderr = run_main(capsys, "train", "--fork", f"{good_run}@{'9' * 5000}", *QUICK)
    assert_one_sentence(code, stderr, "--fork", "larger than any run's epochs")


def test_seeds_at_the_edges_of_sample(good_run: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.npz"
    code, _, stderr = run_main(capsys, "sample", str(good_run), "-n", "2", "--seed", str(2**63 - 1), "--out", str(out))
    assert code == 0, stderr
    for bad in (str(2**64), "-1"):
        code, _, stderr = run_main(capsys, "sample", str(good_run), "-n", "2", "--seed", bad, "--out", str(out))
        assert_one_sentence(code, stderr, "--seed", "between 0 and 9223372036854775807")


@pytest.mark.timeout(120)
def test_a_billion_laughs_cifar_batch_is_refused_quickly(tmp_path: Path) -> None:
    """Nested references (10 lists of 10 lists of ... 30 deep) pickle in a few KB and would take forever to copy."""
    import pickle

    cache = tmp_path / "cache"
    folder = _cifar(tmp_path, 2).rename(tmp_path / "moved")
    (cache / "cifar10").mkdir(parents=True)
    folder = folder.rename(cache / "cifar10" / "cifar-10-batches-py")
    for i in range(2, 6):
        (folder / f"data_batch_{i}").write_bytes((folder / "data_batch_1").read_bytes())
    laugh: list = [0] * 10
    for _ in range(30):
        laugh = [laugh] * 10
    batch = {b"labels": [0, 0], b"data": np.zeros((2, 3072), np.uint8), b"filenames": laugh}
    (folder / "data_batch_3").write_bytes(pickle.dumps(batch, protocol=2))
    assert (folder / "data_batch_3").stat().st_size < 10_000
    result = subprocess.run(
        [sys.executable, "-m", "vision_lab", "train", "--dataset", "cifar10", *QUICK, "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "VISION_LAB_CACHE": str(cache)},
    )
    assert_one_sentence(result.returncode, result.stderr, "data_batch_3")
    assert not (tmp_path / "run").exists()


SCRIPT_NAMES = [
    'three """ double quotes',
    "three ''' single quotes",
    'x"""; import os; os.system("touch PWNED"); """',
    "back\\slash\\",
    "a\nnew line",
    "tab\tand unicode é 字",
]


@pytest.mark.parametrize("name", SCRIPT_NAMES, ids=["triple double", "triple single", "injection", "backslash",
                                                   "newline", "tab and unicode"])  # fmt: skip
def test_script_export_embeds_any_file_name_safely(name: str, good_run: Path, tmp_path: Path, capsys) -> None:
    import ast

    out = tmp_path / f"{name}.py"
    code, _, stderr = run_main(capsys, "export", str(good_run), "--format", "script", "--out", str(out))
    assert code == 0, stderr
    source = out.read_text(encoding="utf-8")
    tree = ast.parse(source)
    first = tree.body[0]
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)  # the docstring, whole
    assert name in first.value.value  # the name reads back exactly, inside it
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()
