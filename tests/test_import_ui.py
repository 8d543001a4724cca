"""The 导入 page: preview of a sheet with its problems, the import button, valid-only, 比对 export."""

from __future__ import annotations

import uuid
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Person
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.import_page import CompareDialog, ImportDialog, ImportPage, PreviewModel
from tests.sheets import HEADER, LI, good_rows, write_sheet


def people(database: Database) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def open_dialog(qtbot: QtBot, database: Database, path: Path) -> tuple[ImportPage, ImportDialog]:
    page = ImportPage(AppContext(database))
    qtbot.addWidget(page)
    dialog = page.open_import(path)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=20000)
    return page, dialog


def test_preview_then_import(
    qtbot: QtBot, qtmodeltester: object, database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    page, dialog = open_dialog(qtbot, database, write_sheet(tmp_path / "北村.xlsx", good_rows()))
    model = dialog.model
    assert model.rowCount() == 5
    assert model.index(0, PreviewModel.NAME).data() == "张三丰"
    assert model.index(0, PreviewModel.OUTCOME).data() == "新增"
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert dialog.import_button.isEnabled() and not dialog.valid_only_button.isEnabled()
    assert "没有错误" in dialog.summary.text()
    changed: list[str] = []
    page.context.data_changed.connect(changed.append)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert "导入完成" in dialog.summary.text() and "新增2户" in dialog.summary.text()
    assert changed == ["household"] and people(database) == 5
    assert model.index(0, PreviewModel.OUTCOME).data() == "新增"  # what the import did
    dialog.close()


def test_errors_block_import_and_valid_only_returns_the_rest(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("身份证号")] = LI[:-1] + ("1" if LI[-1] != "1" else "2")
    _page, dialog = open_dialog(qtbot, database, write_sheet(tmp_path / "北村.xlsx", rows))
    assert not dialog.import_button.isEnabled() and dialog.valid_only_button.isEnabled()
    model = dialog.model
    assert model.index(1, PreviewModel.OUTCOME).data() == "退回"
    assert "校验位" in model.index(1, PreviewModel.PROBLEMS).data()
    assert model.index(1, 0).data(PreviewModel.RecordRole).row == 5
    dialog.valid_only_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20000)
    assert (tmp_path / "北村-退回.xlsx").exists()
    assert "北村-退回.xlsx" in dialog.summary.text()
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 1
    dialog.close()


def test_a_broken_file_shows_a_message_in_the_dialog(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))  # type: ignore[attr-defined]
    fake = tmp_path / "名单.xlsx"
    fake.write_text("不是表格", encoding="utf-8")
    page = ImportPage(AppContext(database))
    qtbot.addWidget(page)
    dialog = page.open_import(fake)
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    assert "不是Excel工作簿" in shown[0] and "无法导入" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    dialog.close()


def test_template_and_compare_from_the_page(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    page = ImportPage(AppContext(database))
    qtbot.addWidget(page)
    page.village.setCurrentIndex(page.village.findData("371321001001"))
    assert page.save_template(tmp_path / "模板.xlsx") == tmp_path / "模板.xlsx"
    roster = write_sheet(tmp_path / "花名册.xlsx", [["张三", LI]], header=["姓名", "身份证号"], title=())
    page.open_compare(roster)
    qtbot.waitUntil(lambda: isinstance(page.dialog, CompareDialog), timeout=20000)
    dialog = page.dialog
    assert isinstance(dialog, CompareDialog)
    assert dialog.tabs.count() == 3 and "花名册有、本地无（1）" in dialog.tabs.tabText(1)
    dialog.close()
