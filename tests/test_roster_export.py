"""导出花名册: the households and members of a village, township or search as xlsx — ID numbers as
text, frozen and filtered header, A4 landscape with the header on every page — from the 农户 page
and from ``export roster``."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import create_household
from fupin_desktop.services.roster_export import export_roster
from fupin_desktop.services.search import HouseholdFilter
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Region
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import household
from tests.test_cli import run_cli


@pytest.fixture
def saved(database: Database, village: uuid.UUID) -> uuid.UUID:
    with UnitOfWork(database, "测试员") as uow:
        facts = replace(household(), address='=HYPERLINK("http://x")', village_group="+1组")
        household_id, _ = create_household(uow, village, facts)
        uow.commit()
    return household_id


def test_the_roster_is_a_printable_filterable_sheet_with_ids_as_text(
    database: Database, village: uuid.UUID, saved: uuid.UUID, tmp_path: Path
) -> None:
    result = export_roster(database, flt=HouseholdFilter(region_id=village), out=tmp_path)
    assert (result.households, result.people) == (1, 2)
    assert result.path.name.startswith("农户花名册-北村-")
    sheet = load_workbook(result.path).active
    assert sheet is not None
    assert sheet["A1"].value == "农户花名册（北村）"
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["序号", "乡镇", "村", "户编号"] and "身份证号" in header
    id_column = header.index("身份证号") + 1
    ids = [sheet.cell(row=r, column=id_column) for r in (4, 5)]
    assert all(cell.data_type == "s" and len(str(cell.value)) == 18 for cell in ids)
    assert sheet.cell(row=4, column=header.index("家庭住址") + 1).data_type == "s"  # "=…" stays text
    assert sheet.cell(row=4, column=header.index("家庭住址") + 1).value == '=HYPERLINK("http://x")'
    assert sheet.cell(row=4, column=header.index("村民小组") + 1).value == "+1组"
    assert [sheet.cell(row=r, column=header.index("姓名") + 1).value for r in (4, 5)] == ["张三丰", "李秀英"]
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:Z5"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert list(tmp_path.glob("*.部分.xlsx")) == []


def test_an_empty_area_is_refused_and_nothing_is_written(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    with pytest.raises(ServiceError, match="没有符合条件的农户"):
        export_roster(database, flt=HouseholdFilter(region_id=village), out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_roster_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run_cli("--db", str(db), "demo", "--plain", "--households", "30").returncode == 0
    from fupin_desktop.store.db import open_database

    database = open_database(db)
    with database.session_factory() as session:
        township = session.scalars(select(Region.code).where(Region.level == "township")).first()
    database.dispose()
    assert township is not None
    result = run_cli("--db", str(db), "export", "roster", "--out", str(tmp_path / "out"), "--region", township)
    assert result.returncode == 0, result.stderr
    files = list((tmp_path / "out").glob("农户花名册-*.xlsx"))
    assert len(files) == 1 and "30户" in result.stdout
    unknown = run_cli("--db", str(db), "export", "roster", "--out", str(tmp_path), "--region", "999999999999")
    assert unknown.returncode == 1 and "没有代码为" in unknown.stderr


def test_the_roster_page_exports_the_current_village(
    qtbot: QtBot,
    database: Database,
    village: uuid.UUID,
    saved: uuid.UUID,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from fupin_desktop.ui import roster_page
    from fupin_desktop.ui.main_window import MainWindow
    from fupin_desktop.ui.tasks import _running

    monkeypatch.setattr(roster_page, "remember_save_folder", lambda _folder: None)
    window = MainWindow(database)
    try:
        page = window.tabs.widget(0)
        assert isinstance(page, roster_page.RosterPage)
        assert page.export_button.text() == "导出花名册…"
        page.select_region(village)
        page.export_roster_to(tmp_path / "北村花名册")
        qtbot.waitUntil(lambda: page.exported is not None and not _running, timeout=20_000)
        assert page.exported is not None and page.exported.path == tmp_path / "北村花名册.xlsx"
        assert "已导出花名册：1户2人" in page.count_label.text()
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_blank_sheet_is_offered_under_the_village_name_in_the_save_folder(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.ui import import_page
    from fupin_desktop.ui.context import AppContext

    offered: list[str] = []

    def cancelled_dialog(*args: object) -> tuple[str, str]:
        offered.append(str(args[2]))
        return "", ""

    monkeypatch.setattr(import_page, "save_folder", lambda: tmp_path)
    monkeypatch.setattr(import_page, "remember_save_folder", lambda _folder: None)
    monkeypatch.setattr(import_page.QFileDialog, "getSaveFileName", staticmethod(cancelled_dialog))
    page = import_page.ImportPage(AppContext(database))
    qtbot.addWidget(page)
    page.village.setCurrentIndex(page.village.findData("371321001001"))
    assert page.save_template() is None  # the user cancelled the dialog
    assert offered == [str(tmp_path / "村级采集表-北村.xlsx")]
