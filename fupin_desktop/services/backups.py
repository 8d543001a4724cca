"""Backups and restore as use cases: the backup folder setting, a verified backup with thinning,
the list for 备份与恢复, restoring a backup over the database file."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store import backup as store
from fupin_desktop.store import cipher
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import DatabaseDamaged, NotADatabase, StoreError
from fupin_desktop.store.models import Setting
from fupin_desktop.store.postgres import BACKUP_INSTEAD
from fupin_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

# Settings and the database file have no UUID of their own; their audit entries share fixed ones.
_SETTING_ENTITY_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
_DATABASE_ENTITY_ID = uuid.UUID("00000000-0000-4000-8000-000000000002")
AUTOMATIC_INTERVAL_HOURS = 3
_UNREADABLE: tuple[type[Exception], ...] = (*cipher.DRIVER_OR_OS_ERRORS, StoreError)


class BackupRefused(ServiceError):
    """This database may not be backed up or restored now (it is itself a backup, or damaged)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    households: int
    people: int
    seconds: float
    removed: tuple[Path, ...]


@dataclass(frozen=True)
class BackupEntry:
    """One row of the 备份与恢复 list; counts are None when the file cannot be read."""

    path: Path
    made_at: datetime
    size: int
    households: int | None
    people: int | None
    intentions: int | None


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_aside: Path | None
    households: int
    people: int


def _file(database: Database) -> Path:
    """The database file; a server database refuses file backups with what to use instead."""
    return database.file("文件备份", BACKUP_INSTEAD)


def backup_folder(database: Database) -> Path:
    """Where this database's backups go: the station setting, or 备份 beside the file (for a backup
    opened directly: the folder it is in, with its siblings)."""
    path = _file(database)
    if database.is_backup:
        return path.parent
    with database.session_factory() as session:
        setting = session.get(Setting, store.BACKUP_FOLDER_SETTING)
    return Path(setting.value) if setting is not None and setting.value else store.default_backup_folder(path)


def set_backup_folder(database: Database, *, actor: Who, folder: Path | None) -> Path:
    """Store another backup folder (e.g. a USB stick); None goes back to 备份 beside the file."""
    if folder is not None and folder.exists() and not folder.is_dir():
        raise ServiceError(f"“{folder}”不是文件夹，请选择一个文件夹作为备份位置。")
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.BACKUP_SETTINGS)
        current = uow.session.get(Setting, store.BACKUP_FOLDER_SETTING)
        old = current.value if current is not None else ""
        new = str(folder) if folder is not None else ""
        if new != old:
            uow.audit("update", "setting", _SETTING_ENTITY_ID, store.BACKUP_FOLDER_SETTING, old, new)
            uow.session.merge(Setting(key=store.BACKUP_FOLDER_SETTING, value=new))
        uow.commit()
    return backup_folder(database)


def back_up(database: Database, *, folder: Path | None = None, now: datetime | None = None) -> BackupResult:
    """A verified backup in ``folder`` (default: the configured one), then the thinning of that folder."""
    if database.is_backup:
        raise BackupRefused("打开的是一个备份文件，不再为它做备份。")
    if database.read_only_reason is not None:
        raise BackupRefused(f"数据库不能备份：{database.read_only_reason}")
    path = _file(database)
    target = folder if folder is not None else backup_folder(database)
    started = time.perf_counter()
    made, check = store.write_backup(path, target, made_at=now or datetime.now(), key=database.key)
    removed = tuple(store.thin_backups(target, path.stem))
    seconds = time.perf_counter() - started
    log.info("已备份到 %s（%.2f 秒，按保留规则删除旧备份 %d 个）", made.path, seconds, len(removed))
    return BackupResult(made.path, made.size, check.count("household"), check.count("person"), seconds, removed)


def backup_is_current(database: Database, folder: Path | None = None) -> bool:
    """Whether the newest backup was made after the file last changed: the automatic backups skip
    then (opening the window and only looking writes nothing). Seconds in the name are rounded down,
    so a change in the same second as the backup counts as newer."""
    path = _file(database)
    newest = store.list_backups(folder if folder is not None else backup_folder(database), path.stem)
    if not newest:
        return False
    files = [path, path.with_name(path.name + "-wal")]
    changed = max(path.stat().st_mtime for path in files if path.exists())
    return newest[0].made_at.timestamp() > changed


def list_backup_entries(database: Database, folder: Path | None = None) -> list[BackupEntry]:
    """This database's backups in the folder, newest first, with their record counts."""
    path = _file(database)
    target = folder if folder is not None else backup_folder(database)
    stem = path.stem
    if database.is_backup:
        parsed = store.parse_backup_name(path)
        stem = parsed.stem if parsed is not None else stem
    return [_entry(backup, database.key) for backup in store.list_backups(target, stem)]


def _entry(backup: store.BackupFile, key: bytes | None) -> BackupEntry:
    counts: dict[str, int] = {}
    encrypted = cipher.looks_encrypted(backup.path)
    try:
        counts = store.table_counts(backup.path, ("household", "person", "intention"), key if encrypted else None)
    except _UNREADABLE:
        log.warning("无法读取备份 %s 的记录数", backup.path.name)
    return BackupEntry(
        backup.path,
        backup.made_at,
        backup.size,
        counts.get("household"),
        counts.get("person"),
        counts.get("intention"),
    )


def _refuse_unless_allowed(target: Path, actor: Who, key: bytes | None) -> None:
    """恢复备份 replaces the data of ``target``: a 管理员 of that database decides. A file that is missing
    or damaged has nobody to ask, and recovering it needs no account (the damaged file is kept aside)."""
    if not target.is_file():
        return
    try:
        current = open_database(target, key=key)
    except (DatabaseDamaged, NotADatabase):
        return
    try:
        current.read(permit, actor, Capability.RESTORE_BACKUP)
    finally:
        current.dispose()


def restore_backup(
    *, target: Path, backup: Path, actor: Who, now: datetime | None = None, key: bytes | None = None
) -> RestoreResult:
    """Replace the database file ``target`` by the checked backup; the current file is kept aside.

    Whoever holds ``target`` open must have closed it (disposed its engine) first. The restore is
    recorded in the restored file's audit trail. ``key``: the data key of an encrypted ``target``, which
    the restored file keeps (a plain backup from before the conversion is encrypted on the way).
    """
    if backup.resolve() == target.resolve():
        raise ServiceError("不能用数据库文件自身来恢复，请选择一个备份文件。")
    _refuse_unless_allowed(target, actor, key)
    outcome = store.restore_file(backup, target, at=now or datetime.now(), key=key)
    database = open_database(target, key=key)
    try:
        with UnitOfWork(database, actor_name(actor)) as uow:
            aside = outcome.kept_aside.name if outcome.kept_aside is not None else None
            uow.audit("restore", "database", _DATABASE_ENTITY_ID, None, aside, backup.name)
            uow.commit()
    finally:
        database.dispose()
    log.info("已从备份 %s 恢复 %s（原文件另存为 %s）", backup.name, target.name, outcome.kept_aside)
    return RestoreResult(backup, outcome.kept_aside, outcome.backup.count("household"), outcome.backup.count("person"))


def newest_sound_backup(database_path: Path, key: bytes | None = None) -> Path | None:
    """The newest backup of this file that passes the quick check, from its configured folder."""
    found = store.newest_sound_backup(store.configured_backup_folder(database_path, key), database_path.stem, key)
    return found.path if found is not None else None


# What the window shows and checks, without reaching into the store itself.
KEEP_RECENT, KEEP_DAILY = store.KEEP_RECENT, store.KEEP_DAILY
KEEP_WEEKLY, KEEP_MONTHLY = store.KEEP_WEEKLY, store.KEEP_MONTHLY


def damage_found(path: Path, key: bytes | None = None) -> str | None:
    """SQLite's quick check of a database file: None when sound, else the message that offers the
    newest sound backup."""
    check = store.check_database_file(path, quick=True, key=key)
    return None if check.sound else store.damage_message(check, key)

