"""The summary sheets of the seeds: one definition each (columns, header tree, how rows are read).

A definition builds a ``SheetContent`` that both writers draw. Person lists read the intentions
due on that sheet (公示期满, or 已上报 on another sheet only) with one joined query of plain columns;
period totals group and add up the figures of ``services/figures.py`` (docs/figures.md). Every sheet
covers one area (``resolve_scope``) and one real period (``default_period``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import age_on, chinese_date
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.profiles import ProfileError, ProvinceProfile, load_profile
from fupin_desktop.domain.workflow import State
from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, SignOff, Value
from fupin_desktop.services import figures
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.figures import Period
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.store.models import Household, Intention, Person, Region, Submission, SubmissionItem

__all__ = [
    "FORMS",
    "BuiltSheet",
    "Period",
    "Scope",
    "SheetForm",
    "SheetRequest",
    "build_sheet",
    "chinese_date",
    "default_period",
    "main_sheet",
    "profile_forms",
    "province_of",
    "resolve_scope",
    "sheet_form",
]


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
        return load_profile(profile.province_profile or "default")
    except ProfileError:
        return load_profile("default")


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


# --- scope: which area a sheet covers, and in whose name -------------------------------------------


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
    parent = {r[0]: r[1] for r in rows}
    level = {r[0]: r[2] for r in rows}
    name = {r[0]: r[3] for r in rows}
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for r in rows:
        children.setdefault(r[1], []).append(r[0])
    home_name = profile.township.strip()
    homes = sorted(
        (r for r in rows if home_name and r[3] == home_name and r[2] in ("township", "county")),
        key=lambda r: (r[2] != "township", r[4] or ""),
    )
    home = homes[0][0] if homes else None
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


def _flat(columns: list[Column]) -> list[HeaderGroup]:
    return [HeaderGroup(None, 1) for _ in columns]


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


def _on_live_sheets(sheet_code: str | None) -> Select[uuid.UUID | None]:
    """The intentions held by a sealed sheet still in force (not replaced by a correction), of one form
    or (None) of any."""
    live = select(Submission.id).where(
        Submission.id.not_in(select(Submission.replaces_id).where(Submission.replaces_id.is_not(None)))
    )
    if sheet_code is not None:
        live = live.where(Submission.sheet_code == sheet_code)
    return select(SubmissionItem.intention_id).where(
        SubmissionItem.submission_id.in_(live), SubmissionItem.intention_id.is_not(None)
    )


def _people_query(kind: str, request: SheetRequest, villages: list[uuid.UUID] | None) -> Select[*tuple[Any, ...]]:
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
    # 已上报 is per sheet: a person sealed on another sheet (state 已上报) is still due on this one,
    # until a sheet of this form that is still in force holds them.
    ready = (Intention.state == State.NOTICE_PASSED.value) | (
        (Intention.state == State.SUBMITTED.value)
        & Intention.id.in_(_on_live_sheets(None))
        & Intention.id.not_in(_on_live_sheets(request.sheet))
    )
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
    scope = resolve_scope(session, request.region_id, profile)
    result = session.execute(_people_query("school", request, scope.villages))
    for iid, pid, name, sex, eth, _b, idn, _e, phone, card, hphone, addr, vname, _o, major, school, _t, _r in result:
        items.append((iid, pid))
        target = school or (f"（专业：{major}）" if major else "")
        rows.append([len(rows) + 1, name, sex, eth, card, idn, phone or hphone, _address(vname, addr), target])
    content = SheetContent(
        sheet="register_summary",
        title=f"{scope.place}精准扶贫对象登记汇总表",
        columns=columns,
        groups=_flat(columns),
        rows=rows,
        totals=_people_totals(columns, len(rows)),
        sign_off=sign_off(profile, today, scope),
        params=_params(scope),
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
    scope = resolve_scope(session, request.region_id, profile)
    for record in session.execute(_people_query(kind, request, scope.villages)):
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
        title=f"{scope.place}{title}",
        columns=columns,
        groups=_flat(columns),
        rows=rows,
        totals=_people_totals(columns, len(rows), label_column=2),
        sign_off=sign_off(profile, today, scope),
        params=_params(scope),
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


def _period(request: SheetRequest, profile: StationProfile, today: date) -> Period:
    start, end = default_period(today, province_of(profile))
    period = Period(request.start or start, min(request.end or end, today))
    if period.end < period.start:
        raise ServiceError(
            f"统计期间的结束日期{chinese_date(period.end)}早于开始日期{chinese_date(period.start)}"
            "（结束日期不能晚于今天）。"
        )
    return period


def _table(names: Iterable[str], series: list[dict[str, int]]) -> tuple[list[list[Value]], list[int]]:
    rows: list[list[Value]] = []
    totals = [0] * len(series)
    for name in sorted(set(names), key=lambda n: (n.startswith("（"), n)):
        counts = [s.get(name, 0) for s in series]
        rows.append([len(rows) + 1, name, *counts])
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return rows, totals


def _numbers(labels: list[str], width: float = 7) -> list[Column]:
    return [Column(f"n{i}", label, width, "int") for i, label in enumerate(labels, start=1)]


def build_progress_school(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技工院校技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件2), per 技工院校; docs/figures.md."""
    period = _period(request, profile, today)
    scope = resolve_scope(session, request.region_id, profile)
    items = figures.courses(session, scope.villages, ("school", "training"))
    count = partial(figures.count_by_place, items, period)
    province = province_of(profile)
    series = [
        figures.liang_hou_sheng_by_school(figures.candidates(session, scope.villages), province, period),
        count(figures.school_admitted),
        count(figures.school_at_school),
        count(figures.school_graduated),
        count(figures.school_graduate_employed),
        count(figures.training_trained),
        count(figures.training_employed),
    ]
    names = {s.name for s in province.schools}
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
        title=f"{scope.place}技工院校技能脱贫攻坚进展情况表",
        columns=columns,
        groups=[
            HeaderGroup(None, 1),
            HeaderGroup(None, 1),
            HeaderGroup("技工教育情况", 5),
            HeaderGroup("职业培训情况", 2),
        ],
        rows=rows,
        totals=["总计", None, *totals],
        sign_off=sign_off(profile, today, scope),
        landscape=True,
        period=period.label,
        notes=[
            "注：两后生按登记的家庭成员统计（建档立卡户中初中、高中文化、未升学的应往届毕业生，年龄在期末符合技工院校招收条件），"
            "计入其最近一次选报的院校；毕业生就业人数是本期毕业生中期末前已就业的人数；培训后就业创业人数是本期参训人员中期末前已就业创业的人数。"
        ],
        params=_params(scope, period),
    )
    return BuiltSheet(content)


def build_progress_training(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """技能培训技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件3, named there without a table):
    the columns follow the 职业培训情况 part of 附件2, per training provider, with 结业 added."""
    period = _period(request, profile, today)
    scope = resolve_scope(session, request.region_id, profile)
    count = partial(figures.count_by_place, figures.courses(session, scope.villages, ("training",)), period)
    series = [count(figures.training_trained), count(figures.training_completed), count(figures.training_employed)]
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
                "其中：培训后就业创业人数(人)",
            ],
            width=10,
        ),
    ]
    content = SheetContent(
        sheet="progress_training",
        title=f"{scope.place}技能培训技能脱贫攻坚进展情况表",
        columns=columns,
        groups=[HeaderGroup(None, 1), HeaderGroup(None, 1), HeaderGroup("职业培训情况", 3)],
        rows=rows,
        totals=["总计", None, *totals],
        sign_off=sign_off(profile, today, scope),
        landscape=False,
        period=period.label,
        notes=["注：结业、就业创业人数均为本期参训人员中期末前已结业、已就业创业的人数。"],
        params=_params(scope, period),
    )
    return BuiltSheet(content)


def build_progress_shandong(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """全省技工院校服务脱贫攻坚工作进展情况表 (鲁人社字〔2017〕58号 附件1), per school.

    The station holds only 建档立卡 families' children, so the whole-school columns (在校生情况,
    毕业生情况) are left for the school to fill, as the note under the table says."""
    period = _period(request, profile, today)
    scope = resolve_scope(session, request.region_id, profile)
    count = partial(figures.count_by_place, figures.courses(session, scope.villages, ("school",)), period)
    enrolled = count(figures.school_at_school)
    graduated = count(figures.school_graduated)
    employed = count(figures.school_graduate_employed)
    names = sorted(set(enrolled) | set(graduated) | set(employed), key=lambda n: (n.startswith("（"), n))
    rows: list[list[Value]] = []
    sums = [0, 0, 0]
    for name in names:
        e, g, w = enrolled.get(name, 0), graduated.get(name, 0), employed.get(name, 0)
        rows.append([len(rows) + 1, name, e, g, None, None, None, None, w, figures.rate(w, g)])
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
        title=f"全省技工院校服务脱贫攻坚工作进展情况表（{scope.place}）",
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
        totals=["总计", None, sums[0], sums[1], None, None, None, None, sums[2], figures.rate(sums[2], sums[1])],
        sign_off=sign_off(profile, today, scope),
        landscape=True,
        period=period.label,
        notes=[
            "注：“建档立卡贫困家庭子女就读情况”“就业情况”按本单位登记的意愿及其录取、毕业、就业记录统计；"
            "“在校生情况”“毕业生情况”为学校全体学生数，由学校填写。就业数是本期毕业生中期末前已就业的人数，"
            "就业率＝就业数÷毕业数。"
        ],
        params=_params(scope, period),
    )
    return BuiltSheet(content)


def build_progress_henan(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技能脱贫千校行动进展情况表 (豫人社〔2017〕57号 names it, due by the end of November, without its
    columns): built from the progress columns that 黑龙江 附件2 and 山东 附件1 define, per 技工院校."""
    period = _period(request, profile, today)
    scope = resolve_scope(session, request.region_id, profile)
    items = figures.courses(session, scope.villages, ("school", "training"))
    count = partial(figures.count_by_place, items, period)
    series = [
        count(figures.school_admitted),
        count(figures.school_at_school),
        count(figures.school_graduated),
        count(figures.school_graduate_employed),
        count(figures.training_trained),
        count(figures.training_employed),
    ]
    names: set[str] = set()
    for s in series:
        names.update(s)
    rows, totals = _table(names, series)
    columns = [
        Column("no", "序号", 3, "int"),
        Column("school", "技工院校（培训机构）名称", 14),
        *_numbers(
            [
                "当年招收建档立卡贫困家庭子女人数(人)",
                "建档立卡贫困家庭子女在校生人数(人)",
                "建档立卡贫困家庭子女毕业生人数(人)",
                "其中：毕业生就业人数(人)",
                "面向建档立卡贫困家庭劳动者开展职业培训人数(人)",
                "其中：培训后就业创业人数(人)",
            ]
        ),
    ]
    content = SheetContent(
        sheet="progress_henan",
        title=f"{scope.place}技能脱贫千校行动进展情况表",
        columns=columns,
        groups=[
            HeaderGroup(None, 1),
            HeaderGroup(None, 1),
            HeaderGroup("技工教育情况", 4),
            HeaderGroup("职业培训情况", 2),
        ],
        rows=rows,
        totals=["总计", None, *totals],
        sign_off=sign_off(profile, today, scope),
        landscape=True,
        period=period.label,
        notes=[
            "注：豫人社〔2017〕57号要求填报本表但未附列目，本表列目取自黑龙江附件2与山东附件1的进展统计口径"
            "（见 docs/figures.md）。"
        ],
        params=_params(scope, period),
    )
    return BuiltSheet(content)


def _params(scope: Scope, period: Period | None = None) -> dict[str, str]:
    """What the sheet was built from, frozen with it: the unit, the area and the period."""
    params = {"unit": scope.unit_name, "area": scope.place}
    if period is not None:
        params.update(start=period.start.isoformat(), end=period.end.isoformat())
    if scope.region_id is not None:
        params["region_id"] = str(scope.region_id)
    return params


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
        SheetForm(
            "progress_henan",
            "技能脱贫千校行动进展情况表",
            "河南 附件",
            False,
            build_progress_henan,
            "豫人社〔2017〕57号要求每年11月底前报送，但未附列目：列目取自黑龙江附件2与山东附件1的进展统计口径。",
        ),
    )
}


def profile_forms(province: ProvinceProfile) -> list[SheetForm]:
    """The sheets the active province submits, its main sheet first; every form when it names none."""
    listed = [FORMS[code] for code in province.sheets if code in FORMS]
    return listed or list(FORMS.values())


def main_sheet(profile: StationProfile) -> str:
    """The code of the active province's main sheet (the first its profile lists)."""
    return profile_forms(province_of(profile))[0].code


def sheet_form(code: str) -> SheetForm:
    try:
        return FORMS[code]
    except KeyError:
        known = "、".join(FORMS)
        raise ServiceError(f"没有名为“{code}”的上报表；可用的有：{known}") from None


def build_sheet(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    return sheet_form(request.sheet).build(session, request, profile, today)
