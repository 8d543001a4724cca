"""精准扶贫对象登记汇总表 (鲁人社字〔2017〕58号 附件2): the people who want a 技工院校 place."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column, SheetContent, Value
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import (
    BuiltSheet,
    SheetRequest,
    flat_groups,
    resolve_scope,
    sheet_params,
    sign_off,
)
from fupin_desktop.services.sheets.people import due_rows, full_address, people_totals


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
    for due in due_rows(session, "school", request, scope.villages):
        items.append((due.intention_id, due.person_id))
        target = due.school or (f"（专业：{due.major}）" if due.major else "")
        rows.append(
            [
                len(rows) + 1,
                due.name,
                due.sex,
                due.ethnicity,
                due.card_no,
                due.id_number,
                due.contact_phone,
                full_address(due.village_name, due.address),
                target,
            ]
        )
    content = SheetContent(
        sheet="register_summary",
        title=f"{scope.place}精准扶贫对象登记汇总表",
        columns=columns,
        groups=flat_groups(columns),
        rows=rows,
        totals=people_totals(columns, len(rows)),
        sign_off=sign_off(profile, today, scope),
        params=sheet_params(scope),
        landscape=True,
    )
    return BuiltSheet(content, items)
