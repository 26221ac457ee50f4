"""The built wheel, installed non-editable and run from another folder, finds its resources and trains."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0 and "No module named 'hatchling'" in build.stderr:
        pytest.skip("hatchling is not installed (pip install -e '.[test]' brings it)")
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("vision_lab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "vision_lab/resources/data/mnist-5k/train-images-idx3-ubyte.gz" in names
    assert "vision_lab/resources/locale/zh_CN/LC_MESSAGES/vision_lab.mo" in names  # the core's Chinese
    target = tmp_path_factory.mktemp("target")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH puts the installed copy first; cwd is far from the checkout, so nothing resolves to it.
    env = {**os.environ, "PYTHONPATH": str(target)}
    script = target / "bin" / "vision-lab"
    cmd = [sys.executable, str(script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def test_wheel_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [sys.executable, "-c", "import vision_lab.core.paths as p; print(p.__file__); print(p.resources_dir())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=True,
    ).stdout.split()
    assert all(line.startswith(str(installed)) for line in where), where
    result = run_installed(installed, tmp_path, "datasets")
    assert result.returncode == 0, result.stderr
    assert "mnist-5k" in result.stdout and "available offline" in result.stdout
    out = tmp_path / "run"
    result = run_installed(installed, tmp_path, "train", "--model", "cnn", "--max-steps", "5", "-q", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "summary.json").is_file()
