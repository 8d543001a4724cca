"""The summary sheets of the seeds: one definition each (columns, header tree, how rows are read).

A definition builds a ``SheetContent`` that both writers draw. Person lists read the intentions
ready for submission (公示期满) with one joined query of plain columns; period totals are counted
with set-based queries over the workflow transitions of a date range.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import age_on, chinese_date
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.workflow import State
from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, SignOff, Value
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.store.models import Household, Intention, IntentionTransition, Person, Region

# Transitions are stored in UTC; a day in a report is a day in China (UTC+8).
CHINA_OFFSET = timedelta(hours=8)


@dataclass(frozen=True)
class SheetRequest:
    """What a sheet covers: a region (township or village; None = the whole database) and,
    for period totals, the first and last day."""

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


def default_period(today: date) -> tuple[date, date]:
    """The half-year containing ``today`` (the seeds report by half-year)."""
    if today.month <= 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year, 7, 1), date(today.year, 12, 31)


def sign_off(profile: StationProfile, today: date) -> SignOff:
    return SignOff(
        unit_name=profile.unit_name,
        filled_on=chinese_date(today),
        operator=profile.operator_name,
        phone=profile.contact_phone,
        reviewer=profile.reviewer_name,
        head=profile.head_name,
    )


def _flat(columns: list[Column]) -> list[HeaderGroup]:
    return [HeaderGroup(None, 1) for _ in columns]


def _villages(session: Session, region_id: uuid.UUID | None) -> list[uuid.UUID] | None:
    """The village ids under a region (None when the sheet covers the whole database)."""
    if region_id is None:
        return None
    rows = session.execute(select(Region.id, Region.parent_id, Region.level)).all()
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    level = {}
    for rid, parent, lvl in rows:
        children.setdefault(parent, []).append(rid)
        level[rid] = lvl
    if region_id not in level:
        raise ServiceError("所选区划已不存在，请刷新后重试。")
    found: list[uuid.UUID] = []
    stack = [region_id]
    while stack:
        current = stack.pop()
        if level[current] == "village":
            found.append(current)
        stack.extend(children.get(current, []))
    return found


def _place_name(session: Session, region_id: uuid.UUID | None, profile: StationProfile) -> str:
    if region_id is not None:
        name = session.scalar(select(Region.name).where(Region.id == region_id))
        if name:
            return name
    return profile.township


# --- person lists -----------------------------------------------------------------------------------


def _names(list_name: str) -> Callable[[str | None], str]:
    items = codelist(list_name)

    def name(value: str | None) -> str:
        if not value:
            return ""
        return items.name_of(value) or value

    return name


def _age(birth: date | None, on: date) -> int | None:
    return None if birth is None else age_on(birth, on)


def _people_query(kind: str, request: SheetRequest, villages: list[uuid.UUID] | None) -> Select[Any]:
    village = Region.__table__.alias("village")
    query = (
        select(
            Intention.id,
            Person.id,
            Person.name,
            Person.sex,
            Person.ethnicity,
            Person.birth_date,
            Person.id_number,
            Person.education,
            Person.phone,
            Household.card_no,
            Household.phone,
            Household.address,
            village.c.name,
            Intention.occupation,
            Intention.major,
            Intention.school,
            Intention.training_type,
            Intention.referral_source,
        )
        .join(Person, Person.id == Intention.person_id)
        .join(Household, Household.id == Person.household_id)
        .join(village, village.c.id == Household.village_id)
        .where(Intention.kind == kind)
        .order_by(village.c.code, village.c.name, Household.household_no, Person.sort_order, Person.name)
    )
    ready = Intention.state == State.NOTICE_PASSED.value
    if request.carried_intentions:
        carried = and_(
            Intention.id.in_(request.carried_intentions),
            Intention.state.in_([State.SUBMITTED.value, State.NOTICE_PASSED.value]),
        )
        query = query.where(ready | carried)
    else:
        query = query.where(ready)
    if villages is not None:
        query = query.where(Household.village_id.in_(villages))
    return query


def _address(village_name: str, address: str | None) -> str:
    if not address:
        return village_name
    return address if village_name in address else f"{village_name}{address}"


def _people_totals(columns: list[Column], count: int, label_column: int = 1) -> list[Value]:
    totals: list[Value] = [None] * len(columns)
    totals[0] = "总计"
    totals[label_column] = f"{count}人"
    return totals


def build_register_summary(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """精准扶贫对象登记汇总表 (鲁人社字〔2017〕58号 附件2): 拟就读技工院校 people."""
    columns = [
        Column("no", "序号", 3, "int"),
        Column("name", "姓名", 5),
        Column("sex", "性别", 3),
        Column("ethnicity", "民族", 4),
        Column("card_no", "扶贫卡编号", 10, "id"),
        Column("id_number", "身份证号", 10.5, "id"),
        Column("phone", "联系电话", 7, "id"),
        Column("address", "家庭详细地址", 14),
        Column("school", "拟就读技工院校", 10),
    ]
    rows: list[list[Value]] = []
    items = []
    result = session.execute(_people_query("school", request, _villages(session, request.region_id)))
    for iid, pid, name, sex, eth, _b, idn, _e, phone, card, hphone, addr, vname, _o, major, school, _t, _r in result:
        items.append((iid, pid))
        target = school or (f"（专业：{major}）" if major else "")
        rows.append([len(rows) + 1, name, sex, eth, card, idn, phone or hphone, _address(vname, addr), target])
    place = _place_name(session, request.region_id, profile)
    content = SheetContent(
        sheet="register_summary",
        title=f"{place}精准扶贫对象登记汇总表",
        columns=columns,
        groups=_flat(columns),
        rows=rows,
        totals=_people_totals(columns, len(rows)),
        sign_off=sign_off(profile, today),
        landscape=True,
    )
    return BuiltSheet(content, items)


def _list_sheet(
    session: Session,
    request: SheetRequest,
    profile: StationProfile,
    today: date,
    *,
    kind: str,
    code: str,
    title: str,
    wish_columns: list[Column],
    wishes: Callable[[tuple[Any, ...]], list[Value]],
) -> BuiltSheet:
    education = _names("education")
    source = _names("referral_source")
    columns = [
        Column("no", "序号", 3, "int"),
        Column("village", "村（社区）", 7),
        Column("name", "姓名", 5),
        Column("sex", "性别", 3),
        Column("age", "年龄", 3, "int"),
        Column("id_number", "身份证号", 10.5, "id"),
        Column("education", "文化程度", 6),
        Column("phone", "联系电话", 7, "id"),
        *wish_columns,
        Column("source", "推荐来源", 5.5),
    ]
    rows: list[list[Value]] = []
    items = []
    for record in session.execute(_people_query(kind, request, _villages(session, request.region_id))):
        (iid, pid, name, sex, _eth, birth, idn, edu, phone, _card, hphone, _addr, vname, *_rest) = record
        items.append((iid, pid))
        rows.append(
            [
                len(rows) + 1,
                vname,
                name,
                sex,
                _age(birth, today),
                idn,
                education(edu),
                phone or hphone,
                *wishes(record),
                source(record[17]),
            ]
        )
    content = SheetContent(
        sheet=code,
        title=title,
        columns=columns,
        groups=_flat(columns),
        rows=rows,
        totals=_people_totals(columns, len(rows), label_column=2),
        sign_off=sign_off(profile, today),
        landscape=True,
    )
    return BuiltSheet(content, items)


def build_training_list(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """拟参加培训人员名单及培训职业（工种）意向 (黑人社发〔2019〕10号 十)."""
    training_type = _names("training_type")
    return _list_sheet(
        session,
        request,
        profile,
        today,
        kind="training",
        code="training_list",
        title="拟参加培训人员名单",
        wish_columns=[Column("occupation", "培训职业（工种）意向", 9), Column("training_type", "培训类型", 7)],
        wishes=lambda r: [r[13] or "", training_type(r[16])],
    )


def build_school_list(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """拟就读技工院校人员名单及就读专业或技工院校意向 (黑人社发〔2019〕10号 十)."""
    return _list_sheet(
        session,
        request,
        profile,
        today,
        kind="school",
        code="school_list",
        title="拟就读技工院校人员名单",
        wish_columns=[Column("major", "就读专业意向", 8), Column("school", "技工院校意向", 9)],
        wishes=lambda r: [r[14] or "", r[15] or ""],
    )


# --- period totals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
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


def _period(request: SheetRequest, today: date) -> Period:
    start, end = default_period(today)
    period = Period(request.start or start, request.end or end)
    if period.end < period.start:
        raise ServiceError(f"统计期间的结束日期{chinese_date(period.end)}早于开始日期{chinese_date(period.start)}。")
    return period


class _Counter:
    """Set-based counts of intentions per school or training provider for one period and area."""

    def __init__(self, session: Session, request: SheetRequest, period: Period) -> None:
        self.session = session
        self.period = period
        self.villages = _villages(session, request.region_id)

    def _scope(self, query: Select[Any], kind: str) -> Select[Any]:
        query = query.where(Intention.kind == kind)
        if self.villages is not None:
            query = (
                query.join(Person, Person.id == Intention.person_id)
                .join(Household, Household.id == Person.household_id)
                .where(Household.village_id.in_(self.villages))
            )
        return query

    @staticmethod
    def place(kind: str) -> Any:
        if kind == "school":
            return func.coalesce(func.nullif(Intention.provider, ""), func.nullif(Intention.school, ""), "（未填院校）")
        return func.coalesce(func.nullif(Intention.provider, ""), "（未填培训机构）")

    def moved(self, kind: str, target: State) -> dict[str, int]:
        """How many intentions took the step to ``target`` within the period, per place."""
        place = self.place(kind)
        query = (
            select(place, func.count(func.distinct(Intention.id)))
            .select_from(IntentionTransition)
            .join(Intention, Intention.id == IntentionTransition.intention_id)
            .where(
                IntentionTransition.to_state == target.value,
                IntentionTransition.at >= self.period.utc_from,
                IntentionTransition.at < self.period.utc_to,
            )
            .group_by(place)
        )
        return {name: count for name, count in self.session.execute(self._scope(query, kind))}

    def held_at_end(self, kind: str, state: State) -> dict[str, int]:
        """How many intentions were in ``state`` at the end of the period, per place."""
        latest = (
            select(IntentionTransition.intention_id, func.max(IntentionTransition.at).label("at"))
            .where(IntentionTransition.at < self.period.utc_to)
            .group_by(IntentionTransition.intention_id)
            .subquery()
        )
        place = self.place(kind)
        query = (
            select(place, func.count(func.distinct(Intention.id)))
            .select_from(latest)
            .join(
                IntentionTransition,
                and_(IntentionTransition.intention_id == latest.c.intention_id, IntentionTransition.at == latest.c.at),
            )
            .join(Intention, Intention.id == latest.c.intention_id)
            .where(IntentionTransition.to_state == state.value)
            .group_by(place)
        )
        return {name: count for name, count in self.session.execute(self._scope(query, kind))}


def _table(names: Iterable[str], series: list[dict[str, int]]) -> tuple[list[list[Value]], list[int]]:
    rows: list[list[Value]] = []
    totals = [0] * len(series)
    for name in sorted(set(names)):
        counts = [s.get(name, 0) for s in series]
        rows.append([len(rows) + 1, name, *counts])
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return rows, totals


def _numbers(labels: list[str]) -> list[Column]:
    return [Column(f"n{i}", label, 7, "int") for i, label in enumerate(labels, start=1)]


def build_progress_school(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技工院校技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件2), per 技工院校."""
    period = _period(request, today)
    count = _Counter(session, request, period)
    series = [
        count.moved("school", State.DRAFT),  # 两后生 registered with a school wish in the period
        count.moved("school", State.ENROLLED),
        count.held_at_end("school", State.ENROLLED),
        count.moved("school", State.COMPLETED),
        count.moved("school", State.EMPLOYED),
        count.moved("training", State.ENROLLED),
        count.moved("training", State.EMPLOYED),
    ]
    schools = [s.name for s in _profile_schools(profile)]
    names = set(schools)
    for s in series:
        names.update(s)
    rows, totals = _table(names, series)
    columns = [
        Column("no", "序号", 3, "int"),
        Column("school", "技工院校名称", 12),
        *_numbers(
            [
                "当(半)年建档立卡贫困家庭应往届两后生人数(人)",
                "当(半)年招收建档立卡贫困家庭子女人数(人)",
                "建档立卡贫困家庭子女在校生人数(人)",
                "建档立卡贫困家庭子女毕业生人数(人)",
                "建档立卡贫困家庭子女毕业生就业人数(人)",
                "当(半)年面向建档立卡贫困家庭劳动者开展职业培训人数(人)",
                "培训后就业创业人数(人)",
            ]
        ),
    ]
    content = SheetContent(
        sheet="progress_school",
        title="技工院校技能脱贫攻坚进展情况表",
        columns=columns,
        groups=[
            HeaderGroup(None, 1),
            HeaderGroup(None, 1),
            HeaderGroup("技工教育情况", 5),
            HeaderGroup("职业培训情况", 2),
        ],
        rows=rows,
        totals=["总计", None, *totals],
        sign_off=sign_off(profile, today),
        landscape=True,
        period=period.label,
        params=_params(request, period),
    )
    return BuiltSheet(content)


def build_progress_training(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """技能培训技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件3, named there without a table):
    the columns follow the 职业培训情况 part of 附件2, per training provider, with 结业 added."""
    period = _period(request, today)
    count = _Counter(session, request, period)
    series = [
        count.moved("training", State.ENROLLED),
        count.moved("training", State.COMPLETED),
        count.moved("training", State.EMPLOYED),
    ]
    names: set[str] = set()
    for s in series:
        names.update(s)
    rows, totals = _table(names, series)
    columns = [
        Column("no", "序号", 3, "int"),
        Column("provider", "培训机构名称", 16),
        *_numbers(
            [
                "当(半)年面向建档立卡贫困家庭劳动者开展职业培训人数(人)",
                "其中：培训结业人数(人)",
                "培训后就业创业人数(人)",
            ]
        ),
    ]
    columns = [*columns[:2], *(Column(c.key, c.label, 10, c.kind) for c in columns[2:])]
    content = SheetContent(
        sheet="progress_training",
        title="技能培训技能脱贫攻坚进展情况表",
        columns=columns,
        groups=[HeaderGroup(None, 1), HeaderGroup(None, 1), HeaderGroup("职业培训情况", 3)],
        rows=rows,
        totals=["总计", None, *totals],
        sign_off=sign_off(profile, today),
        landscape=False,
        period=period.label,
        params=_params(request, period),
    )
    return BuiltSheet(content)


def _rate(employed: int, graduated: int) -> str | None:
    if not graduated:
        return None
    return f"{employed * 100 / graduated:.1f}"


def build_progress_shandong(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """全省技工院校服务脱贫攻坚工作进展情况表 (鲁人社字〔2017〕58号 附件1), per school.

    The station holds only 建档立卡 families' children, so the whole-school columns (在校生情况,
    毕业生情况) are left for the school to fill, as the note under the table says."""
    period = _period(request, today)
    count = _Counter(session, request, period)
    enrolled = count.held_at_end("school", State.ENROLLED)
    graduated = count.moved("school", State.COMPLETED)
    employed = count.moved("school", State.EMPLOYED)
    names = sorted(set(enrolled) | set(graduated) | set(employed))
    rows: list[list[Value]] = []
    sums = [0, 0, 0]
    for name in names:
        e, g, w = enrolled.get(name, 0), graduated.get(name, 0), employed.get(name, 0)
        rows.append([len(rows) + 1, name, e, g, None, None, None, None, w, _rate(w, g)])
        sums = [sums[0] + e, sums[1] + g, sums[2] + w]
    columns = [
        Column("no", "序号", 3, "int"),
        Column("school", "学校名称", 12),
        Column("poor_enrolled", "在校生数(人)", 6, "int"),
        Column("poor_graduated", "毕业数(人)", 6, "int"),
        Column("all_enrolled", "在校生数(人)", 6, "int"),
        Column("all_graduated", "毕业数(人)", 6, "int"),
        Column("grad_enrolled", "在校生数(人)", 6, "int"),
        Column("grad_graduated", "毕业数(人)", 6, "int"),
        Column("employed", "就业数(人)", 6, "int"),
        Column("rate", "就业率(%)", 6, "percent"),
    ]
    content = SheetContent(
        sheet="progress_shandong",
        title="全省技工院校服务脱贫攻坚工作进展情况表",
        columns=columns,
        groups=[
            HeaderGroup(None, 1),
            HeaderGroup(None, 1),
            HeaderGroup("建档立卡贫困家庭子女就读情况", 2),
            HeaderGroup("在校生情况", 2),
            HeaderGroup("毕业生情况", 2),
            HeaderGroup("就业情况", 2),
        ],
        rows=rows,
        totals=["总计", None, sums[0], sums[1], None, None, None, None, sums[2], _rate(sums[2], sums[1])],
        sign_off=sign_off(profile, today),
        landscape=True,
        period=period.label,
        notes=[
            "注：“建档立卡贫困家庭子女就读情况”“就业情况”按本单位登记的意愿及其录取、毕业、就业记录统计；"
            "“在校生情况”“毕业生情况”为学校全体学生数，由学校填写。就业率＝就业数÷毕业数。"
        ],
        params=_params(request, period),
    )
    return BuiltSheet(content)


def _params(request: SheetRequest, period: Period) -> dict[str, str]:
    params = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if request.region_id is not None:
        params["region_id"] = str(request.region_id)
    return params


def _profile_schools(profile: StationProfile) -> list[Any]:
    from fupin_desktop.domain.profiles import ProfileError, load_profile

    try:
        return list(load_profile(profile.province_profile or "default").schools)
    except ProfileError:
        return []


FORMS: dict[str, SheetForm] = {
    form.code: form
    for form in (
        SheetForm("register_summary", "精准扶贫对象登记汇总表", "山东 附件2", True, build_register_summary),
        SheetForm("training_list", "拟参加培训人员名单", "黑龙江 （十）", True, build_training_list),
        SheetForm("school_list", "拟就读技工院校人员名单", "黑龙江 （十）", True, build_school_list),
        SheetForm("progress_school", "技工院校技能脱贫攻坚进展情况表", "黑龙江 附件2", False, build_progress_school),
        SheetForm(
            "progress_training", "技能培训技能脱贫攻坚进展情况表", "黑龙江 附件3", False, build_progress_training
        ),
        SheetForm(
            "progress_shandong", "全省技工院校服务脱贫攻坚工作进展情况表", "山东 附件1", False, build_progress_shandong
        ),
    )
}


def sheet_form(code: str) -> SheetForm:
    try:
        return FORMS[code]
    except KeyError:
        known = "、".join(FORMS)
        raise ServiceError(f"没有名为“{code}”的上报表；可用的有：{known}") from None


def build_sheet(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    built = sheet_form(request.sheet).build(session, request, profile, today)
    if request.region_id is not None:
        built.content.params.setdefault("region_id", str(request.region_id))
    return built
