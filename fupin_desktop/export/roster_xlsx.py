"""The household and member list (花名册) as xlsx: one row per member, the household's columns
repeated, ID numbers as text, header frozen and filtered, printed A4 landscape with the header
on every page.

openpyxl writes the title, the header, the styles and the print settings; the body rows (a county
is 100,000 people) are written as the sheet XML itself — every value an inline string or a
number, so nothing a clerk typed (an ID, "=1+1", "+86…", "@") can become a number or a formula.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties

from fupin_desktop.export.xlsx import splice_rows

FONT = "宋体"
# (title, width in characters)
COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("乡镇", 10),
    ("村", 10),
    ("户编号", 18),
    ("扶贫卡编号", 20),
    ("村民小组", 8),
    ("户主", 8),
    ("贫困户属性", 12),
    ("户状态", 10),
    ("致贫原因", 10),
    ("户联系电话", 13),
    ("家庭住址", 20),
    ("姓名", 8),
    ("与户主关系", 8),
    ("性别", 5),
    ("民族", 7),
    ("身份证号", 20),
    ("出生日期", 11),
    ("文化程度", 12),
    ("在校生状况", 12),
    ("健康状况", 10),
    ("劳动技能", 14),
    ("务工状况", 14),
    ("务工地点", 12),
    ("务工月数", 6),
    ("成员电话", 13),
]
Value = str | int | None
_HEADER_ROW = 3
_MARKER = "fupin-desktop: roster rows follow 5c2e81"
_ROWS_PER_CHUNK = 2000
_thin = Side(style="thin", color="000000")


def _escaped(text: str) -> str:
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if escaped != escaped.strip():
        return f'<is><t xml:space="preserve">{escaped}</t></is>'
    return f"<is><t>{escaped}</t></is>"


def _letters() -> list[str]:
    return [get_column_letter(i) for i in range(1, len(COLUMNS) + 1)]


def _rows_xml(rows: Iterable[list[Value]], progress: Callable[[int], None] | None) -> Iterator[str]:
    letters = _letters()
    parts: list[str] = []
    number = _HEADER_ROW
    for number, row in enumerate(rows, start=_HEADER_ROW + 1):
        r = str(number)
        parts.append(f'<row r="{r}">')
        for letter, value in zip(letters, row, strict=True):
            if value is None or value == "":
                continue
            if isinstance(value, int) and not isinstance(value, bool):
                parts.append(f'<c r="{letter}{r}"><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{letter}{r}" t="inlineStr">{_escaped(str(value))}</c>')
        parts.append("</row>")
        if (number - _HEADER_ROW) % _ROWS_PER_CHUNK == 0:
            yield "".join(parts)
            parts.clear()
            if progress is not None:
                progress(number - _HEADER_ROW)
    yield "".join(parts)


def write_roster_xlsx(
    path: Path,
    title: str,
    subtitle: str,
    rows: Iterable[list[Value]],
    row_count: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the roster; ``row_count`` (the number of ``rows``) sizes the filter and print area."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    last_column = get_column_letter(len(COLUMNS))
    last_row = _HEADER_ROW + max(row_count, 1)
    for index, (_name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width * 1.2 + 2
    sheet.merged_cells.add(CellRange(f"A1:{last_column}1"))
    sheet.merged_cells.add(CellRange(f"A2:{last_column}2"))
    sheet.freeze_panes = f"A{_HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last_column}{last_row}"
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    setup = sheet.page_setup
    setup.paperSize = "9"  # A4
    setup.orientation = "landscape"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.3
    sheet.oddFooter.right.text = "第 &P 页 共 &N 页"
    sheet.oddFooter.left.text = title

    heading = WriteOnlyCell(sheet, title)
    heading.font = Font(name=FONT, size=14, bold=True)
    heading.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 24
    sheet.append([heading])
    meta = WriteOnlyCell(sheet, subtitle)
    meta.font = Font(name=FONT, size=10)
    sheet.append([meta])
    header = []
    for name, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, name)
        cell.font = Font(name=FONT, size=10, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
        header.append(cell)
    sheet.append(header)
    sheet.append([_MARKER])
    workbook.properties.title = title
    workbook.properties.creator = "fupin-desktop"
    package = io.BytesIO()
    workbook.save(package)
    splice_rows(package, path, _rows_xml(rows, progress), _MARKER)


