"""数据库位置 for the window: the remembered county server, 测试连接, and what a server has instead of a file.

The window reaches the store's location settings through here (ui → services → store), never directly.
"""

from __future__ import annotations

from fupin_desktop.store import location
from fupin_desktop.store.db import head_revision, known_revisions
from fupin_desktop.store.errors import StoreError
from fupin_desktop.store.location import ServerProbe, needs_password, with_password, without_password
from fupin_desktop.store.postgres import BACKUP_INSTEAD, file_only, is_server_address


def remembered_server() -> str | None:
    """The county server the window opens when started without ``--db`` (None: the default file)."""
    return location.remembered_location()


def remember_server(address: str | None) -> None:
    """Remember a server for the next start, its password left out; None goes back to the default file."""
    location.remember_location(address)


def try_server(address: str) -> ServerProbe:
    """测试连接: connect, and say whether the database there is empty, current, older or newer; changes nothing."""
    return location.probe_server(address, head_revision(), known_revisions())


def backups_on_server() -> StoreError:
    """The one refusal of 备份与恢复 on a server, saying what to use there instead."""
    return file_only("备份与恢复", BACKUP_INSTEAD)


__all__ = [
    "ServerProbe",
    "backups_on_server",
    "is_server_address",
    "needs_password",
    "remember_server",
    "remembered_server",
    "try_server",
    "with_password",
    "without_password",
]
