"""Removing a plain copy of the data (抹除): its bytes overwritten with zeros and flushed to the disk before
the name goes, so that the blocks a plain database file held do not keep the ID numbers after the file is
encrypted. No Qt here.

Best effort, and said so: on an SSD, a USB stick or a copy-on-write file system the drive may write the
zeros elsewhere and keep the old blocks until it reuses them; only whole-disk encryption (BitLocker) rules
that out. On a hard disk the overwrite reaches the same blocks.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

_CHUNK = 1024 * 1024
LEFTOVER_MARK = "明文待抹除"


def overwrite_with_zeros(path: Path) -> int:
    """Every byte of the file zero, flushed (fsync); returns the size. The file stays."""
    size = path.stat().st_size
    zeros = bytes(min(size, _CHUNK))
    with path.open("r+b", buffering=0) as handle:
        remaining = size
        while remaining > 0:
            remaining -= handle.write(zeros[: min(remaining, len(zeros))])
        os.fsync(handle.fileno())
    return size


def wipe(path: Path) -> bool:
    """Overwrite with zeros, fsync, then unlink; False when there was no such file."""
    try:
        overwrite_with_zeros(path)
    except FileNotFoundError:
        return False
    path.unlink()
    return True


def aside_name(path: Path) -> Path:
    """Where a plain file waits for its wipe once its encrypted copy has its name (a crash leaves it)."""
    return path.with_name(f".{path.name}.{LEFTOVER_MARK}-{uuid.uuid4().hex}.tmp")


def replace_wiping(replacement: Path, path: Path) -> Path | None:
    """``replacement`` takes the name of the plain file ``path`` in one rename, and the plain file's own
    blocks are then overwritten and unlinked. The plain file keeps a second name (a hard link) until
    then, so the name ``path`` is never missing; where the file system has no hard links (FAT) it is
    renamed aside first. Returns the aside name when the wipe could not be done (it is tried again by
    :func:`wipe_leftovers`)."""
    aside = aside_name(path)
    try:
        os.link(path, aside)
    except OSError:
        os.replace(path, aside)
    os.replace(replacement, path)
    fsync_folder(path.parent)
    try:
        wipe(aside)
    except OSError:
        return aside
    return None


def wipe_leftovers(path: Path) -> tuple[Path, ...]:
    """Plain files a crash left beside ``path`` while it was being encrypted, wiped now."""
    if not path.is_file():
        return ()
    done = []
    for leftover in sorted(path.parent.glob(f".{path.name}.{LEFTOVER_MARK}-*.tmp")):
        try:
            if wipe(leftover):
                done.append(leftover)
        except OSError:
            continue
    return tuple(done)


def fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


__all__ = [
    "LEFTOVER_MARK",
    "aside_name",
    "fsync_folder",
    "overwrite_with_zeros",
    "replace_wiping",
    "wipe",
    "wipe_leftovers",
]
