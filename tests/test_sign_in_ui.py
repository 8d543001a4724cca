"""The window's sign-in: the real dialog, the account in the status bar, 切换用户 in the 设置 menu."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.services import accounts
from fupin_desktop.store.db import Database
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.sign_in_dialog import SignInDialog

PASSWORD = "pw-1234"


@pytest.fixture
def with_accounts(database: Database) -> Database:
    accounts.create_account(database, actor="初始化", name="admin", role=Role.ADMIN, password=PASSWORD)
    admin = accounts.sign_in(database, name="admin", password=PASSWORD)
    accounts.create_account(
        database, actor=admin, name="reviewer", role=Role.REVIEWER, password=PASSWORD, display_name="李审核"
    )
    return database


def _window(qtbot: QtBot, database: Database) -> MainWindow:
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def cleanup() -> Iterator[None]:
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _fill(dialog: SignInDialog, qtbot: QtBot, name: str, password: str) -> None:
    dialog.name_edit.setText(name)
    dialog.password_edit.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def test_the_dialog_refuses_a_wrong_password_and_accepts_the_right_one(qtbot: QtBot, with_accounts: Database) -> None:
    dialog = SignInDialog(with_accounts)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(dialog, qtbot, "reviewer", "wrong")
    assert dialog.isVisible() and dialog.actor is None
    assert dialog.message.text() == "账号或密码不正确。" and dialog.password_edit.text() == ""
    _fill(dialog, qtbot, "reviewer", PASSWORD)
    assert dialog.result() == SignInDialog.DialogCode.Accepted
    assert dialog.actor == Actor("reviewer", Role.REVIEWER, "李审核", None)


def test_switching_user_through_the_menu_shows_the_account_in_the_status_bar(
    qtbot: QtBot, with_accounts: Database, cleanup: None
) -> None:
    window = _window(qtbot, with_accounts)
    assert window.switch_user_action.isVisible()

    def sign_in_when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        _fill(dialog, qtbot, "reviewer", PASSWORD)

    QTimer.singleShot(0, sign_in_when_shown)
    assert window.switch_user()
    assert window.operator_label.text() == "当前账号：李审核（审核人（站长））"
    assert window.context.operator == "reviewer"
    assert window.context.actor == Actor("reviewer", Role.REVIEWER, "李审核", None)


def test_without_accounts_the_window_runs_as_before(qtbot: QtBot, database: Database, village: uuid.UUID) -> None:
    window = _window(qtbot, database)
    assert not window.switch_user_action.isVisible()
    assert window.operator_label.text().startswith("操作员：")
    assert window.context.actor == window.context.operator
