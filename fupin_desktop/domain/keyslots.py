"""Key slots of an encrypted database (密钥槽), like LUKS: one random data key opens the file; each account
holds it wrapped under its own password, and the recovery code is the data key itself, written for paper.
No files and no database here (store/keyring.py keeps the slots beside the database file).

Wrapping: Argon2id over the password (the accounts' cost, domain/accounts.py) gives a 256-bit key that
seals the data key with AES-GCM; the slot's account name is the associated data, so a slot copied to
another name does not open. A wrong password fails the GCM tag: nothing to compare, nothing learned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from fupin_desktop.domain.accounts import ARGON2_COST

DATA_KEY_BYTES = 32
_AAD_PREFIX = b"fupin-keyslot/v1:"
_CHECK_LABEL = b"fupin-data-key-check/v1"
# Recovery code: the 32-byte key and a 3-byte checksum, 35 bytes = 56 base32 characters, 14 groups of 4.
_CHECKSUM_BYTES = 3
_GROUP = 4
# What people misread on paper: the digits that look like letters of the base32 alphabet (which has no 0 1 8 9).
_MISREAD = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


@dataclass(frozen=True)
class KeySlot:
    """The data key, wrapped for one account."""

    name: str
    salt: bytes
    nonce: bytes
    wrapped: bytes
    memory_kib: int
    passes: int
    lanes: int


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def key_check(key: bytes) -> str:
    """A short public tag of the data key (HMAC, not the key): tells which keyring belongs to which key."""
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()[:32]


def _kek(password: str, salt: bytes, memory_kib: int, passes: int, lanes: int) -> bytes:
    return Argon2id(salt=salt, length=32, iterations=passes, lanes=lanes, memory_cost=memory_kib).derive(
        password.encode("utf-8")
    )


def _aad(name: str) -> bytes:
    return _AAD_PREFIX + name.encode("utf-8")


def wrap_key(key: bytes, *, name: str, password: str) -> KeySlot:
    """A new slot for ``name``: a fresh salt and nonce every time (a password change rewraps)."""
    memory_kib, passes, lanes = ARGON2_COST
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(password, salt, memory_kib, passes, lanes)).encrypt(nonce, key, _aad(name))
    return KeySlot(name, salt, nonce, wrapped, memory_kib, passes, lanes)


def unwrap_key(slot: KeySlot, password: str) -> bytes | None:
    """The data key, or None when the password is not this slot's."""
    kek = _kek(password, slot.salt, slot.memory_kib, slot.passes, slot.lanes)
    try:
        key = AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _aad(slot.name))
    except InvalidTag:
        return None
    return key if len(key) == DATA_KEY_BYTES else None


def _checksum(key: bytes) -> bytes:
    return hashlib.sha256(b"fupin-recovery/v1" + key).digest()[:_CHECKSUM_BYTES]


def recovery_code(key: bytes) -> str:
    """The data key for paper: 14 groups of 4 base32 characters, the last 5 carrying a checksum."""
    text = base64.b32encode(key + _checksum(key)).decode("ascii")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def key_from_recovery_code(code: str) -> bytes | None:
    """The data key written as ``code`` (spaces, dashes, lower case and 0/1/8/9 for O/I/B/G forgiven),
    or None when it is not a recovery code or a character is wrong (the checksum catches a typo)."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_MISREAD)
    if len(cleaned) != 56:
        return None
    try:
        raw = base64.b32decode(cleaned)
    except ValueError:
        return None
    key, checksum = raw[:DATA_KEY_BYTES], raw[DATA_KEY_BYTES:]
    return key if hmac.compare_digest(checksum, _checksum(key)) else None
