"""Print details (issue 15 point 9): header heights that hold their text, the sign-off never alone on
the last page, a QR of at least 20 mm, headings never broken inside brackets."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageFilter
from reportlab.lib.units import mm

from fupin_desktop.export import pdf as pdf_module
from fupin_desktop.export.fonts import SANS_BOLD, register_fonts
from fupin_desktop.export.grid import build_grid
from fupin_desktop.export.pdf import PdfLayout, qr_value, wrap, write_pdf
from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, SignOff
from fupin_desktop.export.xlsx import row_heights, write_xlsx

SIGN = SignOff("界湖街道人社所", "2026年11月22日", "王经办", "0539-1234567", "李审核", "赵所长")


def _progress(rows: int, notes: int = 1) -> SheetContent:
    labels = [
        "当(半)年面向建档立卡贫困家庭劳动者开展职业培训人数(人)",
        "其中：培训结业人数(人)",
        "其中：培训后就业创业人数(人)",
    ]
    columns = [Column("no", "序号", 3, "int"), Column("provider", "培训机构名称", 16)] + [
        Column(f"n{i}", label, 10, "int") for i, label in enumerate(labels)
    ]
    return SheetContent(
        sheet="progress_training",
        title="界湖街道技能培训技能脱贫攻坚进展情况表",
        columns=columns,
        groups=[HeaderGroup(None, 1), HeaderGroup(None, 1), HeaderGroup("职业培训情况", 3)],
        rows=[[i + 1, f"培训机构{i + 1}", 3, 2, 1] for i in range(rows)],
        totals=["总计", None, 3 * rows, 2 * rows, rows],
        sign_off=SIGN,
        landscape=False,
        period="2026年7月1日至2026年11月22日",
        notes=["注：结业、就业创业人数均为本期参训人员中期末前已结业、已就业创业的人数。"] * notes,
        number="〔2026〕第5号",
    )


def test_xlsx_header_rows_are_tall_enough_for_their_wrapped_labels(tmp_path: Path) -> None:
    content = _progress(3)
    grid = build_grid(content, "0" * 64)
    heights = row_heights(content, grid)
    write_xlsx(content, tmp_path / "p.xlsx")
    sheet = load_workbook(tmp_path / "p.xlsx").worksheets[0]
    bottom = grid.header_last
    # 28 characters in a 10-character column need at least three lines of 13.5 pt.
    assert heights[bottom] >= 3 * 13.5
    assert sheet.row_dimensions[bottom].height == heights[bottom]
    note_row = next(n for n, row in enumerate(grid.rows, start=1) if row.kind == "note")
    assert sheet.row_dimensions[note_row].height == heights[note_row]


@pytest.mark.parametrize("notes", [1, 3])
def test_the_sign_off_never_stands_alone_on_the_last_page(notes: int) -> None:
    for rows in range(1, 120):
        layout = PdfLayout(_progress(rows, notes), "0" * 64)
        last = layout.pages[-1]
        assert last.sign_off
        if len(layout.pages) > 1:
            assert last.end_row > last.first_row, (rows, layout.pages)
        covered = [i for page in layout.pages for i in range(page.first_row, page.end_row)]
        assert covered == list(range(rows))


def test_the_qr_is_at_least_20_mm() -> None:
    assert 20 * mm <= pdf_module.QR_SIZE
    assert pdf_module.QR_SIZE + 4 * mm <= pdf_module.FOOT_ZONE


def _scan(path: Path, dpi: int) -> Image.Image:
    """The first page as a scanner at ``dpi`` sees it: rendered finely by QtPdf, then averaged down
    to ``dpi`` (a scanner's sensor averages over each pixel; QtPdf alone snaps shapes to the grid)."""
    from PySide6.QtCore import QBuffer, QSize
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    document.load(str(path))
    points = document.pagePointSize(0)
    fine = 4 * dpi
    image = document.render(0, QSize(round(points.width() * fine / 72), round(points.height() * fine / 72)))
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    document.close()
    rendered = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")
    paper = Image.new("RGBA", rendered.size, "white")  # QtPdf leaves the page transparent
    page = Image.alpha_composite(paper, rendered).convert("L")
    return page.resize((page.width // 4, page.height // 4), Image.Resampling.BOX)


@pytest.mark.parametrize("skew", [0.0, 1.0, 2.0, 3.0])
def test_the_qr_reads_back_from_a_100_dpi_scan_with_the_unit_in_it(qapp: object, tmp_path: Path, skew: float) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    content = _progress(5)
    content.sign_off = replace(SIGN, unit_name="沂南县界湖街道人力资源和社会保障所")
    write_pdf(content, tmp_path / "s.pdf")
    scanned = _scan(tmp_path / "s.pdf", 100).filter(ImageFilter.GaussianBlur(0.5))  # a little out of focus
    page = scanned.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    found = [r.text for r in zxingcpp.read_barcodes(page)]
    assert found == [qr_value(content, content.digest())]
    assert "|沂南县界湖街道人力资源和社会保障所|" in found[0]


def test_a_heading_never_breaks_inside_its_bracketed_unit() -> None:
    register_fonts()
    for width in range(40, 140, 3):
        for label in ("当(半)年面向建档立卡贫困家庭劳动者开展职业培训人数(人)", "培训人数(人)", "就业率(%)"):
            for line in wrap(label, SANS_BOLD, 9, width):
                assert line.count("(") == line.count(")"), (width, line)


def test_a_long_note_is_broken_into_lines_within_the_page_and_the_sign_off_room_counts_them() -> None:
    long_note = (
        "注："
        + "两后生按登记的家庭成员统计，计入其最近一次选报的院校；毕业生就业人数是本期毕业生中期末前已就业的人数。" * 3
    )
    content = replace(_progress(3), notes=[long_note], landscape=True)
    layout = PdfLayout(content, "0" * 64)
    lines = [op for op in layout.page_ops(0).texts if op.where == ("note",)]
    assert len(lines) > 1 and "".join(op.text for op in lines) == long_note  # all of it, nothing cut
    for op in lines:
        assert op.x + layout.width_of(op.text, op.font, op.size) <= layout.page_width - pdf_module.MARGIN_X + 0.5
    for rows in range(1, 60):  # the taller sign-off still never stands alone on the last page
        paged = PdfLayout(replace(content, rows=content.rows[:1] * rows), "0" * 64)
        assert paged.pages[-1].sign_off and (
            len(paged.pages) == 1 or paged.pages[-1].end_row > paged.pages[-1].first_row
        )
