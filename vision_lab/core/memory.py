"""How much memory this computer has free: so that data too big for it is named as such, not as "out of memory"."""

from __future__ import annotations

import os


def available_memory() -> int | None:
    """Bytes of memory a new allocation can count on (Linux: MemAvailable; elsewhere free pages), or None if unknown."""
    try:
        with open("/proc/meminfo", "rb") as fh:  # a kernel file: always there on Linux, never a FIFO
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None  # Windows, macOS without the name: no check, the loaders' own bounds still apply
