"""技工院校技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件2): per 技工院校, two-part header."""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent
from fupin_desktop.services import figures
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import (
    BuiltSheet,
    SheetRequest,
    province_of,
    resolve_scope,
    sheet_params,
    sheet_period,
    sign_off,
)
from fupin_desktop.services.sheets.totals import number_columns, totals_table


def build_progress_school(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技工院校技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件2), per 技工院校; docs/figures.md."""
    period = sheet_period(request, profile, today)
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
    rows, totals = totals_table(names, series)
    columns = [
        Column("no", "序号", 3, "int"),
        Column("school", "技工院校名称", 12),
        *number_columns(
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
        params=sheet_params(scope, period),
    )
    return BuiltSheet(content)
