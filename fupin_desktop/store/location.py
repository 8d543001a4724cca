"""Where the window's database is: the default file, or a county server remembered in the user's settings.

The choice is one small JSON file in the user's configuration folder (platformdirs), read when the
program starts without ``--db``. A server's password is never written there: it is typed when the window
opens (or kept by libpq in the user's pgpass file, see README), so the settings file carries no secret.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from platformdirs import user_config_path
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from fupin_desktop import APP_NAME
from fupin_desktop.store.errors import StoreError
from fupin_desktop.store.postgres import describe, is_server_address, redacted, server_engine, server_url

SETTINGS_FILE = "database.json"


def settings_path() -> Path:
    return user_config_path(APP_NAME, appauthor=False) / SETTINGS_FILE


def without_password(address: str) -> str:
    """The address as it is remembered: any password taken out."""
    try:
        url = make_url(address)
        bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
        return bare.render_as_string(hide_password=False)
    except (ArgumentError, ValueError):
        return redacted(address)


def with_password(address: str, password: str) -> str:
    """The address with the password typed in the window (empty: the address as it is)."""
    if not password:
        return address
    return make_url(address).set(password=password).render_as_string(hide_password=False)


def needs_password(error: StoreError) -> bool:
    """Whether a refusal to open a server is about the password (then the window asks for one)."""
    return "密码" in str(error)


def remembered_location(path: Path | None = None) -> str | None:
    """The server address the window opens when started without ``--db``; None for the default file
    (also when the settings file is missing or unreadable: the program must always be able to start)."""
    try:
        data = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    location = data.get("server") if isinstance(data, dict) else None
    return location if isinstance(location, str) and is_server_address(location) else None


def remember_location(address: str | None, path: Path | None = None) -> Path:
    """Remember a server for the next start (its password left out), or None: the default file again."""
    target = path or settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    content = {"server": without_password(address) if address else None}
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, target)
    return target


@dataclass(frozen=True)
class ServerProbe:
    """What 测试连接 found: whether the window can open it, and one sentence for the user."""

    usable: bool
    message: str


def probe_server(address: str, head: str | None, known: set[str], *, timeout: float = 5.0) -> ServerProbe:
    """Connect, read the server's version and the database's schema revision, change nothing."""
    try:
        url = server_url(address)
    except StoreError as error:
        return ServerProbe(False, str(error))
    engine = server_engine(url, lock_timeout=timeout)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text("show server_version")).scalar() or "")
            revision = MigrationContext.configure(connection).get_current_revision()
    except StoreError as error:
        return ServerProbe(False, str(error))
    finally:
        engine.dispose()
    where = describe(url)
    server = f"连接成功：{where}（PostgreSQL {version.split()[0] if version else '?'}）"
    if revision is None:
        return ServerProbe(True, f"{server}。这是一个空数据库，打开时会建立本程序的表。")
    if revision == head:
        return ServerProbe(True, f"{server}，数据结构为最新版本（{revision}）。")
    if revision in known:
        return ServerProbe(True, f"{server}，数据结构版本 {revision}，打开时会升级到 {head}。")
    return ServerProbe(False, f"{server}，但其中的数据由更新版本的程序写入（结构版本 {revision}），请先升级本程序。")


__all__ = [
    "ServerProbe",
    "needs_password",
    "probe_server",
    "remember_location",
    "remembered_location",
    "settings_path",
    "with_password",
    "without_password",
]
