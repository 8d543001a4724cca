"""Writing a sheet as xlsx (openpyxl write-only mode: a county list is 100,000 rows).

The workbook carries its print settings (A4, orientation, fit to one page wide, header rows repeated,
margins, page x of y in the footer with the number and digest) and, when sealed, a very hidden and
protected sheet holding the canonical content for ``verify``. ID numbers are written as text.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from fupin_desktop.export.grid import Grid, GridRow, build_grid
from fupin_desktop.export.sheet import DRAFT_MARK, SheetContent, chunks, encode_payload

PAYLOAD_SHEET = "封存数据"
PAYLOAD_CHUNK = 32_000  # below Excel's 32,767 characters per cell
XLSX_FONT = "宋体"  # the face every Chinese Excel has; the PDF embeds its own

_thin = Side(style="thin", color="000000")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_styles = {
    "title": (Font(name=XLSX_FONT, size=16, bold=True), Alignment(horizontal="center", vertical="center"), None),
    "meta": (Font(name=XLSX_FONT, size=10), Alignment(horizontal="left", vertical="center"), None),
    "period": (Font(name=XLSX_FONT, size=10), Alignment(horizontal="left", vertical="center"), None),
    "seal": (Font(name=XLSX_FONT, size=8), Alignment(horizontal="left", vertical="center"), None),
    "header": (
        Font(name=XLSX_FONT, size=10, bold=True),
        Alignment(horizontal="center", vertical="center", wrap_text=True),
        _box,
    ),
    "data": (Font(name=XLSX_FONT, size=10), Alignment(vertical="center", wrap_text=True), _box),
    "total": (Font(name=XLSX_FONT, size=10, bold=True), Alignment(vertical="center", wrap_text=True), _box),
    "blank": (None, None, None),
    "signoff": (Font(name=XLSX_FONT, size=10), Alignment(horizontal="left", vertical="center"), None),
    "note": (Font(name=XLSX_FONT, size=9), Alignment(horizontal="left", vertical="center", wrap_text=True), None),
}
_centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
_right = Alignment(horizontal="right", vertical="center")


def sheet_name(content: SheetContent) -> str:
    """The visible sheet's tab name: the title, cut to Excel's 31 characters."""
    name = "".join(ch for ch in content.title if ch not in "[]:*?/\\")
    return name[:31] or "Sheet1"


def write_xlsx(
    content: SheetContent,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    digest = content.digest() if content.sealed else None
    grid = build_grid(content, digest)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name(content))
    _setup_page(sheet, content, grid, digest)
    for index, column in enumerate(content.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width * 1.9 + 1.5
    for merge in grid.merges:
        sheet.merged_cells.add(CellRange(min_row=merge[0], min_col=merge[1], max_row=merge[2], max_col=merge[3]))
    styles: _StyleCache = {}
    total = len(grid.rows)
    for number, row in enumerate(grid.rows, start=1):
        if row.kind == "title":
            sheet.row_dimensions[number].height = 30
        sheet.append(_cells(sheet, row, content, styles))
        if progress is not None and number % 2000 == 0:
            progress(number, total)
    if content.sealed:
        _write_payload(workbook, content)
    workbook.properties.title = content.title
    workbook.properties.creator = "fupin-desktop"
    workbook.properties.keywords = content.number or DRAFT_MARK
    workbook.save(path)


_StyleCache = dict[tuple[object, ...], WriteOnlyCell]


def _cells(sheet: Worksheet, row: GridRow, content: SheetContent, styles: _StyleCache) -> list[WriteOnlyCell]:
    """The row's cells; each style is worked out once per (row kind, column) and then copied."""
    cells = []
    for index, value in enumerate(row.cells):
        cell = WriteOnlyCell(sheet, value=value)
        key = (row.kind, index, isinstance(value, str), value is None)
        template = styles.get(key)
        if template is None:
            template = _styled(WriteOnlyCell(sheet), row, content, index, value)
            styles[key] = template
        cell._style = copy(template._style)
        cells.append(cell)
    return cells


def _styled(cell: WriteOnlyCell, row: GridRow, content: SheetContent, index: int, value: object) -> WriteOnlyCell:
    font, alignment, border = _styles[row.kind]
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if row.kind in ("data", "total"):
        column = content.columns[index]
        if column.kind == "id" or isinstance(value, str):
            cell.number_format = "@"
        if column.numeric or index == 0 or column.width <= 4:
            cell.alignment = _right if column.numeric and index > 0 else _centre
    if row.kind == "meta" and index > 0 and value is not None:
        cell.alignment = _right
    return cell


def _setup_page(sheet: Worksheet, content: SheetContent, grid: Grid, digest: str | None) -> None:
    setup = sheet.page_setup
    setup.paperSize = "9"  # A4
    setup.orientation = "landscape" if content.landscape else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    margins = sheet.page_margins
    margins.left = margins.right = 0.4
    margins.top = 0.5
    margins.bottom = 0.7
    margins.header = 0.25
    margins.footer = 0.3
    sheet.print_title_rows = f"{grid.header_first}:{grid.header_last}"
    sheet.freeze_panes = f"A{grid.data_first}"
    footer = sheet.oddFooter
    footer.right.text = "第 &P 页 共 &N 页"
    footer.right.size = 9
    if content.sealed:
        footer.left.text = f"{content.number}  校验码 {digest}"
        footer.left.size = 7
    else:
        sheet.oddHeader.center.text = DRAFT_MARK
        sheet.oddHeader.center.size = 14
        footer.left.text = DRAFT_MARK
        footer.left.size = 8


def _write_payload(workbook: Workbook, content: SheetContent) -> None:
    hidden = workbook.create_sheet(PAYLOAD_SHEET)
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    hidden.append(["fupin-desktop sealed sheet; do not edit"])
    for part in chunks(encode_payload(content), PAYLOAD_CHUNK):
        hidden.append([part])
