"""Telling the user about expected failures where they are (bugs go to the crash dialog instead)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from fupin_desktop.services.errors import ServiceError, ValidationFailed
from fupin_desktop.store.errors import StoreError

EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ServiceError, StoreError, OSError)


def describe(error: BaseException) -> str:
    """The Chinese text for an expected error; validation problems one per line."""
    if isinstance(error, ValidationFailed):
        return "\n".join(f"• {p.message}" for p in error.problems if p.is_error) or str(error)
    if isinstance(error, PermissionError):
        return f"没有权限写入“{error.filename}”，请换一个文件夹或关闭正在使用该文件的程序。"
    if isinstance(error, OSError) and not isinstance(error, ServiceError | StoreError):
        where = f"“{error.filename}”" if error.filename else ""
        return f"文件操作失败{where}：{error.strerror or error}"
    return str(error)


def show_error(parent: QWidget | None, error: BaseException, title: str = "无法完成") -> None:
    QMessageBox.warning(parent, title, describe(error))


def confirm(parent: QWidget | None, title: str, text: str, yes: str = "是", no: str = "否") -> bool:
    """Ask a yes/no question; "no" is the default so that Enter never destroys anything."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def open_folder(parent: QWidget | None, folder: Path) -> bool:
    """Show the folder in the file manager; where the laptop has none, say so and name the folder."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "无法打开文件夹",
        f"这台电脑上没有可以打开文件夹的程序（文件管理器）。文件在：\n{folder}",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
    return False
