"""Finding households and people: by name, pinyin initials, any part of the ID number, 扶贫卡编号 or phone.

Prefix matches are written as ranges (``col >= 'x' AND col < 'x\\uffff'``) so that they use the
indexes on SQLite and PostgreSQL alike; a run of 4 or more digits from anywhere in an ID number
(a birth date, the last 4 or 6 digits) goes through the 4-gram table (store/id_grams.py); only a
Chinese name fragment needs a scan.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, intersect, or_, select, union
from sqlalchemy.orm import QueryableAttribute, Session

from fupin_desktop.services.accounts import Who
from fupin_desktop.services.joins import with_households
from fupin_desktop.services.scope import visible_region
from fupin_desktop.store.id_grams import GRAM, covering_grams
from fupin_desktop.store.models import Household, Intention, Person, PersonIdGram, Region
from fupin_desktop.store.postgres import among

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
    viewer: Who | None = None  # who reads: a 村级录入员 sees only their own village (services/scope.py)


def _prefix(column: QueryableAttribute[str] | QueryableAttribute[str | None], text: str) -> ColumnElement[bool]:
    return and_(column >= text, column < text + "\uffff")


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


def person_condition(text: str, session: Session | None = None) -> ColumnElement[bool] | None:
    """People matching the text. Digits match the start of a phone number, and any part of an ID
    number from 4 digits on; with a session, that part is looked up in the gram index."""
    kind, value = classify(text)
    if kind == "letters":
        return or_(_prefix(Person.name_initials, value), _prefix(Person.name_pinyin, value))
    if kind == "digits":
        if len(value) < GRAM:
            return or_(_prefix(Person.id_number, value), _prefix(Person.phone, value))
        # The fragment condition covers a match at the start of the number too.
        phone = _prefix(Person.phone, value)
        fragment = _id_fragment(session, value)
        if isinstance(fragment, Select):
            # Two index lookups united, never an OR of them: with an OR, PostgreSQL reads every person.
            return Person.id.in_(union(select(Person.id).where(phone), fragment))
        return or_(phone, fragment)
    if kind == "name":
        return Person.name.contains(value, autoescape=True)
    return None


def _id_fragment(session: Session | None, value: str) -> ColumnElement[bool] | Select[Any]:
    """ID numbers holding ``value`` anywhere: the ids of the candidates from the sparsest grams that
    cover it (at most DENSE_MATCHES people each), checked against the number. When every gram is
    common (an area code: the whole county) a condition on the number is used instead, which a
    limited or correlated query satisfies after its first rows."""
    contains = Person.id_number.contains(value, autoescape=True)
    if session is None:
        return contains
    cache: dict[str, int] = session.info.setdefault("gram_sizes", {})
    sizes: dict[str, int] = {}
    for gram in covering_grams(value):
        if gram not in cache:
            bounded = select(PersonIdGram.person_id).where(PersonIdGram.gram == gram).limit(DENSE_MATCHES + 1)
            cache[gram] = int(session.scalar(select(func.count()).select_from(bounded.subquery())) or 0)
        sizes[gram] = cache[gram]
    sparse = sorted((gram for gram, size in sizes.items() if size <= DENSE_MATCHES), key=sizes.__getitem__)
    if not sparse:
        # Every gram is common: the start of the number through its index, the rest by the check.
        return or_(_prefix(Person.id_number, value), contains)
    lists = [select(PersonIdGram.person_id).where(PersonIdGram.gram == gram) for gram in sparse[:3]]
    candidates = lists[0] if len(lists) == 1 else intersect(*lists)
    return select(Person.id).where(Person.id.in_(candidates), contains)


def household_condition(text: str, session: Session | None = None) -> ColumnElement[bool] | None:
    """A household matches when one of its members does, or its own numbers or phone do.

    With a session, the member match is planned for speed: a bounded probe finds the matching
    households; when they are few (a name, "zsf", most of an ID number) the list is matched by
    primary key, and when they are many (one letter, an area code) a correlated EXISTS lets the
    ordered, limited page stop after its first rows instead of collecting every match.
    """
    member = person_condition(text, session)
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
            members = among(session, Household.id, found) if found else false()
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


def household_query(session: Session, flt: HouseholdFilter) -> Select[*tuple[Any, ...]]:
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


def household_conditions(session: Session, flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the household list for ``flt`` (a roster export uses the same)."""
    return _household_filters(session, flt)


def _household_filters(session: Session, flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    region_id = visible_region(session, flt.viewer, flt.region_id)
    if region_id is not None:
        villages = village_ids_under(session, region_id)
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
        person_match = person_condition(flt.text, session)
        assert person_match is not None  # letters and names always make one
        matching = select(Person.household_id).where(person_match)
        others = _household_filters(session, replace(flt, text=""))
        if others:
            matching = with_households(matching).where(*others)
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
    query = with_households(
        select(
            Person.id,
            Person.name,
            Person.sex,
            Person.id_number,
            Person.household_id,
            Household.household_no,
            Region.name,
        ),
        village=Region,
    ).where(condition)
    if region_id is not None:
        query = query.where(Household.village_id.in_(village_ids_under(session, region_id)))
    # The stored pinyin key first (never the server's collation: ICU and pypinyin read some surnames
    # differently), then keys that settle ties the same way on every engine.
    order = (Person.name_pinyin, Person.name, Person.id_number, Person.id)
    return [tuple(row) for row in session.execute(query.order_by(*order).limit(limit))]


@dataclass(frozen=True)
class PersonMatch:
    """A person found by a search, where they live, and what of theirs matched."""

    person_id: uuid.UUID
    name: str
    sex: str | None
    id_number: str | None
    household_no: str
    village: str
    township: str
    matched: str  # e.g. "身份证号第7–14位（出生日期）"


def describe_match(text: str, name: str, id_number: str | None, phone: str | None, card_no: str | None) -> str:
    """Which field of a found person the text matched, in words a clerk reads at a glance."""
    kind, value = classify(text)
    if kind == "name":
        return "姓名"
    if kind == "letters":
        return "姓名拼音"
    if kind != "digits":
        return ""
    number = id_number or ""
    at = number.find(value) if len(value) >= GRAM else (0 if number.startswith(value) else -1)
    if at >= 0:
        end = at + len(value)
        if (at, end) == (6, 14):
            return "身份证号第7–14位（出生日期）"
        if end == len(number) and at > 0:
            return f"身份证号后{len(value)}位"
        return f"身份证号第{at + 1}–{end}位"
    if phone and phone.startswith(value):
        return "联系电话"
    if card_no and card_no.startswith(value):
        return "户的扶贫卡编号"
    return "户编号或户联系电话"


def matched_members(session: Session, household_ids: list[uuid.UUID], text: str) -> dict[uuid.UUID, str]:
    """For each listed household, the members the text matched: "张三丰（身份证号后4位）"."""
    condition = person_condition(text, session)
    if condition is None or not household_ids:
        return {}
    rows = session.execute(
        select(Person.household_id, Person.name, Person.id_number, Person.phone)
        .where(Person.household_id.in_(household_ids), condition)
        .order_by(Person.household_id, Person.sort_order)
    ).all()
    found: dict[uuid.UUID, list[str]] = {}
    for household_id, name, number, phone in rows:
        found.setdefault(household_id, []).append(f"{name}（{describe_match(text, name, number, phone, None)}）")
    return {household_id: "、".join(names) for household_id, names in found.items()}


def find_people(session: Session, text: str, limit: int = 200, viewer: Who | None = None) -> list[PersonMatch]:
    """People matching the text (name, pinyin initials, any part of the ID, phone, the household's
    扶贫卡编号), with their household, village and township and what matched; a 村级录入员 ``viewer``
    finds only the people of their own village."""
    condition = person_condition(text, session)
    if condition is None:
        return []
    own = visible_region(session, viewer, None)
    kind, value = classify(text)
    if kind == "digits":
        condition = or_(condition, _prefix(Household.card_no, value))
    township = Region.__table__.alias("township")
    query = (
        with_households(
            select(
                Person.id,
                Person.name,
                Person.sex,
                Person.id_number,
                Person.phone,
                Household.card_no,
                Household.household_no,
                Region.name,
                township.c.name,
            ),
            village=Region,
        )
        .outerjoin(township, Region.parent_id == township.c.id)
        .where(condition, *([Household.village_id == own] if own is not None else []))
        .order_by(Household.household_no, Person.sort_order)
        .limit(limit)
    )
    return [
        PersonMatch(
            pid,
            name,
            sex,
            number,
            household_no,
            village,
            township_name or "",
            describe_match(text, name, number, phone, card_no),
        )
        for pid, name, sex, number, phone, card_no, household_no, village, township_name in session.execute(query)
    ]
