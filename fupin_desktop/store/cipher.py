"""SQLCipher files (加密的数据库文件): connecting with the data key, telling an encrypted file from a plain
one, the cipher's own check, and the plain → encrypted conversion. No Qt here.

A file is opened with its 256-bit data key as a raw key (``PRAGMA key = "x'…'"``): no key derivation on
each connection, since the key was derived once, from the account's password, when its slot was unwrapped
(domain/keyslots.py; the kdf settings then play no part: measured, a connection opens in 0.5 ms whatever
``kdf_iter``). ``temp_store = MEMORY``: sorting and temporary tables never reach a temporary file.
``cipher_memory_security`` is left OFF, the bundled SQLCipher's default (ON wipes every freed buffer).
A plain file keeps opening through the standard library's sqlite3, exactly as before.

The cipher's layout (``Layout``: page size and HMAC): every page of an encrypted file is decrypted and its
HMAC checked when it is read, which is the cost of an encrypted file. A new file is laid out in ``NEW``
pages of 16 KB with HMAC-SHA256 (fewer pages; SHA-256 runs in the processor's SHA instructions, SHA-512
does not): at 30,000 households the quick check, which reads every page, took 1.4 s against 2.9 s with
SQLCipher 4's defaults, 4 KB pages and HMAC-SHA512 (``LEGACY``, every file encrypted before), and 0.9 s
for the plain file, in one run. Nothing records the layout: a file that does not open with ``NEW`` is
tried with ``LEGACY``, once (``layout_of``); a wrong key opens with neither. A copy keeps its source's
layout (``connect(..., layout=)``, ``vacuum_into``); the plain → encrypted conversion makes ``NEW``.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import quote

import sqlcipher3.dbapi2 as sqlcipher

SQLITE_HEADER = b"SQLite format 3\x00"
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, cast(type[Exception], sqlcipher.Error))
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, cast(type[Exception], sqlcipher.DatabaseError))
DRIVER_OR_OS_ERRORS: tuple[type[Exception], ...] = (*DRIVER_ERRORS, OSError)
sqlcipher_module: Any = sqlcipher
_DEFAULTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Layout:
    """How an encrypted file's pages are laid out: their size and the HMAC each carries."""

    page_size: int
    hmac: str

    def pragmas(self, schema: str = "") -> tuple[str, ...]:
        prefix = f"{schema}." if schema else ""
        return (
            f"PRAGMA {prefix}cipher_page_size = {int(self.page_size)}",
            f"PRAGMA {prefix}cipher_hmac_algorithm = {_checked_hmac(self.hmac)}",
        )


def _checked_hmac(name: str) -> str:
    if name not in ("HMAC_SHA1", "HMAC_SHA256", "HMAC_SHA512"):
        raise ValueError(f"unknown HMAC algorithm {name!r}")
    return name


NEW = Layout(16384, "HMAC_SHA256")  # new encrypted files
LEGACY = Layout(4096, "HMAC_SHA512")  # SQLCipher 4's defaults: the files encrypted before NEW


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
    layout: Layout | None = None,
) -> sqlite3.Connection:
    """A DB-API connection to the file: sqlcipher3 with the key set first when ``key``, else sqlite3.

    ``read_only`` opens with ``mode=ro`` (not even a journal mode changes). A key that does not open the
    file raises the driver's "file is not a database" error: callers that know a key should fit say so.
    ``layout``: the encrypted file's, when known (``layout_of``); else it is found by trying, and a new
    file gets ``NEW``.
    """
    target = f"file:{quote(str(Path(path).resolve()))}?mode=ro" if read_only else str(path)
    if key is None:
        return sqlite3.connect(
            target, uri=read_only, isolation_level=isolation_level, check_same_thread=check_same_thread
        )
    layouts = (layout,) if layout is not None else _layouts_to_try(Path(path))
    for attempt, tried in enumerate(layouts, start=1):
        connection = sqlcipher.connect(
            target, uri=read_only, isolation_level=isolation_level, check_same_thread=check_same_thread
        )
        try:
            apply_key(connection, key, tried)
        except DRIVER_ERRORS as error:
            connection.close()
            if attempt < len(layouts) and getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB":
                continue
            raise
        except BaseException:
            connection.close()
            raise
        return cast(sqlite3.Connection, connection)
    raise AssertionError("unreachable: the last layout either opens or raises")


def _layouts_to_try(path: Path) -> tuple[Layout, ...]:
    try:
        exists = path.stat().st_size > 0
    except OSError:
        exists = False
    return (NEW, LEGACY) if exists else (NEW,)


def layout_of(path: Path, key: bytes) -> Layout:
    """The layout of an encrypted file that ``key`` opens (a new or empty file: ``NEW``)."""
    if _layouts_to_try(path) == (NEW,):  # nothing to read yet
        return NEW
    connection = connect(path, key, read_only=True)
    try:
        return connection_layout(connection)
    finally:
        connection.close()


def connection_layout(connection: sqlite3.Connection) -> Layout:
    """The layout an open sqlcipher3 connection reads its file with (for a copy made from it)."""
    size = connection.execute("PRAGMA cipher_page_size").fetchone()[0]
    hmac = connection.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0]
    return Layout(int(size), str(hmac))


def apply_key(connection: Any, key: bytes, layout: Layout = LEGACY) -> None:
    """The first statements on a new sqlcipher3 connection: the key, its layout, temporary data in
    memory, and a read that proves the key (SQLCipher only decrypts on the first access)."""
    # A wrong key would make SQLCipher print its decryption errors on stderr: the caller says it better.
    connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(key_pragma(key))
    for pragma in layout.pragmas():
        connection.execute(pragma)
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()


def vacuum_into(connection: sqlite3.Connection, target: Path) -> None:
    """``VACUUM INTO`` from an encrypted file: a copy encrypted with the same key and the same layout.

    SQLCipher lays the new file out by its process-wide defaults (``cipher_default_page_size``,
    ``cipher_default_hmac_algorithm``), not as the source (a 16 KB file would be written as an unreadable
    mix): the defaults are set to the source's layout for the statement, under a lock, then put back to
    SQLCipher's own (``LEGACY``)."""
    layout = connection_layout(connection)
    with _DEFAULTS_LOCK:
        _set_defaults(connection, layout)
        try:
            connection.execute("VACUUM INTO ?", (str(target),))
        finally:
            _set_defaults(connection, LEGACY)


def _set_defaults(connection: sqlite3.Connection, layout: Layout) -> None:
    connection.execute(f"PRAGMA cipher_default_page_size = {int(layout.page_size)}")
    connection.execute(f"PRAGMA cipher_default_hmac_algorithm = {_checked_hmac(layout.hmac)}")


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
        for pragma in NEW.pragmas("encrypted"):
            connection.execute(pragma)
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute("DETACH DATABASE encrypted")
    finally:
        connection.close()
