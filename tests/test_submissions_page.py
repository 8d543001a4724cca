"""The 上报 page: sealing through the worker thread lists the sheet; the verify screen reports."""

from __future__ import annotations

import uuid
from pathlib import Path

from pytestqt.qtbot import QtBot

from fupin_desktop.export.verify import Verdict
from fupin_desktop.store.db import Database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.submissions_page import SubmissionsPage, VerifyDialog
from fupin_desktop.ui.tasks import _running
from tests import sheet_fixtures as fx


def _wait_tasks(qtbot: QtBot) -> None:
    for task in list(_running):
        task.wait()
    qtbot.waitUntil(lambda: not _running, timeout=20_000)


def test_sealing_from_the_page_lists_the_sheet_and_verify_screen_says_intact(
    qtbot: QtBot, qtmodeltester: object, database: Database, village: uuid.UUID, tmp_path: Path, monkeypatch: object
) -> None:
    fx.station(database)
    fx.intentions(database, fx.people(database, village, 4), "training", fx.PATH_TO_PASSED)
    context = AppContext(database)
    page = SubmissionsPage(context)
    qtbot.addWidget(page)
    page.folder.setText(str(tmp_path))
    page.sheet.setCurrentIndex(page.sheet.findData("training_list"))
    monkeypatch.setattr(page, "_confirm", lambda _text: True)  # type: ignore[attr-defined]
    monkeypatch.setattr(page, "show_pdf", lambda _path: None)  # type: ignore[attr-defined]
    page.seal()
    _wait_tasks(qtbot)
    assert page.model.rowCount() == 1
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    row = page.model.index(0, 0).data()
    assert row == "〔2026〕第1号" or row.startswith("〔")
    assert "已封存" in page.status.text()

    dialog = VerifyDialog(database, page)
    qtbot.addWidget(dialog)
    pdf = next(tmp_path.glob("*.pdf"))
    dialog.path.setText(str(pdf))
    dialog.check()
    _wait_tasks(qtbot)
    assert dialog.result is not None and dialog.result.verdict == Verdict.INTACT
    assert "完全一致" in dialog.details.toPlainText()
