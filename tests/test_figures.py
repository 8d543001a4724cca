"""The figures of the period sheets (docs/figures.md): rules that hold on any data, and the cases of issue 15.

Property-style: several random demo databases, each pushed further along the workflow at random
moments, and random periods; every "其中" ≤ its parent, every rate ≤ 100 % with its numerator a
subset of its denominator, totals = the sum of the rows, and 两后生 counted from the people.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from fupin_desktop.commands.demo import fill_demo_station_profile
from fupin_desktop.domain.eligibility import age_on, household_refusal
from fupin_desktop.domain.profiles import load_province_profile
from fupin_desktop.domain.workflow import State
from fupin_desktop.services import figures
from fupin_desktop.services.demo import generate_demo
from fupin_desktop.services.demo_workflow import generate_demo_workflow
from fupin_desktop.services.settings import StationProfile, load_station_profile, save_station_profile
from fupin_desktop.services.sheets import SheetRequest, build_sheet, default_period, resolve_scope
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import Household, Intention, IntentionTransition, Person
from fupin_desktop.store.uow import UnitOfWork

TODAY = date(2026, 11, 22)
PERIOD_SHEETS = ("progress_school", "progress_training", "progress_shandong", "progress_henan")
# (child column, parent column) by sheet, counted from the first number column (index 2 of a row).
PARTS = {
    "progress_school": [(4, 3)],  # 毕业生就业 ⊆ 毕业生
    "progress_training": [(1, 0), (2, 0)],  # 结业, 就业创业 ⊆ 培训
    "progress_shandong": [(6, 1)],  # 就业数 ⊆ 毕业数 (the school's own columns are blank)
    "progress_henan": [(3, 2), (5, 4)],
}


def _push_further(database: Database, rng: random.Random) -> None:
    """Take people sealed on a sheet or enrolled on through 录取, 毕业/结业, 就业 or 放弃 at random later
    moments, as the year goes on (the demo stops school courses at 录取)."""
    with UnitOfWork(database, "测试员") as uow:
        session = uow.session
        latest = session.execute(
            select(Intention.id, Intention.state, func.max(IntentionTransition.at))
            .join(IntentionTransition, IntentionTransition.intention_id == Intention.id)
            .where(Intention.state.in_([State.SUBMITTED.value, State.ENROLLED.value]))
            .group_by(Intention.id)
        ).all()
        rows = []
        for intention_id, state, at in latest:
            previous, moment = State(state), at
            while previous in (State.SUBMITTED, State.ENROLLED, State.COMPLETED) and rng.random() < 0.75:
                if previous == State.ENROLLED and rng.random() < 0.15:
                    step = State.WITHDRAWN
                else:
                    step = {State.SUBMITTED: State.ENROLLED, State.ENROLLED: State.COMPLETED}.get(
                        previous, State.EMPLOYED
                    )
                moment = moment + timedelta(days=rng.randint(1, 150), hours=rng.randint(0, 23))
                if moment.date() > TODAY:
                    break
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "intention_id": intention_id,
                        "from_state": previous.value,
                        "to_state": step.value,
                        "at": moment,
                        "operator": "测试员",
                        "reason": "本人放弃" if step == State.WITHDRAWN else None,
                    }
                )
                session.execute(update(Intention).where(Intention.id == intention_id).values(state=step.value))
                previous = step
        if rows:
            session.execute(insert(IntentionTransition), rows)
        uow.commit()


@pytest.fixture(params=[(11, 60), (23, 90), (37, 150)], ids=lambda p: f"seed{p[0]}-{p[1]}households")
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, int]]:
    seed, households = request.param
    database = open_database(tmp_path / "demo.db")
    with database.engine.begin() as connection:
        generate_demo(connection, households, seed, today=TODAY)
        generate_demo_workflow(connection, seed, TODAY)
    fill_demo_station_profile(database)
    with UnitOfWork(database, "测试员") as uow:
        current = load_station_profile(uow.session)
        save_station_profile(uow, StationProfile(**{**current.__dict__, "province_profile": "heilongjiang"}))
        uow.commit()
    _push_further(database, random.Random(seed))
    yield database, seed
    database.dispose()


def _periods(rng: random.Random) -> list[tuple[date, date]]:
    found = [(date(2026, 1, 1), date(2026, 6, 30)), (date(2026, 7, 1), TODAY), (date(2025, 1, 1), TODAY)]
    for _ in range(4):
        start = date(2025, 6, 1) + timedelta(days=rng.randint(0, 500))
        end = min(start + timedelta(days=rng.randint(0, 200)), TODAY)
        if end >= start:
            found.append((start, end))
    return found


def _expected_liang_hou_sheng(database: Database, end: date) -> int:
    """Counted here straight from the people, without the figures module."""
    bounds = load_province_profile("heilongjiang").school_age
    with database.session_factory() as session:
        villages = resolve_scope(session, None, load_station_profile(session)).villages
        rows = session.execute(
            select(
                Person.birth_date, Person.education, Person.school_status, Household.household_type, Household.status
            )
            .join(Household, Household.id == Person.household_id)
            .where(Household.village_id.in_(villages or []))
        ).all()
    return sum(
        1
        for birth, education, status, htype, hstatus in rows
        if birth is not None
        and household_refusal(htype, hstatus) is None
        and education in ("初中", "高中")
        and (not status or status in ("非在校生", "九年级", "高中三年级"))
        and bounds.min <= age_on(birth, end) <= bounds.max_male
    )


def test_every_part_is_within_its_parent_and_totals_add_up(demo: tuple[Database, int]) -> None:
    database, seed = demo
    rng = random.Random(seed)
    checked = 0
    with database.session_factory() as session:
        profile = load_station_profile(session)
        for start, end in _periods(rng):
            for sheet in PERIOD_SHEETS:
                content = build_sheet(session, SheetRequest(sheet, start=start, end=end), profile, TODAY).content
                numbers = [row[2:] for row in content.rows]
                assert content.totals is not None
                for column, total in enumerate(content.totals[2:]):
                    if total is None or isinstance(total, str):
                        continue
                    assert total == sum(int(r[column] or 0) for r in numbers), (sheet, column)
                for row in [*numbers, content.totals[2:]]:
                    for child, parent in PARTS[sheet]:
                        assert int(row[child] or 0) <= int(row[parent] or 0), (sheet, start, end, row)
                        checked += 1
                    if sheet == "progress_shandong" and row[7] is not None:
                        assert 0 <= float(str(row[7])) <= 100.0
                if sheet == "progress_school":
                    assert content.totals[2] == _expected_liang_hou_sheng(database, end)
    assert checked > 100


def test_each_part_figure_implies_its_parent_on_every_course(demo: tuple[Database, int]) -> None:
    database, seed = demo
    with database.session_factory() as session:
        courses = figures.courses(session, None, ("school", "training"))
    assert any(c.completed for c in courses) and any(c.employed for c in courses)
    assert any(c.kind == "school" and c.enrolled for c in courses)
    for start, end in _periods(random.Random(seed)):
        period = figures.Period(start, end)
        for course in courses:
            for child, parent in figures.PARTS.items():
                assert not child(course, period) or parent(course, period)


def test_two_after_students_are_people_not_new_intentions(demo: tuple[Database, int]) -> None:
    database, _seed = demo
    with database.session_factory() as session:
        profile = load_station_profile(session)
        content = build_sheet(session, SheetRequest("progress_school"), profile, TODAY).content
    start, end = default_period(TODAY, load_province_profile("heilongjiang"))
    assert content.totals is not None
    assert content.totals[2] == _expected_liang_hou_sheng(database, end)
    assert content.period == f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


# --- the cases of the issue, on a hand-made database -------------------------------------------------


def _course(kind: str, **moments: datetime | None) -> figures.Course:
    values = {"enrolled": None, "completed": None, "employed": None, "left": None, **moments}
    return figures.Course(uuid.uuid4(), uuid.uuid4(), kind, "某技师学院", **values)  # type: ignore[arg-type]


def test_graduates_of_the_first_half_employed_in_the_second_are_not_a_300_percent_rate() -> None:
    students = [
        _course(
            "school",
            enrolled=datetime(2024, 9, 1),
            completed=datetime(2026, 6, 20),
            employed=datetime(2026, 8, 1),
        )
        for _ in range(3)
    ]
    first = figures.Period(date(2026, 1, 1), date(2026, 6, 30))
    second = figures.Period(date(2026, 7, 1), date(2026, 11, 30))
    year = figures.Period(date(2026, 1, 1), date(2026, 11, 30))
    count = figures.count_by_place
    assert count(students, first, figures.school_graduated) == {"某技师学院": 3}
    assert count(students, first, figures.school_graduate_employed) == {}
    assert count(students, second, figures.school_graduated) == {}
    assert count(students, second, figures.school_graduate_employed) == {}
    assert count(students, year, figures.school_graduate_employed) == {"某技师学院": 3}
    assert figures.rate(3, 3) == "100.0"


def test_trainees_completed_are_counted_among_the_trained_of_the_same_period() -> None:
    earlier = [_course("training", enrolled=datetime(2026, 3, 1), completed=datetime(2026, 7, 10)) for _ in range(5)]
    now = [_course("training", enrolled=datetime(2026, 8, 1), completed=datetime(2026, 9, 1)) for _ in range(2)]
    second = figures.Period(date(2026, 7, 1), date(2026, 11, 30))
    trained = figures.count_by_place([*earlier, *now], second, figures.training_trained)
    completed = figures.count_by_place([*earlier, *now], second, figures.training_completed)
    assert trained == {"某技师学院": 2} and completed == {"某技师学院": 2}


def test_a_withdrawn_student_is_no_longer_at_school() -> None:
    left = _course("school", enrolled=datetime(2025, 9, 1), left=datetime(2026, 3, 1))
    assert figures.school_at_school(left, figures.Period(date(2025, 7, 1), date(2025, 12, 31)))
    assert not figures.school_at_school(left, figures.Period(date(2026, 1, 1), date(2026, 6, 30)))


@pytest.mark.parametrize(
    ("profile", "today", "expected"),
    [
        ("shandong", date(2026, 12, 1), (date(2026, 1, 1), date(2026, 12, 1))),  # 全年, sealed before 12/15
        ("shandong", date(2026, 12, 20), (date(2026, 1, 1), date(2026, 12, 15))),  # after: the deadline
        ("shandong", date(2026, 6, 3), (date(2026, 1, 1), date(2026, 6, 3))),
        ("default", date(2026, 9, 3), (date(2026, 7, 1), date(2026, 9, 3))),
        ("heilongjiang", date(2026, 12, 20), (date(2026, 1, 1), date(2026, 12, 10))),  # 全年 in December
        ("heilongjiang", date(2026, 5, 3), (date(2026, 1, 1), date(2026, 5, 3))),
        ("henan", date(2026, 12, 5), (date(2026, 1, 1), date(2026, 11, 30))),  # once a year, 11月底
        ("jinan", date(2026, 8, 1), (date(2026, 1, 1), date(2026, 8, 1))),
        ("default", date(2026, 3, 9), (date(2026, 1, 1), date(2026, 3, 9))),
    ],
)
def test_the_default_period_ends_today_or_at_the_deadline_never_later(
    profile: str, today: date, expected: tuple[date, date]
) -> None:
    assert default_period(today, load_province_profile(profile)) == expected
