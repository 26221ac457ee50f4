"""Re-extract the window's strings into resources/i18n/*.ts and compile the shipped .qm beside them.

    python tests/gui/update_translations.py          # lupdate (keeps existing translations) + lrelease
    python tests/gui/update_translations.py --check  # exit 1 when a .ts or .qm is out of date (what the tests do)

Translate the new entries with Qt Linguist (pyside6-linguist) or by editing the .ts, then run it again.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
I18N = REPO / "resources" / "i18n"
GUI = REPO / "vision_lab" / "gui"
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    """PySide6's wrapper scripts, beside this Python when they are not on PATH."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit(f"{name} not found: it comes with PySide6-Essentials (pip install PySide6-Essentials)")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for p in GUI.rglob("*.py"))


def lupdate(ts: Path) -> None:
    # -no-obsolete: a string removed from the code leaves the catalogue; -locations none: no line-number churn.
    subprocess.run(
        [tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none", *sources(), "-ts", str(ts)],
        cwd=REPO,
        check=True,
    )


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)


def stale() -> list[str]:
    """The shipped files that differ from what the code and the .ts give now."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in LANGUAGES:
            ts, qm = I18N / f"vision_lab_{lang}.ts", I18N / f"vision_lab_{lang}.qm"
            fresh_ts, fresh_qm = Path(tmp) / ts.name, Path(tmp) / qm.name
            shutil.copy(ts, fresh_ts)
            lupdate(fresh_ts)
            if not filecmp.cmp(ts, fresh_ts, shallow=False):
                problems.append(f"{ts.name} lacks the code's current strings")
            lrelease(ts, fresh_qm)
            if not qm.is_file() or not filecmp.cmp(qm, fresh_qm, shallow=False):
                problems.append(f"{qm.name} is not compiled from {ts.name}")
    return problems


def main(argv: list[str]) -> int:
    if "--check" in argv:
        problems = stale()
        print("\n".join(problems) or "translations are current")
        return 1 if problems else 0
    I18N.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        ts = I18N / f"vision_lab_{lang}.ts"
        if not ts.exists():
            ts.write_text(
                f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="{lang}">\n</TS>\n',
                encoding="utf-8",
            )
        lupdate(ts)
        lrelease(ts, I18N / f"vision_lab_{lang}.qm")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
