"""数据包: the file that carries changes between sites — its layout, signature and encryption.

A package is a zip of three members: ``manifest.json`` (the sender, the receiver if any, the schema
revision, the sequence range of every site's changes, the counts, the SHA-256 of the content and,
when encrypted, how), ``manifest.sig`` (the sending station's signature over the manifest) and the
content — ``changes.json``, or ``changes.bin`` when it is encrypted to the receiver's X25519 key
(an ephemeral X25519 exchange, HKDF-SHA256, AES-256-GCM). The signature covers the manifest and the
manifest covers the content, so a changed byte anywhere is found. No Qt and no database here.

The content of format 2 is UTF-8 text, three lines a change (:func:`change_lines`): the change's
header as a JSON array, then its "before" and its "after" as the JSON texts they are in the change log.
Format 1 (still read: a laptop may hold an older package) was one JSON array of the changes with those
texts as JSON strings, so every record was escaped twice on the way out and unescaped on the way in.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import json.encoder
import os
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "fupin-desktop/package/2"
FORMAT_1 = "fupin-desktop/package/1"
FORMATS = frozenset({FORMAT, FORMAT_1})
SIGNED_PREFIX = b"fupin-desktop/package-signature/1\n"
BOX_SCHEME = "x25519-hkdf-sha256-aes256gcm"
SUFFIX = ".fupinpkg"
_MANIFEST, _SIGNATURE, _PLAIN, _SEALED = "manifest.json", "manifest.sig", "changes.json", "changes.bin"
_INFO = b"fupin-desktop/package-key/1"


class PackageDamaged(ValueError):
    """The file is not a package, or it was changed after it was signed."""


def new_box_key() -> tuple[bytes, bytes]:
    """A site's (private, public) X25519 key pair as raw bytes."""
    key = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    private = key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return private, key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)


def _content_key(shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(shared)


def encrypt(content: bytes, receiver_public: bytes) -> tuple[bytes, dict[str, str]]:
    """``content`` sealed to the receiver: the ciphertext and the manifest's ``encryption`` entry."""
    ephemeral = X25519PrivateKey.generate()
    key = _content_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(receiver_public)))
    nonce = os.urandom(12)
    public = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    entry = {
        "scheme": BOX_SCHEME,
        "ephemeral": base64.b64encode(public).decode("ascii"),
        "nonce": base64.b64encode(nonce).decode("ascii"),
    }
    return AESGCM(key).encrypt(nonce, content, None), entry


def decrypt(sealed: bytes, entry: dict[str, str], receiver_private: bytes) -> bytes:
    try:
        if entry.get("scheme") != BOX_SCHEME:
            raise PackageDamaged("unknown encryption")
        ephemeral = X25519PublicKey.from_public_bytes(base64.b64decode(entry["ephemeral"]))
        key = _content_key(X25519PrivateKey.from_private_bytes(receiver_private).exchange(ephemeral))
        return AESGCM(key).decrypt(base64.b64decode(entry["nonce"]), sealed, None)
    except (InvalidTag, KeyError, ValueError, TypeError) as error:
        raise PackageDamaged("content does not decrypt") from error


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def signed_message(manifest: bytes) -> bytes:
    return SIGNED_PREFIX + sha256(manifest).encode("ascii")


def write(path: Path, manifest: bytes, signature: bytes, content: bytes, *, sealed: bool) -> None:
    """Write the package file whole, or not at all (a temporary file renamed into place)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(_MANIFEST, manifest)
        archive.writestr(_SIGNATURE, base64.b64encode(signature))
        # Ciphertext does not compress: stored as it is; the plain changes at the fastest level.
        archive.writestr(_SEALED if sealed else _PLAIN, content, zipfile.ZIP_STORED if sealed else None)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, path)


def write_streamed(path: Path, pieces: Iterable[bytes], seal: Callable[[str], tuple[bytes, bytes]]) -> None:
    """Write a plain package whose content comes in pieces (a county's full package: a few hundred MB of
    JSON): each piece is compressed in a second thread while it is hashed and the next one is made (zlib
    and hashlib let go of the interpreter while they work), then ``seal(content_sha256)`` gives the manifest
    and its signature. Written whole, or not at all, as :func:`write`."""
    temporary = path.with_name(path.name + ".part")
    waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
    digest = hashlib.sha256()
    failed: list[BaseException] = []
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with archive.open(_PLAIN, "w", force_zip64=True) as member:

                def take() -> None:
                    while (piece := waiting.get()) is not None:
                        if not failed:
                            try:
                                member.write(piece)
                            except BaseException as error:  # handed to the caller's thread below
                                failed.append(error)

                worker = threading.Thread(target=take, name="package-writer", daemon=True)
                worker.start()
                try:
                    for piece in pieces:
                        if failed:
                            break
                        digest.update(piece)  # here, while the writer compresses the previous piece
                        waiting.put(piece)
                finally:
                    waiting.put(None)
                    worker.join()
                if failed:
                    raise failed[0]
            manifest, signature = seal(digest.hexdigest())
            archive.writestr(_MANIFEST, manifest)
            archive.writestr(_SIGNATURE, base64.b64encode(signature))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class PackageFile:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    content: bytes  # as stored: encrypted when ``manifest["encryption"]`` says so


def read(path: Path) -> PackageFile:
    """Raises OSError when the file cannot be read, PackageDamaged when it is not a whole package."""
    data = path.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            raw_manifest = archive.read(_MANIFEST)
            signature = base64.b64decode(archive.read(_SIGNATURE), validate=True)
            content = archive.read(_SEALED if _SEALED in names else _PLAIN)
        manifest = json.loads(raw_manifest)
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as error:
        raise PackageDamaged("not a package") from error
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        raise PackageDamaged("not a package")
    if bool(manifest.get("encryption")) != (_SEALED in names):
        raise PackageDamaged("encryption does not match the manifest")
    return PackageFile(manifest, raw_manifest, signature, content)


# A change as the services hold it: [site, seq, action, entity, entity id, field, before, after, account, at],
# "before" and "after" JSON text (or None); a state entry (what a station holds now): [entity, id, field, value].
_quote = json.encoder.encode_basestring  # a str as the encoders write it (ensure_ascii=False), in C


def _text(value: object) -> str:
    """A JSON text as it goes on its line: a text with a raw line break (JSON allows one between its
    tokens; this program never writes one) is written again compactly."""
    if value is None:
        return ""
    text = str(value)
    if "\n" in text:
        return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    return text


def _quoted(value: object) -> str:
    return "null" if value is None else _quote(str(value))


def change_lines(rows: Sequence[Sequence[Any]]) -> str:
    """Changes as format 2's lines: three each — the header [site, seq, action, entity, id, field, account,
    at] as a JSON array, then "before" and "after" as the JSON texts they are (empty: none), written as
    they are rather than as JSON strings of JSON. Every line ends in a line break."""
    quote, text = _quoted, _text
    return "".join(
        [
            f"[{quote(site)},{int(seq)},{quote(action)},{quote(entity)},{quote(entity_id)},{quote(field)},"
            f"{quote(account)},{quote(at)}]\n{text(before)}\n{text(after)}\n"
            for site, seq, action, entity, entity_id, field, before, after, account, at in rows
        ]
    )


def state_lines(state: Sequence[Sequence[Any]]) -> str:
    """State entries as lines, three each as a change's: [entity, id, field], the value's JSON text, nothing."""
    return "".join(
        f"[{_quoted(entity)},{_quoted(key)},{_quoted(name)}]\n{_text(value)}\n\n" for entity, key, name, value in state
    )


def read_lines(content: bytes) -> tuple[list[list[Any]], list[list[Any]]]:
    """Format 2's content → (changes, state entries). Raises PackageDamaged when it is not that.

    The lines are taken three by three with slices and every header is read in one call of the decoder:
    a county's 780,000 lines, split and decoded in C, where one ``json.loads`` a change would double it."""
    try:
        lines = content.decode("utf-8").split("\n")
        if len(lines) % 3 != 1 or lines[-1]:
            raise PackageDamaged("not whole lines of changes")
        heads: list[Any] = json.loads("[" + ",".join(lines[0:-1:3]) + "]")
    except (UnicodeDecodeError, ValueError) as error:
        raise PackageDamaged("content is not lines of changes") from error
    befores, afters = lines[1::3], lines[2::3]
    if all(type(head) is list and len(head) == 8 for head in heads):  # changes only (every full package)
        for head, before, after in zip(heads, befores, afters, strict=True):
            head[6:6] = (before or None, after or None)  # in place: the header becomes the change
        return heads, []
    rows: list[list[Any]] = []
    state: list[list[Any]] = []  # a station's reply to a laptop under it: its state entries too
    for head, before, after in zip(heads, befores, afters, strict=True):
        if type(head) is list and len(head) == 8:
            site, seq, action, entity, entity_id, field, account, at = head
            rows.append([site, seq, action, entity, entity_id, field, before or None, after or None, account, at])
        elif type(head) is list and len(head) == 3 and not after:
            state.append([*head, before or None])
        else:
            raise PackageDamaged("a header is not one")
    return rows, state
