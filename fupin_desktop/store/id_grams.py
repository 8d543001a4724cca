"""The ID-number n-gram index: every 4-character run of each 身份证号, so that any part of a number
(a birth date, the last 4 or 6 digits, a run from the middle) is found through an index.

Why a table of 4-grams: it is plain SQL (the same table, index and queries on SQLite and on
PostgreSQL, where FTS5 does not exist); the shortest fragment a search accepts is 4 characters, so
every fragment holds at least one whole gram; and 10,000 possible digit grams keep a gram's list
short (15 grams × 100,000 people / 10,000 ≈ 150 people per gram at county scale). Candidates from
the grams are then checked against the number itself, so a gram index can only narrow, never err.

The index follows the person table by itself: an ORM flush that adds, changes or deletes a person
updates it (``install``), and bulk inserts call :func:`index_people` (or :func:`rebuild`). The table
is only its primary key (gram, person): no foreign key and no second index, because at county scale
(1.5 million rows) every extra B-tree keyed by a random UUID made a 20,000-person import write
several seconds longer. A gram left behind by a person deleted some other way can do no harm: a
candidate is only ever used through a join back to the person and a check of the number itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

from sqlalchemy import Connection, Table, delete, event, insert, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from fupin_desktop.store.bulk import bind_processor, insert_rows
from fupin_desktop.store.models import Person, PersonIdGram

GRAM = 4
_TABLE: Table = PersonIdGram.__table__


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
    """(gram, person) rows in key order: inserted in order, they land on neighbouring pages."""
    return sorted((gram, pid) for pid, number in people for gram in id_grams(number))


def index_people(session: Session, people: Sequence[tuple[uuid.UUID | str, str | None]]) -> None:
    """Write the grams of newly inserted (person id, number) pairs in one executemany (a bulk import).

    The rows go in key order, gathered by gram: the grams are sorted (at most some 10,000 distinct runs)
    and each gram's people by the id's hex text, which sorts as the UUIDs do — a fraction of sorting
    300,000 (gram, id) keys of a 20,000-person sheet. Each person's id is converted for the driver once,
    not once per gram (SQLite stores that hex text); an id may come as that text already (a package's)."""
    by_gram: dict[str, list[str]] = {}
    for pid, number in people:
        if not number:
            continue
        hex_id = pid if isinstance(pid, str) else pid.hex
        for gram in {number[i : i + GRAM] for i in range(len(number) - GRAM + 1)}:  # id_grams, inline
            listed = by_gram.get(gram)
            if listed is None:
                by_gram[gram] = [hex_id]
            else:
                listed.append(hex_id)
    processor = bind_processor(session, _TABLE, "person_id")
    sample = uuid.UUID(int=1)
    as_hex = processor is not None and processor(sample) == sample.hex
    stored: dict[str, object] = {}
    if not as_hex:
        for pid, _number in people:
            text_id = pid if isinstance(pid, str) else pid.hex
            whole = pid if isinstance(pid, uuid.UUID) else uuid.UUID(pid)
            stored[text_id] = whole if processor is None else processor(whole)
    rows: list[tuple[str, object]] = []
    for gram in sorted(by_gram):
        ids = by_gram[gram]
        ids.sort()
        rows.extend(zip(repeat(gram), ids if as_hex else [stored[hex_id] for hex_id in ids]))
    insert_rows(session, _TABLE, ("gram", "person_id"), rows, bound=True)


def _drop(connection: Connection, person_id: uuid.UUID, number: str | None) -> None:
    """Remove a person's grams: by key when the number is known, else (rarely) by person."""
    table = _TABLE
    where = table.c.person_id == person_id
    if number:
        where = where & table.c.gram.in_(sorted(id_grams(number)))
    connection.execute(delete(table).where(where))


def _after_flush(session: Session, _context: object) -> None:
    added: list[tuple[uuid.UUID, str | None]] = []
    connection = session.connection()
    for obj in session.new:
        if isinstance(obj, Person) and obj.id_number:
            added.append((obj.id, obj.id_number))
    for obj in session.dirty:
        if isinstance(obj, Person):
            history = inspect(obj).attrs.id_number.history
            if history.has_changes():
                old = history.deleted[0] if history.deleted else None
                _drop(connection, obj.id, old if isinstance(old, str) or old is None else str(old))
                added.append((obj.id, obj.id_number))
    for obj in session.deleted:
        if isinstance(obj, Person):
            _drop(connection, obj.id, obj.id_number)
    rows: list[dict[str, Any]] = [{"gram": gram, "person_id": pid} for gram, pid in _pairs(added)]
    if rows:
        connection.execute(insert(_TABLE), rows)


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
