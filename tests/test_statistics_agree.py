"""A figure on screen, on paper and in the stats xlsx is one number.

Over generated databases (seeds × days the year is cut at × every area from the county down to each
village) the 统计 figures are counted again here straight from services/figures.py — the courses and
the 两后生 predicate the period sheets use — and compared row by row; the 技工院校进展情况表 built for
the same area and period must show the same 两后生; the xlsx written by `stats` holds the page's
numbers; and no sub-count exceeds its parent in any row.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fupin_desktop.commands.demo import fill_demo_station_profile
from fupin_desktop.services import figures, statistics
from fupin_desktop.services.demo import generate_demo
from fupin_desktop.services.demo_workflow import generate_demo_workflow
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.sheets.common import SheetRequest, province_of
from fupin_desktop.services.sheets.progress_school import build_progress_school
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import Household, Intention, Person, Region
from tests.test_statistics import _split_township

SEEDS = (3, 8, 13, 21, 34)
# Each sub-count and the count it is a part of, per figure (the rates' numerators are among these).
PARTS = {
    "training": (("wish", "labour"), ("trained", "wish")),
    "school": (("enrolled", "wish"),),
    "employment": (("working", "labour"),),
    "subsidies": (("training_full", "training"), ("living_full", "living"), ("travel_over", "travel")),
}


@pytest.fixture(params=SEEDS, ids=lambda seed: f"seed{seed}")
def county(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, random.Random]]:
    seed = request.param
    rng = random.Random(seed)
    database = open_database(tmp_path / "demo.db")
    today = date(2026, 11, 22) - timedelta(days=rng.randint(0, 300))
    with database.engine.begin() as connection:
        generate_demo(connection, rng.randint(200, 420), seed, today=today)
        generate_demo_workflow(connection, seed, today)
    fill_demo_station_profile(database)
    _split_township(database)
    yield database, rng
    database.dispose()


def _days(rng: random.Random) -> list[date]:
    """Days to count on: the year cut at today at different points, and a whole past year."""
    return [date(2026, 1, 1) + timedelta(days=rng.randint(0, 325)) for _ in range(3)] + [date(2026, 11, 22)]


def _areas(database: Database) -> list[uuid.UUID]:
    with database.session_factory() as session:
        return list(session.scalars(select(Region.id).order_by(Region.level, Region.code)))


def _by_row(area: statistics.Area, people: dict[uuid.UUID, uuid.UUID]) -> list[int]:
    """People (person → village) counted into the area's rows."""
    rows = [0] * len(area.rows)
    for village in people.values():
        if village in area.village_row:
            rows[area.village_row[village]] += 1
    return rows


def _from_figures(database: Database, area: statistics.Area, period: figures.Period) -> dict[str, list[int]]:
    """The rows of 两后生, 本年已参训 and 已就读, counted with figures.py alone."""
    villages = list(area.villages) if area.villages is not None else None
    with database.session_factory() as session:
        province = province_of(load_station_profile(session))
        where = select(Person.id, Household.village_id, Person.labour).join(Household)
        person = {pid: (village, labour) for pid, village, labour in session.execute(where)}
        wishes: dict[str, set[uuid.UUID]] = {"training": set(), "school": set()}
        for pid, kind in session.execute(
            select(Intention.person_id, Intention.kind).where(Intention.created_at < period.utc_to)
        ):
            wishes.get(kind, set()).add(pid)
        courses = figures.courses(session, villages, ("training", "school"))
        candidates = figures.candidates(session, villages)
    trained = {
        c.person_id: person[c.person_id][0]
        for c in courses
        if figures.training_trained(c, period)
        and person[c.person_id][1] in statistics.LABOUR
        and c.person_id in wishes["training"]
    }
    enrolled = {
        c.person_id: person[c.person_id][0]
        for c in courses
        if (figures.school_admitted(c, period) or figures.school_at_school(c, period))
        and c.person_id in wishes["school"]
    }
    lhs = {c.person_id: person[c.person_id][0] for c in candidates if figures.liang_hou_sheng(c, province, period)}
    return {"trained": _by_row(area, trained), "enrolled": _by_row(area, enrolled), "lhs": _by_row(area, lhs)}


def test_the_page_counts_what_figures_py_counts_in_every_row_of_every_area(
    county: tuple[Database, random.Random],
) -> None:
    database, rng = county
    cases = 0
    for today in _days(rng):
        for region in _areas(database):
            statistics._cache.clear()  # each area counted by its own queries, not added up from the county's
            stats = statistics.compute_statistics(database, region_id=region, today=today)
            expected = _from_figures(database, stats.area, stats.period)
            training, school = stats.figure("training"), stats.figure("school")
            rows = range(len(stats.area.rows))
            assert [training.value(r, "trained") for r in rows] == expected["trained"], (today, region)
            assert [school.value(r, "enrolled") for r in rows] == expected["enrolled"], (today, region)
            assert [school.value(r, "lhs") for r in rows] == expected["lhs"], (today, region)
            for table in stats.figures:
                for part, whole in PARTS.get(table.key, ()):
                    for row in (None, *rows):
                        assert table.value(row, part) <= table.value(row, whole), (table.key, part, row, today)
                assert table.totals == tuple(map(sum, zip(*table.counts, strict=True))) or not table.counts
            cases += 1
    assert cases >= 4 * 4  # four days × the county, two townships and at least one village


def test_the_period_sheet_prints_the_two_after_students_the_page_shows(
    county: tuple[Database, random.Random],
) -> None:
    """The station's township and each of its villages, on the days of the year the page is cut at."""
    database, rng = county
    with database.session_factory() as session:
        profile = load_station_profile(session)
        township = session.scalar(select(Region.id).where(Region.level == "township", Region.name == profile.township))
        villages = list(session.scalars(select(Region.id).where(Region.parent_id == township)))
    assert township is not None and villages
    for today in _days(rng):
        for region in (township, *villages):
            stats = statistics.compute_statistics(database, region_id=region, today=today)
            request = SheetRequest("progress_school", region, stats.period.start, stats.period.end)
            with database.session_factory() as session:
                sheet = build_progress_school(session, request, profile, today).content
            assert sheet.totals is not None
            numbers = sheet.totals[-7:]  # after the 总计 label: 两后生, 招收, 在校生, 毕业, 就业, 培训, 培训后就业
            assert numbers[0] == stats.figure("school").value(None, "lhs"), (today, region)
            # 本年已参训 counts labourers with a wish once each; the sheet counts every course begun.
            assert stats.figure("training").value(None, "trained") <= numbers[5]


def test_the_stats_xlsx_holds_the_numbers_on_screen(county: tuple[Database, random.Random], tmp_path: Path) -> None:
    database, rng = county
    today = _days(rng)[0]
    for region in _areas(database)[:3]:  # the county, a township, a village
        stats = statistics.compute_statistics(database, region_id=region, today=today)
        xlsx, _pdf = statistics.export_statistics(
            database, out_dir=tmp_path / str(region), region_id=region, today=today
        )
        book = load_workbook(xlsx, read_only=True)
        for table, sheet in zip(stats.figures, book.worksheets, strict=True):
            lines = [row for row in sheet.iter_rows(values_only=True) if row and row[0] is not None]
            for r, region_row in enumerate(stats.area.rows):
                line = next(line for line in lines if line[0] == region_row.name)
                assert list(line[1 : 1 + len(table.columns)]) == list(table.counts[r]), (table.key, region_row.name)
            total = next(line for line in lines if line[0] == "合计")
            assert list(total[1 : 1 + len(table.columns)]) == list(table.totals), table.key
        book.close()
