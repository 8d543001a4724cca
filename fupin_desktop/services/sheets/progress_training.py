"""技能培训技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件3): per training provider."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, HeaderGroup
from fupin_desktop.services import figures
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetRequest, course_counts, progress_sheet
from fupin_desktop.services.sheets.totals import number_columns, totals_table


def build_progress_training(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """技能培训技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件3, named there without a table):
    the columns follow the 职业培训情况 part of 附件2, per training provider, with 结业 added."""
    counts = course_counts(session, request, profile, today, ("training",))
    rows, totals = totals_table(
        [
            counts.count(figures.training_trained),
            counts.count(figures.training_completed),
            counts.count(figures.training_employed),
        ]
    )
    return progress_sheet(
        counts,
        sheet="progress_training",
        title=f"{counts.scope.place}技能培训技能脱贫攻坚进展情况表",
        place=Column("provider", "培训机构名称", 16),
        figures=number_columns(
            [
                "当(半)年面向建档立卡贫困家庭劳动者开展职业培训人数(人)",
                "其中：培训结业人数(人)",
                "其中：培训后就业创业人数(人)",
            ],
            width=10,
        ),
        groups=[HeaderGroup("职业培训情况", 3)],
        rows=rows,
        totals=totals,
        landscape=False,
        notes=["注：结业、就业创业人数均为本期参训人员中期末前已结业、已就业创业的人数。"],
    )
