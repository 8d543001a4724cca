"""Queries behind the 意愿 page: the filtered list (fetched a page at a time) and one history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.workflow import STATE_LABELS, State
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.joins import with_people
from fupin_desktop.services.scope import visible_region
from fupin_desktop.services.search import person_condition, village_ids_under
from fupin_desktop.store.models import Household, Intention, IntentionTransition, Person, Region


@dataclass(frozen=True)
class IntentionFilter:
    region_id: uuid.UUID | None = None  # a county, township or village
    kind: str | None = None
    state: str | None = None
    text: str = ""  # name, pinyin initials, ID number or phone
    viewer: Who | None = None  # who reads: a 村级录入员 sees only their own village


@dataclass(frozen=True)
class IntentionRow:
    id: uuid.UUID
    person_id: uuid.UUID
    name: str
    sex: str | None
    birth_date: date | None
    village: str
    village_group: str | None
    kind: str
    occupation: str | None
    major: str | None
    school: str | None
    training_type: str | None
    referral_source: str | None
    state: str
    state_changed_at: datetime


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    from_label: str
    to_label: str
    operator: str
    reason: str


def _conditions(session: Session, flt: IntentionFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    region_id = visible_region(session, flt.viewer, flt.region_id)
    if region_id is not None:
        villages = village_ids_under(session, region_id)
        conditions.append(Household.village_id.in_(villages) if villages else false())
    if flt.kind:
        conditions.append(Intention.kind == flt.kind)
    if flt.state:
        conditions.append(Intention.state == flt.state)
    text = person_condition(flt.text)
    if text is not None:
        conditions.append(text)
    return conditions


def _query(session: Session, flt: IntentionFilter) -> Select[*tuple[Any, ...]]:
    return (
        with_people(
            select(
                Intention.id,
                Person.id,
                Person.name,
                Person.sex,
                Person.birth_date,
                Region.name,
                Household.village_group,
                Intention.kind,
                Intention.occupation,
                Intention.major,
                Intention.school,
                Intention.training_type,
                Intention.referral_source,
                Intention.state,
                Intention.state_changed_at,
            ),
            village=Region,
        )
        .where(*_conditions(session, flt))
        .order_by(Region.code, Household.household_no, Person.sort_order, Intention.created_at)
    )


def count_intentions(session: Session, flt: IntentionFilter) -> int:
    query = with_people(select(func.count()).select_from(Intention)).where(*_conditions(session, flt))
    return int(session.scalar(query) or 0)


def fetch_intentions(session: Session, flt: IntentionFilter, offset: int, limit: int) -> list[IntentionRow]:
    return [IntentionRow(*row) for row in session.execute(_query(session, flt).offset(offset).limit(limit))]


def intention_history(session: Session, intention_id: uuid.UUID) -> list[HistoryRow]:
    """Every step of one intention, oldest first: when, from, to, who (an account by its display name), why."""
    from fupin_desktop.services.audit import shown_names

    shown = shown_names(session)
    rows = session.execute(
        select(
            IntentionTransition.at,
            IntentionTransition.from_state,
            IntentionTransition.to_state,
            IntentionTransition.operator,
            IntentionTransition.reason,
        )
        .where(IntentionTransition.intention_id == intention_id)
        .order_by(IntentionTransition.at)
    )
    return [
        HistoryRow(
            at,
            STATE_LABELS[State(source)] if source else "（新建）",
            STATE_LABELS[State(target)],
            shown.get(operator, operator),
            reason or "",
        )
        for at, source, target, operator, reason in rows
    ]
