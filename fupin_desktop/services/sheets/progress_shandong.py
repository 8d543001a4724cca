"""全省技工院校服务脱贫攻坚工作进展情况表 (鲁人社字〔2017〕58号 附件1): per school."""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, Value
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


def build_progress_shandong(
    session: Session, request: SheetRequest, profile: StationProfile, today: date
) -> BuiltSheet:
    """全省技工院校服务脱贫攻坚工作进展情况表 (鲁人社字〔2017〕58号 附件1), per school.

    The station holds only 建档立卡 families' children, so the whole-school columns (在校生情况,
    毕业生情况) are left for the school to fill, as the note under the table says."""
    period = sheet_period(request, profile, today)
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
        params=sheet_params(scope, period),
    )
    return BuiltSheet(content)
