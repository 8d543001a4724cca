"""技工院校技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件2): per 技工院校, two-part header."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, HeaderGroup
from fupin_desktop.services import figures
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetRequest, course_counts, progress_sheet, province_of
from fupin_desktop.services.sheets.totals import number_columns, totals_table

# The counted columns of 附件2 after its 两后生, in its order (河南's sheet takes them too): 技工教育, 职业培训.
SCHOOL_FIGURES = (
    figures.school_admitted,
    figures.school_at_school,
    figures.school_graduated,
    figures.school_graduate_employed,
)
TRAINING_FIGURES = (figures.training_trained, figures.training_employed)


def build_progress_school(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """技工院校技能脱贫攻坚进展情况表 (黑人社发〔2019〕10号 附件2), per 技工院校; docs/figures.md."""
    counts = course_counts(session, request, profile, today, ("school", "training"))
    province = province_of(profile)
    candidates = figures.candidates(session, counts.scope.villages)
    rows, totals = totals_table(
        [
            figures.liang_hou_sheng_by_school(candidates, province, counts.period),
            *(counts.count(figure) for figure in (*SCHOOL_FIGURES, *TRAINING_FIGURES)),
        ],
        also=[s.name for s in province.schools],
    )
    return progress_sheet(
        counts,
        sheet="progress_school",
        title=f"{counts.scope.place}技工院校技能脱贫攻坚进展情况表",
        place=Column("school", "技工院校名称", 12),
        figures=number_columns(
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
        groups=[HeaderGroup("技工教育情况", 5), HeaderGroup("职业培训情况", 2)],
        rows=rows,
        totals=totals,
        landscape=True,
        notes=[
            "注：两后生按登记的家庭成员统计（建档立卡户中初中、高中文化、未升学的应往届毕业生，年龄在期末符合技工院校招收条件），"
            "计入其最近一次选报的院校；毕业生就业人数是本期毕业生中期末前已就业的人数；培训后就业创业人数是本期参训人员中期末前已就业创业的人数。"
        ],
    )
