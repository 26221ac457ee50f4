"""Property tests (hypothesis): configs, the IDX reader and the image-folder loader, on generated input.

Small example counts keep the file well under 30 s; each property says what must hold for every input.
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from vision_lab.core import families
from vision_lab.core.config import LR_SCHEDULES, OPTIMIZERS, DataConfig, ExperimentConfig, OptimConfig, TrainConfig
from vision_lab.core.data.folders import load_image_folder
from vision_lab.core.data.idx import IDX_DTYPES, read_idx, write_idx
from vision_lab.core.errors import ConfigError, DataError
from vision_lab.core.families.autoencoder import AE_VARIANTS, AutoencoderConfig
from vision_lab.core.families.cnn import CNNConfig, ConvBlock
from vision_lab.core.families.gan import GANConfig
from vision_lab.core.families.mlp import MLPConfig
from vision_lab.core.validate import ACTIVATIONS

FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- configs -----------------------------------------------------------------------------------------------


def _frac(hi: float) -> st.SearchStrategy[float]:
    return st.floats(0.0, hi, allow_nan=False)


_widths = st.lists(st.integers(1, 16384), max_size=4).map(tuple)
_lr = st.floats(1e-7, 10.0, allow_nan=False)
_blocks = st.lists(
    st.builds(
        ConvBlock,
        channels=st.integers(1, 2048),
        kernel=st.sampled_from([1, 3, 5, 7]),
        pool=st.booleans(),
        batch_norm=st.booleans(),
        dropout=_frac(0.95),
        padding=st.sampled_from(["same", "valid"]),
    ),
    min_size=1,
    max_size=6,
).filter(lambda blocks: sum(b.pool for b in blocks) <= 3)

configs = st.builds(
    ExperimentConfig,
    model=st.sampled_from(families.names()),
    data=st.builds(
        DataConfig,
        name=st.text(min_size=1, max_size=20).filter(str.strip),
        val_fraction=_frac(0.9),
        split_seed=st.integers(0, 2**31),
        image_size=st.none() | st.integers(8, 256),
        channels=st.sampled_from([None, 1, 3]),
        count=st.none() | st.integers(1, 10_000_000),
        limit=st.none() | st.integers(1, 10_000_000),
        val_limit=st.none() | st.integers(1, 10_000_000),
    ),
    mlp=st.builds(
        MLPConfig,
        hidden=_widths,
        activation=st.sampled_from(ACTIVATIONS),
        dropout=_frac(0.95),
        batch_norm=st.booleans(),
    ),
    cnn=st.builds(
        CNNConfig,
        blocks=_blocks.map(tuple),
        dense=_widths,
        activation=st.sampled_from(ACTIVATIONS),
        dropout=_frac(0.95),
    ),
    autoencoder=st.builds(
        AutoencoderConfig,
        variant=st.sampled_from(AE_VARIANTS),
        latent_dim=st.integers(1, 4096),
        hidden=_widths,
        conv_channels=st.lists(st.integers(1, 16384), min_size=1, max_size=2).map(tuple),
        activation=st.sampled_from(ACTIVATIONS),
    ),
    gan=st.builds(
        GANConfig,
        latent_dim=st.integers(1, 4096),
        g_width=st.integers(1, 1024).map(lambda v: 4 * v),
        d_width=st.integers(1, 4096),
        d_dropout=_frac(0.95),
        d_lr=st.none() | _lr,
        d_steps=st.integers(1, 100),
        label_smoothing=_frac(0.5),
        judge_samples=st.integers(10, 100000),
        ema=_frac(0.9999),
    ),
    optim=st.builds(
        OptimConfig,
        name=st.sampled_from(OPTIMIZERS),
        lr=_lr,
        weight_decay=_frac(1.0),
        momentum=_frac(0.999),
        beta1=_frac(0.9999),
        beta2=_frac(0.99999),
    ),
    train=st.builds(
        TrainConfig,
        epochs=st.integers(1, 100000),
        batch_size=st.integers(1, 65536),
        seed=st.integers(0, 2**63 - 1),
        max_steps=st.none() | st.integers(1, 10**12),
        lr_schedule=st.sampled_from(LR_SCHEDULES),
        augment_shift=st.integers(0, 8),
        log_every=st.integers(0, 10**9),
    ),
    name=st.text(max_size=30),
)


@FEW
@given(cfg=configs)
def test_every_valid_config_round_trips_through_json(cfg: ExperimentConfig) -> None:
    cfg = cfg.validate()
    text = cfg.to_json()
    again = ExperimentConfig.from_json(text)
    assert again == cfg
    assert again.to_json() == text  # and the text is stable, so config.json diffs stay quiet


@FEW
@given(cfg=configs)
def test_configs_round_trip_through_files(cfg: ExperimentConfig) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.json"
        path.write_text(cfg.to_json(), encoding="utf-8")
        assert ExperimentConfig.load(path) == cfg


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -(10**400), 2**63, 2**64])  # beyond every float and int64
    | st.floats()
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_keys = st.sampled_from(
    [
        "model",
        "version",
        "name",
        "data",
        "data.name",
        "data.image_size",
        "data.val_fraction",
        "mlp.hidden",
        "cnn.blocks",
        "cnn.dense",
        "autoencoder.latent_dim",
        "gan.d_lr",
        "gan.g_width",
        "optim.lr",
        "optim.name",
        "train",
        "train.epochs",
        "train.batch_size",
        "train.seed",
        "train.max_steps",
        "train.report_seconds",
        "nonsense",
        "train.nonsense",
    ]
)


@settings(max_examples=150, deadline=None)
@given(family=st.sampled_from(families.names()), key=_keys, value=_json_values)
def test_any_json_value_anywhere_is_accepted_or_a_config_error(family: str, key: str, value: Any) -> None:
    """A hand-edited config never crashes the parser with another exception type."""
    from vision_lab.core.config import default_config

    data = default_config(family).to_dict()
    node = data
    *path, last = key.split(".")
    for part in path:
        node = node.setdefault(part, {})  # format 2 holds its own family's section only: another's is added
    node[last] = value
    try:
        cfg = ExperimentConfig.from_dict(data)
    except ConfigError as err:
        assert "\n" not in str(err) and str(err).endswith(".")
    else:
        assert ExperimentConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize(
    "text",
    ['{"optim": {"lr": 1' + "0" * 400 + "}}", '{"train": {"report_seconds": -1' + "0" * 400 + "}}"],
    ids=["lr with 400 digits", "negative float with 400 digits"],
)
def test_integers_too_big_for_a_float_are_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match=r"optim\.lr|train\.report_seconds"):
        ExperimentConfig.from_json(text)


# --- IDX ---------------------------------------------------------------------------------------------------


@st.composite
def idx_arrays(draw: st.DrawFn) -> np.ndarray:
    dtype = draw(st.sampled_from(sorted(IDX_DTYPES.values(), key=str))).newbyteorder("=")
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)))
    n = int(np.prod(shape))
    raw = draw(st.binary(min_size=n * dtype.itemsize, max_size=n * dtype.itemsize))
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


@FEW
@given(arr=idx_arrays(), compress=st.booleans())
def test_any_valid_idx_file_round_trips(arr: np.ndarray, compress: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_idx(Path(tmp) / "x-idx", arr, compress=compress)
        back = read_idx(path)
    assert back.dtype == arr.dtype.newbyteorder("=") and back.shape == arr.shape
    assert back.tobytes() == arr.tobytes()  # bytes, so NaN payloads in float files compare too


@FEW
@given(arr=idx_arrays(), compress=st.booleans(), data=st.data())
def test_any_truncation_or_extension_is_the_loaders_error(arr: np.ndarray, compress: bool, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_idx(Path(tmp) / "x-idx", arr, compress=compress)
        whole = path.read_bytes()
        cut = data.draw(st.integers(0, len(whole) - 1), label="keep bytes")
        path.write_bytes(whole[:cut])
        if compress:
            # A gzip stream cut exactly after its last deflate block may still hold all the data.
            try:
                full = gzip.decompress(whole[:cut]) == gzip.decompress(whole)
            except (EOFError, OSError):
                full = False
            assume(not full)
        with pytest.raises(DataError) as err:
            read_idx(path)
        assert str(path) in str(err.value)
        extra = data.draw(st.binary(min_size=1, max_size=8), label="extra bytes")
        raw = gzip.decompress(whole) if compress else whole
        path.write_bytes(gzip.compress(raw + extra) if compress else raw + extra)
        with pytest.raises(DataError, match="unexpected bytes"):
            read_idx(path)


# --- image folders -----------------------------------------------------------------------------------------

GREY_MODES = ("L", "1", "I;16", "I", "F", "LA")
COLOUR_MODES = ("RGB", "RGBA", "P", "CMYK")
FORMAT = {"F": "tiff", "I": "tiff", "CMYK": "tiff"}


def _image(mode: str, size: tuple[int, int], seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    if mode == "I;16":
        return Image.fromarray(rng.integers(0, 65536, (h, w), dtype=np.uint16))
    if mode == "I":
        return Image.fromarray(rng.integers(0, 70000, (h, w), dtype=np.int32))
    if mode == "F":
        return Image.fromarray(rng.random((h, w), dtype=np.float32))
    rgba = Image.fromarray(rng.integers(0, 256, (h, w, 4), dtype=np.uint8), "RGBA")
    if mode == "P":
        pal = rgba.convert("RGB").convert("P")
        pal.info["transparency"] = 0
        return pal
    return rgba.convert(mode)


files = st.tuples(
    st.sampled_from(GREY_MODES + COLOUR_MODES + ("junk",)),
    st.tuples(st.integers(1, 24), st.integers(1, 24)),
)
folders = st.dictionaries(
    st.text("abcxyz", min_size=1, max_size=4), st.lists(files, max_size=3), min_size=1, max_size=3
)


@FEW
@given(
    spec=folders, size=st.none() | st.integers(4, 16), channels=st.sampled_from([None, 1, 3]), seed=st.integers(0, 99)
)
def test_random_image_folders_load_right_or_fail_with_data_error(
    spec: dict[str, list[tuple[str, tuple[int, int]]]], size: int | None, channels: int | None, seed: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        expected_labels: list[int] = []
        kept: list[str] = []
        sizes = set()
        modes = set()
        for cls in sorted(spec):
            (root / cls).mkdir()
            readable = 0
            for i, (mode, wh) in enumerate(spec[cls]):
                path = root / cls / f"{i}.{FORMAT.get(mode, 'png')}"
                if mode == "junk":
                    path.write_bytes(b"not an image at all")
                    continue
                _image(mode, wh, seed + i).save(path, format=FORMAT.get(mode, "png"))
                readable += 1
                sizes.add(wh)
                modes.add(mode)
            if readable:
                expected_labels += [len(kept)] * readable
                kept.append(cls)
        try:
            ds = load_image_folder(root, "t", size, channels, 0.0, seed)
        except DataError as err:
            assert not expected_labels, err  # only a folder without a readable image may fail
            assert "\n" not in str(err)
            return
    assert expected_labels, "a folder without readable images loaded"
    n, h, w, c = ds.train_images.shape
    assert ds.train_images.dtype == np.uint8 and n == len(expected_labels) and len(ds.val_images) == 0
    assert ds.train_labels.tolist() == expected_labels and list(ds.class_names) == kept
    assert (w, h) == (size, size) if size else (w, h) in sizes
    assert c == channels if channels else c in (1, 3)
    if channels is None and modes <= set(GREY_MODES):
        assert c == 1
    skipped = sum(mode == "junk" for files_ in spec.values() for mode, _ in files_)
    assert any(f"skipped {skipped} unreadable" in note for note in ds.notes) == (skipped > 0)


def test_sixteen_bit_and_float_images_keep_their_range(tmp_path: Path) -> None:
    """Accepting odd modes means converting them faithfully: 16-bit 0..65535 and float 0..1 become 0..255."""
    (tmp_path / "a").mkdir()
    ramp = np.linspace(0, 65535, 64, dtype=np.uint16).reshape(8, 8)
    Image.fromarray(ramp).save(tmp_path / "a" / "16.png")
    Image.fromarray((ramp / 65535).astype(np.float32)).save(tmp_path / "a" / "f.tiff")
    ds = load_image_folder(tmp_path, "t", None, None, 0.0, 0)
    assert ds.train_images.shape == (2, 8, 8, 1)
    for img in ds.train_images:
        assert img.min() == 0 and img.max() == 255
        assert (np.diff(img[..., 0].ravel().astype(int)) >= 0).all()  # still a ramp


def test_a_number_too_long_for_python_to_parse_is_a_config_error() -> None:
    # json.loads raises a plain ValueError (not JSONDecodeError) past 4300 digits.
    with pytest.raises(ConfigError, match="holds a number too long to be a setting"):
        ExperimentConfig.from_json('{"train": {"epochs": 1' + "0" * 5000 + "}}", source="Config file 'x.json'")


def test_an_unknown_key_with_a_newline_stays_one_line() -> None:
    # Found by the property above: the key was echoed raw and broke the sentence in two.
    with pytest.raises(ConfigError, match=r"Unknown config key data\.'\\n'") as err:
        ExperimentConfig.from_json('{"data": {"\\n": null}}')
    assert "\n" not in str(err.value)
