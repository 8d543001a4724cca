"""One writer of workflow steps: the window's one-by-one path, a village import's bulk path and the demo
write the same step, audit and change rows for the same transition."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.workflow import State, state_fields
from fupin_desktop.services.demo_workflow import write_histories
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import (
    IntentionInput,
    create_intention,
    insert_new_people_intentions,
    transition,
)
from fupin_desktop.services.workflow_steps import Step, write_steps
from fupin_desktop.store.changes import log_unlogged
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, ChangeEntry, Intention, IntentionTransition, Person
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person

pytestmark = pytest.mark.both_engines

WISH = IntentionInput("training", occupation="电工", training_type="就业技能培训", referral_source="village")
CLERK = "王经办"
# What differs between any two intentions whoever writes them: keys, times, the person.
VARYING = frozenset({"id", "intention_id", "person_id", "at", "created_at", "updated_at", "state_changed_at"})


def _three_people(database: Database, village: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    members = (
        person("王建国", "户主", date(1985, 3, 7), 11),
        person("李海燕", "配偶", date(1987, 5, 1), 22),
        person("王志强", "之子", date(2006, 6, 1), 31),
    )
    with UnitOfWork(database, CLERK) as uow:
        create_household(uow, village, household("3713210010010001", *members), on=TODAY)
        uow.commit()
    with database.session_factory() as session:
        return [(row[0], row[1]) for row in session.execute(select(Person.id, Person.name).order_by(Person.sort_order))]


def _by_the_window(database: Database, person_id: uuid.UUID) -> uuid.UUID:
    with UnitOfWork(database, CLERK) as uow:
        intention_id = create_intention(uow, person_id, WISH)
        uow.commit()
    return intention_id


def _by_an_import(database: Database, person_id: uuid.UUID, name: str) -> uuid.UUID:
    with UnitOfWork(database, CLERK) as uow:
        (intention_id,) = insert_new_people_intentions(uow, [(person_id, name, WISH)])
        uow.commit()
    return intention_id


def _by_the_demo(database: Database, person_id: uuid.UUID, name: str) -> uuid.UUID:
    intention_id, created = uuid.uuid4(), utc_now()
    row: dict[str, Any] = {
        "id": intention_id, "person_id": person_id, "kind": WISH.kind, "occupation": WISH.occupation,
        "major": None, "school": None, "training_type": WISH.training_type, "referral_source": WISH.referral_source,
        "created_at": created, **state_fields(State.DRAFT, created, CLERK),
    }  # fmt: skip
    steps = [
        Step(intention_id, None, State.DRAFT, created, CLERK, described=f"{name} 培训"),
        Step(intention_id, State.DRAFT, State.REFERRED, utc_now(), CLERK),
    ]
    with database.engine.begin() as connection:
        write_histories(connection, [row], steps, uuid.uuid4)
        log_unlogged(connection, CLERK)  # as the demo command logs what the demo wrote
    return intention_id


def _refer(database: Database, intention_id: uuid.UUID) -> None:
    with UnitOfWork(database, CLERK) as uow:
        assert transition(uow, [intention_id], State.REFERRED, on=TODAY).moved == [intention_id]
        uow.commit()


def _rows(database: Database, intention_id: uuid.UUID, name: str) -> dict[str, list[tuple[Any, ...]]]:
    with database.session_factory() as session:
        step = IntentionTransition
        steps = session.execute(
            select(step.id, step.from_state, step.to_state, step.operator, step.reason)
            .where(step.intention_id == intention_id)
            .order_by(step.at)
        ).all()
        audit = session.execute(
            select(AuditEntry.operator, AuditEntry.action, AuditEntry.entity, AuditEntry.field,
                   AuditEntry.old_value, AuditEntry.new_value)
            .where(AuditEntry.entity_id == intention_id)
            .order_by(AuditEntry.seq)
        ).all()  # fmt: skip
        ids = [intention_id, *(s.id for s in steps)]
        changes = session.execute(
            select(ChangeEntry.action, ChangeEntry.entity, ChangeEntry.field, ChangeEntry.before, ChangeEntry.after)
            .where(ChangeEntry.entity_id.in_(ids))
            .order_by(ChangeEntry.seq)
        ).all()
    return {
        "steps": [tuple(s[1:]) for s in steps],
        "audit": [(*a[:5], (a[5] or "").replace(name, "〈姓名〉")) for a in audit],
        "changes": [(c.action, c.entity, c.field, _stable(c.field, c.before), _stable(c.field, c.after))
                    for c in changes],
    }  # fmt: skip


def _stable(field: str | None, text: str | None) -> object:
    """A change's value without what differs between any two intentions (keys, times)."""
    if text is None or field in VARYING:
        return None
    value = json.loads(text)
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key not in VARYING}
    return value


def _replayed(changes: list[tuple[Any, ...]]) -> dict[str, object]:
    """The intention record a receiving site ends with, applying the changes in order."""
    record: dict[str, object] = {}
    for action, entity, field, _before, after in changes:
        if entity != "intention":
            continue
        if action == "create":
            record = dict(after)
        elif field not in VARYING:
            record[field] = after
    return record


def test_the_window_an_import_and_the_demo_write_the_same_rows(database: Database, village: uuid.UUID) -> None:
    (first, first_name), (second, second_name), (third, third_name) = _three_people(database, village)
    by_window = _by_the_window(database, first)
    by_import = _by_an_import(database, second, second_name)
    for intention_id in (by_window, by_import):
        _refer(database, intention_id)
    by_demo = _by_the_demo(database, third, third_name)

    window = _rows(database, by_window, first_name)
    imported = _rows(database, by_import, second_name)
    demo = _rows(database, by_demo, third_name)
    assert window["steps"] == imported["steps"] == demo["steps"] == [
        (None, "DRAFT", CLERK, None),
        ("DRAFT", "REFERRED", CLERK, None),
    ]
    assert window["audit"] == imported["audit"] == demo["audit"] == [
        (CLERK, "create", "intention", None, None, "〈姓名〉 培训"),
        (CLERK, "update", "intention", "state", "登记", "推荐"),
    ]
    assert window["changes"] == imported["changes"]
    assert [c[:3] for c in window["changes"]] == [
        ("create", "intention", None),
        ("create", "intention_transition", None),
        ("update", "intention", "state"),
        ("update", "intention", "state_changed_at"),  # (locked is unchanged: neither state is locked)
        ("create", "intention_transition", None),
    ]
    assert window["changes"][2][3:] == ("DRAFT", "REFERRED")
    # The demo's records are logged once written, as baseline entries (ids only: a full package reads the
    # record itself), one for the intention and one for each of its steps.
    steps_logged = [c for c in window["changes"] if c[1] == "intention_transition"]
    baseline = [c for c in demo["changes"] if c[1] == "intention_transition"]
    assert len(baseline) == len(steps_logged) and all(c[2:] == (None, None, None) for c in baseline)
    assert [c for c in demo["changes"] if c[1] == "intention"] == [("create", "intention", None, None, None)]
    assert _replayed(window["changes"])["state"] == "REFERRED"


def test_a_step_the_state_machine_does_not_allow_is_refused_with_nothing_written(
    database: Database, village: uuid.UUID
) -> None:
    (person_id, _name), *_others = _three_people(database, village)
    intention_id = _by_the_window(database, person_id)
    with UnitOfWork(database, CLERK) as uow:
        skipping = Step(intention_id, State.DRAFT, State.SUBMITTED, datetime(2026, 11, 22, 8), CLERK)
        with pytest.raises(ServiceError, match="不能直接“上报”"):
            write_steps(uow.session, [skipping], audit=uow.audit_entries)
        out_of_order = Step(intention_id, State.REFERRED, State.APPROVED, datetime(2026, 11, 22, 8), CLERK)
        referral = Step(intention_id, State.DRAFT, State.REFERRED, datetime(2026, 11, 22, 8), CLERK)
        with pytest.raises(ServiceError, match="步骤顺序有误"):
            write_steps(uow.session, [referral, referral, out_of_order], audit=uow.audit_entries)
    with database.session_factory() as session:
        assert session.scalar(select(Intention.state).where(Intention.id == intention_id)) == "DRAFT"
        assert session.scalars(select(IntentionTransition.to_state)).all() == ["DRAFT"]
