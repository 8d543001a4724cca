"""Station keys: signing a sealed sheet and checking its signature, with the algorithm swappable.

A station (人社所) has one signing key. Its public half travels as a small key file to the county's
key folder; a sealed sheet carries its signature and its public key, and ``verify`` accepts it only
when that key is one the reader knows. Ed25519 through ``cryptography`` today; a county whose 密评
review asks for SM2/SM3 adds one more ``Scheme`` (tongsuopy provides SM2) under its own name —
nothing else refers to an algorithm. No Qt and no database here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE_FORMAT = "fupin-desktop/station-key/1"
KEY_FILE_SUFFIX = ".fupinkey"
# What is signed: this prefix and the digest of the canonical content (which holds the number, the
# unit, the sealing time, the key's fingerprint and the audit chain head).
SIGNED_PREFIX = b"fupin-desktop/sealed-sheet-signature/1\n"


class Scheme(Protocol):
    name: str

    def generate(self) -> tuple[bytes, bytes]:
        """A new (private, public) key pair as raw bytes."""
        ...

    def sign(self, private_key: bytes, message: bytes) -> bytes: ...

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool: ...


class Ed25519Scheme:
    name = "ed25519"

    def generate(self) -> tuple[bytes, bytes]:
        from cryptography.hazmat.primitives import serialization

        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return private, public

    def sign(self, private_key: bytes, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(private_key).sign(message)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


SCHEMES: dict[str, Scheme] = {Ed25519Scheme.name: Ed25519Scheme()}
DEFAULT_ALGORITHM = Ed25519Scheme.name


def scheme(algorithm: str) -> Scheme:
    found = SCHEMES.get(algorithm)
    if found is None:
        raise ValueError(f"unknown signature algorithm {algorithm!r}")
    return found


def fingerprint(algorithm: str, public_key: bytes) -> str:
    """16 hex digits in groups of four (3F2A-91C0-5B7E-0D44): short enough to print and read out."""
    text = hashlib.sha256(algorithm.encode("ascii") + b":" + public_key).hexdigest()[:16].upper()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def signed_message(digest: str) -> bytes:
    return SIGNED_PREFIX + digest.encode("ascii")


@dataclass(frozen=True)
class PublicKey:
    """A station's public key as the county's key folder holds it."""

    algorithm: str
    key: bytes
    unit_name: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.algorithm, self.key)

    def to_file_text(self) -> str:
        data = {
            "format": KEY_FILE_FORMAT,
            "algorithm": self.algorithm,
            "public_key": base64.b64encode(self.key).decode("ascii"),
            "fingerprint": self.fingerprint,
            "unit_name": self.unit_name,
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    def qr_text(self) -> str:
        """The key in one short line, for the QR code shown in the window."""
        return f"FUPINKEY|{self.algorithm}|{base64.b64encode(self.key).decode('ascii')}|{self.unit_name}"


def parse_key_file(text: str) -> PublicKey:
    """Raises ValueError when the text is not a station key file this program wrote."""
    try:
        data = json.loads(text)
        if data.get("format") != KEY_FILE_FORMAT:
            raise ValueError("not a station key file")
        key = PublicKey(
            str(data["algorithm"]), base64.b64decode(data["public_key"], validate=True), str(data["unit_name"])
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError("not a station key file") from error
    scheme(key.algorithm)
    if data.get("fingerprint") not in (None, key.fingerprint):
        raise ValueError("fingerprint does not match the key")
    return key


def read_key_file(path: Path) -> PublicKey:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {path}") from error
    return parse_key_file(text)


def read_key_folder(folder: Path) -> list[PublicKey]:
    """Every station key file in ``folder`` (other files are skipped)."""
    keys: list[PublicKey] = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.stat().st_size < 64_000:
            try:
                keys.append(read_key_file(path))
            except ValueError:
                continue
    return keys


def is_known(algorithm: str, key: bytes, known: Iterable[PublicKey]) -> PublicKey | None:
    """The known key equal to this one (the whole key, not only its fingerprint)."""
    for candidate in known:
        if candidate.algorithm == algorithm and candidate.key == key:
            return candidate
    return None
