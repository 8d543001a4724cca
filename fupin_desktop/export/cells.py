"""One guard for every xlsx the program writes: text that a spreadsheet would run as a formula stays text.

A value that comes from a user or from a village's sheet and starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return would be taken by openpyxl (``=``) or by Excel on editing or on CSV export
(the others) as a formula — ``=HYPERLINK(…)`` typed into a 家庭住址 cell must come back as those
characters, not as a live link. Such a value is written as a string cell with Excel's quote prefix
(shown as typed, never evaluated, not re-parsed when the cell is edited).
"""

from __future__ import annotations

from typing import Final

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell: Cell) -> Cell:
    """The cell, its value kept as text when it would otherwise be read as a formula."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """``sheet.cell(row, column, value)`` for a value that may come from a user: never a formula."""
    cell = sheet.cell(row=row, column=column, value=value)
    return as_text(cell)
