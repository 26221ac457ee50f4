"""A resume's way back: the run folder as it was, kept as hard links until the resume has ended well.

A resume changes its folder from the first moment (metrics.csv cut back, config.json rewritten, summary.json removed
until the run ends again), so a resume that then fails, on a bug, a full disk or an out-of-memory, would leave a
finished run looking unfinished. Before the first change every file is hard-linked into ``.resume-backup/``: no
copy, because every write to a run folder replaces its file by a rename (:mod:`vision_lab.core.atomic`) and the
links keep the old contents. A resume that ends (completed, stopped, diverged) drops them; one that fails puts
them back, removes what it added, and the folder is byte for byte as it was. Files stay in place meanwhile, so a
window following the folder sees the resume live. A resume killed outright leaves the backup behind and its own
checkpoints in the folder; the next resume continues from those (they are newer) and drops the stale backup.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BACKUP_DIR = ".resume-backup"


class FolderBackup:
    """Every file of ``folder`` (recursively, hidden ones included), linked (else copied) into ``BACKUP_DIR``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / BACKUP_DIR
        shutil.rmtree(self.path, ignore_errors=True)  # a killed resume's: the folder holds its newer checkpoints
        self.files: set[Path] = set()
        self.dirs: set[Path] = set()
        self.path.mkdir()
        try:
            for rel, is_dir in self._entries():
                if is_dir:
                    self.dirs.add(rel)
                    continue
                (self.path / rel).parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(self.folder / rel, self.path / rel, follow_symlinks=False)
                except OSError:  # a file system without hard links (FAT, some network shares): a copy
                    shutil.copy2(self.folder / rel, self.path / rel, follow_symlinks=False)
                self.files.add(rel)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise

    def _entries(self) -> list[tuple[Path, bool]]:
        """(relative path, is a real folder) for everything under the folder but the backup, deepest first."""
        found: list[tuple[Path, bool]] = []
        for dirpath, dirnames, filenames in os.walk(self.folder, topdown=True):
            base = Path(dirpath).relative_to(self.folder)
            if base == Path("."):
                dirnames[:] = [d for d in dirnames if d != BACKUP_DIR]
            for name in dirnames:
                full = Path(dirpath) / name
                found.append((base / name, not full.is_symlink()))  # a symlink to a folder is kept as a link
            dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
            found.extend((base / name, False) for name in filenames)
        return sorted(found, key=lambda entry: len(entry[0].parts), reverse=True)

    def restore(self) -> None:
        """Put the folder back as it was: what the resume added goes, what it changed or removed comes back."""
        for rel, is_dir in self._entries():
            if not is_dir and rel not in self.files:
                (self.folder / rel).unlink()
        for rel in sorted(self.files, key=lambda p: len(p.parts)):
            (self.folder / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path / rel, self.folder / rel)
        for rel, is_dir in self._entries():
            if is_dir and rel not in self.dirs:
                shutil.rmtree(self.folder / rel, ignore_errors=True)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
