"""Every spreadsheet a township has: xlsx, xlsm, xls and ods (written by LibreOffice here), WPS et, a
file whose extension lies, CSV in the encodings Chinese machines write; formulas without a computed
value; several 村民小组 sheets; data only on a hidden sheet."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from fupin_desktop.services.spreadsheet import SpreadsheetError
from fupin_desktop.services.village_read import read_village_file
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Person
from tests.sheets import HEADER, LI, VILLAGE_CODE, ZHANG, good_rows, write_sheet
from tests.test_village_import import count, run_import

SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: xls/ods not tested")


def convert(source: Path, extension: str, out: Path) -> Path:
    """``source`` saved by LibreOffice as ``extension`` (xls: Excel 97–2003, ods)."""
    assert SOFFICE is not None
    target = out / f"{source.stem}.{extension}"
    profile = out / "lo-profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", extension,
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert target.exists(), f"LibreOffice wrote no {extension}"
    return target


@needs_soffice
@pytest.mark.parametrize("extension", ["xls", "ods"])
def test_xls_and_ods_written_by_libreoffice_import(
    database: Database, village: uuid.UUID, tmp_path: Path, extension: str
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("身份证号")] = LI.lower() if LI.endswith("X") else LI
    (tmp_path / "src").mkdir()
    source = write_sheet(tmp_path / "src" / "北村.xlsx", rows)
    converted = convert(source, extension, tmp_path)
    report = run_import(database, converted)
    assert report.written and not report.errors, [str(p) for p in report.errors]
    assert (report.households_created, report.people_created, report.intentions_created) == (2, 5, 1)


@needs_soffice
def test_an_xls_named_xlsx_and_a_wps_et_are_read_by_their_content(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    xls = convert(write_sheet(tmp_path / "src" / "北村.xlsx", good_rows()), "xls", tmp_path)
    lying = tmp_path / "改了扩展名.xlsx"
    shutil.copy(xls, lying)
    et = tmp_path / "北村.et"  # WPS 表格 keeps its .et/.ett in the Excel 97–2003 workbook format
    shutil.copy(xls, et)
    assert len(read_village_file(lying).households) == 2
    assert len(read_village_file(et).households) == 2
    assert run_import(database, et).people_created == 5
    zipped = tmp_path / "新版.ett"  # newer WPS can keep an .et/.ett in the xlsx package format: read by content
    write_sheet(zipped, good_rows())
    assert len(read_village_file(zipped).households) == 2


def test_xlsm_is_read(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "北村.xlsm", good_rows())
    assert run_import(database, path).people_created == 5


def _csv_text() -> str:
    lines = [",".join(["沂南县界湖街道北村建档立卡贫困户信息表"]), f"区划代码：,{VILLAGE_CODE}", ",".join(HEADER)]
    for row in good_rows():
        lines.append(",".join("" if v is None else str(v) for v in row))
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_csv_in_every_encoding_chinese_machines_write(
    database: Database, village: uuid.UUID, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "北村.csv"
    path.write_bytes(_csv_text().encode(encoding))
    report = run_import(database, path)
    assert report.written and not report.errors, [str(p) for p in report.errors]
    with database.session_factory() as session:
        assert session.scalar(select(Person.name).where(Person.id_number == ZHANG)) == "张三丰"


def test_a_csv_whose_encoding_cannot_be_told_is_refused(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    path = tmp_path / "北村.csv"
    path.write_bytes("姓名,身份证号\n".encode() + bytes(range(0x80, 0x100)) * 3)
    with pytest.raises(SpreadsheetError, match=r"无法确定.*编码.*另存为"):
        run_import(database, path)
    big5 = tmp_path / "繁体.csv"
    big5.write_bytes("姓名,身份證號,與戶主關係\n張三豐,1,戶主\n".encode("big5"))
    with pytest.raises(SpreadsheetError, match="编码"):
        run_import(database, big5)
    assert count(database, Person) == 0


def test_a_web_page_named_xls_gets_a_message(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    page = tmp_path / "导出.xls"
    page.write_text("<html><body><table><tr><td>姓名</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(SpreadsheetError, match="网页"):
        run_import(database, page)


def test_a_formula_without_a_computed_value_is_named_not_called_empty(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("姓名")] = '=CONCATENATE("李","秀英")'  # openpyxl saves formulas without a result
    rows[3][HEADER.index("民族")] = '=IF(1,"汉族","")'
    path = write_sheet(tmp_path / "北村.xlsx", rows)
    report = run_import(database, path)
    messages = [str(p) for p in report.errors]
    name_col, ethnic_col = HEADER.index("姓名") + 1, HEADER.index("民族") + 1
    expected = "这是公式，文件中没有计算结果，请在Excel或WPS中打开并保存后再导入"
    assert f"第5行 第{name_col}列（姓名）：{expected}" in messages
    assert f"第7行 第{ethnic_col}列（民族）：{expected}" in messages
    assert not any("不能为空" in m for m in messages if m.startswith("第5行"))
    assert not report.written and count(database, Person) == 0


def test_formulas_with_their_values_import(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: a recalculated xlsx cannot be made here")
    rows = good_rows()
    rows[1][HEADER.index("姓名")] = '=CONCATENATE("李","秀英")'
    (tmp_path / "src").mkdir()
    saved = convert(write_sheet(tmp_path / "src" / "北村.xlsx", rows), "xlsx", tmp_path)  # computed on save
    report = run_import(database, saved)
    assert report.written and not report.errors, [str(p) for p in report.errors]
    with database.session_factory() as session:
        assert session.scalar(select(Person.name).where(Person.id_number == LI)) == "李秀英"


def _group_workbook(path: Path, hidden: bool = False) -> Path:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    rows = good_rows()
    header = [h for h in HEADER if h != "村民小组"]
    index = HEADER.index("村民小组")
    for name, people in (("一组", rows[:3]), ("二组", rows[3:]), ("三组", [])):
        sheet = workbook.create_sheet(name)
        sheet.append([f"北村{name}贫困户花名册", f"区划代码：{VILLAGE_CODE}"])
        sheet.append(header)
        for row in people:
            sheet.append([v for i, v in enumerate(row) if i != index])
        if hidden:
            sheet.sheet_state = "hidden"
    if hidden:
        workbook.create_sheet("封面").append(["北村花名册"])
    workbook.save(path)
    return path


def test_one_sheet_per_group_imports_every_sheet_with_its_group(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    path = _group_workbook(tmp_path / "北村.xlsx")
    workbook = load_workbook(path)
    broken = workbook["二组"]
    broken.cell(row=4, column=HEADER.index("民族") + 1 - 1, value="火星族")  # 赵桂兰, second row of 二组
    workbook.save(path)
    report = run_import(database, path, valid_only=True)
    messages = [str(p) for p in report.errors]
    assert messages and all(m.startswith("工作表“二组” 第4行") for m in messages), messages
    assert report.written and report.households_created == 1
    with database.session_factory() as session:
        assert session.scalar(select(Household.village_group)) == "一组"
    fixed = load_workbook(path)
    fixed["二组"].cell(row=4, column=HEADER.index("民族"), value="汉族")
    fixed.save(path)
    again = run_import(database, path)
    assert not again.errors and again.households_created == 1
    with database.session_factory() as session:
        groups = sorted(session.scalars(select(Household.village_group)))
    assert groups == ["一组", "二组"]


def test_data_only_on_a_hidden_sheet_is_said_so(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    path = _group_workbook(tmp_path / "北村.xlsx", hidden=True)
    with pytest.raises(SpreadsheetError, match=r"隐藏的工作表“一组”、“二组”、“三组”中.*取消隐藏"):
        run_import(database, path)


def test_a_second_sheet_of_people_without_a_required_column_refuses_with_its_name(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "北村.xlsx", good_rows())
    workbook = load_workbook(path)
    extra = workbook.create_sheet("二组")
    extra.append(["姓名", "身份证号", "民族"])
    extra.append(["孙玉梅", LI, "汉族"])
    workbook.create_sheet("汇总").append(["村", "户数", "人数"])
    workbook["汇总"].append(["北村", 2, 5])
    workbook.save(path)
    report = run_import(database, path)
    assert not report.written
    assert [str(p) for p in report.errors] == [
        "工作表“二组”第1行的表头缺少必需的列：与户主关系，该表的成员没有导入：请补上这一列后重新导入"
    ]
    assert "提示：工作表“汇总”中没有成员信息的表头，未导入该表" in [str(p) for p in report.problems]
    valid = run_import(database, path, valid_only=True)
    assert valid.written and valid.households_created == 2  # the first sheet's households are all sound
