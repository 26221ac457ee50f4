"""The family registry: every declaration is coherent, and nothing outside the families' own modules names one.

The design rule (ARCHITECTURE.md): a family is declared in one place and the rest of the program asks the registry.
The scan below fails when a module outside the families' packages compares with, or reads the settings of, a family
by name, which is how "one registry entry per layer" quietly stops being true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vision_lab.core import families
from vision_lab.core.config import ExperimentConfig, default_config
from vision_lab.core.errors import ConfigError
from vision_lab.core.families import Family

PACKAGE = Path(__file__).resolve().parents[2] / "vision_lab"
# Where a family's name belongs: its declarations, its Task and model classes.
FAMILY_CODE = ("core/families/", "gui/families/", "core/models/", "core/tasks.py")
# Named on purpose: the default family of a new experiment, the GAN judge (a CNN by design), and the article's
# Keras code (run by another Python, with no Vision Lab to ask).
ALLOWED = {("core/config.py", "cnn"), ("core/judge.py", "cnn"), ("bench/keras_article.py", None)}


@pytest.mark.parametrize("key", families.names())
def test_each_declaration_is_coherent_with_its_task(key: str) -> None:
    family = families.get(key)
    family.check()
    task = family.load_task()
    assert task.loss_names == family.losses
    assert set(task.eval_names) <= {m.key for m in family.metrics}
    assert family.headline in task.eval_names
    assert isinstance(default_config(key).section(key), family.config)
    cfg = default_config(key).validate()
    assert ExperimentConfig.from_json(cfg.to_json()) == cfg
    assert set(cfg.to_dict()) == {"model", "data", key, "optim", "train", "name", "version"}


def test_the_window_has_every_family() -> None:
    from vision_lab.gui import families as gui_families

    assert gui_families.names() == families.names()


def test_a_declaration_that_does_not_add_up_is_refused() -> None:
    cnn = families.get("cnn")
    broken = {
        "data": "needs a lower-case identifier",
        "Newnet": "needs a lower-case identifier",
    }
    for key, message in broken.items():
        with pytest.raises(ConfigError, match=message):
            families.register(_renamed(cnn, key))
    with pytest.raises(ConfigError, match="unknown capabilities: telepathy"):
        families.register(_renamed(cnn, "newnet", capabilities=frozenset({"telepathy"})))
    with pytest.raises(ConfigError, match="does not declare"):
        families.register(_renamed(cnn, "newnet", headline="val_iou"))
    with pytest.raises(ConfigError, match="registered already"):
        families.register(_renamed(families.get("mlp"), "cnn"))
    assert "newnet" not in families.names()


def _renamed(family: Family, key: str, **changes: object) -> Family:
    import dataclasses

    return dataclasses.replace(family, key=key, knobs=(), **changes)  # type: ignore[arg-type]


def _names_a_family(tree: ast.AST, keys: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in keys:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Attribute) and node.attr in keys:
            found.append((node.lineno, node.attr))
    return found


def test_nothing_outside_the_families_names_one() -> None:
    keys = set(families.names())
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(FAMILY_CODE) or (rel, None) in ALLOWED:
            continue
        for line, key in _names_a_family(ast.parse(path.read_text()), keys):
            if (rel, key) not in ALLOWED:
                offenders.append(f"vision_lab/{rel}:{line} names the family '{key}'")
    assert not offenders, "ask the registry instead:\n" + "\n".join(offenders)


def test_the_scan_sees_a_family_named_in_code() -> None:
    source = "if cfg.model == 'gan':\n    z = cfg.gan.latent_dim\n"
    assert _names_a_family(ast.parse(source), {"gan"}) == [(1, "gan"), (2, "gan")]
