"""Demo intentions: every state, histories that the state machine allows, 公示 and objections that fit."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.eligibility import household_refusal
from fupin_desktop.domain.workflow import ALLOWED, REASON_REQUIRED, State
from fupin_desktop.services.demo import generate_demo
from fupin_desktop.services.demo_workflow import generate_demo_workflow
from fupin_desktop.store.models import (
    Base,
    Household,
    Intention,
    IntentionTransition,
    NoticeEntry,
    Objection,
    Person,
    PublicNotice,
)

pytestmark = pytest.mark.both_engines

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("demo") / "workflow.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        generate_demo(connection, 1500, 5, today=TODAY)
        generate_demo_workflow(connection, 5, TODAY)
    yield engine
    engine.dispose()


def test_every_state_is_shown(engine: Engine) -> None:
    with Session(engine) as session:
        states = set(session.scalars(select(Intention.state).distinct()))
    assert states == {s.value for s in State}


def test_every_history_is_a_path_the_state_machine_allows(engine: Engine) -> None:
    with Session(engine) as session:
        current = {i.id: i.state for i in session.scalars(select(Intention))}
        history: dict[object, list[IntentionTransition]] = {}
        for step in session.scalars(select(IntentionTransition).order_by(IntentionTransition.at)):
            history.setdefault(step.intention_id, []).append(step)
    assert set(history) == set(current)
    for intention_id, steps in history.items():
        assert steps[0].from_state is None and steps[0].to_state == "DRAFT"
        for before, after in itertools.pairwise(steps):
            assert after.from_state == before.to_state
            assert State(after.to_state) in ALLOWED[State(before.to_state)]
            assert after.at > before.at and after.at.date() <= TODAY
        for step in steps:
            assert step.operator
            if State(step.to_state) in REASON_REQUIRED:
                assert step.reason
        assert steps[-1].to_state == current[intention_id]


def test_notices_objections_and_eligibility_fit_the_states(engine: Engine) -> None:
    with Session(engine) as session:
        rows = session.execute(
            select(Intention.id, Intention.state, Household.household_type, Household.status)
            .join(Person, Intention.person_id == Person.id)
            .join(Household, Person.household_id == Household.id)
        ).all()
        latest: dict[object, PublicNotice] = {}
        for intention_id, notice in session.execute(
            select(NoticeEntry.intention_id, PublicNotice)
            .join(PublicNotice, NoticeEntry.notice_id == PublicNotice.id)
            .order_by(PublicNotice.start_date)
        ):
            latest[intention_id] = notice
        open_objections = set(session.scalars(select(Objection.intention_id).where(Objection.outcome.is_(None))))
        passed_on = {
            t.intention_id: t.at.date()
            for t in session.scalars(select(IntentionTransition).where(IntentionTransition.to_state == "NOTICE_PASSED"))
        }
    for intention_id, state, household_type, status in rows:
        if state not in ("DRAFT", "WITHDRAWN"):
            assert household_refusal(household_type, status) is None
        if state == "IN_NOTICE":
            assert latest[intention_id].closed_at is None
        if intention_id in passed_on:
            assert passed_on[intention_id] >= latest[intention_id].end_date
        if intention_id in open_objections:
            assert state == "IN_NOTICE"
    assert open_objections
