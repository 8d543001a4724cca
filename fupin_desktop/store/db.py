"""Opening the database: engine settings, Alembic migrations with a copy first, clear refusals.

Everything SQLite-specific (pragmas, the file copy, the lock check, the driver's errors) stays in this
module and its neighbours in ``store/``, everything PostgreSQL-specific in ``store/postgres.py``;
``open_database`` is the single way in, for a file and for a county server alike.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from platformdirs import user_data_path
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from fupin_desktop import APP_NAME
from fupin_desktop.assets import migrations_path
from fupin_desktop.store import backup as backups
from fupin_desktop.store import cipher
from fupin_desktop.store.errors import (
    CannotOpen,
    DatabaseDamaged,
    DatabaseReadOnly,
    DatabaseTooNew,
    KeyRefused,
    KeyringMissing,
    NotADatabase,
    StoreError,
    translate,
)
from fupin_desktop.store.keyring import keyring_path
from fupin_desktop.store.limits import install_length_check
from fupin_desktop.store.postgres import (
    DEFAULT_LOCK_TIMEOUT,
    file_only,
    is_server_address,
    redacted,
    server_engine,
    server_url,
)

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

MIGRATIONS_DIR = migrations_path()
MIGRATION_LOCK_KEY = 0x66757069_6E  # any fixed number: the advisory lock that serialises migrations on a server
DEFAULT_BUSY_TIMEOUT = DEFAULT_LOCK_TIMEOUT  # seconds to wait for another writer before "locked"


def default_database_path() -> Path:
    """The data file in the user's data folder (created on first use)."""
    return user_data_path(APP_NAME, appauthor=False) / "fupin.db"


@dataclass
class Database:
    """An open database: a SQLite file (``path``) or a PostgreSQL server (``url``), its engine and a
    session factory.

    ``read_only_reason`` says why nothing may be written (a backup opened directly, a damaged file);
    while it is set every ORM write is refused with it as a DatabaseReadOnly error.
    """

    path: Path | None
    engine: Engine
    session_factory: sessionmaker[Session]
    read_only_reason: str | None = None
    is_backup: bool = False
    url: str = ""  # a server database's address, its password hidden; "" for a file
    # The data key of an encrypted file (SQLCipher), None for a plain one: the backups and checks need it.
    key: bytes | None = field(default=None, repr=False)
    # The quick check on open left for later (``check_later``): not None until its verdict is in.
    _check_lock: threading.Lock | None = field(default=None, repr=False)
    _damage: str | None = field(default=None, repr=False)

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @property
    def is_server(self) -> bool:
        return self.path is None

    @property
    def location(self) -> str:
        """Where it is, for a person: the file's path or the server's address."""
        return self.url if self.path is None else str(self.path)

    def file(self, feature: str, instead: str) -> Path:
        """The file behind the database, for a feature that only a file has (a file backup, the lock
        file); on a server, one clear refusal saying what to use instead."""
        if self.path is None:
            raise file_only(feature, instead)
        return self.path

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def block_writes(self, reason: str) -> None:
        """From now on refuse every write (the quick check in the background found damage)."""
        self.read_only_reason = reason

    @property
    def check_pending(self) -> bool:
        """Whether the quick check left for later has not given its verdict yet."""
        return self._check_lock is not None

    def run_deferred_check(self) -> str | None:
        """Run the quick check that opening left for later and settle its verdict: the damage message,
        now also the reason every write is refused, or None for a sound file. On any thread (it reads
        through a connection of its own); a second caller waits for the first one's verdict. A check
        that cannot run at all blocks writes too, saying why."""
        lock = self._check_lock
        if lock is None:
            return self._damage
        with lock:
            if self._check_lock is None or self.path is None:  # settled while this one waited
                return self._damage
            damage: str | None = None
            try:
                check = backups.check_database_file(self.path, quick=True, key=self.key)
                damage = None if check.sound else backups.damage_message(check, self.key)
            except BaseException as error:
                why = f"（{error}）" if isinstance(error, StoreError) else ""
                damage = (
                    f"无法检查数据库文件“{self.path.name}”{why}：为免写入损坏的文件，现在只能查看。请关闭后重新打开。"
                )
                raise
            finally:
                if damage is not None:
                    log.error("数据库文件检查未通过，已禁止写入")
                    self._damage = damage
                    self.block_writes(damage)
                self._check_lock = None
        return damage

    def refuse_writes(self) -> None:
        """Raise DatabaseReadOnly when nothing may be written. While the quick check left for later has
        no verdict, a write first waits for it (or runs it, when nothing has started it yet), so that no
        write goes into a file the check finds damaged."""
        if self._check_lock is not None:
            log.info("写入等待数据库文件检查结束")
            with contextlib.suppress(Exception):  # a check that could not run blocked writes: the refusal below
                self.run_deferred_check()
        if self.read_only_reason is not None:
            raise DatabaseReadOnly(self.read_only_reason)

    def read(self, query: Callable[Concatenate[Session, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a read-only service query in a session of its own (the UI never holds a session)."""
        with self.session_factory() as session:
            return query(session, *args, **kwargs)


def _guard_writes(database: Database) -> None:
    def before_flush(_session: Session, _context: object, _instances: object) -> None:
        database.refuse_writes()

    def do_orm_execute(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            database.refuse_writes()

    event.listen(database.session_factory, "before_flush", before_flush)
    event.listen(database.session_factory, "do_orm_execute", do_orm_execute)


def raise_translated(error: BaseException, path: Path | None) -> None:
    """Raise the ``StoreError`` for a driver error that is the environment's fault; return for a bug.

    The new error names only the driver's own short text as its cause, never the SQL statement or its
    parameters, so that neither a traceback nor a log record can carry a person's data."""
    translated = translate(error, path)
    if translated is None:
        return
    original = getattr(error, "orig", error)
    translated.__cause__ = original if isinstance(original, BaseException) else None
    translated.__suppress_context__ = True
    if isinstance(original, BaseException):
        original.__traceback__ = None
        original.__context__ = None
    raise translated


def _sqlite_engine(
    path: Path, read_only: bool = False, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, key: bytes | None = None
) -> Engine:
    if key is not None:
        # sqlcipher3 in place of sqlite3 (the same DB-API); the key is set by the creator, before the
        # dialect's first statement, since nothing of an encrypted file can be read without it. DEFERRED:
        # the driver's own implicit BEGIN, as sqlite3 does by default, on which SQLAlchemy's transactions
        # rest (with autocommit every row of an executemany would be a transaction of its own).
        # The cipher's layout found once (a file encrypted before 16 KB pages keeps its own), not per connection.
        layout = cipher.layout_of(path, key)

        def creator() -> sqlite3.Connection:
            return cipher.connect(
                path, key, read_only=read_only, check_same_thread=False, isolation_level="DEFERRED", layout=layout
            )

        engine = create_engine(f"sqlite:///{path}", future=True, module=cipher.sqlcipher_module, creator=creator)
    elif read_only:  # mode=ro: not even the journal mode of a backup file changes
        engine = create_engine(f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true", future=True)
    else:
        engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 64 MB of page cache at most (the default is 2 MB; it grows only as pages are read): a village
        # import touches every index of the person and audit tables, and the pages a county's searches
        # read fit in it, so an encrypted file decrypts them once per connection instead of on every
        # search (at 32 MB a search's p95 was 1.6-1.8x the plain file's on a connection already used,
        # at 64 MB 0.9-1.0x, benchmarks/bench_encryption.py). A cache changes nothing about what is
        # written or when it is safe.
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        # Connect, execute (an ORM flush) and commit all pass here: the one place errors are classified.
        raise_translated(context.original_exception, path)

    return engine


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _check_is_sqlite(path: Path, key: bytes | None = None) -> None:
    """A plain SQLite file, or an encrypted one that ``key`` opens; anything else is refused, saying why."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except OSError as error:
        raise_translated(error, path)
        raise CannotOpen(f"无法读取数据库文件“{path}”：{error.strerror}") from None
    if header == cipher.SQLITE_HEADER:
        if key is not None:
            raise CannotOpen(f"数据库文件“{path}”没有加密，却给了密钥：请不带恢复码打开它。")
        return
    if key is not None:
        if not cipher.key_opens(path, key):
            raise KeyRefused(
                f"钥匙文件或恢复码与数据库文件“{path.name}”不匹配（也可能文件已损坏），无法打开；未作任何改动。"
            )
        return
    keyring = keyring_path(path)
    if keyring.exists():
        raise KeyRefused(f"数据库文件“{path.name}”是加密的：请以账号登录（--user 账号，密码）后再打开。")
    raise NotADatabase(
        f"文件“{path}”不是本程序的数据库文件（也不是SQLite数据库），未作任何改动。"
        f"如果它是本程序加密的数据库而旁边的钥匙文件“{keyring.name}”不见了：数据并未丢失，"
        f'请用站长保管的恢复码运行 fupin-desktop --db "{path}" recover --user 管理员账号。'
    )


def _backup(path: Path, revision: str | None, key: bytes | None = None) -> Path:
    """Copy the file through SQLite's backup API (consistent even with a WAL file beside it); the copy
    of an encrypted file is encrypted with the same key, and its keyring is copied beside it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.备份-{revision or 'empty'}-{stamp}{path.suffix}")
    try:
        source = cipher.connect(path, key)
        try:
            layout = cipher.connection_layout(source) if key is not None else None
            destination = cipher.connect(target, key, layout=layout)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
        if key is not None:
            backups.copy_keyring(path, target)
    except cipher.DRIVER_OR_OS_ERRORS as error:
        raise_translated(error, target)
        raise
    return target


def migrate(
    engine: Engine, path: Path | None = None, key: bytes | None = None, before: Callable[[], None] | None = None
) -> Path | None:
    """Bring the schema to the newest revision; returns the path of the backup copy, if one was made.
    ``before`` runs first when there is a migration to make (the quick check left for later)."""
    config = _alembic_config()
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            has_tables = bool(inspect(connection).get_table_names())
    except DBAPIError as error:  # not classified by the engine: a SQLite file that is not ours
        if engine.dialect.name != "sqlite":
            raise
        raise DatabaseDamaged(
            f"数据库文件{_where(path)}已损坏或不是本程序的数据库，无法读取。", detail=str(error.orig)
        ) from None
    if current == head:
        return None
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError as error:  # a revision this program does not know: written by a newer one
            raise DatabaseTooNew(
                f"数据库文件由更新版本的程序写入（结构版本 {current}），本程序无法安全打开，请升级程序。"
            ) from error
    if before is not None:
        before()
    backup = _backup(path, current, key) if path is not None and has_tables else None
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two clients opening a new county database at once: the second waits, then finds it migrated.
            connection.execute(text("select pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return backup


def _where(path: Path | None) -> str:
    return f"“{path}”" if path is not None else ""


def database_path(url_or_path: Path | str | None) -> Path:
    """The file behind ``--db``: a path, a ``sqlite:///`` URL, or None for the default file."""
    if url_or_path is None:
        return default_database_path()
    if isinstance(url_or_path, Path):
        return url_or_path
    if url_or_path.startswith("sqlite:///"):
        return Path(url_or_path.removeprefix("sqlite:///"))
    if is_server_address(url_or_path):
        raise file_only("数据库文件", f"“{redacted(url_or_path)}”是数据库服务器的地址，不是文件。")
    scheme, separator, _rest = url_or_path.partition("://")
    if separator and scheme.isascii() and scheme.replace("+", "").isalnum() and len(scheme) > 1:
        raise CannotOpen(f"不支持的数据库地址“{scheme}://…”：只能打开SQLite数据库文件或 postgresql:// 数据库服务器。")
    return Path(url_or_path)


def open_database(
    url_or_path: Path | str | None = None,
    *,
    apply_migrations: bool = True,
    read_only: bool | None = None,
    check_on_open: bool = True,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    key: bytes | None = None,
    check_later: bool = False,
) -> Database:
    """The single way to open a database: a file path or a ``sqlite:///`` URL (None: the default file),
    created if needed, or a ``postgresql://`` server database (which must exist); its schema brought up
    to date. Every failure is a ``StoreError``.

    ``check_on_open`` runs SQLite's quick check first: a damaged file is refused (DatabaseDamaged,
    naming the newest sound backup), or, opened ``read_only``, comes with its writes blocked.
    A backup (our backup name, or a file in a 备份 folder) is opened read-only unless told otherwise.

    ``check_later`` leaves the quick check for later instead (it reads every page: seconds for a county's
    encrypted file): until ``Database.run_deferred_check`` gives its verdict, every write waits for it.
    The window opens so and runs the check in the background after its first paint.

    ``key`` is the data key of an encrypted file (store/keyring.py unwraps it from an account's slot);
    a new file opened with a key is created encrypted. An encrypted file without its key is refused.
    """
    if is_server_address(url_or_path):
        if key is not None:
            raise file_only("加密", "服务器上的数据库由服务器管理员保护（磁盘加密、访问权限），本程序不加密。")
        return _open_server(url_or_path, apply_migrations=apply_migrations, lock_timeout=busy_timeout)
    db_path = database_path(url_or_path)
    is_backup = backups.looks_like_backup(db_path)
    read_only = is_backup if read_only is None else read_only
    if not read_only:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise_translated(error, db_path)
            raise CannotOpen(f"无法创建数据文件夹“{db_path.parent}”：{error.strerror}") from None
    elif not db_path.is_file():
        raise CannotOpen(f"找不到数据库文件“{db_path}”。")
    _check_is_sqlite(db_path, key)
    reason = (
        "这是一个备份文件，只能查看。要用它恢复数据，请打开原数据库，在“设置 → 备份与恢复”中选择它恢复。"
        if is_backup
        else None
    )
    has_data = db_path.exists() and db_path.stat().st_size > 0
    later = check_on_open and check_later and has_data
    if check_on_open and has_data and not later:
        reason = _quick_check(db_path, key, read_only) or reason
    elif read_only:
        reason = reason or "数据库以只读方式打开。"

    def check_before_migrating() -> None:
        # Never later before a migration: it writes (and copies the file first), so it must know the verdict.
        nonlocal later
        if later:
            later = False
            _quick_check(db_path, key, read_only=False)

    engine = _sqlite_engine(db_path, read_only, busy_timeout, key)
    try:
        if read_only:
            _refuse_outdated(engine)
        elif apply_migrations:
            migrate(engine, db_path, key, before=check_before_migrating)
    except BaseException:
        engine.dispose()
        raise
    database = Database(db_path, engine, _session_factory(engine), reason, is_backup, key=key)
    if later:
        database._check_lock = threading.Lock()
    _guard_writes(database)
    return database


def _open_server(address: str, *, apply_migrations: bool, lock_timeout: float) -> Database:
    """A PostgreSQL database: no file checks, no copy before a migration (it runs in one transaction)."""
    url = server_url(address)
    engine = server_engine(url, lock_timeout)
    try:
        if apply_migrations:
            migrate(engine, None)
    except BaseException:
        engine.dispose()
        raise
    return Database(None, engine, _session_factory(engine), url=redacted(address))


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    from fupin_desktop.store import id_grams

    factory = sessionmaker(engine, expire_on_commit=False)
    install_length_check(factory)
    id_grams.install(factory)
    return factory


def head_revision() -> str | None:
    """The schema revision this program writes (the newest migration)."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every schema revision this program can read (its own and the older ones it migrates from)."""
    return {script.revision for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def _quick_check(path: Path, key: bytes | None, read_only: bool) -> str | None:
    """SQLite's quick check of the file: a damaged one is refused (DatabaseDamaged, naming the newest sound
    backup), or, to be opened read-only, comes back with the damage as the reason writes are refused."""
    check = backups.check_database_file(path, quick=True, key=key)
    if check.sound:
        return None
    if not read_only:
        raise DatabaseDamaged(backups.damage_message(check, key))
    return backups.damage_message(check, key)


def _refuse_outdated(engine: Engine) -> None:
    """A read-only file cannot be migrated: it must already be at this program's revision."""
    head = head_revision()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as error:
        raise NotADatabase("数据库文件已损坏或不是本程序的数据库。", detail=str(error.orig)) from None
    if current != head:
        raise DatabaseReadOnly(
            f"此文件的结构版本（{current or '空'}）与本程序（{head}）不同，只读打开时无法升级；请先恢复它，再打开。"
        )


__all__ = [
    "Database",
    "KeyRefused",
    "KeyringMissing",
    "StoreError",
    "database_path",
    "default_database_path",
    "head_revision",
    "known_revisions",
    "migrate",
    "open_database",
]
