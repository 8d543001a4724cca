"""全省技工院校服务脱贫攻坚工作进展情况表 (鲁人社字〔2017〕58号 附件1): per school."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, HeaderGroup, Value
from fupin_desktop.services import figures
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetRequest, course_counts, progress_sheet


def build_progress_shandong(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """全省技工院校服务脱贫攻坚工作进展情况表 (鲁人社字〔2017〕58号 附件1), per school.

    The station holds only 建档立卡 families' children, so the whole-school columns (在校生情况,
    毕业生情况) are left for the school to fill, as the note under the table says."""
    counts = course_counts(session, request, profile, today, ("school",))
    enrolled = counts.count(figures.school_at_school)
    graduated = counts.count(figures.school_graduated)
    employed = counts.count(figures.school_graduate_employed)
    names = sorted(set(enrolled) | set(graduated) | set(employed), key=lambda n: (n.startswith("（"), n))
    rows: list[list[Value]] = []
    sums = [0, 0, 0]
    for name in names:
        e, g, w = enrolled.get(name, 0), graduated.get(name, 0), employed.get(name, 0)
        rows.append([len(rows) + 1, name, e, g, None, None, None, None, w, figures.rate(w, g)])
        sums = [sums[0] + e, sums[1] + g, sums[2] + w]
    return progress_sheet(
        counts,
        sheet="progress_shandong",
        title=f"全省技工院校服务脱贫攻坚工作进展情况表（{counts.scope.place}）",
        place=Column("school", "学校名称", 12),
        figures=[
            Column("poor_enrolled", "在校生数(人)", 6, "int"),
            Column("poor_graduated", "毕业数(人)", 6, "int"),
            Column("all_enrolled", "在校生数(人)", 6, "int"),
            Column("all_graduated", "毕业数(人)", 6, "int"),
            Column("grad_enrolled", "在校生数(人)", 6, "int"),
            Column("grad_graduated", "毕业数(人)", 6, "int"),
            Column("employed", "就业数(人)", 6, "int"),
            Column("rate", "就业率(%)", 6, "percent"),
        ],
        groups=[
            HeaderGroup("建档立卡贫困家庭子女就读情况", 2),
            HeaderGroup("在校生情况", 2),
            HeaderGroup("毕业生情况", 2),
            HeaderGroup("就业情况", 2),
        ],
        rows=rows,
        totals=[sums[0], sums[1], None, None, None, None, sums[2], figures.rate(sums[2], sums[1])],
        landscape=True,
        notes=[
            "注：“建档立卡贫困家庭子女就读情况”“就业情况”按本单位登记的意愿及其录取、毕业、就业记录统计；"
            "“在校生情况”“毕业生情况”为学校全体学生数，由学校填写。就业数是本期毕业生中期末前已就业的人数，"
            "就业率＝就业数÷毕业数。"
        ],
    )
