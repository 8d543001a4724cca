"""Bugs (not expected errors): logged with their traceback and shown in a Chinese dialog to copy from.

Expected failures (bad input, a locked file) never come here: they get ``messages.show_error`` where
the user is. ``install_excepthook`` catches the rest, from the UI thread and from any other thread;
the dialog itself is always opened on the UI thread and never blocks the caller.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from fupin_desktop import __version__
from fupin_desktop.logging_setup import format_exception
from fupin_desktop.store.errors import StoreError
from fupin_desktop.ui import messages

log = logging.getLogger(__name__)


class CrashDialog(QDialog):
    """程序出错: what happened in plain words, the details to copy, and where the log is."""

    def __init__(self, details: str, log_path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crash_dialog")
        self.setWindowTitle("程序出错")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.resize(720, 480)
        self.log_path = log_path

        headline = QLabel("<b>很抱歉，程序遇到了一个意外错误。</b>")
        explanation = QLabel(
            "刚才的操作可能没有完成，请检查它的结果。已经保存的数据不受影响：每次保存都是完整的一步，"
            "失败时数据库保持原样。<br>请点“复制”，把下面的详细信息连同日志文件发给技术支持人员。"
        )
        explanation.setWordWrap(True)

        self.details_view = QPlainTextEdit(details)
        self.details_view.setReadOnly(True)
        self.details_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        if log_path is not None:
            self.log_label = QLabel(f"日志文件：{log_path}")
        else:
            self.log_label = QLabel("日志文件：未能创建（详细信息只在上面）")
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("复制")
        self.copy_button.setToolTip("把详细信息复制到剪贴板")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        if log_path is not None:
            folder_button = QPushButton("打开日志文件夹")
            folder_button.clicked.connect(lambda: messages.open_folder(self, log_path.parent))
            buttons.addButton(folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        close_button = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        close_button.setDefault(True)
        buttons.rejected.connect(self.reject)

        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(32, 32))
        text = QVBoxLayout()
        text.addWidget(headline)
        text.addWidget(explanation)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details_view, 1)
        layout.addWidget(self.log_label)
        layout.addWidget(buttons)

    @property
    def details(self) -> str:
        return self.details_view.toPlainText()

    def add_details(self, more: str) -> None:
        """Another error while the dialog is open: append it rather than stacking dialogs."""
        self.details_view.appendPlainText("\n" + "─" * 40 + "\n" + more)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details)
        self.copy_button.setText("已复制")


def describe_crash(exc_type: type[BaseException], exc_value: BaseException | None, exc_tb: TracebackType | None) -> str:
    """The text to copy: program and system versions first, then the traceback."""
    header = (
        f"扶贫就业信息采集 {__version__}；Python {platform.python_version()}；"
        f"{platform.platform()}；{'安装包' if getattr(sys, 'frozen', False) else '源代码'}\n"
    )
    return header + format_exception(exc_type, exc_value, exc_tb)


class CrashReporter(QObject):
    """Created on the UI thread; ``report`` may be called from any thread."""

    _crashed = Signal(str)
    _expected = Signal(str)

    def __init__(self, log_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.dialog: CrashDialog | None = None
        # Emitted from a worker thread, the signal is queued to this object's (the UI) thread.
        self._crashed.connect(self._show)
        self._expected.connect(self._show_expected)

    def report(
        self, exc_type: type[BaseException], exc_value: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc_value or exc_type(), exc_tb)
            return
        if isinstance(exc_value, StoreError):
            # The environment's fault (locked, full, read-only), not a bug, even where no page caught it.
            log.warning("数据库操作未完成：%s（%s）", exc_type.__name__, exc_value.detail or "-")
            self._expected.emit(str(exc_value))
            return
        log.critical("未处理的错误（程序缺陷）", exc_info=(exc_type, exc_value, exc_tb))
        details = describe_crash(exc_type, exc_value, exc_tb)
        print(details, file=sys.stderr)
        self._crashed.emit(details)

    def _show_expected(self, text: str) -> None:
        if QApplication.instance() is not None:
            QMessageBox.warning(QApplication.activeWindow(), "无法访问数据库", text)

    def _show(self, details: str) -> None:
        if QApplication.instance() is None:
            return
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_details(details)
        else:
            self.dialog = CrashDialog(details, self.log_path, QApplication.activeWindow())
            self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()


_previous_hooks: list[tuple[object, object]] = []


def install_excepthook(log_path: Path | None) -> CrashReporter:
    """Route uncaught exceptions of every thread to the log and the crash dialog (call on the UI thread)."""
    reporter = CrashReporter(log_path)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        reporter.report(args.exc_type, args.exc_value, args.exc_traceback)

    _previous_hooks.append((sys.excepthook, threading.excepthook))
    sys.excepthook = reporter.report
    threading.excepthook = thread_hook
    return reporter


def uninstall_excepthook() -> None:
    """Put back the hooks that were there before the last ``install_excepthook``."""
    if _previous_hooks:
        sys.excepthook, threading.excepthook = _previous_hooks.pop()  # type: ignore[assignment]
