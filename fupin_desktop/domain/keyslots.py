"""Key slots of an encrypted database (密钥槽), like LUKS: one random data key opens the file; each account
holds it wrapped under its own password, and the recovery code is the data key itself, written for paper.
No files and no database here (store/keyring.py keeps the slots beside the database file).

Wrapping: Argon2id over the password (the accounts' cost, domain/accounts.py) gives a 256-bit key that
seals, with AES-GCM, the slot's own X25519 private key; the data key is sealed to that slot's public key
(an ephemeral X25519 exchange, HKDF, AES-GCM). So a new data key (重新生成恢复码: the file re-keyed, the
old recovery code void) is sealed again to every slot without anyone's password, and every account still
signs in. The slot's account name is the associated data of both seals, so a slot copied to another name
does not open. A wrong password fails the GCM tag: nothing to compare, nothing learned.

A slot of the first keyring format (``public`` None) wraps the data key itself under the password: it
still opens, and is made a sealed slot at its account's next sign-in (the password is known then).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from fupin_desktop.domain.accounts import ARGON2_COST

DATA_KEY_BYTES = 32
_AAD_PREFIX = b"fupin-keyslot/v1:"
_CHECK_LABEL = b"fupin-data-key-check/v1"
_SEAL_LABEL = b"fupin-keyslot-seal/v2:"
# Recovery code: the 32-byte key and a 3-byte checksum, 35 bytes = 56 base32 characters, 14 groups of 4.
_CHECKSUM_BYTES = 3
_GROUP = 4
# What people misread on paper: the digits that look like letters of the base32 alphabet (which has no 0 1 8 9).
_MISREAD = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


@dataclass(frozen=True)
class SealedKey:
    """The data key sealed to a slot's public key: the ephemeral public key, the nonce, the ciphertext."""

    ephemeral: bytes
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class KeySlot:
    """One account's way in: ``wrapped`` is its private key under the password (or, in a first-format
    slot without ``public``, the data key itself), ``sealed`` the data key sealed to ``public``."""

    name: str
    salt: bytes
    nonce: bytes
    wrapped: bytes
    memory_kib: int
    passes: int
    lanes: int
    public: bytes | None = None
    sealed: SealedKey | None = None

    @property
    def sealable(self) -> bool:
        """Whether a new data key can be sealed to this slot without its password."""
        return self.public is not None


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


def _seal_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_LABEL + ephemeral + public).derive(shared)


def seal(key: bytes, *, name: str, public: bytes) -> SealedKey:
    """``key`` sealed to the slot's public key: only its private key (its password) opens it."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    nonce = os.urandom(12)
    ciphertext = AESGCM(_seal_key(shared, ephemeral_public, public)).encrypt(nonce, key, _aad(name))
    return SealedKey(ephemeral_public, nonce, ciphertext)


def wrap_key(key: bytes, *, name: str, password: str) -> KeySlot:
    """A new slot for ``name``: a new key pair, a fresh salt and nonce every time (a password change
    rewraps), and ``key`` sealed to it."""
    memory_kib, passes, lanes = ARGON2_COST
    salt, nonce = os.urandom(16), os.urandom(12)
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    wrapped = AESGCM(_kek(password, salt, memory_kib, passes, lanes)).encrypt(nonce, raw, _aad(name))
    return KeySlot(name, salt, nonce, wrapped, memory_kib, passes, lanes, public, seal(key, name=name, public=public))


def resealed(slot: KeySlot, key: bytes) -> KeySlot:
    """The slot holding ``key`` instead (no password needed); a first-format slot cannot be."""
    if slot.public is None:
        raise ValueError("a first-format slot holds its data key under the password")
    return replace(slot, sealed=seal(key, name=slot.name, public=slot.public))


def private_key(slot: KeySlot, password: str) -> bytes | None:
    """What the password opens in the slot: its private key (or a first-format slot's data key); None
    when the password is not this slot's."""
    kek = _kek(password, slot.salt, slot.memory_kib, slot.passes, slot.lanes)
    try:
        return AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _aad(slot.name))
    except InvalidTag:
        return None


def open_sealed(slot: KeySlot, private: bytes, sealed: SealedKey) -> bytes | None:
    """The data key of ``sealed`` (this slot's seal, or the one kept while a re-key is finished)."""
    if slot.public is None:
        return private if len(private) == DATA_KEY_BYTES else None
    try:
        shared = X25519PrivateKey.from_private_bytes(private).exchange(
            X25519PublicKey.from_public_bytes(sealed.ephemeral)
        )
        key = AESGCM(_seal_key(shared, sealed.ephemeral, slot.public)).decrypt(
            sealed.nonce, sealed.ciphertext, _aad(slot.name)
        )
    except (InvalidTag, ValueError):
        return None
    return key if len(key) == DATA_KEY_BYTES else None


def unwrap_key(slot: KeySlot, password: str) -> bytes | None:
    """The data key, or None when the password is not this slot's."""
    private = private_key(slot, password)
    if private is None:
        return None
    if slot.public is None:
        return open_sealed(slot, private, SealedKey(b"", b"", b""))
    return open_sealed(slot, private, slot.sealed) if slot.sealed is not None else None


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
