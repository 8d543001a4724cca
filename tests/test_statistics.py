"""The 统计 figures on random demo databases: every rate within 100 %, totals that add up from the
villages to the county, the people behind each count being exactly that many and inside the
denominator's people, and counts checked once more straight from the records."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, insert, select, update

from fupin_desktop.commands.demo import fill_demo_station_profile
from fupin_desktop.services import statistics
from fupin_desktop.services.demo import generate_demo
from fupin_desktop.services.demo_workflow import generate_demo_workflow
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import person_facts, update_person
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import Household, Person, Region
from fupin_desktop.store.uow import UnitOfWork

TODAY = date(2026, 11, 22)


def _split_township(database: Database) -> None:
    """Move the last village into a second township, so that the county has two children."""
    with database.engine.begin() as connection:
        county, code = connection.execute(select(Region.id, Region.code).where(Region.level == "county")).one()
        villages = connection.execute(
            select(Region.id).where(Region.level == "village").order_by(Region.code.desc())
        ).all()
        second = uuid.uuid4()
        connection.execute(
            insert(Region).values(
                id=second, code=code[:6] + "299000", name="测试乡", level="township", parent_id=county
            )
        )
        connection.execute(update(Region).where(Region.id == villages[0][0]).values(parent_id=second))


@pytest.fixture(params=[(5, 220), (29, 330)], ids=lambda p: f"seed{p[0]}-{p[1]}households")
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    seed, households = request.param
    database = open_database(tmp_path / "demo.db")
    with database.engine.begin() as connection:
        generate_demo(connection, households, seed, today=TODAY)
        generate_demo_workflow(connection, seed, TODAY)
    fill_demo_station_profile(database)
    _split_township(database)
    yield database
    database.dispose()


def _regions(database: Database, level: str) -> list[uuid.UUID]:
    with database.session_factory() as session:
        return list(session.scalars(select(Region.id).where(Region.level == level).order_by(Region.code)))


def _all_people(database: Database, figure: str, column: str, **where: object) -> list[statistics.PersonBehind]:
    found: list[statistics.PersonBehind] = []
    while True:
        page = statistics.people_behind(
            database, figure=figure, column=column, offset=len(found), limit=97, today=TODAY, **where
        )
        found.extend(page.people)
        if len(found) >= page.total or not page.people:
            return found


def test_every_rate_is_within_its_denominator_in_every_row_and_total(demo: Database) -> None:
    county = _regions(demo, "county")[0]
    for region in [county, *_regions(demo, "township"), *_regions(demo, "village")]:
        stats = statistics.compute_statistics(demo, region_id=region, today=TODAY)
        for table in stats.figures:
            for _label, numerator, denominator in table.spec.rates:
                for row in [None, *range(len(table.rows))]:
                    assert table.value(row, numerator) <= table.value(row, denominator), (table.key, row)
            for i in range(len(table.columns)):
                assert table.totals[i] == sum(row[i] for row in table.counts)


def test_a_regions_total_is_the_sum_of_its_children_from_county_to_village(demo: Database) -> None:
    county = statistics.compute_statistics(demo, region_id=_regions(demo, "county")[0], today=TODAY)
    assert [r.level for r in county.area.rows] == ["township", "township"]
    assert county.figure("employment").totals[0] > 0
    for row, township in enumerate(county.area.rows):
        below = statistics.compute_statistics(demo, region_id=township.id, today=TODAY)
        for table, inner in zip(county.figures, below.figures, strict=True):
            assert inner.totals == table.counts[row], (table.key, township.name)
        for index, village in enumerate(below.area.rows):
            single = statistics.compute_statistics(demo, region_id=village.id, today=TODAY)
            assert single.area.rows == (village,)
            for table, inner in zip(below.figures, single.figures, strict=True):
                assert inner.totals == table.counts[index]


def test_the_people_behind_a_count_are_that_many_and_inside_the_denominator(demo: Database) -> None:
    county_id = _regions(demo, "county")[0]
    stats = statistics.compute_statistics(demo, region_id=county_id, today=TODAY)
    for table in stats.figures:
        for column in table.columns:
            for row in [None, 0]:
                people = _all_people(demo, table.key, column.key, region_id=county_id, row=row)
                assert sum(p.count for p in people) == table.value(row, column.key), (table.key, column.key, row)
        for _label, numerator, denominator in table.spec.rates:
            inner = {(p.person_id, p.household_id) for p in _all_people(demo, table.key, numerator)}
            outer = {(p.person_id, p.household_id) for p in _all_people(demo, table.key, denominator)}
            assert inner <= outer, table.key


def test_employment_coverage_counted_again_from_the_members(demo: Database) -> None:
    with demo.session_factory() as session:
        members = session.execute(select(Person.household_id, Person.labour, Person.employment)).all()
        households = session.scalar(select(Household.id).limit(1))
    assert households is not None
    labour: set[uuid.UUID] = set()
    working: set[uuid.UUID] = set()
    for household, capacity, employment in members:
        if capacity in statistics.LABOUR:
            labour.add(household)
        if employment and employment != "未务工":
            working.add(household)
    stats = statistics.compute_statistics(demo, region_id=_regions(demo, "county")[0], today=TODAY)
    employment_table = stats.figure("employment")
    assert employment_table.totals == (len(labour), len(labour & working))


def test_the_station_area_is_the_default_and_a_future_year_is_refused(demo: Database) -> None:
    stats = statistics.compute_statistics(demo, today=TODAY)
    assert stats.area.region is not None and stats.area.region.level == "township"
    assert stats.period.end == TODAY
    with pytest.raises(ServiceError, match="2027年还没有到"):
        statistics.compute_statistics(demo, year=2027, today=TODAY)
    last_year = statistics.compute_statistics(demo, year=2025, today=TODAY)
    assert last_year.period == statistics.Period(date(2025, 1, 1), date(2025, 12, 31))


def test_a_change_to_a_member_shows_at_once_although_figures_are_remembered(demo: Database) -> None:
    """The figures are kept between views; any audited change makes them be counted again."""
    county = _regions(demo, "county")[0]
    before = statistics.compute_statistics(demo, region_id=county, today=TODAY)
    with _statements(demo) as sent:
        again = statistics.compute_statistics(demo, region_id=county, today=TODAY)
    assert _numbers(again) == _numbers(before) and not _aggregates(sent)
    with demo.session_factory() as session:
        working = (Person.employment.is_not(None)) & (Person.employment != "未务工")
        busy = select(Person.household_id).where(working)
        idle = session.execute(
            select(Person.id, Person.household_id)
            .where(Person.labour.in_(statistics.LABOUR), Person.household_id.not_in(busy), Person.locked.is_(False))
            .limit(1)
        ).one()
        member = session.get(Person, idle[0])
        assert member is not None
        facts = replace(person_facts(member), employment="省外务工", work_place="浙江宁波", work_months=6)
    with UnitOfWork(demo, "测试员") as uow:
        update_person(uow, idle[0], facts, on=TODAY)
        uow.commit()
    after = statistics.compute_statistics(demo, region_id=county, today=TODAY)
    labour, working_households = after.figure("employment").totals
    assert (labour, working_households) == (
        before.figure("employment").totals[0],
        before.figure("employment").totals[1] + 1,
    )


def test_a_township_or_village_inside_an_area_counted_before_is_only_added_up(demo: Database) -> None:
    """After the county, a drill-down reads no aggregate again, and gives what counting it afresh gives."""
    county, township, village = (_regions(demo, level)[0] for level in ("county", "township", "village"))
    statistics.compute_statistics(demo, region_id=county, today=TODAY)
    for region in (township, village):
        with _statements(demo) as sent:
            remembered = statistics.compute_statistics(demo, region_id=region, today=TODAY)
        assert not _aggregates(sent)
        statistics._cache.clear()
        assert _numbers(statistics.compute_statistics(demo, region_id=region, today=TODAY)) == _numbers(remembered)
    # The other way round the area is counted: a village's counts do not cover the county.
    statistics._cache.clear()
    statistics.compute_statistics(demo, region_id=village, today=TODAY)
    with _statements(demo) as sent:
        statistics.compute_statistics(demo, region_id=county, today=TODAY)
    assert len(_aggregates(sent)) == len(statistics.FIGURE_KEYS)


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def _numbers(stats: statistics.Statistics) -> list[tuple[object, ...]]:
    return [(table.key, table.rows, table.counts, table.totals) for table in stats.figures]


def _aggregates(statements: list[str]) -> list[str]:
    return [s for s in statements if "GROUP BY u.village" in s]
