"""技能培训技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件3): per training provider."""

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


def build_progress_training(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """技能培训技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件3, named there without a table):
    the columns follow the 职业培训情况 part of 附件2, per training provider, with 结业 added."""
    period = sheet_period(request, profile, today)
    scope = resolve_scope(session, request.region_id, profile)
    count = partial(figures.count_by_place, figures.courses(session, scope.villages, ("training",)), period)
    series = [count(figures.training_trained), count(figures.training_completed), count(figures.training_employed)]
    names: set[str] = set()
    for s in series:
        names.update(s)
    rows, totals = totals_table(names, series)
    columns = [
        Column("no", "序号", 3, "int"),
        Column("provider", "培训机构名称", 16),
        *number_columns(
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
        params=sheet_params(scope, period),
    )
    return BuiltSheet(content)
