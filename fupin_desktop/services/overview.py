"""Record counts for the status bar and the command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.workflow import STATE_LABELS, State
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.scope import visible_region
from fupin_desktop.store.models import (
    AuditEntry,
    Household,
    Intention,
    IntentionTransition,
    Person,
    Region,
    Site,
    Submission,
    Visit,
)


@dataclass(frozen=True)
class RecordCounts:
    households: int
    people: int
    visits: int
    intentions: int


def count_records(session: Session, viewer: Who | None = None) -> RecordCounts:
    """Every record, or for a 村级录入员 ``viewer`` those of their own village."""
    village = visible_region(session, viewer, None)
    if village is None:

        def count(model: type) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        return RecordCounts(count(Household), count(Person), count(Visit), count(Intention))
    own = select(Household.id).where(Household.village_id == village).scalar_subquery()
    people = select(Person.id).where(Person.household_id.in_(own)).scalar_subquery()

    def count_where(model: type, condition: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)

    return RecordCounts(
        count_where(Household, Household.village_id == village),
        count_where(Person, Person.household_id.in_(own)),
        count_where(Visit, Visit.household_id.in_(own)),
        count_where(Intention, Intention.person_id.in_(people)),
    )


@dataclass(frozen=True)
class DatabaseInfo:
    """What ``info`` reports: the counts, the schema revision, this site and whether the file is encrypted."""

    regions: int
    households: int
    people: int
    visits: int
    intentions_by_state: dict[str, int]  # Chinese state label → count, in workflow order
    transitions: int
    submissions: int
    audit_entries: int
    revision: str | None
    site: str | None
    encrypted: bool


def is_encrypted_session(session: Session) -> bool:
    """A SQLCipher file: the program connects through sqlcipher3 only with a data key (store/db.py)."""
    dbapi = session.get_bind().dialect.dbapi
    return getattr(dbapi, "__name__", "").startswith("sqlcipher3")


def database_info(session: Session) -> DatabaseInfo:
    from alembic.runtime.migration import MigrationContext

    def count(model: type) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    rows = session.execute(select(Intention.state, func.count()).group_by(Intention.state)).all()
    by_state: dict[str, int] = {state: int(number) for state, number in rows}
    states = {STATE_LABELS[state]: int(by_state.get(state.value, 0)) for state in State}
    revision = MigrationContext.configure(session.connection()).get_current_revision()
    site = session.scalar(select(Site.name).where(Site.own.is_(True)))
    records = count_records(session)
    return DatabaseInfo(
        count(Region),
        records.households,
        records.people,
        records.visits,
        states,
        count(IntentionTransition),
        count(Submission),
        count(AuditEntry),
        revision,
        site,
        encrypted=is_encrypted_session(session),
    )
