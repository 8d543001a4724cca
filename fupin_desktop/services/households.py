"""Use cases on households and their members: create, edit, delete, move; each one transaction.

Every use case validates the household as it would be after the change, refuses new errors
(problems that were already there before, say in imported legacy data, do not block an unrelated
edit), checks that no ID number is registered in another household, and writes the audit table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import select

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.idnumber import IdNumber, IdNumberError
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.pinyin import search_keys
from fupin_desktop.domain.validation import (
    FIELD_LABELS,
    HouseholdFacts,
    PersonFacts,
    Problem,
    validate_household,
)
from fupin_desktop.services.accounts import Who, actor_name, permit_for_households, permit_in_villages
from fupin_desktop.services.errors import NotFound, ServiceError, ValidationFailed
from fupin_desktop.services.joins import with_households
from fupin_desktop.services.results import Removed, Saved
from fupin_desktop.store.bulk import insert_rows
from fupin_desktop.store.db import Database
from fupin_desktop.store.id_grams import index_people
from fupin_desktop.store.locks import hold_rows
from fupin_desktop.store.models import Household, Intention, Person, Region, Visit
from fupin_desktop.store.uow import UnitOfWork

PERSON_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PersonFacts))
HOUSEHOLD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(HouseholdFacts) if f.name != "members")
HEAD = "户主"
_TRACKED = ("created_at", "updated_at", "updated_by")
_HOUSEHOLD_COLUMNS = (*HOUSEHOLD_FIELDS, "id", "village_id", "head_name", "head_pinyin", "member_count", *_TRACKED)
_PERSON_COLUMNS = (
    *PERSON_FIELDS, "name_pinyin", "name_initials", "id", "household_id", "sort_order", "locked", *_TRACKED
)  # fmt: skip


# A record's fields in column order as one tuple, read in one call (insert_checked_households' rows).
_HOUSEHOLD_VALUES = attrgetter(*HOUSEHOLD_FIELDS)
_PERSON_VALUES = attrgetter(*PERSON_FIELDS)


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(**{name: getattr(person, name) for name in PERSON_FIELDS})


def household_facts(household: Household) -> HouseholdFacts:
    values = {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}
    return HouseholdFacts(**values, members=[person_facts(p) for p in household.members])


def normalise_person(facts: PersonFacts) -> PersonFacts:
    """Clean the typed text; fill sex and birth date from a valid ID when they were left empty."""
    values = _stripped(facts, PERSON_FIELDS)
    number = values["id_number"]
    if number:
        try:
            parsed = IdNumber.parse(number)
        except IdNumberError:
            return PersonFacts(**values)
        values["id_number"] = parsed.value
        values["sex"] = values["sex"] or parsed.sex
        values["birth_date"] = values["birth_date"] or parsed.birth_date
    return PersonFacts(**values)


def normalise_household(facts: HouseholdFacts) -> HouseholdFacts:
    cleaned = _stripped(facts, HOUSEHOLD_FIELDS)
    return HouseholdFacts(**cleaned, members=[normalise_person(m) for m in facts.members])


def _stripped(facts: PersonFacts | HouseholdFacts, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields ``names`` of ``facts``, text stripped (blank: None). A member's are read from its
    instance dict in one pass when that holds just its fields (a village sheet has 20,000 members)."""
    own = vars(facts)
    pairs = own.items() if len(own) == len(names) else ((name, getattr(facts, name)) for name in names)
    return {name: (value.strip() or None) if isinstance(value, str) else value for name, value in pairs}


def _problem_keys(problems: list[Problem], member_ids: list[uuid.UUID | None]) -> set[tuple[object, str, str]]:
    return {
        (member_ids[p.member_index] if p.member_index is not None else None, p.field, p.message)
        for p in problems
        if p.is_error
    }


def _check(
    uow: UnitOfWork,
    household_id: uuid.UUID | None,
    before: HouseholdFacts | None,
    before_ids: list[uuid.UUID | None],
    after: HouseholdFacts,
    after_ids: list[uuid.UUID | None],
    on: date,
) -> list[Problem]:
    """Refuse errors the change would introduce; return all problems (warnings included) after it."""
    problems = validate_household(after, on)
    problems.extend(_duplicate_ids_elsewhere(uow, household_id, after, [i for i in after_ids if i]))
    old = _problem_keys(validate_household(before, on), before_ids) if before is not None else set()
    new_errors = [
        p
        for p in problems
        if p.is_error
        and (after_ids[p.member_index] if p.member_index is not None else None, p.field, p.message) not in old
    ]
    if new_errors:
        raise ValidationFailed(new_errors)
    return problems


def _duplicate_ids_elsewhere(
    uow: UnitOfWork, household_id: uuid.UUID | None, facts: HouseholdFacts, own_ids: list[uuid.UUID]
) -> list[Problem]:
    by_number = {m.id_number: i for i, m in enumerate(facts.members) if m.id_number}
    if not by_number:
        return []
    query = with_households(
        select(Person.id_number, Person.name, Household.household_no, Household.head_name, Region.name),
        village=Region,
    ).where(Person.id_number.in_(list(by_number)))
    if household_id is not None:
        query = query.where(Person.household_id != household_id)
    if own_ids:
        query = query.where(Person.id.not_in(own_ids))
    problems = []
    for number, name, household_no, head_name, village in uow.session.execute(query):
        assert number is not None  # matched on it
        problems.append(
            Problem(
                field="id_number",
                label=FIELD_LABELS["id_number"],
                message=(
                    f"身份证号{number}已登记在{village}{household_no}户（户主{head_name or '未填'}）"
                    f"的成员{name}名下，同一人不能在两户中登记；如需迁移，请使用“移至其他户”"
                ),
                severity="error",
                member_index=by_number[number],
            )
        )
    return problems


def _apply_person(person: Person, facts: PersonFacts, uow: UnitOfWork, audit: bool) -> None:
    for name in PERSON_FIELDS:
        old, new = getattr(person, name), getattr(facts, name)
        if old != new:
            if audit:
                uow.audit("update", "person", person.id, name, old, new)
            setattr(person, name, new)
    person.name_pinyin, person.name_initials = search_keys(person.name or "")
    person.updated_by = uow.operator


def first_head(members: Iterable[Any]) -> Any:
    """The household's 户主; should two be recorded (two households merged at the station), the same one on
    every site (by id, not by the order members arrived), so that every site shows the same head."""
    return min((m for m in members if m.relation == HEAD), key=lambda m: str(m.id), default=None)


def refresh_household_summary(household: Household) -> None:
    """Keep the head's name, its pinyin and the member count that lists show without a join."""
    members = household.members
    head = first_head(members)
    household.head_name = head.name if head else None
    household.head_pinyin = search_keys(head.name)[0] if head else None
    household.member_count = len(members)
    for order, member in enumerate(sorted(members, key=lambda m: (m.relation != HEAD, m.sort_order))):
        member.sort_order = order


def _load_household(uow: UnitOfWork, household_id: uuid.UUID) -> Household:
    household = uow.session.get(Household, household_id)
    if household is None:
        raise NotFound("该户已不存在（可能已在其他窗口删除），请刷新列表。")
    return household


def _load_person(uow: UnitOfWork, person_id: uuid.UUID) -> Person:
    """The member, its row held to the end of the transaction (store/locks.hold_rows): an edit beside a seal
    of this member waits for the seal and then finds it locked, instead of changing it after it was frozen."""
    hold_rows(uow.session, Person.__table__, [person_id])
    person = uow.session.get(Person, person_id, populate_existing=True)
    if person is None:
        raise NotFound("该成员已不存在（可能已在其他窗口删除），请刷新列表。")
    return person


def _refuse_locked(person: Person) -> None:
    if person.locked:
        raise ServiceError(f"成员{person.name}已列入封存的上报表，不能修改或删除；如需更正，请生成更正版上报表。")


def create_household(
    uow: UnitOfWork, village_id: uuid.UUID, facts: HouseholdFacts, *, on: date | None = None
) -> tuple[uuid.UUID, list[Problem]]:
    """Register a household with its members; returns its id and the warnings to show."""
    village = uow.session.get(Region, village_id)
    if village is None or village.level != "village":
        raise ServiceError("请先在左侧选择一个村，再登记农户。")
    facts = normalise_household(facts)
    problems = _check(uow, None, None, [], facts, [None] * len(facts.members), on or clock_today())
    household = Household(village_id=village_id, updated_by=uow.operator)
    for name in HOUSEHOLD_FIELDS:
        setattr(household, name, getattr(facts, name))
    uow.session.add(household)
    uow.session.flush()
    uow.audit("create", "household", household.id, new=f"{village.name} {facts.household_no}")
    for order, member_facts in enumerate(facts.members):
        person = Person(household=household, sort_order=order)
        _apply_person(person, member_facts, uow, audit=False)
        uow.session.add(person)
        uow.session.flush()
        uow.audit("create", "person", person.id, new=_person_label(person))
    refresh_household_summary(household)
    uow.session.flush()
    return household.id, [p for p in problems if not p.is_error]


def insert_checked_households(
    uow: UnitOfWork,
    village: Region,
    households: Sequence[HouseholdFacts],
    *,
    grams: list[tuple[uuid.UUID, str | None]] | None = None,
) -> list[tuple[uuid.UUID, list[uuid.UUID]]]:
    """Register many new households at once (a village sheet): the same rows, search keys, summary
    and audit entries as :func:`create_household`, written with one executemany per table.

    The caller has already checked every household exactly as ``create_household`` does — passed
    through :func:`normalise_household`, :func:`validate_household` finds no error, no ID number is
    registered in another household — so nothing is checked twice here; an ID number written by
    someone else meanwhile still fails on the unique index (``IntegrityError``). Returns each
    household's id with its members' ids, in the order given.

    ``grams``: the new people's (id, number) pairs are added to this list for the caller to index in
    one :func:`index_people` for all its batches, instead of here (the gram index is the largest
    B-tree: one sorted pass over it writes 20,000 people's grams in half the time of seven)."""
    now = utc_now()
    operator = uow.operator
    uuid4 = uuid.uuid4
    household_values, person_values = _HOUSEHOLD_VALUES, _PERSON_VALUES
    household_rows: list[tuple[object, ...]] = []
    person_rows: list[tuple[object, ...]] = []
    numbers: list[tuple[uuid.UUID, str | None]] = []  # (person id, ID number): for the gram index
    audit: list[tuple[str, str, uuid.UUID, str | None, object, object]] = []
    result: list[tuple[uuid.UUID, list[uuid.UUID]]] = []
    for facts in households:
        household_id = uuid4()
        members = facts.members
        ids = [uuid4() for _ in members]
        head = next((m for m in members if m.relation == HEAD), None)  # as refresh_household_summary
        household_rows.append(
            (
                *household_values(facts),
                household_id,
                village.id,
                head.name if head else None,
                search_keys(head.name)[0] if head else None,
                len(members),
                now,
                now,
                operator,
            )
        )
        audit.append(("create", "household", household_id, None, None, f"{village.name} {facts.household_no}"))
        order = sorted(range(len(members)), key=lambda i: (members[i].relation != HEAD, i))
        for position, index in enumerate(order):
            member = members[index]
            person_rows.append(
                (
                    *person_values(member),
                    *search_keys(member.name or ""),
                    ids[index],
                    household_id,
                    position,
                    False,
                    now,
                    now,
                    operator,
                )
            )
            numbers.append((ids[index], member.id_number))
        audit.extend(
            ("create", "person", ids[i], None, None, f"{m.name} {m.id_number or ''}".strip())
            for i, m in enumerate(members)
        )
        result.append((household_id, ids))
    if household_rows:
        insert_rows(uow.session, Household.__table__, _HOUSEHOLD_COLUMNS, household_rows)
        insert_rows(uow.session, Person.__table__, _PERSON_COLUMNS, person_rows)
        if grams is None:
            index_people(uow.session, numbers)
        else:
            grams.extend(numbers)
        uow.audit_many(audit)
    return result


def update_household(
    uow: UnitOfWork, household_id: uuid.UUID, facts: HouseholdFacts, *, on: date | None = None
) -> list[Problem]:
    """Edit the household's own fields (members are edited one by one)."""
    household = _load_household(uow, household_id)
    before = household_facts(household)
    ids: list[uuid.UUID | None] = [m.id for m in household.members]
    after = replace(normalise_household(replace(facts, members=[])), members=before.members)
    problems = _check(uow, household.id, before, ids, after, ids, on or clock_today())
    for name in HOUSEHOLD_FIELDS:
        old, new = getattr(household, name), getattr(after, name)
        if old != new:
            uow.audit("update", "household", household.id, name, old, new)
            setattr(household, name, new)
    household.updated_by = uow.operator
    return [p for p in problems if not p.is_error]


def add_person(
    uow: UnitOfWork, household_id: uuid.UUID, facts: PersonFacts, *, on: date | None = None
) -> tuple[uuid.UUID, list[Problem]]:
    household = _load_household(uow, household_id)
    before = household_facts(household)
    ids: list[uuid.UUID | None] = [m.id for m in household.members]
    new_facts = normalise_person(facts)
    after = replace(before, members=[*before.members, new_facts])
    problems = _check(uow, household.id, before, ids, after, [*ids, None], on or clock_today())
    person = Person(household=household, sort_order=len(ids))
    _apply_person(person, new_facts, uow, audit=False)
    uow.session.add(person)
    uow.session.flush()
    uow.audit("create", "person", person.id, new=_person_label(person))
    refresh_household_summary(household)
    household.updated_by = uow.operator
    return person.id, [p for p in problems if not p.is_error]


def update_person(
    uow: UnitOfWork, person_id: uuid.UUID, facts: PersonFacts, *, on: date | None = None
) -> list[Problem]:
    person = _load_person(uow, person_id)
    _refuse_locked(person)
    household = person.household
    before = household_facts(household)
    ids: list[uuid.UUID | None] = [m.id for m in household.members]
    index = ids.index(person.id)
    new_facts = normalise_person(facts)
    members = list(before.members)
    members[index] = new_facts
    problems = _check(uow, household.id, before, ids, replace(before, members=members), ids, on or clock_today())
    _apply_person(person, new_facts, uow, audit=True)
    refresh_household_summary(household)
    return [p for p in problems if not p.is_error]


def delete_person(uow: UnitOfWork, person_id: uuid.UUID) -> None:
    person = _load_person(uow, person_id)
    _refuse_locked(person)
    _refuse_active_intentions(uow, [person])
    household = person.household
    uow.audit("delete", "person", person.id, old=_person_label(person))
    household.members.remove(person)
    uow.session.delete(person)
    refresh_household_summary(household)
    household.updated_by = uow.operator


def delete_household(uow: UnitOfWork, household_id: uuid.UUID) -> None:
    """Delete a household, its members and its visits (intentions beyond 登记 block the delete)."""
    household = _load_household(uow, household_id)
    hold_rows(uow.session, Person.__table__, [p.id for p in household.members])  # as in _load_person
    for person in household.members:
        uow.session.refresh(person, ["locked"])
        _refuse_locked(person)
    _refuse_active_intentions(uow, household.members)
    for person in list(household.members):
        for intention in uow.session.scalars(select(Intention).where(Intention.person_id == person.id)):
            uow.session.delete(intention)
        uow.audit("delete", "person", person.id, old=_person_label(person))
        uow.session.delete(person)
    for visit in uow.session.scalars(select(Visit).where(Visit.household_id == household.id)):
        uow.audit("delete", "visit", visit.id, old=f"{visit.visit_date} {visit.visitors}")
        uow.session.delete(visit)
    uow.audit("delete", "household", household.id, old=f"{household.household_no} 户主{household.head_name or ''}")
    uow.session.delete(household)


def move_person(
    uow: UnitOfWork, person_id: uuid.UUID, target_household_id: uuid.UUID, relation: str, *, on: date | None = None
) -> list[Problem]:
    """Move a member to another household (marriage, 分户), with the relation to the new head."""
    person = _load_person(uow, person_id)
    _refuse_locked(person)
    source = person.household
    target = _load_household(uow, target_household_id)
    if target.id == source.id:
        raise ServiceError("目标户与原户相同，无需移动。")
    day = on or clock_today()
    moved = replace(person_facts(person), relation=relation)
    target_before = household_facts(target)
    target_ids: list[uuid.UUID | None] = [m.id for m in target.members]
    target_after = replace(target_before, members=[*target_before.members, moved])
    problems = _check(uow, target.id, target_before, target_ids, target_after, [*target_ids, person.id], day)
    uow.audit("move", "person", person.id, "household", source.household_no, target.household_no)
    if person.relation != relation:
        uow.audit("update", "person", person.id, "relation", person.relation, relation)
    source.members.remove(person)
    person.relation = relation
    person.updated_by = uow.operator
    target.members.append(person)
    refresh_household_summary(source)
    refresh_household_summary(target)
    return [p for p in problems if not p.is_error]


def _refuse_active_intentions(uow: UnitOfWork, people: list[Person]) -> None:
    if not people:
        return
    rows = uow.session.execute(
        select(Person.name, Intention.state)
        .join(Intention, Intention.person_id == Person.id)
        .where(
            Person.id.in_([p.id for p in people]),
            Intention.state.not_in(["DRAFT", "RETURNED", "WITHDRAWN", "REJECTED"]),
        )
    ).first()
    if rows is not None:
        raise ServiceError(f"成员{rows[0]}已有进入审核流程的意愿，不能删除；请先办理“本人放弃”或退回。")


def _person_label(person: Person) -> str:
    return f"{person.name} {person.id_number or ''}".strip()


def _households_of(uow: UnitOfWork, person_id: uuid.UUID) -> set[uuid.UUID]:
    """The household a member belongs to (none when the member is gone: the use case then says so itself)."""
    person = uow.session.get(Person, person_id)
    return set() if person is None else {person.household_id}


def _permit(uow: UnitOfWork, actor: Who, household_ids: set[uuid.UUID]) -> None:
    """登记或修改农户和成员, refused the same way as every other own-village operation (docs/roles.md)."""
    permit_for_households(uow.session, actor, Capability.EDIT_HOUSEHOLDS, household_ids)


# --- use cases: each opens, audits and commits its own unit of work --------------------------------


def register_household(
    database: Database, *, actor: Who, village_id: uuid.UUID, facts: HouseholdFacts, on: date | None = None
) -> Saved:
    """登记农户 with its members, in one transaction (a 村级录入员: in their own village)."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit_in_villages(uow.session, actor, Capability.EDIT_HOUSEHOLDS, {village_id})
        household_id, warnings = create_household(uow, village_id, facts, on=on)
        uow.commit()
    return Saved(household_id, tuple(warnings))


def edit_household(
    database: Database, *, actor: Who, household_id: uuid.UUID, facts: HouseholdFacts, on: date | None = None
) -> Saved:
    """The household's own fields (members are edited one by one)."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        _permit(uow, actor, {household_id})
        warnings = update_household(uow, household_id, facts, on=on)
        uow.commit()
    return Saved(household_id, tuple(warnings))


def register_person(
    database: Database, *, actor: Who, household_id: uuid.UUID, facts: PersonFacts, on: date | None = None
) -> Saved:
    with UnitOfWork(database, actor_name(actor)) as uow:
        _permit(uow, actor, {household_id})
        person_id, warnings = add_person(uow, household_id, facts, on=on)
        uow.commit()
    return Saved(person_id, tuple(warnings))


def edit_person(
    database: Database, *, actor: Who, person_id: uuid.UUID, facts: PersonFacts, on: date | None = None
) -> Saved:
    with UnitOfWork(database, actor_name(actor)) as uow:
        _permit(uow, actor, _households_of(uow, person_id))
        warnings = update_person(uow, person_id, facts, on=on)
        uow.commit()
    return Saved(person_id, tuple(warnings))


def remove_person(database: Database, *, actor: Who, person_id: uuid.UUID) -> Removed:
    with UnitOfWork(database, actor_name(actor)) as uow:
        _permit(uow, actor, _households_of(uow, person_id))
        delete_person(uow, person_id)
        uow.commit()
    return Removed(person_id, "person")


def remove_household(database: Database, *, actor: Who, household_id: uuid.UUID) -> Removed:
    with UnitOfWork(database, actor_name(actor)) as uow:
        _permit(uow, actor, {household_id})
        delete_household(uow, household_id)
        uow.commit()
    return Removed(household_id, "household")


def relocate_person(
    database: Database,
    *,
    actor: Who,
    person_id: uuid.UUID,
    target_household_id: uuid.UUID,
    relation: str,
    on: date | None = None,
) -> Saved:
    """Move a member to another household (marriage, 分户) with the relation to its head."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        _permit(uow, actor, _households_of(uow, person_id) | {target_household_id})
        warnings = move_person(uow, person_id, target_household_id, relation, on=on)
        uow.commit()
    return Saved(person_id, tuple(warnings))
