"""Where a file dialog that opens a file starts: a folder that exists, so that no made-up file name
(the missing 扶贫上报表 folder's name) stands in the file name box with 打开 greyed out."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from fupin_desktop.store.db import Database
from fupin_desktop.ui import exchange_page, folders
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.exchange_page import ExchangePage


def test_a_save_folder_not_made_yet_opens_at_the_nearest_folder_that_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folders, "save_folder", lambda: tmp_path / "扶贫上报表")
    assert folders.open_folder() == tmp_path
    (tmp_path / "扶贫上报表").mkdir()
    assert folders.open_folder() == tmp_path / "扶贫上报表"
    monkeypatch.setattr(folders, "save_folder", lambda: tmp_path / "gone" / "deeper")
    assert folders.open_folder() == tmp_path


def test_导入数据包_starts_in_a_folder_that_exists(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folders, "save_folder", lambda: tmp_path / "扶贫上报表")
    monkeypatch.setattr(exchange_page, "save_folder", lambda: tmp_path / "扶贫上报表")
    asked: list[str] = []

    def choose(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    page = ExchangePage(AppContext(database))
    qtbot.addWidget(page)
    assert page.import_path() is None
    assert asked == [str(tmp_path)]
