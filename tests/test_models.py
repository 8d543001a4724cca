"""qtmodeltester on the models not covered beside their pages: the objections list and the 比对 lists."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from fupin_desktop.domain.workflow import State
from fupin_desktop.services.notices import ObjectionInput, add_objection
from fupin_desktop.store.db import Database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.import_page import CompareDialog, ImportPage
from fupin_desktop.ui.notices_page import NoticesPage
from tests.sheet_fixtures import intentions, people, station
from tests.sheets import LI, write_sheet


def test_the_objections_list_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, database: Database, village: uuid.UUID
) -> None:
    station(database)
    made = intentions(
        database, people(database, village, 3), "training", [State.REFERRED, State.APPROVED, State.IN_NOTICE]
    )
    page = NoticesPage(AppContext(database))
    qtbot.addWidget(page)
    notice = page.notices.rows()[0]
    objection = ObjectionInput("匿名", "来电", date(2026, 10, 10), "反映其已在外地务工")
    add_objection(database, actor="王经办", notice_id=notice.id, intention_id=made[0], data=objection)
    page.reload()
    page.select_notice(notice.id)
    assert page.objections.rowCount() == 1
    qtmodeltester.check(page.objections)
    qtmodeltester.check(page.entries)


def test_the_compare_lists_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    page = ImportPage(AppContext(database))
    qtbot.addWidget(page)
    roster = write_sheet(tmp_path / "花名册.xlsx", [["张三", LI]], header=["姓名", "身份证号"], title=())
    page.open_compare(roster)
    qtbot.waitUntil(lambda: isinstance(page.dialog, CompareDialog), timeout=20000)
    dialog = page.dialog
    assert isinstance(dialog, CompareDialog)
    for index in range(dialog.tabs.count()):
        view = dialog.tabs.widget(index)
        assert isinstance(view, QTableView)
        qtmodeltester.check(view.model())
    dialog.close()


def test_a_notice_without_open_objections_shows_0_in_their_column(
    qtbot: QtBot, database: Database, village: uuid.UUID
) -> None:
    station(database)
    made = intentions(
        database, people(database, village, 3), "training", [State.REFERRED, State.APPROVED, State.IN_NOTICE]
    )
    page = NoticesPage(AppContext(database))
    qtbot.addWidget(page)
    column = next(i for i, c in enumerate(page.notices.columns) if c.title == "待处理异议")
    assert page.notices.data(page.notices.index(0, column)) == "0"
    notice = page.notices.rows()[0]
    objection = ObjectionInput("匿名", "来电", date(2026, 10, 10), "反映其已在外地务工")
    add_objection(database, actor="王经办", notice_id=notice.id, intention_id=made[0], data=objection)
    page.reload()
    assert page.notices.data(page.notices.index(0, column)) == "1"
