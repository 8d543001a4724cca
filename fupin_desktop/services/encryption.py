"""加密 (encryption at rest) as use cases: a new encrypted database, converting a plain one, opening one with
an account or the recovery code, recovering a lost keyring, and the recovery code's confirmation and its
regeneration (重新生成恢复码: the file re-keyed, the old code void).

No account, no data: an encrypted file opens only with the data key, which only an account's password (its
slot in the keyring, store/keyring.py) or the recovery code (on paper, with the station head) gives.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from fupin_desktop.domain.accounts import ROLE_LABELS, Role, hash_password, password_problem
from fupin_desktop.domain.keyslots import key_check, new_data_key, recovery_code, wrap_key
from fupin_desktop.services.errors import PermissionDenied, ServiceError
from fupin_desktop.store import backup as backups
from fupin_desktop.store import cipher, wipe
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import KeyringMissing, StoreError
from fupin_desktop.store.keyring import (
    Keyring,
    confirm_recovery,
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
class NewRecoveryCode:
    """重新生成恢复码: the file under a new data key, ``recovery_code`` its code (the old one void)."""

    path: Path
    recovery_code: str
    keyring: Path
    households: int
    people: int
    seconds: float
    without_slot: tuple[str, ...]  # first-format slots that could not follow: a 管理员 resets their passwords
    backups_rekeyed: tuple[Path, ...]


UNCONFIRMED = (
    "本数据库的恢复码还没有确认已抄写保管（显示恢复码时程序可能被关闭或断电），站长手里可能没有它："
    "忘记全部密码或钥匙文件丢失时将无法打开数据库。恢复码已抄好的，请管理员输入它确认；"
    "没有的，请管理员“重新生成恢复码”，打印或抄写后确认。"
)


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
    key = unlock(path, name=name, password=password)
    if wipe.wipe_leftovers(path):  # a crash in the conversion left the plain file beside it
        log.warning("已抹除加密时中断留下的明文文件")
    return key


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


def _refuse_unless_admin(database: Database, name: str, password: str, *, doing: str = "加密数据库") -> list[str]:
    """The converting account must be a 管理员 who signs in now; returns the other accounts' names."""
    from fupin_desktop.services.accounts import accounts_in_force, sign_in

    if not database.read(accounts_in_force):
        raise EncryptionRefused(
            "此数据库还没有管理员账号，不能加密：加密后只有账号能打开它。"
            "请先新建管理员（设置 → 账号管理，或命令 user add 账号 --role 管理员），再以该管理员加密。"
        )
    actor = sign_in(database, name=name, password=password)
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(f"需要{ROLE_LABELS[Role.ADMIN]}权限才能{doing}（当前账号“{actor.name}”）。")
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
    if path.with_name(path.name + "-wal").exists():
        _fold_in_the_wal(path)  # a crash left a plain WAL: zeroed before opening the file would delete it
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
        left = wipe.replace_wiping(temporary, path)  # the plain file's blocks zeroed, then unlinked
    finally:
        temporary.unlink(missing_ok=True)
    if left is not None:
        log.warning("未能抹除原来的明文文件，下次打开时再试")
    for suffix in ("-shm",):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    for suffix in ("-journal",):
        wipe.wipe(path.with_name(path.name + suffix))
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


def _fold_in_the_wal(path: Path, key: bytes | None = None, *, doing: str = "加密") -> None:
    """Everything of the WAL into the file and the WAL gone (rollback journal mode), so that no WAL is left
    beside the new file; another program holding the file makes this fail: refused then.

    A plain WAL (left by a crash: a closed window leaves none) is overwritten with zeros once every frame
    of it is in the file (a FULL checkpoint that nobody hindered), before SQLite truncates and deletes it."""
    wal = path.with_name(path.name + "-wal")
    try:
        connection = cipher.connect(path, key)
        try:
            if key is None and wal.exists():
                busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
                if busy == 0 and frames == copied and frames >= 0:
                    wipe.overwrite_with_zeros(wal)
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode = DELETE")
        finally:
            connection.close()
    except cipher.DRIVER_ERRORS as error:
        why = type(error).__name__
        raise EncryptionRefused(f"数据库正被另一个程序使用，请关闭其他窗口后再{doing}（{why}）。") from None
    if wal.exists():
        raise EncryptionRefused(f"数据库正被另一个程序使用（有未写完的日志文件），请关闭其他窗口后再{doing}。")


def _backup_folder(database: Database) -> Path:
    from fupin_desktop.services.backups import backup_folder

    return backup_folder(database)


def _encrypted_copy(
    plain: Path, temporary: Path, key: bytes, before: backups.FileCheck, old_key: bytes | None = None
) -> backups.FileCheck:
    """``sqlcipher_export`` and the checks that the copy is the plain file (or the file under ``old_key``),
    encrypted with ``key``."""
    if old_key is None:
        cipher.export_encrypted(plain, temporary, key)
    else:
        _export_rekeyed(plain, old_key, temporary, key)
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


def _export_rekeyed(source: Path, source_key: bytes, target: Path, key: bytes) -> None:
    """``sqlcipher_export`` of the encrypted file into a new file under ``key`` and the new layout
    (``cipher.NEW``); the source is only read."""
    connection = cipher.connect(source, source_key, isolation_level=None)
    try:
        connection.execute("ATTACH DATABASE ? AS rekeyed KEY \"x'" + key.hex() + "'\"", (str(target),))
        for pragma in cipher.NEW.pragmas("rekeyed"):  # a re-keyed file takes the faster layout
            connection.execute(pragma)
        connection.execute("SELECT sqlcipher_export('rekeyed')")
        connection.execute("DETACH DATABASE rekeyed")
    finally:
        connection.close()


def _copies_of(folder: Path, database_path: Path) -> list[Path]:
    """Our backups of this file, and the copies made before migrations and restores."""
    candidates = [backup.path for backup in backups.list_backups(folder, database_path.stem)]
    candidates += sorted(database_path.parent.glob(f"{database_path.stem}.备份-*{database_path.suffix}"))
    candidates += sorted(database_path.parent.glob(f"{database_path.stem}.恢复前-*{database_path.suffix}"))
    return candidates


def _encrypt_backups(folder: Path, database_path: Path, key: bytes, old_key: bytes | None = None) -> tuple[Path, ...]:
    """Our plain backups of this file, and the copies made before migrations, encrypted in place (each
    plain copy's blocks overwritten before it goes): after a conversion no plain copy of the data stays in
    the backup folder or beside the file. With ``old_key``: the copies under the old key, re-keyed."""
    done = []
    for path in _copies_of(folder, database_path):
        wipe.wipe_leftovers(path)
        if not path.is_file():
            continue
        if old_key is None and not cipher.is_plain_sqlite(path):
            continue
        if old_key is not None and (cipher.is_plain_sqlite(path) or not _opens_with(path, old_key)):
            continue
        temporary = path.with_name(f".{path.name}.加密中-{uuid.uuid4().hex}.tmp")
        try:
            before = backups.check_database_file(path, key=old_key)
            if not before.sound:
                log.warning("备份 %s 已损坏，未加密", path.name)
                continue
            _encrypted_copy(path, temporary, key, before, old_key)
            backups.copy_keyring(database_path, path)
            if old_key is None:
                wipe.replace_wiping(temporary, path)
            else:
                os.replace(temporary, path)
            done.append(path)
        except _NOT_ENCRYPTED as error:
            log.warning("备份 %s 未能加密：%s", path.name, type(error).__name__)
        finally:
            temporary.unlink(missing_ok=True)
    return tuple(done)


def _opens_with(path: Path, key: bytes) -> bool:
    try:
        return cipher.key_opens(path, key)
    except cipher.DRIVER_OR_OS_ERRORS:
        return False


def recovery_unconfirmed(path: Path | None) -> bool:
    """An encrypted file whose recovery code the station head never confirmed having (the program was
    killed while it was shown, or it was shown on a terminal that could not ask): say so on every open."""
    if path is None or not cipher.looks_encrypted(path) or backups.looks_like_backup(path):
        return False
    try:
        keyring = read_keyring(path)
    except KeyringMissing:
        return False
    return keyring is not None and keyring.recovery_unconfirmed


def confirm_recovery_code(path: Path, *, code: str, now: datetime | None = None) -> None:
    """The station head has the code on paper: ``code`` must be the file's current one (retyped in full on
    the CLI; in the window, the dialog checks its last group and passes the code it showed)."""
    key = unlock_with_recovery_code(path, code)
    confirm_recovery(path, key, at=now or datetime.now())
    log.info("恢复码已确认抄写保管")


def regenerate_recovery_code(path: Path, *, name: str, password: str, now: datetime | None = None) -> NewRecoveryCode:
    """重新生成恢复码: the encrypted file under a new random data key, the 管理员 ``name`` signing in.

    ``sqlcipher_export`` under the new key into a temporary file beside it; the copy is verified (integrity
    and cipher checks, row counts, revision, newest audit entry) against the file; the keyring is written
    with every account's slot holding the new key and, until the rename is done, the old one; then one
    rename puts the copy in place and the keyring drops the old key. A crash at any step leaves a file
    that opens with the old key or the new one, and the sign-in keeps whichever it is. The old recovery
    code opens nothing afterwards (our backups are re-keyed too). Nobody may have the file open.
    """
    started = time.perf_counter()
    if not cipher.looks_encrypted(path):
        raise EncryptionRefused(f"数据库“{path.name}”没有加密，没有恢复码：请先加密（设置 → 加密数据库）。")
    if backups.looks_like_backup(path):
        raise EncryptionRefused("这是一个备份文件：请在原数据库上重新生成恢复码（它的备份随之更换）。")
    old = unlock(path, name=name, password=password)
    database = open_database(path, key=old)
    try:
        _refuse_unless_admin(database, name, password, doing="重新生成恢复码")
        folder = _backup_folder(database)
    finally:
        database.dispose()
    _fold_in_the_wal(path, old, doing="重新生成恢复码")
    for leftover in path.parent.glob(f".{path.name}.换钥中-*.tmp"):  # a copy a killed re-key left (encrypted)
        leftover.unlink(missing_ok=True)
    before = backups.check_database_file(path, key=old)
    if not before.sound:
        raise EncryptionRefused(f"数据库文件有损坏，不能重新生成恢复码（请先从备份恢复）：{before.describe()}")
    keyring = read_keyring(path)
    if keyring is None:
        raise KeyringMissing("钥匙文件不见了：请先用恢复码重建钥匙文件（recover）。")
    key = new_data_key()
    temporary = path.with_name(f".{path.name}.换钥中-{uuid.uuid4().hex}.tmp")
    try:
        after = _encrypted_copy(path, temporary, key, before, old)
        changing = keyring.rekeyed(key, old, issued_at=now or datetime.now(), kept={name.strip(): password})
        write_keyring(path, changing)  # both keys: whichever the file has when a crash comes, it opens
        os.replace(temporary, path)
        wipe.fsync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)
    # From here on the file is under the new key: what fails now is said in the log, not as a refusal
    # (the keyring of both keys still opens it, and the next sign-in settles it).
    written = keyring_path(path)
    try:
        written = write_keyring(path, changing.settled(key))
    except StoreError:
        log.warning("钥匙文件未能去掉旧密钥，下次登录时再去掉")
    path.with_name(path.name + "-shm").unlink(missing_ok=True)
    try:
        _audit_new_code(path, key, name)
    except _NOT_ENCRYPTED as error:
        log.warning("重新生成恢复码未能写入修改记录：%s", type(error).__name__)
    rekeyed = _encrypt_backups(folder, path, key, old)
    seconds = time.perf_counter() - started
    dropped = tuple(slot.name for slot in keyring.slots if slot.name not in changing.names)
    log.info("已重新生成恢复码（%.1f 秒，另更换了%d个备份的密钥）", seconds, len(rekeyed))
    return NewRecoveryCode(
        path, recovery_code(key), written, after.count("household"), after.count("person"), seconds, dropped, rekeyed
    )


def _audit_new_code(path: Path, key: bytes, name: str) -> None:
    database = open_database(path, key=key)
    try:
        with UnitOfWork(database, name.strip()) as uow:
            account = uow.session.scalar(select(Operator).where(Operator.name == name.strip()))
            if account is not None:
                uow.audit("update", "operator", account.id, "recovery_code", None, "（重新生成恢复码，旧恢复码作废）")
            uow.commit()
    finally:
        database.dispose()


def recover_with_code(
    path: Path, *, code: str, name: str, new_password: str, now: datetime | None = None
) -> RecoveryResult:
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
            # The code was just typed in full: whoever did it has it, so it is confirmed (a rebuilt keyring
            # does not start reminding that nobody has the code).
            confirmed = (now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
            base = keyring.settled(key) if keyring is not None else Keyring(key_check(key), ())
            base = replace(base, recovery_confirmed=confirmed)
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
    "UNCONFIRMED",
    "EncryptionRefused",
    "EncryptionResult",
    "NewRecoveryCode",
    "RecoveryResult",
    "confirm_recovery_code",
    "data_key_for",
    "data_key_from_code",
    "encrypt_database",
    "is_encrypted_file",
    "keyring_missing",
    "keyring_path",
    "new_encrypted_database",
    "open_encrypted",
    "recover_with_code",
    "recovery_unconfirmed",
    "regenerate_recovery_code",
]
