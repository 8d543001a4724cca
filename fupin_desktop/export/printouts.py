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

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.export.fonts import SANS, SANS_BOLD, SERIF, SERIF_BOLD, register_fonts
from fupin_desktop.export.page_count import CountedPages
from fupin_desktop.export.typeset import NO_LINE_START, Align, draw_text, em_width, place, wrap


@dataclass(frozen=True)
class NoticeLine:
    group: str  # 村民小组
    name: str
    sex: str
    target: str  # what the person is put forward for: 培训（工种）/ 技工院校与专业 / 就业 / 创业
    source: str  # 推荐来源


@dataclass(frozen=True)
class NoticePrintout:
    title: str
    region_name: str
    start: str
    end: str
    place: str
    complaint_phone: str
    issuing_unit: str
    issued_on: str
    lines: list[NoticeLine]
    what: str = "技能培训或就读技工院校"  # the kinds of the batch, for the body text


@dataclass(frozen=True)
class VisitPrintout:
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
    members: list[list[str]] = field(default_factory=list)  # one row per member, MEMBER_COLUMNS
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # member, field, old, new


# The member columns 摸底 needs (黑人社发〔2019〕10号 十; 临汾 2(2)): the record, then the three wishes.
MEMBER_COLUMNS: list[tuple[str, float]] = [
    ("姓名", 1.0),
    ("与户主\n关系", 0.8),
    ("性别", 0.5),
    ("身份证号", 1.9),
    ("文化程度", 1.0),
    ("在校生状况", 1.0),
    ("健康状况", 0.9),
    ("劳动技能", 1.0),
    ("务工状况", 1.1),
    ("务工地点\n／月数", 1.4),
    ("培训意愿\n／工种", 1.3),
    ("技工院校\n／专业", 1.3),
    ("就业意向", 1.0),
]
BLANK_MEMBERS = 8
# Printed under the member table so that a paper form is filled by ticking (the shipped code lists).
TICK_LISTS = [
    ("文化程度", "education"),
    ("在校生状况", "school_status"),
    ("健康状况", "health"),
    ("劳动技能", "labour"),
    ("务工状况", "employment"),
    ("培训类型", "training_type"),
]


def member_labels() -> list[str]:
    return [label for label, _width in MEMBER_COLUMNS]


# GB/T 9704-2012: A4, top margin 37 mm, left 28 mm, text block 156 × 225 mm.
NOTICE_TOP = 37 * mm
NOTICE_LEFT = 28 * mm
BLOCK_WIDTH = 156 * mm
BLOCK_HEIGHT = 225 * mm
TITLE_SIZE = 22.0  # 2号
CHARS_PER_LINE = 28
# 3号 is 16 pt; GB/T 9704 sets 28 characters in the 156 mm line, i.e. 15.8 pt each with no spacing.
BODY_SIZE = BLOCK_WIDTH / CHARS_PER_LINE
BODY_LEADING = BLOCK_HEIGHT / 22  # 22 lines to the page
TABLE_SIZE = 12.0
TABLE_LEADING = 16.0


def _text(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, align: Align = "left") -> None:
    draw_text(canvas, place(x, y, text, font, size, align))


class _Flow:
    """A cursor down the text block that starts a new page when the next thing would not fit."""

    def __init__(
        self, canvas: Canvas, top: float, bottom: float, on_page_end: Callable[[int], None] | None = None
    ) -> None:
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
        if self.on_page_end is not None:
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
    keep_with_last: float = 0.0,
) -> None:
    """A table whose header repeats on each page; ``keep_with_last`` is the room that what follows
    needs on the page of the last rows (the issuing unit and date never stand alone on a page)."""
    canvas = flow.canvas
    pad = 3.0

    def cell_lines(cells: list[str], font: str) -> list[list[str]]:
        return [wrap(c, font, size, w - 2 * pad) for c, w in zip(cells, widths, strict=True)]

    def height_of(lines: list[list[str]]) -> float:
        return max(max(len(cell) for cell in lines) * leading + 2 * pad, min_height)

    def new_page_before() -> None:
        flow.need(flow.y - flow.bottom + 1)

    def draw_row(lines: list[list[str]], font: str) -> None:
        height = height_of(lines)
        if flow.need(height) and font != SANS_BOLD:
            draw_row(head, SANS_BOLD)
        top = flow.y
        cx = x
        canvas.setLineWidth(0.6)
        for one_cell, width in zip(lines, widths, strict=True):
            canvas.rect(cx, top - height, width, height, stroke=1, fill=0)
            line_y = top - (height - len(one_cell) * leading) / 2 - leading + size * 0.25
            for line in one_cell:
                _text(canvas, cx + width / 2, line_y, line, font, size, "centre")
                line_y -= leading
            cx += width
        flow.y -= height

    head = cell_lines(header, SANS_BOLD)
    body = [cell_lines(row, SANS) for row in rows]
    break_at = _break_for_last(flow, height_of(head), [height_of(b) for b in body], keep_with_last)
    if break_at == 0:
        new_page_before()
    draw_row(head, SANS_BOLD)
    for index, lines in enumerate(body):
        if index == break_at and index > 0:
            new_page_before()
            draw_row(head, SANS_BOLD)
        draw_row(lines, SANS)


def _break_for_last(flow: _Flow, header: float, rows: list[float], keep: float) -> int | None:
    """Where to start a new page so that the last two rows and ``keep`` share one; None if they do."""
    if keep <= 0 or not rows:
        return None
    page_top = flow.top
    y = flow.y
    if y - header < flow.bottom:
        y = page_top
    y -= header
    for height in rows:
        if y - height < flow.bottom:
            y = page_top - header
        y -= height
    if y - keep >= flow.bottom:
        return None
    return max(0, len(rows) - 2)


_TITLE_BREAKS = set("省市县区乡镇街道村年于的和及")
_NO_LINE_END = set("（《「『“‘([")


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-.@/:")


def grid_lines(text: str, chars: int = CHARS_PER_LINE, font: str = SERIF) -> list[str]:
    """Body text on the document grid: ``chars`` full-width cells a line (Latin letters and digits
    take their own width in ems). Closing punctuation never starts a line and opening never ends one:
    the last character of the line is pushed down with it (推出), so no line is longer than the grid.
    A number (telephone, date) is not split: it goes down whole."""
    register_fonts()

    def em(ch: str) -> float:
        return em_width(ch, font)

    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for ch in text:
        w = em(ch)
        if used + w > chars + 1e-6:
            carried: list[str] = []
            while line and (ch in NO_LINE_START or line[-1] in _NO_LINE_END) and len(carried) < 3:
                carried.insert(0, line.pop())
                if not (carried[0] in NO_LINE_START or (line and line[-1] in _NO_LINE_END)):
                    break
            if _is_word(ch) and not carried:
                tail = len(line)
                while tail and _is_word(line[tail - 1]):
                    tail -= 1
                if tail > 0 and len(line) - tail < 16:
                    carried, line = line[tail:], line[:tail]
            lines.append("".join(line))
            line = carried
            used = sum(map(em, line))
        line.append(ch)
        used += w
    lines.append("".join(line))
    return lines


def _paragraph(flow: _Flow, x: float, width: float, text: str, *, indent: int = 2) -> None:
    lines = grid_lines("　" * indent + text, round(width / BODY_SIZE))
    for line in lines:
        flow.need(BODY_LEADING)
        flow.y -= BODY_LEADING
        _text(flow.canvas, x, flow.y + (BODY_LEADING - BODY_SIZE) / 2, line, SERIF, BODY_SIZE)


def _title_lines(title: str) -> list[str]:
    """The title in as few lines as fit, of even length (not one full line and a stub)."""
    lines = wrap(title, SERIF_BOLD, TITLE_SIZE, BLOCK_WIDTH)
    if len(lines) != 2:
        return lines

    def fits(text: str) -> bool:
        return len(wrap(text, SERIF_BOLD, TITLE_SIZE, BLOCK_WIDTH)) == 1

    middle = len(title) / 2
    cuts = [i for i in range(1, len(title)) if fits(title[:i]) and fits(title[i:])]
    if not cuts:
        return lines
    # After a place or a year, a conjunction or 关于 reads as a break; otherwise nearest the middle.
    best = min(cuts, key=lambda i: (title[i - 1] not in _TITLE_BREAKS, abs(i - middle)))
    return [title[:best], title[best:]]


def write_notice_pdf(sheet: NoticePrintout, path: Path) -> None:
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
    for line in _title_lines(sheet.title):
        flow.y -= TITLE_SIZE * 1.5
        _text(canvas, NOTICE_LEFT + BLOCK_WIDTH / 2, flow.y, line, SERIF_BOLD, TITLE_SIZE, "centre")
    flow.y -= BODY_LEADING * 0.6
    count = len(sheet.lines)
    _paragraph(
        flow,
        NOTICE_LEFT,
        BLOCK_WIDTH,
        f"根据技能脱贫工作安排，经本人申请或村委会、驻村工作队推荐，{sheet.issuing_unit}会同扶贫部门审核，"
        f"{sheet.region_name}以下{count}人拟列为{sheet.what}对象，现予公示。",
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
    header = ["序号", "村民小组", "姓名", "性别", "推荐事项（培训工种／技工院校及专业／就业／创业）", "推荐来源"]
    rows = [[str(i), x.group, x.name, x.sex, x.target, x.source] for i, x in enumerate(sheet.lines, start=1)]
    # Issuing unit and date, right-aligned four characters in, two lines below the table: the stamp
    # (about 42 mm) is placed over them, reaching up into that room.
    block = BODY_LEADING * 4
    _table(flow, NOTICE_LEFT, widths, header, rows, keep_with_last=block)
    flow.need(block)
    flow.y -= BODY_LEADING * 2.5
    right = NOTICE_LEFT + BLOCK_WIDTH - 4 * BODY_SIZE
    _text(canvas, right, flow.y, sheet.issuing_unit, SERIF, BODY_SIZE, "right")
    flow.y -= BODY_LEADING
    _text(canvas, right, flow.y, sheet.issued_on, SERIF, BODY_SIZE, "right")
    page_number(flow.page)
    canvas.showPage()
    canvas.save()


NOTES_HEIGHT = 42 * mm


def _notes_box(flow: _Flow, x: float, width: float, notes: str) -> None:
    """A box to write in: the recorded notes at its top, the rest left free for the pen."""
    canvas = flow.canvas
    lines = wrap(notes, SANS, 10, width - 8) if notes else []
    height = max(NOTES_HEIGHT, 22 + 14 * len(lines) + 14 * mm)
    flow.need(height)
    canvas.setLineWidth(0.6)
    canvas.rect(x, flow.y - height, width, height, stroke=1, fill=0)
    y = flow.y - 14
    _text(canvas, x + 4, y, "走访情况记录（家庭困难、诉求、需帮扶事项及下步措施）：", SANS_BOLD, 10)
    for line in lines:
        y -= 14
        _text(canvas, x + 4, y, line, SANS, 10)
    flow.y -= height


def write_visit_pdf(sheet: VisitPrintout, path: Path) -> None:
    """入户走访记录表: blank (``VisitPrintout()``) for paper, or filled from a recorded visit."""
    register_fonts()
    page = landscape(A4)
    width, height = page
    margin = 14 * mm
    def page_foot(on: Canvas, number: int, total: int) -> None:
        _text(on, width / 2, 8 * mm, f"第 {number} 页 共 {total} 页", SANS, 9, "centre")

    canvas = CountedPages(str(path), pagesize=page, pageCompression=1, footer=page_foot)
    canvas.setTitle("入户走访记录表")
    canvas.setCreator("fupin-desktop")
    usable = width - 2 * margin

    flow = _Flow(canvas, height - margin, 16 * mm)  # each page's foot is drawn at the save (``page_foot``)
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
    ratios = [r for _label, r in MEMBER_COLUMNS]
    member_widths = [usable * r / sum(ratios) for r in ratios]
    members = list(sheet.members)
    if blank:  # room for the whole household on paper
        members += [[""] * len(MEMBER_COLUMNS) for _ in range(max(0, BLANK_MEMBERS - len(members)))]
    _table(flow, margin, member_widths, member_labels(), members, size=9, leading=12, min_height=22)
    flow.y -= 4
    for label, name in TICK_LISTS:
        options = "　".join(f"□{item}" for item in codelist(name).names())
        for line in wrap(f"{label}：{options}", SANS, 8.5, usable):
            flow.need(12)
            flow.y -= 12
            _text(canvas, margin, flow.y, line, SANS, 8.5)
    flow.need(12)
    flow.y -= 12
    _text(
        canvas,
        margin,
        flow.y,
        "意愿：培训填工种及培训类型；技工院校填院校及专业；就业填意向岗位或地点；无意愿的填“无”。",
        SANS,
        8.5,
    )
    flow.y -= 10
    change_rows = [list(c) for c in sheet.changes] or [["", "", "", ""] for _ in range(3)]
    if not sheet.changes and not blank:
        change_rows = [["（本次走访未变更成员信息）", "", "", ""]]
    flow.need(20 + 22 * min(len(change_rows) + 1, 5))  # the heading never apart from its table
    _text(canvas, margin, flow.y - 4, "本次走访变更情况", SANS_BOLD, 11)
    flow.y -= 10
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
    _notes_box(flow, margin, usable, sheet.notes)
    flow.need(34)
    flow.y -= 26
    visitors = sheet.visitors or "　" * 8
    signature = f"走访人（签字）：{visitors}　　　　户主或家庭成员（签字）：　　　　　　　　日期：　　年　　月　　日"
    _text(canvas, margin, flow.y, signature, SANS, 11)
    canvas.showPage()
    canvas.save()


# The names before docs/glossary.md (a "sheet" alone is a summary sheet), kept for callers not yet renamed.
NoticeSheet = NoticePrintout
VisitSheet = VisitPrintout
