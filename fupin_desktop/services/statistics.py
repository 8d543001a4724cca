"""The 统计 page's figures: coverage against the seeds' goals, per child region of an area, for a year.

Every figure is a table: one row per child region of the area (a county's townships, a township's
villages, or the village itself), one column per count, and the area's total. Each column is one
*subject* query — the rows (village, person, household, weight) that the column counts — so the same
definition gives the number (an aggregate grouped by village, one query per figure, folded into the
child regions) and the people behind it (the same query, filtered to one region and paged). The
coverage of training and technical school reads the courses through ``services/figures.py``, the
definitions the period sheets use (docs/figures.md, section 统计).

A rate's numerator is always its denominator's subject query with one more condition, so it can never
exceed 100 %; a region's total is the sum of its children because every subject belongs to exactly
one village. Qt-free.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Select, String, Uuid, case, cast, func, literal, null, select, text, true, type_coerce
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.eligibility import LIANG_HOU_SHENG_EDUCATION
from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.domain.workflow import STATE_LABELS, State
from fupin_desktop.services import figures
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.figures import Period
from fupin_desktop.services.scope import visible_region
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.sheets import province_of
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Intention, IntentionTransition, Person, Region, SubsidyGrant

if TYPE_CHECKING:  # the writers (reportlab, openpyxl) load when the page is first printed, not at start-up
    from fupin_desktop.export.statistics import Cell, StatsDocument

# 劳动技能 values that count as labour (劳动力): the 建档立卡 form's three capacities short of 丧失/无.
LABOUR: Final = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
NOT_WORKING: Final = "未务工"
FUNNEL_KINDS: Final = ("training", "school")
# The side exits of the workflow (DESIGN.md): drawn apart from the main path in the funnel.
SIDE_EXITS: Final = frozenset(
    {State.RETURNED.value, State.REJECTED.value, State.WITHDRAWN.value, State.OBJECTION_UPHELD.value}
)
FIGURE_KEYS: Final = ("funnel", "training", "school", "employment", "subsidies")
FIGURE_TITLES: Final = {
    "funnel": "意愿进度",
    "training": "培训覆盖",
    "school": "技工院校覆盖",
    "employment": "就业覆盖",
    "subsidies": "补贴发放",
}
LEVEL_NAMES: Final = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}


# --- the area -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRegion:
    id: uuid.UUID
    code: str | None
    name: str
    level: str


@dataclass(frozen=True)
class Area:
    """The region a page shows (None: the whole database), the path to it, and its rows."""

    region: AreaRegion | None
    path: tuple[AreaRegion, ...]  # from the top region down to ``region``
    rows: tuple[AreaRegion, ...]  # child regions, or the village itself
    villages: tuple[uuid.UUID, ...] | None  # every village of the area; None = every village there is
    village_row: dict[uuid.UUID, int]  # village → index of the row it is counted in

    @property
    def name(self) -> str:
        return self.region.name if self.region else "全部区划"

    def row_villages(self, row: int) -> list[uuid.UUID]:
        return [village for village, index in self.village_row.items() if index == row]


def resolve_area(session: Session, region_id: uuid.UUID | None) -> Area:
    """The area of ``region_id``; without one the station's own area (设置 → 所在乡镇), or else the top region."""
    rows = session.execute(select(Region.id, Region.code, Region.name, Region.level, Region.parent_id)).all()
    regions = {r[0]: AreaRegion(r[0], r[1], r[2], r[3]) for r in rows}
    parent = {r[0]: r[4] for r in rows}
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for r in rows:
        children.setdefault(r[4], []).append(r[0])
    for kids in children.values():
        kids.sort(key=lambda rid: (regions[rid].code or "", regions[rid].name))
    if region_id is not None and region_id not in regions:
        raise ServiceError("所选区划已不存在，请刷新后重试。")
    target = region_id
    if target is None:
        home = load_station_profile(session).township.strip()
        homes = [r for r in regions.values() if home and r.name == home and r.level in ("township", "county")]
        if homes:
            target = min(homes, key=lambda r: (r.level != "township", r.code or "")).id
        elif len(children.get(None, [])) == 1:
            target = children[None][0]
    if target is None:
        row_ids = children.get(None, [])
        path: tuple[AreaRegion, ...] = ()
    else:
        row_ids = children.get(target, []) if regions[target].level != "village" else [target]
        chain = []
        current: uuid.UUID | None = target
        while current is not None:
            chain.append(regions[current])
            current = parent.get(current)
        path = tuple(reversed(chain))
    village_row: dict[uuid.UUID, int] = {}
    for index, top in enumerate(row_ids):
        stack = [top]
        while stack:
            current_id = stack.pop()
            if regions[current_id].level == "village":
                village_row[current_id] = index
            stack.extend(children.get(current_id, []))
    every_village = sum(1 for r in regions.values() if r.level == "village")
    # An area holding every village needs no filter: the queries then read the tables whole.
    villages = tuple(village_row) if target is not None and len(village_row) < every_village else None
    return Area(
        regions[target] if target is not None else None,
        path,
        tuple(regions[r] for r in row_ids),
        villages,
        village_row,
    )


# --- figures ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every subject query needs: the year's period (China days) and the province profile."""

    period: Period
    province: ProvinceProfile
    villages: tuple[uuid.UUID, ...] | None = None  # None: everywhere

    def within(self, query: Select[Any]) -> Select[Any]:
        """``query`` (which joins Household) limited to the villages counted."""
        if self.villages is None:
            return query
        return query.where(Household.village_id.in_(self.villages))


# The rows a figure counts, one per subject: (village id, person id or NULL, household id), with the
# columns its conditions read.
Universe = Callable[[Context], Select[Any]]
# A column's condition over its figure's universe, and what each subject adds (1, or yuan).
Condition = Callable[[Context, Any], Any]
# Columns computed in Python from the figures.py predicates: column key → (village, person, household).
Computed = Callable[[Session, Context], dict[str, list[tuple[Any, Any, Any]]]]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    condition: Condition | None = None  # None: one of the figure's computed columns
    weight: Condition | None = None  # None: each subject counts 1
    people: bool = True  # False: a sum of yuan, not a count


@dataclass(frozen=True)
class FigureSpec:
    key: str
    title: str
    subject: str  # the unit of a count: 人, 户, or 条 (intentions)
    universe: Universe
    columns: tuple[Column, ...]
    definition: str
    rates: tuple[tuple[str, str, str], ...] = ()  # (label, numerator key, denominator key)
    chart_columns: tuple[str, ...] = ()  # the series drawn per region; empty: one bar per column (the area)
    computed: Computed | None = None


@dataclass(frozen=True)
class FigureTable:
    """One figure for one area: counts[row][column], the total row, and the rates."""

    spec: FigureSpec
    rows: tuple[AreaRegion, ...]
    counts: tuple[tuple[int, ...], ...]
    totals: tuple[int, ...]

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.spec.columns

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.spec.columns) if c.key == key)

    def value(self, row: int | None, key: str) -> int:
        """A count of ``row`` (None: the total)."""
        values = self.totals if row is None else self.counts[row]
        return values[self.index(key)]

    def rate(self, row: int | None, numerator: str, denominator: str) -> str | None:
        return figures.rate(self.value(row, numerator), self.value(row, denominator))


@dataclass(frozen=True)
class Statistics:
    area: Area
    year: int
    period: Period
    province: ProvinceProfile
    figures: tuple[FigureTable, ...] = field(default=())

    def figure(self, key: str) -> FigureTable:
        return next(f for f in self.figures if f.key == key)


def _subjects(village: Any, person: Any, household: Any) -> tuple[Any, ...]:
    return village.label("village"), person.label("person"), household.label("household")


def _funnel(ctx: Context) -> Select[Any]:
    """Intentions (培训, 技工院校) registered in the year, with their workflow state now."""
    return ctx.within(
        select(*_subjects(Household.village_id, Intention.person_id, Person.household_id), Intention.state)
        .join(Person, Person.id == Intention.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(
            Intention.kind.in_(FUNNEL_KINDS),
            Intention.created_at >= ctx.period.utc_from,
            Intention.created_at < ctx.period.utc_to,
        )
    )


def _in_state(state: State) -> Condition:
    return lambda _ctx, u: u.c.state == state.value


def _wishing(kind: str, ctx: Context) -> Any:
    """People with an intention of ``kind`` registered by the period's end (any state): one set, not a
    lookup per person."""
    return select(Intention.person_id).where(Intention.kind == kind, Intention.created_at < ctx.period.utc_to)


def _has_intention(kind: str) -> Condition:
    return lambda ctx, u: u.c.person.in_(_wishing(kind, ctx))


def _people(ctx: Context, *conditions: Any) -> Select[Any]:
    return ctx.within(
        select(*_subjects(Household.village_id, Person.id, Person.household_id))
        .join(Household, Household.id == Person.household_id)
        .where(*conditions)
    )


def _labourers(ctx: Context) -> Select[Any]:
    return _people(ctx, Person.labour.in_(LABOUR))


def _school_wishers(ctx: Context) -> Select[Any]:
    return _people(ctx, Person.id.in_(_wishing("school", ctx)))


def _always(_ctx: Context, _u: Any) -> Any:
    return true()


def _ever_enrolled(kind: str) -> Any:
    """People with an intention of ``kind`` that ever reached 已录取/已参训: every course figures.courses
    returns has that moment, so these are all the people a course predicate can accept."""
    reached = select(IntentionTransition.intention_id).where(IntentionTransition.to_state == State.ENROLLED.value)
    return select(Intention.person_id).where(Intention.kind == kind, Intention.id.in_(reached))


def _among(
    session: Session, universe: Universe, condition: Condition, ctx: Context, kind: str, people: set[Any]
) -> list[Any]:
    """The subjects of ``universe`` meeting ``condition`` whose person is in ``people`` (decided by a
    figures.py predicate over the courses of ``kind``): one query, naming the people when they are few
    (a village), else over everyone who ever enrolled (a county)."""
    few = len(people) <= 500
    u = universe(ctx).where(Person.id.in_(sorted(people) if few else _ever_enrolled(kind))).subquery("u")
    query = select(u.c.village, u.c.person, u.c.household).where(condition(ctx, u))
    return [tuple(r) for r in session.execute(query) if r[1] in people]


def _trained(session: Session, ctx: Context) -> dict[str, list[Any]]:
    """劳动力 with a training wish who trained (figures.training_trained) in the year."""
    villages = list(ctx.villages) if ctx.villages is not None else None
    trained = {
        c.person_id
        for c in figures.courses(session, villages, ("training",))
        if figures.training_trained(c, ctx.period)
    }
    return {"trained": _among(session, _labourers, _has_intention("training"), ctx, "training", trained)}


def _two_after_students(session: Session, ctx: Context) -> list[tuple[Any, Any, Any]]:
    """两后生 by figures.liang_hou_sheng, the period sheets' definition. The query reads only people the
    predicate could accept (初中/高中, born inside the profile's age bounds with a year to spare); the
    predicate decides. Village and household ids come as the driver gives them, untyped: a county has
    thousands of candidates, and parsing three UUIDs each was a third of this figure's time."""
    bounds = ctx.province.school_age
    end = ctx.period.end
    query = (
        select(
            type_coerce(Household.village_id, String),
            type_coerce(Person.id, String),
            type_coerce(Person.household_id, String),
            Person.birth_date,
            Person.education,
            Person.school_status,
            Household.household_type,
            Household.status,
        )
        .join(Household, Household.id == Person.household_id)
        .where(
            Person.birth_date > date(end.year - bounds.max_male - 2, 1, 1),
            Person.birth_date <= date(end.year - bounds.min + 1, 12, 31),
        )
    )
    if ctx.villages is None:
        query = query.where(Person.education.in_(sorted(LIANG_HOU_SHENG_EDUCATION)))  # along ix_person_school_age
    else:
        # An area's households first: through the county's school-age index a township took 1.6× as long.
        # coalesce() keeps SQLite from starting at that index; it changes no answer (NULL is in no list).
        query = query.where(
            Household.village_id.in_(ctx.villages),
            func.coalesce(Person.education, "").in_(sorted(LIANG_HOU_SHENG_EDUCATION)),
        )
    villages: dict[Any, uuid.UUID] = {}
    found = []
    for village, pid, hid, birth, education, status, htype, hstatus in session.execute(query):
        candidate = figures.Candidate(_as_uuid(pid), birth, education, status, htype, hstatus, None)
        if figures.liang_hou_sheng(candidate, ctx.province, ctx.period):
            if village not in villages:
                villages[village] = _as_uuid(village)
            found.append((villages[village], candidate.person_id, hid))  # people_behind makes UUIDs of households
    return found


def _as_uuid(value: Any) -> uuid.UUID:
    """An id as the driver returns it untyped: hex text on SQLite, already a UUID on PostgreSQL."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


def _enrolled_and_lhs(session: Session, ctx: Context) -> dict[str, list[Any]]:
    """两后生, and of those with a school wish the enrolled (figures.school_admitted in the year or
    figures.school_at_school at its end)."""
    villages = list(ctx.villages) if ctx.villages is not None else None
    enrolled = {
        c.person_id
        for c in figures.courses(session, villages, ("school",))
        if figures.school_admitted(c, ctx.period) or figures.school_at_school(c, ctx.period)
    }
    return {
        "lhs": _two_after_students(session, ctx),
        "enrolled": _among(session, _school_wishers, _always, ctx, "school", enrolled),
    }


def _households_with_labour(ctx: Context) -> Select[Any]:
    """Households with at least one member whose 劳动技能 is a labour capacity."""
    has_labour = select(literal(1)).where(Person.household_id == Household.id, Person.labour.in_(LABOUR)).exists()
    return ctx.within(select(*_subjects(Household.village_id, cast(null(), Uuid), Household.id)).where(has_labour))


def _household_at_work(_ctx: Context, u: Any) -> Any:
    working = Person.employment.is_not(None) & (Person.employment != "") & (Person.employment != NOT_WORKING)
    # SELECT 1, not SELECT *: SQLite then answers from the index ix_person_stats alone.
    return select(literal(1)).where(Person.household_id == u.c.household, working).exists()


def _grantees(ctx: Context) -> Select[Any]:
    """People paid a subsidy in the year: one row per person and kind of subsidy."""
    grants = (
        select(
            SubsidyGrant.person_id.label("pid"),
            SubsidyGrant.kind.label("kind"),
            func.count().label("times"),
            func.sum(SubsidyGrant.amount_yuan).label("yuan"),
            func.max(SubsidyGrant.amount_yuan).label("largest"),
        )
        .where(SubsidyGrant.granted_on >= ctx.period.start, SubsidyGrant.granted_on <= ctx.period.end)
        .group_by(SubsidyGrant.person_id, SubsidyGrant.kind)
        .subquery("grants")
    )
    return ctx.within(
        select(*_subjects(Household.village_id, Person.id, Person.household_id))
        .select_from(grants)
        .join(Person, Person.id == grants.c.pid)
        .join(Household, Household.id == Person.household_id)
        .add_columns(grants.c.kind, grants.c.times, grants.c.yuan, grants.c.largest)
    )


def _granted(kind: str, limit: Callable[[ProvinceProfile], int] | None = None, over: bool = False) -> Condition:
    """Grantees of ``kind``; with ``limit``: who reached the yearly number of grants, or (``over``) who got
    a single grant above the limit in yuan."""

    def condition(ctx: Context, u: Any) -> Any:
        test = u.c.kind == kind
        if limit is not None:
            bound = limit(ctx.province)
            test = test & (u.c.largest > bound if over else u.c.times >= bound)
        return test

    return condition


def _yuan(_ctx: Context, u: Any) -> Any:
    return u.c.yuan


def _specs(province: ProvinceProfile) -> tuple[FigureSpec, ...]:
    s = province.subsidies
    return (
        FigureSpec(
            "funnel",
            FIGURE_TITLES["funnel"],
            "条",
            _funnel,
            tuple(Column(state.value, STATE_LABELS[state], _in_state(state)) for state in State),
            "本年登记的培训和技工院校意愿，按其现在所处的办理环节计数（每条意愿只在一个环节）。",
        ),
        FigureSpec(
            "training",
            FIGURE_TITLES["training"],
            "人",
            _labourers,
            (
                Column("labour", "劳动力人数", _always),
                Column("wish", "有培训意愿", _has_intention("training")),
                Column("trained", "本年已参训"),
            ),
            "劳动力：劳动技能为普通劳动力、技能劳动力或弱劳动力或半劳动力的成员。有培训意愿：其中年底前登记过培训意愿的人"
            "（任何环节）。本年已参训：其中本年内有培训意愿首次进入“已参训”的人（与进展情况表“职业培训人数”同一口径）。",
            rates=(("参训率", "trained", "wish"),),
            chart_columns=("wish", "trained"),
            computed=_trained,
        ),
        FigureSpec(
            "school",
            FIGURE_TITLES["school"],
            "人",
            _school_wishers,
            (
                Column("lhs", "两后生人数"),
                Column("wish", "有就读意愿", _always),
                Column("enrolled", "已就读"),
            ),
            "两后生：与进展情况表同一口径（建档立卡户中初中、高中文化、未升学的应往届毕业生，年末年龄符合招收条件）。"
            "有就读意愿：年底前登记过技工院校意愿的人。已就读：其中本年录取或年末仍在校的人（与“招收”“在校生”同一口径）。"
            "录取后成员在校，不再计入两后生，所以有就读意愿的人数可能大于两后生人数。",
            rates=(("就读率", "enrolled", "wish"),),
            chart_columns=("wish", "enrolled"),
            computed=_enrolled_and_lhs,
        ),
        FigureSpec(
            "employment",
            FIGURE_TITLES["employment"],
            "户",
            _households_with_labour,
            (
                Column("labour", "有劳动力户数", _always),
                Column("working", "有务工成员户数", _household_at_work),
            ),
            "有劳动力户：至少一名成员为普通劳动力、技能劳动力或弱劳动力或半劳动力的户。有务工成员户：其中至少一名成员"
            "务工状况不是“未务工”也不为空的户（目标：有劳动力的贫困户每户至少一人就业）。",
            rates=(("就业覆盖率", "working", "labour"),),
            chart_columns=("labour", "working"),
        ),
        FigureSpec(
            "subsidies",
            FIGURE_TITLES["subsidies"],
            "人",
            _grantees,
            (
                Column("training", "培训补贴人数", _granted("training")),
                Column(
                    "training_full",
                    f"其中已满每年{s.training_per_year_max}次",
                    _granted("training", lambda p: p.subsidies.training_per_year_max),
                ),
                Column("training_yuan", "培训补贴金额(元)", _granted("training"), _yuan, people=False),
                Column("living", "生活费补贴人数", _granted("living")),
                Column(
                    "living_full",
                    f"其中已满每年{s.living_allowance_per_year_max}次",
                    _granted("living", lambda p: p.subsidies.living_allowance_per_year_max),
                ),
                Column("living_yuan", "生活费补贴金额(元)", _granted("living"), _yuan, people=False),
                Column("travel", "交通补助人数", _granted("travel")),
                Column(
                    "travel_over",
                    f"其中单次超过{s.travel_aid_max_yuan}元",
                    _granted("travel", lambda p: p.subsidies.travel_aid_max_yuan, over=True),
                ),
                Column("travel_yuan", "交通补助金额(元)", _granted("travel"), _yuan, people=False),
            ),
            f"本年发放的补贴，按人数与金额，对照{province.name}的限额：培训补贴每人每年至多{s.training_per_year_max}次；"
            f"生活费补贴{s.living_allowance_yuan_per_day}元/人/天、每年至多{s.living_allowance_per_year_max}次；"
            f"交通补助每次至多{s.travel_aid_max_yuan}元。“已满”的人本年不能再领该项补贴；超过限额的应为0。",
            rates=(
                ("培训补贴已满比例", "training_full", "training"),
                ("生活费补贴已满比例", "living_full", "living"),
            ),
            chart_columns=("training", "living", "travel"),
        ),
    )


VillageCounts = dict[uuid.UUID, list[int]]  # village → one count per column of a figure


def _village_counts(session: Session, spec: FigureSpec, ctx: Context) -> VillageCounts:
    """One aggregate over the figure's universe grouped by village, plus its computed columns."""
    index = {c.key: i for i, c in enumerate(spec.columns)}
    counts: VillageCounts = {}

    def add(village: uuid.UUID, column: int, value: int) -> None:
        if village not in counts:
            counts[village] = [0] * len(spec.columns)
        counts[village][column] += value

    queried = [c for c in spec.columns if c.condition is not None]
    if queried:
        u = spec.universe(ctx).subquery("u")
        sums = [
            func.sum(case((c.condition(ctx, u), c.weight(ctx, u) if c.weight else 1), else_=0))
            for c in queried
            if c.condition is not None
        ]
        for village, *values in session.execute(select(u.c.village, *sums).group_by(u.c.village)):
            for column, value in zip(queried, values, strict=True):
                add(village, index[column.key], int(value or 0))
    if spec.computed is not None:
        for key, subjects in spec.computed(session, ctx).items():
            for village, value in Counter(village for village, _person, _household in subjects).items():
                add(village, index[key], value)
    return counts


def _fold(area: Area, spec: FigureSpec, counts: VillageCounts) -> FigureTable:
    """The villages' counts added up into the area's rows (a village outside the area is left out)."""
    rows = [[0] * len(spec.columns) for _ in area.rows]
    for village, values in counts.items():
        row = area.village_row.get(village)
        if row is not None:
            rows[row] = [a + b for a, b in zip(rows[row], values, strict=True)]
    totals = tuple(sum(row[i] for row in rows) for i in range(len(spec.columns)))
    return FigureTable(spec, area.rows, tuple(tuple(row) for row in rows), totals)


def _figure(session: Session, area: Area, spec: FigureSpec, ctx: Context) -> FigureTable:
    return _fold(area, spec, _village_counts(session, spec, ctx))


def year_period(year: int, today: date) -> Period:
    """The whole calendar year, cut at today for the current year; refused for a future year."""
    if year > today.year:
        raise ServiceError(f"{year}年还没有到，不能统计；请选择{today.year}年或更早的年份。")
    return Period(date(year, 1, 1), min(date(year, 12, 31), today))


def compute_statistics(
    database: Database,
    *,
    region_id: uuid.UUID | None = None,
    year: int | None = None,
    keys: Sequence[str] = FIGURE_KEYS,
    today: date | None = None,
    viewer: Who | None = None,
) -> Statistics:
    """Figures of the 统计 page for one area and year (read-only). A figure already counted for the same
    area, period and data (``data_stamp``) is taken from memory: going back up to the county is instant."""
    day = today or clock_today()
    period = year_period(year if year is not None else day.year, day)
    with database.session_factory() as session:
        stamp = data_stamp(session)
        area = resolve_area(session, visible_region(session, viewer, region_id))
        province = province_of(load_station_profile(session))
        ctx = Context(period, province, area.villages)
        specs = {spec.key: spec for spec in _specs(province)}
        tables = []
        for key in keys:
            # Counts are remembered per village, so the region tree is read fresh each time (a renamed or
            # moved village shows at once) and a township or village inside an area counted before is
            # only added up again.
            data = (str(database.engine.url), stamp, province.code, period, key)
            counts = _remembered(data, area.villages) if stamp is not None else None
            if counts is None:
                counts = _village_counts(session, specs[key], ctx)
                if stamp is not None:
                    _remember(data, area.villages, counts)
            tables.append(_fold(area, specs[key], counts))
    return Statistics(area, period.start.year, period, province, tuple(tables))


# Every change to the records either adds a row to one of these tables or is audited (audit_entry is
# append-only) or enters the change log (change_entry, which packages from other sites write too), so
# the largest rowid of each says whether anything changed since figures were computed.
_STAMP_TABLES: Final = (
    "change_entry",
    "audit_entry",
    "intention_transition",
    "subsidy_grant",
    "intention",
    "person",
    "household",
    "region",
)
CACHE_SIZE: Final = 120  # figures counted (five per area and year)
# (database, data stamp, profile, period, figure) and the villages counted (None: all) → their counts.
_cache: OrderedDict[tuple[Any, ...], VillageCounts] = OrderedDict()
_cache_lock = threading.Lock()


def _remembered(data: tuple[Any, ...], villages: tuple[uuid.UUID, ...] | None) -> VillageCounts | None:
    """The counts of ``villages`` from any area counted before on the same data that held them all."""
    wanted = None if villages is None else frozenset(villages)
    with _cache_lock:
        found = next(
            (
                key
                for key in reversed(_cache)
                if key[:-1] == data and (key[-1] is None or (wanted is not None and wanted <= key[-1]))
            ),
            None,
        )
        if found is None:
            return None
        _cache.move_to_end(found)
        return _cache[found]


def _remember(data: tuple[Any, ...], villages: tuple[uuid.UUID, ...] | None, counts: VillageCounts) -> None:
    with _cache_lock:
        _cache[(*data, None if villages is None else frozenset(villages))] = counts
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def data_stamp(session: Session) -> tuple[int, ...] | None:
    """A cheap fingerprint of the data (SQLite: the largest rowid of each table, one index step each);
    None where there is none (another engine), which turns the cache off."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    query = " UNION ALL ".join(f"SELECT (SELECT max(rowid) FROM {table})" for table in _STAMP_TABLES)
    return tuple(int(value or 0) for (value,) in session.execute(text(query)))


# --- the people behind a count ------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonBehind:
    person_id: uuid.UUID | None  # None when the figure counts households (the head is shown)
    household_id: uuid.UUID
    name: str
    sex: str | None
    village: str
    household_no: str
    count: int  # the weight: 1, or yuan for an amount column


@dataclass(frozen=True)
class PeoplePage:
    total: int
    offset: int
    people: tuple[PersonBehind, ...]


def people_behind(
    database: Database,
    *,
    figure: str,
    column: str,
    region_id: uuid.UUID | None = None,
    row: int | None = None,
    year: int | None = None,
    offset: int = 0,
    limit: int = 200,
    today: date | None = None,
    viewer: Who | None = None,
) -> PeoplePage:
    """The people (or households) counted in one cell: ``row`` of the area of ``region_id`` (None: its total)."""
    day = today or clock_today()
    period = year_period(year if year is not None else day.year, day)
    with database.session_factory() as session:
        area = resolve_area(session, visible_region(session, viewer, region_id))
        if row is not None and not 0 <= row < len(area.rows):
            raise ServiceError("所选的行已不在该区划中，请刷新后重试。")
        villages = area.row_villages(row) if row is not None else area.villages
        ctx = Context(
            period, province_of(load_station_profile(session)), tuple(villages) if villages is not None else None
        )
        spec = next((s for s in _specs(ctx.province) if s.key == figure), None)
        if spec is None or column not in {c.key for c in spec.columns}:
            raise ServiceError(f"没有名为“{figure}/{column}”的统计项。")
        chosen = next(c for c in spec.columns if c.key == column)
        subjects: list[tuple[Any, ...]]
        if chosen.condition is None:
            assert spec.computed is not None
            found = [(_as_uuid(h), _as_uuid(p), 1) for _v, p, h in spec.computed(session, ctx)[column]]
            order = _household_numbers(session, {h for h, _p, _w in found})
            found.sort(key=lambda s: (order.get(s[0], ""), str(s[1])))
            total = len(found)
            subjects = found[offset : offset + limit]
        else:
            u = spec.universe(ctx).subquery("u")
            weight = chosen.weight(ctx, u) if chosen.weight else literal(1)
            picked = (
                select(u.c.household, u.c.person, weight.label("weight")).where(chosen.condition(ctx, u)).subquery()
            )
            total = int(session.scalar(select(func.count()).select_from(picked)) or 0)
            page = (
                select(picked)
                .join(Household, Household.id == picked.c.household)
                .outerjoin(Person, Person.id == picked.c.person)
                .order_by(Household.household_no, Person.sort_order, picked.c.person)
                .offset(offset)
                .limit(limit)
            )
            subjects = [tuple(r) for r in session.execute(page)]
        return PeoplePage(total, offset, _describe(session, subjects))


def _household_numbers(session: Session, households: set[Any]) -> dict[Any, str]:
    numbers: dict[Any, str] = {}
    ordered = sorted(households)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(Household.id, Household.household_no).where(Household.id.in_(chunk))
        numbers.update((hid, no) for hid, no in session.execute(query))
    return numbers


def _describe(session: Session, subjects: list[tuple[Any, ...]]) -> tuple[PersonBehind, ...]:
    households = {s[0] for s in subjects}
    persons = {s[1] for s in subjects if s[1] is not None}
    house = {
        hid: (no, head, village)
        for hid, no, head, village in session.execute(
            select(Household.id, Household.household_no, Household.head_name, Region.name)
            .join(Region, Region.id == Household.village_id)
            .where(Household.id.in_(households))
        )
    }
    people = {
        pid: (name, sex)
        for pid, name, sex in session.execute(select(Person.id, Person.name, Person.sex).where(Person.id.in_(persons)))
    }
    found = []
    for hid, pid, weight in subjects:
        no, head, village = house[hid]
        name, sex = people[pid] if pid is not None else (head or "（未填户主）", None)
        found.append(PersonBehind(pid, hid, name, sex, village, no, int(weight)))
    return tuple(found)


# --- print and export ---------------------------------------------------------------------------------

# Words a column title is never broken inside (before single characters, which break anywhere).
_WORDS: Final = re.compile(
    r"每年\d+次|\d+元|[(（][^)）]*[)）]|生活费|有劳动力|劳动力|有务工|成员|覆盖率|两后生|已录取/|已结业/|已参训|已毕业|已就业|已就读|已上报|公示中|"
    r"其中|已满|单次|超过|培训|补贴|交通|补助|金额|人数|户数|比例|审核|通过|公示|期满|不予|本人|放弃|异议|成立|."
)


def _units(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def title_lines(label: str, budget: float, most: int = 3) -> str:
    """A column title broken between words into lines about ``budget`` characters wide (wider when it
    would take more than ``most`` lines), the lines as even as that number of lines allows."""

    def pack(width: float) -> list[str]:
        lines: list[str] = []
        for word in _WORDS.findall(label):
            if lines and _units(lines[-1] + word) <= width:
                lines[-1] += word
            else:
                lines.append(word)
        return lines

    while len(pack(budget)) > most:
        budget += 1
    fewest = len(pack(budget))
    width = max(_units(word) for word in _WORDS.findall(label)) if label else budget
    while len(pack(width)) > fewest:
        width += 0.5
    return "\n".join(pack(width))


def statistics_document(stats: Statistics) -> StatsDocument:
    """The page as plain content for the PDF and xlsx writers: the same tables and charts as on screen."""
    from fupin_desktop.export.statistics import StatsChart, StatsDocument, StatsTable

    tables = []
    for table in stats.figures:
        labels = (*(c.label for c in table.columns), *(r[0] for r in table.spec.rates))
        header = ("区划", *(title_lines(label, 6) for label in labels))  # broken between words, not inside one

        def line(row: int | None, table: FigureTable = table) -> tuple[Cell, ...]:
            name = "合计" if row is None else table.rows[row].name
            values = tuple(table.value(row, c.key) for c in table.columns)
            rates = tuple(f"{r}%" if (r := table.rate(row, n, d)) is not None else "—" for _l, n, d in table.spec.rates)
            return (name, *values, *rates)

        if table.spec.chart_columns:
            keys = table.spec.chart_columns
            chart = StatsChart(
                tuple(r.name for r in table.rows),
                tuple(table.columns[table.index(k)].label for k in keys),
                tuple(tuple(table.value(r, k) for k in keys) for r in range(len(table.rows))),
            )
        else:
            chart = StatsChart(
                tuple(c.label for c in table.columns),
                (f"数量（{table.spec.subject}）",),
                tuple((v,) for v in table.totals),
                muted=tuple(c.key in SIDE_EXITS for c in table.columns),
            )
        rows = (*(line(r) for r in range(len(table.rows))), line(None))
        tables.append(StatsTable(table.title, table.spec.definition, header, rows, chart))
    level = LEVEL_NAMES.get(stats.area.region.level, "") if stats.area.region else ""
    below = {"county": "乡镇", "township": "村", "village": "村"}.get(
        stats.area.region.level if stats.area.region else "", "区划"
    )
    return StatsDocument(
        f"{stats.area.name}{stats.year}年扶贫就业统计",
        f"统计期间：{stats.period.label}　范围：{stats.area.name}（{level}），按{below}分列　"
        f"省份配置：{stats.province.name}",
        tuple(tables),
    )


def export_statistics(
    database: Database,
    *,
    out_dir: Path,
    region_id: uuid.UUID | None = None,
    year: int | None = None,
    today: date | None = None,
    viewer: Who | None = None,
) -> tuple[Path, Path]:
    """The page's tables as xlsx and its charts and tables as an A4 PDF, in ``out_dir``."""
    from fupin_desktop.export.statistics import write_statistics_pdf, write_statistics_xlsx

    stats = compute_statistics(database, region_id=region_id, year=year, today=today, viewer=viewer)
    document = statistics_document(stats)
    stem = f"统计_{stats.area.name}_{stats.year}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        xlsx = write_statistics_xlsx(document, out_dir / f"{stem}.xlsx")
        pdf = write_statistics_pdf(document, out_dir / f"{stem}.pdf")
    except OSError as error:
        raise ServiceError(f"无法写入“{out_dir}”：{error.strerror or error}") from error
    return xlsx, pdf
