"""设置 → 数据库位置: the window moves to a county server and back, and what only a file has says it does
not apply there — in the window (备份与恢复, the automatic backup, the lock file) as on the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from fupin_desktop.cli import main
from fupin_desktop.store import location
from fupin_desktop.store.db import open_database
from fupin_desktop.store.postgres import BACKUP_INSTEAD
from fupin_desktop.ui.app import open_for_window
from fupin_desktop.ui.location_dialog import LocationDialog
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.window_host import WindowHost
from tests.conftest import PostgresServer


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's settings file, in the test's folder (never the developer's own)."""
    path = tmp_path / "config" / "database.json"
    monkeypatch.setattr(location, "settings_path", lambda: path)
    return path


@pytest.fixture
def server_url(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create()
    assert main(["--db", url, "demo", "--households", "30"]) == 0
    yield url
    postgres_server.drop(url)


@pytest.fixture
def host(tmp_path: Path, qtbot: QtBot) -> Iterator[WindowHost]:
    path = tmp_path / "station.db"
    assert main(["--db", str(path), "demo", "--plain", "--households", "20"]) == 0
    database, lock = open_for_window(path)
    window_host = WindowHost(database, lock, None, auto_backup=True)
    window_host.open_window()  # not given to qtbot: the host deletes a window it replaces, and closes the last
    yield window_host
    if window_host.window is not None:
        window_host.window.close()
    window_host.close()


def _dialog(window: MainWindow, qtbot: QtBot) -> LocationDialog:
    window.location_action.trigger()
    dialog = window.location_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def test_testing_the_connection_says_what_the_server_holds_and_writes_nothing(
    host: WindowHost, qtbot: QtBot, server_url: str, settings: Path
) -> None:
    assert host.window is not None
    dialog = _dialog(host.window, qtbot)
    assert dialog.on_file.isChecked() and not dialog.server_box.isEnabled()
    dialog.on_server.setChecked(True)
    dialog.address.setText(server_url)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "连接成功" in dialog.message.text(), timeout=20_000)
    assert "最新版本" in dialog.message.text()
    assert not settings.exists()
    dialog.address.setText("county-server/fupin")
    dialog.test_button.click()
    assert "postgresql://" in dialog.message.text()


def test_the_window_moves_to_the_server_remembers_it_and_comes_back_to_its_file(
    host: WindowHost, qtbot: QtBot, server_url: str, settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = host.window
    assert first is not None
    signed_in: list[str] = []
    monkeypatch.setattr(MainWindow, "switch_user", lambda window: signed_in.append(window.windowTitle()) or True)
    dialog = _dialog(first, qtbot)
    dialog.on_server.setChecked(True)
    dialog.address.setText(server_url)
    dialog.password.setText("not-kept")
    monkeypatch.setattr("fupin_desktop.ui.app.ask_station_profile", lambda _db: True)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: host.window is not None and host.window is not first, timeout=20_000)
    window = host.window
    assert window is not None
    assert host.database.is_server and host.lock is None
    assert "[数据库服务器]" in window.windowTitle() and signed_in  # the server's accounts: signed in again
    assert location.remembered_location() == location.without_password(server_url)
    assert "not-kept" not in settings.read_text(encoding="utf-8")
    assert "postgresql://" in window.file_label.text()
    assert not window.auto_backup and not window.backup_timer.isActive()

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a: told.append(text))
    assert window.open_backups() is None
    assert told == [f"数据库在服务器上，备份与恢复不适用：{BACKUP_INSTEAD}"]
    assert "pg_dump" in BACKUP_INSTEAD

    # Back to this computer's file: the default one (here in the test's folder), new, so its first start asks
    # for the station profile.
    default_file = settings.parent / "fupin.db"
    monkeypatch.setattr("fupin_desktop.store.db.default_database_path", lambda: default_file)
    monkeypatch.setattr("fupin_desktop.ui.window_host.default_database_path", lambda: default_file)
    asked: list[str] = []
    monkeypatch.setattr("fupin_desktop.ui.app.ask_station_profile", lambda db: asked.append(db.location) or True)
    dialog = _dialog(window, qtbot)
    dialog.on_file.setChecked(True)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: host.window is not None and host.window is not window, timeout=20_000)
    assert host.window is not None
    assert not host.database.is_server and host.database.path == default_file
    assert host.lock is not None and location.remembered_location() is None
    assert asked == [str(default_file)]


def test_a_server_that_cannot_be_opened_leaves_the_window_on_its_file(
    host: WindowHost, qtbot: QtBot, tmp_path: Path, settings: Path
) -> None:
    first = host.window
    assert first is not None
    before = host.database
    host.reopen(f"postgresql://clerk@/county?host={tmp_path}/no-server")
    assert host.window is first and host.database is before
    assert host.notice is not None and "仍在使用原来的数据库" in host.notice.text()
    assert "无法连接" in host.notice.text()


def test_what_only_a_file_has_says_what_to_use_on_a_server(
    server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["backup"], ["backup", "--out", str(tmp_path)], ["restore", str(tmp_path / "x.db")]):
        assert main(["--db", server_url, *command]) == 2
        err = capsys.readouterr().err
        assert "数据库在服务器上" in err and "pg_dump" in err and "Traceback" not in err
    assert main(["--db", server_url, "check"]) == 0
    assert "文件完整性检查不适用" in capsys.readouterr().out
    database = open_database(server_url)
    try:
        assert database.is_server and database.path is None
    finally:
        database.dispose()


def test_the_program_opens_its_window_on_a_server_given_with_db(server_url: str) -> None:
    import os
    import subprocess
    import sys

    started = subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", server_url, "--measure-startup"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert "主窗口首次绘制" in started.stdout
