"""Encryption in the window: the real sign-in dialog opens an encrypted file (and a wrong password opens
nothing), 用恢复码打开 when the keyring is lost, and 设置 → 加密数据库 converting the open plain file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from fupin_desktop.cli import main
from fupin_desktop.services.encryption import data_key_for, recovery_unconfirmed
from fupin_desktop.store import cipher
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import KeyRefused
from fupin_desktop.store.keyring import keyring_path
from fupin_desktop.ui.app import open_for_window
from fupin_desktop.ui.encryption_dialogs import RecoverWithCodeDialog, RecoveryCodeDialog
from fupin_desktop.ui.sign_in_dialog import SignInDialog
from fupin_desktop.ui.window_host import WindowHost


@pytest.fixture
def cleanup() -> Iterator[None]:
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def demo(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["--db", str(path), "demo", "--households", "15", *extra]) == 0
    return capsys.readouterr().out


def opener(path: Path) -> object:
    def open_with(name: str, password: str) -> Database:
        return open_database(path, key=data_key_for(path, name=name, password=password))

    return open_with


def test_the_sign_in_dialog_opens_an_encrypted_file_only_with_the_right_password(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str], cleanup: None
) -> None:
    db = tmp_path / "station.db"
    demo(db, capsys)
    dialog = SignInDialog(None, opener=opener(db), encrypted_path=db)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("reviewer")
    dialog.password_edit.setText("wrong")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.database is None and dialog.actor is None
    assert dialog.message.text().startswith("账号或密码不正确。") and "恢复码" in dialog.message.text()
    dialog.password_edit.setText("demo")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SignInDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.name == "reviewer"
    assert dialog.database is not None and dialog.database.encrypted
    dialog.database.dispose()


def test_the_recovery_code_opens_the_file_in_the_window_when_the_keyring_is_lost(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str], cleanup: None
) -> None:
    db = tmp_path / "station.db"
    [code] = re.findall(r"(?:[A-Z2-7]{4}-){13}[A-Z2-7]{4}", demo(db, capsys))
    keyring_path(db).unlink()
    dialog = SignInDialog(None, opener=opener(db), encrypted_path=db)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("admin")
    dialog.password_edit.setText("demo")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert "钥匙文件“station.db.keys”不见了" in dialog.message.text() and "恢复码" in dialog.message.text()

    recovery = RecoverWithCodeDialog(db, dialog)
    qtbot.addWidget(recovery)
    recovery.code_edit.setText(code.lower())
    recovery.name_edit.setText("admin")
    recovery.password_edit.setText("new-admin")
    recovery.again_edit.setText("new-admin")
    qtbot.mouseClick(recovery.ok_button, Qt.MouseButton.LeftButton)
    assert recovery.result() == RecoverWithCodeDialog.DialogCode.Accepted, recovery.message.text()
    dialog.name_edit.setText(recovery.name)
    dialog.password_edit.setText(recovery.password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.database is not None and dialog.actor is not None and dialog.actor.name == "admin"
    dialog.database.dispose()


def test_the_settings_menu_encrypts_the_open_plain_file_and_shows_the_code_once(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str], cleanup: None
) -> None:
    from fupin_desktop.services.accounts import sign_in

    db = tmp_path / "station.db"
    demo(db, capsys, "--plain")
    database, lock = open_for_window(db)
    host = WindowHost(database, lock, None, auto_backup=False)
    try:
        window = host.open_window()
        qtbot.addWidget(window)
        assert window.encrypt_action.isVisible()
        window.context.set_account(sign_in(database, name="clerk", password="demo"))
        assert window.ask_to_encrypt() is None  # a 乡镇经办人 may not
        assert window.explanation is not None and "需要管理员权限" in window.explanation.text()
        window.explanation.close()
        window.context.set_account(sign_in(database, name="admin", password="demo"))
        dialog = window.ask_to_encrypt()
        assert dialog is not None
        dialog.password_edit.setText("demo")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: host.recovery_dialog is not None)
        assert host.database.encrypted and cipher.looks_encrypted(db)
        assert host.window is not None and not host.window.encrypt_action.isVisible()
        assert host.window.context.account is not None and host.window.context.account.name == "admin"
        shown = host.recovery_dialog
        assert isinstance(shown, RecoveryCodeDialog)
        assert not shown.ok_button.isEnabled()  # only once the code is printed or copied
        shown.kept.setChecked(True)
        assert not shown.ok_button.isEnabled()  # and its last group typed back from the paper
        shown.last_group_edit.setText(shown.code[-4:])
        assert shown.ok_button.isEnabled()
        shown.grab().save(str(tmp_path / "recovery.png"))
        assert recovery_unconfirmed(db)
        shown.ok_button.click()
        assert shown.result() == shown.DialogCode.Accepted and not recovery_unconfirmed(db)
    finally:
        if host.window is not None:
            host.window.close()
        host.close()
    with pytest.raises(KeyRefused):
        open_database(db)  # from now on only an account opens it


def test_a_code_nobody_confirmed_is_said_over_the_pages_and_a_new_one_voids_it(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str], cleanup: None
) -> None:
    """The program killed while the code was on the screen (here: shown by ``demo`` with no one to confirm):
    the window says so on opening; the 管理员 regenerates it from the reminder; the old code opens nothing,
    the new one does, every account still signs in, and once confirmed the reminder is gone."""
    from fupin_desktop.domain.keyslots import key_from_recovery_code
    from fupin_desktop.services.accounts import sign_in

    db = tmp_path / "station.db"
    [old] = re.findall(r"(?:[A-Z2-7]{4}-){13}[A-Z2-7]{4}", demo(db, capsys))
    database = opener(db)("reviewer", "demo")  # type: ignore[operator]
    host = WindowHost(database, None, None, auto_backup=False)
    try:
        window = host.open_window()
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        window.context.set_account(sign_in(database, name="reviewer", password="demo"))
        assert window.recovery_reminder.isVisible() and "没有确认" in window.recovery_reminder.text.text()
        assert not window.recovery_reminder.button.isVisible() and not window.new_code_action.isVisible()
        window.grab().save(str(tmp_path / "reminder.png"))
        window.context.set_account(sign_in(database, name="admin", password="demo"))
        assert window.recovery_reminder.button.isVisible() and window.new_code_action.isVisible()
        qtbot.mouseClick(window.recovery_reminder.button, Qt.MouseButton.LeftButton)
        dialog = next(child for child in window.findChildren(QDialog) if child.windowTitle() == "重新生成恢复码")
        dialog.password_edit.setText("wrong")  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
        assert dialog.isVisible() and "密码不正确" in dialog.message.text()  # type: ignore[attr-defined]
        dialog.password_edit.setText("demo")  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: host.recovery_dialog is not None)
        shown = host.recovery_dialog
        assert isinstance(shown, RecoveryCodeDialog) and shown.windowTitle() == "新的恢复码"
        assert shown.code != old and "旧恢复码已作废" in shown.findChild(QLabel).text()  # type: ignore[union-attr]
        new_key, old_key = key_from_recovery_code(shown.code), key_from_recovery_code(old)
        assert new_key is not None and old_key is not None
        assert cipher.key_opens(db, new_key) and not cipher.key_opens(db, old_key)
        assert host.window is not None and host.window.context.account.name == "admin"  # type: ignore[union-attr]
        assert host.window.recovery_reminder.isVisibleTo(host.window)  # until the new one is confirmed
        shown.last_group_edit.setText(shown.code[-4:])
        shown.kept.setChecked(True)
        shown.ok_button.click()
        assert not recovery_unconfirmed(db) and not host.window.recovery_reminder.isVisibleTo(host.window)
    finally:
        if host.window is not None:
            host.window.close()
        host.close()
    for name in ("admin", "reviewer"):
        assert data_key_for(db, name=name, password="demo") == new_key


def test_a_code_already_copied_is_confirmed_from_the_reminder_without_a_new_one(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str], cleanup: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`init` on the command line showed the code and the station head copied it; the window offered only
    重新生成恢复码. 已抄好，确认… takes the copied code: a wrong one is refused, the right one ends the reminder."""
    from fupin_desktop.services.accounts import sign_in
    from fupin_desktop.ui import main_window

    db = tmp_path / "station.db"
    [code] = re.findall(r"(?:[A-Z2-7]{4}-){13}[A-Z2-7]{4}", demo(db, capsys))
    database = opener(db)("reviewer", "demo")  # type: ignore[operator]
    host = WindowHost(database, None, None, auto_backup=False)
    refused: list[str] = []
    monkeypatch.setattr(main_window.messages, "show_error", lambda _p, error, *_a: refused.append(str(error)))
    try:
        window = host.open_window()
        qtbot.addWidget(window)
        window.show()
        window.context.set_account(sign_in(database, name="reviewer", password="demo"))
        assert not window.recovery_reminder.confirm_button.isVisible()  # the 管理员's, like the new code
        window.context.set_account(sign_in(database, name="admin", password="demo"))
        assert window.recovery_reminder.confirm_button.isVisible()
        assert not window.confirm_copied_code(code[:-1] + ("A" if code[-1] != "A" else "B"))
        assert refused and "恢复码" in refused[-1] and window.recovery_reminder.isVisible()
        assert recovery_unconfirmed(db)
        assert window.confirm_copied_code(code.lower())
        assert not recovery_unconfirmed(db) and not window.recovery_reminder.isVisible()
    finally:
        if host.window is not None:
            host.window.close()
