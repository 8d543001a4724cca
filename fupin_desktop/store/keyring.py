"""The keyring file beside an encrypted database (``fupin.db.keys``): the data key wrapped once per account.
No Qt here.

The slots cannot live in the encrypted file, since they are needed before it opens. The keyring holds
nothing secret in the clear — wrapped keys, salts, and a check tag of the data key — and is written
atomically (temporary file, fsync, rename), so that a crash leaves the old keyring or the new one. A copy
goes beside every backup. Losing it loses no data: the recovery code is the data key itself.

It also records whether the station head confirmed having the recovery code on paper (``confirmed_at``):
a program killed while the code was on the screen leaves a file whose code nobody saw, and every open
says so until a new code is made (重新生成恢复码, services/encryption.py). While such a re-key is being
finished the keyring holds the old data key too (``previous``), sealed to the same slots: a crash between
the file's rename and the keyring's leaves a file that one of the two opens, and the next sign-in keeps
the one that does.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fupin_desktop.domain.accounts import MAX_FAILURES, locked_until_after_failure
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.keyslots import (
    KeySlot,
    SealedKey,
    key_check,
    key_from_recovery_code,
    open_sealed,
    private_key,
    resealed,
    wrap_key,
)
from fupin_desktop.store import cipher
from fupin_desktop.store.errors import KeyRefused, KeyringMissing, StoreError

KEYRING_SUFFIX = ".keys"
_FORMAT = "fupin-keyring"
_VERSION = 2  # 2: sealed slots (a re-key needs no password) and the recovery code's confirmation
_READABLE = (1, 2)


@dataclass(frozen=True)
class SlotLock:
    """Wrong passwords against a slot: the file cannot count them before it opens, so the keyring does,
    with the accounts' rule (five in a row lock the slot for 15 minutes)."""

    failures: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Keyring:
    """``check`` tags the data key the slots hold; ``recovery_issued`` is when its recovery code was shown,
    ``recovery_confirmed`` when the station head confirmed having it on paper (None: never). While a re-key
    is finished, ``previous_check`` tags the old data key and ``previous`` holds it sealed per slot."""

    check: str
    slots: tuple[KeySlot, ...]
    recovery_issued: str | None = None
    locks: dict[str, SlotLock] = field(default_factory=dict)
    recovery_confirmed: str | None = None
    previous_check: str | None = None
    previous: dict[str, SealedKey] = field(default_factory=dict)

    def rekeyed(self, key: bytes, old: bytes, *, issued_at: datetime, kept: dict[str, str]) -> Keyring:
        """The keyring of a new data key ``key``, every sealed slot holding it and, until :meth:`settled`,
        the old one too; a first-format slot is made again for the accounts of ``kept`` (name → password),
        the others' first-format slots go (their accounts get a new password from a 管理员)."""
        slots = []
        previous = {}
        for slot in self.slots:
            if slot.sealable:
                assert slot.sealed is not None
                slots.append(resealed(slot, key))
                previous[slot.name] = slot.sealed
            elif slot.name in kept:
                fresh = wrap_key(old, name=slot.name, password=kept[slot.name])
                assert fresh.sealed is not None
                slots.append(resealed(fresh, key))
                previous[slot.name] = fresh.sealed
        names = {slot.name for slot in slots}
        return replace(
            self,
            check=key_check(key),
            slots=tuple(slots),
            recovery_issued=issued_at.strftime("%Y-%m-%d %H:%M:%S"),
            recovery_confirmed=None,
            previous_check=key_check(old),
            previous=previous,
            locks={name: lock for name, lock in self.locks.items() if name in names},
        )

    def settled(self, key: bytes) -> Keyring:
        """After a re-key: only ``key``'s seals, whichever of the two (new or old) the file opens with."""
        if self.previous_check is None:
            return self
        if key_check(key) == self.check:
            return replace(self, previous_check=None, previous={})
        slots = tuple(
            replace(slot, sealed=self.previous[slot.name]) for slot in self.slots if slot.name in self.previous
        )
        return replace(
            self, check=self.previous_check, slots=slots, previous_check=None, previous={}, recovery_issued=None
        )

    @property
    def recovery_unconfirmed(self) -> bool:
        return self.recovery_confirmed is None

    def slot(self, name: str) -> KeySlot | None:
        return next((slot for slot in self.slots if slot.name == name), None)

    def lock(self, name: str) -> SlotLock:
        return self.locks.get(name, SlotLock())

    def with_lock(self, name: str, lock: SlotLock) -> Keyring:
        locks = {other: state for other, state in self.locks.items() if other != name}
        if lock != SlotLock():
            locks[name] = lock
        return replace(self, locks=locks)

    def with_slot(self, slot: KeySlot) -> Keyring:
        """This keyring with ``slot`` added, or replacing the slot of the same account (its wrong-password
        count starts again): the others untouched."""
        others = tuple(existing for existing in self.slots if existing.name != slot.name)
        return replace(self, slots=(*others, slot)).with_lock(slot.name, SlotLock())

    def without(self, name: str) -> Keyring:
        previous = {other: sealed for other, sealed in self.previous.items() if other != name}
        slots = tuple(slot for slot in self.slots if slot.name != name)
        return replace(self, slots=slots, previous=previous).with_lock(name, SlotLock())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.slots)


def keyring_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + KEYRING_SUFFIX)


def new_keyring(key: bytes, accounts: dict[str, str], *, issued_at: datetime) -> Keyring:
    """A keyring for a new data key, with one slot for each account (name → password)."""
    slots = tuple(wrap_key(key, name=name, password=password) for name, password in accounts.items())
    return Keyring(key_check(key), slots, issued_at.strftime("%Y-%m-%d %H:%M:%S"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sealed_json(sealed: SealedKey) -> dict[str, str]:
    return {"ephemeral": _b64(sealed.ephemeral), "nonce": _b64(sealed.nonce), "sealed": _b64(sealed.ciphertext)}


def _sealed_of(item: dict[str, Any]) -> SealedKey:
    return SealedKey(
        base64.b64decode(item["ephemeral"]), base64.b64decode(item["nonce"]), base64.b64decode(item["sealed"])
    )


def _slot_json(slot: KeySlot, lock: SlotLock, previous: SealedKey | None) -> dict[str, Any]:
    sealing: dict[str, Any] = {}
    if slot.public is not None and slot.sealed is not None:
        sealing = {"public": _b64(slot.public), "data_key": _sealed_json(slot.sealed)}
        if previous is not None:
            sealing["previous_data_key"] = _sealed_json(previous)
    return {
        "kind": "account",
        "failures": lock.failures,
        "locked_until": lock.locked_until.isoformat() if lock.locked_until is not None else None,
        "name": slot.name,
        "kdf": {"name": "argon2id", "memory_kib": slot.memory_kib, "passes": slot.passes, "lanes": slot.lanes},
        "salt": _b64(slot.salt),
        "cipher": "aes-256-gcm",
        "nonce": _b64(slot.nonce),
        "wrapped": _b64(slot.wrapped),
        **sealing,
    }


def _slot_of(item: dict[str, Any]) -> KeySlot:
    kdf = item["kdf"]
    if kdf["name"] != "argon2id" or item["cipher"] != "aes-256-gcm":
        raise ValueError("unknown scheme")
    return KeySlot(
        name=str(item["name"]),
        salt=base64.b64decode(item["salt"]),
        nonce=base64.b64decode(item["nonce"]),
        wrapped=base64.b64decode(item["wrapped"]),
        memory_kib=int(kdf["memory_kib"]),
        passes=int(kdf["passes"]),
        lanes=int(kdf["lanes"]),
        public=base64.b64decode(item["public"]) if item.get("public") else None,
        sealed=_sealed_of(item["data_key"]) if item.get("data_key") else None,
    )


def to_json(keyring: Keyring) -> str:
    document = {
        "format": _FORMAT,
        "version": _VERSION,
        "key_check": keyring.check,
        "previous_key_check": keyring.previous_check,
        "slots": [_slot_json(slot, keyring.lock(slot.name), keyring.previous.get(slot.name)) for slot in keyring.slots],
        # The recovery code is the data key itself (on paper, with the station head): nothing is stored
        # for it but the date it was shown and the date the station head confirmed having it.
        "recovery": {
            "kind": "recovery-code",
            "issued_at": keyring.recovery_issued,
            "confirmed_at": keyring.recovery_confirmed,
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def from_json(text: str) -> Keyring:
    document = json.loads(text)
    if document.get("format") != _FORMAT or document.get("version") not in _READABLE:
        raise ValueError("not a keyring")
    recovery = document.get("recovery") or {}
    items = [item for item in document["slots"] if item.get("kind") == "account"]
    locks = {
        str(item["name"]): SlotLock(
            int(item.get("failures") or 0),
            datetime.fromisoformat(item["locked_until"]) if item.get("locked_until") else None,
        )
        for item in items
    }
    return Keyring(
        str(document["key_check"]),
        tuple(_slot_of(item) for item in items),
        recovery.get("issued_at"),
        {name: lock for name, lock in locks.items() if lock != SlotLock()},
        recovery.get("confirmed_at"),
        document.get("previous_key_check"),
        {str(item["name"]): _sealed_of(item["previous_data_key"]) for item in items if item.get("previous_data_key")},
    )


def missing_message(database_path: Path) -> str:
    return (
        f"数据库文件“{database_path.name}”是加密的，但它旁边的钥匙文件“{keyring_path(database_path).name}”"
        "不见了或已损坏，账号密码因此无法打开它。数据没有丢失：请找到站长保管的恢复码，运行\n"
        f'fupin-desktop --db "{database_path}" recover --user 管理员账号\n'
        "（或在登录窗口点“用恢复码打开”），输入恢复码并为该管理员设新密码，钥匙文件即重建；"
        "也可以从备份文件夹中把同名的 .keys 文件复制回来。"
    )


def read_keyring(database_path: Path) -> Keyring | None:
    """The keyring beside the file, None when there is none; a keyring that cannot be read is missing too
    (its message says how to recover)."""
    path = keyring_path(database_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise KeyringMissing(missing_message(database_path), detail=str(error.strerror)) from None
    try:
        return from_json(text)
    except (ValueError, KeyError, TypeError) as error:
        raise KeyringMissing(missing_message(database_path), detail=type(error).__name__) from None


def write_keyring(database_path: Path, keyring: Keyring) -> Path:
    """Write atomically: a temporary file in the same folder, fsync, rename, fsync the folder."""
    path = keyring_path(database_path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(to_json(keyring))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        if os.name == "posix":
            descriptor = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
    except OSError as error:
        raise StoreError(f"无法写入钥匙文件“{path}”：{error.strerror or error}，账号的改动未保存。") from error
    finally:
        temporary.unlink(missing_ok=True)
    return path


WRONG_PASSWORD = "账号或密码不正确。"  # the same words as the sign-in of a plain file: which of the two is not said


def unlock(database_path: Path, *, name: str, password: str, now: datetime | None = None) -> bytes:
    """The data key from ``name``'s slot; one Chinese refusal for a wrong password or an account without a
    slot (which of the two is not said, as with any sign-in). Wrong passwords count in the keyring, and
    the fifth in a row locks the slot for 15 minutes, as the sign-in does for a plain file."""
    moment = now or utc_now()
    keyring = read_keyring(database_path)
    if keyring is None:
        raise KeyringMissing(missing_message(database_path))
    name = name.strip()
    slot = keyring.slot(name)
    if slot is None:
        raise KeyRefused(WRONG_PASSWORD)
    lock = keyring.lock(name)
    if lock.locked_until is not None and lock.locked_until > moment:
        minutes = max(1, -(-int((lock.locked_until - moment).total_seconds()) // 60))
        raise KeyRefused(f"账号“{name}”因连续{MAX_FAILURES}次密码错误已锁定，请{minutes}分钟后再试，或请管理员解锁。")
    private = private_key(slot, password)
    key = _data_key(database_path, keyring, slot, private) if private is not None else None
    if key is None:
        failures = lock.failures + 1
        locked = locked_until_after_failure(failures, moment)
        _write_quietly(database_path, keyring.with_lock(name, SlotLock(0 if locked else failures, locked)))
        if locked is not None:
            raise KeyRefused(f"密码错误{MAX_FAILURES}次，账号“{name}”已锁定15分钟（或请管理员解锁）。")
        raise KeyRefused(WRONG_PASSWORD)
    kept = keyring.settled(key).with_lock(name, SlotLock())
    if not slot.sealable:  # a first-format slot becomes a sealed one now that its password is known
        kept = kept.with_slot(wrap_key(key, name=name, password=password))
    if kept != keyring:
        _write_quietly(database_path, kept)
    return key


_NONE = SealedKey(b"", b"", b"")  # a first-format slot: what the password opened is the data key itself


def _data_key(database_path: Path, keyring: Keyring, slot: KeySlot, private: bytes) -> bytes | None:
    """The data key the slot holds, checked against the keyring's tag; while a re-key is finished, the
    one of the new and the old keys that opens the file."""
    key = open_sealed(slot, private, slot.sealed) if slot.sealed is not None else open_sealed(slot, private, _NONE)
    sealed_before = keyring.previous.get(slot.name)
    before = open_sealed(slot, private, sealed_before) if sealed_before is not None else None
    if key is not None and key_check(key) == keyring.check:
        if before is None or keyring.previous_check != key_check(before) or _opens(database_path, key):
            return key
        return before if _opens(database_path, before) else key
    if before is not None and key_check(before) == keyring.previous_check:
        return before
    return None


def _opens(database_path: Path, key: bytes) -> bool:
    try:
        return cipher.key_opens(database_path, key)
    except cipher.DRIVER_OR_OS_ERRORS:
        return False


def _write_quietly(database_path: Path, keyring: Keyring) -> None:
    """The wrong-password count: not being able to write it (a read-only medium) must not stop a sign-in."""
    try:
        write_keyring(database_path, keyring)
    except StoreError:
        return


def clear_lock(database_path: Path, *, name: str) -> None:
    """解锁 by a 管理员: the slot's wrong-password count and lock go too."""
    keyring = read_keyring(database_path)
    if keyring is not None and keyring.lock(name) != SlotLock():
        write_keyring(database_path, keyring.with_lock(name, SlotLock()))


def unlock_with_recovery_code(database_path: Path, code: str) -> bytes:
    """The data key written as a recovery code; checked against the keyring when there is one (else the
    caller proves it by opening the file)."""
    key = key_from_recovery_code(code)
    if key is None:
        raise KeyRefused("恢复码不正确：应为14组、每组4个字母或数字，请逐字核对（校验位不符）。")
    try:
        keyring = read_keyring(database_path)
    except KeyringMissing:
        keyring = None
    if keyring is not None and key_check(key) not in (keyring.check, keyring.previous_check):
        raise KeyRefused(
            f"这个恢复码不属于数据库文件“{database_path.name}”，或已经作废（重新生成恢复码后，旧的恢复码不再有效）。"
        )
    return key


def confirm_recovery(database_path: Path, key: bytes, *, at: datetime) -> Path:
    """The station head has the code of ``key`` on paper: recorded, and the reminders stop."""
    keyring = read_keyring(database_path)
    if keyring is None:
        raise KeyringMissing(missing_message(database_path))
    if keyring.check != key_check(key):
        raise KeyRefused(f"这个恢复码不是数据库文件“{database_path.name}”现在的恢复码，未确认。")
    return write_keyring(database_path, replace(keyring, recovery_confirmed=at.strftime("%Y-%m-%d %H:%M:%S")))


def set_slot(database_path: Path, key: bytes, *, name: str, password: str) -> None:
    """Wrap the data key for ``name`` (a new account, a new or reset password): only that slot changes."""
    keyring = read_keyring(database_path) or Keyring(key_check(key), ())
    if keyring.check != key_check(key):
        raise KeyRefused(f"钥匙文件“{keyring_path(database_path).name}”属于另一个数据库，未作改动。")
    write_keyring(database_path, keyring.with_slot(wrap_key(key, name=name, password=password)))


def remove_slot(database_path: Path, *, name: str) -> None:
    """A disabled account's slot goes: its password no longer opens the file."""
    keyring = read_keyring(database_path)
    if keyring is not None and keyring.slot(name) is not None:
        write_keyring(database_path, keyring.without(name))
