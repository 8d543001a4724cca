"""技能脱贫千校行动进展情况表 (豫人社〔2017〕57号): per 技工院校 and training provider."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, HeaderGroup
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetRequest, course_counts, progress_sheet
from fupin_desktop.services.sheets.progress_school import SCHOOL_FIGURES, TRAINING_FIGURES
from fupin_desktop.services.sheets.totals import number_columns, totals_table


def build_progress_henan(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技能脱贫千校行动进展情况表 (豫人社〔2017〕57号 names it, due by the end of November, without its
    columns): built from the progress columns that 黑龙江 附件2 and 山东 附件1 define, per 技工院校."""
    counts = course_counts(session, request, profile, today, ("school", "training"))
    rows, totals = totals_table([counts.count(figure) for figure in (*SCHOOL_FIGURES, *TRAINING_FIGURES)])
    return progress_sheet(
        counts,
        sheet="progress_henan",
        title=f"{counts.scope.place}技能脱贫千校行动进展情况表",
        place=Column("school", "技工院校（培训机构）名称", 14),
        figures=number_columns(
            [
                "当年招收建档立卡贫困家庭子女人数(人)",
                "建档立卡贫困家庭子女在校生人数(人)",
                "建档立卡贫困家庭子女毕业生人数(人)",
                "其中：毕业生就业人数(人)",
                "面向建档立卡贫困家庭劳动者开展职业培训人数(人)",
                "其中：培训后就业创业人数(人)",
            ]
        ),
        groups=[HeaderGroup("技工教育情况", 4), HeaderGroup("职业培训情况", 2)],
        rows=rows,
        totals=totals,
        landscape=True,
        notes=[
            "注：豫人社〔2017〕57号要求填报本表但未附列目，本表列目取自黑龙江附件2与山东附件1的进展统计口径"
            "（见 docs/figures.md）。"
        ],
    )
