"""Verify what a reader sees: every edit that changes what is shown or printed without changing a
cell's value gives 1 with where; what does not (bold, a fill, re-saving unchanged) still gives 0."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, RectangleObject

from fupin_desktop.domain.signing import PublicKey
from fupin_desktop.export.verify import Verdict, VerifyResult, verify_file
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.station_keys import known_keys_of
from fupin_desktop.services.submissions import SealResult, seal_sheet
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY

DATA_ROW = 6  # title, unit/date, number line, header, then the first person


@pytest.fixture
def sealed(database: Database, village: uuid.UUID, tmp_path: Path) -> SealResult:
    fx.station(database)
    fx.intentions(database, fx.people(database, village, 6), "training", fx.PATH_TO_PASSED)
    with UnitOfWork(database, "王经办") as uow:
        return seal_sheet(uow, SheetRequest("training_list"), tmp_path / "out", today=TODAY)


@pytest.fixture
def keys(database: Database, sealed: SealResult) -> list[PublicKey]:
    return known_keys_of(database)


def _xlsx(sealed: SealResult, tmp_path: Path, change: Callable[[Worksheet], object]) -> Path:
    book = load_workbook(sealed.xlsx_path)
    change(book.worksheets[0])
    target = tmp_path / "edited.xlsx"
    book.save(target)
    return target


def _altered(result: VerifyResult, *expected: str) -> None:
    assert result.verdict == Verdict.ALTERED, result.report()
    text = "\n".join(result.differences)
    for part in expected:
        assert part in text, text


# --- xlsx ------------------------------------------------------------------------------------------


def _number_format(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 5).number_format = '"42"'  # 年龄 shows 42 whatever it holds


def _text_format(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 3).number_format = ";;;"  # 姓名 shown as nothing


def _hidden_row(sheet: Worksheet) -> None:
    sheet.row_dimensions[DATA_ROW + 1].hidden = True


def _hidden_column(sheet: Worksheet) -> None:
    sheet.column_dimensions["F"].hidden = True


def _white_text(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 3).font = Font(name="宋体", size=10, color="FFFFFF")


def _same_as_fill(sheet: Worksheet) -> None:
    cell = sheet.cell(DATA_ROW, 3)
    cell.fill = PatternFill("solid", fgColor="FFD0D0")
    cell.font = Font(name="宋体", size=10, color="FFD2D2")


def _white_run(sheet: Worksheet) -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    cell = sheet.cell(DATA_ROW, 3)
    name = str(cell.value)
    cell.value = CellRichText([name[0], TextBlock(InlineFont(color="FFFFFF"), name[1:])])  # the value is unchanged


def _tiny_font(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 3).font = Font(name="宋体", size=1)


def _extra_sheet(sheet: Worksheet) -> None:
    extra = sheet.parent.create_sheet("补充人员", 1)
    extra["A1"], extra["B1"] = 7, "冒名顶替"


def _outside(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 14).value = "另加一人：冒名顶替"


def _merge(sheet: Worksheet) -> None:
    sheet.merge_cells(f"C{DATA_ROW}:D{DATA_ROW}")  # 性别 disappears under 姓名


def _conditional(sheet: Worksheet) -> None:
    rule = CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="FFFFFF"))
    sheet.conditional_formatting.add(f"E{DATA_ROW}:E{DATA_ROW + 5}", rule)


def _comment(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 3).comment = Comment("实为另一人", "某人")


def _formula(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 5).value = "=24"


def _print_area(sheet: Worksheet) -> None:
    sheet.print_area = f"A1:K{DATA_ROW + 1}"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_number_format, f"第{DATA_ROW}行 年龄：数字格式"),
        (_text_format, f"第{DATA_ROW}行 姓名：数字格式"),
        (_hidden_row, f"第{DATA_ROW + 1}行 被隐藏"),
        (_hidden_column, "第6列（身份证号）被隐藏"),
        (_white_text, f"第{DATA_ROW}行 姓名：字体颜色"),
        (_same_as_fill, f"第{DATA_ROW}行 姓名：字体颜色"),
        (_tiny_font, f"第{DATA_ROW}行 姓名：字号过小"),
        (_white_run, f"第{DATA_ROW}行 姓名：文字"),
        (_extra_sheet, "多出了可见的工作表“补充人员”"),
        (_merge, f"合并单元格 C{DATA_ROW}:D{DATA_ROW}"),
        (_outside, f"第{DATA_ROW}行 第14列：原为空，现为“另加一人：冒名顶替”"),
        (_conditional, "条件格式"),
        (_comment, "批注或形状"),
        (_formula, f"第{DATA_ROW}行 年龄："),
        (_print_area, "打印区域"),
    ],
)
def test_an_xlsx_edit_that_changes_what_is_shown_gives_1(
    sealed: SealResult, keys: list[PublicKey], tmp_path: Path, change: Callable[[Worksheet], None], expected: str
) -> None:
    _altered(verify_file(_xlsx(sealed, tmp_path, change), keys), expected)


def _xml(sealed: SealResult, tmp_path: Path, old: str, new: str) -> Path:
    """The sheet's XML edited directly, as with a zip tool (openpyxl writes no zero height or width)."""
    target = tmp_path / "xml-edited.xlsx"
    with zipfile.ZipFile(sealed.xlsx_path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text, count = re.subn(old, new, data.decode("utf-8"), count=1)
                assert count == 1
                data = text.encode("utf-8")
            out.writestr(info, data)
    return target


def test_a_zero_row_height_or_column_width_gives_1(sealed: SealResult, keys: list[PublicKey], tmp_path: Path) -> None:
    row = f'<row r="{DATA_ROW + 2}">'
    low = _xml(sealed, tmp_path, row, f'<row r="{DATA_ROW + 2}" ht="0.5" customHeight="1">')
    _altered(verify_file(low, keys), f"第{DATA_ROW + 2}行 被隐藏或行高为0")
    narrow = _xml(
        sealed, tmp_path, r'<col width="[0-9.]+" customWidth="1" min="3" max="3"', '<col width="0" min="3" max="3"'
    )
    _altered(verify_file(narrow, keys), "第3列（姓名）被隐藏或列宽为0")
    zero = _xml(sealed, tmp_path, "<sheetFormatPr ", '<sheetFormatPr zeroHeight="1" ')
    _altered(verify_file(zero, keys), "默认隐藏所有行")


def _cosmetic(sheet: Worksheet) -> None:
    sheet.cell(DATA_ROW, 3).font = Font(name="黑体", size=12, bold=True)
    sheet.cell(DATA_ROW, 5).fill = PatternFill("solid", fgColor="FFFF99")
    sheet.cell(DATA_ROW + 1, 3).font = Font(name="宋体", size=10, color="1F3A93")
    sheet.column_dimensions["C"].width = 20
    sheet.cell(DATA_ROW, 5).number_format = "G/通用格式"  # General, as Chinese Excel and WPS write it


def test_bold_a_fill_a_readable_colour_and_an_unchanged_resave_still_give_0(
    sealed: SealResult, keys: list[PublicKey], tmp_path: Path
) -> None:
    for change in (_cosmetic, lambda _sheet: None):
        result = verify_file(_xlsx(sealed, tmp_path, change), keys)
        assert result.verdict == Verdict.INTACT, result.report()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_an_unchanged_resave_in_libreoffice_still_gives_0(
    sealed: SealResult, keys: list[PublicKey], tmp_path: Path
) -> None:
    profile = tmp_path / "lo-profile"
    out = tmp_path / "resaved"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(sealed.xlsx_path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    resaved = out / sealed.xlsx_path.name
    result = verify_file(resaved, keys)
    assert result.verdict == Verdict.INTACT, result.report()


# --- PDF -------------------------------------------------------------------------------------------


def _pdf(sealed: SealResult, tmp_path: Path, change: Callable[[PdfWriter], object]) -> Path:
    writer = PdfWriter(clone_from=PdfReader(sealed.pdf_path))
    change(writer)
    target = tmp_path / "edited.pdf"
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def _annotation(writer: PdfWriter) -> None:
    note = FreeText(text="42", rect=(300, 400, 330, 415), font_size="9pt", border_color=None, background_color="ffffff")
    writer.add_annotation(page_number=0, annotation=note)


def _form_field(writer: PdfWriter) -> None:
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/Rect"): RectangleObject([300, 400, 330, 415]),
        }
    )
    reference = writer._add_object(widget)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([reference])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([reference])})


def _optional_content(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/OCProperties")] = DictionaryObject(
        {NameObject("/OCGs"): ArrayObject(), NameObject("/D"): DictionaryObject()}
    )


def _white_box(writer: PdfWriter) -> None:
    page = writer.pages[0]
    cover = DecodedStreamObject()
    cover.set_data(b"q 1 1 1 rg 300 380 60 14 re f Q")
    existing = page["/Contents"]
    page[NameObject("/Contents")] = ArrayObject([existing, writer._add_object(cover)])


def _crop(writer: PdfWriter) -> None:
    writer.pages[0].cropbox = RectangleObject([0, 300, 842, 595])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_annotation, "第1页 加了批注或表单域"),
        (_form_field, "表单域（AcroForm）"),
        (_optional_content, "可选内容"),
        (_white_box, "第1页 页面内容与封存时不同"),
        (_crop, "第1页 加了裁切框"),
    ],
)
def test_a_pdf_edit_that_changes_what_prints_gives_1(
    sealed: SealResult, keys: list[PublicKey], tmp_path: Path, change: Callable[[PdfWriter], None], expected: str
) -> None:
    _altered(verify_file(_pdf(sealed, tmp_path, change), keys), expected)


def test_a_pdf_resaved_by_pypdf_still_gives_0(sealed: SealResult, keys: list[PublicKey], tmp_path: Path) -> None:
    assert verify_file(_pdf(sealed, tmp_path, lambda _writer: None), keys).verdict == Verdict.INTACT

    def recompress(writer: PdfWriter) -> None:
        for page in writer.pages:
            page.compress_content_streams(level=9)
        writer.compress_identical_objects()

    assert verify_file(_pdf(sealed, tmp_path, recompress), keys).verdict == Verdict.INTACT


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is not installed")
def test_a_reprint_through_a_pdf_printer_gives_2_with_the_paper_check(
    sealed: SealResult, keys: list[PublicKey], tmp_path: Path
) -> None:
    reprint = tmp_path / "reprint.pdf"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", f"-sOutputFile={reprint}", str(sealed.pdf_path)],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ},
    )
    result = verify_file(reprint, keys)
    assert result.verdict == Verdict.NOT_SEALED
    assert "重新打印件" in result.message and sealed.digest in result.message
