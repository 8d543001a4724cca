"""Opening the database file: engine settings, Alembic migrations with a copy first, clear refusals.

Everything SQLite-specific (pragmas, the file copy, the lock check) stays in this module.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs import user_data_path
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fupin_desktop.assets import migrations_path
from fupin_desktop.store.errors import DatabaseLocked, DatabaseTooNew, NotADatabase, StoreError

APP_NAME = "fupin-desktop"
MIGRATIONS_DIR = migrations_path()


def default_database_path() -> Path:
    """The data file in the user's data folder (created on first use)."""
    return user_data_path(APP_NAME, appauthor=False) / "fupin.db"


@dataclass
class Database:
    """An open database file: its engine and a session factory."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 32 MB of page cache (the default is 2 MB): a village import touches every index of the
        # person and audit tables; a cache changes nothing about what is written or when it is safe.
        cursor.execute("PRAGMA cache_size = -32768")
        cursor.close()

    return engine


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _check_is_sqlite(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise NotADatabase(f"文件“{path}”不是本程序的数据库文件（也不是SQLite数据库），未作任何改动。")


def _backup(path: Path, revision: str | None) -> Path:
    """Copy the file through SQLite's backup API (consistent even with a WAL file beside it)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.备份-{revision or 'empty'}-{stamp}{path.suffix}")
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target


def migrate(engine: Engine, path: Path | None = None) -> Path | None:
    """Bring the schema to the newest revision; returns the path of the backup copy, if one was made."""
    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            has_tables = bool(inspect(connection).get_table_names())
    except OperationalError as error:
        if "locked" in str(error).lower():
            raise DatabaseLocked("数据库文件正被另一个程序写入，请关闭其他窗口后再试。") from error
        raise
    except DatabaseError as error:
        raise NotADatabase(f"数据库文件已损坏或不是本程序的数据库：{error.orig}") from error
    if current == head:
        return None
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as error:  # alembic raises several kinds for an unknown revision
            raise DatabaseTooNew(
                f"数据库文件由更新版本的程序写入（结构版本 {current}），本程序无法安全打开，请升级程序。"
            ) from error
    backup = _backup(path, current) if path is not None and has_tables else None
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup


def open_database(path: Path | str | None = None, *, apply_migrations: bool = True) -> Database:
    """Open (creating if needed) the database file and bring its schema up to date."""
    db_path = Path(path) if path is not None else default_database_path()
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"无法创建数据文件夹“{db_path.parent}”：{error.strerror}") from error
    _check_is_sqlite(db_path)
    engine = _sqlite_engine(db_path)
    try:
        if apply_migrations:
            migrate(engine, db_path)
    except BaseException:
        engine.dispose()
        raise
    from fupin_desktop.store import id_grams

    factory = sessionmaker(engine, expire_on_commit=False)
    id_grams.install(factory)
    return Database(db_path, engine, factory)
