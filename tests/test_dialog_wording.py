"""What the new dialogs say, as a township clerk reads them: a message names the field once and says what to
do, a line never points at a button the account does not have, and a field shown belongs to the account."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.services.signatories import Signatories
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.ui.accounts_dialog import NewAccountDialog
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.encryption_dialogs import RecoveryCodeDialog
from fupin_desktop.ui.exchange_page import ExchangePage
from fupin_desktop.ui.location_dialog import LocationDialog
from fupin_desktop.ui.seal_dialog import SealDialog

CODE = "A6XL-3DRA-IGKB-HS3A-3FM6-2X7P-MRFO-VRIX-LXHZ-MZN6-AGRU-ABKU-3LV6-7JD7"


def test_a_bad_phone_in_the_seal_dialog_names_the_field_once_and_does_not_seal(qtbot: QtBot) -> None:
    dialog = SealDialog("封存？", Signatories("张经办", "123", "李审核", "王所长"))
    qtbot.addWidget(dialog)
    dialog.seal_button.click()
    text = dialog.message.text()
    assert dialog.result() != dialog.DialogCode.Accepted and dialog.message.isVisibleTo(dialog)
    assert text.count("联系电话") == 1 and "“123”" in text and "11位" in text


def test_closing_the_recovery_code_before_the_tick_says_what_to_do(qtbot: QtBot) -> None:
    dialog = RecoveryCodeDialog(CODE, "new.db")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.reminder.isVisible()
    dialog.reject()  # Esc, or the window's close button
    assert dialog.isVisible() and dialog.reminder.isVisible() and "勾选" in dialog.reminder.text()
    dialog.kept.setChecked(True)
    dialog.last_group_edit.setText(CODE[-4:].lower())  # typed back from the paper, in any case
    assert not dialog.reminder.isVisible() and dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted


def test_the_exchange_page_tells_an_account_that_may_not_import_who_does(qtbot: QtBot, database: Database) -> None:
    context = AppContext(database)
    page = ExchangePage(context)
    qtbot.addWidget(page)
    page.show()
    assert page.import_button.isVisible() and "先预览" in page.preview.text()
    assert page.detail.title.text().startswith("没有待处理事项")  # not "选择左侧一条" in front of an empty list

    context.set_account(Actor("admin", Role.ADMIN, "系统管理员"))
    assert not page.import_button.isVisible()
    assert "先预览" not in page.preview.text() and "乡镇经办人" in page.preview.text()
    context.set_account(Actor("clerk", Role.TOWNSHIP_CLERK, "张经办"))
    assert page.import_button.isVisible() and "先预览" in page.preview.text()


def test_the_exchange_page_calls_this_site_本站_everywhere(qtbot: QtBot, database: Database) -> None:
    """One word for "here" on the 数据交换 page, its detail pane, its buttons and what it says after an import:
    the docs call a site 站点 and this one 本站, so no 本机 beside a column headed 本站."""
    from collections import Counter
    from datetime import datetime

    from PySide6.QtCore import Qt

    from fupin_desktop.services.package_decisions import IssueView
    from fupin_desktop.services.packages import PackageImported
    from fupin_desktop.ui import exchange_page

    page = ExchangePage(AppContext(database))
    qtbot.addWidget(page)
    issue = IssueView(
        id=uuid.uuid4(),
        kind="conflict",
        kind_label="冲突",
        entity="person",
        entity_label="成员",
        entity_id=uuid.uuid4(),
        record="李秀英",
        field="phone",
        field_label="联系电话",
        base="13905390000",
        ours="13905392222",
        theirs="13905391111",
        our_account="乙录入",
        our_at=datetime(2026, 11, 20, 9, 0),
        their_site="甲村笔记本",
        their_account="甲录入",
        their_at=datetime(2026, 12, 20, 9, 0),
        their_clock_ahead=True,
        choices=("ours", "theirs"),
        note="",
        resolved_at=None,
        resolution=None,
    )
    page.detail.show_issue(issue)
    imported = PackageImported("甲村笔记本", dry_run=True, applied=3, issues=Counter(conflict=1), future_times=1)
    words = [
        *(widget.text() for widget in page.findChildren(QLabel)),
        *(button.text() for button in page.findChildren(QPushButton)),
        *(page.tabs.tabText(index) for index in range(page.tabs.count())),
        *(
            str(model.headerData(column, Qt.Orientation.Horizontal))
            for model in (page.issues, page.history, page.sites)
            for column in range(model.columnCount())
        ),
        exchange_page.describe(imported),
        *(column.text(issue) for column in exchange_page.issue_columns()),
    ]
    assert [text for text in words if "本机" in text] == []
    assert page.decision_buttons["ours"].text() == "采用本站"
    assert "本站" in [column.title for column in exchange_page.issue_columns()]
    assert "晚于本站时钟" in page.detail.who["theirs"].text() and "本站时钟" in page.detail.who["ours"].text()


def test_the_location_dialog_says_which_file_is_open(qtbot: QtBot, database: Database) -> None:
    dialog = LocationDialog(database)
    qtbot.addWidget(dialog)
    assert database.path is not None and str(database.path) in dialog.current.text()


def test_the_new_account_dialog_shows_the_village_only_for_a_village_clerk(qtbot: QtBot, database: Database) -> None:
    dialog = NewAccountDialog(AppContext(database))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.role.setCurrentIndex(dialog.role.findData(Role.VILLAGE_CLERK.value))
    assert dialog.village.isVisible()
    dialog.role.setCurrentIndex(dialog.role.findData(Role.TOWNSHIP_CLERK.value))
    assert not dialog.village.isVisible()
    assert dialog.form.labelForField(dialog.name).text().startswith("账号")  # every field has its label


def test_a_village_clerk_statistics_path_has_no_way_up_that_does_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    """The figures of a 村级录入员 are their village's: the township above is named, not a link, and 上一级
    is off — before, both were offered and a click showed the same village again."""
    from fupin_desktop.services.accounts import sign_in
    from fupin_desktop.ui.statistics_page import StatisticsPage
    from tests.test_roles import NAMES, PASSWORD, build_scene

    scene = build_scene(tmp_path)
    database = open_database(scene.file)
    context = AppContext(database)
    page = StatisticsPage(context)
    qtbot.addWidget(page)
    page.show()

    def path_widgets() -> list[QWidget]:
        found = [page.path_bar.itemAt(i).widget() for i in range(page.path_bar.count())]
        return [widget for widget in found if widget is not None]

    def loaded_at(level: str) -> bool:
        return (
            page.stats is not None
            and not page.loading
            and page.stats.area.region is not None
            and page.stats.area.region.level == level
        )

    try:
        context.set_account(sign_in(database, name=NAMES[Role.REVIEWER], password=PASSWORD))
        page.load(database.read(lambda session: _village_id(session, "北村")))
        qtbot.waitUntil(lambda: loaded_at("village"), timeout=20000)
        assert page.up_button.isEnabled() and any(isinstance(w, QPushButton) for w in path_widgets())

        context.set_account(sign_in(database, name=NAMES[Role.VILLAGE_CLERK], password=PASSWORD))
        page.load()
        qtbot.waitUntil(lambda: loaded_at("village") and not page.up_button.isEnabled(), timeout=20000)
        assert not page.up_button.isEnabled() and "本村" in page.up_button.toolTip()
        assert not any(isinstance(w, QPushButton) for w in path_widgets())
        assert [w.text() for w in path_widgets() if w.text() != "›"][:2] == ["沂南县", "界湖街道"]
    finally:
        page.close()
        database.dispose()


def _village_id(session: Session, name: str) -> uuid.UUID:
    from fupin_desktop.store.models import Region

    found = session.scalar(select(Region.id).where(Region.name == name))
    assert found is not None
    return found


def test_the_recovery_code_is_never_printed_to_a_file(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """No printer: the dialog says to copy the code by hand (before, Qt's dialog offered 打印到文件 (PDF) as
    the only printer, which puts the code on the disk). With one: the print dialog has no 打印到文件."""
    from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinterInfo

    dialog = RecoveryCodeDialog(CODE, "new.db")
    qtbot.addWidget(dialog)
    dialog.show()
    opened: list[bool] = []
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: opened.append(True) or 0)
    monkeypatch.setattr(QPrinterInfo, "availablePrinters", staticmethod(lambda: []))
    dialog.print_button.click()
    assert not opened and dialog.reminder.isVisible() and "抄写" in dialog.reminder.text()

    monkeypatch.setattr(QPrinterInfo, "availablePrinters", staticmethod(lambda: [QPrinterInfo()]))
    dialog.print_button.click()
    assert opened and dialog.print_dialog is not None
    assert not dialog.print_dialog.testOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile)


def test_the_new_station_dialog_puts_the_cursor_where_the_problem_is(qtbot: QtBot, tmp_path: Path) -> None:
    from fupin_desktop.ui.encryption_dialogs import NewStationDialog

    dialog = NewStationDialog(tmp_path / "new.db")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.name_edit.setText("admin")
    dialog.password_edit.setText("12")
    dialog.again_edit.setText("12")
    dialog.again_edit.setFocus()
    dialog.ok_button.click()
    assert "密码" in dialog.message.text() and dialog.focusWidget() is dialog.password_edit
    dialog.password_edit.setText("demo1234")
    dialog.again_edit.setText("demo1235")
    dialog.ok_button.click()
    assert "不一致" in dialog.message.text() and dialog.focusWidget() is dialog.again_edit
    assert dialog.again_edit.selectedText() == "demo1235"
    assert dialog.result() != dialog.DialogCode.Accepted


def test_a_wrong_password_to_encrypt_is_said_in_the_dialog_and_the_window_stays(
    qtbot: QtBot, database: Database
) -> None:
    from fupin_desktop.services.accounts import create_demo_accounts
    from fupin_desktop.ui.encryption_dialogs import EncryptDialog

    create_demo_accounts(database, password="demo")
    assert database.path is not None
    dialog = EncryptDialog("admin", database.path, database=database)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ok_button.click()
    assert "请输入“admin”的密码" in dialog.message.text() and dialog.result() != dialog.DialogCode.Accepted
    dialog.password_edit.setText("wrong")
    dialog.ok_button.click()
    assert "不正确" in dialog.message.text() and dialog.result() != dialog.DialogCode.Accepted
    assert dialog.password_edit.text() == ""
    dialog.password_edit.setText("demo")
    dialog.ok_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.password == "demo"


def test_the_sites_tab_shows_a_station_s_whole_name_and_what_happens_to_packages_sent_to_it(
    qtbot: QtBot, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.services.sites import SiteInfo
    from fupin_desktop.ui import exchange_page

    own = SiteInfo(uuid.uuid4(), "沂南县界湖街道人力资源和社会保障所", "station", None, True, 13)
    laptop = SiteInfo(uuid.uuid4(), "北村甲笔记本", "village", own.id, False, 2, can_encrypt=False)
    monkeypatch.setattr(exchange_page, "list_sites", lambda _database: [own, laptop])
    page = ExchangePage(AppContext(database))
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.tabs.setCurrentIndex(2)
    table = page.site_table
    shown = page.sites.index(0, 0).data()
    assert shown == "沂南县界湖街道人力资源和社会保障所（本站）"
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(shown)  # not cut to "…和…"
    assert page.sites.index(1, 4).data() == "不加密（未登记其密钥）"


def test_the_station_key_dialog_offers_its_buttons_only_to_who_may_use_them(qtbot: QtBot, database: Database) -> None:
    from fupin_desktop.ui.station_key_dialog import StationKeyDialog

    village = StationKeyDialog(database, Actor("village", Role.VILLAGE_CLERK, "村录入员"))
    qtbot.addWidget(village)
    village.show()
    assert not village.export_button.isVisible() and not village.import_button.isVisible()
    notes = " ".join(label.text() for label in village.findChildren(QLabel))
    assert "审核人（站长）或管理员办理" in notes
    reviewer = StationKeyDialog(database, Actor("reviewer", Role.REVIEWER, "李审核"))
    qtbot.addWidget(reviewer)
    reviewer.show()
    assert reviewer.export_button.isVisible() and reviewer.import_button.isVisible()


def test_a_wrong_password_on_an_encrypted_file_says_what_to_do_next(qtbot: QtBot, tmp_path: Path) -> None:
    from fupin_desktop.store.errors import KeyRefused
    from fupin_desktop.ui.sign_in_dialog import SignInDialog

    def refuse(_name: str, _password: str) -> Database:
        raise KeyRefused("账号或密码不正确。")

    dialog = SignInDialog(None, opener=refuse, encrypted_path=tmp_path / "station.db")
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("admin")
    dialog.password_edit.setText("wrong")
    dialog.sign_in_button.click()
    assert (
        "不正确" in dialog.message.text()
        and "恢复码" in dialog.message.text()
        and "管理员重置" in dialog.message.text()
    )


def test_the_whole_recovery_code_fits_in_its_field(qtbot: QtBot, tmp_path: Path) -> None:
    from fupin_desktop.ui.encryption_dialogs import RecoverWithCodeDialog

    dialog = RecoverWithCodeDialog(tmp_path / "station.db")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.code_edit.setText(CODE)
    assert dialog.code_edit.width() > dialog.code_edit.fontMetrics().horizontalAdvance(CODE)  # compared group by group


def test_a_password_is_reset_only_when_typed_twice_alike(qtbot: QtBot, database: Database) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from fupin_desktop.services.accounts import create_demo_accounts, sign_in
    from fupin_desktop.ui.accounts_dialog import AccountsDialog, ResetPasswordDialog

    create_demo_accounts(database, password="demo")
    context = AppContext(database)
    context.set_account(sign_in(database, name="admin", password="demo"))
    dialog = AccountsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    row = next(r for r in range(dialog.model.rowCount()) if dialog.model.record(r).name == "clerk")
    dialog.table.selectRow(row)
    seen: list[str] = []

    def type_then_fix() -> None:
        reset = QApplication.activeModalWidget()
        assert isinstance(reset, ResetPasswordDialog)
        reset.password.setText("new-1234")
        reset.again.setText("new-1243")
        reset.ok_button.click()
        seen.append(reset.message.text())
        assert reset.isVisible()  # not reset with a typo
        reset.again.setText("new-1234")
        reset.ok_button.click()

    QTimer.singleShot(0, type_then_fix)
    dialog.reset_password()
    assert seen == ["两次输入的密码不一样。"]
    qtbot.waitUntil(lambda: "已重置" in dialog.status.text(), timeout=10000)
    assert sign_in(database, name="clerk", password="new-1234").name == "clerk"


def test_unlock_is_offered_only_for_a_locked_account(qtbot: QtBot, database: Database) -> None:
    from fupin_desktop.services.accounts import create_demo_accounts, sign_in
    from fupin_desktop.services.errors import SignInRefused
    from fupin_desktop.ui.accounts_dialog import AccountsDialog

    create_demo_accounts(database, password="demo")
    for _attempt in range(5):  # the fifth wrong password in a row locks the account
        with pytest.raises(SignInRefused):
            sign_in(database, name="clerk", password="wrong")
    context = AppContext(database)
    context.set_account(sign_in(database, name="admin", password="demo"))
    dialog = AccountsDialog(context)
    qtbot.addWidget(dialog)
    rows = {dialog.model.record(r).name: r for r in range(dialog.model.rowCount())}
    dialog.table.selectRow(rows["reviewer"])
    assert dialog.reset_button.isEnabled() and not dialog.unlock_button.isEnabled()
    dialog.table.selectRow(rows["clerk"])
    assert dialog.unlock_button.isEnabled()
    dialog.unlock()
    qtbot.waitUntil(lambda: "已解锁" in dialog.status.text(), timeout=10000)
    dialog.table.selectRow(rows["clerk"])
    assert not dialog.unlock_button.isEnabled()
