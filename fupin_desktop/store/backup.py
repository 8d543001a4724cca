"""Backups of the database file: checking a file, verified copies, thinning, restoring. No Qt here.

A backup is written with ``VACUUM INTO`` under a temporary name in the backup folder, checked
(integrity, foreign keys, schema revision, row counts against the source) and only then renamed to
``<stem>-备份-YYYYMMDD-HHMMSS.db``. Thinning and listing touch nothing but files of exactly that name.

An encrypted file's backup is encrypted with the same data key (``VACUUM INTO`` writes through the
cipher; ``strings`` finds nothing), verified with that key including ``cipher_integrity_check``, and gets
a copy of the keyring beside it (``…-备份-….db.keys``), so that it opens with the accounts of its day.

A plain file's backup leaves out the private keys (the station's signing key, the site's package key):
unlike the file's own folder, the backup folder may be a USB stick that travels. Restoring takes them over
from the file being replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from alembic.script import ScriptDirectory

from fupin_desktop.assets import migrations_path
from fupin_desktop.store import cipher
from fupin_desktop.store.errors import (
    BackupFailed,
    DatabaseDamaged,
    DatabaseTooNew,
    KeyRefused,
    NotADatabase,
    StoreError,
    translate,
)
from fupin_desktop.store.wipe import fsync_folder

BACKUP_FOLDER_NAME = "备份"
_STAMP_FORMAT = "%Y%m%d-%H%M%S"
# A second backup in the same second gets "-2", "-3"… after the stamp rather than replacing the first.
_BACKUP_NAME = re.compile(r"^(?P<stem>.+)-备份-(?P<stamp>\d{8}-\d{6})(?:-(?P<sequence>[2-9]|[1-9]\d+))?\.db$")
_TEMPORARY_NAME = re.compile(r"^\.(?P<stem>.+)-备份中-[0-9a-f]{32}\.tmp$")
_STALE_TEMPORARY_SECONDS = 24 * 3600
_KEYRING_SUFFIX = ".keys"
# (table, public key column, private key column): the station's signing key and the site's package key.
# A plain file's backups leave the private halves out (the backup folder may be a USB stick).
PRIVATE_KEY_COLUMNS = (("station_key", "public_key", "private_key"), ("site", "box_public", "box_private"))
# Anki's scheme: the newest backup of each of the last 12 days with one, then of 10 weeks, then of 9 months;
# before those, the 8 newest made within a day of the newest, so that this morning's state survives a
# mistake made in the afternoon and backed up in the evening.
KEEP_RECENT = 8
KEEP_DAILY = 12
KEEP_WEEKLY = 10
KEEP_MONTHLY = 9


@dataclass(frozen=True)
class FileCheck:
    """What checking a database file found; ``sound`` when nothing is wrong."""

    path: Path
    integrity_problems: tuple[str, ...]
    foreign_key_problems: int
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)
    quick: bool = False
    # The newest audit entry (by insertion): a backup must end its history where the source did.
    audit_head: str | None = None

    @property
    def sound(self) -> bool:
        return not self.integrity_problems and self.foreign_key_problems == 0

    def count(self, table: str) -> int:
        return self.counts.get(table, 0)

    def describe(self) -> str:
        """One Chinese paragraph for the user (no record contents: SQLite's messages name pages and tables)."""
        if self.sound:
            return f"数据库文件“{self.path.name}”完好（结构版本 {self.revision or '无'}）。"
        parts = []
        lines = [
            line.strip()
            for problem in self.integrity_problems
            for line in problem.splitlines()
            if line.strip() and not line.startswith("*** in database")
        ]
        if lines:
            more = f"等共{len(lines)}处" if len(lines) > 2 else ""
            parts.append(f"文件结构损坏（{'；'.join(lines[:2])}{more}）")
        if self.foreign_key_problems:
            parts.append(f"{self.foreign_key_problems}条记录指向不存在的记录")
        return f"数据库文件“{self.path.name}”已损坏：" + "，".join(parts) + "。"


@dataclass(frozen=True)
class BackupFile:
    """One file of our backup name pattern in a backup folder."""

    path: Path
    stem: str
    made_at: datetime
    sequence: int = 1  # the n-th backup made in that second

    @property
    def order(self) -> tuple[datetime, int]:
        return self.made_at, self.sequence

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class RestoreOutcome:
    backup: FileCheck
    kept_aside: Path | None


def default_backup_folder(database_path: Path) -> Path:
    return database_path.parent / BACKUP_FOLDER_NAME


def backup_name(stem: str, made_at: datetime, sequence: int = 1) -> str:
    counter = f"-{sequence}" if sequence > 1 else ""
    return f"{stem}-备份-{made_at.strftime(_STAMP_FORMAT)}{counter}.db"


def _free_backup_name(folder: Path, stem: str, made_at: datetime) -> tuple[Path, int]:
    """The first name of that second not taken yet (by a backup or its keyring): nothing is overwritten."""
    sequence = 1
    while (folder / backup_name(stem, made_at, sequence)).exists() or keyring_of(
        folder / backup_name(stem, made_at, sequence)
    ).exists():
        sequence += 1
    return folder / backup_name(stem, made_at, sequence), sequence


def parse_backup_name(path: Path) -> BackupFile | None:
    """The backup this file is, if its name is exactly of our pattern."""
    match = _BACKUP_NAME.match(path.name)
    if match is None:
        return None
    try:
        made_at = datetime.strptime(match["stamp"], _STAMP_FORMAT)
    except ValueError:
        return None
    return BackupFile(path, match["stem"], made_at, int(match["sequence"] or 1))


def looks_like_backup(path: Path) -> bool:
    """A file of our backup name, or any file in a folder named 备份: opened read-only."""
    return parse_backup_name(path) is not None or path.parent.name == BACKUP_FOLDER_NAME


def _read_only(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    """A connection that cannot change the file, not even its journal mode (with the key of an encrypted one)."""
    if key is None:
        return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None)
    return cipher.connect(path, key, read_only=True)


def _require_sqlite(path: Path, key: bytes | None = None) -> bytes | None:
    """The key to read ``path`` with: None for a plain file, ``key`` for an encrypted one that it opens."""
    if not path.is_file():
        raise StoreError(f"找不到数据库文件“{path}”。")
    if cipher.is_plain_sqlite(path):
        return None
    if key is None:
        raise NotADatabase(
            f"文件“{path.name}”是加密的数据库，或不是本程序的数据库文件：加密的文件须以账号登录后才能读取。"
        )
    try:
        opens = cipher.key_opens(path, key)
    except cipher.DATABASE_ERRORS:
        opens = False
    if not opens:
        raise KeyRefused(f"文件“{path.name}”不能用本数据库的密钥打开（另一个数据库的加密文件，或已损坏）。")
    return key


def keyring_of(path: Path) -> Path:
    return path.with_name(path.name + _KEYRING_SUFFIX)


def copy_keyring(source: Path, target: Path) -> Path | None:
    """The keyring of ``source`` beside ``target`` too (atomically), so that the copy opens by itself."""
    keys = keyring_of(source)
    if not keys.is_file():
        return None
    kept = keyring_of(target)
    temporary = kept.with_name(f".{kept.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copyfile(keys, temporary)
        _fsync(temporary)
        os.replace(temporary, kept)
    finally:
        temporary.unlink(missing_ok=True)
    return kept


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        for table in _tables(connection)
        if table != "alembic_version"
    }


def _audit_head(connection: sqlite3.Connection) -> str | None:
    if "audit_entry" not in _tables(connection):
        return None
    row = connection.execute("SELECT id FROM audit_entry ORDER BY rowid DESC LIMIT 1").fetchone()
    return None if row is None else (row[0].hex() if isinstance(row[0], bytes) else str(row[0]))


def _revision(connection: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _tables(connection):
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def check_database_file(path: Path, *, quick: bool = False, key: bytes | None = None) -> FileCheck:
    """Check a database file without changing it: ``integrity_check`` (or the faster ``quick_check``),
    ``foreign_key_check``, the Alembic revision and the row count of every table; of an encrypted file
    (``key``), also SQLCipher's ``cipher_integrity_check`` (every page's HMAC) unless ``quick``.

    For the backup verification, the ``check`` command and the check on open alike. A file whose
    damage stops SQLite from reading it at all comes back with that as its integrity problem.
    """
    key = _require_sqlite(path, key)
    connection = _read_only(path, key)
    try:
        pragma = "quick_check" if quick else "integrity_check"
        try:
            rows = connection.execute(f"PRAGMA {pragma}").fetchall()
            problems = tuple(str(row[0]) for row in rows if row[0] != "ok")
            if key is not None and not quick and not problems:
                problems = cipher.cipher_problems(connection)
        except cipher.DATABASE_ERRORS as error:
            _raise_if_not_damage(error, path)
            return FileCheck(path, (str(error),), 0, None, {}, quick)
        if problems:
            return FileCheck(path, problems, 0, None, {}, quick)
        try:
            foreign_keys = len(connection.execute("PRAGMA foreign_key_check").fetchall())
            revision = _revision(connection)
            counts = {} if quick else _counts(connection)
            head = None if quick else _audit_head(connection)
        except cipher.DATABASE_ERRORS as error:
            _raise_if_not_damage(error, path)
            return FileCheck(path, (str(error),), 0, None, {}, quick)
        return FileCheck(path, (), foreign_keys, revision, counts, quick, head)
    finally:
        connection.close()


def _raise_if_not_damage(error: Exception, path: Path) -> None:
    """A file that cannot be read because the disk is full, the file read-only or locked is not damaged:
    raise that error instead of reporting damage."""
    translated = translate(error, path)
    if translated is not None and not isinstance(translated, DatabaseDamaged):
        raise translated from None


def known_revision(revision: str | None) -> bool:
    """Whether this program's migrations know the revision (an unknown one is from a newer program)."""
    if revision is None:
        return True
    script = ScriptDirectory(str(migrations_path()))
    return any(rev.revision == revision for rev in script.walk_revisions())


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def write_backup(
    source: Path, folder: Path, *, made_at: datetime, key: bytes | None = None
) -> tuple[BackupFile, FileCheck]:
    """A verified copy of ``source`` in ``folder``; nothing of our name exists there unless it checked out.

    Another window may write while the copy is made: the source's counts are taken before and after
    ``VACUUM INTO``, and the copy is made again (up to three times) unless they agree. The copy of an
    encrypted file is encrypted with its key, checked with it, and its keyring copied beside it.
    """
    key = _require_sqlite(source, key)
    try:  # only the folder itself: a USB stick that is not plugged in must not become a local folder
        folder.mkdir(exist_ok=True)
    except OSError as error:
        why = f"“{folder.parent}”不存在" if isinstance(error, FileNotFoundError) else str(error.strerror or error)
        raise BackupFailed(f"无法创建备份文件夹“{folder}”：{why}。若备份文件夹在U盘上，请检查U盘是否插好。") from error
    temporary = folder / f".{source.stem}-备份中-{uuid.uuid4().hex}.tmp"
    try:
        expected, head, revision = _vacuum_into(source, temporary, key)
        if key is not None and cipher.is_plain_sqlite(temporary):
            raise BackupFailed("备份没有加密，已删除（加密的数据库只能有加密的备份）。")
        check = check_database_file(temporary, key=key)
        if not check.sound:
            raise BackupFailed(f"备份未通过检查，已删除：{check.describe()}")
        if check.revision != revision:
            raise BackupFailed(f"备份的结构版本（{check.revision}）与原文件（{revision}）不同，已删除。")
        if check.counts != expected:
            differing = sorted(t for t in expected.keys() | check.counts.keys() if expected.get(t) != check.count(t))
            raise BackupFailed(f"备份的记录数与原文件不一致（{'、'.join(differing)}），已删除。")
        if check.audit_head != head:
            raise BackupFailed("备份的修改记录与原文件结束于不同的一条，已删除。")
        _fsync(temporary)
        target, sequence = _free_backup_name(folder, source.stem, made_at)
        if key is not None:  # the keyring first: a backup of our name always opens
            copy_keyring(source, target)
        os.replace(temporary, target)
        fsync_folder(folder)
    except OSError as error:
        raise BackupFailed(f"无法写入备份文件夹“{folder}”：{error.strerror or error}") from error
    finally:
        temporary.unlink(missing_ok=True)
    return BackupFile(target, source.stem, made_at, sequence), FileCheck(
        target, (), 0, check.revision, check.counts, False, check.audit_head
    )


def _vacuum_into(
    source: Path, temporary: Path, key: bytes | None = None
) -> tuple[dict[str, int], str | None, str | None]:
    """The copy, and the source's counts and audit head as they were when it was taken."""
    connection = _read_only(source, key)
    try:
        for _attempt in range(3):
            temporary.unlink(missing_ok=True)
            before = (_counts(connection), _audit_head(connection))
            if key is None:
                _vacuum_without_private_keys(connection, temporary)
            else:
                cipher.vacuum_into(connection, temporary)
            after = (_counts(connection), _audit_head(connection))
            if before == after:
                return after[0], after[1], _revision(connection)
        raise BackupFailed("备份期间数据库一直在被写入，三次都未能得到一致的副本，请稍后再试。")
    except cipher.DRIVER_ERRORS as error:
        raise _vacuum_error(source, temporary, error) from error
    finally:
        connection.close()


def _vacuum_without_private_keys(connection: sqlite3.Connection, temporary: Path) -> None:
    """A plain file's copy without the private keys: the file is read into memory, the private halves
    are cleared there, and only then written out, so that they never reach the backup folder's disk."""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        connection.backup(memory)
        _clear_private_keys(memory)
        memory.execute("VACUUM INTO ?", (str(temporary),))
    finally:
        memory.close()


def _clear_private_keys(connection: sqlite3.Connection) -> None:
    tables = set(_tables(connection))
    for table, _public, private in PRIVATE_KEY_COLUMNS:
        if table in tables:
            connection.execute(f'UPDATE "{table}" SET "{private}" = NULL WHERE "{private}" IS NOT NULL')


def carry_private_keys(source: Path, source_key: bytes | None, target: Path, target_key: bytes | None) -> int:
    """The private halves of ``source`` into ``target`` where ``target`` has the same public key without
    its private half (a plain file's backup being restored over its database); how many were carried."""
    reader = _read_only(source, source_key)
    try:
        tables = set(_tables(reader))
        found = [
            (table, public_column, private_column, public, private)
            for table, public_column, private_column in PRIVATE_KEY_COLUMNS
            if table in tables
            for public, private in reader.execute(
                f'SELECT "{public_column}", "{private_column}" FROM "{table}" WHERE "{private_column}" IS NOT NULL'
            )
        ]
    finally:
        reader.close()
    if not found:
        return 0
    writer = cipher.connect(target, target_key)
    try:
        with writer:
            return sum(
                writer.execute(
                    f'UPDATE "{table}" SET "{private_column}" = ? '
                    f'WHERE "{public_column}" = ? AND "{private_column}" IS NULL',
                    (private, public),
                ).rowcount
                for table, public_column, private_column, public, private in found
            )
    finally:
        writer.close()


def _vacuum_error(source: Path, temporary: Path, error: Exception) -> StoreError:
    """The source's damage, or the backup folder's trouble (full, not writable): two different messages."""
    name = getattr(error, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return DatabaseDamaged(f"数据库文件“{source.name}”无法完整读出，备份未完成：{error}")
    if name == "SQLITE_FULL":
        return BackupFailed(f"备份文件夹“{temporary.parent}”所在的磁盘已满，备份未完成。")
    if name in ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_IOERR"):
        return BackupFailed(
            f"无法写入备份文件夹“{temporary.parent}”（{error}），备份未完成。请检查U盘是否插好、是否可写。"
        )
    return BackupFailed(f"备份未完成：{error}")


def list_backups(folder: Path, stem: str | None = None) -> list[BackupFile]:
    """Our backups in the folder (of one database's stem, if given), newest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        backup = parse_backup_name(path)
        if backup is not None and path.is_file() and (stem is None or backup.stem == stem):
            found.append(backup)
    return sorted(found, key=lambda b: b.order, reverse=True)


def backups_to_keep(
    backups: Iterable[BackupFile],
    *,
    recent: int = KEEP_RECENT,
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    monthly: int = KEEP_MONTHLY,
) -> set[Path]:
    """Walking from the newest: keep it if it is one of the ``recent`` newest made within a day of
    the newest backup; else (Anki's thinning) if it is the first of a day not yet kept (for ``daily``
    days), else the first of a week not yet kept (``weekly``), else of a month (``monthly``)."""
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    months: set[tuple[int, int]] = set()
    left = {"recent": recent, "daily": daily, "weekly": weekly, "monthly": monthly}
    keep: set[Path] = set()
    ordered = sorted(backups, key=lambda b: b.order, reverse=True)
    a_day_before_newest = ordered[0].made_at - timedelta(days=1) if ordered else datetime.min
    for backup in ordered:
        day = backup.made_at.date()
        year, week_number, _weekday = day.isocalendar()
        week, month = (year, week_number), (day.year, day.month)
        if backup.made_at > a_day_before_newest and left["recent"] > 0:
            left["recent"] -= 1
        elif day not in days and left["daily"] > 0:
            left["daily"] -= 1
        elif week not in weeks and left["weekly"] > 0:
            left["weekly"] -= 1
        elif month not in months and left["monthly"] > 0:
            left["monthly"] -= 1
        else:
            continue
        keep.add(backup.path)
        days.add(day)
        weeks.add(week)
        months.add(month)
    return keep


def thin_backups(folder: Path, stem: str, *, now: float | None = None) -> list[Path]:
    """Delete the backups of ``stem`` that the scheme does not keep, and our own temporary files
    left a day ago by a backup that was cut off (power loss); returns what was deleted."""
    removed_temporaries = _remove_stale_temporaries(folder, stem, time.time() if now is None else now)
    backups = list_backups(folder, stem)
    keep = backups_to_keep(backups)
    removed = []
    for backup in backups:
        if backup.path not in keep:
            backup.path.unlink(missing_ok=True)
            keyring_of(backup.path).unlink(missing_ok=True)
            removed.append(backup.path)
    return removed_temporaries + removed


def _remove_stale_temporaries(folder: Path, stem: str, now: float) -> list[Path]:
    removed = []
    for path in folder.iterdir() if folder.is_dir() else ():
        match = _TEMPORARY_NAME.match(path.name)
        if match is None or match["stem"] != stem or not path.is_file():
            continue
        if now - path.stat().st_mtime > _STALE_TEMPORARY_SECONDS:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def restore_file(backup: Path, target: Path, *, at: datetime, key: bytes | None = None) -> RestoreOutcome:
    """Replace ``target`` by a checked copy of ``backup``; the current file (with its WAL) is kept aside
    as ``<stem>.恢复前-YYYYMMDD-HHMMSS.db``. Nobody may have ``target`` open.

    With ``key`` (the current file is encrypted) the restored file is encrypted with it whatever the
    backup is: an encrypted backup is copied through the cipher, a plain one from before the conversion is
    exported into an encrypted file. The keyring beside ``target`` stays (the same data key). The private
    keys that a plain file's backup leaves out are taken over from the current file."""
    backup_key = key if cipher.looks_encrypted(backup) else None
    check = check_database_file(backup, key=backup_key)
    if not check.sound:
        raise DatabaseDamaged(f"备份不能用于恢复：{check.describe()}")
    if check.revision is None:
        raise NotADatabase(f"文件“{backup.name}”是SQLite数据库，但不是本程序的数据库或其备份，不能用于恢复。")
    if not known_revision(check.revision):
        raise DatabaseTooNew(f"备份由更新版本的程序写入（结构版本 {check.revision}），请先升级程序再恢复。")
    temporary = target.with_name(f".{target.name}.恢复中-{uuid.uuid4().hex}")
    aside: Path | None = None
    try:
        if key is not None and backup_key is None:
            cipher.export_encrypted(backup, temporary, key)
        else:
            _copy_database(backup, temporary, backup_key)
        if target.exists():
            _carry_private_keys_if_readable(target, key, temporary)
        _fsync(temporary)
        if target.exists():
            aside = target.with_name(f"{target.stem}.恢复前-{at.strftime(_STAMP_FORMAT)}{target.suffix}")
            _keep_aside(target, aside)
            if key is not None:
                copy_keyring(target, aside)
        elif key is not None and not keyring_of(target).exists():
            copy_keyring(backup, target)
        for suffix in ("-wal", "-shm", "-journal"):
            _sidecar(target, suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
        fsync_folder(target.parent)
    except OSError as error:
        raise StoreError(f"恢复未完成，原文件未被替换：{error.strerror or error}") from error
    finally:
        temporary.unlink(missing_ok=True)
    return RestoreOutcome(check, aside)


def _carry_private_keys_if_readable(target: Path, key: bytes | None, temporary: Path) -> None:
    """A plain file's backup has no private keys: they come from the file it replaces, when that one
    can still be read (a damaged or foreign one keeps its keys; signing then says the key is missing)."""
    try:
        carry_private_keys(target, key if cipher.looks_encrypted(target) else None, temporary, key)
    except cipher.DRIVER_OR_OS_ERRORS:
        return


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _copy_database(source: Path, target: Path, key: bytes | None = None) -> None:
    """Through SQLite's backup API, so that the copy is one consistent state of the file (encrypted with
    the same key when ``key``)."""
    reader = _read_only(source, key)
    try:  # an encrypted copy keeps its source's layout (the backup API copies pages as they are)
        writer = cipher.connect(target, key, layout=cipher.connection_layout(reader) if key else None)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()


def _keep_aside(target: Path, aside: Path) -> None:
    """The current file and its WAL under the aside name: a hard link where the disk allows, else a copy."""
    for suffix in ("", "-wal", "-shm"):
        current = _sidecar(target, suffix)
        if not current.exists():
            continue
        kept = _sidecar(aside, suffix)
        try:
            os.link(current, kept)
        except OSError:
            shutil.copy2(current, kept)


BACKUP_FOLDER_SETTING = "backup.folder"


def configured_backup_folder(database_path: Path, key: bytes | None = None) -> Path:
    """The backup folder set for this database (a station setting), or 备份 beside it; read without
    the ORM so that it also works on a file too damaged to open."""
    folder = ""
    try:
        connection = _read_only(database_path, key if cipher.looks_encrypted(database_path) else None)
        try:
            row = connection.execute("SELECT value FROM setting WHERE key = ?", (BACKUP_FOLDER_SETTING,)).fetchone()
            folder = str(row[0]) if row and row[0] else ""
        finally:
            connection.close()
    except cipher.DRIVER_ERRORS:
        folder = ""
    return Path(folder) if folder else default_backup_folder(database_path)


def newest_sound_backup(folder: Path, stem: str, key: bytes | None = None) -> BackupFile | None:
    """The newest backup of ``stem`` that passes the quick check (an encrypted one with ``key``)."""
    for backup in list_backups(folder, stem):
        try:
            if check_database_file(backup.path, quick=True, key=key).sound:
                return backup
        except StoreError:
            continue
    return None


def damage_message(check: FileCheck, key: bytes | None = None) -> str:
    """What the user reads when a file is damaged: what was found, and the newest sound backup to restore."""
    path = check.path
    backup = newest_sound_backup(configured_backup_folder(path, key), path.stem, key)
    if backup is None:
        offer = "没有找到可用的备份。请把此文件复制一份保存好，再联系技术人员。"
    else:
        offer = (
            f"最新的完好备份是“{backup.path.absolute()}”（{backup.made_at:%Y-%m-%d %H:%M}）。\n"
            f"可在程序的“备份与恢复”中恢复，或运行：\n"
            f'fupin-desktop --db "{path}" restore "{backup.path.absolute()}"'
        )
    return f"{check.describe()}\n为防止损坏扩大，不能再写入此文件。\n{offer}"


def table_counts(path: Path, tables: Iterable[str], key: bytes | None = None) -> dict[str, int]:
    """Row counts of some tables of a file, read-only (for listing backups: no integrity check)."""
    key = _require_sqlite(path, key)
    connection = _read_only(path, key)
    try:
        present = set(_tables(connection))
        return {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for table in tables
            if table in present
        }
    finally:
        connection.close()
