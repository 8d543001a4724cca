"""The bulk writers' hand-written JSON is byte for byte what the reference encoders write: the change
log's create of a row (``encode_row``) and the audit chain's canonical entry (``entry_hash``)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from fupin_desktop.store import chain
from fupin_desktop.store.changes import encode_row, json_objects
from fupin_desktop.store.models import AuditEntry, Base

AWKWARD = ['王"建国"', "back\\slash", "tab\tand\nnewline", "\x01\x1f控制", "emoji 🙂", "", "ü é", "%s %d"]


def test_change_log_rows_are_written_as_encode_row_writes_them() -> None:
    rows: list[dict[str, object]] = []
    for index, text in enumerate(AWKWARD):
        rows.append(
            {
                "id": uuid.UUID(int=index + 1),
                "name": text,
                "sort_order": index - 3,
                "locked": index % 2 == 0,
                "birth_date": date(1990, 1, index + 1),
                "created_at": datetime(2026, 11, 22, 8, 30, index, 12345),
                "phone": None if index % 3 else "13805391234",
                "same": "一组",  # one value on every row: written once
                "amount": 12.5 if index % 2 else 0.1,
            }
        )
    keys = sorted(rows[0])
    written = json_objects(keys, [[row[key] for row in rows] for key in keys])
    assert written == [encode_row(row) for row in rows]
    assert [json.loads(text)["name"] for text in written] == AWKWARD


def test_chained_entries_hash_as_the_reference_and_verify() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    at = datetime(2026, 11, 22, 8, 30, 0, 999)
    fields = [None, "name", "phone", None, "address", "x", None, "y"]
    entries = [
        (uuid.UUID(int=i + 1), at, text or "王经办", "update", "person", uuid.UUID(int=100 + i), field, text, None)
        for i, (text, field) in enumerate(zip(AWKWARD, fields, strict=True))
    ]
    with Session(engine) as session:
        head = chain.append(session, entries)
        stored = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq)).all()
        expected, previous = [], chain.GENESIS
        for seq, entry in enumerate(entries, start=1):
            previous = chain.entry_hash(seq, entry, previous)
            expected.append((seq, previous))
        assert [tuple(row) for row in stored] == expected
        assert head == previous
        assert chain.verify_chain(session).sound
    engine.dispose()
