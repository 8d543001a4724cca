"""比对 against the 建档立卡 roster: the three lists and the exported workbook."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fupin_desktop.services.roster_compare import compare_roster, export_comparison
from fupin_desktop.services.village_import import import_village_file
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY
from tests.sheets import LI, WANG, WANG_WIFE, ZHANG, ZHANG_SON, good_rows, ident, write_sheet

pytestmark = pytest.mark.both_engines


def test_the_roster_comparison_finds_the_three_kinds_of_difference(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    with UnitOfWork(database, "测试员") as uow:
        import_village_file(uow, write_sheet(tmp_path / "北村.xlsx", good_rows()), on=TODAY)
        uow.commit()
    stranger = ident(1990, 1, 1, 71)
    roster = write_sheet(
        tmp_path / "花名册.xlsx",
        [
            [1, "张三丰", ZHANG, "0001", "未脱贫"],
            [2, "李秀英", LI, "0001", "未脱贫"],
            [3, "张晓明", ZHANG_SON, "0001", "未脱贫"],  # name differs
            [4, "王大山", WANG, "0009", "已脱贫"],  # household number and status differ
            [5, "陈默", stranger, "0005", "未脱贫"],  # not here
            [6, "某某", 3.7e17, "0006", "未脱贫"],  # unusable ID
            ["合计", "6人"],
        ],
        header=["序号", "姓 名", "公民身份号码", "户编号", "户状态"],
        title=(("建档立卡贫困户花名册",),),
    )
    with database.session_factory() as session:
        comparison = compare_roster(session, roster)
    assert comparison.matched == 2
    assert [p.id_number for p in comparison.only_here] == [WANG_WIFE]
    assert [e.id_number for e in comparison.only_roster] == [stranger]
    differing = {d.entry.id_number: d.fields for d in comparison.differing}
    assert differing == {ZHANG_SON: ("姓名",), WANG: ("户编号", "户状态")}
    assert len(comparison.problems) == 1 and comparison.problems[0].row == 8

    out = export_comparison(comparison, tmp_path / "比对结果.xlsx")
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["本地有花名册无", "花名册有本地无", "信息不一致", "无法比对的行"]
    sheet = workbook["信息不一致"]
    assert sheet["D2"].value == "姓名（本地）" and sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert {sheet.cell(row=r, column=2).value for r in (3, 4)} == {5, 6}
