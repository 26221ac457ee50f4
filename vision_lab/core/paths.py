"""Where shipped resources and per-user folders live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    """The shipped ``resources/`` folder.

    In a wheel it is ``vision_lab/resources``; in a source checkout (and an editable
    install) it is the top-level ``resources/`` beside the package.
    """
    for candidate in (_PKG / "resources", _PKG.parent / "resources"):
        if (candidate / "data").is_dir():
            return candidate
    raise FileNotFoundError("Vision Lab's resources folder is missing from this installation.")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


def cache_dir() -> Path:
    """Per-user cache for downloaded datasets (``VISION_LAB_CACHE`` overrides)."""
    if env := os.environ.get("VISION_LAB_CACHE"):
        return Path(env)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "vision-lab"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "vision-lab" / "cache"
    return _xdg("XDG_CACHE_HOME", ".cache") / "vision-lab"


def data_dir() -> Path:
    """Per-user data folder; runs are saved under ``runs/`` (``VISION_LAB_HOME`` overrides)."""
    if env := os.environ.get("VISION_LAB_HOME"):
        return Path(env)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "vision-lab"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "vision-lab"
    return _xdg("XDG_DATA_HOME", ".local/share") / "vision-lab"


def runs_dir() -> Path:
    return data_dir() / "runs"
