from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, default_config, with_overrides
from vision_lab.core.errors import ConfigError
from vision_lab.core.families.cnn import ConvBlock


@pytest.mark.parametrize("family", families.names())
def test_round_trip_through_json(family: str) -> None:
    cfg = default_config(family)
    again = ExperimentConfig.from_json(cfg.to_json())
    assert again == cfg


def test_gan_defaults_follow_dcgan() -> None:
    cfg = default_config("gan")
    assert (cfg.optim.name, cfg.optim.lr, cfg.optim.beta1, cfg.optim.beta2) == ("adam", 2e-4, 0.5, 0.999)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"model": "rnn"}', "model must be one of"),
        ('{"colour": 1}', "Unknown config key colour"),
        ('{"train": {"batch_size": 0}}', "train.batch_size"),
        ('{"train": {"batch_size": -5}}', "train.batch_size"),
        ('{"train": {"batch_size": 1000000000}}', "train.batch_size"),
        ('{"optim": {"lr": -1}}', "learning rate"),
        ('{"optim": {"lr": 1e9}}', "absurdly large"),
        ('{"optim": {"lr": "fast"}}', "optim.lr must be a number"),
        ('{"gan": {"latent_dim": 0}}', "gan.latent_dim"),
        ('{"train": {"epochs": 2.5}}', "whole number"),
        ('{"version": 99}', "newer Vision Lab"),
        ('{"train": {"device": "tpu"}}', "train.device"),
        ('{"cnn": {"blocks": []}}', "at least one"),
        ('{"mlp": {"hidden": [64, "x"]}}', "whole number"),
        ("[1, 2]", "JSON object"),
        ('{"model": "cnn",', "not valid JSON"),
    ],
)
def test_bad_configs_name_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        ExperimentConfig.from_json(text)
    message = str(err.value)
    assert fragment in message
    assert "\n" not in message


def test_nan_learning_rate_rejected() -> None:
    with pytest.raises(ConfigError, match="learning rate"):
        with_overrides(default_config(), **{"optim.lr": math.nan}).validate()


def test_load_reports_missing_and_folder(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        ExperimentConfig.load(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="is a folder"):
        ExperimentConfig.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(
    family=st.sampled_from(families.names()),
    epochs=st.integers(1, 1000),
    batch=st.integers(1, 4096),
    lr=st.floats(1e-6, 5.0),
    hidden=st.lists(st.integers(1, 2048), max_size=4).map(tuple),
    blocks=st.lists(st.builds(ConvBlock, st.integers(1, 256), st.sampled_from([1, 3, 5, 7])), min_size=1, max_size=3),
)
def test_property_round_trip(family, epochs, batch, lr, hidden, blocks) -> None:
    cfg = default_config(family)
    cfg = with_overrides(
        cfg, **{"train.epochs": epochs, "train.batch_size": batch, "optim.lr": lr, "mlp.hidden": hidden}
    )
    cfg = with_overrides(cfg, **{"cnn.blocks": tuple(blocks)}).validate()
    text = cfg.to_json()
    assert ExperimentConfig.from_dict(json.loads(text)) == cfg
