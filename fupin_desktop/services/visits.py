"""Recording a household visit (走访): the visit and what it changed on which member, in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.validation import Problem
from fupin_desktop.services.accounts import Who, actor_name, permit_for_households
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import PERSON_FIELDS, person_facts, update_person
from fupin_desktop.services.intentions import KIND_LABELS, IntentionInput, create_intention
from fupin_desktop.services.notices import intention_subject
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Person, Visit, VisitChange
from fupin_desktop.store.uow import UnitOfWork


@dataclass(frozen=True)
class VisitInput:
    visit_date: date
    visitors: str
    method: str
    notes: str = ""
    # person id → {field name: new value}; only fields that really change are stored.
    member_updates: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


def record_visit(uow: UnitOfWork, household_id: uuid.UUID, visit: VisitInput) -> tuple[uuid.UUID, list[Problem]]:
    """Store a visit and apply its member updates through the same rules as a form edit."""
    household = uow.session.get(Household, household_id)
    if household is None:
        raise ServiceError("该户已不存在（可能已在其他窗口删除），请刷新列表。")
    if visit.visit_date > clock_today():
        raise ServiceError(f"走访日期{visit.visit_date:%Y年%m月%d日}晚于今天，请核对。")
    if not visit.visitors.strip():
        raise ServiceError("请填写走访人。")
    if not visit.method.strip():
        raise ServiceError("请选择走访方式。")
    record = Visit(
        household_id=household.id,
        visit_date=visit.visit_date,
        visitors=visit.visitors.strip(),
        method=visit.method.strip(),
        notes=visit.notes.strip() or None,
        updated_by=uow.operator,
    )
    uow.session.add(record)
    warnings: list[Problem] = []
    for person_id, updates in visit.member_updates.items():
        person = uow.session.get(Person, person_id)
        if person is None or person.household_id != household.id:
            raise ServiceError("走访记录中的成员不属于该户，请刷新后重试。")
        unknown = set(updates) - set(PERSON_FIELDS)
        if unknown:
            raise ValueError(f"unknown person fields: {sorted(unknown)}")
        before = person_facts(person)
        after = replace(before, **updates)
        changed = [name for name in updates if getattr(before, name) != getattr(after, name)]
        if not changed:
            continue
        warnings.extend(update_person(uow, person.id, after, on=visit.visit_date))
        for name in changed:
            record.changes.append(
                VisitChange(
                    person_id=person.id,
                    person_name=person.name,
                    field=name,
                    old_value=_text(getattr(before, name)),
                    new_value=_text(getattr(person, name)),
                )
            )
    uow.session.flush()
    uow.audit("create", "visit", record.id, new=f"{visit.visit_date} {record.visitors}")
    return record.id, warnings


# VisitChange.field of an intention recorded during the visit (not a person field).
INTENTION_CHANGE = "intention"


def record_visit_intention(
    uow: UnitOfWork, visit_id: uuid.UUID, person_id: uuid.UUID, data: IntentionInput
) -> uuid.UUID:
    """Record a new intention (登记) told during the visit, in the visit's transaction, and list it
    among the visit's changes."""
    visit = uow.session.get(Visit, visit_id)
    person = uow.session.get(Person, person_id)
    if visit is None or person is None or person.household_id != visit.household_id:
        raise ServiceError("走访记录中的成员不属于该户，请刷新后重试。")
    intention_id = create_intention(uow, person.id, data)
    subject = intention_subject(data.kind, data.occupation, data.major, data.school)
    visit.changes.append(
        VisitChange(
            person_id=person.id,
            person_name=person.name,
            field=INTENTION_CHANGE,
            old_value=None,
            new_value=f"{KIND_LABELS[data.kind]}：{subject}",
        )
    )
    uow.session.flush()
    return intention_id


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True)
class VisitRecorded:
    """A saved visit: its id, the warnings to show, and how many intentions were told during it."""

    id: uuid.UUID
    warnings: tuple[Problem, ...] = ()
    intentions: int = 0


def save_visit(
    database: Database,
    *,
    actor: Who,
    household_id: uuid.UUID,
    visit: VisitInput,
    intentions: Mapping[uuid.UUID, IntentionInput] | None = None,
) -> VisitRecorded:
    """登记走访: the visit, its member updates and the intentions told (person id → intention), in
    one transaction."""
    told = dict(intentions or {})
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit_for_households(uow.session, actor, Capability.RECORD_VISIT, {household_id})
        visit_id, warnings = record_visit(uow, household_id, visit)
        for person_id, data in told.items():
            record_visit_intention(uow, visit_id, person_id, data)
        uow.commit()
    return VisitRecorded(visit_id, tuple(warnings), len(told))
