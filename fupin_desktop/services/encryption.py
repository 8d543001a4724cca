"""加密 (encryption at rest) as use cases: a new encrypted database, converting a plain one, opening one with
an account or the recovery code, and recovering a lost keyring.

No account, no data: an encrypted file opens only with the data key, which only an account's password (its
slot in the keyring, store/keyring.py) or the recovery code (on paper, with the station head) gives.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from fupin_desktop.domain.accounts import ROLE_LABELS, Role, hash_password, password_problem
from fupin_desktop.domain.keyslots import key_check, new_data_key, recovery_code, wrap_key
from fupin_desktop.services.errors import PermissionDenied, ServiceError
from fupin_desktop.store import backup as backups
from fupin_desktop.store import cipher
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import KeyringMissing, StoreError
from fupin_desktop.store.keyring import (
    Keyring,
    keyring_path,
    new_keyring,
    read_keyring,
    unlock,
    unlock_with_recovery_code,
    write_keyring,
)
from fupin_desktop.store.models import Operator
from fupin_desktop.store.uow import UnitOfWork

log = logging.getLogger(__name__)

SERVER_REFUSAL = "服务器上的数据库不使用本程序的文件加密：请由服务器管理员保护服务器（磁盘加密、访问权限、pg_hba）。"


class EncryptionRefused(ServiceError):
    """The database cannot be encrypted now (no 管理员 yet, already encrypted, a backup, on a server)."""


_NOT_ENCRYPTED: tuple[type[Exception], ...] = (*cipher.DRIVER_OR_OS_ERRORS, ServiceError, StoreError)


@dataclass(frozen=True)
class EncryptionResult:
    path: Path
    recovery_code: str
    keyring: Path
    households: int
    people: int
    seconds: float
    without_slot: tuple[str, ...]  # accounts that must get a new password from a 管理员 before they sign in
    backups_encrypted: tuple[Path, ...]


@dataclass(frozen=True)
class RecoveryResult:
    name: str
    keyring: Path
    rebuilt: bool  # the keyring was missing and has been made again
    without_slot: tuple[str, ...]


def is_encrypted_file(path: Path) -> bool:
    """Whether the file is (or looks like) an encrypted database; a new or plain file is not."""
    return cipher.looks_encrypted(path)


def data_key_for(path: Path, *, name: str, password: str) -> bytes | None:
    """The key that opens ``path``: None for a plain or new file, else the account's unwrapped slot
    (KeyRefused for a wrong password, KeyringMissing when the keyring is gone)."""
    if not cipher.looks_encrypted(path):
        return None
    return unlock(path, name=name, password=password)


def data_key_from_code(path: Path, code: str) -> bytes:
    return unlock_with_recovery_code(path, code)


def open_encrypted(path: Path, *, name: str, password: str, **options: object) -> Database:
    """Open a file with an account's password: the key from its slot first (sign-in before the file
    opens), then the database. The account's own sign-in (lockout, disabled) follows in the caller."""
    key = data_key_for(path, name=name, password=password)
    return open_database(path, key=key, **options)  # type: ignore[arg-type]


def new_encrypted_database(path: Path, *, accounts: dict[str, str], now: datetime | None = None) -> tuple[bytes, str]:
    """The data key and its recovery code for a new encrypted file; the keyring with ``accounts``' slots is
    written before the file exists, so that the file is never there without a way in."""
    if cipher.looks_encrypted(path) or (path.exists() and path.stat().st_size > 0):
        raise ServiceError(f"数据库“{path}”已存在，未作任何改动：新站请指定一个新的文件（--db 新文件）。")
    key = new_data_key()
    write_keyring(path, new_keyring(key, accounts, issued_at=now or datetime.now()))
    return key, recovery_code(key)


def _refuse_unless_admin(database: Database, name: str, password: str) -> list[str]:
    """The converting account must be a 管理员 who signs in now; returns the other accounts' names."""
    from fupin_desktop.services.accounts import accounts_in_force, sign_in

    if not database.read(accounts_in_force):
        raise EncryptionRefused(
            "此数据库还没有管理员账号，不能加密：加密后只有账号能打开它。"
            "请先新建管理员（设置 → 账号管理，或命令 user add 账号 --role 管理员），再以该管理员加密。"
        )
    actor = sign_in(database, name=name, password=password)
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(f"需要{ROLE_LABELS[Role.ADMIN]}权限才能加密数据库（当前账号“{actor.name}”）。")
    with database.session_factory() as session:
        names = session.scalars(
            select(Operator.name).where(Operator.password_hash.is_not(None), Operator.disabled.is_(False))
        ).all()
    return [other for other in names if other != actor.name]


def encrypt_database(path: Path, *, name: str, password: str, now: datetime | None = None) -> EncryptionResult:
    """Convert a plain database file into an encrypted one, the 管理员 ``name`` signing in.

    ``sqlcipher_export`` into a temporary file beside it; that copy is verified (integrity and cipher
    checks, row counts, revision, newest audit entry) against the plain file; the keyring is written; then
    one rename puts it in place of the plain file. A failure (or a crash) at any step leaves the plain file
    as it was. The plain backups in the backup folder are encrypted the same way afterwards. Nobody may
    have the file open.
    """
    started = time.perf_counter()
    if cipher.looks_encrypted(path):
        raise EncryptionRefused(f"数据库“{path.name}”已经是加密的。")
    if not path.is_file():
        raise EncryptionRefused(f"找不到数据库文件“{path}”。")
    if backups.looks_like_backup(path):
        raise EncryptionRefused("这是一个备份文件：请加密原数据库（它的备份随之加密）。")
    database = open_database(path)
    try:
        others = _refuse_unless_admin(database, name, password)
        folder = _backup_folder(database)
    finally:
        database.dispose()
    before = backups.check_database_file(path)
    if not before.sound:
        raise EncryptionRefused(f"数据库文件有损坏，不能加密（请先从备份恢复）：{before.describe()}")
    _fold_in_the_wal(path)
    key = new_data_key()
    temporary = path.with_name(f".{path.name}.加密中-{uuid.uuid4().hex}.tmp")
    try:
        after = _encrypted_copy(path, temporary, key, before)
        made_at = now or datetime.now()
        keyring = write_keyring(path, new_keyring(key, {name: password}, issued_at=made_at))
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)
    for suffix in ("-shm",):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    encrypted_backups = _encrypt_backups(folder, path, key)
    seconds = time.perf_counter() - started
    log.info("数据库已加密（%.1f 秒，另加密了%d个备份）", seconds, len(encrypted_backups))
    return EncryptionResult(
        path,
        recovery_code(key),
        keyring,
        after.count("household"),
        after.count("person"),
        seconds,
        tuple(others),
        encrypted_backups,
    )


def _fold_in_the_wal(path: Path) -> None:
    """Everything of the WAL into the file and the WAL gone (rollback journal mode), so that no plain WAL is
    left beside the encrypted file; another program holding the file makes this fail: refused then."""
    try:
        connection = cipher.connect(path, None)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode = DELETE")
        finally:
            connection.close()
    except cipher.DRIVER_ERRORS as error:
        why = type(error).__name__
        raise EncryptionRefused(f"数据库正被另一个程序使用，请关闭其他窗口后再加密（{why}）。") from None
    if path.with_name(path.name + "-wal").exists():
        raise EncryptionRefused("数据库正被另一个程序使用（有未写完的日志文件），请关闭其他窗口后再加密。")


def _backup_folder(database: Database) -> Path:
    from fupin_desktop.services.backups import backup_folder

    return backup_folder(database)


def _encrypted_copy(plain: Path, temporary: Path, key: bytes, before: backups.FileCheck) -> backups.FileCheck:
    """``sqlcipher_export`` and the checks that the copy is the plain file, encrypted."""
    cipher.export_encrypted(plain, temporary, key)
    if cipher.is_plain_sqlite(temporary):
        raise EncryptionRefused("加密的副本没有加密，已删除；原文件未改动。")
    after = backups.check_database_file(temporary, key=key)
    if not after.sound:
        raise EncryptionRefused(f"加密的副本未通过检查，已删除；原文件未改动：{after.describe()}")
    if (after.revision, after.counts, after.audit_head) != (before.revision, before.counts, before.audit_head):
        raise EncryptionRefused("加密的副本与原文件的记录数或修改记录不一致，已删除；原文件未改动。")
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    return after


def _encrypt_backups(folder: Path, database_path: Path, key: bytes) -> tuple[Path, ...]:
    """Our plain backups of this file, and the copies made before migrations, encrypted in place: after a
    conversion no plain copy of the data stays in the backup folder or beside the file."""
    candidates = [backup.path for backup in backups.list_backups(folder, database_path.stem)]
    candidates += sorted(database_path.parent.glob(f"{database_path.stem}.备份-*{database_path.suffix}"))
    candidates += sorted(database_path.parent.glob(f"{database_path.stem}.恢复前-*{database_path.suffix}"))
    done = []
    for path in candidates:
        if not path.is_file() or not cipher.is_plain_sqlite(path):
            continue
        temporary = path.with_name(f".{path.name}.加密中-{uuid.uuid4().hex}.tmp")
        try:
            before = backups.check_database_file(path)
            if not before.sound:
                log.warning("备份 %s 已损坏，未加密", path.name)
                continue
            _encrypted_copy(path, temporary, key, before)
            backups.copy_keyring(database_path, path)
            os.replace(temporary, path)
            done.append(path)
        except _NOT_ENCRYPTED as error:
            log.warning("备份 %s 未能加密：%s", path.name, type(error).__name__)
        finally:
            temporary.unlink(missing_ok=True)
    return tuple(done)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def recover_with_code(path: Path, *, code: str, name: str, new_password: str) -> RecoveryResult:
    """恢复码: the 管理员 ``name`` gets ``new_password``, and a slot for it in the keyring, which is made
    again if it was lost (the other accounts then get new passwords from that 管理员: their slots are gone)."""
    problem = password_problem(new_password)
    if problem is not None:
        raise ServiceError(problem)
    key = unlock_with_recovery_code(path, code)
    try:
        keyring = read_keyring(path)
    except KeyringMissing:
        keyring = None
    database = open_database(path, key=key)
    try:
        with UnitOfWork(database, name) as uow:
            account = uow.session.scalar(select(Operator).where(Operator.name == name.strip()))
            if account is None or account.role != Role.ADMIN.value or account.disabled:
                raise PermissionDenied(f"“{name}”不是此数据库的管理员账号（或已停用）：恢复码只能为管理员重设密码。")
            account.password_hash = hash_password(new_password)
            account.failed_attempts = 0
            account.locked_until = None
            uow.audit("update", "operator", account.id, "password", None, "（用恢复码重设）")
            base = keyring if keyring is not None else Keyring(key_check(key), ())
            written = write_keyring(path, base.with_slot(wrap_key(key, name=account.name, password=new_password)))
            others = uow.session.scalars(
                select(Operator.name).where(Operator.password_hash.is_not(None), Operator.disabled.is_(False))
            ).all()
            uow.commit()
    finally:
        database.dispose()
    kept = read_keyring(path)
    present = set(kept.names) if kept is not None else set()
    log.info("已用恢复码重设管理员密码%s", "并重建钥匙文件" if keyring is None else "")
    return RecoveryResult(name.strip(), written, keyring is None, tuple(n for n in others if n not in present))


def keyring_missing(path: Path) -> bool:
    """An encrypted file without a readable keyring: only the recovery code opens it."""
    if not cipher.looks_encrypted(path):
        return False
    try:
        return read_keyring(path) is None
    except KeyringMissing:
        return True


__all__ = [
    "SERVER_REFUSAL",
    "EncryptionRefused",
    "EncryptionResult",
    "RecoveryResult",
    "data_key_for",
    "data_key_from_code",
    "encrypt_database",
    "is_encrypted_file",
    "keyring_missing",
    "keyring_path",
    "new_encrypted_database",
    "open_encrypted",
    "recover_with_code",
]
