"""The window's lock file beside the database, read without Qt so that the command line can honour it.

The window takes a ``QLockFile`` named ``<database>.lock``. Qt writes the owner's process id, its
application name and the computer's host name on the first three lines and, on Linux and macOS, also
holds an advisory ``flock`` on the file while the process lives. A lock whose owner is gone (a crash)
is stale and ignored, as the window itself does.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from fupin_desktop import APP_NAME
from fupin_desktop.store.errors import DatabaseLocked


@dataclass(frozen=True)
class LockHolder:
    """The process that has the database open in a window."""

    pid: int
    application: str
    host: str

    def describe(self) -> str:
        return f"进程号{self.pid}（{self.application}，计算机{self.host}）"


def lock_file_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".lock")


def window_holding(database_path: Path) -> LockHolder | None:
    """The live process whose window has this database open, or None (no lock, or a stale one)."""
    path = lock_file_path(database_path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    except PermissionError:
        # Qt on Windows opens its lock file without sharing: unreadable means a live owner.
        return LockHolder(0, APP_NAME, socket.gethostname())
    except OSError:
        return None
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        return None  # half-written or foreign: Qt treats it as stale too
    holder = LockHolder(pid, lines[1] if len(lines) > 1 else "", lines[2] if len(lines) > 2 else "")
    if holder.host and holder.host != socket.gethostname():
        return holder  # another computer on a shared folder: we cannot see its processes
    return holder if _is_held(path, pid) else None


def _is_held(path: Path, pid: int) -> bool:
    if sys.platform != "win32":
        import fcntl

        try:
            with path.open("rb") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
                return False  # Qt holds the flock as long as its process lives: the owner is gone
        except OSError:
            pass  # a file system without flock: fall back to the process id
    return _process_alive(pid) and pid != os.getpid()


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def refuse_if_open_in_window(database_path: Path) -> None:
    """A writing command must not race the window: refuse, naming the window's process."""
    holder = window_holding(database_path)
    if holder is not None:
        raise DatabaseLocked(
            f"数据库文件“{database_path}”已在程序窗口中打开（{holder.describe()}），命令未作任何改动。"
            "请先关闭该窗口，再运行此命令。"
        )
