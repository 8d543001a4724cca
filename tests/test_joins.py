"""The shared joins: an intention reaches its person, household and village the same way in every query."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention
from fupin_desktop.services.joins import with_households, with_people
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Intention, Person, Region
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household

pytestmark = pytest.mark.both_engines


def test_an_intention_reaches_its_person_household_and_village(database: Database, village: uuid.UUID) -> None:
    with UnitOfWork(database, "王经办") as uow:
        create_household(uow, village, household(), on=TODAY)
        spouse = uow.session.scalars(select(Person.id).where(Person.relation == "配偶")).one()
        intention_id = create_intention(uow, spouse, IntentionInput("training", occupation="电工"))
        uow.commit()
    alias = Region.__table__.alias("village")
    with database.session_factory() as session:
        by_class = session.execute(
            with_people(select(Intention.id, Person.name, Household.household_no, Region.name), village=Region)
        ).all()
        by_alias = session.execute(with_people(select(Intention.id, alias.c.code), village=alias)).all()
        people = session.scalar(with_households(select(func.count()).select_from(Person)))
        in_village = session.execute(
            with_households(select(Person.name, Region.name), village=Region).order_by(Person.sort_order)
        ).all()
    assert [tuple(row) for row in by_class] == [(intention_id, "李秀英", "3713210010010001", "北村")]
    assert [tuple(row) for row in by_alias] == [(intention_id, "371321001001")]
    assert people == 2
    assert [tuple(row) for row in in_village] == [("张三丰", "北村"), ("李秀英", "北村")]
