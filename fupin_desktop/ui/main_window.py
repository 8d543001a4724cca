"""The main window: one tab per page (ui/pages.py), the status bar with operator, file and counts;
备份与恢复 in the 设置 menu, with an automatic backup on close and every few hours.

Only the page shown first is built with the window; every other page is built the first time its tab
is chosen (it then reads the database as it is at that moment, so it is never stale).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.clock import today
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.services import backups
from fupin_desktop.services.accounts import accounts_in_force
from fupin_desktop.services.deadlines import next_reminder
from fupin_desktop.services.encryption import confirm_recovery_code, recovery_unconfirmed
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.location import backups_on_server
from fupin_desktop.services.overview import count_records
from fupin_desktop.store.db import Database
from fupin_desktop.store.errors import StoreError
from fupin_desktop.ui import messages
from fupin_desktop.ui.backup_dialog import BackupDialog
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.encryption_dialogs import EncryptDialog, NewCodeDialog, RecoveryReminder
from fupin_desktop.ui.idle_lock import DEFAULT_MINUTES, SETTING_KEY, IdleWatch
from fupin_desktop.ui.location_dialog import LocationDialog
from fupin_desktop.ui.pages import PAGES, PageSpec
from fupin_desktop.ui.profile_dialog import ProfileDialog
from fupin_desktop.ui.screen_fit import initial_geometry, restore_window, save_window
from fupin_desktop.ui.tasks import Task, TaskControl, run_task

log = logging.getLogger(__name__)


def window_title(database: Database) -> str:
    if database.is_backup:
        mark = " [备份 · 只读]"
    elif database.read_only:
        mark = " [已损坏 · 只读]"
    else:
        mark = ""
    # The application display name is added by Qt on every platform: the title names only the file.
    if database.path is None:
        return f"{database.location} [数据库服务器]"
    return f"{database.path.name}{mark}"


def idle_minutes(settings: QSettings | None) -> float:
    """The idle time before the window locks (QSettings ``idle_lock_minutes``; 0 never locks)."""
    value = settings.value(SETTING_KEY, DEFAULT_MINUTES) if settings is not None else DEFAULT_MINUTES
    try:
        return max(0.0, float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_MINUTES


class MainWindow(QMainWindow):
    # The user chose a backup to restore: the window host closes this window and restores it.
    restore_requested = Signal(Path)
    # The user chose another database (a server address, or None for the default file): the host reopens.
    location_requested = Signal(object)
    # A 管理员 asked to encrypt the plain file (name, password): the window host closes, converts, reopens.
    encrypt_requested = Signal(str, str)
    # A 管理员 asked for a new recovery code (name, password): the window host closes, re-keys, reopens.
    new_code_requested = Signal(str, str)

    def __init__(self, database: Database, settings: QSettings | None = None, *, auto_backup: bool = False) -> None:
        """``settings`` remembers the window between sessions (the app passes the user's QSettings);
        without it the window opens at its first size and remembers nothing."""
        super().__init__()
        self.context = AppContext(database, self)
        self.settings = settings
        self.refresh_title()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._unbuilt: dict[int, PageSpec] = {}
        for index, spec in enumerate(PAGES):
            if index == 0:
                page = spec.create(self.context)
                self.tabs.addTab(page, spec.title)
                self._add_page_menu(page, spec)
            else:
                self.tabs.addTab(_PageSlot(), spec.title)
                self._unbuilt[index] = spec
        self.tabs.currentChanged.connect(self.build_page)
        self.recovery_reminder = RecoveryReminder()
        self.recovery_reminder.button.clicked.connect(self.ask_for_new_code)
        self.recovery_reminder.confirm_button.clicked.connect(lambda: self.confirm_copied_code())
        self.recovery_reminder.setVisible(not database.read_only and recovery_unconfirmed(database.path))
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.recovery_reminder)
        central_layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        settings_menu = self.menuBar().addMenu("设置(&S)")
        self.profile_action = QAction("本站信息…", self)
        self.profile_action.triggered.connect(self.edit_profile)
        settings_menu.addAction(self.profile_action)
        self.backup_action = QAction("备份与恢复(&B)…", self)
        self.backup_action.triggered.connect(self.open_backups)
        settings_menu.addAction(self.backup_action)
        self.accounts_action = QAction("账号管理(&A)…", self)
        self.accounts_action.triggered.connect(self.open_accounts)
        self.accounts_action.setVisible(database.read(accounts_in_force))
        settings_menu.addAction(self.accounts_action)
        self.location_action = QAction("数据库位置(&D)…", self)
        self.location_action.triggered.connect(self.choose_location)
        settings_menu.addAction(self.location_action)
        self.location_dialog: LocationDialog | None = None
        self.encrypt_action = QAction("加密数据库(&E)…", self)
        self.encrypt_action.triggered.connect(self.ask_to_encrypt)
        self.encrypt_action.setVisible(
            database.path is not None and not database.encrypted and not database.is_backup and not database.read_only
        )
        settings_menu.addAction(self.encrypt_action)
        self.new_code_action = QAction("重新生成恢复码(&R)…", self)
        self.new_code_action.triggered.connect(self.ask_for_new_code)
        self.new_code_action.setVisible(
            database.path is not None and database.encrypted and not database.is_backup and not database.read_only
        )
        settings_menu.addAction(self.new_code_action)
        self.switch_user_action = QAction("切换用户(&U)…", self)
        self.switch_user_action.triggered.connect(self.switch_user)
        self.switch_user_action.setVisible(database.read(accounts_in_force))
        settings_menu.addAction(self.switch_user_action)
        # Leaving the desk: hide the names on the screen now, not after the idle minutes.
        self.lock_action = QAction("锁定(&L)", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(lambda: self.lock_when_idle(by_hand=True))
        self.lock_action.setVisible(database.read(accounts_in_force))
        settings_menu.addAction(self.lock_action)
        self.context.guard(self.profile_action, Capability.STATION_SETTINGS)
        self.context.guard(self.accounts_action, Capability.MANAGE_ACCOUNTS)
        self.context.guard(self.new_code_action, Capability.MANAGE_ACCOUNTS)
        self.context.guard(self.recovery_reminder.button, Capability.MANAGE_ACCOUNTS)
        self.context.guard(self.recovery_reminder.confirm_button, Capability.MANAGE_ACCOUNTS)
        self.idle_watch = IdleWatch(idle_minutes(settings) * 60, self)
        self.lock_dialog: QDialog | None = None
        self.idle_watch.idle.connect(self.lock_when_idle)
        self.profile_dialog: ProfileDialog | None = None
        self.backup_dialog: BackupDialog | None = None
        self.explanation: QMessageBox | None = None
        # Automatic backups (the program's own window only; tests switch them on where they test them).
        self.auto_backup = auto_backup
        self.backup_task: Task[backups.BackupResult] | None = None
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(backups.AUTOMATIC_INTERVAL_HOURS * 3600 * 1000)
        self.backup_timer.timeout.connect(self.back_up_in_background)
        if auto_backup:
            self.backup_timer.start()
        self.operator_label = QLabel()
        self.file_label = QLabel()
        self.counts_label = QLabel()
        self.deadline_label = QLabel()
        self.deadline_label.setStyleSheet("color: #a33;")
        self.statusBar().addWidget(self.operator_label)
        self.statusBar().addWidget(self.file_label, 1)
        self.statusBar().addPermanentWidget(self.deadline_label)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.context.data_changed.connect(self.refresh_status)
        self.context.profile_changed.connect(self.refresh_status)
        self.context.account_changed.connect(self.refresh_status)
        self.refresh_status()
        if settings is not None:
            restore_window(self, settings)
        else:
            initial_geometry(self)

    def refresh_title(self) -> None:
        self.setWindowTitle(window_title(self.context.database))

    def build_page(self, index: int) -> QWidget:
        """The page of tab ``index``, built now if it has not been shown before."""
        slot = self.tabs.widget(index)
        spec = self._unbuilt.pop(index, None)
        if spec is None or not isinstance(slot, _PageSlot):
            return slot
        page = spec.create(self.context)
        slot.layout().addWidget(page)
        slot.page = page
        page.show()
        return page

    def page(self, index: int) -> QWidget:
        """The page itself (built if needed), not the slot that holds its place in the tab bar."""
        widget = self.build_page(index)
        return widget.page if isinstance(widget, _PageSlot) and widget.page is not None else widget

    def switch_user(self) -> bool:
        """切换用户: another account signs in; the window stays as it is. False if cancelled.

        With nobody signed in yet (the window just reopened on a restored or moved file that has accounts)
        it is the sign-in itself: 登录, and the pages stay hidden until someone has signed in."""
        from fupin_desktop.ui.sign_in_dialog import SignInDialog

        signing_in = self.context.account is None
        dialog = SignInDialog(self.context.database, self, switching=not signing_in)
        if signing_in:
            self.centralWidget().hide()
        try:
            if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.actor is None:
                return False
            self.context.set_account(dialog.actor)
            return True
        finally:
            self.centralWidget().show()  # not signed in: the host closes the window at once

    def ask_to_encrypt(self) -> EncryptDialog | None:
        """加密数据库: only a signed-in 管理员, and only once the database has one (no account, no data)."""
        from fupin_desktop.domain.accounts import Role

        account = self.context.account
        if not self.context.database.read(accounts_in_force):
            self._explain(
                "此数据库还没有管理员账号，不能加密：加密后只有账号能打开它。"
                "请先用命令 user add 账号 --role 管理员 新建管理员，以该管理员登录后再加密。"
            )
            return None
        if account is None or account.role is not Role.ADMIN:
            self._explain("需要管理员权限才能加密数据库：请以管理员账号登录（设置 → 切换用户）。")
            return None
        path = self.context.database.path
        assert path is not None  # the action is shown for a file only
        dialog = EncryptDialog(account.name, path, self, database=self.context.database)
        dialog.accepted.connect(lambda: self.encrypt_requested.emit(dialog.name, dialog.password))
        dialog.open()
        return dialog

    def ask_for_new_code(self) -> NewCodeDialog | None:
        """重新生成恢复码: a signed-in 管理员 (the others are told whom to ask)."""
        from fupin_desktop.domain.accounts import Role

        account = self.context.account
        if account is None or account.role is not Role.ADMIN:
            self._explain("需要管理员权限才能重新生成恢复码：请管理员登录（设置 → 切换用户）后重新生成。")
            return None
        path = self.context.database.path
        assert path is not None  # shown for an encrypted file only
        dialog = NewCodeDialog(account.name, path, self, database=self.context.database)
        dialog.accepted.connect(lambda: self.new_code_requested.emit(dialog.name, dialog.password))
        dialog.open()
        return dialog

    def confirm_copied_code(self, code: str | None = None) -> bool:
        """已抄好，确认…: the recovery code the station head copied (asked for when ``code`` is None) ends the
        reminder; a wrong or voided code is refused and the reminder stays."""
        path = self.context.database.path
        if path is None:
            return False
        if code is None:
            code, accepted = QInputDialog.getText(
                self, "确认恢复码已抄写", "请照着抄好的纸输入完整的恢复码（14组，每组4个字母或数字，用“-”分隔）："
            )
            if not accepted or not code.strip():
                return False
        try:
            confirm_recovery_code(path, code=code.strip())
        except (StoreError, ServiceError) as error:
            messages.show_error(self, error, "未确认")
            return False
        self.recovery_reminder.setVisible(False)
        return True

    def _explain(self, text: str) -> None:
        """A message that does not block (tests read ``explanation``)."""
        box = QMessageBox(QMessageBox.Icon.Information, "加密数据库", text, QMessageBox.StandardButton.Ok, self)
        self.explanation = box
        box.open()

    def lock_when_idle(self, *, by_hand: bool = False) -> None:
        """空闲锁定 (or 设置 → 锁定, ``by_hand``): the pages are hidden until the same or another account signs
        in; 退出 closes the window."""
        from fupin_desktop.ui.sign_in_dialog import SignInDialog

        if self.context.account is None:
            return
        self.idle_watch.paused = True
        self.centralWidget().hide()
        name = self.context.account.name
        dialog = SignInDialog(self.context.database, self, name=name, locked=True, by_hand=by_hand)
        self.lock_dialog = dialog
        accepted = dialog.exec() == SignInDialog.DialogCode.Accepted and dialog.actor is not None
        self.lock_dialog = None
        if not accepted:
            self.close()
            return
        assert dialog.actor is not None
        self.context.set_account(dialog.actor)
        self.centralWidget().show()
        self.idle_watch.last_input = time.monotonic()
        self.idle_watch.paused = False

    def refresh_status(self) -> None:
        counts = self.context.database.read(count_records, self.context.actor)
        reminder = self.context.database.read(next_reminder, today())
        self.deadline_label.setText(reminder.text if reminder else "")
        self.deadline_label.setVisible(reminder is not None)
        self.counts_label.setText(
            f"{counts.households}户 · {counts.people}人 · {counts.visits}次走访 · {counts.intentions}条意愿"
        )
        account = self.context.account
        self.operator_label.setText(f"当前账号：{account.label}" if account else f"操作员：{self.context.operator}")
        self.file_label.setText(f"数据库：{self.context.database.location}")

    def edit_profile(self) -> None:
        dialog = ProfileDialog(self.context.database, self.context.profile, parent=self, actor=self.context.actor)
        dialog.accepted.connect(lambda: dialog.saved and self.context.set_profile(dialog.saved))
        self.profile_dialog = dialog
        dialog.open()

    def open_accounts(self) -> QDialog:
        from fupin_desktop.ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.context, self)
        self.accounts_dialog = dialog
        dialog.open()
        return dialog

    def choose_location(self) -> LocationDialog:
        dialog = LocationDialog(self.context.database, self)
        dialog.location_chosen.connect(self.location_requested)
        self.location_dialog = dialog
        dialog.open()
        return dialog

    def open_backups(self) -> BackupDialog | None:
        if self.context.database.is_server:  # one clear message: what applies to a server instead
            messages.show_error(self, backups_on_server(), "备份与恢复")
            return None
        dialog = BackupDialog(self.context, self)
        dialog.restore_requested.connect(self.restore_requested)
        self.backup_dialog = dialog
        dialog.open()
        return dialog

    def back_up_in_background(self) -> None:
        """The timer's backup: no dialog; the status bar says how it went."""
        database = self.context.database
        if database.is_server or database.read_only or self.backup_task is not None:
            return
        if backups.backup_is_current(database):
            return

        def work(_control: TaskControl) -> backups.BackupResult:
            return backups.back_up(database)

        def done(result: backups.BackupResult) -> None:
            self.backup_task = None
            self.statusBar().showMessage(f"已自动备份：{result.path.name}", 10_000)

        def failed(error: BaseException) -> None:
            self.backup_task = None
            if not isinstance(error, messages.EXPECTED_ERRORS):
                raise error
            log.warning("自动备份未完成：%s", error)
            self.statusBar().showMessage(f"自动备份未完成：{messages.describe(error)}", 60_000)

        self.backup_task = run_task(self, "自动备份", work, done, failed, cancellable=False, quiet=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle_watch.stop()
        if self.settings is not None:
            save_window(self, self.settings)
        self.backup_timer.stop()
        if self.backup_task is not None:
            self.backup_task.wait()
        database = self.context.database
        if (
            self.auto_backup
            and not database.is_server
            and not database.read_only
            and not backups.backup_is_current(database)
        ):
            self.statusBar().showMessage("正在备份……")
            QApplication.processEvents()
            try:
                backups.back_up(database)
            except messages.EXPECTED_ERRORS as error:
                log.warning("关闭时的备份未完成：%s", error)
                messages.show_error(self, error, "关闭时的备份未完成")
        super().closeEvent(event)

    def _add_page_menu(self, page: QWidget, spec: PageSpec) -> None:
        """A page's commands in a menu of its own, each shortcut shown beside it."""
        actions = getattr(page, "menu_actions", None)
        if not actions:
            return
        menu = self.menuBar().addMenu(getattr(page, "menu_title", spec.title))
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                action.triggered.connect(lambda _checked=False, p=page: self.tabs.setCurrentWidget(p))
                menu.addAction(action)


class _PageSlot(QWidget):
    """Holds a tab's place until its page is built (an empty widget costs nothing to show)."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.page: QWidget | None = None
