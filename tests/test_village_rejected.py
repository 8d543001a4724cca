"""The 退回 file (the village's own title and sign-off lines kept, produced from the window even when every
household is wrong, never half-written) and formula injection in every xlsx the program writes."""

from __future__ import annotations

import errno
import uuid
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from fupin_desktop.export import village_template
from fupin_desktop.export.roster_comparison import write_comparison
from fupin_desktop.export.sheet import Column, HeaderGroup, SheetContent, SignOff
from fupin_desktop.export.village_template import VillageSheetRowOut, VillageTitle, write_village_sheet
from fupin_desktop.export.xlsx import write_xlsx
from fupin_desktop.services.roster_compare import Comparison, LocalPerson, RosterEntry
from fupin_desktop.services.village_import import (
    RejectedFileError,
    import_village_file,
    send_back,
    write_rejected_rows,
)
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Person
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.import_page import ImportPage
from tests.conftest import TODAY
from tests.sheets import HEADER, VILLAGE_CODE, good_rows, write_sheet
from tests.test_village_import import count

INJECTIONS = ['=HYPERLINK("http://evil.example/","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
TITLE = (("沂南县界湖街道北村建档立卡贫困户信息表",), ("区划代码：", VILLAGE_CODE, None, "村民委员会（盖章）"))
FOOTER = [[], ["填表人：李红梅", None, None, "联系电话：13805391234", None, None, "填表日期：2026年11月20日"]]


def _sheet_with_footer(path: Path, rows: list[list[object]]) -> Path:
    write_sheet(path, [*rows, *FOOTER], title=TITLE)
    return path


def _bad_everywhere() -> list[list[object]]:
    rows = good_rows()
    rows[0][HEADER.index("民族")] = "火星族"
    rows[3][HEADER.index("民族")] = "火星族"
    return rows


def _all_values(path: Path) -> list[object]:
    sheet = load_workbook(path)["农户成员信息"]
    return [c.value for row in sheet.iter_rows() for c in row if c.value is not None]


def test_the_rejected_file_keeps_the_villages_title_and_sign_off_lines(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[3][HEADER.index("民族")] = "火星族"
    path = _sheet_with_footer(tmp_path / "北村.xlsx", rows)
    with UnitOfWork(database, "测试员") as uow:
        plan, report = import_village_file(uow, path, valid_only=True, on=TODAY)
        uow.commit()
    send_back(plan, report)
    assert report.rejected_file == tmp_path / "北村-退回.xlsx"
    sheet = load_workbook(report.rejected_file)["农户成员信息"]
    assert sheet["A1"].value == TITLE[0][0] and sheet["B2"].value == VILLAGE_CODE and sheet["D2"].value == TITLE[1][3]
    values = _all_values(report.rejected_file)
    for line in ("填表人：李红梅", "联系电话：13805391234", "填表日期：2026年11月20日"):
        assert line in values
    names = [v for v in values if v in ("王大山", "赵桂兰", "张三丰")]
    assert names == ["王大山", "赵桂兰"]
    footer_row = next(r for r in sheet.iter_rows() if r[0].value == "填表人：李红梅")[0].row
    assert footer_row > max(c.row for r in sheet.iter_rows() for c in r if c.value == "赵桂兰")


def test_from_the_window_when_every_household_has_errors(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    path = _sheet_with_footer(tmp_path / "北村.xlsx", _bad_everywhere())
    page = ImportPage(AppContext(database))
    qtbot.addWidget(page)
    dialog = page.open_import(path)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20000)
    assert not dialog.import_button.isEnabled() and not dialog.valid_only_button.isEnabled()
    assert dialog.rejected_button.isEnabled()
    dialog.rejected_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.report.rejected_file is not None, timeout=20000)
    out = tmp_path / "北村-退回.xlsx"
    assert out.exists() and "退回表已保存" in dialog.summary.text()
    assert len([v for v in _all_values(out) if v in ("张三丰", "李秀英", "张小明", "王大山", "赵桂兰")]) == 5
    assert count(database, Person) == 0
    dialog.close()


def test_a_full_disk_leaves_no_broken_file_and_says_what_was_imported(
    database: Database, village: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = good_rows()
    rows[3][HEADER.index("民族")] = "火星族"
    path = _sheet_with_footer(tmp_path / "北村.xlsx", rows)
    target = tmp_path / "北村-退回.xlsx"
    target.write_bytes(b"an older file the village already has")
    real_save = village_template.Workbook.save

    def full_disk(workbook: object, filename: str) -> None:
        real_save(workbook, filename)  # type: ignore[arg-type]
        with open(filename, "r+b") as handle:  # the disk filled up half-way through
            handle.truncate(200)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(village_template.Workbook, "save", full_disk)
    with UnitOfWork(database, "测试员") as uow:
        plan, report = import_village_file(uow, path, valid_only=True, on=TODAY)
        uow.commit()
    send_back(plan, report)
    assert report.rejected_file is None and report.rejected_error is not None
    assert "磁盘空间已满" in report.rejected_error and "无误的1户已经导入数据库" in report.rejected_error
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("test.db"))
    assert left == ["北村-退回.xlsx", "北村.xlsx"]
    assert target.read_bytes() == b"an older file the village already has"
    with pytest.raises(RejectedFileError, match="没有导入任何数据"):
        write_rejected_rows(plan, report.problems, imported=0)


# --- formula injection: every writer --------------------------------------------------------------


def _assert_text(path: Path, expected: list[str]) -> None:
    workbook = load_workbook(path)
    found: dict[str, tuple[str, bool]] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    found[cell.value] = (cell.data_type, bool(cell.quotePrefix))
    for value in expected:
        stored = value.replace("\r", "\n") if value.startswith("\r") else value  # XML folds a lone CR
        assert stored in found or value in found, f"{value!r} not written"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_the_rejected_file_writes_typed_formulas_back_as_text(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    for offset, text in enumerate(INJECTIONS[:4]):
        rows[offset][HEADER.index("务工地点")] = text
    rows[3][HEADER.index("民族")] = "火星族"
    rows[0][HEADER.index("民族")] = "火星族"
    path = write_sheet(tmp_path / "北村.xlsx", rows)
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # typed into the template's text-formatted cells: text in the file
                cell.data_type = "s"
    workbook.save(path)
    with UnitOfWork(database, "测试员") as uow:
        plan, report = import_village_file(uow, path, valid_only=True, on=TODAY)
    out = write_rejected_rows(plan, report.problems)
    assert out is not None
    _assert_text(out, INJECTIONS[:4])


def test_the_village_template_writes_text(tmp_path: Path) -> None:
    rows = [
        VillageSheetRowOut({"name": text, "address": text, "household_no": "0001"}, reason=text) for text in INJECTIONS
    ]
    out = write_village_sheet(
        tmp_path / "t.xlsx", VillageTitle("=cmd|' /C calc'!A0", VILLAGE_CODE, "+北村"), rows, with_reason=True,
        original_title=[["=1+2", "-3"]], footer=[["@填表人"]],
    )  # fmt: skip
    _assert_text(out, [*INJECTIONS, "=1+2", "@填表人"])


def test_the_roster_comparison_writes_text(tmp_path: Path) -> None:
    comparison = Comparison(
        tmp_path / "=花名册.xlsx",
        "=北村",
        only_here=[LocalPerson("371321197003070011", "=1+1", "-0001", "@未脱贫", "+北村")],
        only_roster=[RosterEntry(3, "371321197003070011", '=HYPERLINK("x")', "0001", "\t=1")],
    )
    out = write_comparison(comparison, tmp_path / "比对.xlsx")
    _assert_text(out, ["=1+1", "-0001", "@未脱贫", "+北村", '=HYPERLINK("x")'])


def test_the_sheet_writer_writes_text(tmp_path: Path) -> None:
    content = SheetContent(
        sheet="training_list",
        title="=拟参加培训人员名单",
        columns=[Column("seq", "序号", 4, "int"), Column("name", "姓名", 8), Column("work", "培训工种", 10)],
        groups=[HeaderGroup(None, 1), HeaderGroup(None, 1), HeaderGroup(None, 1)],
        rows=[[1, '=HYPERLINK("http://evil.example/")', "+电工"], [2, "@张三", "-焊工"]],
        totals=None,
        sign_off=SignOff("=界湖街道人社所", "2026年11月22日", "+王经办", "-0539", "@李审核", "赵所长"),
        period="=2026年",
    )
    out = tmp_path / "名单.xlsx"
    write_xlsx(content, out)
    _assert_text(out, ['=HYPERLINK("http://evil.example/")', "+电工", "@张三", "-焊工"])
