"""A dataset's notes (how validation was made, files left out) are shown under the Data panel's source and by the
CLI: in a Chinese window they read in Chinese, and the CLI still tells the files left out apart by their ids."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from vision_lab.core import i18n
from vision_lab.core.data.registry import load_dataset

LEFT_OUT = ("data.note.skipped_unreadable", "data.note.skipped_unreadable_one")


def _folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(root / cls / f"{i}.png")
    (root / "a" / "broken.png").write_bytes(b"not a png")
    (root / "a" / "broken2.png").write_bytes(b"not a png")
    return root


def test_the_bundled_digits_notes_in_chinese() -> None:
    i18n.set_language("zh_CN")
    try:
        notes = load_dataset("mnist-5k").notes
    finally:
        i18n.set_language("en")
    assert notes and all(re.search(r"[\u4e00-\u9fff]", n) for n in notes), notes
    assert not any(re.search(r"validation|hold-out|seeded", n) for n in notes), notes


def test_folder_notes_keep_their_english_and_gain_ids(tmp_path: Path) -> None:
    ds = load_dataset(str(_folder(tmp_path / "imgs")))
    text = " ".join(ds.notes)
    assert "skipped 2 unreadable files" in text and "validation = seeded stratified" in text
    assert any(getattr(n, "id", "") in LEFT_OUT for n in ds.notes)
    i18n.set_language("zh_CN")
    try:
        chinese = load_dataset(str(_folder(tmp_path / "imgs2"))).notes
    finally:
        i18n.set_language("en")
    assert any(getattr(n, "id", "") in LEFT_OUT and "跳过" in n for n in chinese), chinese
