"""SQLCipher files (加密的数据库文件): connecting with the data key, telling an encrypted file from a plain
one, the cipher's own check, and the plain → encrypted conversion. No Qt here.

A file is opened with its 256-bit data key as a raw key (``PRAGMA key = "x'…'"``): no key derivation on
each connection, since the key was derived once, from the account's password, when its slot was unwrapped
(domain/keyslots.py). ``temp_store = MEMORY``: sorting and temporary tables never reach a temporary file.
A plain file keeps opening through the standard library's sqlite3, exactly as before.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote

import sqlcipher3.dbapi2 as sqlcipher

SQLITE_HEADER = b"SQLite format 3\x00"
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, cast(type[Exception], sqlcipher.Error))
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, cast(type[Exception], sqlcipher.DatabaseError))
DRIVER_OR_OS_ERRORS: tuple[type[Exception], ...] = (*DRIVER_ERRORS, OSError)
sqlcipher_module: Any = sqlcipher


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def is_plain_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == SQLITE_HEADER


def looks_encrypted(path: Path) -> bool:
    """A file that exists, is not empty and is not a plain SQLite file: an encrypted one, or not ours at
    all; only its key can tell (it opens) — without one, the keyring beside it is the hint."""
    try:
        return path.is_file() and path.stat().st_size > 0 and not is_plain_sqlite(path)
    except OSError:
        return False


def connect(
    path: Path | str,
    key: bytes | None,
    *,
    read_only: bool = False,
    isolation_level: Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None = None,
    check_same_thread: bool = True,
) -> sqlite3.Connection:
    """A DB-API connection to the file: sqlcipher3 with the key set first when ``key``, else sqlite3.

    ``read_only`` opens with ``mode=ro`` (not even a journal mode changes). A key that does not open the
    file raises the driver's "file is not a database" error: callers that know a key should fit say so.
    """
    target = f"file:{quote(str(Path(path).resolve()))}?mode=ro" if read_only else str(path)
    if key is None:
        return sqlite3.connect(
            target, uri=read_only, isolation_level=isolation_level, check_same_thread=check_same_thread
        )
    connection = sqlcipher.connect(
        target, uri=read_only, isolation_level=isolation_level, check_same_thread=check_same_thread
    )
    try:
        apply_key(connection, key)
    except BaseException:
        connection.close()
        raise
    return cast(sqlite3.Connection, connection)


def apply_key(connection: Any, key: bytes) -> None:
    """The first statements on a new sqlcipher3 connection: the key, temporary data in memory, and a read
    that proves the key (SQLCipher only decrypts on the first access)."""
    # A wrong key would make SQLCipher print its decryption errors on stderr: the caller says it better.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(key_pragma(key))
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def key_opens(path: Path, key: bytes) -> bool:
    """Whether ``key`` opens the encrypted file (a wrong key reads as "not a database")."""
    try:
        connection = connect(path, key, read_only=True)
    except DRIVER_ERRORS as error:
        if getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB":
            return False
        raise
    connection.close()
    return True


def cipher_problems(connection: sqlite3.Connection) -> tuple[str, ...]:
    """SQLCipher's ``cipher_integrity_check``: every page's HMAC (a page changed outside SQLCipher)."""
    return tuple(str(row[0]) for row in connection.execute("PRAGMA cipher_integrity_check").fetchall())


def export_encrypted(plain: Path, target: Path, key: bytes) -> None:
    """A new encrypted file ``target`` with everything of the plain file (``sqlcipher_export``: schema,
    rows, user_version). The plain file is only read."""
    connection = sqlcipher.connect(str(plain), isolation_level=None)
    try:
        connection.execute("ATTACH DATABASE ? AS encrypted KEY \"x'" + key.hex() + "'\"", (str(target),))
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()
