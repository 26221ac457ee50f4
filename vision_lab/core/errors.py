"""Errors that describe a user's mistake in one sentence.

Front ends catch :class:`VisionLabError` and show its message as is (CLI: exit code 2;
GUI: a message next to the control or a dialog). Anything else is a bug and keeps its traceback.
"""


class VisionLabError(Exception):
    """Base class: ``str(err)`` is one sentence naming the problem."""


class ConfigError(VisionLabError, ValueError):
    """A configuration value or file is invalid. ``key`` (e.g. ``"train.batch_size"``), when known, is the setting the
    sentence is about: the window shows the sentence next to that setting's control."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class DataError(VisionLabError):
    """A dataset is missing, unreadable, corrupt or not in a supported format."""


class DownloadError(DataError):
    """A download failed, was cut off, or its checksum did not match."""


class DownloadCancelled(DownloadError):
    """The user cancelled a download."""


class LoadCancelled(DataError):
    """The user cancelled loading a dataset (the scan of a big folder, say)."""


class RunError(VisionLabError):
    """A run folder is missing, incomplete or cannot be written."""


class ExportError(VisionLabError):
    """An export cannot be made: an unknown format, a missing optional package, or a check that failed."""


class ExportOverwrite(ExportError):
    """The export's target is a file that is not an earlier export of the same kind: replace it only if told to."""

    def __init__(self, message: str, path: object = None, kind: str = "") -> None:
        super().__init__(message)
        self.path = path
        """The file that would be written over."""
        self.kind = kind
        """The export's kind as a user reads it: "ONNX", "weights", "metrics"..."""
