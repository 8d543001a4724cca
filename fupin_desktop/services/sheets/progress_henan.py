"""技能脱贫千校行动进展情况表 (豫人社〔2017〕57号): per 技工院校 and training provider."""

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
    resolve_scope,
    sheet_params,
    sheet_period,
    sign_off,
)
from fupin_desktop.services.sheets.totals import number_columns, totals_table


def build_progress_henan(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技能脱贫千校行动进展情况表 (豫人社〔2017〕57号 names it, due by the end of November, without its
    columns): built from the progress columns that 黑龙江 附件2 and 山东 附件1 define, per 技工院校."""
    period = sheet_period(request, profile, today)
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
    rows, totals = totals_table(names, series)
    columns = [
        Column("no", "序号", 3, "int"),
        Column("school", "技工院校（培训机构）名称", 14),
        *number_columns(
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
        params=sheet_params(scope, period),
    )
    return BuiltSheet(content)
