"""The cells of a sheet as a spreadsheet shows them: one function for the writer and the verifier.

Both build the same grid from a ``SheetContent``; the verifier compares it, cell by cell, with what
it reads back, so that a changed cell is reported by its row number as the user sees it in Excel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fupin_desktop.export.sheet import SheetContent, Value, seal_line

RowKind = Literal["title", "meta", "period", "seal", "header", "data", "total", "blank", "signoff", "note"]


@dataclass
class GridRow:
    kind: RowKind
    cells: list[Value]
    data_index: int | None = None  # 0-based index into content.rows for data rows


@dataclass
class Grid:
    rows: list[GridRow]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based r1, c1, r2, c2
    header_first: int = 0  # 1-based spreadsheet row numbers
    header_last: int = 0
    data_first: int = 0

    @property
    def width(self) -> int:
        return len(self.rows[0].cells)


def sign_off_cells(content: SheetContent) -> list[str]:
    s = content.sign_off
    return [f"填表人：{s.operator}", f"联系电话：{s.phone}", f"审核人：{s.reviewer}", f"负责人：{s.head}"]


def build_grid(content: SheetContent, digest: str | None) -> Grid:
    width = len(content.columns)
    grid = Grid(rows=[])

    def add(kind: RowKind, cells: list[Value], data_index: int | None = None) -> int:
        grid.rows.append(GridRow(kind, cells + [None] * (width - len(cells)), data_index))
        return len(grid.rows)

    def spread(kind: RowKind, texts: list[str]) -> None:
        """Place texts evenly along one row, each merged over its share of the columns."""
        parts = min(len(texts), width)
        widths = [c.width for c in content.columns]
        total = sum(widths)
        edges = [sum(widths[:i]) for i in range(width)]
        starts: list[int] = []
        for i in range(parts):
            target = total * i / parts
            start = min(range(width), key=lambda c: abs(edges[c] - target))
            starts.append(max(start, starts[-1] + 1) if starts else 0)
        cells: list[Value] = [None] * width
        for i, start in enumerate(starts):
            cells[start] = texts[i] if i < parts - 1 else "　".join(texts[i:])
        row = add(kind, cells)
        for i, start in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < parts else width - 1
            if end > start:
                grid.merges.append((row, start + 1, row, end + 1))

    def full(kind: RowKind, text: str) -> None:
        row = add(kind, [text])
        if width > 1:
            grid.merges.append((row, 1, row, width))

    full("title", content.title)
    spread("meta", [f"填表单位（盖章）：{content.sign_off.unit_name}", f"填表时间：{content.sign_off.filled_on}"])
    if content.period:
        full("period", f"统计期间：{content.period}")
    full("seal", seal_line(content, digest))

    depth = content.header_depth
    top: list[Value] = [None] * width
    bottom: list[Value] = [None] * width
    column = 0
    first_header = len(grid.rows) + 1
    for group in content.groups:
        if group.label is None:
            for offset in range(group.span):
                top[column + offset] = content.columns[column + offset].label
                if depth == 2:
                    grid.merges.append((first_header, column + offset + 1, first_header + 1, column + offset + 1))
        else:
            top[column] = group.label
            if group.span > 1:
                grid.merges.append((first_header, column + 1, first_header, column + group.span))
            for offset in range(group.span):
                bottom[column + offset] = content.columns[column + offset].label
        column += group.span
    grid.header_first = add("header", top)
    grid.header_last = add("header", bottom) if depth == 2 else grid.header_first
    grid.data_first = grid.header_last + 1

    for index, row in enumerate(content.rows):
        add("data", list(row), index)
    if content.totals is not None:
        add("total", list(content.totals))
    add("blank", [])
    spread("signoff", sign_off_cells(content))
    for note in content.notes:
        full("note", note)
    return grid
