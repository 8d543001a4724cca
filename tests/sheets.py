"""Building village sheets in tests, the way villages make them (openpyxl, like Excel would)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from fupin_desktop.domain.idnumber import make_id_number

AREA = "371321"
VILLAGE_CODE = "371321001001"  # the conftest ``village`` fixture (北村)

HEADER = [
    "户编号", "扶贫卡编号", "村民小组", "家庭住址", "贫困户属性", "户状态", "主要致贫原因", "其他致贫原因",
    "姓名", "身份证号", "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况",
    "务工地点", "务工时间（月）", "联系电话", "是否参加培训", "培训工种", "培训类型", "推荐来源",
]  # fmt: skip


def ident(year: int, month: int, day: int, sequence: int) -> str:
    return make_id_number(AREA, date(year, month, day), sequence)


ZHANG = ident(1970, 3, 7, 11)
LI = ident(1972, 5, 1, 22)
ZHANG_SON = ident(1998, 8, 8, 31)
WANG = ident(1965, 1, 2, 41)
WANG_WIFE = ident(1967, 2, 3, 52)


def member(
    household_no: str, name: str, id_number: object, relation: str, *, head: bool = False, **extra: object
) -> list[object]:
    row: dict[str, object] = {
        "户编号": household_no,
        "姓名": name,
        "身份证号": id_number,
        "与户主关系": relation,
        "民族": "汉族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工状况": "未务工",
        "务工时间（月）": 0,
    }
    if head:
        row.update(
            {
                "扶贫卡编号": household_no + "01",
                "村民小组": "一组",
                "家庭住址": "北村一组12号",
                "贫困户属性": "一般贫困户",
                "户状态": "未脱贫",
                "主要致贫原因": "缺技术",
            }
        )
    row.update(extra)
    return [row.get(column) for column in HEADER]


def good_rows() -> list[list[object]]:
    return [
        member("0001", "张三丰", ZHANG, "户主", head=True, 联系电话="13805391234"),
        member("0001", "李秀英", LI, "配偶"),
        member(
            "0001",
            "张小明",
            ZHANG_SON,
            "之子",
            是否参加培训="是",
            培训工种="电工",
            培训类型="就业技能培训",
            推荐来源="村委会",
        ),
        member("0002", "王大山", WANG, "户主", head=True),
        member("0002", "赵桂兰", WANG_WIFE, "配偶"),
    ]


def write_sheet(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    title: Sequence[Sequence[object]] = (("沂南县界湖街道北村建档立卡贫困户信息表",), ("区划代码：", VILLAGE_CODE)),
    merges: Sequence[str] = (),
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in title:
        sheet.append(list(line))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for area in merges:
        sheet.merge_cells(area)
    workbook.save(path)
    return path
