"""Finding households and people: by name, pinyin initials, ID number, 扶贫卡编号 or phone.

Prefix matches are written as ranges (``col >= 'x' AND col < 'x\\uffff'``) so that they use the
indexes on SQLite and PostgreSQL alike; only a Chinese name fragment needs a scan.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from fupin_desktop.store.models import Household, Intention, Person, Region

# More matching people than this and a text search switches to a correlated EXISTS (see household_condition).
DENSE_MATCHES = 2000
OPEN_INTENTION_STATES = ("DRAFT", "REFERRED", "APPROVED", "IN_NOTICE", "NOTICE_PASSED", "RETURNED")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")


@dataclass(frozen=True)
class HouseholdFilter:
    text: str = ""
    region_id: uuid.UUID | None = None  # a county, township or village
    household_type: str | None = None
    status: str | None = None
    has_open_intentions: bool = False


def _prefix(column: ColumnElement[str] | object, text: str) -> ColumnElement[bool]:
    return and_(column >= text, column < text + "\uffff")  # type: ignore[operator]


def classify(text: str) -> tuple[str, str]:
    """('', ''), ('letters', 'zsf'), ('digits', '3701'), or ('name', '张三')."""
    cleaned = "".join(text.split()).translate(_FULL_WIDTH)
    if not cleaned:
        return "", ""
    if re.fullmatch(r"[A-Za-z]+", cleaned):
        return "letters", cleaned.lower()
    if re.fullmatch(r"[0-9]+[xX]?", cleaned):
        return "digits", cleaned.upper()
    return "name", cleaned


def person_condition(text: str) -> ColumnElement[bool] | None:
    kind, value = classify(text)
    if kind == "letters":
        return or_(_prefix(Person.name_initials, value), _prefix(Person.name_pinyin, value))
    if kind == "digits":
        return or_(_prefix(Person.id_number, value), _prefix(Person.phone, value))
    if kind == "name":
        return Person.name.contains(value, autoescape=True)
    return None


def household_condition(text: str, session: Session | None = None) -> ColumnElement[bool] | None:
    """A household matches when one of its members does, or its own numbers or phone do.

    With a session, the member match is planned for speed: a bounded probe finds the matching
    households; when they are few (a name, "zsf", most of an ID number) the list is matched by
    primary key, and when they are many (one letter, an area code) a correlated EXISTS lets the
    ordered, limited page stop after its first rows instead of collecting every match.
    """
    member = person_condition(text)
    if member is None:
        return None
    kind, value = classify(text)
    own: list[ColumnElement[bool]] = []
    if kind == "digits":
        own = [
            _prefix(Household.card_no, value),
            _prefix(Household.household_no, value),
            _prefix(Household.phone, value),
        ]
    members: ColumnElement[bool]
    if session is None:
        members = Household.id.in_(select(Person.household_id).where(member))
    else:
        found = _probe_members(session, text, member)
        if found is None:
            members = exists().where(Person.household_id == Household.id, member)
        else:
            members = Household.id.in_(found) if found else false()
    return or_(members, *own)


def _probe_members(session: Session, text: str, member: ColumnElement[bool]) -> list[uuid.UUID] | None:
    """The households of the first matching people, or None when there are more than a few pages.

    Cached in the session, so that the count and the first page of one refresh probe once.
    """
    cache: dict[str, list[uuid.UUID] | None] = session.info.setdefault("household_probe", {})
    if text not in cache:
        ids = session.scalars(select(Person.household_id).where(member).limit(DENSE_MATCHES + 1)).all()
        cache[text] = None if len(ids) > DENSE_MATCHES else sorted(set(ids))
    return cache[text]


def village_ids_under(session: Session, region_id: uuid.UUID) -> list[uuid.UUID]:
    """The villages of a county, township or village (regions are few: one query, done in Python)."""
    rows = session.execute(select(Region.id, Region.parent_id, Region.level)).all()
    children: dict[uuid.UUID | None, list[tuple[uuid.UUID, str]]] = {}
    for rid, parent, level in rows:
        children.setdefault(parent, []).append((rid, level))
    level_of = {rid: level for rid, _parent, level in rows}
    if level_of.get(region_id) == "village":
        return [region_id]
    found: list[uuid.UUID] = []
    stack = [region_id]
    while stack:
        for child, level in children.get(stack.pop(), []):
            if level == "village":
                found.append(child)
            else:
                stack.append(child)
    return found


def household_query(session: Session, flt: HouseholdFilter) -> Select[tuple[object, ...]]:
    """Rows for the household list: village name joined, ordered by household number."""
    query = select(
        Household.id,
        Household.household_no,
        Household.head_name,
        Household.member_count,
        Region.name.label("village"),
        Household.village_group,
        Household.household_type,
        Household.status,
        Household.card_no,
        Household.phone,
        Household.address,
    ).join(Region, Household.village_id == Region.id)
    return query.where(*_household_filters(session, flt)).order_by(Household.household_no, Household.id)


def _household_filters(session: Session, flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.region_id is not None:
        villages = village_ids_under(session, flt.region_id)
        every_village = session.scalar(select(func.count()).select_from(Region).where(Region.level == "village"))
        if len(villages) != every_village:  # the whole county needs no condition (which would slow the plan)
            conditions.append(Household.village_id.in_(villages) if villages else false())
    if flt.household_type:
        conditions.append(Household.household_type == flt.household_type)
    if flt.status:
        conditions.append(Household.status == flt.status)
    if flt.has_open_intentions:
        conditions.append(
            exists()
            .where(Intention.person_id == Person.id, Intention.state.in_(OPEN_INTENTION_STATES))
            .where(Person.household_id == Household.id)
        )
    text_condition = household_condition(flt.text, session)
    if text_condition is not None:
        conditions.append(text_condition)
    return conditions


def count_households(session: Session, flt: HouseholdFilter, cap: int | None = None) -> int:
    """How many households match; with ``cap``, counting stops there (min(count, cap) is returned),
    which keeps a one-letter search across a county instant."""
    if cap is not None and classify(flt.text)[0] in ("letters", "name"):
        # Driven by the person indexes: stops at the cap'th distinct household instead of testing
        # households one by one (a one-letter search across a county: 2 ms instead of 30 ms).
        matching = select(Person.household_id).where(person_condition(flt.text))
        others = _household_filters(session, replace(flt, text=""))
        if others:
            matching = matching.join(Household, Person.household_id == Household.id).where(*others)
        limited = matching.distinct().limit(cap).subquery()
        return int(session.scalar(select(func.count()).select_from(limited)) or 0)
    conditions = _household_filters(session, flt)
    if cap is None:
        query = select(func.count()).select_from(Household).where(*conditions)
    else:
        limited = select(Household.id).where(*conditions).limit(cap).subquery()
        query = select(func.count()).select_from(limited)
    return int(session.scalar(query) or 0)


def fetch_households(session: Session, flt: HouseholdFilter, offset: int, limit: int) -> list[tuple[object, ...]]:
    return [tuple(row) for row in session.execute(household_query(session, flt).offset(offset).limit(limit))]


def search_people(
    session: Session, text: str, region_id: uuid.UUID | None = None, limit: int = 50
) -> list[tuple[object, ...]]:
    """People matching the text: (person id, name, sex, id number, household id, household no, village)."""
    condition = person_condition(text)
    if condition is None:
        return []
    query = (
        select(
            Person.id,
            Person.name,
            Person.sex,
            Person.id_number,
            Person.household_id,
            Household.household_no,
            Region.name,
        )
        .join(Household, Person.household_id == Household.id)
        .join(Region, Household.village_id == Region.id)
        .where(condition)
    )
    if region_id is not None:
        query = query.where(Household.village_id.in_(village_ids_under(session, region_id)))
    # The stored pinyin key first (never the server's collation: ICU and pypinyin read some surnames
    # differently), then keys that settle ties the same way on every engine.
    order = (Person.name_pinyin, Person.name, Person.id_number, Person.id)
    return [tuple(row) for row in session.execute(query.order_by(*order).limit(limit))]
