"""The unit of work: one use case, one transaction, rolled back unless ``commit()`` is called.

Its audit entries are gathered as it goes and chained onto the audit trail (``store/chain.py``) in
one batch just before the commit, or earlier when a use case asks for the chain head. Every change to
an exchanged record is recorded in the change log (``store/changes.py``) the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import event
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import utc_now
from fupin_desktop.store import chain, changes
from fupin_desktop.store.db import Database
from fupin_desktop.store.locks import COMMIT_WAIT, patient


class UnitOfWork:
    """A session bound to the operator whose changes it records in the audit table."""

    def __init__(self, database: Database, operator: str) -> None:
        self._database = database
        self.operator = operator
        self._session: Session | None = None
        self._committed = False
        self._pending: list[chain.PendingEntry] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its with-block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._database.session_factory()
        changes.start(self._session)
        event.listen(self._session, "after_flush", changes.record_flush)
        self._committed = False
        self._pending = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self._committed:
                session.rollback()
        finally:
            session.close()
            self._session = None
            self._pending = []

    def commit(self) -> None:
        session = self.session
        session.flush()
        # The chain head before the change counter, always (store/locks.py): two clients committing at
        # once then wait for each other in a line, never in a circle.
        # Both are held only by commits: wait for one ahead (a county seal's) rather than refuse the save.
        with patient(session, COMMIT_WAIT):
            if self._pending or session.info.get(changes.PENDING):
                self.chain_head()
            changes.write_pending(session, self.operator)
        session.commit()
        self._committed = True

    def chain_head(self) -> str:
        """Chain the audit entries recorded so far and return the head hash (in this transaction)."""
        pending, self._pending = self._pending, []
        return chain.append(self.session, pending)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the unit of work undone alone when the block raises (a SAVEPOINT); the rest stands
        until the unit of work commits or rolls back. Audit entries recorded inside are dropped with it."""
        session = self.session
        _begin_transaction(session)
        if self._pending:  # entries from before the savepoint belong to the unit of work, not to it
            self.chain_head()
        recorded = changes.pending(session)
        kept = len(recorded)
        try:
            with session.begin_nested():
                yield
        except BaseException:
            self._pending = []
            del recorded[kept:]  # the changes made inside are undone with it
            raise

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: uuid.UUID,
        field: str | None = None,
        old: object = None,
        new: object = None,
    ) -> None:
        """Record who changed what; values are stored as display text."""
        self._pending.append(
            (uuid.uuid4(), utc_now(), self.operator, action, entity, entity_id, field, _text(old), _text(new))
        )

    def audit_many(self, entries: Iterable[tuple[str, str, uuid.UUID, str | None, object, object]]) -> None:
        """Record many changes at once (a bulk import): (action, entity, id, field, old, new) each,
        chained and written straight away in one executemany, with the same columns as :meth:`audit`."""
        now = utc_now()
        operator = self.operator
        uuid4 = uuid.uuid4
        self._pending.extend(
            (uuid4(), now, operator, action, entity, entity_id, field, _text(old), _text(new))
            for action, entity, entity_id, field, old, new in entries
        )
        self.chain_head()

    def audit_entries(self, entries: Iterable[chain.PendingEntry]) -> None:
        """Record entries that carry their own time and account (a workflow step's), chained at the commit."""
        self._pending.extend(entries)


def _begin_transaction(session: Session) -> None:
    """Make sure the driver's transaction has begun before a SAVEPOINT: Python's sqlite3 begins one only
    at the first INSERT/UPDATE/DELETE, so a SAVEPOINT issued first would start — and its RELEASE end — a
    transaction of its own, outside the unit of work's rollback."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:  # sqlite3 or sqlcipher3
        raw.execute("BEGIN")


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
