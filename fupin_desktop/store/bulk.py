"""Many rows into one table with one executemany of a plain positional INSERT (a bulk import).

SQLAlchemy's ``session.execute(insert(table), dicts)`` checks and converts every row and every
value on its way to the driver; for tens of thousands of rows that costs more than the insert.
Here the statement is compiled once by the dialect, each column's values go through that column
type's own bind processor (so a UUID, a time or a flag is stored exactly as the ORM stores it),
and the driver gets plain tuples. Defaults are not applied: give every column that needs a value.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from fupin_desktop.store import changes


def bind_processor(session: Session, table: Table, column: str) -> Callable[[Any], Any] | None:
    """How the session's driver takes ``column``'s values (None: as they are), for :func:`insert_rows`
    with ``bound=True`` — a value repeated on many rows (a person's id on each of its grams) is then
    converted once."""
    dialect = session.connection().dialect
    processor: Callable[[Any], Any] | None = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def uuid_binder(session: Session, table: Table, column: str) -> Callable[[uuid.UUID], Any]:
    """How the driver takes a UUID of ``column``, as one cheap call: its hex text where that is what the
    column's processor makes (SQLite), the UUID itself where the driver takes it (PostgreSQL)."""
    processor = bind_processor(session, table, column)
    if processor is None:
        return _same
    sample = uuid.UUID(int=1)
    if processor(sample) == sample.hex:
        return _hex
    return processor


def _same(value: uuid.UUID) -> Any:
    return value


_hex: Callable[[uuid.UUID], Any] = operator.attrgetter("hex")


def driver_rows(session: Session, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of a plain query as the driver returns them — tuples, no type processing, no Row objects
    (a county's full package reads half a million rows). ``sql`` marks each parameter with ``?``; the
    parameters are given as the driver takes them (:func:`uuid_binder`)."""
    connection = session.connection()
    if connection.dialect.paramstyle != "qmark":
        sql = sql.replace("%", "%%").replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(parameters))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, bound: bool = False
) -> None:
    """Insert ``rows`` (values in the order of ``columns``) into ``table`` in the session's transaction;
    ``bound``: the values are already as the driver takes them (through :func:`bind_processor`)."""
    if not rows:
        return
    session.flush()  # anything added through the ORM first, as the ORM would order it
    changes.record_rows(session, table, columns, rows)  # the change log (a no-op for untracked tables)
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    if not compiled.positional or compiled.positiontup is None:  # a named-parameter driver
        if bound:
            connection.exec_driver_sql(str(compiled), [dict(zip(columns, row, strict=True)) for row in rows])
        else:
            session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    where = {name: index for index, name in enumerate(columns)}
    if sorted(compiled.positiontup) != sorted(columns):
        raise ValueError(f"{table.name}: columns {sorted(columns)} do not match {sorted(compiled.positiontup)}")
    order = [where[name] for name in compiled.positiontup]
    processors = [
        None if bound else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in compiled.positiontup
    ]
    if order == list(range(len(columns))) and all(processor is None for processor in processors):
        parameters: Sequence[Sequence[Any]] = rows
    else:
        by_column = list(zip(*rows, strict=True))  # column by column: a processor runs once per value
        values = [_processed(by_column[index], processor) for index, processor in zip(order, processors, strict=True)]
        parameters = list(zip(*values, strict=True))
    connection.exec_driver_sql(str(compiled), parameters)


def _processed(values: tuple[Any, ...], processor: Callable[[Any], Any] | None) -> Sequence[Any]:
    if processor is None:
        return values
    if values.count(values[0]) == len(values):  # the same time or operator on every row: convert it once
        return [processor(values[0])] * len(values)
    return [processor(value) for value in values]


def drop_indexes(session: Session, table: Table) -> list[str]:
    """On SQLite, drop ``table``'s own indexes (not those of its primary key or its unique constraints,
    which checks rely on) in the session's transaction, and return the statements that make them again
    (:func:`create_indexes`, in the same transaction). Many rows into an empty table, then each index
    built once by sorting, take some half the time of keeping every index up to date row by row: ten
    indexes of a person keyed by names, phones and random ids are ten random pages a row (a county's
    97,000 people: 2.6 s kept, 1.6 s built after). Until they are made again, queries on those columns
    scan the table: only for rows nothing reads while they go in. Elsewhere: nothing is dropped."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name != "sqlite" or raw is None:
        return []
    if not raw.in_transaction:  # DDL outside a transaction would stand alone, beyond the rollback
        raw.execute("BEGIN")
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table.name,),
    ).all()
    for name, _sql in found:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [str(sql) for _name, sql in found]


def create_indexes(session: Session, statements: Sequence[str]) -> None:
    """Make again the indexes :func:`drop_indexes` dropped."""
    connection = session.connection()
    for sql in statements:
        connection.exec_driver_sql(sql)
