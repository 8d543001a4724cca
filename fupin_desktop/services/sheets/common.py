"""What every summary sheet shares: the request, the built result, the form's entry in the list, the
area it covers (``resolve_scope``), its period (``default_period``) and its sign-off block."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import chinese_date
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.profiles import ProvinceProfile, ProvinceProfileError, load_province_profile
from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, SignOff, Value
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.figures import Course, CourseFigure, Period, count_by_place, courses
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.store.models import Region


@dataclass(frozen=True)
class SheetRequest:
    """What a sheet covers: a region (township or village; None = the station's own township) and,
    for period totals, the first and last day (None = the default period)."""

    sheet: str
    region_id: uuid.UUID | None = None
    start: date | None = None
    end: date | None = None
    # For a correction of a person list: the intentions of the sheet it replaces.
    carried_intentions: tuple[uuid.UUID, ...] = ()


@dataclass
class BuiltSheet:
    content: SheetContent
    # (intention id, person id) of every person in a person list, in row order.
    items: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


@dataclass(frozen=True)
class SheetForm:
    code: str
    title: str
    seed: str
    people: bool  # a person list (moves people to 已上报 when sealed) or period totals
    build: Callable[[Session, SheetRequest, StationProfile, date], BuiltSheet]
    description: str = ""


def province_of(profile: StationProfile) -> ProvinceProfile:
    try:
        return load_province_profile(profile.province_profile or "default")
    except ProvinceProfileError:
        return load_province_profile("default")


def default_period(today: date, province: ProvinceProfile | None = None) -> tuple[date, date]:
    """The reporting period a sheet sealed ``today`` covers by default.

    The half-year containing today (the whole year when the profile reports once a year, or when
    its deadline for this half-year asks for the 全年 figures), ending at today or at the profile's
    deadline within it, whichever comes first: never in the future."""
    first_half = today.month <= 6
    start = date(today.year, 1, 1) if first_half else date(today.year, 7, 1)
    last = date(today.year, 6, 30) if first_half else date(today.year, 12, 31)
    deadlines = list(province.report_deadlines) if province else []
    if len(deadlines) == 1:
        start, last = date(today.year, 1, 1), date(today.year, 12, 31)
    end = today
    for deadline in deadlines:
        when = deadline.on(today.year)
        if start <= when <= last:
            end = min(end, when)
            if "全年" in deadline.title:
                start = date(today.year, 1, 1)
    return start, end


@dataclass(frozen=True)
class Scope:
    """The area of one sheet: its villages (None = the whole database), the place named in the title,
    and the unit that fills and stamps it. Title, 填表单位 and rows always describe the same area."""

    region_id: uuid.UUID | None
    villages: list[uuid.UUID] | None
    place: str
    unit_name: str


def resolve_scope(session: Session, region_id: uuid.UUID | None, profile: StationProfile) -> Scope:
    """The area a sheet covers: the chosen region, or by default the station's own township.

    A station signs only for its own area: a region outside it is refused, and so is a sheet over
    several townships unless the station itself is a county's (its 所在地 names the county)."""
    rows = session.execute(select(Region.id, Region.parent_id, Region.level, Region.name, Region.code)).all()
    parent = {r.id: r.parent_id for r in rows}
    level = {r.id: r.level for r in rows}
    name = {r.id: r.name for r in rows}
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r.id)
    home_name = profile.township.strip()
    homes = sorted(
        (r for r in rows if home_name and r.name == home_name and r.level in ("township", "county")),
        key=lambda r: (r.level != "township", r.code or ""),
    )
    home = homes[0].id if homes else None
    if region_id is not None and region_id not in level:
        raise ServiceError("所选区划已不存在，请刷新后重试。")
    target = region_id if region_id is not None else home

    def below(region: uuid.UUID | None) -> list[uuid.UUID]:
        found, stack = [], list(children.get(region, [])) if region is None else [region]
        while stack:
            current = stack.pop()
            if level[current] == "village":
                found.append(current)
            stack.extend(children.get(current, []))
        return found

    def ancestors(region: uuid.UUID) -> list[uuid.UUID]:
        chain: list[uuid.UUID] = []
        current: uuid.UUID | None = region
        while current is not None:
            chain.append(current)
            current = parent.get(current)
        return chain

    def township_of(village: uuid.UUID) -> uuid.UUID | None:
        return next((r for r in ancestors(village) if level[r] == "township"), None)

    villages = below(target)
    townships = {t for t in map(township_of, villages) if t is not None}
    if target is not None and home is not None and home not in ancestors(target):
        raise ServiceError(
            f"“{name[target]}”不在本所（{name[home]}）辖区内，本所不能为其填表上报；请选择本所辖区内的乡镇或村。"
        )
    if len(townships) > 1 and (home is None or level[home] != "county"):
        where = name[target] if target is not None else "本数据库"
        raise ServiceError(
            f"{where}含{len(townships)}个乡镇，而本所是乡镇人社所：一张表只能为一个乡镇填报，"
            "请选择一个乡镇或村（--region 代码）；县级汇总请由县人社局（“设置”中所在地填县名）封存。"
        )
    if target is None:
        place = name[next(iter(townships))] if len(townships) == 1 else home_name
    elif level[target] == "village":
        township = township_of(target)
        place = f"{name[township]}{name[target]}" if township is not None else name[target]
    else:
        place = name[target]
    return Scope(target, villages if target is not None else None, place, profile.unit_name)


def sign_off(profile: StationProfile, today: date, scope: Scope | None = None) -> SignOff:
    return SignOff(
        unit_name=scope.unit_name if scope else profile.unit_name,
        filled_on=chinese_date(today),
        operator=profile.operator_name,
        phone=profile.contact_phone,
        reviewer=profile.reviewer_name,
        head=profile.head_name,
    )


def flat_groups(columns: list[Column]) -> list[HeaderGroup]:
    """A header of one row: no column spans a group."""
    return [HeaderGroup(None, 1) for _ in columns]


def code_names(list_name: str) -> Callable[[str | None], str]:
    """The display name of a stored code of ``list_name`` (the code itself when the list lacks it)."""
    items = codelist(list_name)

    def name(value: str | None) -> str:
        if not value:
            return ""
        return items.name_of(value) or value

    return name


def sheet_period(request: SheetRequest, profile: StationProfile, today: date) -> Period:
    """The period a period-totals sheet covers: the request's days, else the default; never past today."""
    start, end = default_period(today, province_of(profile))
    period = Period(request.start or start, min(request.end or end, today))
    if period.end < period.start:
        raise ServiceError(
            f"统计期间的结束日期{chinese_date(period.end)}早于开始日期{chinese_date(period.start)}"
            "（结束日期不能晚于今天）。"
        )
    return period


def sheet_params(scope: Scope, period: Period | None = None) -> dict[str, str]:
    """What the sheet was built from, frozen with it: the unit, the area and the period."""
    params = {"unit": scope.unit_name, "area": scope.place}
    if period is not None:
        params.update(start=period.start.isoformat(), end=period.end.isoformat())
    if scope.region_id is not None:
        params["region_id"] = str(scope.region_id)
    return params


@dataclass(frozen=True)
class CourseCounts:
    """Where a progress sheet (per 技工院校 or 培训机构) starts: its period, its area and that area's courses,
    for the station signing it on ``today``."""

    period: Period
    scope: Scope
    courses: list[Course]
    profile: StationProfile
    today: date

    def count(self, figure: CourseFigure) -> dict[str, int]:
        """How many of the courses meet ``figure`` in the period, by school or provider."""
        return count_by_place(self.courses, self.period, figure)


def course_counts(
    session: Session, request: SheetRequest, profile: StationProfile, today: date, kinds: tuple[str, ...]
) -> CourseCounts:
    period = sheet_period(request, profile, today)
    scope = resolve_scope(session, request.region_id, profile)
    return CourseCounts(period, scope, courses(session, scope.villages, kinds), profile, today)


def progress_sheet(
    counts: CourseCounts,
    *,
    sheet: str,
    title: str,
    place: Column,
    figures: list[Column],
    groups: list[HeaderGroup],
    rows: list[list[Value]],
    totals: Sequence[Value],
    landscape: bool,
    notes: list[str],
) -> BuiltSheet:
    """A progress sheet as every one is laid out: 序号 and the school's (or provider's) column first, with no
    group above them, the figures' columns under ``groups``, a row 总计 of ``totals``, signed for its area."""
    return BuiltSheet(
        SheetContent(
            sheet=sheet,
            title=title,
            columns=[Column("no", "序号", 3, "int"), place, *figures],
            groups=[HeaderGroup(None, 1), HeaderGroup(None, 1), *groups],
            rows=rows,
            totals=["总计", None, *totals],
            sign_off=sign_off(counts.profile, counts.today, counts.scope),
            landscape=landscape,
            period=counts.period.label,
            notes=notes,
            params=sheet_params(counts.scope, counts.period),
        )
    )
