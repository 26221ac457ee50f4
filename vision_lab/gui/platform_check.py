"""Can Qt open a window here? Asked before the QApplication exists, because Qt's answer to "no" is an abort.

On Linux, Qt picks a platform plugin (xcb for X11, wayland) and calls ``qFatal`` when none of those it tries can
start: the process dumps core (exit 134) after a page of plugin diagnostics. A fresh Debian desktop lacks some of
the system libraries the xcb plugin of PySide6's wheels needs (libxcb-cursor0 since Qt 6.5, libxcb-icccm4,
libxcb-keysyms1), so this module follows Qt's own choice of platforms and, for each, checks what Qt will need:
a display, and a plugin whose libraries load. When none would work it returns ONE sentence that names what is
missing and how to install it; the caller prints it and exits with code 2.

The normal start-up pays one ``dlopen`` of the plugin Qt loads a moment later anyway (its libraries then stay
loaded, so Qt's own load is cheaper by as much) and, on X11, one connection to the display; see ``last_cost_ms``.
No Qt is imported here: the check must work where Qt's own libraries fail to load.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "OS_RELEASE_FILES",
    "PACKAGES",
    "PLATFORM_LIBRARIES",
    "check",
    "distro_family",
    "explain_import_error",
    "last_cost_ms",
    "missing_libraries_sentence",
    "plugin_file",
    "qt_platforms",
]


def _(message: str) -> str:
    """Marks a sentence for the message catalogue (gettext, issue 19 item 2); returns it untranslated for now."""
    return message


# One whole sentence each, with named placeholders, so that a translation may reorder them.
MISSING_LIBRARIES = _(
    "Qt cannot open a window because system libraries are missing ({libraries}); install them with {install}."
)
INSTALL_ON_EITHER = _("'{apt_command}' on Debian or Ubuntu, or '{dnf_command}' on Fedora")
UNKNOWN_LIBRARY = _(
    "Qt cannot open a window because its {platform} platform plugin does not load ({reason}); "
    "install the system package that provides the library it names."
)
BROKEN_QT = _(
    "Qt cannot open a window because its {platform} platform plugin does not load ({reason}); "
    "reinstall Qt with 'pip install --force-reinstall PySide6-Essentials'."
)
NO_DISPLAY = _(
    "no display found (DISPLAY and WAYLAND_DISPLAY are unset); run it on a desktop, "
    "or train headless with 'vision-lab train'."
)
NO_X_SERVER = _(
    "cannot connect to the X display {display} (DISPLAY); run it on that desktop, "
    "or train headless with 'vision-lab train'."
)

# Library file -> (Debian/Ubuntu package, Fedora package).
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libz.so.1": ("zlib1g", "zlib"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
}

# The system libraries each platform plugin of PySide6's wheels needs (itself and its own Qt library,
# libQt6XcbQpa or libQt6WaylandClient); tests/gui/test_platform_check.py reads the shipped plugins against it.
PLATFORM_LIBRARIES: dict[str, tuple[str, ...]] = {
    "xcb": (
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libxcb-image.so.0",
        "libxcb-render-util.so.0",
        "libxcb-util.so.1",
        "libxcb.so.1",
        "libxcb-randr.so.0",
        "libxcb-render.so.0",
        "libxcb-shape.so.0",
        "libxcb-shm.so.0",
        "libxcb-sync.so.1",
        "libxcb-xfixes.so.0",
        "libxcb-xkb.so.1",
        "libxkbcommon.so.0",
        "libxkbcommon-x11.so.0",
        "libX11.so.6",
        "libX11-xcb.so.1",
        "libGL.so.1",
        "libglib-2.0.so.0",
        "libgthread-2.0.so.0",
    ),
    "wayland": ("libwayland-client.so.0", "libwayland-cursor.so.0", "libxkbcommon.so.0", "libGL.so.1"),
}

OS_RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release")
DEFAULT_PLATFORM = "xcb"  # QT_QPA_DEFAULT_PLATFORM_NAME of the Linux wheels
_LIBRARY_IN_ERROR = re.compile(r"^(?P<path>[^:\s]+\.so[^:\s]*): ")  # dlerror(): "<file>: <why>"

last_cost_ms: float | None = None
"""What the last :func:`check` took, in ms; the start-up probe (``VISION_LAB_STARTUP_PROBE``) reports it."""


def qt_platforms(env: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt will try, in its order (QGuiApplicationPrivate::createPlatformIntegration)."""
    explicit = env.get("QT_QPA_PLATFORM", "")
    if explicit:  # "name:arg=value;other": Qt tries each until one starts
        return [part.split(":", 1)[0].strip() for part in explicit.split(";") if part.strip()]
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    return (["wayland"] if wayland else []) + [DEFAULT_PLATFORM]


def _plugin_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where Qt looks for platform plugins: QT_QPA_PLATFORM_PLUGIN_PATH, QT_PLUGIN_PATH, then its own folder."""
    dirs = [Path(env["QT_QPA_PLATFORM_PLUGIN_PATH"])] if env.get("QT_QPA_PLATFORM_PLUGIN_PATH") else []
    dirs += [Path(p) / "platforms" for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    spec = importlib.util.find_spec("PySide6")  # PySide6's wheel: PySide6/Qt/plugins; found without importing Qt
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location) / "Qt" / "plugins" / "platforms")
    return dirs


def plugin_file(platform: str, env: Mapping[str, str]) -> Path | None:
    """The file of the xcb or wayland platform plugin Qt will load, None where none is found."""
    name = "libqwayland.so" if platform.startswith("wayland") else f"libq{platform}.so"
    dirs = _plugin_dirs(env)
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    if not any(d.is_dir() for d in dirs):  # a PySide6 built against a system Qt (a distribution's package)
        try:
            from PySide6.QtCore import QLibraryInfo  # late: only where the wheel's own folder is absent

            found = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / name
            return found if found.is_file() else None
        except ImportError:
            return None
    return None


def _library_of(error: OSError) -> str:
    """The file name dlopen's message starts with: the library that is missing or broken."""
    match = _LIBRARY_IN_ERROR.match(str(error))
    return Path(match["path"]).name if match else str(error)


def _load(path: str) -> OSError | None:
    try:
        ctypes.CDLL(path, mode=os.RTLD_LAZY)  # lazy, as Qt loads plugins: resolving every symbol costs ms
    except OSError as err:
        return err
    return None


def _missing_libraries(plugin: Path, platform: str) -> tuple[list[str], OSError | None]:
    """The libraries in the way of loading ``plugin`` (all of them, not only the first dlopen names)."""
    err = _load(str(plugin))
    if err is None:
        return [], None
    missing: list[str] = []
    for library in PLATFORM_LIBRARIES["wayland" if platform.startswith("wayland") else platform]:
        failure = _load(library)
        if failure is not None and _library_of(failure) not in missing:
            missing.append(_library_of(failure))
    if _library_of(err) not in missing:
        missing.append(_library_of(err))
    return missing, err


def _x_server_answers(display: str) -> bool:
    """One connection, as Qt's xcb plugin opens: a DISPLAY with no X server behind it makes Qt abort too."""
    xcb = ctypes.CDLL("libxcb.so.1")  # loaded already, with the plugin
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    if xcb.xcb_connection_has_error(connection) == 0:
        # Kept open: an X server with no other client (xinit, a bare Xvfb) resets when its last client leaves, and
        # Qt, connecting a moment later, found no display and aborted. One idle connection costs nothing.
        _HELD.append(connection)
        return True
    xcb.xcb_disconnect(connection)  # safe on libxcb's static error connection too
    return False


_HELD: list[int] = []
"""The connections of successful checks, open for the life of the process (see :func:`_x_server_answers`)."""


def _wayland_socket(env: Mapping[str, str]) -> bool:
    if env.get("WAYLAND_SOCKET"):
        return True
    name = env.get("WAYLAND_DISPLAY") or "wayland-0"
    path = Path(name) if os.path.isabs(name) else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent")) / name
    return path.exists()


def distro_family(os_release: str) -> str | None:
    """The family, "debian" or "fedora", from /etc/os-release's ID and ID_LIKE, None for any other distribution."""
    ids: set[str] = set()
    for line in os_release.splitlines():
        key, _sep, value = line.partition("=")
        if key.strip() in ("ID", "ID_LIKE"):
            ids |= set(value.strip().strip("\"'").lower().split())
    if ids & {"debian", "ubuntu"}:
        return "debian"
    if ids & {"fedora", "rhel", "centos"}:
        return "fedora"
    return None


def _read_os_release() -> str:
    for path in OS_RELEASE_FILES:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return ""


def missing_libraries_sentence(libraries: Sequence[str], os_release: str | None = None) -> str:
    """The sentence for libraries named in PACKAGES: this distribution's install command, or both."""
    debian = list(dict.fromkeys(PACKAGES[lib][0] for lib in libraries))
    fedora = list(dict.fromkeys(PACKAGES[lib][1] for lib in libraries))
    apt, dnf = "sudo apt install " + " ".join(debian), "sudo dnf install " + " ".join(fedora)
    family = distro_family(_read_os_release() if os_release is None else os_release)
    if family == "debian":
        install = f"'{apt}'"
    elif family == "fedora":
        install = f"'{dnf}'"
    else:
        install = INSTALL_ON_EITHER.format(apt_command=apt, dnf_command=dnf)
    return MISSING_LIBRARIES.format(libraries=", ".join(libraries), install=install)


@dataclass(frozen=True)
class _Problem:
    """Why one platform would not start."""

    platform: str
    kind: str  # "display" (none), "libraries" (missing: `libraries`, dlopen's `reason`), "server" (no answer)
    libraries: tuple[str, ...] = ()
    reason: str = ""


def _problem(platform: str, env: Mapping[str, str]) -> _Problem | None:
    """None when ``platform`` would start, or is not one this check knows (offscreen, vnc, ...: trusted)."""
    if platform == "xcb":
        if not env.get("DISPLAY"):
            return _Problem(platform, "display")
    elif platform.startswith("wayland"):
        if not _wayland_socket(env):
            return _Problem(platform, "display")
    else:
        return None
    plugin = plugin_file(platform, env)
    if plugin is None:
        return None  # Qt will say it itself; nothing here to name
    missing, err = _missing_libraries(plugin, platform)
    if missing:
        return _Problem(platform, "libraries", tuple(missing), str(err))
    if platform == "xcb" and not _x_server_answers(env["DISPLAY"]):
        return _Problem(platform, "server", reason=env["DISPLAY"])
    return None


def _sentence(problems: Sequence[_Problem]) -> str:
    """Installing helps most, so missing libraries are named first; then a DISPLAY nobody answers; else none."""
    unloadable = [p for p in problems if p.kind == "libraries"]
    if unloadable:
        names = list(dict.fromkeys(lib for p in unloadable for lib in p.libraries))
        known = [lib for lib in names if lib in PACKAGES]
        if known:
            return missing_libraries_sentence(known)
        first = unloadable[0]
        qt_own = all(lib.startswith(("libQt6", "libpyside6", "libshiboken6")) for lib in first.libraries)
        return (BROKEN_QT if qt_own else UNKNOWN_LIBRARY).format(platform=first.platform, reason=first.reason)
    for p in problems:
        if p.kind == "server":
            return NO_X_SERVER.format(display=p.reason)
    return NO_DISPLAY


def check(env: Mapping[str, str] | None = None, argv: Sequence[str] = ()) -> str | None:
    """None when Qt can open a window; else the one sentence that says why not and what to install."""
    global last_cost_ms
    start = time.perf_counter()
    try:
        env = os.environ if env is None else env
        if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
            return None  # macOS and Windows: Qt's own plugins need nothing the system lacks
        if {"-platform", "--platform"} & set(argv):
            return None  # chosen by hand, as QT_QPA_PLATFORM is: trusted
        problems: list[_Problem] = []
        for platform in qt_platforms(env):
            problem = _problem(platform, env)
            if problem is None:
                return None  # Qt starts this one
            problems.append(problem)
        return _sentence(problems)
    finally:
        last_cost_ms = (time.perf_counter() - start) * 1000


def explain_import_error(error: ImportError) -> str | None:
    """PySide6's Qt modules fail to import when a system library they link is missing (libEGL on a bare server):
    the sentence for that, None for any other ImportError."""
    match = _LIBRARY_IN_ERROR.match(str(error))
    library = Path(match["path"]).name if match else None
    return missing_libraries_sentence([library]) if library in PACKAGES else None
