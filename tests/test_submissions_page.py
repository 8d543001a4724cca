"""The 上报 page: sealing through the worker thread lists the sheet; the verify screen reports."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from fupin_desktop.export.verify import Verdict
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Submission
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.submissions_page import SubmissionsPage, VerifyDialog
from fupin_desktop.ui.tasks import _running
from tests import sheet_fixtures as fx


def _wait_tasks(qtbot: QtBot) -> None:
    for task in list(_running):
        task.wait()
    qtbot.waitUntil(lambda: not _running, timeout=20_000)


def seal_through_the_dialog(page: SubmissionsPage, **names: str) -> None:
    """Click 封存上报… and, in the seal dialog it opens, change ``names`` (field → text) and press 封存."""

    def fill_and_seal() -> None:
        dialog = page.seal_dialog
        for field, text in names.items():
            getattr(dialog, field).setText(text)
        dialog.seal_button.click()

    QTimer.singleShot(0, fill_and_seal)
    page.seal()


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
    monkeypatch.setattr(page, "show_pdf", lambda _path: None)  # type: ignore[attr-defined]
    seal_through_the_dialog(page, operator="赵填表", phone="13805397777")
    _wait_tasks(qtbot)
    assert page.model.rowCount() == 1
    with database.session_factory() as session:
        snapshot = json.loads(session.query(Submission).one().snapshot)
    assert snapshot["sign_off"]["operator"] == "赵填表" and snapshot["sign_off"]["phone"] == "13805397777"
    assert snapshot["sign_off"]["reviewer"] == "李审核"  # no accounts: the station profile's, as before
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


def test_the_station_key_dialog_shows_the_fingerprint_and_qr_exports_and_registers_keys(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from fupin_desktop.domain.signing import read_key_file
    from fupin_desktop.services.station_keys import known_keys_of
    from fupin_desktop.store.db import open_database
    from fupin_desktop.ui.station_key_dialog import StationKeyDialog

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))  # type: ignore[attr-defined]
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: shown.append(text))  # type: ignore[attr-defined]
    fx.station(database)
    dialog = StationKeyDialog(database, "王经办")
    qtbot.addWidget(dialog)
    own = known_keys_of(database)[0]
    assert own.fingerprint in dialog.summary.text()
    pixmap = dialog.qr.pixmap()
    assert not pixmap.isNull() and pixmap.width() >= 100
    dialog.export_to(tmp_path / "own.fupinkey")
    assert read_key_file(tmp_path / "own.fupinkey") == own

    other = open_database(tmp_path / "other.db")
    fx.station(other, "另一个乡人社所")
    StationKeyDialog(other, "外站").export_to(tmp_path / "other.fupinkey")
    other.dispose()
    dialog.register(tmp_path / "other.fupinkey")
    assert "另一个乡人社所" in dialog.registered.toPlainText()
    dialog.register(tmp_path / "own.fupinkey")
    assert "本站自己的密钥" in shown[-1]


def test_unlocking_asks_for_a_reason_and_the_verify_screen_names_the_station(
    qtbot: QtBot, database: Database, village: uuid.UUID, tmp_path: Path, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from fupin_desktop.store.models import Submission

    fx.station(database)
    fx.intentions(database, fx.people(database, village, 3), "training", fx.PATH_TO_PASSED)
    context = AppContext(database)
    page = SubmissionsPage(context)
    qtbot.addWidget(page)
    page.folder.setText(str(tmp_path))
    page.sheet.setCurrentIndex(page.sheet.findData("training_list"))
    monkeypatch.setattr(page, "show_pdf", lambda _path: None)  # type: ignore[attr-defined]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))  # type: ignore[attr-defined]
    seal_through_the_dialog(page)
    _wait_tasks(qtbot)
    page.table.selectRow(0)
    monkeypatch.setattr(page, "_ask_reason", lambda _number: " ")  # type: ignore[attr-defined]
    page.unlock()
    assert "须写明原因" in warnings[-1]
    monkeypatch.setattr(page, "_ask_reason", lambda _number: "王某的身份证号录错")  # type: ignore[attr-defined]
    page.unlock()
    assert "已解锁3人" in page.status.text()
    with database.session_factory() as session:
        assert session.query(Submission).one().unlock_reason == "王某的身份证号录错"

    dialog = VerifyDialog(database, page)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(next(tmp_path.glob("*.xlsx"))))
    dialog.check()
    _wait_tasks(qtbot)
    text = dialog.verdict.text()
    assert "由已知站点签名" in text and "沂南县界湖街道人力资源和社会保障所" in text and "指纹" in text
