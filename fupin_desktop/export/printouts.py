"""The 公示 notice (GB/T 9704-like layout) and the 入户走访记录表 (blank or filled) as PDF.

These are printed, posted and signed by hand, not sealed: a flowing layout on the canvas with a
small table helper whose header repeats on each page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.export.fonts import SANS, SANS_BOLD, SERIF, SERIF_BOLD, face_for, register_fonts
from fupin_desktop.export.pdf import TextOp, draw_text, wrap


@dataclass(frozen=True)
class NoticeLine:
    group: str  # 村民小组
    name: str
    sex: str
    target: str  # 拟参加培训工种 / 拟就读院校及专业
    source: str  # 推荐来源


@dataclass(frozen=True)
class NoticeSheet:
    title: str
    region_name: str
    start: str
    end: str
    place: str
    complaint_phone: str
    issuing_unit: str
    issued_on: str
    lines: list[NoticeLine]


@dataclass(frozen=True)
class VisitSheet:
    """A filled 入户走访记录表, or a blank one (every value empty) for paper fallback."""

    village: str = ""
    household_no: str = ""
    head_name: str = ""
    address: str = ""
    phone: str = ""
    household_type: str = ""
    visit_date: str = ""
    method: str = ""
    visitors: str = ""
    notes: str = ""
    members: list[list[str]] = field(default_factory=list)
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # member, field, old, new


MEMBER_FIELDS = [
    "name",
    "relation",
    "sex",
    "birth_date",
    "education",
    "school_status",
    "health",
    "labour",
    "employment",
    "work_place",
    "work_months",
]


def member_labels() -> list[str]:
    return [FIELD_LABELS.get(f, f) for f in MEMBER_FIELDS]


# GB/T 9704-2012: A4, top margin 37 mm, left 28 mm, text block 156 × 225 mm.
NOTICE_TOP = 37 * mm
NOTICE_LEFT = 28 * mm
BLOCK_WIDTH = 156 * mm
BLOCK_HEIGHT = 225 * mm
TITLE_SIZE = 22.0  # 2号
BODY_SIZE = 16.0  # 3号
BODY_LEADING = BLOCK_HEIGHT / 22  # 22 lines to the page
TABLE_SIZE = 12.0
TABLE_LEADING = 16.0


def _text(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, align: str = "left") -> None:
    face = face_for(text, font)
    draw_text(canvas, TextOp(x, y, text, face.name, face.fake_bold, size, align, ("other",)))  # type: ignore[arg-type]


class _Flow:
    """A cursor down the text block that starts a new page when the next thing would not fit."""

    def __init__(self, canvas: Canvas, top: float, bottom: float, on_page_end: Callable[[int], None]) -> None:
        self.canvas = canvas
        self.top = top
        self.bottom = bottom
        self.y = top
        self.page = 1
        self.on_page_end = on_page_end

    def need(self, height: float) -> bool:
        """Make room for ``height``; True when a new page was started."""
        if self.y - height >= self.bottom:
            return False
        self.on_page_end(self.page)
        self.canvas.showPage()
        self.page += 1
        self.y = self.top
        return True


def _table(
    flow: _Flow,
    x: float,
    widths: list[float],
    header: list[str],
    rows: list[list[str]],
    *,
    size: float = TABLE_SIZE,
    leading: float = TABLE_LEADING,
    min_height: float = 0.0,
) -> None:
    canvas = flow.canvas
    pad = 3.0

    def draw_row(cells: list[str], font: str) -> None:
        lines = [wrap(c, font, size, w - 2 * pad) for c, w in zip(cells, widths, strict=True)]
        height = max(max(len(cell) for cell in lines) * leading + 2 * pad, min_height)
        if flow.need(height) and font != SANS_BOLD:
            draw_row(header, SANS_BOLD)
        top = flow.y
        cx = x
        canvas.setLineWidth(0.6)
        for cell_lines, width in zip(lines, widths, strict=True):
            canvas.rect(cx, top - height, width, height, stroke=1, fill=0)
            line_y = top - (height - len(cell_lines) * leading) / 2 - leading + size * 0.25
            for line in cell_lines:
                _text(canvas, cx + width / 2, line_y, line, font, size, "centre")
                line_y -= leading
            cx += width
        flow.y -= height

    draw_row(header, SANS_BOLD)
    for row in rows:
        draw_row(row, SANS)


def _paragraph(flow: _Flow, x: float, width: float, text: str, *, indent: int = 2) -> None:
    lines = wrap("　" * indent + text, SERIF, BODY_SIZE, width)
    for line in lines:
        flow.need(BODY_LEADING)
        flow.y -= BODY_LEADING
        _text(flow.canvas, x, flow.y + (BODY_LEADING - BODY_SIZE) / 2, line, SERIF, BODY_SIZE)


def write_notice_pdf(sheet: NoticeSheet, path: Path) -> None:
    """The 公示 as posted on a village board: title, body, list, issuing unit, date, room for the stamp."""
    register_fonts()
    width, height = A4
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle(sheet.title)
    canvas.setAuthor(sheet.issuing_unit)
    canvas.setCreator("fupin-desktop")
    block_bottom = height - NOTICE_TOP - BLOCK_HEIGHT

    def page_number(page: int) -> None:  # GB/T 9704: "— 1 —" below the text block
        _text(canvas, width / 2, block_bottom - 14 * mm, f"— {page} —", SANS, 14, "centre")

    flow = _Flow(canvas, height - NOTICE_TOP, block_bottom, page_number)
    for line in wrap(sheet.title, SERIF_BOLD, TITLE_SIZE, BLOCK_WIDTH):
        flow.y -= TITLE_SIZE * 1.5
        _text(canvas, NOTICE_LEFT + BLOCK_WIDTH / 2, flow.y, line, SERIF_BOLD, TITLE_SIZE, "centre")
    flow.y -= BODY_LEADING * 0.6
    count = len(sheet.lines)
    _paragraph(
        flow,
        NOTICE_LEFT,
        BLOCK_WIDTH,
        f"根据技能脱贫工作安排，经本人申请或村委会、驻村工作队推荐，乡镇人力资源和社会保障所会同扶贫部门审核，"
        f"{sheet.region_name}以下{count}人拟列为技能培训或就读技工院校对象，现予公示。",
    )
    _paragraph(flow, NOTICE_LEFT, BLOCK_WIDTH, f"公示时间：{sheet.start}至{sheet.end}。公示地点：{sheet.place}。")
    _paragraph(
        flow,
        NOTICE_LEFT,
        BLOCK_WIDTH,
        f"公示期间，对公示对象有异议的，可以来电、来访或书面向{sheet.issuing_unit}反映。"
        f"监督电话：{sheet.complaint_phone}。",
    )
    flow.y -= BODY_LEADING * 0.5
    ratios = [0.08, 0.14, 0.14, 0.08, 0.38, 0.18]
    widths = [BLOCK_WIDTH * r for r in ratios]
    header = ["序号", "村民小组", "姓名", "性别", "拟参加培训工种 / 拟就读院校及专业", "推荐来源"]
    rows = [[str(i), x.group, x.name, x.sex, x.target, x.source] for i, x in enumerate(sheet.lines, start=1)]
    _table(flow, NOTICE_LEFT, widths, header, rows)
    # Issuing unit and date, right-aligned four characters in, with three lines of room for the stamp.
    flow.need(BODY_LEADING * 5)
    flow.y -= BODY_LEADING * 3
    right = NOTICE_LEFT + BLOCK_WIDTH - 4 * BODY_SIZE
    _text(canvas, right, flow.y, sheet.issuing_unit, SERIF, BODY_SIZE, "right")
    flow.y -= BODY_LEADING
    _text(canvas, right, flow.y, sheet.issued_on, SERIF, BODY_SIZE, "right")
    page_number(flow.page)
    canvas.showPage()
    canvas.save()


def write_visit_pdf(sheet: VisitSheet, path: Path) -> None:
    """入户走访记录表: blank (``VisitSheet()``) for paper, or filled from a recorded visit."""
    register_fonts()
    page = landscape(A4)
    width, height = page
    margin = 14 * mm
    canvas = Canvas(str(path), pagesize=page, pageCompression=1)
    canvas.setTitle("入户走访记录表")
    canvas.setCreator("fupin-desktop")
    usable = width - 2 * margin
    pages: list[int] = []

    def foot(number: int) -> None:
        pages.append(number)
        _text(canvas, width / 2, 8 * mm, f"第 {number} 页", SANS, 9, "centre")

    flow = _Flow(canvas, height - margin, 16 * mm, foot)
    flow.y -= 22
    _text(canvas, width / 2, flow.y, "入户走访记录表", SERIF_BOLD, 20, "centre")
    flow.y -= 12
    blank = not sheet.visit_date
    pairs = [
        ("村（社区）", sheet.village),
        ("户编号", sheet.household_no),
        ("户主姓名", sheet.head_name),
        ("联系电话", sheet.phone),
        ("家庭住址", sheet.address),
        ("贫困户属性", sheet.household_type),
        ("走访日期", sheet.visit_date or "　　年　　月　　日"),
        ("走访方式", sheet.method or "□入户　□电话"),
    ]
    quarter = usable / 8
    widths = [quarter * 0.8, quarter * 1.2] * 4
    _table(
        flow,
        margin,
        widths,
        [v for pair in pairs[:4] for v in pair],
        [[v for pair in pairs[4:] for v in pair]],
        size=10,
        leading=14,
        min_height=24,
    )
    flow.y -= 10
    _text(canvas, margin, flow.y - 4, "家庭成员情况", SANS_BOLD, 11)
    flow.y -= 10
    labels = member_labels()
    ratios = [1.0, 1.0, 0.6, 1.3, 1.2, 1.2, 1.2, 1.3, 1.3, 1.6, 0.9]
    member_widths = [usable * r / sum(ratios) for r in ratios]
    members = sheet.members or [[""] * len(labels) for _ in range(6)]
    _table(flow, margin, member_widths, labels, members, size=9.5, leading=13, min_height=22)
    flow.y -= 10
    flow.need(40)
    _text(canvas, margin, flow.y - 4, "本次走访变更情况", SANS_BOLD, 11)
    flow.y -= 10
    change_rows = [list(c) for c in sheet.changes] or [["", "", "", ""] for _ in range(3)]
    if not sheet.changes and not blank:
        change_rows = [["（本次走访未变更成员信息）", "", "", ""]]
    _table(
        flow,
        margin,
        [usable * r for r in (0.2, 0.2, 0.3, 0.3)],
        ["成员", "项目", "原为", "现为"],
        change_rows,
        size=9.5,
        leading=13,
        min_height=22,
    )
    flow.y -= 10
    notes = sheet.notes or ""
    _table(
        flow,
        margin,
        [usable * 0.12, usable * 0.88],
        ["走访情况记录", notes or " "],
        [],
        size=10,
        leading=14,
        min_height=60 if blank else 24,
    )
    flow.need(34)
    flow.y -= 26
    visitors = sheet.visitors or "　" * 8
    signature = f"走访人（签字）：{visitors}　　　　户主或家庭成员（签字）：　　　　　　　　日期：　　年　　月　　日"
    _text(canvas, margin, flow.y, signature, SANS, 11)
    foot(flow.page)
    canvas.showPage()
    canvas.save()
