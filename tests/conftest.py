"""Shared test set-up: headless Qt, and per-session user folders so tests never touch the real ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Headless Qt for every test; the app itself never sets this.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("vision-lab-home")
    os.environ["VISION_LAB_HOME"] = str(home / "data")
    # The cache is shared across tests on purpose: a GAN judge trained once is reused.
    os.environ["VISION_LAB_CACHE"] = str(home / "cache")


@pytest.fixture(scope="session")
def mnist5k():
    from vision_lab.core.data import load_dataset

    return load_dataset("mnist-5k")


REPO = Path(__file__).resolve().parent.parent
