"""The main window builds only the page it shows; the others are built when their tab is first chosen."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from fupin_desktop.services.households import register_household
from fupin_desktop.store.db import Database
from fupin_desktop.ui.intentions_page import IntentionsPage
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.notices_page import NoticesPage
from fupin_desktop.ui.roster_page import RosterPage
from tests.conftest import household


@pytest.fixture
def window(qtbot: QtBot, database: Database, village: uuid.UUID) -> Iterator[MainWindow]:
    main = MainWindow(database)
    main.show()
    yield main
    main.close()
    main.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_only_the_first_page_is_built_with_the_window(window: MainWindow) -> None:
    assert isinstance(window.tabs.widget(0), RosterPage)
    assert window.findChild(IntentionsPage) is None and window.findChild(NoticesPage) is None
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["农户", "意愿", "公示", "上报", "导入", "统计", "数据交换"]


def test_a_page_built_later_shows_what_was_saved_before_it_was_opened(
    window: MainWindow, database: Database, village: uuid.UUID
) -> None:
    register_household(database, actor="王敏", village_id=village, facts=household())
    window.tabs.setCurrentIndex(1)
    page = window.page(1)
    assert isinstance(page, IntentionsPage) and page.isVisible()
    assert window.page(1) is page  # built once
    villages = [page.region.itemText(i).strip() for i in range(page.region.count())]
    assert "北村（1户）" in villages
    window.context.data_changed.emit("household")  # a later change still reaches the status bar
    assert "1户" in window.counts_label.text()
