"""The audit trail as a hash chain: every entry holds the hash of the entry before it and its own.

An entry's hash is SHA-256 over its canonical content — a JSON array in a fixed field order: seq,
id (UUID as hex), time (UTC, microseconds), operator, action, entity, entity id (hex), field, old
value, new value, the previous hash. Appending first updates the one-row chain head, which takes
the write lock (SQLite) or the row lock (PostgreSQL) before the head is read, so appends are
serialised without ``BEGIN IMMEDIATE`` on every unit of work; a whole batch (a bulk import's
executemany) is chained in one pass over plain tuples and written with one executemany.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from fupin_desktop.store.bulk import bind_processor, insert_rows, uuid_binder
from fupin_desktop.store.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
_HEAD: Table = AuditChainHead.__table__
_ENTRY: Table = AuditEntry.__table__
HEAD_ID = 1
# (id, at, operator, action, entity, entity_id, field, old_value, new_value): one entry to append
PendingEntry = tuple[uuid.UUID, datetime, str, str, str, uuid.UUID, str | None, str | None, str | None]
_COLUMNS = (
    "id", "seq", "prev_hash", "hash", "at", "operator", "action", "entity", "entity_id", "field", "old_value",
    "new_value",
)  # fmt: skip
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_sha256 = hashlib.sha256
_SAMPLE = uuid.UUID(int=1)
_quote = json.encoder.encode_basestring  # how _dumps writes a str (ensure_ascii=False)


def time_text(at: datetime) -> str:
    return f"{at:%Y-%m-%dT%H:%M:%S.%f}Z"


def entry_hash(seq: int, entry: PendingEntry, prev_hash: str) -> str:
    entry_id, at, operator, action, entity, entity_id, field, old, new = entry
    canonical = [seq, entry_id.hex, time_text(at), operator, action, entity, entity_id.hex, field, old, new, prev_hash]
    return _sha256(_dumps(canonical).encode("utf-8")).hexdigest()


def short(hash_text: str) -> str:
    """The chain head as printed on a sealed sheet."""
    return hash_text[:16]


def _lock_head(connection: Connection) -> tuple[int, str]:
    """Take the chain head for this transaction (the database's write lock) and read it."""
    table = _HEAD
    touched = connection.execute(update(table).where(table.c.id == HEAD_ID).values(seq=table.c.seq))
    if touched.rowcount == 0:  # a database chained by the migration always has it; rebuild if lost
        last = connection.execute(select(func.max(AuditEntry.seq))).scalar()
        if last:
            head = connection.execute(select(AuditEntry.hash).where(AuditEntry.seq == last)).scalar()
            connection.execute(insert(table).values(id=HEAD_ID, seq=last, hash=head or GENESIS))
        else:
            connection.execute(insert(table).values(id=HEAD_ID, seq=0, hash=GENESIS))
    row = connection.execute(select(table.c.seq, table.c.hash).where(table.c.id == HEAD_ID)).one()
    return int(row[0]), str(row[1])


def current_head(session: Session) -> str:
    """The head as the last commit left it, read without taking it: what a seal prints while it writes its
    files, so that other clients keep appending meanwhile (a seal takes the head only for its commit)."""
    found = session.scalar(select(_HEAD.c.hash).where(_HEAD.c.id == HEAD_ID))
    if found is not None:
        return str(found)
    last = session.scalar(select(func.max(AuditEntry.seq)))
    if not last:
        return GENESIS
    return str(session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == last)) or GENESIS)


def append(session: Session, entries: Sequence[PendingEntry]) -> str:
    """Chain ``entries`` onto the head in the session's transaction; returns the new head hash."""
    session.flush()
    connection = session.connection()
    seq, head = _lock_head(connection)
    if not entries:
        return head
    rows = []
    # The rows go to the driver as it takes them (bound): a UUID's hex text is made once for the hash and
    # the row alike, and a batch's one time is formatted once for each.
    key = uuid_binder(session, _ENTRY, "id")
    hex_keys = key(_SAMPLE) == _SAMPLE.hex
    moment = bind_processor(session, _ENTRY, "at")
    times: dict[datetime, tuple[str, object]] = {}
    texts: dict[str | None, str] = {None: "null"}  # operator, action, entity, field: a few values, quoted once
    quote, sha256 = _quote, _sha256
    for entry in entries:
        seq += 1
        entry_id, at, operator, action, entity, entity_id, field, old, new = entry
        timed = times.get(at)
        if timed is None:
            timed = times[at] = (quote(time_text(at)), at if moment is None else moment(at))
        when, stored_at = timed
        entry_hex, entity_hex = entry_id.hex, entity_id.hex
        by = texts.get(operator) or _quoted(texts, operator)
        did = texts.get(action) or _quoted(texts, action)
        what = texts.get(entity) or _quoted(texts, entity)
        column = texts.get(field) or _quoted(texts, field)
        before = "null" if old is None else quote(old)
        after = "null" if new is None else quote(new)
        # entry_hash's canonical text, written out: the same bytes as _dumps of its list (hex needs no quoting)
        canonical = (
            f'[{seq},"{entry_hex}",{when},{by},{did},{what},"{entity_hex}",{column},{before},{after},"{head}"]'
        )
        own = sha256(canonical.encode("utf-8")).hexdigest()
        if hex_keys:
            ids: tuple[object, object] = (entry_hex, entity_hex)
        else:
            ids = (key(entry_id), key(entity_id))
        rows.append((ids[0], seq, head, own, stored_at, operator, action, entity, ids[1], field, old, new))
        head = own
    insert_rows(session, _ENTRY, _COLUMNS, rows, bound=True)
    table = _HEAD
    connection.execute(update(table).where(table.c.id == HEAD_ID).values(seq=seq, hash=head))
    return head


def _quoted(texts: dict[str | None, str], value: str | None) -> str:
    text = texts[value] = "null" if value is None else _quote(value)
    return text


def rechain_all(connection: Connection) -> None:
    """Chain every entry in time order (the migration that introduces the chain)."""
    entry = _ENTRY
    rows = connection.execute(
        select(
            entry.c.id, entry.c.at, entry.c.operator, entry.c.action, entry.c.entity, entry.c.entity_id,
            entry.c.field, entry.c.old_value, entry.c.new_value,
        ).order_by(entry.c.at, entry.c.id)
    ).all()  # fmt: skip
    head, seq, updates = GENESIS, 0, []
    for row in rows:
        seq += 1
        pending = cast(PendingEntry, tuple(row))
        own = entry_hash(seq, pending, head)
        updates.append({"row_id": row[0], "seq": seq, "prev_hash": head, "hash": own})
        head = own
    if updates:
        connection.execute(update(entry).values(seq=None))
        connection.execute(
            update(entry)
            .where(entry.c.id == bindparam("row_id"))
            .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash")),
            updates,
        )
    table = _HEAD
    connection.execute(_HEAD.delete())
    connection.execute(insert(table).values(id=HEAD_ID, seq=seq, hash=head))


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    problem: str | None  # the first broken entry, in Chinese; None when the chain is sound
    heads_seen: frozenset[str]  # the hashes of ``wanted`` found in the chain

    @property
    def sound(self) -> bool:
        return self.problem is None


def _described(row: Sequence[object]) -> str:
    seq, at, operator, action, entity, field = row[1], row[4], row[5], row[6], row[7], row[9]
    when = f"{at:%Y-%m-%d %H:%M:%S}" if isinstance(at, datetime) else str(at)
    what = f"{entity}.{field}" if field else str(entity)
    return f"第{seq}条审计记录（{when} UTC，{operator}，{action} {what}）"


def _rows(session: Session) -> Iterator[Sequence[object]]:
    entry = _ENTRY
    statement = select(*(entry.c[name] for name in _COLUMNS)).where(entry.c.seq.is_not(None)).order_by(entry.c.seq)
    result = session.execute(statement.execution_options(yield_per=5000))
    yield from result


def verify_chain(session: Session, wanted: frozenset[str] = frozenset()) -> ChainReport:
    """Walk the chain from the first entry; name the first entry that is edited, missing or foreign."""
    unchained = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))) or 0
    expected_seq, head, count = 1, GENESIS, 0
    seen: set[str] = set()
    problem: str | None = None
    for row in _rows(session):
        entry_id, seq, prev_hash, own = row[0], row[1], row[2], row[3]
        if seq != expected_seq:
            problem = f"第{expected_seq}条审计记录缺失（被删除），链在{_described(row)}之前断开"
            break
        if prev_hash != head:
            problem = f"{_described(row)}的前一条哈希不符：之前的记录被改动、删除或插入"
            break
        pending = cast(PendingEntry, (entry_id, *row[4:]))  # the columns checked by the hash below
        if not isinstance(entry_id, uuid.UUID) or entry_hash(expected_seq, pending, head) != own:
            problem = f"{_described(row)}的内容与其哈希不符：该记录在程序之外被改动"
            break
        head = str(own)
        if head in wanted:
            seen.add(head)
        count += 1
        expected_seq += 1
    if problem is None:
        stored = session.execute(select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == HEAD_ID))
        stored_head = stored.one_or_none()
        if stored_head is None and count:
            problem = "审计链的链头记录缺失"
        elif stored_head is not None and (stored_head[0] != count or stored_head[1] != head):
            problem = f"审计链在第{count}条之后被截断或改动（链头记为第{stored_head[0]}条）"
    if problem is None and unchained:
        problem = f"有{unchained}条审计记录不在链中：在程序之外被插入"
    return ChainReport(count, head, problem, frozenset(seen))
