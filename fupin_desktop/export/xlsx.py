"""Writing a sheet as xlsx (openpyxl write-only mode: a county list is 100,000 rows).

The workbook carries its print settings (A4, orientation, fit to one page wide, header rows repeated,
margins, page x of y in the footer with the number and digest) and, when sealed, a very hidden and
protected sheet holding the canonical content for ``verify``. ID numbers are written as text.

openpyxl writes everything down to the header rows, the styles, merges, print settings and the payload
sheet. The rows from the first data row on (data, totals, sign-off, notes) are many and all alike, so
they are written here as the same XML openpyxl would write (inline strings, the style ids openpyxl
registered for them), straight into the finished package in place of one marker row: building an
openpyxl cell object per cell costs several times more than the XML itself. Body strings are inline
strings, never formulas; the rows written through openpyxl go through the shared text guard.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Callable, Iterator
from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from fupin_desktop.export.cells import as_text
from fupin_desktop.export.grid import Grid, GridRow, build_grid
from fupin_desktop.export.sheet import DRAFT_MARK, SheetContent, Signature, Value, chunks, encode_payload

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
# Stands for the rows written as XML; found again in the package and replaced by them.
_MARKER = "fupin-desktop: rows follow 9d41c7e2"
_SHEET_XML = "xl/worksheets/sheet1.xml"
_ROWS_PER_CHUNK = 2000


def sheet_name(content: SheetContent) -> str:
    """The visible sheet's tab name: the title, cut to Excel's 31 characters."""
    name = "".join(ch for ch in content.title if ch not in "[]:*?/\\")
    return name[:31] or "Sheet1"


def write_xlsx(
    content: SheetContent,
    path: Path,
    *,
    signature: Signature | None = None,
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
    head = grid.header_last  # rows 1..head through openpyxl, the rest as XML
    heights = row_heights(content, grid)
    for number, row in enumerate(grid.rows[:head], start=1):
        if row.kind == "title":
            sheet.row_dimensions[number].height = 30
        elif number in heights:
            sheet.row_dimensions[number].height = heights[number]
        sheet.append(_cells(sheet, row, content, styles))
    body = grid.rows[head:]
    templates = _body_templates(sheet, body, content)
    if body:
        sheet.append([_MARKER])
    if content.sealed:
        _write_payload(workbook, content, signature)
    workbook.properties.title = content.title
    workbook.properties.creator = "fupin-desktop"
    workbook.properties.keywords = content.number or DRAFT_MARK
    package = io.BytesIO()
    workbook.save(package)
    splice_rows(package, path, _rows_xml(body, head + 1, templates, progress, len(grid.rows), heights))


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
        cells.append(as_text(cell))
    return cells


# (row kind, column, value sort) → the text around a cell's reference and around its value
_CellTemplates = dict[tuple[str, int, str], tuple[str, str, str]]


def _sort(value: Value) -> str:
    if value is None:
        return "none"
    return "text" if isinstance(value, str) else "number"


_SAMPLE: dict[str, Value] = {"none": None, "text": "", "number": 0}


def _body_templates(sheet: Worksheet, rows: list[GridRow], content: SheetContent) -> _CellTemplates:
    """Each (kind, column, value sort) of the body rows styled once, as openpyxl would, and registered
    with the workbook (``style_id``) so that styles.xml carries it."""
    templates: _CellTemplates = {}
    for kind in dict.fromkeys(row.kind for row in rows):
        row = GridRow(kind, [None] * len(content.columns))
        for index in range(len(content.columns)):
            for sort, sample in _SAMPLE.items():
                cell = _styled(WriteOnlyCell(sheet), row, content, index, sample)
                style = f' s="{cell.style_id}"' if cell.has_style else ""
                letter = get_column_letter(index + 1)
                if sort == "none":
                    # openpyxl writes an empty cell only when it is styled (the borders of the table)
                    templates[kind, index, sort] = (
                        (f'<c r="{letter}', f'"{style} t="n"/>', "") if style else ("", "", "")
                    )
                elif sort == "text":
                    templates[kind, index, sort] = (
                        f'<c r="{letter}',
                        f'"{style} t="inlineStr"><is><t',
                        "</t></is></c>",
                    )
                else:
                    templates[kind, index, sort] = (f'<c r="{letter}', f'"{style} t="n"><v>', "</v></c>")
    return templates


def _xml_text(text: str) -> str:
    """A string as openpyxl writes it inside <t>: escaped, spaces kept when they lead or trail."""
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise ValueError(f"单元格中有不能写入Excel的控制字符：{text!r}")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if escaped != escaped.strip():
        return f' xml:space="preserve">{escaped}'
    return f">{escaped}"


def _rows_xml(
    rows: list[GridRow],
    first: int,
    templates: _CellTemplates,
    progress: Callable[[int, int], None] | None,
    total: int,
    heights: dict[int, float] | None = None,
) -> Iterator[str]:
    """The <row> elements of ``rows`` numbered from ``first``, in chunks of text."""
    parts: list[str] = []
    heights = heights or {}
    for number, row in enumerate(rows, start=first):
        r = str(number)
        height = heights.get(number)
        parts.append(f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">')
        kind = row.kind
        for index, value in enumerate(row.cells):
            if value is None:
                before, after, _end = templates[kind, index, "none"]
                if before:
                    parts.append(f"{before}{r}{after}")
            elif isinstance(value, str):
                before, after, end = templates[kind, index, "text"]
                parts.append(f"{before}{r}{after}{_xml_text(value)}{end}")
            elif isinstance(value, int) and not isinstance(value, bool):
                before, after, end = templates[kind, index, "number"]
                parts.append(f"{before}{r}{after}{value}{end}")
            else:
                raise TypeError(f"unexpected cell value {value!r}")
        parts.append("</row>")
        if (number - first + 1) % _ROWS_PER_CHUNK == 0:
            yield "".join(parts)
            parts.clear()
            if progress is not None:
                progress(number, total)
    yield "".join(parts)


# Excel's column unit is the width of a digit; a CJK character of the 10 pt body takes about two.
_LINE_PT = 13.5
_PAD_PT = 5.0


def _text_units(text: str) -> float:
    return sum(1.0 if ch.isascii() else 2.0 for ch in text)


def column_units(content: SheetContent) -> list[float]:
    return [column.width * 1.9 + 1.5 for column in content.columns]


def row_heights(content: SheetContent, grid: Grid) -> dict[int, float]:
    """Heights (pt) for the header rows and the notes, so that LibreOffice and Excel show their
    wrapped text whole instead of letting it spill into the next row; other rows keep the default."""
    units = column_units(content)
    spans: dict[tuple[int, int], tuple[float, int]] = {}  # (row, col) → (width, rows merged)
    for r1, c1, r2, c2 in grid.merges:
        spans[r1, c1] = (sum(units[c1 - 1 : c2]), r2 - r1 + 1)
    heights: dict[int, float] = {}
    for number, row in enumerate(grid.rows, start=1):
        if row.kind not in ("header", "note"):
            continue
        lines = 1.0
        for column, value in enumerate(row.cells, start=1):
            if not isinstance(value, str) or not value:
                continue
            width, rows = spans.get((number, column), (units[column - 1], 1))
            needed = sum(max(1, math.ceil(_text_units(part) / max(width - 1.5, 1.0))) for part in value.split("\n"))
            lines = max(lines, needed / rows)
        heights[number] = math.ceil(lines) * _LINE_PT + _PAD_PT
    return heights


def splice_rows(package: io.BytesIO, path: Path, rows: Iterator[str], marker_text: str = _MARKER) -> None:
    """Copy the package openpyxl wrote to ``path``, the marker row of the sheet replaced by ``rows``
    (the sealed sheets and the roster both write their body rows as XML this way)."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != _SHEET_XML:
                target.writestr(info, data)
                continue
            xml = data.decode("utf-8")
            marker = xml.find(marker_text)
            if marker < 0:  # no rows after the header
                target.writestr(info, data)
                continue
            start = xml.rindex("<row ", 0, marker)
            end = xml.index("</row>", marker) + len("</row>")
            with target.open(info.filename, "w") as out:
                out.write(xml[:start].encode("utf-8"))
                for chunk in rows:
                    out.write(chunk.encode("utf-8"))
                out.write(xml[end:].encode("utf-8"))


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
        key = f"  密钥 {content.stamp.fingerprint}" if content.stamp is not None else ""
        footer.left.text = f"{content.number}  校验码 {digest}{key}"
        footer.left.size = 7
    else:
        sheet.oddHeader.center.text = DRAFT_MARK
        sheet.oddHeader.center.size = 14
        footer.left.text = DRAFT_MARK
        footer.left.size = 8


def _write_payload(workbook: Workbook, content: SheetContent, signature: Signature | None) -> None:
    hidden = workbook.create_sheet(PAYLOAD_SHEET)
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    hidden.append(["fupin-desktop sealed sheet; do not edit"])
    for part in chunks(encode_payload(content, signature), PAYLOAD_CHUNK):
        hidden.append([as_text(WriteOnlyCell(hidden, value=part))])
