"""SQLCipher files (加密的数据库文件): connecting with the data key, telling an encrypted file from a plain
one, the cipher's own check, and the plain → encrypted conversion. No Qt here.

A file is opened with its 256-bit data key as a raw key (``PRAGMA key = "x'…'"``): no key derivation on
each connection, since the key was derived once, from the account's password, when its slot was unwrapped
(domain/keyslots.py; the kdf settings then play no part: measured, a connection opens in 0.5 ms whatever
``kdf_iter``). ``temp_store = MEMORY``: sorting and temporary tables never reach a temporary file.
``cipher_memory_security`` is left OFF, the bundled SQLCipher's default (ON wipes every freed buffer).
A plain file keeps opening through the standard library's sqlite3, exactly as before.

Page size: every page of an encrypted file is decrypted and its HMAC checked when read, and each carries
its own IV and HMAC; a new encrypted file has pages of ``PAGE_SIZE`` (16 KB), which halves the time of a
county's quick check (reading every page) against SQLCipher's default 4 KB. Nothing records the page size:
a file that does not open with 16 KB pages is tried with the 4 KB of every file encrypted before
(``LEGACY_PAGE_SIZE``), once, by ``page_size_of``; a wrong key opens with neither. A copy made through
SQLite's backup API keeps its source's page size (``connect(..., page_size=)``).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote

import sqlcipher3.dbapi2 as sqlcipher

SQLITE_HEADER = b"SQLite format 3\x00"
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, cast(type[Exception], sqlcipher.Error))
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, cast(type[Exception], sqlcipher.DatabaseError))
DRIVER_OR_OS_ERRORS: tuple[type[Exception], ...] = (*DRIVER_ERRORS, OSError)
sqlcipher_module: Any = sqlcipher
_DEFAULT_PAGE_SIZE_LOCK = threading.Lock()
PAGE_SIZE = 16384  # new encrypted files
LEGACY_PAGE_SIZE = 4096  # SQLCipher 4's default: the files encrypted before PAGE_SIZE


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
    page_size: int | None = None,
) -> sqlite3.Connection:
    """A DB-API connection to the file: sqlcipher3 with the key set first when ``key``, else sqlite3.

    ``read_only`` opens with ``mode=ro`` (not even a journal mode changes). A key that does not open the
    file raises the driver's "file is not a database" error: callers that know a key should fit say so.
    ``page_size``: the encrypted file's, when known (``page_size_of``); else it is found by trying, and a
    new file gets ``PAGE_SIZE``.
    """
    target = f"file:{quote(str(Path(path).resolve()))}?mode=ro" if read_only else str(path)
    if key is None:
        return sqlite3.connect(
            target, uri=read_only, isolation_level=isolation_level, check_same_thread=check_same_thread
        )
    sizes = (page_size,) if page_size is not None else _sizes_to_try(Path(path))
    for attempt, size in enumerate(sizes, start=1):
        connection = sqlcipher.connect(
            target, uri=read_only, isolation_level=isolation_level, check_same_thread=check_same_thread
        )
        try:
            apply_key(connection, key, size)
        except DRIVER_ERRORS as error:
            connection.close()
            if attempt < len(sizes) and getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB":
                continue
            raise
        except BaseException:
            connection.close()
            raise
        return cast(sqlite3.Connection, connection)
    raise AssertionError("unreachable: the last size either opens or raises")


def _sizes_to_try(path: Path) -> tuple[int, ...]:
    try:
        exists = path.stat().st_size > 0
    except OSError:
        exists = False
    return (PAGE_SIZE, LEGACY_PAGE_SIZE) if exists else (PAGE_SIZE,)


def page_size_of(path: Path, key: bytes) -> int:
    """The page size of an encrypted file that ``key`` opens (a new or empty file: ``PAGE_SIZE``)."""
    if _sizes_to_try(path) == (PAGE_SIZE,):  # nothing to read yet
        return PAGE_SIZE
    connection = connect(path, key, read_only=True)
    try:
        return connection_page_size(connection)
    finally:
        connection.close()


def connection_page_size(connection: sqlite3.Connection) -> int:
    """The page size an open sqlcipher3 connection reads its file with (for a copy made from it)."""
    return int(connection.execute("PRAGMA cipher_page_size").fetchone()[0])


def apply_key(connection: Any, key: bytes, page_size: int = LEGACY_PAGE_SIZE) -> None:
    """The first statements on a new sqlcipher3 connection: the key, its page size, temporary data in
    memory, and a read that proves the key (SQLCipher only decrypts on the first access)."""
    # A wrong key would make SQLCipher print its decryption errors on stderr: the caller says it better.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(key_pragma(key))
    connection.execute(f"PRAGMA cipher_page_size = {int(page_size)}")
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def vacuum_into(connection: sqlite3.Connection, target: Path) -> None:
    """``VACUUM INTO`` from an encrypted file: a copy encrypted with the same key and of the same page size.

    SQLCipher gives the new file its process-wide default page size (``cipher_default_page_size``), not the
    source's (a 16 KB file would be written as an unreadable mix): the default is set to the source's for
    the statement, under a lock, then put back to SQLCipher's own."""
    size = connection_page_size(connection)
    with _DEFAULT_PAGE_SIZE_LOCK:
        connection.execute(f"PRAGMA cipher_default_page_size = {size}")
        try:
            connection.execute("VACUUM INTO ?", (str(target),))
        finally:
            connection.execute(f"PRAGMA cipher_default_page_size = {LEGACY_PAGE_SIZE}")


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
        connection.execute(f"PRAGMA encrypted.cipher_page_size = {PAGE_SIZE}")
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()
