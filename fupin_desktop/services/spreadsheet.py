"""Opening the spreadsheets people send, with a clear Chinese message for every file that cannot be read.

python-calamine (fast, read-only) reads .xlsx/.xlsm, .xlsb, Excel 97–2003 .xls, .ods and WPS .et/.ett
(an Excel 97–2003 workbook stream in an OLE file, as WPS writes them) — always by the file's content,
so an .xls renamed to .xlsx still opens. A CSV is read only when its encoding is certain (UTF-8 with
or without BOM, UTF-16 with BOM, or GB18030/GBK text that decodes cleanly into common characters).
Formulas saved without a computed value are found in the xlsx XML, so that the importer can say so
instead of calling the cell empty. Nothing here writes anything.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from xml.etree import ElementTree

import python_calamine as calamine

from fupin_desktop.domain.village_sheet import HEADER_SEARCH_ROWS, MAX_ROWS, CellValue, display_value
from fupin_desktop.services.errors import ServiceError

T = TypeVar("T")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
SAVE_AS_XLSX = "请在Excel或WPS中打开原表格，选择“另存为”→“Excel工作簿（*.xlsx）”后再导入"
# Our own template's helper sheets are never data.
_NOT_DATA_SHEETS = frozenset({"填表说明", "代码表"})
_TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


class SpreadsheetError(ServiceError):
    """The file cannot be read as a spreadsheet; the message says why and what to do."""


@dataclass
class Grid:
    """One worksheet as values (merged cells filled with their top-left value); row 0 is Excel's row 1."""

    sheet_name: str
    rows: list[list[CellValue]]
    hidden: bool = False
    # (row, column), 0-based, of formulas saved without a computed value: calamine reads them as ""
    formulas: set[tuple[int, int]] = field(default_factory=set)

    def header_text(self) -> list[list[str]]:
        """The first rows as display text, for finding the header."""
        return [[display_value(value).strip() for value in row] for row in self.rows[:HEADER_SEARCH_ROWS]]

    @property
    def empty(self) -> bool:
        return not any(any(v not in (None, "") for v in row) for row in self.rows)


def _sniff(path: Path) -> str:
    """What the file is by its first bytes: "ole", "zip", "html" or "text"; refuses what is none."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
            if head.startswith(_OLE_MAGIC):
                handle.seek(0)
                if _ENCRYPTED_STREAM in handle.read():
                    raise SpreadsheetError(
                        f"文件“{path.name}”设置了打开密码（已加密），本程序无法读取：请在Excel中打开它，"
                        "在“文件→信息→保护工作簿→用密码进行加密”中清除密码并保存后再导入"
                    )
    except FileNotFoundError:
        raise SpreadsheetError(f"找不到文件“{path}”") from None
    except IsADirectoryError:
        raise SpreadsheetError(f"“{path}”是一个文件夹，请选择Excel表格文件（.xlsx）") from None
    except PermissionError:
        raise SpreadsheetError(f"没有权限读取文件“{path}”：请关闭正在使用它的程序后再试") from None
    if not head:
        raise SpreadsheetError(f"文件“{path.name}”是空文件（0字节），不是Excel表格")
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(_ZIP_MAGIC) and zipfile.is_zipfile(path):
        return "zip"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml")) or b"<html" in head.lower():
        raise SpreadsheetError(
            f"文件“{path.name}”其实是网页（HTML/XML）格式，只是扩展名像Excel（常见于从网上系统导出的表）：{SAVE_AS_XLSX}"
        )
    if path.suffix.lower() in _TEXT_SUFFIXES:
        return "text"
    raise SpreadsheetError(f"文件“{path.name}”不是Excel工作簿（.xlsx），可能是文本文件或被改了扩展名：{SAVE_AS_XLSX}")


def _refuse_other_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    if names & {"xl/workbook.xml", "xl/workbook.bin", "content.xml"}:
        return
    kind = "Word文档" if "word/document.xml" in names else "其他格式的压缩文件" if names else "空压缩包"
    raise SpreadsheetError(f"文件“{path.name}”是{kind}，不是Excel工作簿（.xlsx）：{SAVE_AS_XLSX}")


def read_grids(path: Path) -> list[Grid]:
    """Every worksheet of the workbook (hidden ones marked), refusing files that are not a readable spreadsheet."""
    path = Path(path)
    kind = _sniff(path)
    if kind == "text":
        return [_read_csv(path)]
    formulas: dict[str, set[tuple[int, int]]] = {}
    scan: threading.Thread | None = None
    if kind == "zip":
        _refuse_other_zip(path)
        # Unzipping the sheet XML for the formula scan runs beside calamine's read (zlib lets go of the GIL).
        scan = threading.Thread(target=lambda: formulas.update(_uncomputed_formulas(path)), daemon=True)
        scan.start()
    try:
        with path.open("rb") as handle:  # by content, not by the extension
            workbook = calamine.CalamineWorkbook.from_filelike(handle)
    except calamine.PasswordError:
        raise SpreadsheetError(f"文件“{path.name}”设置了密码，本程序无法读取：请清除密码后另存为.xlsx再导入") from None
    except (calamine.CalamineError, ValueError) as error:
        raise SpreadsheetError(f"文件“{path.name}”已损坏或不是表格，无法读取（{error}）：{SAVE_AS_XLSX}") from None
    grids: list[Grid] = []
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet or meta.name in _NOT_DATA_SHEETS:
                continue
            try:
                sheet = workbook.get_sheet_by_name(meta.name)
            except calamine.CalamineError as error:
                raise SpreadsheetError(f"工作表“{meta.name}”已损坏，无法读取（{error}）") from None
            if sheet.height > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise SpreadsheetError(
                    f"工作表“{meta.name}”有{sheet.height:,}行，超过本程序一次导入{MAX_ROWS:,}行的上限："
                    "请按村或乡镇拆成几个文件，分别导入"
                )
            rows: list[list[CellValue]] = [list(row) for row in sheet.to_python(skip_empty_area=False)]
            _fill_merged(rows, sheet.merged_cell_ranges or [])
            hidden = meta.visible != calamine.SheetVisibleEnum.Visible
            grids.append(Grid(meta.name, rows, hidden))
    if scan is not None:
        scan.join()
        for grid in grids:
            grid.formulas = formulas.get(grid.sheet_name, set())
    return grids


def _fill_merged(rows: list[list[CellValue]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


# --- formulas without a computed value (xlsx written by a script, or never opened after editing) ---------


def _uncomputed_formulas(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → cells holding a formula with no cached value. Cheap when there are no formulas at all."""
    found: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name, part in _sheet_parts(archive).items():
                try:
                    data = archive.read(part)
                except KeyError:
                    continue
                # A formula's tag holds "<f" or ":f" (two plain scans of the XML, a quarter of the pattern's).
                if (b"<f" not in data and b":f" not in data) or _HAS_FORMULA.search(data) is None:
                    continue
                cells = _scan_formulas(data)
                if cells:
                    found[name] = cells
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return {}  # calamine read it; a part we cannot follow only costs the formula hint
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id", "")] = target
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        rid = sheet.get(f"{_REL_NS}id")
        if rid in targets:
            parts[sheet.get("name", "")] = targets[rid]
    return parts


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _scan_formulas(data: bytes) -> set[tuple[int, int]]:
    cells: set[tuple[int, int]] = set()
    for _event, element in ElementTree.iterparse(io.BytesIO(data)):
        if element.tag != f"{_MAIN_NS}c":
            continue
        if element.find(f"{_MAIN_NS}f") is not None:
            value = element.find(f"{_MAIN_NS}v")
            no_value = value is None or (not value.text and element.get("t") != "str")
            match = _CELL_REF.fullmatch(element.get("r", ""))
            if no_value and match:
                column = 0
                for letter in match[1]:
                    column = column * 26 + ord(letter) - 64
                cells.add((int(match[2]) - 1, column - 1))
        element.clear()
    return cells


# --- CSV ------------------------------------------------------------------------------------------------


def _decode_text(path: Path, data: bytes) -> str:
    """The text of a CSV when its encoding is certain; a refusal otherwise."""
    refuse = SpreadsheetError(
        f"无法确定文本文件“{path.name}”的编码（不是UTF-8，也不像GBK/GB18030中文文本），为免读错汉字而不导入："
        f"{SAVE_AS_XLSX}"
    )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise refuse from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise refuse from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise refuse from None
    # Any byte soup decodes as GB18030 now and then; real Chinese text stays in GBK's two-byte range
    # (no four-byte sequences) and is mostly common characters.
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        raise refuse from None
    wide = [ch for ch in text if ord(ch) > 0x7F]
    common = sum(1 for ch in wide if "\u4e00" <= ch <= "\u9fa5" or unicodedata.category(ch).startswith("P"))
    if wide and common / len(wide) < 0.9:
        raise refuse
    return text


def _read_csv(path: Path) -> Grid:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SpreadsheetError(f"无法读取文件“{path.name}”：{error.strerror or error}") from None
    text = _decode_text(path, data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[list[CellValue]] = [
        [cell if cell.strip() else None for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
    ]
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise SpreadsheetError(
            f"文件“{path.name}”有{len(rows):,}行，超过本程序一次导入{MAX_ROWS:,}行的上限：请拆分后分别导入"
        )
    return Grid(path.stem, rows)


def best_grid(path: Path, score: Callable[[Grid], T | None], rank: Callable[[T], int]) -> tuple[Grid, T | None]:
    """The visible worksheet whose header ``score`` ranks highest (the first sheet when none has a header).

    Refuses a workbook whose sheets are all empty.
    """
    grids = [grid for grid in read_grids(path) if not grid.hidden]
    non_empty = [grid for grid in grids if not grid.empty]
    if not non_empty:
        raise SpreadsheetError(f"文件“{Path(path).name}”中的工作表是空的，没有任何内容")
    best: tuple[Grid, T | None] = (non_empty[0], None)
    best_rank = -1
    for grid in non_empty:
        found = score(grid)
        if found is not None and rank(found) > best_rank:
            best, best_rank = (grid, found), rank(found)
    return best
