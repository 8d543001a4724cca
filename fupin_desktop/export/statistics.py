"""The 统计 page on paper and in a workbook: an A4 PDF whose charts are vector drawings (reportlab
graphics, bundled font embedded) with each table after its chart, and one xlsx sheet per table.

Takes plain content (``StatsDocument``), built by services/statistics.py; no Qt, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fupin_desktop.export.fonts import SANS, SANS_BOLD, face_for, register_fonts
from fupin_desktop.export.page_count import counted

Cell = str | int


@dataclass(frozen=True)
class StatsChart:
    categories: tuple[str, ...]
    series: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]  # values[category][series]
    scale_to: int = 0  # the axis reaches at least this far (all parts of one chart on the same scale)
    muted: tuple[bool, ...] = ()  # categories drawn in grey (the funnel's side exits)


@dataclass(frozen=True)
class StatsTable:
    title: str
    definition: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]  # the last row is the 合计 row
    chart: StatsChart


@dataclass(frozen=True)
class StatsDocument:
    title: str
    subtitle: str
    tables: tuple[StatsTable, ...]


# Okabe–Ito, as on screen (ui/statistics_chart.py).
SERIES_COLOURS = ("#9ecae1", "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9")
MUTED = "#c9c9c9"
PAGE = landscape(A4)
MARGIN = 15 * mm


def _bold_face(text: str) -> str:
    return face_for(text, SANS_BOLD).name


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=SANS_BOLD, fontSize=16, leading=22, alignment=1),
        "subtitle": ParagraphStyle("subtitle", fontName=SANS, fontSize=10, leading=14, alignment=1),
        "heading": ParagraphStyle("heading", fontName=SANS_BOLD, fontSize=12.5, leading=18, spaceBefore=4),
        "body": ParagraphStyle("body", fontName=SANS, fontSize=8.5, leading=12, textColor=colors.HexColor("#333")),
        "cell": ParagraphStyle("cell", fontName=SANS, fontSize=8, leading=10),
        "head": ParagraphStyle("head", fontName=SANS, fontSize=7.5, leading=9.5, alignment=1),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bar_height(chart: StatsChart) -> float:
    return 6.5 if len(chart.series) > 1 else 10.0


def chart_parts(chart: StatsChart) -> list[StatsChart]:
    """The chart cut into as many drawings as it takes for each to fit on a page (a township with forty
    villages): the same scale in every part, so the bars compare across pages."""
    per_category = _bar_height(chart) * max(1, len(chart.series)) + 6
    room = PAGE[1] - 2 * MARGIN - 90  # the frame, less the legend, axis and a heading line
    fit = max(1, int(room // per_category))
    if len(chart.categories) <= fit:
        return [chart]
    top = max((v for row in chart.values for v in row), default=0)
    parts = []
    for start in range(0, len(chart.categories), fit):
        parts.append(
            StatsChart(
                chart.categories[start : start + fit],
                chart.series,
                chart.values[start : start + fit],
                scale_to=top,
                muted=chart.muted[start : start + fit],
            )
        )
    return parts


def chart_drawing(chart: StatsChart, width: float) -> Drawing:
    """Grouped horizontal bars, categories top-down, value labels at the bar ends; vector, bundled font."""
    width -= 12  # the frame's padding
    groups = max(1, len(chart.categories))
    bar = _bar_height(chart)
    plot_height = groups * (bar * max(1, len(chart.series)) + 6)
    label_width = min(120.0, 12 + max((8.0 * len(c) for c in chart.categories), default=40))
    legend_height = 18.0
    height = plot_height + legend_height + 22
    drawing = Drawing(width, height)
    bars = HorizontalBarChart()
    bars.x = label_width
    bars.y = 14
    bars.width = width - label_width - 50
    bars.height = plot_height
    # reportlab draws the first category at the bottom: reverse so the table's order reads top-down.
    order = list(reversed(range(len(chart.categories))))
    # and within a group the first series at the bottom: reverse them too, so the first series is on top.
    series = list(reversed(range(len(chart.series))))
    bars.data = [[chart.values[c][s] for c in order] for s in series] or [[0]]
    bars.categoryAxis.categoryNames = [chart.categories[c] for c in order]
    bars.categoryAxis.labels.fontName = SANS
    bars.categoryAxis.labels.fontSize = 7.5
    bars.categoryAxis.labels.boxAnchor = "e"
    bars.categoryAxis.labels.dx = -4
    bars.categoryAxis.strokeColor = colors.HexColor("#999")
    bars.valueAxis.valueMin = 0
    top = max(chart.scale_to, *(v for row in chart.values for v in row), 0)
    bars.valueAxis.valueMax = max(1, int(top * 1.12) + 1)
    bars.valueAxis.labels.fontName = SANS
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.strokeColor = colors.HexColor("#999")
    bars.valueAxis.visibleGrid = True
    bars.valueAxis.gridStrokeColor = colors.HexColor("#e5e5e5")
    bars.barWidth = bar
    bars.groupSpacing = 6
    bars.barSpacing = 0
    bars.barLabelFormat = "%d"
    bars.barLabels.fontName = SANS
    bars.barLabels.fontSize = 6.5
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 3
    single = len(chart.series) == 1
    for drawn, s in enumerate(series):
        colour = SERIES_COLOURS[1] if single else SERIES_COLOURS[s % len(SERIES_COLOURS)]
        bars.bars[drawn].fillColor = colors.HexColor(colour)
        bars.bars[drawn].strokeColor = None
    for position, c in enumerate(order):
        if chart.muted and chart.muted[c]:
            for drawn in range(len(series)):
                bars.bars[(drawn, position)].fillColor = colors.HexColor(MUTED)
    drawing.add(bars)
    legend = Legend()
    legend.fontName = SANS
    legend.fontSize = 8
    legend.x = label_width
    legend.y = height - 6
    legend.dx = 9
    legend.dy = 9
    legend.columnMaximum = 1
    legend.alignment = "right"
    legend.deltax = 110
    legend.colorNamePairs = [
        (colors.HexColor(SERIES_COLOURS[1] if single else SERIES_COLOURS[s % len(SERIES_COLOURS)]), name)
        for s, name in enumerate(chart.series)
    ]
    if any(chart.muted):
        legend.colorNamePairs.append((colors.HexColor(MUTED), "退出办理（退回、不予通过、放弃、异议成立）"))
        legend.deltax = 150
    drawing.add(legend)
    if not chart.categories:
        drawing.add(String(width / 2, height / 2, "没有数据", fontName=SANS, fontSize=10, textAnchor="middle"))
    return drawing


def _table(table: StatsTable, styles: dict[str, ParagraphStyle], width: float) -> Table:
    header = [Paragraph(_escape(h).replace("\n", "<br/>"), styles["head"]) for h in table.header]
    body = [
        [
            Paragraph(_escape(str(v)), styles["cell"]) if i == 0 else (f"{v:,}" if isinstance(v, int) else v)
            for i, v in enumerate(row)
        ]
        for row in table.rows
    ]
    first = min(110.0, width * 0.22)
    rest = (width - first) / max(1, len(table.header) - 1)
    grid = Table([header, *body], colWidths=[first] + [rest] * (len(table.header) - 1), repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 8),
                ("FONT", (0, -1), (-1, -1), _bold_face("合计"), 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f5f5f5")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return grid


def write_statistics_pdf(document: StatsDocument, path: Path) -> Path:
    register_fonts()
    styles = _styles()
    width = PAGE[0] - 2 * MARGIN
    story: list[object] = [
        Paragraph(_escape(document.title), styles["title"]),
        Paragraph(_escape(document.subtitle), styles["subtitle"]),
        Spacer(1, 4 * mm),
    ]
    for index, table in enumerate(document.tables):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(_escape(table.title), styles["heading"]))
        story.append(Paragraph(_escape(table.definition), styles["body"]))
        story.append(Spacer(1, 2 * mm))
        story.extend(chart_drawing(part, width) for part in chart_parts(table.chart))
        story.append(Spacer(1, 3 * mm))
        # A table that fits on one page is kept whole (moved after the chart's page if need be).
        story.append(KeepTogether([_table(table, styles, width)]))

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 8)
        canvas.setFillColor(colors.HexColor("#666"))
        canvas.drawString(MARGIN, 8 * mm, document.title)
        canvas.restoreState()

    def page_number(canvas: Canvas, number: int, total: int) -> None:  # at the save, when the total is known
        canvas.saveState()
        canvas.setFont(SANS, 8)
        canvas.setFillColor(colors.HexColor("#666"))
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"第{number}页 共{total}页")
        canvas.restoreState()

    path.parent.mkdir(parents=True, exist_ok=True)
    template = SimpleDocTemplate(
        str(path),
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document.title,
        author="fupin-desktop",
    )
    template.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=counted(page_number))
    return path


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever a region's name starts with


def write_statistics_xlsx(document: StatsDocument, path: Path) -> Path:
    """One sheet per table: title, period, definition, header and rows; every text cell stays text."""
    book = Workbook()
    thin = Side(style="thin", color="888888")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, table in enumerate(document.tables):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = table.title[:31]
        columns = len(table.header)

        put = partial(_put, sheet)

        put(1, 1, f"{document.title} — {table.title}")
        sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
        put(2, 1, document.subtitle)
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
        put(3, 1, table.definition)
        sheet.cell(row=3, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=columns)
        sheet.row_dimensions[3].height = 15 * (1 + len(table.definition) // max(20, columns * 7))
        for c, label in enumerate(table.header, start=1):
            put(4, c, label.replace("\n", ""))  # the printout's line breaks: a spreadsheet wraps by itself
            cell = sheet.cell(row=4, column=c)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            cell.border = border
        sheet.row_dimensions[4].height = 32
        for r, values in enumerate(table.rows, start=5):
            for c, value in enumerate(values, start=1):
                put(r, c, value)
                cell = sheet.cell(row=r, column=c)
                cell.border = border
                if r == 4 + len(table.rows):
                    cell.font = Font(bold=True)
                if c > 1:
                    cell.alignment = Alignment(horizontal="right")
                if isinstance(value, int):
                    cell.number_format = "#,##0"  # 12,300 as on the page and the printout
        sheet.column_dimensions["A"].width = 18
        for c in range(2, columns + 1):
            sheet.column_dimensions[get_column_letter(c)].width = 12
        sheet.freeze_panes = "B5"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "4:4"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
