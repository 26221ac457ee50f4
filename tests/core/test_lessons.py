"""Lesson format 2 (texts by language, formula, watch, pitfall, course and section) and the article's course."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from vision_lab.core import i18n
from vision_lab.core.config import article_config, with_overrides
from vision_lab.core.errors import ConfigError
from vision_lab.core.events import Finished, Metrics
from vision_lab.core.presets import ARTICLE_COURSE, TEXTS, Preset, list_presets, load_preset, section_order
from vision_lab.core.trainer import Trainer

CJK = re.compile(r"[\u4e00-\u9fff]")

V2 = {
    "version": 2,
    "course": "mine",
    "section": "1.2",
    "title": {"en": "Title", "zh_CN": "标题"},
    "lesson": {"en": "One. Two.", "zh_CN": "一。二。"},
    "formula": "L = −Σ_k y_k log ŷ_k",
    "watch": {"en": "Watch the loss."},
    "pitfall": {"zh_CN": "问题在哪。"},
    "model": "mlp",
}


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh_CN")
    yield
    i18n.set_language("en")


def write(tmp_path: Path, content: object, name: str = "lesson.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_texts_come_in_the_core_language_else_english_else_as_given(tmp_path: Path, chinese) -> None:
    path = write(tmp_path, V2)
    zh = load_preset(path)
    assert (zh.title, zh.lesson) == ("标题", "一。二。")
    assert zh.watch == "Watch the loss."  # no Chinese given: English
    assert zh.pitfall == "问题在哪。"
    assert zh.formula == "L = −Σ_k y_k log ŷ_k"  # a plain string: one language, shown as written
    assert (zh.course, zh.section) == ("mine", "1.2")
    assert zh.config.name == "标题"
    en = zh.in_language("en")
    assert (en.title, en.lesson, en.watch, en.formula) == ("Title", "One. Two.", "Watch the loss.", zh.formula)
    assert en.pitfall == "问题在哪。"  # only Chinese given: any language beats none
    i18n.set_language("en")
    assert load_preset(path) == en


def test_a_format_1_file_still_reads(tmp_path: Path) -> None:
    v1 = {"version": 1, "title": "T", "lesson": "One. Two.", "model": "cnn", "overrides": {"train.epochs": 2}}
    preset = load_preset(write(tmp_path, v1))
    assert (preset.title, preset.lesson, preset.config.train.epochs) == ("T", "One. Two.", 2)
    assert preset.formula is preset.watch is preset.pitfall is preset.section is preset.course is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": {"en": "T", "zh": "标题"}}, "gives 'title' in an unknown language 'zh'; did you mean 'zh_CN'?"),
        ({"watch": {"fr": "Regardez."}}, "gives 'watch' in an unknown language 'fr' (known: en, zh_CN)."),
        ({"formula": 42}, "needs 'formula' as text, or as an object of texts by language"),
        ({"lesson": ["One.", "Two."]}, "needs 'lesson' as text, or as an object of texts by language"),
        ({"pitfall": {}}, "needs 'pitfall' as text, or as an object of texts by language"),
        ({"lesson": {"en": "One.", "zh_CN": ""}}, "needs a non-empty text for 'lesson' in 'zh_CN'"),
        ({"watch": {"en": 3}}, "needs a non-empty text for 'watch' in 'en'"),
        ({"section": 3.1}, "needs 'section' as a short non-empty text"),
        ({"course": ""}, "needs 'course' as a short non-empty text"),
        ({"version": 1}, "gives 'title' as format 2 does; set \"version\": 2 in it."),
        ({"version": 1, "title": "T", "lesson": "L"}, "gives 'formula' as format 2 does"),
        ({"version": 3}, "has format 3; this Vision Lab reads formats 1 to 2."),
        ({"colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_a_broken_format_2_file_is_one_sentence_naming_file_and_key(change: dict, problem: str, tmp_path) -> None:
    with pytest.raises(ConfigError) as err:
        load_preset(write(tmp_path, {**V2, **change}, "broken.json"))
    message = str(err.value)
    assert problem in message and "broken.json" in message, message
    assert "\n" not in message and message.count(". ") == 0


def test_every_shipped_text_is_in_english_and_chinese() -> None:
    for preset in list_presets():
        assert set(preset.texts) >= {"title", "lesson"}, preset.key
        for key, by_language in preset.texts.items():
            assert key in TEXTS
            assert set(by_language) == {"en", "zh_CN"}, (preset.key, key)
            assert CJK.search(by_language["zh_CN"]), (preset.key, key, "zh_CN")
            assert not CJK.search(by_language["en"]), (preset.key, key, "en")


def course() -> list[Preset]:
    return [p for p in list_presets() if p.course == ARTICLE_COURSE]


def test_the_course_comes_first_in_section_order() -> None:
    presets = list_presets()
    lessons = course()
    assert [p.section for p in lessons] == ["3.1", "3.2", "3.3", "3.4"]
    assert presets[: len(lessons)] == lessons
    rest = presets[len(lessons) :]
    assert rest and all(p.course is None for p in rest)
    # By title, numbers as numbers: lesson 10 after lesson 9, not between 1 and 2.
    assert [p.title for p in rest] == sorted((p.title for p in rest), key=lambda title: (section_order(title), title))


def test_the_course_trains_the_articles_models() -> None:
    by_section = {p.section: p for p in course()}
    assert [by_section[s].config.model for s in ("3.1", "3.2", "3.3", "3.4")] == ["mlp", "cnn", "autoencoder", "gan"]
    mlp = by_section["3.1"].config
    assert mlp.mlp.hidden == (64,) and mlp.mlp.dropout == 0 and not mlp.mlp.batch_norm
    cnn = by_section["3.2"].config.cnn
    assert [(b.channels, b.kernel, b.padding, b.pool) for b in cnn.blocks] == [(32, 3, "valid", True)]
    assert cnn.dense == (64,) and cnn.dropout == 0
    ae = by_section["3.3"].config.autoencoder
    assert (ae.variant, ae.hidden, ae.latent_dim) == ("dense", (), 64)
    gan = by_section["3.4"].config
    assert (gan.optim.name, gan.optim.lr, gan.optim.beta1) == ("adam", 2e-4, 0.5)
    assert gan.gan.update == "simultaneous" and gan.gan.ema == 0
    for p in by_section.values():
        cfg, article = p.config, article_config(p.config.model)
        assert getattr(cfg, cfg.model) == getattr(article, cfg.model) and cfg.optim == article.optim, p.key
        t = cfg.train
        assert (t.batch_size, t.lr_schedule, t.augment_shift) == (32, "constant", 0), p.key
        assert cfg.data.name == "mnist-5k" and cfg.data.limit is None


def test_the_course_has_its_formulas_and_the_articles_pitfalls() -> None:
    by_section = {p.section: p.in_language("en") for p in course()}
    formulas = {s: p.formula or "" for s, p in by_section.items()}
    assert "θ ← θ − η ∇_θ L" in formulas["3.1"] and "softmax" in formulas["3.1"]
    assert "Σ_{m,n}" in formulas["3.2"] and "max_" in formulas["3.2"]
    assert "z = f(x)" in formulas["3.3"] and "x̂ = g(z)" in formulas["3.3"] and "‖x − x̂‖²" in formulas["3.3"]
    assert "min_G max_D" in formulas["3.4"] and "L_D" in formulas["3.4"] and "L_G = −log D(G(z))" in formulas["3.4"]
    assert all(p.watch for p in by_section.values())
    assert by_section["3.1"].pitfall is None and by_section["3.2"].pitfall is None
    assert "own output" in (by_section["3.3"].pitfall or "")
    assert "uint8" in (by_section["3.4"].pitfall or "")
    for p in by_section.values():
        if p.pitfall:
            assert "What goes wrong" in p.pitfall and "What we do instead" in p.pitfall
            zh = p.in_language("zh_CN").pitfall or ""
            assert "问题在哪" in zh and "我们的做法" in zh


@pytest.mark.parametrize("section", ["3.1", "3.2", "3.3", "3.4"])
def test_each_course_lesson_trains_a_tiny_epoch(section: str, mnist5k) -> None:
    preset = next(p for p in course() if p.section == section)
    # 64 images: two steps of the lesson's own model, and a GAN judge trained in a moment on the same 64.
    tiny = {"data.limit": 64, "data.val_limit": 64, "train.epochs": 1}
    if preset.config.model == "gan":
        tiny["gan.judge_samples"] = 50
    events = list(Trainer(with_overrides(preset.config, **tiny), dataset=mnist5k).events())
    assert isinstance(events[-1], Finished) and events[-1].status == "completed"
    ends = [e for e in events if isinstance(e, Metrics) and e.epoch_end]
    assert len(ends) == 1 and all(v == v for v in ends[0].values.values())  # no NaN


def test_a_broken_lesson_file_is_one_sentence_in_chinese_too(tmp_path: Path, chinese) -> None:
    with pytest.raises(ConfigError) as err:
        load_preset(write(tmp_path, {**V2, "title": {"en": "T", "zh": "标题"}}, "broken.json"))
    message = str(err.value)
    assert message.startswith("课程文件 '") and "broken.json" in message and "'zh_CN'？" in message, message
