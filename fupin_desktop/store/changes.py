"""The change log: every change to the exchanged records, recorded as it is made, for data packages.

One place records them: the unit of work installs :func:`record_flush` on its session (every ORM
insert, update and delete), and :func:`record_rows` is called by ``store/bulk.py`` for rows written
past the ORM and by the few Core UPDATEs of the services. The changes wait in ``session.info`` and
:func:`write_pending` numbers them with the own site's next sequence numbers just before the commit,
so a rolled-back unit of work leaves no change behind and the numbers have no gaps.

Values are JSON: a UUID, a date or a time as its ISO text, everything else as itself. ``updated_at``
and ``updated_by`` are bookkeeping, not data: a create carries them, an update does not (two sites
editing different fields of one record would otherwise always collide on them).
"""

from __future__ import annotations

import json
import json.encoder
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, Uuid, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session, UOWTransaction, attributes

from fupin_desktop.domain.clock import utc_now
from fupin_desktop.store import models

TRACKED: dict[str, Table] = {
    model.__tablename__: model.__table__
    for model in (
        models.Region,
        models.Household,
        models.Person,
        models.Visit,
        models.VisitChange,
        models.Intention,
        models.IntentionTransition,
        models.PublicNotice,
        models.NoticeEntry,
        models.Objection,
        models.SubsidyGrant,
    )
}
BOOKKEEPING = frozenset({"updated_at", "updated_by"})
# Kept by the services from other records (a household's head and member count, the members' order):
# each site derives them again after applying a package, so they are not exchanged as changes.
DERIVED: dict[str, frozenset[str]] = {
    "household": frozenset({"head_name", "head_pinyin", "member_count"}),
    "person": frozenset({"sort_order"}),
}
PENDING = "fupin_changes"  # session.info key: the list of changes not yet numbered
RECORDING = "fupin_recording"  # session.info key: False while a package is applied (it brings its own)

# (action, entity, entity_id, field, before, after)
Change = tuple[str, str, uuid.UUID, str | None, str | None, str | None]


def plain(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def encode(value: object) -> str | None:
    """A column value as JSON text (None stays None: an absent value)."""
    if value is None:
        return None
    return json.dumps(plain(value), ensure_ascii=False)


def _default(value: object) -> object:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_default).encode


def encode_row(row: dict[str, object]) -> str:
    return _encoder(row)


def decode(table: Table, column: str, text: str | None) -> object:
    """The typed value of ``column`` from its JSON text."""
    if text is None:
        return None
    return typed(table, column, json.loads(text))


def typed(table: Table, column: str, value: object) -> object:
    if value is None:
        return None
    kind = table.c[column].type.python_type
    if kind is uuid.UUID:
        return uuid.UUID(str(value))
    if kind is datetime:
        return datetime.fromisoformat(str(value))
    if kind is date:
        return date.fromisoformat(str(value))
    return value


def decode_row(table: Table, text: str) -> dict[str, object]:
    data = json.loads(text)
    return {key: typed(table, key, value) for key, value in data.items() if key in table.c}


def start(session: Session) -> None:
    session.info[PENDING] = []
    session.info[RECORDING] = True


def pending(session: Session) -> list[Change]:
    found: list[Change] | None = session.info.get(PENDING)
    if found is None or not session.info.get(RECORDING, False):
        return []
    return found


def _is_recording(session: Session) -> bool:
    return PENDING in session.info and bool(session.info.get(RECORDING))


def record_flush(session: Session, _context: UOWTransaction) -> None:
    """after_flush: the inserts, updates and deletes of tracked records the ORM just wrote."""
    if not _is_recording(session):
        return
    out: list[Change] = session.info[PENDING]
    created = []
    for obj in session.new:
        table = _table_of(obj)
        if table is not None:
            row = {column.key: getattr(obj, column.key) for column in table.columns}
            created.append((_rank(table.name, row), ("create", table.name, row["id"], None, None, encode_row(row))))
    out.extend(change for _rank_, change in sorted(created, key=lambda pair: pair[0]))  # parents first
    for obj in session.dirty:
        table = _table_of(obj)
        if table is None:
            continue
        derived = DERIVED.get(table.name, frozenset())
        for column in table.columns:
            if column.key in BOOKKEEPING or column.key in derived or column.key == "id":
                continue
            history = attributes.get_history(obj, column.key)
            if not history.added and not history.deleted:
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before != after:
                out.append(("update", table.name, obj.id, column.key, encode(before), encode(after)))
    deleted = []
    for obj in session.deleted:
        table = _table_of(obj)
        if table is not None:
            row = {column.key: getattr(obj, column.key) for column in table.columns}
            deleted.append((_rank(table.name, row), ("delete", table.name, obj.id, None, encode_row(row), None)))
    out.extend(change for _rank_, change in sorted(deleted, key=lambda pair: pair[0], reverse=True))  # children first


_LEVELS = ("province", "city", "county", "township", "village")


def _rank(table_name: str, row: dict[str, object]) -> tuple[int, int]:
    """Where a record stands among those it refers to: a create comes after its parents, a delete before."""
    order = list(TRACKED).index(table_name)
    level = _LEVELS.index(str(row.get("level"))) if table_name == "region" and row.get("level") in _LEVELS else 0
    return order, level


def _table_of(obj: object) -> Table | None:
    table = getattr(type(obj), "__table__", None)
    if isinstance(table, Table) and TRACKED.get(table.name) is table:
        return table
    return None


def record_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Rows inserted past the ORM (a bulk import): one create each."""
    if not _is_recording(session) or TRACKED.get(table.name) is not table:
        return
    rows = list(rows)
    if not rows:
        return
    at = columns.index("id")
    order = sorted(range(len(columns)), key=lambda index: columns[index])  # the keys as encode_row sorts them
    by_column = list(zip(*rows, strict=True))
    name = table.name
    session.info[PENDING].extend(
        ("create", name, row[at], None, None, text)
        for row, text in zip(
            rows, json_objects([columns[i] for i in order], [by_column[i] for i in order]), strict=True
        )
    )


def json_objects(keys: Sequence[str], columns: Sequence[Sequence[object]]) -> list[str]:
    """One JSON object per row of ``columns`` (the values of each key, row by row), as ``encode_row``
    writes it: each value is written once as JSON, column by column, and each row's text is a
    template filled in, rather than a dict per row through the encoder (a 20,000-row import)."""
    template = "{" + ", ".join(f"{_quote(key)}: %s" for key in keys) + "}"
    texts = [_json_column(values) for values in columns]
    return [template % values for values in zip(*texts, strict=True)]


def _json_column(values: Sequence[object]) -> Sequence[str]:
    first = values[0]
    if values.count(first) == len(values):  # the same time or operator on every row: written once
        return [_json_value(first)] * len(values)
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {str}:  # most columns: text, some of it empty
        quote = _quote
        return ["null" if value is None else quote(value) for value in values]  # type: ignore[arg-type]
    if kinds == {uuid.UUID}:
        return ["null" if value is None else f'"{value}"' for value in values]
    return [_json_value(value) for value in values]


_quote = json.encoder.encode_basestring  # how the encoders write a str (ensure_ascii=False)


def _json_value(value: object) -> str:
    """``value`` as ``_plain_encoder(plain(value))`` writes it."""
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, uuid.UUID):
        return f'"{value}"'
    if isinstance(value, datetime | date):
        return f'"{value.isoformat()}"'
    return _plain_encoder(plain(value))


_plain_encoder = json.JSONEncoder(ensure_ascii=False).encode


def record_updates(session: Session, table: Table, changes: Iterable[tuple[uuid.UUID, str, object, object]]) -> None:
    """Fields changed by a Core UPDATE: (id, field, before, after) each."""
    if not _is_recording(session):
        return
    out: list[Change] = session.info[PENDING]
    derived = DERIVED.get(table.name, frozenset())
    for entity_id, field, before, after in changes:
        if field not in BOOKKEEPING and field not in derived and before != after:
            out.append(("update", table.name, entity_id, field, encode(before), encode(after)))


def own_site_id(session: Session) -> uuid.UUID:
    found = session.scalar(select(models.Site.id).where(models.Site.own.is_(True)))
    if found is None:
        raise RuntimeError("database has no own site (migration 0005)")
    return found


def own_site_kind(session: Session) -> str:
    """What this database is (station, village, field, county); one not yet a site is a station."""
    return session.scalar(select(models.Site.kind).where(models.Site.own.is_(True))) or "station"


def write_pending(session: Session, account: str) -> int:
    """Number the waiting changes with the own site's next sequence numbers and store them."""
    if PENDING not in session.info:
        return 0
    session.flush()
    waiting: list[Change] = session.info[PENDING]
    if not waiting:
        return 0
    session.info[PENDING] = []
    site = models.Site.__table__
    raised = session.execute(
        update(site)
        .where(site.c.own.is_(True))
        .values(last_seq=site.c.last_seq + len(waiting))
        .returning(site.c.id, site.c.last_seq)
    ).one()
    site_id, last = raised
    first = int(last) - len(waiting) + 1
    arrival = next_arrival(session)  # arrival and seq advance together in this batch
    from fupin_desktop.store.bulk import bind_processor, insert_rows, uuid_binder

    table = models.ChangeEntry.__table__
    key = uuid_binder(session, table, "entity_id")  # the rows go as the driver takes them: one cheap call each
    moment = bind_processor(session, table, "at")
    now, site = utc_now(), key(site_id)
    at = now if moment is None else moment(now)
    rows = [
        (site, first + index, action, entity, key(entity_id), field, before, after, account, at, arrival + index)
        for index, (action, entity, entity_id, field, before, after) in enumerate(waiting)
    ]
    # Written in the order of the (entity, entity id) index rather than of seq (which is in the rows, and
    # is what every reader orders by): an import's 50,000 entries then land on neighbouring index pages
    # instead of one random page of a county's large index each.
    rows.sort(key=_by_entity)
    insert_rows(
        session,
        table,
        ("site_id", "seq", "action", "entity", "entity_id", "field", "before", "after", "account", "at", "arrival"),
        rows,
        bound=True,
    )
    return len(waiting)


def next_arrival(session: Session) -> int:
    """The next number of the order in which this database makes or receives changes."""
    entry = models.ChangeEntry.__table__
    last = session.scalar(select(func.max(entry.c.arrival)))
    return int(last or 0) + 1


def _by_entity(row: tuple[Any, ...]) -> tuple[Any, Any]:
    return row[3], row[4]


def log_unlogged(connection: Connection, account: str) -> int:
    """Log as creates of the own site every exchanged record that is not in the change log yet (records
    written straight through a connection, as the demo data is); returns how many were logged.

    Each is a *baseline* entry: a create whose ``after`` is empty, one INSERT … SELECT per table, no JSON.
    A full package fills it in from the record itself (:func:`baseline_rows`)."""
    site = models.Site.__table__
    site_id, last = connection.execute(select(site.c.id, site.c.last_seq).where(site.c.own.is_(True))).one()
    seq = log_baseline(connection, site_id, int(last), account, only_unlogged=True)
    if seq > int(last):
        connection.execute(update(site).where(site.c.id == site_id).values(last_seq=seq))
    return seq - int(last)


def log_baseline(connection: Connection, site_id: uuid.UUID, last: int, account: str, *, only_unlogged: bool) -> int:
    """One baseline entry per record of every exchanged table, numbered after ``last``; returns the last number.
    Used by migration 0005 (every record) and :func:`log_unlogged` (records not yet in the log)."""
    entry = models.ChangeEntry.__table__
    now = utc_now()
    seq = last
    for name, table in TRACKED.items():
        ids = select(table.c.id)
        if only_unlogged:
            ids = ids.where(table.c.id.not_in(select(entry.c.entity_id).where(entry.c.entity == name)))
        if name == "region":  # a region after the one it lies in: a receiver inserts them in this order
            ids = ids.add_columns(table.c.level)
            found = [row[0] for row in sorted(connection.execute(ids), key=_level_of)]
        else:
            found = [row[0] for row in connection.execute(ids.order_by(table.c.id))]
        if found:
            connection.execute(
                insert(entry),
                [
                    {"site_id": site_id, "seq": seq + index, "action": "create", "entity": name, "entity_id": rid,
                     "field": None, "before": None, "after": None, "account": account, "at": now}
                    for index, rid in enumerate(found, start=1)
                ],
            )  # fmt: skip
            seq += len(found)
    return seq


def _level_of(row: Any) -> tuple[int, str]:
    level = str(row[1])
    return (_LEVELS.index(level) if level in _LEVELS else len(_LEVELS), str(row[0]))


WHOLE_TABLE = 5000  # more baseline records of one table than this: the table is read whole


def baseline_rows(session: Session, entity: str, entity_ids: Sequence[str]) -> dict[str, str | None]:
    """The records of baseline entries as JSON, as they were when the baseline was taken: each as it is
    now (or as its tombstone kept it) with every change logged here since undone, newest first. None for
    a record that left no trace (the receiver then has nothing to add). Ids as text (with or without
    dashes), and the answer keyed by the 32 hex digits."""
    from fupin_desktop.store.bulk import driver_rows

    table = TRACKED[entity]
    entry = models.ChangeEntry.__table__
    out: dict[str, str | None] = {}
    wanted = [_hex_of(entity_id) for entity_id in entity_ids]
    whole = len(wanted) > WHOLE_TABLE  # most of a table (a full package): read it whole, not by ids
    step = len(wanted) if whole else 500
    encode_plain = _baseline_encoder
    keys = [column.name for column in table.columns]
    listed = ", ".join(f'"{key}"' for key in keys)
    at = keys.index("id")
    in_sql = whole and _json_in_sql(session)
    for start_at in range(0, len(wanted), max(step, 1)):
        chunk = wanted[start_at : start_at + step]
        since = select(entry.c.entity_id, entry.c.action, entry.c.field, entry.c.before).where(
            entry.c.entity == entity, entry.c.arrival.is_not(None)
        )
        if not whole:
            since = since.where(entry.c.entity_id.in_([uuid.UUID(hex=h) for h in chunk]))
        later = session.execute(since.order_by(entry.c.arrival.desc())).all()
        texts: dict[str, str] | None = None
        # As the driver returns them (SQLite: ids as hex, times as text): JSON as they are, fast; a receiver
        # reads either form. The changes undone below put back their own JSON values.
        if in_sql:  # every record's JSON made by SQLite itself; only those changed since read as rows
            pairs = ", ".join(f"'{key}', \"{key}\"" for key in keys)
            texts = dict(driver_rows(session, f'select id, json_object({pairs}) from "{table.name}"'))
            changed = sorted({entity_id.hex for entity_id, *_rest in later} & texts.keys())
            found = []
            for first in range(0, len(changed), 500):
                some = changed[first : first + 500]
                marks = ", ".join("?" * len(some))
                found += driver_rows(session, f'select {listed} from "{table.name}" where id in ({marks})', some)
        elif whole:
            found = driver_rows(session, f'select {listed} from "{table.name}"')
        else:
            records = text(f'select {listed} from "{table.name}" where id in :ids').bindparams(
                bindparam("ids", expanding=True, type_=Uuid())
            )
            found = list(session.execute(records, {"ids": [uuid.UUID(hex=h) for h in chunk]}).all())
        position = {_hex_of(v[at]): index for index, v in enumerate(found)}
        undone: dict[str, dict[str, object]] = {}  # the records changed since, as dicts to undo them on
        for entity_id, action, field, before in later:
            key = entity_id.hex
            if action == "delete" and before:  # gone since: its tombstone is where to start from
                undone[key] = json.loads(before)
            elif field is not None and action in ("update", "decide") and field in table.c:
                row = undone.get(key)
                if row is None:
                    if key not in position:
                        continue
                    row = undone[key] = dict(zip(keys, found[position[key]], strict=True))
                row[field] = None if before is None else json.loads(before)
        if texts is None:
            # The others as they are, written column by column (``json_objects``): at county scale a JSON
            # encoder call per record is most of a full package's time.
            kept = [v for v in found if _hex_of(v[at]) not in undone] if undone else found
            written = json_objects(keys, list(zip(*kept, strict=True))) if kept else []
            texts = {_hex_of(v[at]): text for v, text in zip(kept, written, strict=True)}
        for key in chunk:
            row = undone.get(key)
            out[key] = encode_plain(row) if row is not None else texts.get(key)
    return out


_baseline_encoder = json.JSONEncoder(ensure_ascii=False, default=_default).encode


def _json_in_sql(session: Session) -> bool:
    """Whether the database writes the records' JSON itself: SQLite's ``json_object`` (built in since 3.38)
    writes a county's records several times faster than Python can. PostgreSQL's would write its own
    forms of times and flags, so there the records are written here."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    version = str(connection.exec_driver_sql("select sqlite_version()").scalar())  # the driver's: SQLCipher's own
    return tuple(int(part) for part in version.split(".")[:2]) >= (3, 38)


def _hex_of(value: object) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")


def write_flag(session: Session, model: type[models.Base], ids: Sequence[uuid.UUID], column: str, value: bool) -> int:
    """Set a flag (the seal's ``locked``) on many records with a few UPDATEs, logging each record it changes;
    returns how many changed. The one writer for bulk flag updates, so that packages carry them."""
    table = model.__table__
    assert isinstance(table, Table)
    changed: list[uuid.UUID] = []
    for start_at in range(0, len(ids), 500):
        chunk = list(ids[start_at : start_at + 500])
        differ = (table.c[column] != value) | table.c[column].is_(None)
        found = list(session.scalars(select(table.c.id).where(table.c.id.in_(chunk), differ)))
        if found:
            session.execute(update(model).where(table.c.id.in_(found)).values({column: value}))
            changed.extend(found)
    record_updates(session, table, [(entity_id, column, not value, value) for entity_id in changed])
    return len(changed)


def record_decision(
    session: Session,
    action: str,
    entity: str,
    entity_id: uuid.UUID,
    field: str | None,
    before: str | None,
    after: str | None,
) -> None:
    """A person's decision on what a package could not apply by itself (``decide`` or ``merge``), logged as
    one change of this site so that it travels to every other site that met the same question."""
    session.info.setdefault(PENDING, []).append((action, entity, entity_id, field, before, after))


def row_decoder(table: Table) -> Callable[[str], dict[str, object]]:
    """:func:`decode_row` for many records of one table: the column types looked up once."""
    converters: dict[str, Callable[[Any], object]] = {}
    for column in table.columns:
        kind = column.type.python_type
        if kind is uuid.UUID:
            converters[column.key] = lambda value: uuid.UUID(value)
        elif kind is datetime:
            converters[column.key] = datetime.fromisoformat
        elif kind is date:
            converters[column.key] = date.fromisoformat
        else:
            converters[column.key] = _same
    loads = json.loads

    def decode_one(text: str) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in loads(text).items():
            convert = converters.get(key)
            if convert is not None:
                out[key] = None if value is None else convert(value)
        return out

    return decode_one


def _same(value: object) -> object:
    return value
