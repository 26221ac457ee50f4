"""Keep the core's message catalogue in step with the code.

    python tests/core/update_catalogue.py           # extract, merge, write the .po, compile the .mo
    python tests/core/update_catalogue.py --check   # exit 1 when either file is stale (what a test runs)

Every ``t(id, english, ...)`` and ``N_(id, english)`` call in vision_lab/ (names imported from
vision_lab.core.i18n, or ``i18n.t``) is read from the source with ``ast``; the id and the English must be literal
strings, and ``t()``'s keyword fields must be the English's ``{placeholders}``. The .po (msgctxt = id,
msgid = English, msgstr = Chinese) keeps each translation whose id and English are unchanged; one whose English
changed is marked fuzzy (the .mo leaves it out, so the English shows until someone translates it again); entries
the code no longer has are dropped. polib writes both files: the runtime reads the .mo with stdlib gettext.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "vision_lab"
LOCALE = ROOT / "resources" / "locale"
LANGUAGES = ("zh_CN",)
DOMAIN = "vision_lab"
I18N_MODULE = "vision_lab.core.i18n"
MARKERS = ("t", "N_")
# The implementation itself passes ids through (text() of a Deferred): nothing there to extract.
SKIP = {PACKAGE / "core" / "i18n.py"}

HEADER = {
    "Project-Id-Version": "vision-lab",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
}


@dataclass
class Scan:
    messages: dict[str, str] = field(default_factory=dict)
    """id -> English."""
    places: dict[str, list[str]] = field(default_factory=dict)
    """id -> the files that say it."""
    problems: list[str] = field(default_factory=list)


def _marker_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """Local name -> marker ("t" or "N_") for names imported from the i18n module, and local names of the module."""
    names: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == I18N_MODULE:
            names.update({a.asname or a.name: a.name for a in node.names if a.name in MARKERS})
        elif isinstance(node, ast.ImportFrom) and node.module == "vision_lab.core":
            modules.update(a.asname or a.name for a in node.names if a.name == "i18n")
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names if a.name == I18N_MODULE and a.asname)
    return names, modules


def _marker(call: ast.Call, names: dict[str, str], modules: set[str]) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return names.get(func.id)
    named = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in modules
    return func.attr if named and func.attr in MARKERS else None  # type: ignore[union-attr]


def scan_source(source: str, where: str, scan: Scan | None = None) -> Scan:
    """Add the messages of one module's source to ``scan`` (a new one by default)."""
    from vision_lab.core.i18n import placeholders

    scan = scan if scan is not None else Scan()
    tree = ast.parse(source)
    names, modules = _marker_names(tree)
    if not names and not modules:
        return scan
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        marker = _marker(node, names, modules)
        if marker is None:
            continue
        at = f"{where}:{node.lineno}"
        args = node.args
        if len(args) != 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            scan.problems.append(f"{at}: {marker}() needs a literal id and a literal English text")
            continue
        id_, english = (a.value for a in args)  # type: ignore[union-attr]
        if marker == "t" and not any(k.arg is None for k in node.keywords):  # no **fields: the names must match
            given = {k.arg for k in node.keywords}
            if given != placeholders(english):
                scan.problems.append(
                    f"{at}: {id_!r} fills {sorted(given)} but its text has {sorted(placeholders(english))}"
                )
        elif marker == "N_" and placeholders(english):
            scan.problems.append(f"{at}: N_({id_!r}) has placeholders; use t() where the values are known")
        known = scan.messages.get(id_)
        if known is not None and known != english:
            scan.problems.append(f"{at}: {id_!r} has another English elsewhere: {known!r}")
            continue
        scan.messages[id_] = english
        places = scan.places.setdefault(id_, [])
        if where not in places:
            places.append(where)
    return scan


def scan_package(package: Path = PACKAGE) -> Scan:
    scan = Scan()
    for path in sorted(package.rglob("*.py")):
        if path in SKIP:
            continue
        scan_source(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix(), scan)
    return scan


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def merged(scan: Scan, old: polib.POFile | None, language: str) -> polib.POFile:
    """The catalogue for ``scan``'s messages, keeping ``old``'s translations where the English is unchanged."""
    po = polib.POFile(wrapwidth=120)
    po.metadata = {**HEADER, "Language": language}
    previous = {e.msgctxt: e for e in old if not e.obsolete} if old is not None else {}
    for id_ in sorted(scan.messages):
        english = scan.messages[id_]
        entry = polib.POEntry(msgctxt=id_, msgid=english, msgstr="", occurrences=[(p, "") for p in scan.places[id_]])
        before = previous.get(id_)
        if before is not None and before.msgstr:
            entry.msgstr = before.msgstr
            if before.msgid != english:
                entry.flags = ["fuzzy"]  # the English changed: the old Chinese may say something else now
                entry.previous_msgid = before.msgid
            else:
                entry.flags = list(before.flags)
                entry.previous_msgid = before.previous_msgid if before.fuzzy else None
        po.append(entry)
    return po


def _mo_entries(data: polib.MOFile | list[polib.POEntry]) -> set[tuple[str, str, str]]:
    return {(e.msgctxt or "", e.msgid, e.msgstr) for e in data if e.msgid}


def update(check: bool = False, scan: Scan | None = None) -> list[str]:
    """Write (or with ``check``, compare) every language's .po and .mo; returns what is wrong or stale."""
    scan = scan if scan is not None else scan_package()
    if scan.problems:
        return scan.problems
    stale = []
    for language in LANGUAGES:
        po_file = po_path(language)
        mo_file = po_file.with_suffix(".mo")
        old = polib.pofile(str(po_file), wrapwidth=120) if po_file.is_file() else None
        po = merged(scan, old, language)
        text = str(po)
        if check:
            if not po_file.is_file() or po_file.read_text(encoding="utf-8") != text:
                stale.append(f"{po_file.relative_to(ROOT)} is not what the code says: run {Path(__file__).name}")
            shipped = _mo_entries(polib.mofile(str(mo_file))) if mo_file.is_file() else set()
            if shipped != _mo_entries(po.translated_entries()):
                stale.append(f"{mo_file.relative_to(ROOT)} is not compiled from the .po: run {Path(__file__).name}")
            continue
        po_file.parent.mkdir(parents=True, exist_ok=True)
        po_file.write_text(text, encoding="utf-8")
        po.save_as_mofile(str(mo_file))
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file is stale")
    args = parser.parse_args(argv)
    problems = update(check=args.check)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
