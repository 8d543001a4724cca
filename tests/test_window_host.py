"""The one step that swaps the database under the window (a restore, an encryption, another location):
whoever is signed in to the new database is asked once, and only when nobody already is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fupin_desktop.cli import main
from fupin_desktop.domain.accounts import Actor
from fupin_desktop.services.accounts import sign_in
from fupin_desktop.services.backups import back_up
from fupin_desktop.services.encryption import data_key_for, is_encrypted_file
from fupin_desktop.ui.app import open_for_window
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.window_host import WindowHost


@pytest.fixture
def host(tmp_path: Path, qtbot: QtBot) -> Iterator[WindowHost]:
    """A plain demo station (it has accounts) in its window, signed in as its 管理员."""
    path = tmp_path / "station.db"
    assert main(["--db", str(path), "demo", "--plain", "--households", "15"]) == 0
    database, lock = open_for_window(path)
    window_host = WindowHost(database, lock, None, auto_backup=False)
    window = window_host.open_window()
    window.context.set_account(sign_in(database, name="admin", password="demo"))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # a window closed by a cancelled sign-in must not end the test run
    yield window_host
    if window_host.window is not None:
        window_host.window.close()
    window_host.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.setQuitOnLastWindowClosed(quit_on_close)


@pytest.fixture
def sign_ins(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every 切换用户 asked of the user (answered as 审核人, or cancelled once ``sign_ins`` holds "cancel")."""
    asked: list[str] = []

    def switch_user(window: MainWindow) -> bool:
        asked.append(window.windowTitle())
        if "cancel" in asked:
            return False
        window.context.set_account(sign_in(window.context.database, name="reviewer", password="demo"))
        return True

    monkeypatch.setattr(MainWindow, "switch_user", switch_user)
    return asked


def test_moving_to_an_encrypted_file_signs_in_once(
    host: WindowHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sign_ins: list[str]
) -> None:
    default_file = tmp_path / "default" / "fupin.db"
    default_file.parent.mkdir()
    assert main(["--db", str(default_file), "demo", "--households", "10"]) == 0
    assert is_encrypted_file(default_file)
    monkeypatch.setattr("fupin_desktop.ui.window_host.default_database_path", lambda: default_file)
    unlocked: list[Actor] = []

    def sign_in_to_encrypted(path: Path) -> tuple[object, object, Actor]:
        """The sign-in dialog that opens the file, answered by the demo's 乡镇经办人."""
        database, lock = open_for_window(path, key=data_key_for(path, name="clerk", password="demo"))
        unlocked.append(sign_in(database, name="clerk", password="demo"))
        return database, lock, unlocked[0]

    monkeypatch.setattr("fupin_desktop.ui.app.sign_in_to_encrypted", sign_in_to_encrypted)
    first = host.window

    host.reopen(None)

    assert host.window is not None and host.window is not first and host.window.isVisible()
    assert host.database.path == default_file and host.database.encrypted
    assert host.window.context.account == unlocked[0]
    assert sign_ins == []  # the password typed to open the file is the sign-in: not asked a second time


def test_a_restore_asks_who_signs_in_to_the_restored_file(
    host: WindowHost, tmp_path: Path, sign_ins: list[str]
) -> None:
    made = back_up(host.database, folder=tmp_path / "备份")

    host.restore(made.path)

    assert host.window is not None and host.window.isVisible()
    assert len(sign_ins) == 1
    assert host.window.context.account is not None and host.window.context.account.name == "reviewer"
    assert host.notice is not None and "已从备份" in host.notice.text()


def test_a_sign_in_cancelled_after_the_swap_leaves_no_window_open(
    host: WindowHost, tmp_path: Path, sign_ins: list[str]
) -> None:
    made = back_up(host.database, folder=tmp_path / "备份")
    sign_ins.append("cancel")

    host.restore(made.path)

    assert host.window is not None and not host.window.isVisible()
    assert host.notice is None  # nothing is said over a window nobody may use
