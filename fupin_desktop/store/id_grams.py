"""The ID-number n-gram index: every 4-character run of each 身份证号, so that any part of a number
(a birth date, the last 4 or 6 digits, a run from the middle) is found through an index.

Why a table of 4-grams: it is plain SQL (the same table, index and queries on SQLite and on
PostgreSQL, where FTS5 does not exist); the shortest fragment a search accepts is 4 characters, so
every fragment holds at least one whole gram; and 10,000 possible digit grams keep a gram's list
short (15 grams × 100,000 people / 10,000 ≈ 150 people per gram at county scale). Candidates from
the grams are then checked against the number itself, so a gram index can only narrow, never err.

The index follows the person table by itself: an ORM flush that adds a person or changes a number
updates it (``install``), bulk inserts call :func:`index_people` (or :func:`rebuild`), and deletes
cascade in the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, insert, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from fupin_desktop.store.bulk import insert_rows
from fupin_desktop.store.models import Person, PersonIdGram

GRAM = 4
_TABLE = cast(Table, PersonIdGram.__table__)


def id_grams(number: str | None) -> set[str]:
    """The distinct 4-character runs of a number ("" or None: none)."""
    if not number:
        return set()
    return {number[i : i + GRAM] for i in range(len(number) - GRAM + 1)}


def covering_grams(fragment: str) -> list[str]:
    """Grams that together cover ``fragment`` (length ≥ 4): every 4th one and the last, in order."""
    grams = [fragment[i : i + GRAM] for i in range(0, len(fragment) - GRAM + 1, GRAM)]
    if fragment[-GRAM:] not in grams:
        grams.append(fragment[-GRAM:])
    return grams


def _pairs(people: Iterable[tuple[uuid.UUID, str | None]]) -> list[tuple[str, uuid.UUID]]:
    return [(gram, pid) for pid, number in people for gram in sorted(id_grams(number))]


def index_people(session: Session, people: Sequence[tuple[uuid.UUID, str | None]]) -> None:
    """Write the grams of newly inserted (person id, number) pairs in one executemany (a bulk import)."""
    insert_rows(session, _TABLE, ("gram", "person_id"), _pairs(people))


def _write(connection: Connection, people: Sequence[tuple[uuid.UUID, str | None]], *, replace: bool) -> None:
    if not people:
        return
    table = _TABLE
    if replace:
        ids = [pid for pid, _number in people]
        for start in range(0, len(ids), 500):
            connection.execute(delete(table).where(table.c.person_id.in_(ids[start : start + 500])))
    rows: list[dict[str, Any]] = [{"gram": gram, "person_id": pid} for gram, pid in _pairs(people)]
    if rows:
        connection.execute(insert(table), rows)


def _after_flush(session: Session, _context: object) -> None:
    changed: list[tuple[uuid.UUID, str | None]] = []
    added: list[tuple[uuid.UUID, str | None]] = []
    for obj in session.new:
        if isinstance(obj, Person) and obj.id_number:
            added.append((obj.id, obj.id_number))
    for obj in session.dirty:
        if isinstance(obj, Person) and inspect(obj).attrs.id_number.history.has_changes():
            changed.append((obj.id, obj.id_number))
    connection = session.connection()
    _write(connection, added, replace=False)
    _write(connection, changed, replace=True)


def install(session_factory: sessionmaker[Session]) -> None:
    """Keep the index in step with every ORM flush of sessions from this factory."""
    event.listen(session_factory, "after_flush", _after_flush)


# Every gram of every stored number in one statement (plain SQL: substr and UNION exist everywhere).
REBUILD_SQL = (
    "INSERT INTO person_id_gram (gram, person_id) SELECT gram, person_id FROM ("
    + " UNION ".join(
        f"SELECT substr(id_number, {start}, {GRAM}) AS gram, id AS person_id FROM person "
        f"WHERE id_number IS NOT NULL AND length(id_number) >= {start + GRAM - 1}"
        for start in range(1, 18 - GRAM + 2)
    )
    + ") AS grams"
)


def rebuild(connection: Connection) -> None:
    """Drop and rebuild the whole index (a migration, a bulk-generated demo)."""
    connection.execute(delete(_TABLE))
    connection.execute(text(REBUILD_SQL))
