"""How long ago this process started, as the operating system counts it (so the PyInstaller
bootloader and the Python start-up are included, which a clock started in our own code would miss).
"""

from __future__ import annotations

import os
import sys
import time


def seconds_since_process_start() -> float | None:
    """Seconds since the OS created this process; None where it cannot tell."""
    try:
        if sys.platform.startswith("linux"):
            return _linux()
        if sys.platform == "win32":
            return _windows()
    except (OSError, ValueError, AttributeError):
        return None
    return None


def _linux() -> float:
    with open("/proc/self/stat", encoding="ascii") as handle:
        stat = handle.read()
    # Field 22 (starttime, in clock ticks since boot); the command name in field 2 may hold spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    start_ticks = int(fields[19])
    with open("/proc/uptime", encoding="ascii") as handle:
        uptime = float(handle.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def _windows() -> float:
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    creation, exited, kernel, user = (wintypes.FILETIME() for _ in range(4))
    if not kernel32.GetProcessTimes(
        kernel32.GetCurrentProcess(),
        ctypes.byref(creation),
        ctypes.byref(exited),
        ctypes.byref(kernel),
        ctypes.byref(user),
    ):
        raise OSError("GetProcessTimes failed")
    # FILETIME: 100-ns intervals since 1601-01-01 (UTC).
    created = ((creation.dwHighDateTime << 32) | creation.dwLowDateTime) / 1e7 - 11_644_473_600
    return time.time() - created
