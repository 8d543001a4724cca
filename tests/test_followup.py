"""Follow-up services the window relies on: 结业 dated before the class began, what is shown for one
intention, an intention recorded during a visit, the subsidy rules sentence. No Qt."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from fupin_desktop.domain.eligibility import subsidy_rules
from fupin_desktop.domain.profiles import load_province_profile
from fupin_desktop.domain.workflow import State
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.followup import Enrolment, complete, enrol, followup_details, record_subsidy_grant
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention
from fupin_desktop.services.roster import visit_history
from fupin_desktop.services.visits import VisitInput, record_visit, record_visit_intention
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, Person, Visit
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person

pytestmark = pytest.mark.both_engines


def _household(database: Database, village: uuid.UUID) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with UnitOfWork(database, "王经办") as uow:
        household_id, _problems = create_household(uow, village, household(), on=TODAY)
        uow.commit()
    with database.session_factory() as session:
        people = session.scalars(
            select(Person.id).where(Person.household_id == household_id).order_by(Person.sort_order)
        )
        return household_id, list(people)


def _submitted(uow: UnitOfWork, people: list[uuid.UUID]) -> list[uuid.UUID]:
    """Training intentions put straight into 已上报 (the 公示 steps are tested elsewhere)."""
    ids = [create_intention(uow, p, IntentionInput("training", occupation="电工")) for p in people]
    for intention_id in ids:
        intention = uow.session.get(Intention, intention_id)
        assert intention is not None
        intention.state = State.SUBMITTED.value
    return ids


def test_completion_dated_before_the_class_began_is_refused_for_that_person_only(
    database: Database, village: uuid.UUID
) -> None:
    _household_id, people = _household(database, village)
    with UnitOfWork(database, "王经办") as uow:
        early, late = _submitted(uow, people)
        enrol(uow, [early], Enrolment("县职业培训学校", "第1期", date(2026, 3, 1)), on=date(2026, 3, 1))
        enrol(uow, [late], Enrolment("县职业培训学校", "第2期", date(2026, 5, 1)), on=date(2026, 5, 1))
        result = complete(uow, [early, late], certificate="电工初级", end_date=date(2026, 4, 20), on=date(2026, 4, 20))
        assert result.moved == [early]
        assert [(r.intention_id, r.person_name, r.reason) for r in result.refused] == [
            (late, "李秀英", "结业日期2026年4月20日早于开班日期2026年5月1日")
        ]
        states = {i: s for i, s in uow.session.execute(select(Intention.id, Intention.state))}
        assert states == {early: "COMPLETED", late: "ENROLLED"}
        assert uow.session.get(Intention, late).certificate is None  # type: ignore[union-attr]


def test_followup_details_list_what_was_recorded_and_every_grant(database: Database, village: uuid.UUID) -> None:
    _household_id, people = _household(database, village)
    with UnitOfWork(database, "王经办") as uow:
        [intention] = _submitted(uow, people[:1])
        assert followup_details(uow.session, intention).lines() == []
        enrol(
            uow,
            [intention],
            Enrolment("县职业培训学校", "电工第3期", date(2026, 3, 1), date(2026, 3, 20)),
            on=date(2026, 3, 1),
        )
        record_subsidy_grant(uow, intention, "training", 1200, on=date(2026, 3, 1))
        record_subsidy_grant(uow, intention, "living", 300, on=date(2026, 3, 20))
        details = followup_details(uow.session, intention)
    assert details.lines() == [
        "录取/参训：县职业培训学校 电工第3期，2026年3月1日起至2026年3月20日",
        "培训补贴：1200元，2026年3月1日（王经办）",
        "生活费补贴：300元，2026年3月20日（王经办）",
    ]
    assert details.grant_lines() == details.lines()[1:]


def test_an_intention_recorded_during_a_visit_is_one_of_its_changes(database: Database, village: uuid.UUID) -> None:
    household_id, people = _household(database, village)
    with UnitOfWork(database, "王经办") as uow:
        visit_id, _warnings = record_visit(uow, household_id, VisitInput(TODAY, "王经办", "入户走访"))
        record_visit_intention(uow, visit_id, people[1], IntentionInput("school", major="数控加工"))
        uow.commit()
    with database.session_factory() as session:
        [row] = visit_history(session, household_id)
        assert row.changes == ["李秀英 登记意愿：技工院校：数控加工"]
        assert session.scalar(select(Intention.state).where(Intention.person_id == people[1])) == "DRAFT"

    # A refused intention takes the whole visit with it.
    with UnitOfWork(database, "王经办") as uow:
        visit_id, _warnings = record_visit(uow, household_id, VisitInput(TODAY, "王经办", "入户走访"))
        with pytest.raises(ServiceError, match="李秀英：已有一条进行中的“技工院校”意愿"):
            record_visit_intention(uow, visit_id, people[1], IntentionInput("school", major="电气"))
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 1


def test_a_visit_cannot_record_an_intention_for_someone_of_another_household(
    database: Database, village: uuid.UUID
) -> None:
    household_id, _people = _household(database, village)
    with UnitOfWork(database, "王经办") as uow:
        neighbour = household("3713210010010002", person("王大川", "户主", date(1968, 8, 8), 51))
        other, _problems = create_household(uow, village, neighbour, on=TODAY)
        stranger = uow.session.scalars(select(Person.id).where(Person.household_id == other)).first()
        visit_id, _warnings = record_visit(uow, household_id, VisitInput(TODAY, "王经办", "入户走访"))
        assert stranger is not None
        with pytest.raises(ServiceError, match="不属于该户"):
            record_visit_intention(uow, visit_id, stranger, IntentionInput("training", occupation="电工"))


def test_the_subsidy_rules_read_from_the_profile() -> None:
    assert subsidy_rules(load_province_profile("default")) == (
        "培训补贴每人每年至多2次；生活费补贴15元/人/天，每年至多1次；交通补助每次至多800元（通用（默认））"
    )
