"""备份与恢复 in the window: the list, 立即备份, restoring through the window host, backups opened
directly, the automatic backup, and the check of a big file after the first paint."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import delete

from fupin_desktop.services.backups import back_up
from fupin_desktop.store.backup import check_database_file, list_backups
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import DatabaseDamaged, DatabaseLocked, DatabaseReadOnly
from fupin_desktop.store.models import Intention
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import messages
from fupin_desktop.ui.app import lock_database, open_damaged_for_window, open_for_window
from fupin_desktop.ui.backup_dialog import BackupDialog
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.window_host import WindowHost, open_damaged
from tests.test_backups import NOW, counts, damage, fill, lose_visits


@pytest.fixture
def host(tmp_path: Path, qtbot: QtBot) -> Iterator[WindowHost]:
    path = tmp_path / "station.db"
    database = open_database(path)
    fill(database, 60)
    database.dispose()
    database, lock = open_for_window(path)
    window_host = WindowHost(database, lock, None, auto_backup=False)
    yield window_host
    if window_host.window is not None:
        window_host.window.close()
    window_host.close()


def settle(database: Database) -> None:
    """Date the file's last change ten seconds back, as if it had been written a while before."""
    past = time.time() - 10
    for path in (database.path, database.path.with_name(database.path.name + "-wal")):
        if path.exists():
            os.utime(path, (past, past))


def open_dialog(window: MainWindow, qtbot: QtBot) -> BackupDialog:
    window.backup_action.trigger()
    dialog = window.backup_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def test_the_dialog_lists_backups_with_counts_and_backs_up_now(
    host: WindowHost, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    back_up(host.database, now=NOW - timedelta(days=1))
    window = host.open_window()
    qtbot.addWidget(window)
    dialog = open_dialog(window, qtbot)
    assert dialog.model.rowCount() == 1
    qtmodeltester.check(dialog.model)
    assert dialog.model.record(0).households == 60
    assert "备份文件夹" in dialog.folder_label.text() and "备份" in dialog.folder_label.text()

    dialog.backup_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=20_000)
    assert "已备份并检查完好" in dialog.status.text()
    texts = [dialog.model.data(dialog.model.index(0, column)) for column in range(dialog.model.columnCount())]
    assert texts[2] == "60" and texts[5].startswith("station-备份-")


def test_a_usb_folder_can_be_chosen(host: WindowHost, qtbot: QtBot, tmp_path: Path) -> None:
    window = host.open_window()
    qtbot.addWidget(window)
    dialog = open_dialog(window, qtbot)
    usb = tmp_path / "media" / "U盘"
    usb.mkdir(parents=True)
    dialog.change_folder(usb)
    assert str(usb) in dialog.folder_label.text()
    dialog.backup_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=20_000)
    assert len(list_backups(usb, "station")) == 1


def test_restore_from_the_dialog_reopens_the_restored_file(
    host: WindowHost, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(host.database)
    back_up(host.database, now=NOW)
    lose_visits(host.database)
    old_window = host.open_window()
    old_window.show()
    dialog = open_dialog(old_window, qtbot)
    questions: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda _p, _t, text, *_a: questions.append(text) or True)

    dialog.restore_button.click()

    assert questions and "替换当前数据库" in questions[0]
    qtbot.waitUntil(lambda: host.window is not None and host.window is not old_window, timeout=20_000)
    assert host.window is not None
    qtbot.addWidget(host.window)
    assert counts(host.database) == before
    assert host.notice is not None and "已从备份" in host.notice.text()
    assert len(list(host.database.path.parent.glob("station.恢复前-*.db"))) == 1
    with pytest.raises(DatabaseLocked):  # the lock stayed with this window the whole time
        lock_database(host.database.path)


def test_a_backup_opened_directly_is_marked_and_cannot_be_written(host: WindowHost, qtbot: QtBot) -> None:
    made = back_up(host.database, now=NOW)
    backup = open_database(made.path)
    try:
        window = MainWindow(backup, auto_backup=True)
        qtbot.addWidget(window)
        assert "备份" in window.windowTitle() and "只读" in window.windowTitle()
        dialog = open_dialog(window, qtbot)
        assert not dialog.backup_button.isEnabled() and not dialog.restore_button.isEnabled()
        assert "备份文件" in dialog.status.text()
        window.close()  # no automatic backup of a backup
        assert len(list_backups(made.path.parent)) == 1
    finally:
        backup.dispose()


def test_automatic_backups_in_the_background_and_on_close(host: WindowHost, qtbot: QtBot) -> None:
    settle(host.database)
    window = MainWindow(host.database, auto_backup=True)
    qtbot.addWidget(window)
    assert window.backup_timer.isActive() and window.backup_timer.interval() == 3 * 3600 * 1000
    window.back_up_in_background()
    qtbot.waitUntil(lambda: "已自动备份" in window.statusBar().currentMessage(), timeout=20_000)
    folder = host.database.path.parent / "备份"
    first = list_backups(folder, "station")
    assert len(first) == 1
    qtbot.wait(1100)  # the next backup gets the next second in its name
    window.back_up_in_background()  # nothing changed since: no new backup
    assert window.backup_task is None
    lose_visits(host.database)
    window.close()
    newest, earlier = list_backups(folder, "station")  # both of the last day are kept
    assert earlier.path == first[0].path and newest.made_at > earlier.made_at
    assert check_database_file(newest.path).count("visit") == 0


def test_closing_without_a_change_makes_no_new_backup(host: WindowHost, qtbot: QtBot) -> None:
    settle(host.database)
    made = back_up(host.database)
    window = MainWindow(host.database, auto_backup=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(1100)
    window.close()
    assert [b.path for b in list_backups(made.path.parent, "station")] == [made.path]


def test_a_big_file_checked_after_first_paint_blocks_writes_when_damaged(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "county.db"
    database = open_database(path)
    fill(database, 150)
    back_up(database, now=NOW)
    database.dispose()
    database, lock = open_for_window(path, check_later=True)  # as for a file over the size limit
    host = WindowHost(database, lock, None, auto_backup=True, checked=False)
    try:
        window = host.open_window()
        qtbot.addWidget(window)
        damage(path)  # pages the first screen did not read
        host.after_first_paint()
        # writes stop in the checking thread, the title follows when the window hears of it (on a loaded
        # machine, a moment later)
        qtbot.waitUntil(lambda: database.read_only and "已损坏" in window.windowTitle(), timeout=20_000)
        assert host.notice is not None and "最新的完好备份" in host.notice.text()
        assert not window.backup_timer.isActive()
        with pytest.raises(DatabaseReadOnly), UnitOfWork(database, "测试员") as uow:
            uow.session.execute(delete(Intention))
        dialog = open_dialog(window, qtbot)  # the way out: its newest backup
        assert not dialog.backup_button.isEnabled() and dialog.restore_button.isEnabled()
        monkeypatch.setattr(messages, "confirm", lambda *_args: True)
        dialog.restore_button.click()
        qtbot.waitUntil(lambda: host.window is not window, timeout=20_000)
        assert host.window is not None
        qtbot.addWidget(host.window)
        assert not host.database.read_only and "已损坏" not in host.window.windowTitle()
        assert counts(host.database)["household"] == 150
    finally:
        if host.window is not None:
            host.window.close()
        host.close()


def test_a_damaged_file_opened_for_the_window_can_be_restored_from_its_newest_backup(tmp_path: Path) -> None:
    path = tmp_path / "station.db"
    database = open_database(path)
    fill(database, 150)
    before = counts(database)
    back_up(database, now=NOW)
    database.dispose()
    damage(path)
    restored = open_damaged(path, restore=True)
    try:
        assert not restored.read_only and counts(restored) == before
    finally:
        restored.dispose()
    damage(path)
    looking = open_damaged(path, restore=False)
    try:
        assert looking.read_only and "已损坏" in (looking.read_only_reason or "")
    finally:
        looking.dispose()


def test_opening_a_damaged_file_offers_its_newest_backup(tmp_path: Path, qtbot: QtBot) -> None:
    path = tmp_path / "station.db"
    database = open_database(path)
    fill(database, 150)
    before = counts(database)
    made = back_up(database, now=NOW)
    database.dispose()
    damage(path)
    with pytest.raises(DatabaseDamaged) as refused:
        open_for_window(path)
    shown: list[str] = []

    def choose_restore() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        next(b for b in box.buttons() if b.text() == "恢复最新的完好备份").click()

    QTimer.singleShot(200, choose_restore)
    opened = open_damaged_for_window(path, refused.value)
    assert opened is not None
    restored, lock = opened
    try:
        assert shown and str(made.path) in shown[0]
        assert not restored.read_only and counts(restored) == before
    finally:
        restored.dispose()
        lock.unlock()


def test_a_failed_restore_reopens_the_current_file_untouched(host: WindowHost, qtbot: QtBot) -> None:
    settle(host.database)
    made = back_up(host.database, now=NOW)
    before = counts(host.database)
    old_window = host.open_window()
    old_window.show()
    damage(made.path, pages=2)

    host.restore(made.path)

    assert host.window is not None and host.window is not old_window
    qtbot.addWidget(host.window)
    assert not host.database.read_only and counts(host.database) == before
    assert host.notice is not None and "恢复未完成" in host.notice.windowTitle()
    assert "已损坏" in host.notice.text()
    assert list(host.database.path.parent.glob("station.恢复前-*")) == []


def test_the_window_paints_before_a_slow_check_and_a_write_meanwhile_waits_then_is_refused(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.ui.app import FirstPaintProbe
    from fupin_desktop.ui.window_host import schedule_after_first_paint
    from tests.test_check_later import SlowCheck

    path = tmp_path / "county.db"
    database = open_database(path)
    fill(database, 150)
    back_up(database, now=NOW)
    database.dispose()
    slow = SlowCheck(monkeypatch)
    database, lock = open_for_window(path, check_later=True)  # as run_gui opens a file over the size limit
    host = WindowHost(database, lock, None, auto_backup=True, checked=False)
    try:
        window = host.open_window()
        qtbot.addWidget(window)
        damage(path)  # pages the first screen did not read
        probe = FirstPaintProbe(window)
        probe.painted.connect(lambda _seconds: schedule_after_first_paint(host))
        window.show()
        qtbot.waitUntil(lambda: probe.seconds is not None, timeout=20_000)  # painted, the check not even begun
        qtbot.waitUntil(slow.started.is_set, timeout=20_000)  # then the check, in the background
        assert database.check_pending and "已损坏" not in window.windowTitle()
        release = threading.Timer(0.5, slow.release)
        release.start()
        started = time.perf_counter()
        with pytest.raises(DatabaseReadOnly, match="最新的完好备份"), UnitOfWork(database, "测试员") as uow:
            uow.session.execute(delete(Intention))  # a save from the window while the check runs
        assert time.perf_counter() - started >= 0.4, "the write did not wait for the check's verdict"
        qtbot.waitUntil(lambda: "已损坏" in window.windowTitle(), timeout=20_000)
        assert host.notice is not None and "最新的完好备份" in host.notice.text()
        assert not window.backup_timer.isActive()
        release.join()
    finally:
        slow.release()
        if host.window is not None:
            host.window.auto_backup = False  # a failure above must not end in the close's backup dialog
            host.window.close()
        host.close()
