"""The demo generator: counts, valid IDs and codes, determinism, consistency, refusal, cancel."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, selectinload

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import IdNumber
from fupin_desktop.domain.validation import MULTI_SEPARATOR, validate_household
from fupin_desktop.services.demo import DemoCancelled, DemoSummary, generate_demo
from fupin_desktop.services.households import household_facts
from fupin_desktop.store.models import Base, Household, Person, Region, Visit, VisitChange

TODAY = date(2026, 11, 22)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator[Callable[[str], Engine]]:
    engines: list[Engine] = []

    def make(name: str) -> Engine:
        engine = create_engine(f"sqlite:///{tmp_path / name}")
        Base.metadata.create_all(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def generate(engine: Engine, households: int, seed: int = 1, **options: object) -> DemoSummary:
    with engine.begin() as connection:
        return generate_demo(connection, households, seed, today=TODAY, **options)  # type: ignore[arg-type]


def count(engine: Engine, table: type[Base]) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def table_digest(engine: Engine, table: type[Base]) -> str:
    digest = hashlib.sha256()
    with engine.connect() as connection:
        columns = table.__table__.c
        for row in connection.execute(select(columns).order_by(columns.id)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_counts_match_what_was_asked(engine: Engine) -> None:
    summary = generate(engine, 350)
    assert summary.households == count(engine, Household) == 350
    assert summary.people == count(engine, Person)
    assert summary.visits == count(engine, Visit)
    assert summary.regions == count(engine, Region)
    assert 350 <= summary.people <= 350 * 7
    assert 350 <= summary.visits <= 350 * 3
    with Session(engine) as session:
        assert session.scalar(select(func.sum(Household.member_count))) == summary.people
        for household in session.scalars(select(Household).options(selectinload(Household.members))):
            head = household.members[0]
            assert head.relation == "户主" and head.sort_order == 0
            assert household.head_name == head.name
            assert household.member_count == len(household.members)
            assert [m.sort_order for m in household.members] == list(range(len(household.members)))


def test_one_township_of_twenty_villages_for_2000_households(engine: Engine) -> None:
    generate(engine, 2000)
    with Session(engine) as session:
        levels = dict(session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
        assert levels == {"county": 1, "township": 1, "village": 20}
        per_village = session.scalars(select(func.count()).select_from(Household).group_by(Household.village_id)).all()
        assert all(60 <= n <= 140 for n in per_village)


def test_townships_grow_with_the_household_count(engine: Engine) -> None:
    generate(engine, 5000)
    with Session(engine) as session:
        village_counts = (
            session.execute(
                select(func.count()).select_from(Region).where(Region.level == "village").group_by(Region.parent_id)
            )
            .scalars()
            .all()
        )
    assert len(village_counts) == 3
    assert sum(village_counts) == 50
    assert all(12 <= n <= 20 for n in village_counts)


def test_region_codes_are_12_digits_under_their_parent(engine: Engine) -> None:
    generate(engine, 2500)
    with Session(engine) as session:
        regions = {region.id: region for region in session.scalars(select(Region))}
    prefix = {"township": 6, "village": 9}
    names_by_parent: dict[object, list[str]] = {}
    for region in regions.values():
        assert region.code is not None and len(region.code) == 12 and region.code.isdigit()
        names_by_parent.setdefault(region.parent_id, []).append(region.name)
        if region.level == "county":
            assert region.parent_id is None and region.code.endswith("000000")
            continue
        parent = regions[region.parent_id]  # type: ignore[index]
        assert parent.code is not None
        assert region.code.startswith(parent.code[: prefix[region.level]])
        if region.level == "township":
            assert region.code.endswith("000") and region.name[-1] in "镇乡"
        else:
            assert region.code[-3:] != "000" and region.name.endswith("村")
    for names in names_by_parent.values():
        assert len(names) == len(set(names))


def test_every_id_number_is_valid_and_matches_sex_and_birth(engine: Engine) -> None:
    generate(engine, 1500)
    with Session(engine) as session:
        county = session.scalars(select(Region).where(Region.level == "county")).one()
        people = session.scalars(select(Person)).all()
    assert county.code is not None
    seen: set[str] = set()
    for person in people:
        assert person.id_number is not None
        parsed = IdNumber.parse(person.id_number, today=TODAY)
        assert parsed.value == person.id_number
        assert parsed.sex == person.sex
        assert parsed.birth_date == person.birth_date
        assert parsed.area_code == county.code[:6]
        assert parsed.warnings == ()
        assert person.id_number not in seen
        seen.add(person.id_number)


def test_same_seed_same_rows_other_seed_other_rows(make_engine: Callable[[str], Engine]) -> None:
    first, second, other = make_engine("a.db"), make_engine("b.db"), make_engine("c.db")
    generate(first, 400, seed=7)
    generate(second, 400, seed=7)
    generate(other, 400, seed=8)
    for table in (Region, Household, Person, Visit, VisitChange):
        assert table_digest(first, table) == table_digest(second, table)
    assert table_digest(first, Person) != table_digest(other, Person)


def test_a_sample_of_households_has_no_validation_errors(engine: Engine) -> None:
    generate(engine, 2000, seed=3)
    with Session(engine) as session:
        ids = session.scalars(select(Household.id).order_by(Household.household_no)).all()
        sample = random.Random(0).sample(ids, 200)
        households = session.scalars(
            select(Household).where(Household.id.in_(sample)).options(selectinload(Household.members))
        ).all()
        assert len(households) == 200
        for household in households:
            errors = [p for p in validate_household(household_facts(household), TODAY) if p.is_error]
            assert errors == [], (household.household_no, errors)


def test_coded_values_come_from_the_code_lists(engine: Engine) -> None:
    generate(engine, 1500)
    person_lists = {
        Person.ethnicity: "ethnicity",
        Person.relation: "relation",
        Person.education: "education",
        Person.school_status: "school_status",
        Person.health: "health",
        Person.labour: "labour",
        Person.employment: "employment",
    }
    household_lists = {
        Household.household_type: "household_type",
        Household.status: "household_status",
        Household.main_cause: "poverty_cause",
        Household.other_causes: "poverty_cause",
    }
    with Session(engine) as session:
        for column, list_name in {**person_lists, **household_lists, Visit.method: "visit_method"}.items():
            values = session.scalars(select(column).distinct()).all()
            for value in values:
                for piece in (value or "").split(MULTI_SEPARATOR):
                    assert not piece or piece in codelist(list_name), (list_name, piece)


def test_members_are_consistent_with_their_age_and_family(engine: Engine) -> None:
    generate(engine, 1500, seed=5)
    with Session(engine) as session:
        households = session.scalars(select(Household).options(selectinload(Household.members))).all()
    school_years = {"小学", "七年级", "八年级", "九年级"}
    for household in households:
        head, *others = household.members
        assert head.birth_date is not None
        for person in household.members:
            assert person.birth_date is not None and person.birth_date <= TODAY
            age = (TODAY - person.birth_date).days // 365
            if 7 <= age <= 14:
                assert person.school_status in school_years
            if age < 3:
                assert person.education == "学龄前儿童"
            if person.employment == "未务工":
                assert person.work_months == 0 and person.work_place is None
            elif person.employment is not None:
                assert person.work_place and 1 <= (person.work_months or 0) <= 12
            if person.phone:
                assert len(person.phone) == 11 and person.phone[0] == "1" and person.phone[1] in "3456789"
            assert (person.name_pinyin, person.name_initials) != ("", "")
        father = next((m for m in household.members if m.relation in ("户主", "配偶") and m.sex == "男"), None)
        for child in others:
            if child.relation in ("之子", "之女") and father is not None:
                assert child.name[0] == father.name[0]
            if child.relation in ("之子", "之女"):
                assert (child.birth_date - head.birth_date).days >= 14 * 365  # type: ignore[operator]
            if child.relation in ("之父", "之母"):
                assert (head.birth_date - child.birth_date).days >= 18 * 365  # type: ignore[operator]


def test_visits_are_in_the_last_two_years_and_changes_end_at_current_values(engine: Engine) -> None:
    generate(engine, 1000, seed=2)
    with Session(engine) as session:
        visits = session.scalars(select(Visit).options(selectinload(Visit.changes))).all()
        people = {person.id: person for person in session.scalars(select(Person))}
    assert any(visit.changes for visit in visits)
    for visit in visits:
        assert TODAY - timedelta(days=731) <= visit.visit_date <= TODAY
        assert len(visit.visitors.split(MULTI_SEPARATOR)) == 2
        assert visit.notes
        for change in visit.changes:
            person = people[change.person_id]  # type: ignore[index]
            assert change.person_name == person.name
            assert change.old_value != change.new_value
            current = getattr(person, change.field)
            assert change.new_value == (None if current is None else str(current))


def test_refuses_a_database_that_has_households(engine: Engine) -> None:
    generate(engine, 10)
    with pytest.raises(ValueError, match="已有"):
        generate(engine, 10)
    assert count(engine, Household) == 10


@pytest.mark.parametrize("households", [0, -5, 200_001])
def test_refuses_a_household_count_out_of_range(engine: Engine, households: int) -> None:
    with pytest.raises(ValueError, match="户数"):
        generate(engine, households)
    assert count(engine, Region) == 0


def test_reports_progress_and_stops_when_cancelled(make_engine: Callable[[str], Engine]) -> None:
    reports: list[tuple[int, int]] = []
    generate(make_engine("full.db"), 2500, progress=lambda done, total: reports.append((done, total)))
    assert reports[0] == (0, 2500) and reports[-1] == (2500, 2500)
    assert [done for done, _ in reports] == sorted({done for done, _ in reports})

    cancelled_engine = make_engine("cancelled.db")
    done_reports: list[int] = []
    with pytest.raises(DemoCancelled):
        generate(
            cancelled_engine,
            2500,
            progress=lambda done, _total: done_reports.append(done),
            cancelled=lambda: len(done_reports) > 1,
        )
    assert done_reports[-1] < 2500
    assert count(cancelled_engine, Household) == 0  # the caller's transaction rolled back
    assert count(cancelled_engine, Region) == 0
