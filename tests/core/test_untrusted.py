"""Never trust a file: pickles that would run code, tar members that point outside, checkpoints with payloads.

Each payload would create a marker file if it ran; every test checks the marker is still absent afterwards.
"""

from __future__ import annotations

import builtins
import io
import os
import pickle
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

import vision_lab
from vision_lab.cli import main
from vision_lab.core.data import load_dataset
from vision_lab.core.data.cifar import safe_extract, safe_unpickle
from vision_lab.core.errors import DataError, RunError


class Payload:
    """Pickles as ``func(*args)``: what an attacker's file would contain."""

    def __init__(self, func: Callable[..., object], *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        return self.func, self.args


def payloads(marker: Path) -> dict[str, object]:
    return {
        "os.system": Payload(os.system, f"touch '{marker}'"),
        "subprocess": Payload(subprocess.call, ["touch", str(marker)]),
        "exec": Payload(builtins.exec, f"open({str(marker)!r}, 'w').close()"),
        "getattr chain": Payload(builtins.getattr, Payload(builtins.__import__, "os"), "system"),
        "inside a batch dict": {b"data": [Payload(os.system, f"touch '{marker}'")], b"labels": [0]},
        "as a dict key": {Payload(os.system, f"touch '{marker}'"): 1},
    }


PAYLOAD_NAMES = list(payloads(Path("x")))

# --- CIFAR batches ---------------------------------------------------------------------------------------


def cifar_folder(root: Path, n: int = 4) -> Path:
    """A tiny, valid ``cifar-10-batches-py`` folder, pickled with protocol 2 like the real files."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        batch = {b"labels": [i % 10 for i in range(n)], b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    meta = {b"label_names": [f"class{i}".encode() for i in range(10)]}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def test_a_valid_tiny_cifar_folder_loads(tmp_path: Path) -> None:
    ds = load_dataset(str(cifar_folder(tmp_path)))
    assert ds.train_images.shape == (20, 32, 32, 3) and ds.num_classes == 10


@pytest.mark.parametrize("how", PAYLOAD_NAMES)
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar_batch_that_would_run_a_command_is_refused(how: str, protocol: int, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = cifar_folder(tmp_path / "c")
    (folder / "data_batch_3").write_bytes(pickle.dumps(payloads(marker)[how], protocol=protocol))
    with pytest.raises(DataError) as err:
        load_dataset(str(folder))
    message = str(err.value)
    assert message.startswith(f"Refusing to load '{folder / 'data_batch_3'}'") and "\n" not in message
    assert not marker.exists()


def test_cifar_payload_through_the_cli_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    folder = cifar_folder(tmp_path / "c")
    (folder / "batches.meta").write_bytes(pickle.dumps(Payload(os.system, f"touch '{marker}'"), protocol=2))
    code = main(["train", "--dataset", str(folder), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "Refusing to load" in err and "posix.system" in err
    assert not marker.exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("obj", "why"),
    [
        (np.array([1, "x"], dtype=object), "plain numeric"),  # object arrays unpickle their items
        (np.zeros(2, dtype=[("a", "u1"), ("b", "f4")]), "plain numeric"),  # structured: no plain spec
        (np.ma.masked_array([1, 2], mask=[0, 1]), "numpy.ma"),  # a subclass: its own reconstructor
    ],
    ids=["object array", "structured array", "masked array"],
)
def test_arrays_that_are_not_plain_numbers_are_refused(obj: np.ndarray, why: str, tmp_path: Path) -> None:
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({"data": obj}, protocol=2))
    with pytest.raises(DataError, match="Refusing to load") as err:
        safe_unpickle(path)
    assert why in str(err.value)


# --- tar archives ----------------------------------------------------------------------------------------


def member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "", data: bytes = b"x") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, io.BytesIO(data) if kind == tarfile.REGTYPE else None


def make_tar(path: Path, *members: tuple) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, data)
    return path


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (lambda out: member("../evil"), "points outside"),
        (lambda out: member("cifar-10-batches-py/../../evil"), "points outside"),
        (lambda out: member(str(out / "absolute-evil")), "points outside"),
        (lambda out: member("..\\evil"), "points outside"),  # a Windows separator
        (lambda out: member("C:evil"), "points outside"),  # a Windows drive
        (lambda out: member("cifar-10-batches-py/up", tarfile.SYMTYPE, "../../"), "is a link"),
        (lambda out: member("cifar-10-batches-py/passwd", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
        (lambda out: member("cifar-10-batches-py/hard", tarfile.LNKTYPE, str(out / "victim")), "is a link"),
        (lambda out: member("cifar-10-batches-py/dev", tarfile.CHRTYPE), "special file"),
    ],
    ids=["../evil", "nested ..", "absolute path", "backslash ..", "drive letter", "symlink up", "symlink out",
         "hardlink", "device"],
)  # fmt: skip
def test_tar_members_pointing_outside_are_refused(bad: Callable[[Path], tuple], fragment: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_text("mine")
    dest = tmp_path / "box" / "dest"
    dest.mkdir(parents=True)
    # A good member first: nothing at all may be written, not even what came before the bad one.
    archive = make_tar(tmp_path / "a.tar.gz", member("cifar-10-batches-py/ok"), bad(outside))
    with pytest.raises(DataError) as err:
        safe_extract(archive, dest)
    message = str(err.value)
    assert fragment in message and str(archive) in message and "\n" not in message
    assert list(dest.iterdir()) == []
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["outside", "victim", "box", "dest", "a.tar.gz"])
    assert (outside / "victim").read_text() == "mine"


def test_a_file_written_through_a_symlink_member_is_refused(tmp_path: Path) -> None:
    """The classic two-step: a link to a folder outside, then a file 'inside' the link."""
    dest = tmp_path / "dest"
    dest.mkdir()
    archive = make_tar(
        tmp_path / "a.tar.gz",
        member("cifar-10-batches-py", tarfile.SYMTYPE, str(tmp_path)),
        member("cifar-10-batches-py/planted", data=b"evil"),
    )
    with pytest.raises(DataError, match="is a link"):
        safe_extract(archive, dest)
    assert not (tmp_path / "planted").exists() and list(dest.iterdir()) == []


# --- checkpoints and weights -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("untrusted") / "run"
    argv = ["train", "--model", "mlp", "--limit", "64", "--max-steps", "1", "-q", "--set", "mlp.hidden=[8]"]
    assert main([*argv, "--out", str(run)]) == 0
    return run


def torch_zip_pickle(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)  # torch's own zip format, data.pkl inside
    return buf.getvalue()


@pytest.mark.parametrize("container", ["torch zip", "raw pickle"])
@pytest.mark.parametrize("how", ["os.system", "exec", "inside the state"])
def test_checkpoint_with_a_payload_is_refused_on_resume(
    container: str, how: str, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    evil = {
        "os.system": Payload(os.system, f"touch '{marker}'"),
        "exec": Payload(builtins.exec, f"open({str(marker)!r}, 'w').close()"),
        "inside the state": {"step": 1, "optimizer": {"state": Payload(os.system, f"touch '{marker}'")}},
    }[how]
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    blob = torch_zip_pickle(evil) if container == "torch zip" else pickle.dumps(evil, protocol=2)
    (run / "checkpoint.pt").write_bytes(blob)
    code = main(["train", "--resume", str(run), "--max-steps", "3", "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0, err
    assert f"The checkpoint in '{run}' is corrupt" in err
    assert not marker.exists()


def test_load_checkpoint_raises_run_error_not_unpickling_error(run_dir: Path, tmp_path: Path) -> None:
    from vision_lab.core.runs import load_checkpoint

    marker = tmp_path / "pwned"
    (tmp_path / "checkpoint.pt").write_bytes(torch_zip_pickle(Payload(os.system, f"touch '{marker}'")))
    with pytest.raises(RunError, match="corrupt"):
        load_checkpoint(tmp_path)
    assert not marker.exists()
    assert "step" in load_checkpoint(run_dir)  # the real one still loads


@pytest.mark.parametrize("command", ["sample", "export", "resume"])
def test_a_pickle_posing_as_weights_is_refused(
    command: str, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    (run / "weights.safetensors").write_bytes(torch_zip_pickle(Payload(os.system, f"touch '{marker}'")))
    argv = {
        "sample": ["sample", str(run), "--out", str(tmp_path / "s.npz")],
        "export": ["export", str(run), "--format", "script", "--out", str(tmp_path / "m.py")],
        "resume": ["train", "--resume", str(run), "--max-steps", "3", "-q"],
    }[command]
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0, err
    assert "weights.safetensors" in err and not marker.exists()


def test_npz_with_a_pickled_payload_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "data.npz"
    x = np.empty(1, dtype=object)
    x[0] = Payload(os.system, f"touch '{marker}'")
    np.savez(path, x=x, y=np.zeros(1, np.int64))  # object arrays are saved with pickle inside
    with pytest.raises(DataError, match="need pickle, which is not allowed"):
        load_dataset(str(path))
    assert not marker.exists()


# --- the package's own source ----------------------------------------------------------------------------

PACKAGE = Path(vision_lab.__file__).parent


def _calls(text: str, opener: str) -> list[str]:
    """The argument text of every ``opener(...)`` call in ``text`` (balanced parentheses)."""
    found = []
    for match in re.finditer(re.escape(opener), text):
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        found.append(re.sub(r"\s+", "", text[match.end() : i - 1]))
    return found


def test_the_package_never_unpickles_without_a_guard() -> None:
    """Code and code templates alike (the exported script is code we ship): weights_only, allow_pickle=False,
    and plain pickle only in the restricted unpickler."""
    problems = []
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 30
    for path in sources:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE.parent)
        problems += [f"{where}: torch.load({a})" for a in _calls(text, "torch.load(") if "weights_only=True" not in a]
        for opener in ("np.load(", "numpy.load("):
            problems += [f"{where}: {opener}{a})" for a in _calls(text, opener) if "allow_pickle=False" not in a]
        if "allow_pickle=True" in text:
            problems.append(f"{where}: allow_pickle=True")
        if path.name != "cifar.py":
            for pattern in (r"\bpickle\.loads?\(", r"\bpickle\.Unpickler\b", r"\bimport pickle\b", r"\bdill\b"):
                problems += [f"{where}: {m.group()}" for m in re.finditer(pattern, text)]
        if re.search(r"\.extractall\(", text) and path.name != "cifar.py":
            problems.append(f"{where}: extractall outside the checked extractor")
    assert problems == []


def test_the_static_check_would_catch_an_unguarded_load() -> None:
    assert _calls("x = torch.load(path, map_location='cpu')", "torch.load(") == ["path,map_location='cpu'"]
    assert _calls("np.load(f(a), allow_pickle=False)", "np.load(") == ["f(a),allow_pickle=False"]
