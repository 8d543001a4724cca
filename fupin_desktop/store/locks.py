"""Taking turns between clients: the row a use case must hold alone, and how long it waits for it.

Two clients of one database (two windows on a server, a command beside a window) serialise the few
things that must never interleave — a unit's sealing counter, the audit chain head, the site's change
counter — by updating that one row first in their transaction: SQLite's write lock or PostgreSQL's
row lock is then held until the commit. The order is always counter → chain head → change counter,
so two clients never wait for each other in a circle. A seal holds its counter row (and the rows it
seals) while it writes its files, and the chain head and change counter only for its commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Table, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fupin_desktop.store.models import AuditChainHead

#: Seconds a seal waits for another client's seal of the same unit before it is refused as "locked":
#: a county list takes a quarter of a minute to seal, and the second seal should follow it, not fail.
SEAL_WAIT = 120.0
#: The same for a village import waiting for another client's import.
IMPORT_WAIT = 120.0
#: Seconds a commit waits for the audit chain head and the site's change counter. They are held only by
#: commits (a county-wide seal's takes a few seconds: its ~50,000 已上报 steps chained and logged), never
#: while anyone edits or writes files, so a save waits for the commit ahead of it rather than being refused.
COMMIT_WAIT = 30.0
#: PostgreSQL advisory lock keys (any fixed numbers): one turn per kind of work that must not interleave.
IMPORT_TURN = 0x66757069_01


@contextmanager
def patient(session: Session, seconds: float) -> Iterator[None]:
    """Inside the block, wait up to ``seconds`` for another client's lock (instead of the engine's short
    default). On PostgreSQL it lasts to the end of the transaction (SET LOCAL); on SQLite the connection's
    busy timeout is restored when the block ends."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":  # a file: sqlite3's or sqlcipher3's connection alike
        raw = connection.connection.dbapi_connection
        assert raw is not None
        before = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            yield
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(before[0]) if before else 5000}")
        return
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(seconds * 1000)}")
    yield


def take_turn(session: Session, key: int, seconds: float) -> None:
    """Wait until no other client holds this turn, then hold it to the end of the transaction, so that
    what the use case reads next already includes the other client's work (two imports of one sheet at
    once: the second finds the first's households and changes nothing).

    On PostgreSQL an advisory lock for ``key``, waited for up to ``seconds``. On SQLite the file's write
    lock (taken by a write that changes nothing), waited for as long as any write waits there: a file
    has one window (a command beside it is refused), so a writer that holds it longer is another
    program, and the clerk is told so at once rather than after minutes."""
    if session.get_bind().dialect.name == "postgresql":
        with patient(session, seconds):
            session.execute(text("select pg_advisory_xact_lock(:key)"), {"key": key})
        return
    head: Table = AuditChainHead.__table__
    session.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq))


def hold_rows(session: Session, table: Table, ids: Sequence[uuid.UUID]) -> None:
    """Hold these rows to the end of the transaction before they are read and checked, so that a check
    (a member not sealed) still holds when the change is written: an edit beside a seal that has these rows
    waits for the seal, then reads what it froze. On PostgreSQL SELECT … FOR UPDATE (waiting the session's
    lock wait); on SQLite the file's write lock, taken as ``take_turn`` takes it (Python's sqlite3 would
    otherwise read outside any transaction and take the lock only at the first write, after the check)."""
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(table.c.id).where(table.c.id.in_(list(ids))).with_for_update())
        return
    head: Table = AuditChainHead.__table__
    session.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq))


def insert_if_missing(session: Session, table: Table, values: dict[str, object]) -> None:
    """Insert a counter row unless another client has just inserted it (INSERT … ON CONFLICT DO NOTHING):
    two first seals of a new year must not fail on the key, the second simply finds the row."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(table).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(table).values(values).on_conflict_do_nothing())


__all__ = [
    "COMMIT_WAIT",
    "IMPORT_TURN",
    "IMPORT_WAIT",
    "SEAL_WAIT",
    "hold_rows",
    "insert_if_missing",
    "patient",
    "take_turn",
]
