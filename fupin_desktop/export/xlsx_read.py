"""Reading an xlsx the way a reader sees it: each cell's shown text, and whatever hides or disguises it.

One pass over the package's XML (no openpyxl objects per cell: a county list has half a million
cells). Besides the cells' values it collects what changes what a reader sees without changing a
value: the number format (a format that shows 24 as 42), hidden rows and columns and zero heights
or widths, a font colour equal to or indistinguishable from the fill, a tiny font, a 填充 alignment,
formulas, merged ranges, other visible sheets, a print area, and drawings, comments, conditional
formats or pictures laid over the sheet. Bold, borders, fills and fonts that stay readable are not
differences. No Qt here.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from typing import IO
from xml.etree.ElementTree import Element, iterparse

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DRAWING_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_TRUE = {"1", "true", "on"}
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")

# Number formats that show a cell's value as it is: General (also as Chinese Excel and WPS name it),
# text, and whole numbers as digits (with the padding WPS adds).
_PLAIN_FORMATS = {"general", "g/通用格式", "@", "0", "0_ ", "0_)"}
_BUILTIN_FORMATS = {0: "General", 1: "0", 49: "@"}
# Top-level parts of a worksheet that lay something over the cells or restyle them.
_OVERLAYS = {
    "conditionalFormatting": "条件格式（可改变单元格显示的颜色或格式）",
    "drawing": "图形、文本框或图片（可盖住单元格）",
    "legacyDrawing": "批注或形状（可盖住单元格）",
    "legacyDrawingHF": "页眉页脚中的图片",
    "picture": "背景图片",
    "oleObjects": "嵌入的对象",
    "controls": "控件",
    "tableParts": "表格样式（可改变显示的格式）",
    "autoFilter": "筛选（可隐藏行）",
}
# Office's default theme colours, for files that carry no theme part (lt1, dk1, lt2, dk2, accents…).
_DEFAULT_THEME = [
    "FFFFFF", "000000", "E7E6E6", "44546A", "4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47",
    "0563C1", "954F72",
]  # fmt: skip
_MIN_CONTRAST = 1.5  # below this (WCAG contrast ratio) text cannot be told from its background
_MIN_FONT_SIZE = 5.0
_MIN_ROW_HEIGHT = 3.0  # points
_MIN_COLUMN_WIDTH = 0.5  # characters
_MAX_CELL_PROBLEMS = 1000


class NotAWorkbook(ValueError):
    pass


@dataclass
class SheetRead:
    rows: list[list[str]]  # shown text of every cell, by row (1-based row r is rows[r - 1])
    problems: list[str] = field(default_factory=list)  # what hides or disguises the whole sheet
    cell_problems: list[tuple[int, int, str]] = field(default_factory=list)  # row, column (1-based), what
    merges: set[tuple[int, int, int, int]] = field(default_factory=set)  # r1, c1, r2, c2
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)  # 1-based
    footer: str | None = None


@dataclass
class WorkbookRead:
    sheet_names: list[str]
    first: SheetRead
    payload_text: str | None  # the payload sheet's text, when there is one
    problems: list[str] = field(default_factory=list)  # workbook-level: other visible sheets, print area


def column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _range(text: str) -> tuple[int, int, int, int] | None:
    parts = [_CELL_REF.fullmatch(p.replace("$", "")) for p in text.split(":")]
    if not parts or any(p is None for p in parts):
        return None
    (c1, r1), (c2, r2) = [(column_number(p[1]), int(p[2])) for p in parts if p] * (2 if len(parts) == 1 else 1)
    return r1, c1, r2, c2


# --- colours -----------------------------------------------------------------------------------


def _luminance(rgb: str) -> float:
    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(rgb[i : i + 2]) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    a, b = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _tinted(rgb: str, tint: float) -> str:
    channels = [int(rgb[i : i + 2], 16) for i in (0, 2, 4)]
    if tint < 0:
        channels = [round(c * (1 + tint)) for c in channels]
    else:
        channels = [round(c + (255 - c) * tint) for c in channels]
    return "".join(f"{max(0, min(255, c)):02X}" for c in channels)


class _Colours:
    def __init__(self, theme: list[str]) -> None:
        from openpyxl.styles.colors import COLOR_INDEX

        self.theme = theme
        self.indexed = [c[-6:] for c in COLOR_INDEX]

    def resolve(self, element: Element | None, default: str) -> str:
        if element is None or element.get("auto") in _TRUE:
            return default
        rgb = element.get("rgb")
        if rgb:
            colour = rgb[-6:].upper()
        elif element.get("theme") is not None:
            index = int(element.get("theme", "0"))
            colour = self.theme[index] if 0 <= index < len(self.theme) else default
        elif element.get("indexed") is not None:
            index = int(element.get("indexed", "0"))
            colour = self.indexed[index] if 0 <= index < len(self.indexed) else default
        else:
            return default
        tint = float(element.get("tint", "0") or 0)
        return _tinted(colour, tint) if tint else colour


def _theme(archive: zipfile.ZipFile) -> list[str]:
    name = "xl/theme/theme1.xml"
    if name not in archive.namelist():
        return _DEFAULT_THEME
    order = ["lt1", "dk1", "lt2", "dk2", *(f"accent{i}" for i in range(1, 7)), "hlink", "folHlink"]
    found: dict[str, str] = {}
    with archive.open(name) as handle:
        for _event, element in iterparse(handle):
            tag = element.tag.removeprefix(_DRAWING_NS)
            if tag in order:
                for child in element:
                    value = child.get("lastClr") or child.get("val")
                    if value and re.fullmatch(r"[0-9A-Fa-f]{6}", value):
                        found[tag] = value.upper()
    return [found.get(name_, _DEFAULT_THEME[i]) for i, name_ in enumerate(order)]


# --- styles: one verdict per cell format -------------------------------------------------------


def _style_problems(archive: zipfile.ZipFile, colours: _Colours) -> list[str | None]:
    """For each cell format (the ``s`` of a cell): None, or what it does to a non-empty cell."""
    if "xl/styles.xml" not in archive.namelist():
        return []
    with archive.open("xl/styles.xml") as handle:
        root = _parse(handle)
    formats = dict(_BUILTIN_FORMATS)
    for numfmt in root.iter(f"{_NS}numFmt"):
        formats[int(numfmt.get("numFmtId", "0"))] = numfmt.get("formatCode", "")
    fonts: list[tuple[str, float]] = []
    for font in _children(root, "fonts", "font"):
        size_element = font.find(f"{_NS}sz")
        points = float(size_element.get("val", "11")) if size_element is not None else 11.0
        fonts.append((colours.resolve(font.find(f"{_NS}color"), "000000"), points))
    fills = []
    for fill in _children(root, "fills", "fill"):
        pattern = fill.find(f"{_NS}patternFill")
        if pattern is not None and pattern.get("patternType") == "solid":
            fills.append(colours.resolve(pattern.find(f"{_NS}fgColor"), "FFFFFF"))
        else:
            fills.append("FFFFFF")
    verdicts: list[str | None] = []
    for xf in _children(root, "cellXfs", "xf"):
        problems = []
        number_format = formats.get(int(xf.get("numFmtId", "0")), "?")
        if number_format.lower() not in _PLAIN_FORMATS and number_format.strip().lower() not in _PLAIN_FORMATS:
            problems.append(f"数字格式被设为“{number_format}”，显示的内容可能与单元格的值不同")
        font_colour, size = fonts[int(xf.get("fontId", "0"))] if fonts else ("000000", 11.0)
        fill_colour = fills[int(xf.get("fillId", "0"))] if fills else "FFFFFF"
        if contrast(font_colour, fill_colour) < _MIN_CONTRAST:
            problems.append(f"字体颜色（#{font_colour}）与底色（#{fill_colour}）相同或几乎相同，看不见")
        if size < _MIN_FONT_SIZE:
            problems.append(f"字号过小（{size:g}磅），几乎看不见")
        alignment = xf.find(f"{_NS}alignment")
        if alignment is not None:
            if alignment.get("horizontal") == "fill":
                problems.append("对齐方式为“填充”，显示时重复单元格的内容")
            if int(alignment.get("indent", "0") or 0) > 10:
                problems.append("缩进过大，内容被推出单元格")
        verdicts.append("；".join(problems) or None)
    return verdicts


def _children(root: Element, parent: str, child: str) -> list[Element]:
    found = root.find(f"{_NS}{parent}")
    return [] if found is None else found.findall(f"{_NS}{child}")


def _parse(handle: IO[bytes]) -> Element:
    from xml.etree.ElementTree import parse

    return parse(handle).getroot()


# --- cells -------------------------------------------------------------------------------------


@dataclass
class _Strings:
    texts: list[str] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)  # index → how a run of it is disguised


def _shared_strings(archive: zipfile.ZipFile, colours: _Colours) -> _Strings:
    strings = _Strings()
    name = "xl/sharedStrings.xml"
    if name not in archive.namelist():
        return strings
    with archive.open(name) as handle:
        for _event, element in iterparse(handle):
            if element.tag == f"{_NS}si":
                text, problem = _rich_text(element, colours)
                if problem is not None:
                    strings.problems[len(strings.texts)] = problem
                strings.texts.append(text)
                element.clear()
    return strings


def _rich_text(element: Element, colours: _Colours) -> tuple[str, str | None]:
    """The text of an <si> or <is>: its <t>, or the <t> of each run (phonetic runs are not shown),
    and what a run's own font does to it (white or tiny characters inside a string)."""
    parts = []
    problem = None
    for child in element:
        if child.tag == f"{_NS}t":
            parts.append(child.text or "")
        elif child.tag == f"{_NS}r":
            text = child.find(f"{_NS}t")
            shown = text.text or "" if text is not None else ""
            parts.append(shown)
            properties = child.find(f"{_NS}rPr")
            if properties is not None and shown.strip() and problem is None:
                problem = _run_problem(properties, colours, shown)
    return "".join(parts), problem


def _run_problem(properties: Element, colours: _Colours, shown: str) -> str | None:
    colour = colours.resolve(properties.find(f"{_NS}color"), "000000")
    if contrast(colour, "FFFFFF") < _MIN_CONTRAST:
        return f"文字“{shown[:20]}”的颜色（#{colour}）与底色相同或几乎相同，看不见"
    size = properties.find(f"{_NS}sz")
    if size is not None and float(size.get("val", "11")) < _MIN_FONT_SIZE:
        return f"文字“{shown[:20]}”字号过小，几乎看不见"
    return None


def _number_text(raw: str) -> str:
    try:
        value = float(raw)
    except ValueError:
        return raw
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _cell_text(cell: Element, kind: str | None, strings: _Strings, colours: _Colours) -> tuple[str, str | None]:
    """The text a cell shows (before its number format), and how a run of it is disguised."""
    if kind == "inlineStr":
        inline = cell.find(f"{_NS}is")
        return _rich_text(inline, colours) if inline is not None else ("", None)
    value = cell.find(f"{_NS}v")
    raw = value.text if value is not None and value.text is not None else ""
    if kind == "s":
        if raw.isdigit() and int(raw) < len(strings.texts):
            return strings.texts[int(raw)], strings.problems.get(int(raw))
        return "", None
    if kind == "b":
        return ("TRUE" if raw in _TRUE else "FALSE"), None
    if kind in ("str", "e"):
        return raw, None
    return (_number_text(raw) if raw else ""), None


def _read_sheet(
    handle: IO[bytes], strings: _Strings, styles: list[str | None], colours: _Colours, *, full: bool
) -> SheetRead:
    read = SheetRead(rows=[])
    rows = read.rows
    cell_tag, row_tag, formula_tag = f"{_NS}c", f"{_NS}row", f"{_NS}f"
    last_row = column = 0  # the number of the row that ended last; the column of the last cell
    for _event, element in iterparse(handle):
        tag = element.tag
        if tag == cell_tag:
            found = _CELL_REF.fullmatch(element.get("r") or "")
            if found:
                column, row_number = column_number(found[1]), int(found[2])
            else:
                column, row_number = column + 1, last_row + 1
            while len(rows) < row_number:
                rows.append([])
            text, disguised = _cell_text(element, element.get("t"), strings, colours)
            if text:
                row = rows[row_number - 1]
                if len(row) < column:
                    row.extend([""] * (column - len(row)))
                row[column - 1] = text
                if full:
                    style = int(element.get("s") or 0)
                    verdict = styles[style] if style < len(styles) else "单元格格式不存在"
                    if verdict is not None and len(read.cell_problems) < _MAX_CELL_PROBLEMS:
                        read.cell_problems.append((row_number, column, verdict))
                    if disguised is not None and len(read.cell_problems) < _MAX_CELL_PROBLEMS:
                        read.cell_problems.append((row_number, column, disguised))
                    if element.find(formula_tag) is not None and len(read.cell_problems) < _MAX_CELL_PROBLEMS:
                        read.cell_problems.append((row_number, column, "单元格是公式，重新计算后显示的值可能不同"))
            element.clear()
        elif tag == row_tag:
            last_row, column = int(element.get("r") or last_row + 1), 0
            if full and _hides(element):
                read.hidden_rows.append(last_row)
            element.clear()
        elif full:
            _sheet_part(read, element, tag.removeprefix(_NS))
    return read


def _hides(row: Element) -> bool:
    if row.get("hidden") in _TRUE:
        return True
    height = row.get("ht")
    return height is not None and row.get("customHeight", "1") in _TRUE and float(height) < _MIN_ROW_HEIGHT


def _sheet_part(read: SheetRead, element: Element, name: str) -> None:
    if name == "cols":
        for col in element:
            hidden = col.get("hidden") in _TRUE
            width = col.get("width")
            narrow = width is not None and float(width) < _MIN_COLUMN_WIDTH
            if hidden or narrow:
                for number in range(int(col.get("min", "1")), int(col.get("max", "1")) + 1):
                    if number > 200:
                        break
                    read.hidden_columns.append(number)
    elif name == "mergeCells":
        for merge in element:
            found = _range(merge.get("ref", ""))
            if found is not None:
                read.merges.add(found)
    elif name == "sheetFormatPr" and element.get("zeroHeight") in _TRUE:
        read.problems.append("工作表设为“默认隐藏所有行”，未设行高的行都看不见")
    elif name == "headerFooter":
        footer = element.find(f"{_NS}oddFooter")
        read.footer = footer.text if footer is not None else None
    elif name in _OVERLAYS:
        read.problems.append(f"工作表上加了{_OVERLAYS[name]}")
    elif name == "extLst" and b"conditionalFormatting" in _tostring(element):
        read.problems.append(f"工作表上加了{_OVERLAYS['conditionalFormatting']}")


def _tostring(element: Element) -> bytes:
    from xml.etree.ElementTree import tostring

    return tostring(element)


# --- the workbook ------------------------------------------------------------------------------


def _sheets(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(name, state, part path) of every sheet, in tab order."""
    with archive.open("xl/workbook.xml") as handle:
        workbook = _parse(handle)
    with archive.open("xl/_rels/workbook.xml.rels") as handle:
        rels = _parse(handle)
    targets = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = target
    found = []
    for sheet in workbook.iter(f"{_NS}sheet"):
        found.append((sheet.get("name", ""), sheet.get("state", "visible"), targets.get(sheet.get(f"{_REL_NS}id"), "")))
    return found


def _print_areas(archive: zipfile.ZipFile) -> list[str]:
    with archive.open("xl/workbook.xml") as handle:
        workbook = _parse(handle)
    return [
        name.text or ""
        for name in workbook.iter(f"{_NS}definedName")
        if name.get("name") == "_xlnm.Print_Area" and name.get("localSheetId") in (None, "0")
    ]


def read_workbook(path: str, payload_sheet: str) -> WorkbookRead:
    """Raises NotAWorkbook for a file that is not an xlsx package."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise NotAWorkbook(str(error)) from error
    with archive:
        try:
            sheets = _sheets(archive)
            if not sheets:
                raise NotAWorkbook("no sheets")
            colours = _Colours(_theme(archive))
            strings = _shared_strings(archive, colours)
            styles = _style_problems(archive, colours)
            first_name, first_state, first_part = sheets[0]
            with archive.open(first_part) as handle:
                first = _read_sheet(handle, strings, styles, colours, full=True)
            payload_text = None
            for name, _state, part in sheets[1:]:
                if name == payload_sheet:
                    with archive.open(part) as handle:
                        payload = _read_sheet(handle, strings, styles, colours, full=False)
                    payload_text = "".join(row[0] if row else "" for row in payload.rows[1:])
        except (KeyError, ValueError, SyntaxError, IndexError) as error:
            if isinstance(error, NotAWorkbook):
                raise
            raise NotAWorkbook(str(error)) from error
        problems = []
        if first_state != "visible":
            problems.append(f"工作表“{first_name}”被隐藏")
        for name, state, _part in sheets[1:]:
            if name != payload_sheet and state == "visible":
                problems.append(f"多出了可见的工作表“{name}”，其中的内容不是封存的内容")
        for area in _print_areas(archive):
            problems.append(f"设定了打印区域“{area}”，打印时可能只印出表的一部分")
        return WorkbookRead([s[0] for s in sheets], first, payload_text, problems)


__all__ = ["NotAWorkbook", "SheetRead", "WorkbookRead", "column_number", "contrast", "read_workbook"]
