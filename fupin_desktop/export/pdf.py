"""Writing a sheet as a printable PDF, drawn directly on the reportlab canvas.

Pagination and every string's position come from ``PdfLayout``, which the verifier also runs: it
knows which text each page must show, in drawing order, and compares it with the text extracted
from the file. Header rows repeat on every page; each page carries page x of y and, once sealed,
the number, the digest and a QR code; a draft carries 草稿 on every page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDate, PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas

from fupin_desktop.export.fonts import SANS, SANS_BOLD, SERIF_BOLD, register_fonts
from fupin_desktop.export.grid import sign_off_cells
from fupin_desktop.export.sheet import (
    DRAFT_MARK,
    SheetContent,
    Signature,
    chunks,
    display,
    encode_payload,
    seal_line,
)
from fupin_desktop.export.typeset import Align, TextOp, Where, Widths, place, wrap

PAYLOAD_KEY = "FupinSealed"

BODY_SIZE = 9.0
LEADING = 11.5
PAD_X = 2.5
PAD_Y = 3.0
MARGIN_X = 12 * mm
MARGIN_TOP = 12 * mm
FOOT_ZONE = 32 * mm
# 26 mm (2-module quiet zone included) gives each of the ≈53 modules about 1.9 pixels in a 100 dpi
# scan: read back skewed by 3° and slightly out of focus (tests/test_print_details.py); 20 mm is not.
QR_SIZE = 26 * mm


@dataclass
class PageOps:
    texts: list[TextOp] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y, w, h
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)  # x1, y1, x2, y2


@dataclass(frozen=True)
class PageSpan:
    first_row: int
    end_row: int  # exclusive
    totals: bool
    sign_off: bool


_ONE_LINE = LEADING + 2 * PAD_Y


class PdfLayout:
    """Where everything goes on every page of one sheet."""

    def __init__(self, content: SheetContent, digest: str | None) -> None:
        register_fonts()
        self.content = content
        self.digest = digest
        self.page_width, self.page_height = landscape(A4) if content.landscape else A4
        self.table_width = self.page_width - 2 * MARGIN_X
        total_units = sum(c.width for c in content.columns)
        self.col_widths = [self.table_width * c.width / total_units for c in content.columns]
        self.col_x = [MARGIN_X + sum(self.col_widths[:i]) for i in range(len(self.col_widths))]
        self.width_of = Widths()
        # The notes under the sign-off, each broken into lines as wide as the table (a long one ran off the page):
        # (line, gap above it): a note starts 14 pt below the line before, its further lines 11 pt.
        self.note_lines: list[tuple[str, float]] = [
            (line, 14.0 if number == 0 else 11.0)
            for note in content.notes
            for number, line in enumerate(wrap(note, SANS, 8, self.table_width, self.width_of))
        ]
        # Where each column's text is anchored for each alignment, and its alignment when one line.
        self._anchors = [
            {"left": x + PAD_X, "centre": x + w / 2, "right": x + w - PAD_X}
            for x, w in zip(self.col_x, self.col_widths, strict=True)
        ]
        self._one_line_align: list[Align] = [
            "centre" if i == 0 or self._short(i) else "right" if c.numeric else "left"
            for i, c in enumerate(content.columns)
        ]
        self._many_lines_align: list[Align] = [
            "centre" if i == 0 else "right" if c.numeric else "left" for i, c in enumerate(content.columns)
        ]
        # Rows of more than one line, with their lines per cell; every other row is one line high.
        self._wrapped: dict[int, list[list[str]]] = {}
        self.header = self._header_cells()
        self.header_height = max(y for _x, y, _w, _h, _t in self.header)
        self.title_height = 44.0 + (16.0 if content.period else 0.0)
        self.pages = self._paginate()

    # --- measuring -------------------------------------------------------------------------------

    def _header_cells(self) -> list[tuple[float, float, float, float, str]]:
        """Header cells as (x, depth-from-top, width, height, label); depth is the cell's bottom."""
        content = self.content
        depth = content.header_depth

        def lines_height(text: str, width: float) -> float:
            return len(wrap(text, SANS_BOLD, BODY_SIZE, width - 2 * PAD_X, self.width_of)) * LEADING + 2 * PAD_Y

        top_h = 18.0
        bottom_h = 18.0
        column = 0
        spans: list[tuple[int, int, str | None]] = []
        for group in content.groups:
            spans.append((column, group.span, group.label))
            width = sum(self.col_widths[column : column + group.span])
            if group.label is not None:
                top_h = max(top_h, lines_height(group.label, width))
                for i in range(column, column + group.span):
                    bottom_h = max(bottom_h, lines_height(content.columns[i].label, self.col_widths[i]))
            column += group.span
        full_h = top_h + bottom_h if depth == 2 else top_h
        for start, span, label in spans:
            if label is None:
                for i in range(start, start + span):
                    needed = lines_height(content.columns[i].label, self.col_widths[i])
                    if needed > full_h:
                        bottom_h += needed - full_h if depth == 2 else 0
                        top_h = needed if depth == 1 else top_h
                        full_h = top_h + bottom_h if depth == 2 else top_h
        cells: list[tuple[float, float, float, float, str]] = []
        for start, span, label in spans:
            if label is None:
                for i in range(start, start + span):
                    cells.append((self.col_x[i], full_h, self.col_widths[i], full_h, content.columns[i].label))
            else:
                width = sum(self.col_widths[start : start + span])
                cells.append((self.col_x[start], top_h, width, top_h, label))
        for start, span, label in spans:
            if label is not None:
                for i in range(start, start + span):
                    cells.append((self.col_x[i], full_h, self.col_widths[i], bottom_h, content.columns[i].label))
        return cells

    def _cell_lines(self, row: list[Any], font: str) -> list[list[str]]:
        return [
            wrap(display(value), font, BODY_SIZE, width - 2 * PAD_X, self.width_of)
            for value, width in zip(row, self.col_widths, strict=True)
        ]

    def _row_height(self, lines: list[list[str]]) -> float:
        return max(len(cell) for cell in lines) * LEADING + 2 * PAD_Y

    def _data_row_height(self, index: int, row: list[Any]) -> float:
        """The row's height; its lines are kept when a cell takes more than one."""
        lines = self._cell_lines(row, SANS)
        height = self._row_height(lines)
        if height > _ONE_LINE:
            self._wrapped[index] = lines
        return height

    def _paginate(self) -> list[PageSpan]:
        content = self.content
        usable_bottom = FOOT_ZONE
        sign_off_height = 40.0 + sum(gap for _line, gap in self.note_lines)
        pages: list[PageSpan] = []
        first = 0
        top = self.page_height - MARGIN_TOP - self.title_height - self.header_height
        y = top
        for index, row in enumerate(content.rows):
            height = self._data_row_height(index, row)
            if y - height < usable_bottom and index > first:
                pages.append(PageSpan(first, index, False, False))
                first = index
                y = self.page_height - MARGIN_TOP - self.header_height
            y -= height
        totals_height = self._row_height(self._cell_lines(content.totals, SANS_BOLD)) if content.totals else 0.0
        end = len(content.rows)
        has_totals = content.totals is not None
        if y - totals_height - sign_off_height >= usable_bottom:
            pages.append(PageSpan(first, end, has_totals, True))
            return pages
        # Totals and sign-off do not fit under the last rows: they never stand alone on the last page,
        # the last (up to three) rows go over with them.
        if end - first < 2 and pages:
            first = pages.pop().first_row
        if end - first < 2:
            pages.append(PageSpan(first, end, False, False))
            pages.append(PageSpan(end, end, has_totals, True))
        else:
            cut = max(first + 1, end - 3)
            pages.append(PageSpan(first, cut, False, False))
            pages.append(PageSpan(cut, end, has_totals, True))
        return pages

    # --- drawing ---------------------------------------------------------------------------------

    def page_ops(self, number: int) -> PageOps:
        """Everything on page ``number`` (0-based), texts in drawing order."""
        content = self.content
        span = self.pages[number]
        ops = PageOps()
        text = ops.texts
        if not content.sealed:
            text.append(self._op(self.page_width / 2, self.page_height / 2 - 40, "草稿", SANS_BOLD, 90, "centre"))
        y = self.page_height - MARGIN_TOP
        if number == 0:
            y -= 20
            text.append(self._op(self.page_width / 2, y, content.title, SERIF_BOLD, 18, "centre", ("title",)))
            y -= 20
            unit = f"填表单位（盖章）：{content.sign_off.unit_name}"
            text.append(self._op(MARGIN_X, y, unit, SANS, 10, "left", ("meta",)))
            when = f"填表时间：{content.sign_off.filled_on}"
            text.append(self._op(self.page_width - MARGIN_X, y, when, SANS, 10, "right", ("meta",)))
            y -= 4
            if content.period:
                y -= 14
                text.append(self._op(MARGIN_X, y, f"统计期间：{content.period}", SANS, 10, "left", ("period",)))
            y -= 4
        is_table_page = span.end_row > span.first_row or span.totals or not span.sign_off or number == 0
        if is_table_page:
            y = self._draw_header(ops, y)
            rows = content.rows
            for index in range(span.first_row, span.end_row):
                y = self._draw_row(ops, y, rows[index], SANS, index)
            if span.totals and content.totals is not None:
                y = self._draw_row(ops, y, content.totals, SANS_BOLD, -1)
        if span.sign_off:
            y -= 24
            cells = sign_off_cells(content)
            step = self.table_width / len(cells)
            for i, cell in enumerate(cells):
                text.append(self._op(MARGIN_X + i * step, y, cell, SANS, 10, "left", ("signoff",)))
            for line, gap in self.note_lines:
                y -= gap
                text.append(self._op(MARGIN_X, y, line, SANS, 8, "left", ("note",)))
        foot = seal_line(content, self.digest)
        text.append(self._op(MARGIN_X, 10 * mm, foot, SANS, 6.5, "left", ("foot",)))
        pages = f"第 {number + 1} 页 共 {len(self.pages)} 页"
        page_x = self.page_width / 2 if content.sealed else self.page_width - MARGIN_X
        text.append(self._op(page_x, 15 * mm, pages, SANS, 9, "centre" if content.sealed else "right", ("page",)))
        return ops

    def _op(
        self, x: float, y: float, text: str, font: str, size: float, align: Align, where: Where = ("other",)
    ) -> TextOp:
        return place(x, y, text, font, size, align, where)

    def _draw_header(self, ops: PageOps, y: float) -> float:
        for x, bottom, width, height, label in self.header:
            top = y - bottom + height
            ops.boxes.append((x, y - bottom, width, height))
            lines = wrap(label, SANS_BOLD, BODY_SIZE, width - 2 * PAD_X, self.width_of)
            block = len(lines) * LEADING
            line_y = top - (height - block) / 2 - LEADING + 2.5
            for line in lines:
                ops.texts.append(self._op(x + width / 2, line_y, line, SANS_BOLD, BODY_SIZE, "centre", ("header",)))
                line_y -= LEADING
        return y - self.header_height

    def _draw_row(self, ops: PageOps, y: float, row: list[Any], font: str, index: int) -> float:
        wrapped = self._wrapped.get(index) if index >= 0 else self._cell_lines(row, font)
        if wrapped is None:  # one line in every cell: nothing to measure or break
            self._draw_line_row(ops, y, row, font, index)
            return y - _ONE_LINE
        height = self._row_height(wrapped)
        boxes, texts = ops.boxes.append, ops.texts.append
        op = self._op
        for column, lines in enumerate(wrapped):
            x = self.col_x[column]
            boxes((x, y - height, self.col_widths[column], height))
            align = self._one_line_align[column] if len(lines) == 1 else self._many_lines_align[column]
            anchor = self._anchors[column][align]
            line_y = y - PAD_Y - LEADING + 2.5 - (height - 2 * PAD_Y - len(lines) * LEADING) / 2
            for line in lines:
                if line:
                    texts(op(anchor, line_y, line, font, BODY_SIZE, align, ("cell", index, column)))
                line_y -= LEADING
        return y - height

    def _draw_line_row(self, ops: PageOps, y: float, row: list[Any], font: str, index: int) -> None:
        bottom = y - _ONE_LINE
        line_y = y - PAD_Y - LEADING + 2.5
        boxes, texts = ops.boxes.append, ops.texts.append
        bold = font != SANS
        for column, value in enumerate(row):
            boxes((self.col_x[column], bottom, self.col_widths[column], _ONE_LINE))
            if value is None or value == "":
                continue
            text = value if isinstance(value, str) else display(value)
            align = self._one_line_align[column]
            anchor = self._anchors[column][align]
            if bold:
                texts(self._op(anchor, line_y, text, font, BODY_SIZE, align, ("cell", index, column)))
            else:
                texts(TextOp(anchor, line_y, text, SANS, False, BODY_SIZE, align, ("cell", index, column)))

    def _short(self, column: int) -> bool:
        """Narrow columns (性别, 民族) read best centred."""
        return self.content.columns[column].width <= 4

    def expected_text(self, number: int) -> list[TextOp]:
        return self.page_ops(number).texts


def write_pdf(
    content: SheetContent,
    path: Path | BinaryIO,
    *,
    embedded: SheetContent | None = None,
    signature: Signature | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Draw ``content``; a sealed sheet embeds ``embedded`` (normally the same content) for verify."""
    digest = (embedded or content).digest() if content.sealed else None
    layout = PdfLayout(content, digest)
    target = str(path) if isinstance(path, Path) else path
    canvas = Canvas(target, pagesize=(layout.page_width, layout.page_height), pageCompression=1)
    canvas.setTitle(content.title)
    canvas.setAuthor(content.sign_off.unit_name)
    canvas.setCreator("fupin-desktop")
    canvas.setSubject(content.number or DRAFT_MARK)
    if content.sealed:
        payload_source = embedded or content
        info = _SealedInfo(chunks(encode_payload(payload_source, signature), 30_000))
        info.title, info.author, info.creator, info.subject = (
            content.title,
            content.sign_off.unit_name,
            "fupin-desktop",
            content.number or "",
        )
        canvas._doc.info = info
        _define_qr(canvas, content, digest or "")
    total = len(layout.pages)
    writer = _PageWriter(canvas)
    for number in range(total):
        writer.draw_page(layout.page_ops(number), sealed=content.sealed, layout=layout)
        canvas.showPage()
        if progress is not None and number % 20 == 0:
            progress(number, total)
    with _binary_streams():
        canvas.save()


_a85_lock = threading.Lock()


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Save with Flate-compressed binary streams, without reportlab's default ASCII85 layer on top:
    ASCII85 only makes a file 25% bigger and, in reportlab's pure-Python encoder, costs more than
    drawing the pages. Every PDF reader decodes both."""
    with _a85_lock:
        before = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = before


def qr_value(content: SheetContent, digest: str) -> str:
    """What the QR says: the number, the unit that sealed it, the row count and the digest, kept short
    (every character adds modules and makes each one smaller on the page)."""
    unit = content.sign_off.unit_name.replace("|", "｜")
    value = f"FUPIN|{content.number}|{unit}|{len(content.rows)}|{digest}"
    if content.stamp is not None:
        value += f"|{content.stamp.fingerprint}"
    return value


def _define_qr(canvas: Canvas, content: SheetContent, digest: str) -> None:
    value = qr_value(content, digest)
    widget = QrCodeWidget(value, barLevel="M", barBorder=2)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x2 - x1), 0, 0, QR_SIZE / (y2 - y1), 0, 0])
    drawing.add(widget)
    canvas.beginForm("sealqr")
    renderPDF.draw(drawing, canvas, 0, 0)
    canvas.endForm()


_WATERMARK = Color(0.85, 0.85, 0.85)


class _PageWriter:
    """Writes a page's boxes and strings straight into the content stream, the same operators
    reportlab's ``drawString`` writes (BT, Tm, one Tf and Tj per font subset, T*, ET), with each
    string's encoding and width worked out once per document instead of once per cell."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas._doc
        self.fonts: dict[str, Any] = {}
        self.shown: dict[tuple[str, float, str], str] = {}  # (font, size, text) → "/F1+0 9 Tf … Tj"
        self.widths = Widths()

    def draw_page(self, ops: PageOps, *, sealed: bool, layout: PdfLayout) -> None:
        canvas = self.canvas
        canvas.setLineWidth(0.5)
        canvas.setStrokeColor(black)
        if ops.boxes:
            canvas.addLiteral("n " + " ".join([_RECT % box for box in ops.boxes]) + " S")
        code: list[str] = []
        for op in ops.texts:
            if op.size >= 60:  # the draft watermark, drawn light and slanted behind nothing important
                canvas.addLiteral("\n".join(code))
                code.clear()
                canvas.saveState()
                canvas.setFillColor(_WATERMARK)
                canvas.translate(op.x, op.y)
                canvas.rotate(30)
                canvas.setFont(op.font, op.size)
                canvas.drawCentredString(0, 0, op.text)
                canvas.restoreState()
                continue
            code.append(self.text(op))
        canvas.addLiteral("\n".join(code))
        if sealed:
            canvas.saveState()
            canvas.translate(layout.page_width - MARGIN_X - QR_SIZE, 4 * mm)
            canvas.doForm("sealqr")
            canvas.restoreState()

    def text(self, op: TextOp) -> str:
        key = (op.font, op.size, op.text)
        shown = self.shown.get(key)
        if shown is None:
            shown = self.shown[key] = self._encode(op.font, op.size, op.text)
        x = op.x
        if op.align == "centre":
            x -= self.widths(op.text, op.font, op.size) / 2
        elif op.align == "right":
            x -= self.widths(op.text, op.font, op.size)
        if op.fake_bold:
            return f"{op.size * 0.035:.3f} w BT 1 0 0 1 {x:.3f} {op.y:.3f} Tm 2 Tr {shown} T* 0 Tr ET .5 w"
        return f"BT 1 0 0 1 {x:.3f} {op.y:.3f} Tm {shown} T* ET"

    def _encode(self, font_name: str, size: float, text: str) -> str:
        font = self.fonts.get(font_name)
        if font is None:
            font = self.fonts[font_name] = pdfmetrics.getFont(font_name)
        state = f"{size:g} Tf {size * 1.2:g} TL"
        return " ".join(
            f"{font.getSubsetInternalName(subset, self.doc)} {state} <{chars.hex()}> Tj"
            for subset, chars in font.splitString(text, self.doc)
        )


_RECT = "%.3f %.3f %.3f %.3f re"


class _SealedInfo(PDFInfo):  # type: ignore[misc]  # reportlab ships no type hints
    """The document information dictionary plus the embedded canonical content, in chunks."""

    def __init__(self, parts: list[str]) -> None:
        super().__init__()
        self.parts = parts

    def format(self, document: Any) -> bytes:
        entries = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Producer": PDFString(self.producer),
            "Creator": PDFString(self.creator),
            "Subject": PDFString(self.subject),
            "Keywords": PDFString(self.keywords),
            "Trapped": PDFName(self.trapped),
            PAYLOAD_KEY: PDFArray([PDFString(part) for part in self.parts]),
        }
        entries["ModDate"] = entries["CreationDate"] = PDFDate(
            ts=document._timeStamp, dateFormatter=self._dateFormatter
        )
        return bytes(PDFDictionary(entries).format(document))


def iter_pages(layout: PdfLayout) -> Iterator[PageOps]:
    for number in range(len(layout.pages)):
        yield layout.page_ops(number)
