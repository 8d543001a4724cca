"""The keyring file beside an encrypted database (``fupin.db.keys``): the data key wrapped once per account.
No Qt here.

The slots cannot live in the encrypted file, since they are needed before it opens. The keyring holds
nothing secret in the clear — wrapped keys, salts, and a check tag of the data key — and is written
atomically (temporary file, fsync, rename), so that a crash leaves the old keyring or the new one. A copy
goes beside every backup. Losing it loses no data: the recovery code is the data key itself.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fupin_desktop.domain.keyslots import KeySlot, key_check, key_from_recovery_code, unwrap_key, wrap_key
from fupin_desktop.store.errors import KeyRefused, KeyringMissing, StoreError

KEYRING_SUFFIX = ".keys"
_FORMAT = "fupin-keyring"
_VERSION = 1


@dataclass(frozen=True)
class Keyring:
    """``check`` tags the data key the slots hold; ``recovery_issued`` is when its recovery code was shown."""

    check: str
    slots: tuple[KeySlot, ...]
    recovery_issued: str | None = None

    def slot(self, name: str) -> KeySlot | None:
        return next((slot for slot in self.slots if slot.name == name), None)

    def with_slot(self, slot: KeySlot) -> Keyring:
        """This keyring with ``slot`` added, or replacing the slot of the same account: the others untouched."""
        others = tuple(existing for existing in self.slots if existing.name != slot.name)
        return replace(self, slots=(*others, slot))

    def without(self, name: str) -> Keyring:
        return replace(self, slots=tuple(slot for slot in self.slots if slot.name != name))

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


def _slot_json(slot: KeySlot) -> dict[str, Any]:
    return {
        "kind": "account",
        "name": slot.name,
        "kdf": {"name": "argon2id", "memory_kib": slot.memory_kib, "passes": slot.passes, "lanes": slot.lanes},
        "salt": _b64(slot.salt),
        "cipher": "aes-256-gcm",
        "nonce": _b64(slot.nonce),
        "wrapped": _b64(slot.wrapped),
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
    )


def to_json(keyring: Keyring) -> str:
    document = {
        "format": _FORMAT,
        "version": _VERSION,
        "key_check": keyring.check,
        "slots": [_slot_json(slot) for slot in keyring.slots],
        # The recovery code is the data key itself (on paper, with the station head): nothing is stored
        # for it but the date it was shown.
        "recovery": {"kind": "recovery-code", "issued_at": keyring.recovery_issued},
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def from_json(text: str) -> Keyring:
    document = json.loads(text)
    if document.get("format") != _FORMAT or document.get("version") != _VERSION:
        raise ValueError("not a keyring")
    recovery = document.get("recovery") or {}
    return Keyring(
        str(document["key_check"]),
        tuple(_slot_of(item) for item in document["slots"] if item.get("kind") == "account"),
        recovery.get("issued_at"),
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


def unlock(database_path: Path, *, name: str, password: str) -> bytes:
    """The data key from ``name``'s slot; one Chinese refusal for a wrong password or an account without a
    slot (which of the two is not said, as with any sign-in)."""
    keyring = read_keyring(database_path)
    if keyring is None:
        raise KeyringMissing(missing_message(database_path))
    slot = keyring.slot(name.strip())
    key = unwrap_key(slot, password) if slot is not None else None
    if key is None or key_check(key) != keyring.check:
        raise KeyRefused("账号或密码不正确，无法打开加密的数据库（没有账号和密码，加密的数据库打不开）。")
    return key


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
    if keyring is not None and keyring.check != key_check(key):
        raise KeyRefused(f"这个恢复码不属于数据库文件“{database_path.name}”。")
    return key


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
