"""The core's message catalogue: every message has an id and a Chinese translation, the shipped .mo is current,
the CLI speaks the user's language, and a new untranslated message fails a test (the ratchet below)."""

from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
import update_catalogue

from vision_lab.core import i18n

ROOT = update_catalogue.ROOT
PO = update_catalogue.po_path("zh_CN")
RATCHET = Path(__file__).with_name("i18n_untranslated.txt")
REWRITE = "VISION_LAB_REWRITE_I18N_RATCHET"


@pytest.fixture
def chinese() -> None:
    i18n.set_language("zh_CN")  # tests/conftest.py puts the language back


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_the_code_scans_clean() -> None:
    """Literal ids and texts, fields that match the placeholders, one English per id."""
    scan = update_catalogue.scan_package()
    assert scan.problems == []
    assert len(scan.messages) > 150


def test_po_and_mo_are_current() -> None:
    assert update_catalogue.update(check=True) == []


def test_every_entry_is_translated() -> None:
    po = polib.pofile(str(PO))
    untranslated = [e.msgctxt for e in po if not e.obsolete and (not e.msgstr or e.fuzzy)]
    assert untranslated == []
    assert po.percent_translated() == 100


def test_translations_keep_the_placeholders() -> None:
    po = polib.pofile(str(PO))
    wrong = {
        e.msgctxt: (sorted(i18n.placeholders(e.msgid)), sorted(i18n.placeholders(e.msgstr)))
        for e in po
        if i18n.placeholders(e.msgid) != i18n.placeholders(e.msgstr)
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ('from vision_lab.core.i18n import t\nt(key, "The text.")\n', "needs a literal id"),
        ('from vision_lab.core.i18n import t\nt("a.b", f"The {x}.")\n', "needs a literal id"),
        ('from vision_lab.core import i18n\ni18n.t("a.b", text)\n', "needs a literal id"),
        ('from vision_lab.core.i18n import N_ as mark\nmark("a.b", "x" + y)\n', "needs a literal id"),
        ('from vision_lab.core.i18n import t\nt("a.b", "Got {value}.", val=1)\n', "fills ['val']"),
        ('from vision_lab.core.i18n import t\nt("a.b", "One.")\nt("a.b", "Two.")\n', "has another English"),
        ('from vision_lab.core.i18n import N_\nN_("a.b", "Got {value}.")\n', "has placeholders"),
    ],
)
def test_the_scan_refuses(source: str, problem: str) -> None:
    scan = update_catalogue.scan_source(source, "x.py")
    assert len(scan.problems) == 1 and problem in scan.problems[0], scan.problems


def test_the_scan_reads_only_the_i18n_markers() -> None:
    source = 'def t(a, b):\n    return a\nt(x, y)\nfrom vision_lab.core.i18n import t as tr\ntr("a.b", "Text.")\n'
    scan = update_catalogue.scan_source(source, "x.py")
    assert scan.problems == [] and scan.messages == {"a.b": "Text."}


def test_a_changed_english_is_untranslated_until_translated_again(tmp_path: Path) -> None:
    old = polib.POFile()
    old.append(polib.POEntry(msgctxt="a.same", msgid="Same.", msgstr="相同。"))
    old.append(polib.POEntry(msgctxt="a.changed", msgid="Old text.", msgstr="旧文本。"))
    old.append(polib.POEntry(msgctxt="a.gone", msgid="Gone.", msgstr="没了。"))
    scan = update_catalogue.scan_source(
        'from vision_lab.core.i18n import t\nt("a.same", "Same.")\nt("a.changed", "New text.")\nt("a.new", "New.")\n',
        "x.py",
    )
    po = update_catalogue.merged(scan, old, "zh_CN")
    entries = {e.msgctxt: e for e in po}
    assert set(entries) == {"a.same", "a.changed", "a.new"}  # the obsolete one is dropped
    assert entries["a.same"].msgstr == "相同。" and not entries["a.same"].fuzzy
    assert entries["a.changed"].fuzzy and entries["a.changed"].previous_msgid == "Old text."
    mo = tmp_path / "x.mo"
    po.save_as_mofile(str(mo))
    assert {(e.msgctxt, e.msgstr) for e in polib.mofile(str(mo)) if e.msgid} == {("a.same", "相同。")}


# --- at run time -----------------------------------------------------------------------------------------------


def test_t_speaks_the_current_language(chinese: None) -> None:
    from vision_lab.core.validate import check_range

    with pytest.raises(ValueError, match=r"^optim\.momentum 必须在 0 到 1 之间，而不是 2。$"):
        check_range("optim.momentum", 2, 0, 1)
    i18n.set_language("en")
    with pytest.raises(ValueError, match=r"^optim.momentum must be between 0 and 1, got 2\.$"):
        check_range("optim.momentum", 2, 0, 1)


def test_a_message_carries_its_id_across_a_pipe(chinese: None) -> None:
    message = i18n.t("health.nan", "Loss is NaN: run stopped, last good weights kept.")
    assert message.id == "health.nan" and "NaN" in message and "损失" in message
    copy = pickle.loads(pickle.dumps(message))
    assert copy == message and copy.id == "health.nan"


def test_an_unknown_language_or_entry_is_english() -> None:
    i18n.set_language("fr_FR")
    assert i18n.t("family.cnn.title", "CNN classifier") == "CNN classifier"
    i18n.set_language("zh_CN")
    assert i18n.t("no.such.id", "Not in the catalogue ({n}).", n=3) == "Not in the catalogue (3)."


def test_marked_texts_are_translated_where_shown() -> None:
    """Family titles and dataset descriptions are made at import, in no language: shown, they follow the setting."""
    from vision_lab.core import families
    from vision_lab.core.data import list_datasets

    cnn = families.get("cnn")
    assert cnn.title == "CNN classifier"  # the value itself stays the English (a key, and what old code compares)
    assert families.titles()["cnn"] == "CNN classifier"
    english = {d.name: d.description for d in list_datasets()}
    i18n.set_language("zh_CN")
    assert families.titles()["cnn"] == "CNN 分类器" and i18n.text(cnn.title) == "CNN 分类器"
    chinese = {d.name: d.description for d in list_datasets()}
    assert chinese["mnist-5k"].startswith("手写数字") and english["mnist-5k"].startswith("Handwritten digits")
    assert all(chinese[k] != english[k] for k in english)


def test_health_warnings_in_chinese_keep_their_ids(chinese: None) -> None:
    from vision_lab.core.health import MODE_COLLAPSE, health_warnings

    history = [{"g_loss": 1.0, "d_loss": 0.5, "judge_coverage": c} for c in (8.0, 9.0, 2.0)]
    (warning,) = health_warnings(history, None, "gan", 10)
    assert warning.id == MODE_COLLAPSE and warning.startswith("模式崩溃")
    nan = health_warnings([{"train_loss": float("nan")}], None, "cnn", 10)
    assert [w.id for w in nan] == ["health.nan"] and "NaN" in nan[0]


def test_export_and_checkpoint_sentences_in_chinese(chinese: None, tmp_path: Path) -> None:
    """Whole sentences per variant: no English clause glued into the Chinese (a run capped by max_steps, an export's
    kind)."""
    from vision_lab.core.checkpoint import Progress, check_work_left
    from vision_lab.core.config import default_config, with_overrides
    from vision_lab.core.errors import ExportError, RunError
    from vision_lab.core.export_targets import TITLES, export_target

    with pytest.raises(ExportError, match=r"^未知的导出格式 'zip'；可选：onnx, torchscript"):
        export_target(tmp_path, "zip", tmp_path / "x.zip")
    assert i18n.text(TITLES["safetensors"]) == "权重" and TITLES["safetensors"] == "weights"
    cfg = with_overrides(default_config("mlp"), **{"train.epochs": 2, "train.max_steps": 10})
    with pytest.raises(RunError) as err:
        check_work_left(tmp_path, Progress(10, 1, 0), cfg, 10)
    assert str(err.value).endswith("train.epochs 为 2、train.max_steps 为 10；请调高 train.epochs（--epochs）。")
    assert err.value.args[0].id == "checkpoint.nothing_left_capped"


def test_the_training_line_in_chinese(chinese: None) -> None:
    from vision_lab.cli import _training_line
    from vision_lab.core.config import default_config, with_overrides
    from vision_lab.core.events import DatasetSummary, Started

    cfg = with_overrides(default_config("cnn"), **{"train.precision": "bf16"})
    data = DatasetSummary("mnist-5k", "", 900, 100, (28, 28, 1), tuple("0123456789"))
    started = Started(cfg, data, "cuda", {"model": 1234}, 10, 20, 32, start_step=5)
    line = _training_line(cfg, started, 1234, 2)
    assert line == (
        "在 mnist-5k 上训练 cnn（训练 900 / 验证 100，28×28×1），1,234 个参数，共 20 步，从第 5 步继续，"
        "设备：2 个进程（0 号进程在 cuda 上），精度 bf16。"
    )
    i18n.set_language("en")
    assert _training_line(cfg, started, 1234, 1) == (
        "Training cnn on mnist-5k (900 train / 100 val, 28×28×1), 1,234 parameters, 20 steps from step 5 on cuda "
        "in bf16."
    )


def _cli(args: list[str], lang: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(LANG=lang, PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "vision_lab", *args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd
    )


def test_the_cli_follows_lang(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"optim": {"lr": -1}}', encoding="utf-8")
    zh = _cli(["train", "--config", str(bad)], "zh_CN.UTF-8", tmp_path)
    assert zh.returncode == 2, zh.stderr
    assert zh.stderr.strip() == "vision-lab：错误：optim.lr（学习率）必须是正数，而不是 -1.0。"
    en = _cli(["train", "--config", str(bad)], "C", tmp_path)
    assert en.returncode == 2, en.stderr
    assert en.stderr.strip() == "vision-lab: error: optim.lr (learning rate) must be a positive number, got -1.0."
    gone = _cli(["train", "--dataset", str(tmp_path / "nope")], "zh_CN.UTF-8", tmp_path)
    assert gone.returncode == 2 and gone.stderr.strip().endswith(f"数据集路径 '{tmp_path / 'nope'}' 不存在。")


# --- the ratchet: user-facing sentences not yet through t() ----------------------------------------------------

SCANNED = [ROOT / "vision_lab" / "core", ROOT / "vision_lab" / "cli.py"]


def _error_classes() -> set[str]:
    """VisionLabError and every class in vision_lab/core that derives from one (ImageTooLarge, ...)."""
    names = {"VisionLabError"}
    bases: dict[str, set[str]] = {}
    for path in (ROOT / "vision_lab" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    grown = True
    while grown:
        more = {n for n, b in bases.items() if b & names} - names
        names |= more
        grown = bool(more)
    return names | {"ArgumentTypeError"}


def _text(node: ast.expr) -> str | None:
    """A literal or f-string as its English (fields as {…}); None for anything else (a variable, a t() call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)  # type: ignore[misc]
    if isinstance(node, ast.BinOp):  # "a" + f"b"
        left, right = _text(node.left), _text(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def untranslated(source: str, where: str, errors: set[str]) -> list[str]:
    """``where: text`` for each user-facing sentence in ``source`` that does not go through t(): an error a user
    can cause raised with a literal, a health warning appended as one, a CLI print or exit."""
    found = []
    cli = where.endswith("cli.py")
    for node in ast.walk(ast.parse(source)):
        text = None
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and _name(node.exc.func) in errors:
            text = _text(node.exc.args[0]) if node.exc.args else None
        elif isinstance(node, ast.Call) and node.args:
            name = _name(node.func)
            if (where.endswith("health.py") and name == "append") or (cli and name in ("print", "exit")):
                text = _text(node.args[0])
        if text is not None and text.strip(" {…}\n"):
            found.append(f"{where}: {' '.join(text.split())[:100]}")
    return found


def current() -> list[str]:
    errors = _error_classes()
    found = []
    for base in SCANNED:
        for path in sorted(base.rglob("*.py")) if base.is_dir() else [base]:
            found += untranslated(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix(), errors)
    return sorted(found)


def test_the_ratchet_finds_an_untranslated_message() -> None:
    errors = _error_classes()
    assert "ImageTooLarge" in errors and "RunError" in errors
    source = (
        "from vision_lab.core.i18n import t\n"
        'raise DataError(f"Bad file {path}.")\n'
        'raise RunError(t("run.x", "Fine."))\n'
        "raise ValueError('a bug, not a user mistake')\n"
    )
    assert untranslated(source, "vision_lab/core/x.py", errors) == ["vision_lab/core/x.py: Bad file {…}."]
    cli = 'print(f"Wrote {n} images")\nprint(t("cli.x", "Fine."))\nprint(path)\n'
    assert untranslated(cli, "vision_lab/cli.py", errors) == ["vision_lab/cli.py: Wrote {…} images"]


def test_strings_stay_translatable() -> None:
    """Each message not yet through t() is listed in i18n_untranslated.txt: a new one fails, and so does a listed
    one that is gone (translated, or changed), so the list only shrinks. After translating some, rewrite it with
    VISION_LAB_REWRITE_I18N_RATCHET=1."""
    found = current()
    if os.environ.get(REWRITE):
        RATCHET.write_text(
            "# User-facing sentences of the core and the CLI not yet through vision_lab.core.i18n.t(); see\n"
            "# tests/core/test_i18n_catalogue.py. Only ever shrinks: translate one, then rerun with "
            f"{REWRITE}=1.\n" + "".join(line + "\n" for line in found),
            encoding="utf-8",
        )
    listed = [line for line in RATCHET.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    new = Counter(found) - Counter(listed)
    gone = Counter(listed) - Counter(found)
    assert not new, f"untranslated messages; put them through t() (and tests/core/update_catalogue.py): {sorted(new)}"
    assert not gone, f"no longer found, so drop them from {RATCHET.name} ({REWRITE}=1): {sorted(gone)}"
