"""Where an export may be written: never onto a run's own files, never onto a FIFO or a device, and onto an existing
file only if it is an earlier export of the same kind (or the user said so: ``--force``, the window's question).

``export RUN --format safetensors --out RUN/weights`` once replaced the run's own weights.safetensors, after which
the run could be neither resumed, forked nor exported; ``--out /dev/null`` wrote ``/dev/null.csv``.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from safetensors import safe_open

from vision_lab.core.errors import ExportError, ExportOverwrite
from vision_lab.core.i18n import N_, t, text
from vision_lab.core.runs import CHECKPOINTS, CONFIG, RUN_FILES, open_run
from vision_lab.core.safe_io import describe_special, open_file, os_reason, shown

FORMATS = ("onnx", "torchscript", "script", "safetensors", "csv")
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt", "script": ".py", "safetensors": ".safetensors", "csv": ".csv"}
# Marked texts: the value stays the English (the GUI puts it in its own sentence); text() gives it translated.
TITLES = {
    "onnx": N_("export.title.onnx", "ONNX"),
    "torchscript": N_("export.title.torchscript", "TorchScript"),
    "script": N_("export.title.script", "script"),
    "safetensors": N_("export.title.safetensors", "weights"),
    "csv": N_("export.title.csv", "metrics"),
}
EXPORT_FORMAT = "vision-lab-export/1"
"""The metadata every export carries: how the next export knows a file as an earlier one it may replace."""


def export_target(run_dir: str | Path, fmt: str, out: str | Path, *, force: bool = False) -> Path:
    """The file :func:`export_run` would write for ``out``, once it is known to be safe to write.

    Refused whatever ``force`` says: a target that is (through any symlink) one of a run folder's own files, which an
    export would destroy (``--out RUN/weights`` once replaced the run's weights), and a FIFO, a device or a symlink
    loop (``/dev/null`` became ``/dev/null.csv``). Refused unless ``force``: an existing file that is not an earlier
    export of the same kind (:class:`~vision_lab.core.errors.ExportOverwrite`; the GUI asks, the CLI wants --force).
    """
    if fmt not in FORMATS:
        raise ExportError(
            t(
                "export.unknown_format",
                "Unknown export format {format}; choose one of {formats}.",
                format=repr(fmt),
                formats=", ".join(FORMATS),
            )
        )
    record = open_run(run_dir)
    out = Path(out).expanduser()
    special = describe_special(out)
    if special is not None:
        raise ExportError(_special_target(out, special))
    if not out.suffix and os.path.lexists(out) and not out.is_dir():
        raise ExportError(
            t(
                "export.target_not_folder",
                "'{path}' already exists and is not a folder; give the export's file name, ending in {suffix}.",
                path=shown(out),
                suffix=SUFFIXES[fmt],
            )
        )
    path = _out_path(out, fmt, record.path.name)
    written = [path, path.with_suffix(".safetensors")] if fmt == "script" else [path]
    for target, kind in zip(written, [fmt, "safetensors"], strict=False):
        owner = run_file_owner(target)
        if owner is not None:
            run = _resolved(target).parent if owner != CHECKPOINTS else _resolved(target).parent.parent
            raise ExportError(
                t(
                    "export.target_is_run_file",
                    "'{path}' is the run's own {file}: an export there would destroy the run in '{run}'; "
                    "choose another file.",
                    path=shown(target),
                    file=owner,
                    run=shown(run),
                )
            )
        special = describe_special(target)
        if special is not None:
            raise ExportError(_special_target(target, special))
        if _is_dir(target):
            raise ExportError(
                t("export.target_is_folder", "'{path}' is a folder; give the export's file name.", path=shown(target))
            )
        if os.path.lexists(target) and not force and not _earlier_export(target, kind):
            raise ExportOverwrite(
                t(
                    "export.not_earlier_export",
                    "'{path}' is not an earlier {title} export, so it is not written over; choose "
                    "another file, or use --force to replace it.",
                    path=shown(target),
                    title=text(TITLES[kind]),
                ),
                target,
                TITLES[kind],
            )
    return path


def _special_target(path: Path, special: str) -> str:
    return t(
        "export.target_is_special",
        "'{path}' is {special}, not a file or folder to write the export to.",
        path=shown(path),
        special=special,
    )


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError as err:  # a name longer than the file system allows
        raise ExportError(
            t("export.cannot_write", "Cannot write '{path}': {reason}.", path=shown(path), reason=os_reason(err))
        ) from None


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return path.absolute()


def run_file_owner(path: Path) -> str | None:
    """Which of a run folder's own files ``path`` is (symlinks resolved), or None: its folder has a config.json and
    the name is one the run writes (or the file is in its checkpoints/ folder)."""
    real = _resolved(path)
    folder, name = real.parent, real.name
    if folder.name == CHECKPOINTS and os.path.lexists(folder.parent / CONFIG):
        return CHECKPOINTS
    if not os.path.lexists(folder / CONFIG):
        return None
    if name in RUN_FILES or (name.startswith("preview-") and name.endswith(".png")) or name.endswith(".tmp"):
        return name
    return None


_SCRIPT_TITLE = re.compile(r'^"""The \w+ of the Vision Lab run .*, rebuilt in plain PyTorch\.')


def _earlier_export(path: Path, fmt: str) -> bool:
    """Whether ``path`` is a file an export of ``fmt`` wrote: its metadata, header or title says so (read in part)."""
    marker = EXPORT_FORMAT.encode()
    try:
        with open_file(path, "The export target", 1 << 62) as fh:
            head = fh.read(4096)
            if fmt == "csv":
                return head.startswith(b"step,epoch,")
            if fmt == "script":
                return bool(_SCRIPT_TITLE.match(head.decode("utf-8", errors="replace")))
            if fmt == "torchscript":
                fh.seek(0)
                with zipfile.ZipFile(fh) as zf:
                    extra = next((n for n in zf.namelist() if n.endswith("/extra/vision_lab.json")), None)
                    return extra is not None and marker in zf.read(extra)[:65536]
            if fmt == "onnx":  # protobuf keeps metadata_props after the graph: near the end
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - (1 << 20)))
                return marker in fh.read()
        with safe_open(str(path), framework="numpy") as weights:  # reads the header only (no torch needed)
            return (weights.metadata() or {}).get("format") == EXPORT_FORMAT
    except Exception:  # a file of any other kind (zipfile, safetensors raise their own types): not an export
        return False


def _out_path(out: Path, fmt: str, run_name: str) -> Path:
    suffix = SUFFIXES[fmt]
    if _is_dir(out):
        return out / f"{run_name}{suffix}"
    allowed = (suffix, ".pth") if fmt == "torchscript" else (suffix,)
    if not out.suffix:
        out = out.with_suffix(suffix)
    elif out.suffix not in allowed:
        raise ExportError(
            t(
                "export.wrong_suffix",
                "The {title} export's file name must end in {suffix}, got '{name}'.",
                title=text(TITLES[fmt]),
                suffix=suffix,
                name=out.name,
            )
        )
    return out
