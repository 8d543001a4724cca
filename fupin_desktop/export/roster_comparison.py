"""The 比对 result as an xlsx: one sheet per list, clear headers, printable (A4 landscape, headers repeated)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fupin_desktop.export.cells import put

if TYPE_CHECKING:
    from fupin_desktop.services.roster_compare import Comparison

_FONT = "宋体"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_DIFF_FILL = PatternFill("solid", fgColor="FFC7CE")


def write_comparison(comparison: Comparison, out: Path) -> Path:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    source = comparison.roster_path.name
    _sheet(
        workbook.create_sheet("本地有花名册无"),
        f"本地有、建档立卡花名册中没有的人员（{comparison.scope}，对照“{source}”）",
        ["序号", "村", "户编号", "姓名", "身份证号", "户状态"],
        [[p.village, p.household_no, p.name, p.id_number, p.status] for p in comparison.only_here],
        [8, 14, 20, 10, 22, 16],
    )
    _sheet(
        workbook.create_sheet("花名册有本地无"),
        f"建档立卡花名册中有、本地没有记录的人员（花名册“{source}”）",
        ["序号", "花名册行号", "户编号", "姓名", "身份证号", "户状态"],
        [[e.row, e.household_no, e.name, e.id_number, e.status] for e in comparison.only_roster],
        [8, 12, 20, 10, 22, 16],
    )
    differing = workbook.create_sheet("信息不一致")
    rows = [
        [d.entry.row, d.entry.id_number, d.local.name, d.entry.name, d.local.household_no, d.entry.household_no,
         d.local.status, d.entry.status, "、".join(d.fields)]
        for d in comparison.differing
    ]  # fmt: skip
    _sheet(
        differing,
        f"姓名、户编号或户状态与花名册不一致的人员（{comparison.scope}）",
        ["序号", "花名册行号", "身份证号", "姓名（本地）", "姓名（花名册）", "户编号（本地）", "户编号（花名册）",
         "户状态（本地）", "户状态（花名册）", "不一致项"],
        rows,
        [7, 10, 21, 11, 11, 19, 19, 14, 14, 14],
    )  # fmt: skip
    for offset, difference in enumerate(comparison.differing):
        row = 3 + offset
        for label, columns in (("姓名", (4, 5)), ("户编号", (6, 7)), ("户状态", (8, 9))):
            if label in difference.fields:
                for column in columns:
                    differing.cell(row=row, column=column).fill = _DIFF_FILL
    if comparison.problems:
        _sheet(
            workbook.create_sheet("无法比对的行"),
            "花名册中无法比对的行",
            ["序号", "花名册行号", "问题"],
            [[p.row, p.message] for p in comparison.problems],
            [8, 12, 90],
        )
    out = Path(out)
    workbook.save(out)
    return out


def _sheet(
    sheet: Worksheet, title: str, header: list[str], rows: Sequence[Sequence[object]], widths: list[float]
) -> None:
    put(sheet, 1, 1, title)
    sheet["A1"].font = Font(name=_FONT, size=14, bold=True)
    sheet.row_dimensions[1].height = 26
    for column, label in enumerate(header, start=1):
        cell = sheet.cell(row=2, column=column, value=label)
        cell.font = Font(name=_FONT, size=10, bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = widths[column - 1]
    sheet.row_dimensions[2].height = 30
    body = Font(name=_FONT, size=10)
    for offset, values in enumerate(rows):
        row = 3 + offset
        for column, value in enumerate([offset + 1, *values], start=1):
            cell = put(sheet, row, column, value if value != "" else None)
            cell.font = body
            cell.border = _BORDER
            cell.number_format = "@" if column > 1 else "0"
    if not rows:
        sheet.cell(row=3, column=1, value="（无）").font = body
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.print_options.horizontalCentered = True
    if rows:
        sheet.auto_filter.ref = f"A2:{get_column_letter(len(header))}{2 + len(rows)}"
