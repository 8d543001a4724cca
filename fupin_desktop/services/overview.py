"""Record counts for the status bar and the command line."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_desktop.store.models import Household, Intention, Person, Visit


@dataclass(frozen=True)
class RecordCounts:
    households: int
    people: int
    visits: int
    intentions: int


def count_records(session: Session) -> RecordCounts:
    def count(model: type) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return RecordCounts(count(Household), count(Person), count(Visit), count(Intention))
