"""The village sheet as an xlsx: the blank template a village committee fills, and the same layout
carrying rejected rows back to the village with a 退回原因 column (openpyxl; no Qt).

Data cells are unlocked and the header rows protected (no password), so a clerk can type freely but
cannot break the header that the importer reads; code-list columns get drop-down lists that point at
a hidden 代码表 sheet; long digit columns are text so that Excel keeps every digit of an ID number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.village_sheet import COLUMNS, GROUPS, REFERRAL_LABEL, VillageSheetColumn
from fupin_desktop.export.cells import put

DATA_SHEET = "农户成员信息"
HELP_SHEET = "填表说明"
CODE_SHEET = "代码表"
TITLE = "建档立卡贫困户家庭成员信息采集表"
FIRST_DATA_ROW = 5  # rows 1–2 title, 3 group headers, 4 column headers
VALIDATED_ROWS = 3000
REASON_LABEL = "退回原因"

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_GROUP_FILLS = {
    "户信息": "BDD7EE",
    "成员信息": "C6E0B4",
    "培训意愿": "FFE699",
    "技工院校意愿": "F8CBAD",
    REFERRAL_LABEL: "D9D9D9",
}
_ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
_REASON_FILL = PatternFill("solid", fgColor="FFF2CC")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FONT = "宋体"


@dataclass
class VillageSheetRowOut:
    """A row to write back: values by column key as the village typed them, and what is wrong."""

    values: dict[str, str]
    reason: str = ""
    bad_keys: set[str] = field(default_factory=set)
    source_row: int | None = None


@dataclass(frozen=True)
class VillageTitle:
    name: str = ""
    code: str = ""
    full_name: str = ""  # 县 乡镇 村, for the title line


def write_village_sheet(
    path: Path,
    title: VillageTitle = VillageTitle(),
    rows: Sequence[VillageSheetRowOut] = (),
    *,
    with_reason: bool = False,
    original_title: Sequence[Sequence[str]] = (),
    footer: Sequence[Sequence[str]] = (),
    schools: Sequence[str] = (),
    paired_note: str = "",
) -> Path:
    """Write the sheet to ``path``; with rows (and a 退回原因 column) for rejected rows.

    ``original_title`` (the rows above the village's own header) replaces the template's title rows,
    and ``footer`` (its 填表人 / 联系电话 / 填表日期 lines) follows the rows, so that the village gets
    its own sheet back. ``schools`` (the county's paired schools first) become the drop-down of the 院校
    column; a name not on it is still accepted."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    codes = workbook.create_sheet(CODE_SHEET)
    ranges = _write_code_sheet(codes)
    columns = list(COLUMNS)
    width = len(columns) + (1 if with_reason else 0)
    if original_title:
        top = _write_original_title(sheet, title, original_title, width)
    else:
        _write_title(sheet, title, width, with_reason)
        top = 2
    _write_headers(sheet, columns, with_reason, top)
    first = top + 3
    _write_rows(sheet, columns, rows, with_reason, first)
    _write_footer(sheet, footer, first + len(rows) + 1)
    _add_validations(sheet, columns, ranges, first)
    if schools:
        _add_school_list(sheet, codes, columns, schools, paired_note, first)
    _set_columns(sheet, columns, with_reason)
    _protect(sheet)
    _page_setup(sheet, top)
    help_sheet = workbook.create_sheet(HELP_SHEET, 1)
    _write_help(help_sheet, with_reason)
    workbook.active = 0
    path = Path(path)
    workbook.save(path)
    return path


def _write_title(sheet: Worksheet, title: VillageTitle, width: int, with_reason: bool) -> None:
    heading = f"{title.full_name or title.name}{TITLE}" if (title.full_name or title.name) else TITLE
    if with_reason:
        heading += "（退回修改）"
    # Not merged across all 28 columns: the print spans two pages and would cut the title in half.
    put(sheet, 1, 1, heading)
    sheet["A1"].font = Font(name=_FONT, size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="left", vertical="center")
    sheet.row_dimensions[1].height = 32
    # Row 2: label cells locked, the blanks to fill unlocked; the importer reads the village from here.
    fields = [("村名：", title.name, 2), ("区划代码（12位）：", title.code, 2), ("填表人：", "", 1)]
    fields += [("联系电话：", "", 2), ("填表日期：", "", 2)]
    column = 1
    for label, value, span in fields:
        label_cell = sheet.cell(row=2, column=column, value=label)
        label_cell.font = Font(name=_FONT, size=11, bold=True)
        label_cell.alignment = Alignment(horizontal="right", vertical="center")
        label_cell.protection = _LOCKED
        value_cell = put(sheet, 2, column + 1, value or None)
        value_cell.number_format = "@"
        value_cell.protection = _UNLOCKED
        value_cell.font = Font(name=_FONT, size=11, underline="single")
        value_cell.alignment = Alignment(horizontal="left", vertical="center")
        if span > 1:
            sheet.merge_cells(start_row=2, start_column=column + 1, end_row=2, end_column=column + span)
        column += span + 1
    for row in (1, 2):
        for col in range(column if row == 2 else 2, width + 1):
            sheet.cell(row=row, column=col).protection = _LOCKED
    sheet.row_dimensions[2].height = 24


def _write_original_title(sheet: Worksheet, title: VillageTitle, lines: Sequence[Sequence[str]], width: int) -> int:
    """The village's own title rows, as shown in its file; a 村名/区划代码 line when they lack the code."""
    row = 0
    for row, line in enumerate(lines, start=1):
        for column, text in enumerate(line[:width], start=1):
            if text:
                cell = put(sheet, row, column, text)
                cell.font = Font(name=_FONT, size=16 if row == 1 else 11, bold=row == 1)
                cell.alignment = Alignment(horizontal="left", vertical="center")
                cell.protection = _UNLOCKED
    if title.code and title.code not in " ".join(text for line in lines for text in line):
        row += 1
        for column, text in enumerate(("村名：", title.name, "区划代码（12位）：", title.code), start=1):
            cell = put(sheet, row, column, text)
            cell.font = Font(name=_FONT, size=11, bold=column % 2 == 1)
            cell.number_format = "@"
    for r in range(1, row + 1):
        sheet.row_dimensions[r].height = 32 if r == 1 else 24
    return row


def _write_footer(sheet: Worksheet, lines: Sequence[Sequence[str]], first: int) -> None:
    for offset, line in enumerate(lines):
        for column, text in enumerate(line, start=1):
            if text:
                cell = put(sheet, first + offset, column, text)
                cell.font = Font(name=_FONT, size=11)
                cell.protection = _UNLOCKED


def _write_headers(sheet: Worksheet, columns: list[VillageSheetColumn], with_reason: bool, top: int = 2) -> None:
    group_row, label_row = top + 1, top + 2
    for group in GROUPS:
        indices = [i + 1 for i, column in enumerate(columns) if column.group == group]
        if not indices:
            continue
        first, last = indices[0], indices[-1]
        sheet.cell(row=group_row, column=first, value=group)
        if group == REFERRAL_LABEL:
            sheet.merge_cells(start_row=group_row, start_column=first, end_row=label_row, end_column=last)
        elif last > first:
            sheet.merge_cells(start_row=group_row, start_column=first, end_row=group_row, end_column=last)
        fill = PatternFill("solid", fgColor=_GROUP_FILLS[group])
        for col in range(first, last + 1):
            for row in (group_row, label_row):
                _style_header(sheet.cell(row=row, column=col), fill)
    for index, column in enumerate(columns, start=1):
        if column.group == REFERRAL_LABEL:
            continue
        cell = sheet.cell(row=label_row, column=index, value=column.label)
        _style_header(cell, _HEADER_FILL)
        if column.note:
            cell.comment = Comment(column.note, "fupin-desktop", width=220, height=60)
    if with_reason:
        col = len(columns) + 1
        sheet.cell(row=group_row, column=col, value=REASON_LABEL)
        sheet.merge_cells(start_row=group_row, start_column=col, end_row=label_row, end_column=col)
        for row in (group_row, label_row):
            _style_header(sheet.cell(row=row, column=col), PatternFill("solid", fgColor="FF9999"))
    sheet.row_dimensions[group_row].height = 22
    sheet.row_dimensions[label_row].height = 36
    sheet.freeze_panes = sheet.cell(row=label_row + 1, column=1)


def _style_header(cell: Cell | MergedCell, fill: PatternFill) -> None:
    cell.font = Font(name=_FONT, size=10, bold=True)
    cell.alignment = _CENTER
    cell.fill = fill
    cell.border = _BORDER
    cell.protection = _LOCKED


def _write_rows(
    sheet: Worksheet,
    columns: list[VillageSheetColumn],
    rows: Sequence[VillageSheetRowOut],
    with_reason: bool,
    first: int,
) -> None:
    body = Font(name=_FONT, size=10)
    wrap = Alignment(vertical="top", wrap_text=True)
    for offset, out in enumerate(rows):
        row = first + offset
        for index, column in enumerate(columns, start=1):
            cell = put(sheet, row, index, out.values.get(column.key) or None)
            cell.number_format = "@"
            cell.protection = _UNLOCKED
            cell.border = _BORDER
            cell.font = body
            cell.alignment = Alignment(vertical="top")
            if column.key in out.bad_keys:
                cell.fill = _ERROR_FILL
        if with_reason:
            cell = put(sheet, row, len(columns) + 1, out.reason)
            cell.protection = _UNLOCKED
            cell.fill = _REASON_FILL
            cell.alignment = wrap
            cell.border = _BORDER
            cell.font = Font(name=_FONT, size=10, color="9C0006")
            lines = sum(1 + len(part) // 24 for part in out.reason.split("\n"))
            sheet.row_dimensions[row].height = max(15, 14 * lines)


def _write_code_sheet(sheet: Worksheet) -> dict[str, str]:
    """One code list per column; returns list name → absolute range for data validation."""
    names = sorted({column.codelist for column in COLUMNS if column.codelist})
    ranges: dict[str, str] = {}
    for index, name in enumerate(names, start=1):
        code_list = codelist(name)
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=code_list.title).font = Font(name=_FONT, bold=True)
        for offset, value in enumerate(code_list.names(), start=2):
            sheet.cell(row=offset, column=index, value=value)
        ranges[name] = f"'{CODE_SHEET}'!${letter}$2:${letter}${len(code_list) + 1}"
        sheet.column_dimensions[letter].width = 22
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True
    return ranges


def _add_school_list(
    sheet: Worksheet,
    codes: Worksheet,
    columns: list[VillageSheetColumn],
    schools: Sequence[str],
    note: str,
    first: int = FIRST_DATA_ROW,
) -> None:
    index = codes.max_column + 1
    letter = get_column_letter(index)
    codes.cell(row=1, column=index, value="技工院校").font = Font(name=_FONT, bold=True)
    for offset, name in enumerate(schools, start=2):
        codes.cell(row=offset, column=index, value=name)
    codes.column_dimensions[letter].width = 22
    position = next(i for i, column in enumerate(columns, start=1) if column.key == "school")
    target = get_column_letter(position)
    validation = DataValidation(
        type="list", formula1=f"'{CODE_SHEET}'!${letter}$2:${letter}${len(schools) + 1}", allow_blank=True
    )
    validation.showErrorMessage = False  # another school may be written in
    validation.promptTitle = "院校"
    validation.prompt = (note or "可从列表中选择，也可填写其他院校")[:255]
    validation.showInputMessage = True
    validation.add(f"{target}{first}:{target}{first + VALIDATED_ROWS - 1}")
    sheet.add_data_validation(validation)


def _add_validations(
    sheet: Worksheet, columns: list[VillageSheetColumn], ranges: dict[str, str], first: int = FIRST_DATA_ROW
) -> None:
    last = first + VALIDATED_ROWS - 1
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        area = f"{letter}{first}:{letter}{last}"
        if column.key in ("wants_training", "wants_school"):
            validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            validation.error = "请选择“是”或“否”"
        elif column.codelist:
            validation = DataValidation(type="list", formula1=ranges[column.codelist], allow_blank=True)
            validation.error = "请从下拉列表中选择"
            # Several values in one cell, or a 工种/专业 not in the list: allowed, the list only helps.
            if column.multi or column.codelist in ("occupation", "major"):
                validation.showErrorMessage = False
            else:
                validation.showErrorMessage = True
        elif column.key == "work_months":
            validation = DataValidation(type="whole", operator="between", formula1="0", formula2="12", allow_blank=True)
            validation.error = "务工时间（月）应为0至12的整数"
            validation.showErrorMessage = True
        else:
            continue
        validation.errorTitle = column.label
        if column.note:
            validation.prompt = column.note
            validation.promptTitle = column.label
            validation.showInputMessage = True
        validation.add(area)
        sheet.add_data_validation(validation)


def _set_columns(sheet: Worksheet, columns: list[VillageSheetColumn], with_reason: bool) -> None:
    for index, column in enumerate(columns, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        # Column style: cells typed later are unlocked, and text where digits must all be kept.
        dimension.protection = _UNLOCKED
        if column.text_format:
            dimension.number_format = "@"
    if with_reason:
        dimension = sheet.column_dimensions[get_column_letter(len(columns) + 1)]
        dimension.width = 48
        dimension.protection = _UNLOCKED


def _protect(sheet: Worksheet) -> None:
    """Headers locked, data free; no password (a clerk who must add a column can unprotect)."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.formatCells = False
    protection.insertRows = False
    protection.deleteRows = False
    protection.sort = False
    protection.autoFilter = False


def _page_setup(sheet: Worksheet, top: int = 2) -> None:
    # 28 columns do not fit one page legibly: A3 landscape, two pages wide, headers on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth = 2
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{top + 1}:{top + 2}"
    sheet.page_margins.left = sheet.page_margins.right = 0.3
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.print_options.horizontalCentered = True


HELP_LINES = (
    "1. 每名成员填一行；同一户的成员填写相同的“户编号”，户信息（扶贫卡编号、村民小组、家庭住址等）可只在户主一行填写。"
    "没有户编号的，把户主填在本户第一行、其他成员紧接在下面（或填写户主姓名、户主身份证号），程序按户主识别并按本村顺序编号。",
    "2. 第2行填写村名和12位统计用区划代码，导入时据此确定村；也可在导入时指定村。",
    "3. 身份证号须为18位，末位可为X。该列已设为文本格式；请勿改成数字格式，"
    "否则Excel会丢失后几位（显示为3.7E+17），无法还原。",
    "4. 带下拉箭头的列请从列表中选择；健康状况、其他致贫原因可填多项，用顿号“、”分隔，如“长期慢性病、残疾”。",
    "5. 性别和出生日期由身份证号自动得出，无需填写。务工时间（月）填0至12的整数。",
    "6. 培训意愿：愿意参加培训的，“是否”选“是”并填写培训工种（可从列表选择或直接填写）和培训类型。",
    "7. 技工院校意愿：愿意就读技工院校的，“是否”选“是”并填写专业或院校。推荐来源从列表中选择。",
    "8. 表头（第1至4行）已保护，不能修改；数据区可自由填写、插入或删除行。",
    "9. 导入时程序逐行检查；有错误的整户不会导入，程序会生成“…-退回.xlsx”，"
    "在“退回原因”列写明每一处问题，改正后可再次导入。",
    "10. 重复导入同一张表不会产生重复记录：人按身份证号、户按户编号（没有户编号时按成员的身份证号）识别，"
    "有变化的内容按修改处理并留有记录。"
    "空白单元格不会清除系统中已有的内容。",
)


def _write_help(sheet: Worksheet, with_reason: bool) -> None:
    sheet["A1"] = "填表说明"
    sheet["A1"].font = Font(name=_FONT, size=16, bold=True)
    sheet.row_dimensions[1].height = 30
    lines = list(HELP_LINES)
    if with_reason:
        lines.insert(0, "本表为退回修改表：标红的单元格有问题，原因写在最右侧“退回原因”列。请改正后整表重新导入。")
    for offset, line in enumerate(lines, start=3):
        cell = sheet.cell(row=offset, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(name=_FONT, size=11)
        sheet.row_dimensions[offset].height = 36
    sheet.column_dimensions["A"].width = 110
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


SheetRowOut = VillageSheetRowOut  # the name before docs/glossary.md, kept for callers not yet renamed
