"""A family from outside the package (tests/toy_family.py: a toy vision transformer in one file) gets everything
the built-in ones have, through code that never names it: this is the design test of the registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from every_family import check_a_run, check_exports, check_resume, tiny_config
from toy_family import KEY, ToyViTConfig, registered

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, apply_overrides, article_config, default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.inspect import Inspector


@pytest.fixture
def toy() -> Iterator[None]:
    with registered():
        yield
    assert KEY not in families.names()


def test_it_is_a_family_like_the_others(toy: None) -> None:
    assert KEY in families.names() and families.get(KEY).title == "Toy transformer"
    assert families.get(KEY) in families.with_capability("saliency")
    cfg = default_config(KEY)
    assert isinstance(cfg.toyvit, ToyViTConfig) and cfg.section(KEY) == ToyViTConfig()
    text = apply_overrides(cfg, {"toyvit.width": 32}).to_json()
    assert json.loads(text)[KEY] == {"patch": 7, "width": 32, "depth": 1, "heads": 2}
    assert ExperimentConfig.from_json(text).toyvit.width == 32
    assert article_config(KEY).train.batch_size == 32  # no article model of its own: the article's habits only
    with pytest.raises(ConfigError, match=r"toyvit\.depth must be between 1 and 4, got 9"):
        apply_overrides(cfg, {"toyvit.depth": 9})
    # Another family's setting is checked and kept (a script may set several families' knobs), never saved.
    kept = apply_overrides(default_config("cnn"), {"toyvit.width": 8})
    assert kept.toyvit.width == 8 and KEY not in kept.to_dict()
    with pytest.raises(ConfigError, match=r"toyvit\.width must be between 4 and 256, got 2"):
        apply_overrides(default_config("cnn"), {"toyvit.width": 2})


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_it_trains_resumes_and_exports(toy: None, tmp_path: Path) -> None:
    check_a_run(KEY, tmp_path / "run")
    check_resume(KEY, tmp_path / "resume")
    assert check_exports(tmp_path / "run", tmp_path / "export") == ["safetensors", "torchscript", "onnx"]
    inspector = Inspector.from_run(tmp_path / "run")
    probabilities = inspector.probabilities(inspector_images(tmp_path / "run"))
    assert probabilities.shape[1] == 10
    with pytest.raises(ValueError, match="Generating from noise needs a GAN; this model is a Toy transformer"):
        inspector.generate(probabilities)


def inspector_images(run: Path):  # type: ignore[no-untyped-def]
    from vision_lab.core.run_data import prepare_dataset

    return prepare_dataset(tiny_config(KEY)).val_images[:4]


def test_a_config_of_a_family_this_vision_lab_lacks_is_one_sentence() -> None:
    text = '{"model": "toyvit", "toyvit": {"width": 8}}'
    with pytest.raises(ConfigError, match="Unknown config key toyvit"):
        ExperimentConfig.from_json(text)
