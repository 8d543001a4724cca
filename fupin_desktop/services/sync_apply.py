"""The record writes shared by a package's import and a person's decision on what it could not apply.

Both write with Core statements (so the change log's flush hook records nothing twice): a decision
logs itself once as ``decide`` or ``merge`` (``changes.record_decision``), and every site that
receives it makes the same writes here. Also where a record lies (its village) and which villages a
site's area holds, for the ownership rules (domain/ownership.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from fupin_desktop.domain import ownership
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.pinyin import search_keys
from fupin_desktop.services.households import HEAD, first_head
from fupin_desktop.store import changes
from fupin_desktop.store.id_grams import index_people
from fupin_desktop.store.models import ChangeEntry, Household, Intention, Person, PersonIdGram, Region, SyncIssue, Visit

DECIDE, MERGE = "decide", "merge"


def row_of(session: Session, table: Table, entity_id: uuid.UUID) -> dict[str, Any] | None:
    found = session.execute(select(table).where(table.c.id == entity_id)).mappings().first()
    return dict(found) if found is not None else None


def _reindex(session: Session, table: Table, entity_id: uuid.UUID, values: dict[str, Any]) -> None:
    if table.name == "person":
        session.execute(delete(PersonIdGram.__table__).where(PersonIdGram.person_id == entity_id))
        index_people(session, [(entity_id, values.get("id_number"))])


def upsert(session: Session, table: Table, values: dict[str, Any]) -> None:
    """The record exactly as ``values`` (every column): inserted when absent, else overwritten."""
    entity_id = values["id"]
    if row_of(session, table, entity_id) is None:
        session.execute(insert(table).values(**values))
    else:
        session.execute(update(table).where(table.c.id == entity_id).values(**values))
    _reindex(session, table, entity_id, values)


def set_field(session: Session, table: Table, entity_id: uuid.UUID, name: str, value: object, account: str) -> None:
    values: dict[str, object] = {name: value}
    if "updated_at" in table.c:
        values |= {"updated_at": utc_now(), "updated_by": account[:40]}
    session.execute(update(table).where(table.c.id == entity_id).values(**values))
    if table.name == "person" and name == "id_number":
        _reindex(session, table, entity_id, {"id_number": value})


def remove(session: Session, table: Table, entity_id: uuid.UUID) -> None:
    if table.name == "person":
        session.execute(delete(PersonIdGram.__table__).where(PersonIdGram.person_id == entity_id))
    session.execute(delete(table).where(table.c.id == entity_id))


def merge_into(session: Session, table: Table, gone_id: uuid.UUID, into: dict[str, Any]) -> None:
    """合并为同一人: ``gone_id``'s records now refer to the kept one (``into``, every column), and it goes."""
    if row_of(session, table, gone_id) is not None:  # its unique values (身份证号, 区划代码) pass to the kept one
        unique = {column.key: None for column in table.columns if column.unique and column.nullable}
        if unique:
            session.execute(update(table).where(table.c.id == gone_id).values(**unique))
    upsert(session, table, into)
    for other in changes.TRACKED.values():
        for column in other.columns:
            if any(key.column is table.c.id for key in column.foreign_keys):
                session.execute(update(other).where(column == gone_id).values({column.key: into["id"]}))
    if row_of(session, table, gone_id) is not None:
        remove(session, table, gone_id)


def close_issues(
    session: Session,
    entity_ids: Iterable[uuid.UUID],
    field: str | None,
    resolution: str,
    *,
    theirs: str | object | None = ...,
) -> int:
    """Mark as decided the open issues about these records (one field of them, or all when None); with
    ``theirs``, only those asking the same question (the same value proposed): another edit of the same
    field is a question of its own."""
    ids = list(entity_ids)
    where = [SyncIssue.resolved_at.is_(None), or_(SyncIssue.entity_id.in_(ids), SyncIssue.other_id.in_(ids))]
    if field is not None:
        where.append(or_(SyncIssue.field == field, SyncIssue.field.is_(None)))
    if theirs is not ...:
        where.append(SyncIssue.theirs.is_(None) if theirs is None else SyncIssue.theirs == theirs)
    found = list(session.scalars(select(SyncIssue).where(*where)))
    now = utc_now()
    for issue in found:
        issue.resolved_at = now
        issue.resolution = resolution[:200]
    return len(found)


def tombstone(session: Session, table: Table, entity_id: uuid.UUID) -> dict[str, Any] | None:
    """The record as it was when it was deleted here (the newest tombstone in the change log)."""
    entry = ChangeEntry.__table__
    text = session.scalar(
        select(entry.c.before)
        .where(entry.c.entity == table.name, entry.c.entity_id == entity_id, entry.c.action == "delete")
        .order_by(entry.c.at.desc())
        .limit(1)
    )
    return changes.decode_row(table, text) if text else None


def refresh_summaries(session: Session, household_ids: Iterable[uuid.UUID]) -> int:
    """Derive again, for many households at once, what lists show without a join (``refresh_household_summary``:
    the head's name and pinyin, the member count, the members' order); only what differs is written."""
    wanted = sorted(set(household_ids))
    if len(wanted) > _MANY:  # a full package: most households are new and came with their summary right
        wanted = sorted(set(wanted) & _summaries_off(session))
    written = 0
    person, household = Person.__table__, Household.__table__
    for start_at in range(0, len(wanted), 500):
        chunk = wanted[start_at : start_at + 500]
        members: dict[uuid.UUID, list[Any]] = {hid: [] for hid in chunk}
        for row in session.execute(
            select(person.c.id, person.c.household_id, person.c.relation, person.c.sort_order, person.c.name).where(
                person.c.household_id.in_(chunk)
            )
        ):
            members[row.household_id].append(row)
        now = {
            row.id: row
            for row in session.execute(
                select(household.c.id, household.c.head_name, household.c.head_pinyin, household.c.member_count).where(
                    household.c.id.in_(chunk)
                )
            )
        }
        for hid, rows in members.items():
            current = now.get(hid)
            if current is None:
                continue
            head = first_head(rows)
            name = head.name if head else None
            if name is not None and name == current.head_name and current.head_pinyin is not None:
                pinyin = current.head_pinyin  # derived from the same name: no need to derive it again
            else:
                pinyin = search_keys(name)[0] if name is not None else None
            summary = {"head_name": name, "head_pinyin": pinyin, "member_count": len(rows)}
            if any(getattr(current, key) != value for key, value in summary.items()):
                session.execute(update(household).where(household.c.id == hid).values(**summary))
                written += 1
            ordered = sorted(rows, key=lambda m: (m.relation != HEAD, m.sort_order))  # as refresh_household_summary
            for order, member in enumerate(ordered):
                if member.sort_order != order:
                    session.execute(update(person).where(person.c.id == member.id).values(sort_order=order))
    return written


_MANY = 1000


def _summaries_off(session: Session) -> set[uuid.UUID]:
    """The households whose summary or members' order is not what ``refresh_summaries`` would make of
    their members, found by two queries over the whole tables (faster than reading a county's members
    by the 500). A household not found here would be written as it is: no need to read it."""
    person, household = Person.__table__, Household.__table__
    heading = case((person.c.relation == HEAD, 1), else_=0)
    members = (
        select(
            person.c.household_id,
            func.count().label("count"),
            func.sum(heading).label("heads"),
            func.max(case((person.c.relation == HEAD, person.c.name))).label("head"),
        )
        .group_by(person.c.household_id)
        .subquery()
    )
    summary_off = (
        select(household.c.id)
        .outerjoin(members, members.c.household_id == household.c.id)
        .where(
            or_(
                household.c.member_count.is_distinct_from(func.coalesce(members.c.count, 0)),
                func.coalesce(members.c.heads, 0) > 1,  # which head: as the members are read, one by one
                household.c.head_name.is_distinct_from(members.c.head),
                and_(members.c.head.is_(None), household.c.head_pinyin.is_not(None)),
                and_(members.c.head.is_not(None), household.c.head_pinyin.is_(None)),
            )
        )
    )
    ranked = select(
        person.c.household_id,
        person.c.sort_order,
        func.row_number()
        .over(partition_by=person.c.household_id, order_by=(1 - heading, person.c.sort_order))
        .label("place"),
    ).subquery()
    order_off = select(ranked.c.household_id).where(ranked.c.sort_order.is_distinct_from(ranked.c.place - 1))
    return set(session.scalars(summary_off)) | set(session.scalars(order_off.distinct()))


# --- where a record lies, and who owns it ---------------------------------------------------------------


def village_of(session: Session, entity: str, values: dict[str, Any]) -> uuid.UUID | None:
    """The village of a field record (from its own columns, or its parents' here); None when not known."""
    if entity == "household":
        return _uuid(values.get("village_id"))
    household_id: uuid.UUID | None = None
    if entity in ("person", "visit"):
        household_id = _uuid(values.get("household_id"))
    elif entity == "visit_change":
        household_id = session.scalar(select(Visit.household_id).where(Visit.id == _uuid(values.get("visit_id"))))
    elif entity in ("intention", "intention_transition"):
        intention_id = _uuid(values.get("intention_id")) if entity == "intention_transition" else None
        person_id = (
            session.scalar(select(Intention.person_id).where(Intention.id == intention_id))
            if intention_id is not None
            else _uuid(values.get("person_id"))
        )
        household_id = session.scalar(select(Person.household_id).where(Person.id == person_id))
    if household_id is None:
        return None
    return session.scalar(select(Household.village_id).where(Household.id == household_id))


def _uuid(value: object) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def area_of(session: Session, region_id: uuid.UUID | None) -> frozenset[uuid.UUID] | None:
    """The region and everything under it; None for a site that has not been given an area."""
    if region_id is None:
        return None
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for rid, parent in session.execute(select(Region.id, Region.parent_id)):
        children.setdefault(parent, []).append(rid)
    found, waiting = {region_id}, [region_id]
    while waiting:
        for child in children.get(waiting.pop(), []):
            if child not in found:
                found.add(child)
                waiting.append(child)
    return frozenset(found)


@dataclass(frozen=True)
class SiteRule:
    """A site as the ownership rules see it."""

    id: uuid.UUID
    kind: str
    area: frozenset[uuid.UUID] | None

    def owns(
        self,
        session: Session,
        entity: str,
        field: str | None,
        values: dict[str, Any] | None,
        *,
        new_value: object = None,
        creating: bool = False,
        villages: dict[tuple[str, object], uuid.UUID | None] | None = None,
    ) -> bool:
        """Whether this site may change ``field`` (None: the whole record) of a record now like ``values``."""
        if self.kind == "station":
            return True
        values = values or {}
        found = [_cached_village(session, entity, values, villages)]
        if entity == "person" and field == "household_id" and new_value is not None:
            found.append(_cached_village(session, "person", {"household_id": new_value}, villages))
        in_area = self.area is None or all(v is None or v in self.area for v in found)
        made_here = creating or (self.kind == "county" and _created_by(session, entity, values.get("id")) == self.id)
        state = None
        if entity == "intention":
            state = str(new_value) if field == "state" else (str(values["state"]) if field is None else None)
        to_state = str(values.get("to_state")) if entity == "intention_transition" and field is None else None
        change = ownership.Change(entity, field, in_area, made_here, to_state=to_state, state=state)
        return ownership.owns(self.kind, change)


_PARENT = {"person": "household_id", "visit": "household_id", "visit_change": "visit_id", "intention": "person_id",
           "intention_transition": "intention_id", "household": "village_id"}  # fmt: skip


def _cached_village(
    session: Session, entity: str, values: dict[str, Any], cache: dict[tuple[str, object], uuid.UUID | None] | None
) -> uuid.UUID | None:
    """``village_of``, remembered by the parent it is found through (many changes share a household)."""
    if cache is None or entity not in _PARENT:
        return village_of(session, entity, values)
    key = (entity, str(values.get(_PARENT[entity])))
    if key not in cache:
        cache[key] = village_of(session, entity, values)
    return cache[key]


def _created_by(session: Session, entity: str, entity_id: object) -> uuid.UUID | None:
    record = _uuid(entity_id)
    if record is None:
        return None
    entry = ChangeEntry.__table__
    found: uuid.UUID | None = session.scalar(
        select(entry.c.site_id).where(entry.c.entity == entity, entry.c.entity_id == record).order_by(entry.c.at)
    )
    return found
