"""Household and member use cases: each is one transaction, validated, audited."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from fupin_desktop.services.errors import ServiceError, ValidationFailed
from fupin_desktop.services.households import (
    add_person,
    create_household,
    delete_household,
    move_person,
    person_facts,
    update_person,
)
from fupin_desktop.services.search import HouseholdFilter, count_households, fetch_households, search_people
from fupin_desktop.services.visits import VisitInput, record_visit
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, Household, Person, Visit
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person

pytestmark = pytest.mark.both_engines


def _count(database: Database, model: type) -> int:
    with database.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _create(database: Database, village: uuid.UUID, facts=None) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with UnitOfWork(database, "王经办") as uow:
        household_id, _warnings = create_household(uow, village, facts or household(), on=TODAY)
        uow.commit()
    return household_id


def test_creating_a_household_stores_members_with_derived_sex_birth_and_pinyin(
    database: Database, village: uuid.UUID
) -> None:
    household_id = _create(database, village)
    with database.session_factory() as session:
        stored = session.get(Household, household_id)
        assert stored is not None
        head = stored.members[0]
        assert (stored.head_name, stored.member_count) == ("张三丰", 2)
        assert (head.sex, head.birth_date, head.name_initials) == ("男", date(1970, 3, 7), "zsf")
        assert stored.members[1].sex == "女"
        actions = session.scalars(select(AuditEntry.entity).where(AuditEntry.action == "create")).all()
    assert sorted(actions).count("person") == 2


def test_a_wrong_id_number_is_refused_naming_the_field_and_nothing_is_written(
    database: Database, village: uuid.UUID
) -> None:
    facts = household()
    broken = replace(facts.members[1], id_number=facts.members[1].id_number[:-1] + "0")  # type: ignore[index]
    if broken.id_number == facts.members[1].id_number:
        broken = replace(broken, id_number=broken.id_number[:-1] + "1")  # type: ignore[index]
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ValidationFailed, match="身份证号") as caught:
        create_household(uow, village, replace(facts, members=[facts.members[0], broken]), on=TODAY)
    assert caught.value.problems[0].member_index == 1
    assert _count(database, Household) == 0
    assert _count(database, Person) == 0
    assert _count(database, AuditEntry) == 3  # only the three regions of the fixture


def test_the_same_id_in_another_household_is_refused_naming_that_household(
    database: Database, village: uuid.UUID
) -> None:
    _create(database, village)
    again = household("3713210010010002", person("张三丰", "户主", date(1970, 3, 7), 11))
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ValidationFailed) as caught:
        create_household(uow, village, again, on=TODAY)
    assert "3713210010010001户" in str(caught.value)
    assert "户主张三丰" in str(caught.value)
    assert _count(database, Household) == 1


def test_editing_a_member_is_audited_field_by_field(database: Database, village: uuid.UUID) -> None:
    household_id = _create(database, village)
    with database.session_factory() as session:
        spouse = session.scalars(select(Person).where(Person.relation == "配偶")).one()
    with UnitOfWork(database, "王经办") as uow:
        update_person(
            uow, spouse.id, replace(person_facts(spouse), employment="省外务工", work_place="江苏苏州", work_months=8)
        )
        uow.commit()
    with database.session_factory() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == spouse.id, AuditEntry.action == "update")
        ).all()
    changed = {e.field: (e.old_value, e.new_value, e.operator) for e in entries}
    assert changed["employment"] == ("未务工", "省外务工", "王经办")
    assert changed["work_months"] == ("0", "8", "王经办")
    assert household_id


def test_a_second_head_is_refused(database: Database, village: uuid.UUID) -> None:
    household_id = _create(database, village)
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ValidationFailed, match="户主"):
        add_person(uow, household_id, person("张二", "户主", date(1995, 1, 1), 31), on=TODAY)
    assert _count(database, Person) == 2


def test_moving_a_member_updates_both_households(database: Database, village: uuid.UUID) -> None:
    first = _create(database, village)
    second = _create(database, village, household("3713210010010002", person("王大海", "户主", date(1960, 2, 2), 41)))
    with database.session_factory() as session:
        spouse_id = session.scalars(select(Person.id).where(Person.relation == "配偶")).one()
    with UnitOfWork(database, "王经办") as uow:
        move_person(uow, spouse_id, second, "其他", on=TODAY)
        uow.commit()
    with database.session_factory() as session:
        counts = {h.household_no: h.member_count for h in session.scalars(select(Household))}
    assert counts == {"3713210010010001": 1, "3713210010010002": 2}
    assert first


def test_a_failing_use_case_leaves_nothing_behind(database: Database, village: uuid.UUID) -> None:
    household_id = _create(database, village)
    with UnitOfWork(database, "王经办") as uow:
        add_person(uow, household_id, person("张小明", "之子", date(2000, 6, 1), 51), on=TODAY)
        # no commit: the with-block rolls back
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ServiceError):
        delete_household(uow, household_id)
        raise ServiceError("中途出错")
    assert _count(database, Person) == 2
    assert _count(database, Household) == 1


def test_deleting_a_household_removes_members_and_visits_and_is_audited(database: Database, village: uuid.UUID) -> None:
    household_id = _create(database, village)
    with UnitOfWork(database, "王经办") as uow:
        record_visit(uow, household_id, VisitInput(date(2026, 11, 1), "王经办、李村干", "入户走访"))
        uow.commit()
    with UnitOfWork(database, "王经办") as uow:
        delete_household(uow, household_id)
        uow.commit()
    assert (_count(database, Household), _count(database, Person), _count(database, Visit)) == (0, 0, 0)
    with database.session_factory() as session:
        deleted = session.scalars(select(AuditEntry.entity).where(AuditEntry.action == "delete")).all()
    assert sorted(deleted) == ["household", "person", "person", "visit"]


def test_a_visit_keeps_what_it_changed_on_which_member(database: Database, village: uuid.UUID) -> None:
    household_id = _create(database, village)
    with database.session_factory() as session:
        head = session.scalars(select(Person).where(Person.relation == "户主")).one()
    updates = {head.id: {"employment": "县外省内务工", "work_place": "济南", "work_months": 6}}
    with UnitOfWork(database, "王经办") as uow:
        visit_id, _ = record_visit(
            uow, household_id, VisitInput(date(2026, 11, 20), "王经办", "入户走访", "愿意学电工", updates)
        )
        uow.commit()
    with database.session_factory() as session:
        visit = session.get(Visit, visit_id)
        assert visit is not None
        changes = {(c.person_name, c.field, c.old_value, c.new_value) for c in visit.changes}
        stored_head = session.get(Person, head.id)
        assert stored_head is not None and stored_head.work_months == 6
    assert ("张三丰", "employment", "未务工", "县外省内务工") in changes
    assert ("张三丰", "work_months", "0", "6") in changes


def test_a_visit_with_a_bad_member_update_is_refused_whole(database: Database, village: uuid.UUID) -> None:
    household_id = _create(database, village)
    with database.session_factory() as session:
        head = session.scalars(select(Person).where(Person.relation == "户主")).one()
    updates = {head.id: {"employment": "省外务工", "work_place": "上海", "work_months": 14}}
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ValidationFailed, match="务工时间"):
        record_visit(uow, household_id, VisitInput(date(2026, 11, 20), "王经办", "入户走访", "", updates))
    assert _count(database, Visit) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("zsf", {"张三丰"}), ("zhangsan", {"张三丰"}), ("三丰", {"张三丰"}), ("秀", {"李秀英"})],
)
def test_people_are_found_by_pinyin_initials_full_pinyin_and_name_fragment(
    database: Database, village: uuid.UUID, text: str, expected: set[str]
) -> None:
    _create(database, village)
    with database.session_factory() as session:
        names = {row[1] for row in search_people(session, text)}
    assert names == expected


def test_households_are_found_by_id_prefix_card_number_and_phone(database: Database, village: uuid.UUID) -> None:
    _create(database, village)
    _create(database, village, household("3713210010010002", person("王大海", "户主", date(1960, 2, 2), 41)))
    with database.session_factory() as session:
        by_id = fetch_households(session, HouseholdFilter(text="3713211970"), 0, 10)
        by_phone = count_households(session, HouseholdFilter(text="1380539"))
        in_village = count_households(session, HouseholdFilter(region_id=village))
        nothing = count_households(session, HouseholdFilter(text="zzz"))
    assert [row[2] for row in by_id] == ["张三丰"]
    assert (by_phone, in_village, nothing) == (2, 2, 0)
