"""使用说明: F1 and 帮助 → 使用说明 open the Chinese manual shipped in the package, with its pictures."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from fupin_desktop.store.db import Database
from fupin_desktop.ui.app import create_main_window
from fupin_desktop.ui.help_dialog import HelpDialog, manual_path


def test_the_manual_walks_the_first_day_to_a_sealed_sheet_and_its_pictures_exist() -> None:
    html = Path(manual_path()).read_text(encoding="utf-8")
    for step in (
        "本站信息",
        "所属的县",
        "新增乡镇",
        "导入区划代码表",
        "新增农户",
        "生成空白采集表",
        "公示",
        "封存上报",
    ):
        assert step in html
    pictures = re.findall(r'<img src="([^"]+)"', html)
    assert len(pictures) >= 6
    for picture in pictures:
        assert (Path(manual_path()).parent / picture).is_file(), picture


def test_f1_and_the_help_menu_open_the_manual(qtbot: QtBot, database: Database, village: uuid.UUID) -> None:
    window = create_main_window(database, None)
    window.show()
    try:
        help_menu = next(
            action.menu()
            for action in window.menuBar().actions()
            if isinstance(action.menu(), QMenu) and action.text().startswith("帮助")
        )
        assert isinstance(help_menu, QMenu)
        manual = help_menu.actions()[0]
        assert manual.text() == "使用说明(&M)" and manual.shortcut() == QKeySequence("F1")
        manual.trigger()
        dialog = window.findChild(HelpDialog, "help_dialog")
        assert isinstance(dialog, HelpDialog) and dialog.isVisible()
        assert "第一天" in dialog.browser.toPlainText()
        manual.trigger()  # a second F1 brings the same window forward
        assert len(window.findChildren(HelpDialog)) == 1
        roster_menu = next(a.menu() for a in window.menuBar().actions() if a.text().startswith("农户"))
        assert isinstance(roster_menu, QMenu)
        shortcuts = {a.text(): a.shortcut().toString() for a in roster_menu.actions() if not a.isSeparator()}
        assert shortcuts["新增农户(&N)…"] == "Ctrl+N" and shortcuts["查找(&F)"] == "Ctrl+F"
        assert shortcuts["登记走访(&R)…"] == "Ctrl+R" and shortcuts["导出花名册(&E)…"] == "Ctrl+E"
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
