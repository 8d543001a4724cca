"""The intention workflow core: allowed steps, reasons, bulk steps with partial refusal."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from fupin_desktop.domain.workflow import State, step_refusal
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention, transition
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, IntentionTransition, Person
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household

pytestmark = pytest.mark.both_engines


def _people(database: Database, village: uuid.UUID) -> list[uuid.UUID]:
    with UnitOfWork(database, "王经办") as uow:
        create_household(uow, village, household(), on=TODAY)
        uow.commit()
    with database.session_factory() as session:
        return list(session.scalars(select(Person.id).order_by(Person.sort_order)))


def _training(database: Database, person_id: uuid.UUID) -> uuid.UUID:
    with UnitOfWork(database, "王经办") as uow:
        intention_id = create_intention(
            uow, person_id, IntentionInput("training", occupation="电工", referral_source="village")
        )
        uow.commit()
    return intention_id


def test_steps_outside_the_state_machine_are_refused_with_the_current_state() -> None:
    assert step_refusal(State.DRAFT, State.SUBMITTED, None) == "当前状态为“登记”，不能直接“上报”"
    assert step_refusal(State.REFERRED, State.RETURNED, " ") == "“退回”须填写原因"
    assert step_refusal(State.REFERRED, State.RETURNED, "缺照片") is None


def test_a_second_active_intention_of_the_same_kind_is_refused(database: Database, village: uuid.UUID) -> None:
    head = _people(database, village)[0]
    _training(database, head)
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ServiceError, match="进行中的“培训”意愿"):
        create_intention(uow, head, IntentionInput("training", occupation="焊工"))


def test_a_bulk_step_moves_the_allowed_and_reports_the_refused(database: Database, village: uuid.UUID) -> None:
    head, spouse = _people(database, village)
    first, second = _training(database, head), _training(database, spouse)
    with UnitOfWork(database, "王经办") as uow:
        transition(uow, [first], State.REFERRED)
        uow.commit()
    with UnitOfWork(database, "李站长") as uow:
        result = transition(uow, [first, second], State.APPROVED)
        uow.commit()
    assert result.moved == [first]
    assert [(r.person_name, r.reason) for r in result.refused] == [("李秀英", "当前状态为“登记”，不能直接“审核通过”")]
    with database.session_factory() as session:
        states = {i: s for i, s in session.execute(select(Intention.id, Intention.state))}
        history = session.scalars(
            select(IntentionTransition)
            .where(IntentionTransition.intention_id == first)
            .order_by(IntentionTransition.at)
        ).all()
    assert states == {first: "APPROVED", second: "DRAFT"}
    assert [(h.from_state, h.to_state, h.operator) for h in history] == [
        (None, "DRAFT", "王经办"),
        ("DRAFT", "REFERRED", "王经办"),
        ("REFERRED", "APPROVED", "李站长"),
    ]


def test_in_notice_is_reached_only_through_a_notice_batch(database: Database, village: uuid.UUID) -> None:
    head = _people(database, village)[0]
    intention_id = _training(database, head)
    with UnitOfWork(database, "王经办") as uow:
        for target in (State.REFERRED, State.APPROVED):
            assert transition(uow, [intention_id], target, on=TODAY).moved == [intention_id]
        result = transition(uow, [intention_id], State.IN_NOTICE, on=TODAY)
    assert result.moved == []
    assert result.refused[0].reason == "须通过“公示”页面新建公示批次列入公示"
