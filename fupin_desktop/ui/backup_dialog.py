"""备份与恢复: the backup folder, the list of backups with their counts, 立即备份 and 恢复.

Restoring replaces the open file, so the dialog only asks for it (``restore_requested``); the window
host closes the window, releases the engine, restores and reopens.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.services import backups
from fupin_desktop.services.backups import KEEP_DAILY, KEEP_MONTHLY, KEEP_RECENT, KEEP_WEEKLY, BackupEntry, BackupResult
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.roster_models import Column, ListTableModel
from fupin_desktop.ui.tasks import TaskControl, run_task


def _count(value: int | None) -> str:
    return "无法读取" if value is None else str(value)


def backup_columns() -> list[Column[BackupEntry]]:
    return [
        Column("备份时间", lambda e: f"{e.made_at:%Y-%m-%d %H:%M:%S}", 150),
        Column("大小", lambda e: f"{e.size / 1_048_576:.1f} MB", 80),
        Column("户数", lambda e: _count(e.households), 70),
        Column("人数", lambda e: _count(e.people), 70),
        Column("意愿数", lambda e: _count(e.intentions), 70),
        Column("文件名", lambda e: e.path.name, 260),
    ]


class BackupDialog(QDialog):
    restore_requested = Signal(Path)
    backed_up = Signal(object)  # BackupResult

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("备份与恢复")
        self.resize(820, 460)
        database = context.database
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        change = QPushButton("更改备份文件夹…")
        change.clicked.connect(lambda: self.change_folder())
        default = QPushButton("用默认文件夹")
        default.setToolTip("数据库文件旁的“备份”文件夹")
        default.clicked.connect(lambda: self.change_folder(reset=True))
        open_folder = QPushButton("打开文件夹")
        open_folder.clicked.connect(self.open_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        for button in (change, default, open_folder):
            button.setAutoDefault(False)
            folder_row.addWidget(button)
        rules = QLabel(
            f"关闭窗口时和使用中每{backups.AUTOMATIC_INTERVAL_HOURS}小时自动备份一次。每个备份都先写入临时文件，"
            f"检查完好、记录数与数据库一致后才改为备份文件名。\n保留最近一天内最新的{KEEP_RECENT}个，此前"
            f"{KEEP_DAILY}天每天一个、{KEEP_WEEKLY}周每周一个、{KEEP_MONTHLY}个月每月一个，"
            "只删除本程序备份文件名格式的文件。\n可把备份文件夹设在U盘上。"
        )
        rules.setWordWrap(True)
        self.model: ListTableModel[BackupEntry] = ListTableModel(backup_columns(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()  # a row number says nothing here: the time names a backup
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        for column, spec in enumerate(self.model.columns):
            self.table.setColumnWidth(column, spec.width)
        self.table.horizontalHeader().setSectionResizeMode(len(self.model.columns) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.backup_button = QPushButton("立即备份(&B)")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("用所选备份恢复(&R)…")
        self.restore_button.clicked.connect(lambda: self.restore_selected())
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        # A damaged file may still be replaced by a backup; a backup opened directly may not.
        if database.read_only:
            self.backup_button.setEnabled(False)
            change.setEnabled(False)
            default.setEnabled(False)
            self.status.setText(database.read_only_reason or "")
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        for button in (self.backup_button, self.restore_button, close):
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addLayout(folder_row)
        layout.addWidget(rules)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.task: object = None
        for button in (change, default):
            context.guard(button, Capability.BACKUP_SETTINGS)
        context.guard(self.restore_button, Capability.RESTORE_BACKUP)
        self.refresh()

    def folder(self) -> Path:
        return backups.backup_folder(self.context.database)

    def refresh(self) -> None:
        folder = self.folder()
        entries = backups.list_backup_entries(self.context.database, folder)
        self.model.set_rows(entries)
        self.folder_label.setText(f"备份文件夹：{folder}" + ("" if folder.is_dir() else "（尚未创建或未连接）"))
        if entries:
            self.table.selectRow(0)
        elif not self.context.database.read_only:
            self.status.setText("还没有备份。")
        self.restore_button.setEnabled(bool(entries) and not self.context.database.is_backup)

    def change_folder(self, folder: Path | None = None, *, reset: bool = False) -> None:
        if not reset and folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "选择备份文件夹（可以是U盘）", str(self.folder()))
            if not chosen:
                return
            folder = Path(chosen)
        try:
            backups.set_backup_folder(self.context.database, actor=self.context.actor, folder=folder)
        except messages.EXPECTED_ERRORS as error:
            messages.show_error(self, error)
            return
        self.refresh()

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder())))

    def back_up_now(self) -> None:
        database = self.context.database

        def work(_control: TaskControl) -> BackupResult:
            return backups.back_up(database)

        self.backup_button.setEnabled(False)
        self.status.setText("正在备份……")
        self.task = run_task(self, "正在备份", work, self._backed_up, self._failed, cancellable=False)

    def _backed_up(self, result: BackupResult) -> None:
        self.backup_button.setEnabled(True)
        removed = f"，按保留规则删除旧备份{len(result.removed)}个" if result.removed else ""
        self.status.setText(
            f"已备份并检查完好：{result.path.name}（{result.households}户、{result.people}人，"
            f"用时{result.seconds:.1f}秒{removed}）"
        )
        self.refresh()
        self.backed_up.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.backup_button.setEnabled(True)
        self.status.setText("备份未完成。")
        if isinstance(error, messages.EXPECTED_ERRORS):
            messages.show_error(self, error, "备份未完成")
        else:
            raise error

    def selected(self) -> BackupEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def restore_selected(self) -> None:
        entry = self.selected()
        if entry is None or self.context.database.is_backup or not self.context.may_do(Capability.RESTORE_BACKUP):
            return
        question = (
            f"用 {entry.made_at:%Y-%m-%d %H:%M} 的备份（{_count(entry.households)}户、{_count(entry.people)}人）"
            f"替换当前数据库？\n\n此后的修改都会回到备份时的样子。当前文件不会删除，"
            f"另存为“{self.context.database.path.stem}.恢复前-日期-时间.db”。程序将关闭窗口、恢复并重新打开。"
        )
        if not messages.confirm(self, "恢复备份", question, "恢复", "取消"):
            return
        self.accept()
        self.restore_requested.emit(entry.path)
