"""What holds the open database, its lock file and the main window for the whole run: so that a
restore can close the window, release the engine, replace the file and open it again; and so that
a damaged file is met with the offer of its newest sound backup."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLockFile, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from fupin_desktop.domain.accounts import Actor
from fupin_desktop.services import backups
from fupin_desktop.services.encryption import is_encrypted_file
from fupin_desktop.store.db import Database, default_database_path, open_database
from fupin_desktop.store.errors import DatabaseDamaged
from fupin_desktop.ui import messages
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.tasks import TaskControl, run_task

log = logging.getLogger(__name__)

APP_DISPLAY_NAME = "扶贫就业信息采集"
# Below this size the quick check runs before the window opens (about 1.5 ms per MB of a plain file, three
# times that of an encrypted one, whose every page is decrypted); a bigger file (a county) is checked in the
# background after the first paint, every write waiting for its verdict, and blocked if it fails.
CHECK_BEFORE_OPEN_BYTES = 32 * 1024 * 1024
CHECK_ENCRYPTED_BEFORE_OPEN_BYTES = 8 * 1024 * 1024


def check_before_open(path: Path) -> bool:
    if not path.exists():
        return True
    size = path.stat().st_size
    return size <= (CHECK_ENCRYPTED_BEFORE_OPEN_BYTES if is_encrypted_file(path) else CHECK_BEFORE_OPEN_BYTES)


class WindowHost(QObject):
    def __init__(
        self,
        database: Database,
        lock: QLockFile | None,
        log_path: Path | None,
        *,
        auto_backup: bool = True,
        checked: bool = True,
    ) -> None:
        super().__init__()
        self.database = database
        self.lock = lock
        self.log_path = log_path
        self.auto_backup = auto_backup
        self.checked = checked
        self.window: MainWindow | None = None
        self.notice: QMessageBox | None = None
        self.recovery_dialog: QWidget | None = None

    def open_window(self) -> MainWindow:
        from fupin_desktop.ui.app import create_main_window

        # A server has no file to back up: pg_dump on the server instead (the 备份与恢复 entry says so).
        auto_backup = self.auto_backup and not self.database.read_only and not self.database.is_server
        window = create_main_window(self.database, self.log_path, auto_backup=auto_backup)
        # Queued: the window (and the dialog that asked) is torn down only after the click has returned.
        window.restore_requested.connect(self.restore, Qt.ConnectionType.QueuedConnection)
        window.location_requested.connect(self.reopen, Qt.ConnectionType.QueuedConnection)
        window.encrypt_requested.connect(self.encrypt, Qt.ConnectionType.QueuedConnection)
        window.new_code_requested.connect(self.new_code, Qt.ConnectionType.QueuedConnection)
        self.window = window
        return window

    def after_first_paint(self) -> None:
        """The quick check that was left for later on a big file: run it off the UI thread (every write
        waits for its verdict meanwhile, store/db.py)."""
        if self.checked:
            return
        self.checked = True
        database = self.database

        def work(_control: TaskControl) -> str | None:
            if database.check_pending:
                return database.run_deferred_check()
            return backups.damage_found(database.path, database.key) if database.path is not None else None

        run_task(self.window, "检查数据库文件", work, self._checked, self._check_failed, cancellable=False, quiet=True)

    def _check_failed(self, error: BaseException) -> None:
        log.error("数据库文件检查无法完成（%s），已禁止写入", type(error).__name__)
        self._checked(self.database.read_only_reason or messages.describe(error))

    def _checked(self, damage: str | None) -> None:
        if damage is None:
            return
        log.error("数据库文件检查未通过，已禁止写入")
        self.database.block_writes(damage)
        if self.window is not None:
            self.window.auto_backup = False
            self.window.backup_timer.stop()
            self.window.refresh_title()
            self._tell(QMessageBox.Icon.Critical, "数据库文件已损坏", damage)

    def restore(self, backup: Path) -> None:
        """Restore ``backup`` over the open file (the lock stays ours) and reopen it; a refused restore
        reopens the file as it was."""
        operator = self.window.context.actor if self.window is not None else "未登录"
        path, key = self.database.path, self.database.key
        assert path is not None  # the action is shown for a file only
        result: backups.RestoreResult | None = None
        error: BaseException | None = None

        def restored() -> tuple[Database, Actor | None]:
            nonlocal result, error
            try:
                result = backups.restore_backup(target=path, backup=backup, actor=operator, key=key)
            except messages.EXPECTED_ERRORS as failure:
                error = failure
            return open_database(path, key=key), None

        if not self._swap_database(restored):
            return
        if error is not None:
            self._tell(QMessageBox.Icon.Warning, "恢复未完成", f"数据库未被替换。{messages.describe(error)}")
        elif result is not None:
            aside = f"\n原来的文件另存为“{result.kept_aside}”。" if result.kept_aside is not None else ""
            self._tell(
                QMessageBox.Icon.Information,
                "已恢复",
                f"已从备份“{backup.name}”恢复（{result.households}户、{result.people}人）。{aside}",
            )

    def reopen(self, location: str | None) -> None:
        """Another database chosen in 设置 → 数据库位置 (a server's address, or None: this computer's
        default file): this window closes and one on the chosen database opens, signed in again. When
        the chosen one cannot be opened, the window stays on the database it had, and says why."""
        from fupin_desktop.services.encryption import is_encrypted_file
        from fupin_desktop.ui.app import (
            ask_station_profile,
            open_for_window,
            open_server_for_window,
            sign_in_to_encrypted,
        )

        if location is None and self.database.path == default_database_path():
            self._tell(QMessageBox.Icon.Information, "数据库位置", "已经在使用本机的数据库文件。")
            return
        account: Actor | None = None
        try:
            if location is None and is_encrypted_file(default_database_path()):
                unlocked = sign_in_to_encrypted(default_database_path())  # the file opens with an account's key
                if unlocked is None:
                    return
                database, lock, account = unlocked
            elif location is None:
                database, lock = open_for_window(None)
            else:
                database, lock = open_server_for_window(location, self.window), None
        except messages.EXPECTED_ERRORS as error:
            self._tell(
                QMessageBox.Icon.Warning, "无法打开所选数据库", f"仍在使用原来的数据库。{messages.describe(error)}"
            )
            return
        if database is None:  # the server's password was not given
            return
        chosen = database

        def moved() -> tuple[Database, Actor | None]:
            if self.lock is not None:
                self.lock.unlock()
            self.lock, self.checked = lock, True
            if not chosen.read_only:
                ask_station_profile(chosen)
            return chosen, account

        if self._swap_database(moved):
            log.info("已改用%s", "数据库服务器" if chosen.is_server else "本机数据库文件")

    def encrypt(self, name: str, password: str) -> None:
        """加密数据库: convert the open file (the lock stays ours) and reopen it encrypted with the 管理员
        signed in, then show the recovery code once. A refusal reopens the plain file."""
        from fupin_desktop.services.accounts import sign_in
        from fupin_desktop.services.encryption import data_key_for, encrypt_database
        from fupin_desktop.ui.encryption_dialogs import RecoveryCodeDialog

        path = self.database.path
        assert path is not None
        code: str | None = None
        error: BaseException | None = None

        def encrypted() -> tuple[Database, Actor | None]:
            nonlocal code, error
            try:
                code = encrypt_database(path, name=name, password=password).recovery_code
            except messages.EXPECTED_ERRORS as failure:
                error = failure
                return open_database(path), None
            database = open_database(path, key=data_key_for(path, name=name, password=password))
            return database, sign_in(database, name=name, password=password)

        window = self._swap_database(encrypted)
        if window is None:
            return
        if error is not None:
            self._tell(QMessageBox.Icon.Warning, "未加密", f"数据库未改动。{messages.describe(error)}")
            return
        assert code is not None
        self.recovery_dialog = RecoveryCodeDialog(code, path.name, window, path=path)
        self.recovery_dialog.open()

    def new_code(self, name: str, password: str) -> None:
        """重新生成恢复码: close the window, release the engine (the lock stays ours), re-key, reopen with
        the 管理员 signed in, and show the new code once. A refusal reopens the file as it was."""
        from fupin_desktop.services.accounts import sign_in
        from fupin_desktop.services.encryption import data_key_for, regenerate_recovery_code
        from fupin_desktop.ui.encryption_dialogs import RecoveryCodeDialog

        path = self.database.path
        assert path is not None
        code: str | None = None
        error: BaseException | None = None

        def rekeyed() -> tuple[Database, Actor | None]:
            nonlocal code, error
            try:
                code = regenerate_recovery_code(path, name=name, password=password).recovery_code
            except messages.EXPECTED_ERRORS as failure:
                error = failure
            database = open_database(path, key=data_key_for(path, name=name, password=password))
            return database, sign_in(database, name=name, password=password)

        window = self._swap_database(rekeyed)
        if window is None:
            return
        if error is not None:
            self._tell(QMessageBox.Icon.Warning, "未重新生成恢复码", f"数据库未改动。{messages.describe(error)}")
            return
        assert code is not None
        self.recovery_dialog = RecoveryCodeDialog(code, path.name, window, path=path, new=True)
        self.recovery_dialog.finished.connect(lambda _result: self._after_new_code(window))
        self.recovery_dialog.open()

    def _after_new_code(self, window: MainWindow) -> None:
        from fupin_desktop.services.encryption import recovery_unconfirmed

        if self.window is window:
            window.recovery_reminder.setVisible(recovery_unconfirmed(self.database.path))

    def _swap_database(self, replace: Callable[[], tuple[Database, Actor | None]]) -> MainWindow | None:
        """The one way the database under the window changes (a restore, an encryption, another location).

        The window closes with its pages' models and sessions, the engine is disposed, ``replace`` changes
        the file or hands over the other database (with the account already signed in to it, if any), and
        a window opens on it: for that account, or for one who signs in when the database has accounts.
        None when no window is left: the user would not sign in (the program ends as at start), or the
        file cannot be opened again (said, and the program quits)."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        quit_on_close = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)
        try:
            self._close_window()
            self.database.dispose()
            try:
                self.database, account = replace()
            except messages.EXPECTED_ERRORS as failure:
                QMessageBox.critical(None, APP_DISPLAY_NAME, messages.describe(failure))
                app.quit()
                return None
            window = self.open_window()
            window.show()
            if account is not None:
                window.context.set_account(account)
        finally:
            app.setQuitOnLastWindowClosed(quit_on_close)
        # A database with accounts: its window is only for one signed in to it.
        if account is None and window.switch_user_action.isVisible() and not window.switch_user():
            window.close()
            return None
        return window

    def _close_window(self) -> None:
        window = self.window
        if window is None:
            return
        window.auto_backup = False  # the file about to be replaced is kept aside instead
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()  # sessions of the old pages go now, before the engine is disposed
        self.window = None

    def _tell(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        """A message over the window that does not block (tests read ``notice``)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.window)
        self.notice = box
        box.open()

    def close(self) -> None:
        self.database.dispose()
        if self.lock is not None:
            self.lock.unlock()


def recover_damaged(
    path: Path, error: DatabaseDamaged, parent: QWidget | None = None, key: bytes | None = None
) -> bool | None:
    """The damaged file met on opening: True to restore the newest sound backup, False to open it
    read-only to look, None to quit."""
    newest = backups.newest_sound_backup(path, key)
    box = QMessageBox(QMessageBox.Icon.Critical, APP_DISPLAY_NAME, str(error), QMessageBox.StandardButton.NoButton)
    box.setParent(parent)
    box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 560px; }")
    restore = box.addButton("恢复最新的完好备份", QMessageBox.ButtonRole.AcceptRole) if newest is not None else None
    look = box.addButton("只读打开", QMessageBox.ButtonRole.ActionRole)
    quit_button = box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(quit_button)
    box.exec()
    clicked = box.clickedButton()
    if restore is not None and clicked is restore:
        return True
    if clicked is look:
        return False
    return None


def open_damaged(path: Path, *, restore: bool, actor: str = "未登录", key: bytes | None = None) -> Database:
    """After ``recover_damaged``: restore the newest sound backup and open it, or open read-only."""
    if restore:
        newest = backups.newest_sound_backup(path, key)
        if newest is not None:
            backups.restore_backup(target=path, backup=newest, actor=actor, key=key)
            return open_database(path, key=key)
    return open_database(path, read_only=True, key=key)


def schedule_after_first_paint(host: WindowHost) -> None:
    QTimer.singleShot(0, host.after_first_paint)
