"""Bugs reach the clerk as a crash dialog with details to copy, and the log; 帮助 → 关于 tells where things are."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from fupin_desktop import __version__
from fupin_desktop.logging_setup import setup_logging, teardown_logging
from fupin_desktop.store.db import Database
from fupin_desktop.ui.about import AboutDialog
from fupin_desktop.ui.app import add_help_menu, create_main_window
from fupin_desktop.ui.crash import CrashDialog, CrashReporter, install_excepthook, uninstall_excepthook


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    path = setup_logging(tmp_path / "log")
    yield path
    teardown_logging()


@pytest.fixture
def reporter(log_path: Path) -> Iterator[CrashReporter]:
    installed = install_excepthook(log_path)
    yield installed
    uninstall_excepthook()
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, CrashDialog):
            widget.close()


def visible_crash_dialogs() -> list[CrashDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def test_an_uncaught_error_opens_the_crash_dialog_and_goes_to_the_log(
    qtbot: QtBot, reporter: CrashReporter, log_path: Path
) -> None:
    try:
        raise RuntimeError("测试用的程序缺陷")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # what Python and Qt call for an error nobody caught

    dialogs = visible_crash_dialogs()
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert "Traceback (most recent call last)" in dialog.details
    assert "RuntimeError: 测试用的程序缺陷" in dialog.details
    assert __version__ in dialog.details
    assert str(log_path) in dialog.log_label.text()

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.details
    assert dialog.copy_button.text() == "已复制"

    dialog.close()
    assert not visible_crash_dialogs()
    logged = log_path.read_text(encoding="utf-8")
    assert "CRITICAL" in logged
    assert "RuntimeError: 测试用的程序缺陷" in logged
    assert "Traceback (most recent call last)" in logged


def test_an_error_in_a_worker_thread_is_shown_on_the_ui_thread(qtbot: QtBot, reporter: CrashReporter) -> None:
    def work() -> None:
        raise ValueError("后台线程里的缺陷")

    thread = threading.Thread(target=work, name="测试线程")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(visible_crash_dialogs()), timeout=5000)
    assert "ValueError: 后台线程里的缺陷" in visible_crash_dialogs()[0].details


def test_a_second_error_is_added_to_the_open_dialog(qtbot: QtBot, reporter: CrashReporter) -> None:
    for message in ("第一个", "第二个"):
        try:
            raise KeyError(message)
        except KeyError:
            sys.excepthook(*sys.exc_info())
    dialogs = visible_crash_dialogs()
    assert len(dialogs) == 1
    assert "第一个" in dialogs[0].details
    assert "第二个" in dialogs[0].details


def test_help_menu_opens_about_with_version_data_file_and_log(qtbot: QtBot, database: Database, log_path: Path) -> None:
    window = create_main_window(database, log_path)
    qtbot.addWidget(window)
    help_menus = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "").startswith("帮助")]
    assert len(help_menus) == 1
    about_action = next(a for a in help_menus[0].actions() if a.objectName() == "about_action")
    about_action.trigger()

    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    texts = " ".join(label.text() for label in dialog.findChildren(type(dialog.version_label)))
    assert dialog.version_label.text() == __version__
    assert str(database.path) in texts
    assert str(log_path) in texts
    assert "SIL Open Font License" in texts
    dialog.close()


def test_help_menu_joins_a_help_menu_the_window_already_has(qtbot: QtBot, tmp_path: Path) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    existing = window.menuBar().addMenu("帮助(&H)")
    existing.addAction("使用说明")
    menu = add_help_menu(window, tmp_path / "fupin.db", tmp_path / "fupin-desktop.log")
    assert menu is existing
    assert len(window.menuBar().actions()) == 1
    assert next(a.text() for a in menu.actions() if not a.isSeparator()) == "使用说明"
