"""Lesson presets: every shipped one loads and trains; a broken file is one clear ConfigError."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vision_lab.core import families
from vision_lab.core.config import with_overrides
from vision_lab.core.data import list_datasets
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Finished
from vision_lab.core.presets import HIDEABLE, Preset, lesson_order, list_presets, load_preset, presets_dir
from vision_lab.core.trainer import Trainer


def test_every_shipped_preset_loads() -> None:
    presets = list_presets()
    offline = {i.name for i in list_datasets() if i.available and not i.downloadable}
    assert len(presets) >= 6
    assert presets == sorted(presets, key=lesson_order)  # the courses first, in section order; then by title
    assert {p.key for p in presets} == {path.stem for path in presets_dir().glob("*.json")}
    assert {p.config.model for p in presets} == set(families.names())
    for p in presets:
        assert isinstance(p, Preset)
        assert set(p.hide) <= set(HIDEABLE), p.key
        # Every lesson runs offline, on data that ships with Vision Lab or is made of it (mnist-5k, its scenes).
        assert p.config.data.name in offline and p.config.name == p.title
        sentences = len(re.findall(r"[.!?](\s|$)", p.lesson))
        assert 2 <= sentences <= 4, (p.key, sentences)
        assert p.config.validate() is p.config


def test_overrides_reach_the_config() -> None:
    by_key = {p.key: p for p in list_presets()}
    assert by_key["autoencoder-2d-map"].config.autoencoder.latent_dim == 2
    assert by_key["autoencoder-2d-map"].config.autoencoder.hidden == (256, 64)  # a JSON list becomes a tuple
    cnn = by_key["cnn-beats-mlp"].config.cnn
    assert [b.channels for b in cnn.blocks] == [16, 32, 32] and all(b.batch_norm for b in cnn.blocks)
    assert by_key["lr-too-high"].config.optim.lr == 1.0
    # Untouched knobs keep the family's defaults (the GAN's Adam betas, not the generic ones).
    assert by_key["gan-digits"].config.optim.beta1 == 0.5


def test_a_preset_trains(mnist5k) -> None:
    preset = load_preset(presets_dir() / "first-mlp.json")
    cfg = with_overrides(preset.config, **{"train.max_steps": 5, "data.limit": 200})
    finished = list(Trainer(cfg, dataset=mnist5k).events())[-1]
    assert isinstance(finished, Finished) and finished.status == "completed"


GOOD = {"version": 1, "title": "T", "lesson": "One. Two.", "model": "mlp", "overrides": {"optim.lr": 0.01}}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ({**GOOD, "colour": "red"}, "unknown key 'colour'"),
        ({k: v for k, v in GOOD.items() if k != "lesson"}, "lacks the key 'lesson'"),
        ({**GOOD, "model": "transformer"}, "model 'transformer'"),
        ({**GOOD, "hide": ["learningRate", "everything"]}, "cannot hide 'everything'"),
        ({**GOOD, "overrides": {"optim.lr": -1}}, "bad override: optim.lr"),
        ({**GOOD, "overrides": {"optim.lrr": 0.1}}, "unknown setting 'optim.lrr'"),
        ({**GOOD, "overrides": {"optim": {"lr": 0.1}}}, "whole section 'optim'"),
        ({**GOOD, "overrides": {"mlp.hidden": "wide"}}, "bad override: mlp.hidden must be a list"),
        ({**GOOD, "version": 3}, "format 3"),
        ({**GOOD, "title": ""}, "non-empty text 'title'"),
        ({**GOOD, "inspect": ["Overview"]}, "'inspect' as the title of a view"),
    ],
)
def test_broken_presets_are_one_clear_error(content, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_preset(path)
    message = str(err.value)
    assert problem in message and "broken.json" in message
    assert "\n" not in message


def test_a_good_preset_from_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    preset = load_preset(path)
    assert preset.key == "mine" and preset.hide == () and preset.config.optim.lr == 0.01 and preset.inspect is None
    path.write_text(json.dumps({**GOOD, "inspect": "Filters"}), encoding="utf-8")
    assert load_preset(path).inspect == "Filters"
    with pytest.raises(ConfigError, match="does not exist"):
        load_preset(tmp_path / "missing.json")


def test_numbered_lessons_come_in_their_numbers_order() -> None:
    # "10. How does a CNN see a 7?" once came between lesson 1 and lesson 2: titles were compared as text.
    numbers = [int(p.title.split(".")[0]) for p in list_presets() if p.course is None and p.title[0].isdigit()]
    assert numbers == sorted(numbers) and len(numbers) >= 11


GOOD_2 = {**GOOD, "version": 2}
LR = "optim.lr=loguniform:1e-4:1e-1"


@pytest.mark.parametrize(
    ("sweep", "problem"),
    [
        ("lr", "'sweep' as an object with the keys space"),
        ({"space": [LR], "budget": 3}, "'sweep' as an object with the keys space"),
        ({"space": []}, "'sweep.space' as a list of texts"),
        ({"space": LR}, "'sweep.space' as a list of texts"),
        ({"space": [LR], "trials": 0}, "'sweep.trials' as a whole number from 1"),
        ({"space": [LR], "trials": True}, "'sweep.trials' as a whole number from 1"),
        ({"space": [LR], "pruner": "hyperband"}, "'sweep.pruner' 'hyperband'; it must be one of median, none"),
        ({"space": [LR], "sampler": "cmaes"}, "'sweep.sampler' 'cmaes'"),
        ({"space": ["optim.lr=loguniform:0:1e-1"]}, "bad sweep: --space optim.lr=loguniform:0:1e-1: a log range"),
        ({"space": ["optim.lrr=uniform:0:1"]}, "bad sweep:"),
        ({"space": ["mlp.dropout=uniform:0:2"]}, "bad sweep:"),
        ({"space": [LR], "sampler": "grid"}, "bad sweep: --sampler grid needs countable values"),
        ({"space": [LR], "objective": "bleu"}, "bad sweep: --objective bleu"),
    ],
)
def test_a_bad_sweep_is_one_clear_error(sweep: object, problem: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({**GOOD_2, "sweep": sweep}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_preset(path)
    message = str(err.value)
    assert problem in message and "broken.json" in message
    assert "\n" not in message


def test_a_sweep_needs_format_2(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({**GOOD, "sweep": {"space": [LR]}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="as format 2 does"):
        load_preset(path)


def test_the_learning_rate_lesson_sweeps_lr_and_batch() -> None:
    from vision_lab.core.sweep_space import check_space, parse_space

    p = load_preset(presets_dir() / "find-the-learning-rate.json")
    assert p.sweep is not None and p.sweep.trials == 12 and p.sweep.pruner == "median"
    dims = {d.key: d for d in parse_space(p.sweep.space)}
    assert (dims["optim.lr"].kind, dims["optim.lr"].low, dims["optim.lr"].high) == ("loguniform", 1e-4, 1e-1)
    assert dims["train.batch_size"].choices == (32, 64, 128, 256)
    check_space(p.config, tuple(dims.values()))
    assert p.config.model == "mlp" and p.config.data.name == "mnist-5k"
    assert load_preset(presets_dir() / "first-mlp.json").sweep is None
