"""Opening the spreadsheets people send (python-calamine: fast, read-only), with a clear Chinese
message for every file that cannot be read: not an xlsx, an old .xls, a password, an empty sheet,
a file too large. Nothing here writes anything.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

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


class SpreadsheetError(ServiceError):
    """The file cannot be read as a spreadsheet; the message says why and what to do."""


@dataclass
class Grid:
    """One worksheet as values (merged cells filled with their top-left value); row 0 is Excel's row 1."""

    sheet_name: str
    rows: list[list[CellValue]]

    def header_text(self) -> list[list[str]]:
        """The first rows as display text, for finding the header."""
        return [[display_value(value).strip() for value in row] for row in self.rows[:HEADER_SEARCH_ROWS]]


def _refuse_non_xlsx(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            if head.startswith(_OLE_MAGIC):
                handle.seek(0)
                if _ENCRYPTED_STREAM in handle.read():
                    raise SpreadsheetError(
                        f"文件“{path.name}”设置了打开密码（已加密），本程序无法读取：请在Excel中打开它，"
                        "在“文件→信息→保护工作簿→用密码进行加密”中清除密码并保存后再导入"
                    )
                raise SpreadsheetError(f"文件“{path.name}”是旧版Excel 97-2003（.xls）格式：{SAVE_AS_XLSX}")
    except FileNotFoundError:
        raise SpreadsheetError(f"找不到文件“{path}”") from None
    except IsADirectoryError:
        raise SpreadsheetError(f"“{path}”是一个文件夹，请选择Excel表格文件（.xlsx）") from None
    except PermissionError:
        raise SpreadsheetError(f"没有权限读取文件“{path}”：请关闭正在使用它的程序后再试") from None
    if not head:
        raise SpreadsheetError(f"文件“{path.name}”是空文件（0字节），不是Excel表格")
    if not head.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(path):
        raise SpreadsheetError(
            f"文件“{path.name}”不是Excel工作簿（.xlsx），可能是文本文件或被改了扩展名：{SAVE_AS_XLSX}"
        )
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        kind = "Word文档" if "word/document.xml" in names else "WPS或其他格式的文件" if names else "空压缩包"
        raise SpreadsheetError(f"文件“{path.name}”是{kind}，不是Excel工作簿（.xlsx）：{SAVE_AS_XLSX}")


def read_grids(path: Path) -> list[Grid]:
    """Every visible data worksheet of the workbook, refusing files that are not a readable xlsx."""
    path = Path(path)
    _refuse_non_xlsx(path)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise SpreadsheetError(f"文件“{path.name}”设置了密码，本程序无法读取：请清除密码后另存为.xlsx再导入") from None
    except calamine.CalamineError as error:
        raise SpreadsheetError(f"文件“{path.name}”已损坏，无法读取（{error}）：{SAVE_AS_XLSX}") from None
    grids: list[Grid] = []
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            if meta.name in _NOT_DATA_SHEETS:
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
            rows: list[list[CellValue]] = sheet.to_python(skip_empty_area=False)
            _fill_merged(rows, sheet.merged_cell_ranges or [])
            grids.append(Grid(meta.name, rows))
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


def best_grid(path: Path, score: Callable[[Grid], T | None], rank: Callable[[T], int]) -> tuple[Grid, T | None]:
    """The worksheet whose header ``score`` ranks highest (the first sheet when none has a header).

    Refuses a workbook whose sheets are all empty.
    """
    grids = read_grids(path)
    non_empty = [grid for grid in grids if any(any(v not in (None, "") for v in row) for row in grid.rows)]
    if not non_empty:
        raise SpreadsheetError(f"文件“{Path(path).name}”中的工作表是空的，没有任何内容")
    best: tuple[Grid, T | None] = (non_empty[0], None)
    best_rank = -1
    for grid in non_empty:
        found = score(grid)
        if found is not None and rank(found) > best_rank:
            best, best_rank = (grid, found), rank(found)
    return best
