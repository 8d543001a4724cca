"""A county database on a PostgreSQL server (psycopg 3): the address, the engine, and the server's errors.

The same models and migrations run here as on a SQLite file; what only makes sense for a file (pragmas,
the copy before a migration, the window's lock file, file backups) does not apply to a server. A server
migrates inside one transaction (PostgreSQL's DDL is transactional), so a failed upgrade leaves it as it
was; backups are the server's own ``pg_dump``, access control its roles and TLS (README).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import TypeGuard

from sqlalchemy import ARRAY, ColumnElement, Engine, Uuid, any_, bindparam, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import QueryableAttribute, Session

from fupin_desktop.store.errors import (
    CannotOpen,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    StoreError,
)

SERVER_SCHEMES = ("postgresql", "postgres")
#: Seconds a statement waits for another client's row lock before it is refused as "locked".
DEFAULT_LOCK_TIMEOUT = 5.0


def is_server_address(url_or_path: object) -> TypeGuard[str]:
    """True for ``postgresql://…`` (also ``postgres://`` and ``postgresql+psycopg://``)."""
    if not isinstance(url_or_path, str):
        return False
    scheme = url_or_path.partition("://")[0].partition("+")[0].lower()
    return "://" in url_or_path and scheme in SERVER_SCHEMES


def server_url(address: str) -> URL:
    """The SQLAlchemy URL for psycopg 3, whatever driver the address names."""
    try:
        url = make_url(address.replace("postgres://", "postgresql://", 1))
    except (ArgumentError, ValueError):
        raise CannotOpen(
            f"数据库服务器地址“{redacted(address)}”的格式不对，应为 postgresql://用户@主机/数据库名。"
        ) from None
    if url.get_backend_name() != "postgresql":
        raise CannotOpen(f"不支持的数据库地址“{redacted(address)}”。")
    if not url.database:
        raise CannotOpen(f"数据库服务器地址“{redacted(address)}”没有写数据库名：postgresql://用户@主机/数据库名。")
    return url.set(drivername="postgresql+psycopg")


def redacted(address: str) -> str:
    """The address with any password replaced by ***, for messages and the window's title."""
    try:
        return make_url(address).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL SQLAlchemy reads: hide whatever stands between "user:" and "@"
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", address)


def describe(url: URL) -> str:
    """Where the database is, for a person: ``数据库服务器 host 上的数据库 name``."""
    host = url.host or str(url.query.get("host", "")) or "本机"
    return f"数据库服务器 {host} 上的数据库“{url.database}”"


def server_engine(url: URL, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """An engine whose sessions store times as given (UTC, naive) and wait ``lock_timeout`` for a lock."""
    engine = create_engine(
        url,
        future=True,
        pool_pre_ping=True,
        connect_args={
            # The server's own zone must not shift the naive UTC times the program stores.
            # random_page_cost 1.1 (the default 4 is for spinning disks): a county server's tables stay in
            # memory or on SSD, and with 4 the planner reads all 100,000 people rather than look up 1,300
            # ID-number candidates by key (searches took 60 ms instead of 10 ms; README).
            "options": f"-c timezone=UTC -c lock_timeout={int(lock_timeout * 1000)} -c random_page_cost=1.1",
            "application_name": "fupin-desktop",
            "connect_timeout": 10,
        },
    )
    where = describe(url)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        translated = translate_server_error(context.original_exception, where)
        if translated is None:
            return
        translated.__cause__ = None
        translated.__suppress_context__ = True
        raise translated

    return engine


def translate_server_error(error: BaseException, where: str) -> StoreError | None:
    """The ``StoreError`` for a server error that is the environment's fault; None for a bug.

    Only the SQLSTATE and the error class reach ``detail``: the server's message can quote a row."""
    import psycopg
    from psycopg import errors

    original = getattr(error, "orig", error)
    if isinstance(original, StoreError):
        return original
    if not isinstance(original, psycopg.Error):
        return None
    detail = f"{type(original).__name__} {original.sqlstate or ''}".strip()
    if isinstance(original, errors.LockNotAvailable | errors.SerializationFailure | errors.DeadlockDetected):
        return DatabaseLocked(
            f"{where}中的这些记录正被另一位用户修改，本次操作未作任何改动。请稍等片刻再试。", detail=detail
        )
    if isinstance(original, errors.DiskFull | errors.OutOfMemory):
        return DiskFull(f"{where}的磁盘空间已满，本次操作未作任何改动。请联系服务器管理员。", detail=detail)
    if isinstance(original, errors.ReadOnlySqlTransaction):
        return DatabaseReadOnly(
            f"{where}只允许读取（只读副本或只读事务），无法保存，本次操作未作任何改动。", detail=detail
        )
    if isinstance(original, errors.InsufficientPrivilege):
        return DatabaseReadOnly(
            f"当前的数据库账号没有权限修改{where}，本次操作未作任何改动。请让服务器管理员授予权限。", detail=detail
        )
    if isinstance(original, errors.InvalidPassword | errors.InvalidAuthorizationSpecification):
        return CannotOpen(f"无法登录{where}：数据库账号或密码不对。", detail=detail)
    if isinstance(original, errors.InvalidCatalogName):
        return CannotOpen(f"{where}不存在：请服务器管理员先建立它（createdb）。", detail=detail)
    if isinstance(original, psycopg.OperationalError):
        text = str(original)
        if "password authentication failed" in text or "no password supplied" in text:
            return CannotOpen(f"无法登录{where}：数据库账号或密码不对。", detail=detail)
        if "database" in text and "does not exist" in text:
            return CannotOpen(f"{where}不存在：请服务器管理员先建立它（createdb）。", detail=detail)
        return CannotOpen(f"无法连接{where}：服务器未运行、地址不对或网络不通，本次操作未作任何改动。", detail=detail)
    return None


def among(session: Session, column: QueryableAttribute[uuid.UUID], ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """``column IN ids`` for a long list of keys: on a server one array parameter (``= ANY``), which
    PostgreSQL binds and plans in a fraction of the time of a thousand separate ones; on SQLite the list."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Uuid())))
    return column.in_(ids)


#: What a server database uses instead of the program's file backup and restore.
BACKUP_INSTEAD = "请由服务器管理员用 pg_dump 备份、pg_restore 恢复服务器上的数据库（见README）。"
#: What a server database uses instead of the window's lock file.
LOCK_INSTEAD = "多个用户可以同时使用服务器上的数据库，由服务器的行锁保证各自的修改互不覆盖。"


def file_only(feature: str, instead: str) -> StoreError:
    """The one refusal for a file-only feature asked of a server database."""
    return CannotOpen(f"数据库在服务器上，{feature}不适用：{instead}")


__all__ = [
    "BACKUP_INSTEAD",
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_INSTEAD",
    "among",
    "describe",
    "file_only",
    "is_server_address",
    "redacted",
    "server_engine",
    "server_url",
    "translate_server_error",
]
