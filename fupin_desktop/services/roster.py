"""What the roster page and its forms read: one household as a form, its members, its visit history.

The write side is services/households.py and services/visits.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.validation import HouseholdFacts, PersonFacts
from fupin_desktop.services.audit import field_label
from fupin_desktop.services.errors import NotFound
from fupin_desktop.services.households import household_facts, person_facts
from fupin_desktop.services.search import HouseholdFilter, count_households, fetch_households, matched_members
from fupin_desktop.services.visits import INTENTION_CHANGE
from fupin_desktop.store.models import Household, Person, Region, Visit, VisitChange


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as its form shows it: the facts, the ids of its members in roster order, the village."""

    id: uuid.UUID
    village_id: uuid.UUID
    village_name: str
    facts: HouseholdFacts
    member_ids: list[uuid.UUID]
    locked_member_ids: frozenset[uuid.UUID]


@dataclass(frozen=True)
class MemberRow:
    id: uuid.UUID
    index: int  # position in the household (member_index of validation problems)
    facts: PersonFacts
    locked: bool


@dataclass(frozen=True)
class VisitRow:
    id: uuid.UUID
    visit_date: date
    visitors: str
    method: str
    notes: str
    changes: list[str]  # "李秀英 务工状况：未务工 → 省外务工"


def load_household(session: Session, household_id: uuid.UUID) -> HouseholdRecord:
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("该户已不存在（可能已在其他窗口删除），请刷新列表。")
    village = session.get(Region, household.village_id)
    return HouseholdRecord(
        id=household.id,
        village_id=household.village_id,
        village_name=village.name if village else "",
        facts=household_facts(household),
        member_ids=[m.id for m in household.members],
        locked_member_ids=frozenset(m.id for m in household.members if m.locked),
    )


def household_members(session: Session, household_id: uuid.UUID) -> list[MemberRow]:
    people = session.scalars(
        select(Person).where(Person.household_id == household_id).order_by(Person.sort_order, Person.id)
    )
    return [MemberRow(p.id, index, person_facts(p), p.locked) for index, p in enumerate(people)]


def visit_history(session: Session, household_id: uuid.UUID) -> list[VisitRow]:
    """The household's visits, newest first, each with what it changed on which member."""
    visits = session.scalars(
        select(Visit).where(Visit.household_id == household_id).order_by(Visit.visit_date.desc(), Visit.created_at)
    )
    return [
        VisitRow(
            id=v.id,
            visit_date=v.visit_date,
            visitors=v.visitors,
            method=v.method,
            notes=v.notes or "",
            changes=[_change_text(c) for c in v.changes],
        )
        for v in visits
    ]


def _change_text(change: VisitChange) -> str:
    if change.field == INTENTION_CHANGE:
        return f"{change.person_name} 登记意愿：{change.new_value or ''}"
    return f"{change.person_name} {field_label(change.field)}：{change.old_value or '空'} → {change.new_value or '空'}"


def next_household_no(session: Session, village_id: uuid.UUID) -> str:
    """A suggestion for a new household's number: the village code and the next 4-digit sequence."""
    village = session.get(Region, village_id)
    prefix = village.code if village is not None and village.code else ""
    numbers = session.scalars(
        select(Household.household_no).where(
            Household.village_id == village_id, Household.household_no.like(f"{prefix}%")
        )
    ).all()
    tails = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit() and len(n) - len(prefix) <= 6]
    return f"{prefix}{max(tails, default=0) + 1:04d}"


def village_name_of(session: Session, region_id: uuid.UUID) -> str:
    region = session.get(Region, region_id)
    return region.name if region is not None else ""


@dataclass(frozen=True)
class HouseholdFormStart:
    """What the 农户 form opens with: the saved household (or None for a new one), the village's name
    and, for a new one, the suggested household number."""

    record: HouseholdRecord | None
    village_name: str
    suggested_no: str


def household_form_start(
    session: Session, *, household_id: uuid.UUID | None, village_id: uuid.UUID | None
) -> HouseholdFormStart:
    if household_id is not None:
        record = load_household(session, household_id)
        return HouseholdFormStart(record, record.village_name, "")
    if village_id is None:
        raise NotFound("请先在左侧选择一个村，再登记农户。")
    return HouseholdFormStart(None, village_name_of(session, village_id), next_household_no(session, village_id))


@dataclass(frozen=True)
class HouseholdPanel:
    """The roster page's lower half for one household: title, members, visits, 有就业劳动力."""

    record: HouseholdRecord
    members: list[MemberRow]
    visits: list[VisitRow]
    employed: bool

    @property
    def head_name(self) -> str:
        return next((m.facts.name or "" for m in self.members if m.facts.relation == "户主"), "")


def household_panel(session: Session, household_id: uuid.UUID, on: date) -> HouseholdPanel | None:
    """None when the household no longer exists (deleted in another window, say)."""
    from fupin_desktop.services.followup import households_with_employed_member

    try:
        record = load_household(session, household_id)
    except NotFound:
        return None
    members = household_members(session, household_id)
    visits = visit_history(session, household_id)
    employed = household_id in households_with_employed_member(session, [household_id], on)
    return HouseholdPanel(record, members, visits, employed)


def village_of_household(session: Session, household_id: uuid.UUID) -> uuid.UUID:
    return load_household(session, household_id).village_id


@dataclass(frozen=True)
class HouseholdPage:
    """One page of the household list: its rows, which of them have an employed member, and (for the
    first page) how many households match in all, counting at most up to the cap."""

    rows: list[tuple[object, ...]]
    employed: set[uuid.UUID]
    total: int
    matched: dict[uuid.UUID, str]  # for a search: which members matched, "张三（身份证号后4位）"


def household_page(
    session: Session, flt: HouseholdFilter, offset: int, limit: int, *, on: date, count_cap: int | None = None
) -> HouseholdPage:
    """``total`` is counted for the first page only (later pages report ``offset + len(rows)``)."""
    from fupin_desktop.services.followup import households_with_employed_member

    rows = fetch_households(session, flt, offset, limit)
    # A short page is the whole answer: no count needed.
    counted = offset == 0 and len(rows) == limit
    total = count_households(session, flt, count_cap) if counted else offset + len(rows)
    ids = [r[0] for r in rows if isinstance(r[0], uuid.UUID)]
    matched = matched_members(session, ids, flt.text) if flt.text.strip() else {}
    return HouseholdPage(rows, households_with_employed_member(session, ids, on), total, matched)
