"""Every registered family trains, resumes bit for bit and exports (tests/every_family.py says how): a family added
to the registry is tested here without a line of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from every_family import check_a_run, check_exports, check_fork, check_resume

from vision_lab.core import families


@pytest.mark.parametrize("key", families.names())
def test_every_family_trains_and_reports_what_it_declares(key: str, tmp_path: Path) -> None:
    check_a_run(key, tmp_path / "run")


@pytest.mark.parametrize("key", families.names())
def test_every_family_resumes_bit_identically(key: str, tmp_path: Path) -> None:
    check_resume(key, tmp_path)


@pytest.mark.parametrize("key", families.names())
def test_every_family_forks(key: str, tmp_path: Path) -> None:
    check_fork(key, tmp_path)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("key", families.names())
def test_every_family_exports_in_every_format_it_declares(key: str, tmp_path: Path) -> None:
    check_a_run(key, tmp_path / "run")
    formats = check_exports(tmp_path / "run", tmp_path)
    assert {"torchscript", "onnx"} <= set(formats)
