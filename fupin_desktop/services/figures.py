"""Every figure of the three period sheets, defined once (docs/figures.md says the same in words).

A figure is a predicate over one intention's course — the first moment it reached each milestone —
and the period, or (两后生) over one person's record. The sheets only group and add up what these
predicates count, so that a "其中" column can never exceed its parent and a rate's numerator is
always a subset of its denominator: each child predicate is its parent's predicate *and* more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.eligibility import (
    LIANG_HOU_SHENG_EDUCATION,
    LIANG_HOU_SHENG_SCHOOL_STATUS,
    age_on,
    household_refusal,
)
from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.domain.workflow import State, chinese_date
from fupin_desktop.services.joins import with_people
from fupin_desktop.store.models import Household, Intention, IntentionTransition, Person

# Transitions are stored in UTC; a day in a report is a day in China (UTC+8).
CHINA_OFFSET = timedelta(hours=8)
NO_SCHOOL = "（未填院校）"
NO_PROVIDER = "（未填培训机构）"
NOT_CHOSEN = "（尚未选报院校）"


@dataclass(frozen=True)
class Period:
    """The days a sheet covers, first and last included (China time)."""

    start: date
    end: date

    @property
    def utc_from(self) -> datetime:
        return datetime.combine(self.start, time()) - CHINA_OFFSET

    @property
    def utc_to(self) -> datetime:  # exclusive
        return datetime.combine(self.end + timedelta(days=1), time()) - CHINA_OFFSET

    @property
    def label(self) -> str:
        return f"{chinese_date(self.start)}至{chinese_date(self.end)}"

    def within(self, moment: datetime | None) -> bool:
        return moment is not None and self.utc_from <= moment < self.utc_to

    def by_end(self, moment: datetime | None) -> bool:
        """Reached before the period ended (in it or earlier)."""
        return moment is not None and moment < self.utc_to


@dataclass(frozen=True)
class Course:
    """One intention and the first time it reached each milestone of the workflow (UTC)."""

    id: uuid.UUID
    person_id: uuid.UUID
    kind: str  # training / school / employment / business
    place: str  # the school or training provider it is counted under
    enrolled: datetime | None  # 已录取/已参训
    completed: datetime | None  # 已结业/已毕业
    employed: datetime | None  # 已就业
    left: datetime | None  # 本人放弃 (WITHDRAWN)


# --- the figures ------------------------------------------------------------------------------------

CourseFigure = Callable[[Course, Period], bool]


def school_admitted(c: Course, p: Period) -> bool:
    """当(半)年招收建档立卡贫困家庭子女人数: a 技工院校 intention admitted (已录取) in the period."""
    return c.kind == "school" and p.within(c.enrolled)


def school_at_school(c: Course, p: Period) -> bool:
    """建档立卡贫困家庭子女在校生人数: admitted by the period's end, neither graduated nor withdrawn by then."""
    return c.kind == "school" and p.by_end(c.enrolled) and not p.by_end(c.completed) and not p.by_end(c.left)


def school_graduated(c: Course, p: Period) -> bool:
    """建档立卡贫困家庭子女毕业生人数 / 毕业数: graduated (已毕业) in the period."""
    return c.kind == "school" and p.within(c.completed)


def school_graduate_employed(c: Course, p: Period) -> bool:
    """毕业生就业人数 / 就业数: of the period's graduates, those employed by the period's end."""
    return school_graduated(c, p) and p.by_end(c.employed)


def training_trained(c: Course, p: Period) -> bool:
    """当(半)年面向建档立卡贫困家庭劳动者开展职业培训人数: a training intention that started (已参训) in the period."""
    return c.kind == "training" and p.within(c.enrolled)


def training_completed(c: Course, p: Period) -> bool:
    """其中：培训结业人数: of the period's trainees, those who completed (已结业) by the period's end."""
    return training_trained(c, p) and p.by_end(c.completed)


def training_employed(c: Course, p: Period) -> bool:
    """培训后就业创业人数: of the period's trainees, those employed or self-employed by the period's end."""
    return training_trained(c, p) and p.by_end(c.employed)


# Each child figure with the parent it is part of: the child's predicate implies the parent's.
PARTS: dict[CourseFigure, CourseFigure] = {
    school_graduate_employed: school_graduated,
    training_completed: training_trained,
    training_employed: training_trained,
}


@dataclass(frozen=True)
class Candidate:
    """A person's record as read for the 两后生 count, with the school of their latest school intention."""

    person_id: uuid.UUID
    birth: date | None
    education: str | None
    school_status: str | None
    household_type: str | None
    household_status: str | None
    school: str | None


def liang_hou_sheng(person: Candidate, profile: ProvinceProfile, p: Period) -> bool:
    """当(半)年建档立卡贫困家庭应往届两后生人数: a member of a 建档立卡 household whose education is 初中 or
    高中, who is not at school (or is in the final year: 应届), and whose age on the period's last day is
    within the profile's 技工院校 bounds — counted from the people, whether or not they have an intention."""
    if person.birth is None or household_refusal(person.household_type, person.household_status):
        return False
    if person.education not in LIANG_HOU_SHENG_EDUCATION:
        return False
    if person.school_status and person.school_status not in LIANG_HOU_SHENG_SCHOOL_STATUS:
        return False
    bounds = profile.school_age
    return bounds.min <= age_on(person.birth, p.end) <= bounds.max_male


def rate(numerator: int, denominator: int) -> str | None:
    """就业率(%) with one decimal; none without a denominator."""
    if not denominator:
        return None
    return f"{numerator * 100 / denominator:.1f}"


# --- reading ----------------------------------------------------------------------------------------


def _place(kind: str, provider: str | None, school: str | None) -> str:
    if kind == "school":
        return provider or school or NO_SCHOOL
    return provider or NO_PROVIDER


def courses(session: Session, villages: list[uuid.UUID] | None, kinds: Iterable[str]) -> list[Course]:
    """Every intention of ``kinds`` in the area (None = everywhere) that was ever admitted or started."""

    def first(state: State) -> Any:
        return func.min(case((IntentionTransition.to_state == state.value, IntentionTransition.at)))

    query = (
        select(
            Intention.id,
            Intention.person_id,
            Intention.kind,
            Intention.provider,
            Intention.school,
            first(State.ENROLLED),
            first(State.COMPLETED),
            first(State.EMPLOYED),
            first(State.WITHDRAWN),
        )
        .join(IntentionTransition, IntentionTransition.intention_id == Intention.id)
        .where(Intention.kind.in_(list(kinds)))
        .group_by(Intention.id)
        .having(first(State.ENROLLED).is_not(None))  # never admitted or started: no figure counts it
    )
    if villages is not None:
        query = with_people(query).where(Household.village_id.in_(villages))
    found = []
    for iid, pid, kind, provider, school, enrolled, completed, employed, left in session.execute(query):
        found.append(Course(iid, pid, kind, _place(kind, provider, school), enrolled, completed, employed, left))
    return found


def candidates(session: Session, villages: list[uuid.UUID] | None) -> list[Candidate]:
    """People who might be 两后生 (初中/高中 education), with the school of their latest school intention."""
    latest = (
        select(Intention.person_id, func.max(Intention.created_at).label("at"))
        .where(Intention.kind == "school")
        .group_by(Intention.person_id)
        .subquery()
    )
    query = (
        select(
            Person.id,
            Person.birth_date,
            Person.education,
            Person.school_status,
            Household.household_type,
            Household.status,
            func.coalesce(func.nullif(Intention.provider, ""), func.nullif(Intention.school, "")),
        )
        .join(Household, Household.id == Person.household_id)
        .outerjoin(latest, latest.c.person_id == Person.id)
        .outerjoin(
            Intention,
            (Intention.person_id == Person.id) & (Intention.kind == "school") & (Intention.created_at == latest.c.at),
        )
        .where(Person.education.in_(sorted(LIANG_HOU_SHENG_EDUCATION)))
    )
    if villages is not None:
        query = query.where(Household.village_id.in_(villages))
    seen: set[uuid.UUID] = set()
    found = []
    for pid, birth, education, status, htype, hstatus, school in session.execute(query):
        if pid in seen:  # two school intentions created in the same instant
            continue
        seen.add(pid)
        found.append(Candidate(pid, birth, education, status, htype, hstatus, school))
    return found


def count_by_place(items: Iterable[Course], period: Period, figure: CourseFigure) -> dict[str, int]:
    counts: dict[str, int] = {}
    for course in items:
        if figure(course, period):
            counts[course.place] = counts.get(course.place, 0) + 1
    return counts


def liang_hou_sheng_by_school(people: Iterable[Candidate], profile: ProvinceProfile, period: Period) -> dict[str, int]:
    counts: dict[str, int] = {}
    for person in people:
        if liang_hou_sheng(person, profile, period):
            place = person.school or NOT_CHOSEN
            counts[place] = counts.get(place, 0) + 1
    return counts
