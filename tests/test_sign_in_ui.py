"""The window's sign-in: the real dialog, the account in the status bar, 切换用户 in the 设置 menu."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.services import accounts
from fupin_desktop.store.db import Database
from fupin_desktop.ui.main_window import MainWindow, idle_minutes
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
    assert window.operator_label.text() == "当前账号：李审核（审核人·站长）"
    assert window.context.operator == "reviewer"
    assert window.context.actor == Actor("reviewer", Role.REVIEWER, "李审核", None)


def test_without_accounts_the_window_runs_as_before(qtbot: QtBot, database: Database, village: uuid.UUID) -> None:
    window = _window(qtbot, database)
    assert not window.switch_user_action.isVisible()
    assert window.operator_label.text().startswith("操作员：")
    assert window.context.actor == window.context.operator


def test_the_window_locks_when_idle_until_an_account_signs_in_again(
    qtbot: QtBot, with_accounts: Database, cleanup: None
) -> None:
    window = _window(qtbot, with_accounts)
    window.context.set_account(accounts.sign_in(with_accounts, name="admin", password=PASSWORD))
    window.idle_watch.seconds = 0.05
    window.idle_watch.timer.setInterval(20)
    window.idle_watch.timer.start()
    seen: list[str] = []

    def sign_in_when_locked() -> None:
        dialog = window.lock_dialog
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, sign_in_when_locked)
            return
        seen.append(dialog.windowTitle())
        assert not window.centralWidget().isVisible()
        _fill(dialog, qtbot, "admin", "wrong")
        seen.append(dialog.message.text())
        _fill(dialog, qtbot, "reviewer", PASSWORD)

    QTimer.singleShot(20, sign_in_when_locked)
    qtbot.waitUntil(lambda: len(seen) == 2 and window.lock_dialog is None, timeout=5000)
    assert seen == ["已锁定", "账号或密码不正确。"]
    assert window.centralWidget().isVisible()
    assert window.operator_label.text() == "当前账号：李审核（审核人·站长）"
    window.idle_watch.seconds = 0


def test_a_clerk_leaving_the_desk_locks_the_window_at_once(
    qtbot: QtBot, with_accounts: Database, cleanup: None
) -> None:
    """设置 → 锁定 (Ctrl+L): the names on the screen are hidden now, not after the idle minutes."""
    window = _window(qtbot, with_accounts)
    window.context.set_account(accounts.sign_in(with_accounts, name="admin", password=PASSWORD))
    assert window.lock_action.isVisible() and window.lock_action.shortcut().toString() == "Ctrl+L"
    seen: list[str] = []

    def sign_in_when_locked() -> None:
        dialog = window.lock_dialog
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, sign_in_when_locked)
            return
        seen.append(dialog.windowTitle())
        seen.append(str(window.centralWidget().isVisible()))
        seen.extend(label.text() for label in dialog.findChildren(QLabel) if "锁定" in label.text())
        _fill(dialog, qtbot, "admin", PASSWORD)

    QTimer.singleShot(20, sign_in_when_locked)
    window.lock_action.trigger()
    qtbot.waitUntil(lambda: len(seen) == 3 and window.lock_dialog is None, timeout=5000)
    assert seen == ["已锁定", "False", "已锁定：请重新登录（本人或其他账号）。"]  # not "长时间未操作"
    assert window.centralWidget().isVisible()


def test_a_window_reopened_after_a_restore_hides_the_data_until_someone_signs_in(
    qtbot: QtBot, with_accounts: Database, cleanup: None
) -> None:
    """After 用所选备份恢复 the window came back with the roster on screen behind "请以其他账号登录"."""
    window = _window(qtbot, with_accounts)  # as the host opens it on the restored file: nobody signed in yet
    assert window.context.account is None
    seen: list[object] = []

    def sign_in_when_shown() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        seen.extend([dialog.windowTitle(), window.centralWidget().isVisible()])
        _fill(dialog, qtbot, "reviewer", PASSWORD)

    QTimer.singleShot(0, sign_in_when_shown)
    assert window.switch_user()
    assert seen == ["登录", False]
    assert window.centralWidget().isVisible() and window.context.operator == "reviewer"

    def switch_when_shown() -> None:  # signed in: the menu's 切换用户 leaves the pages as they are
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        seen.extend([dialog.windowTitle(), window.centralWidget().isVisible()])
        dialog.reject()

    QTimer.singleShot(0, switch_when_shown)
    assert not window.switch_user()
    assert seen[2:] == ["切换用户", True]


def test_the_idle_time_comes_from_the_settings(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert idle_minutes(settings) == 15 and idle_minutes(None) == 15
    settings.setValue("idle_lock_minutes", "5")
    assert idle_minutes(settings) == 5
    settings.setValue("idle_lock_minutes", "soon")
    assert idle_minutes(settings) == 15


def test_the_pages_offer_review_steps_only_to_a_reviewer(qtbot: QtBot, with_accounts: Database, cleanup: None) -> None:
    from fupin_desktop.domain.workflow import State
    from fupin_desktop.ui.intentions_page import IntentionsPage
    from fupin_desktop.ui.submissions_page import SubmissionsPage

    window = _window(qtbot, with_accounts)
    admin = accounts.sign_in(with_accounts, name="admin", password=PASSWORD)
    window.context.set_account(admin)
    intentions = IntentionsPage(window.context)
    submissions = SubmissionsPage(window.context)
    qtbot.addWidget(intentions)
    qtbot.addWidget(submissions)
    approve = intentions.step_buttons[State.APPROVED]
    window.context.account_changed.emit()
    assert not approve.isEnabled() and approve.toolTip() == "需要审核人（站长）权限才能审核通过"
    assert not submissions.seal_button.isEnabled()
    window.context.set_account(accounts.sign_in(with_accounts, name="reviewer", password=PASSWORD))
    assert submissions.seal_button.isEnabled() and approve.toolTip() == "请先在上方选择人员"
