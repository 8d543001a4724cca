"""The pages (tabs) of the main window, in order. Each factory takes the AppContext.

Imported lazily so that the window paints before the heavier pages' modules load.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from fupin_desktop.ui.context import AppContext


@dataclass(frozen=True)
class PageSpec:
    title: str
    module: str  # under fupin_desktop.ui
    factory: str  # a QWidget subclass taking (context: AppContext)

    def create(self, context: AppContext) -> QWidget:
        page_class: Callable[[AppContext], QWidget] = getattr(
            importlib.import_module(f"fupin_desktop.ui.{self.module}"), self.factory
        )
        return page_class(context)


PAGES: list[PageSpec] = [
    PageSpec("农户", "roster_page", "RosterPage"),
    PageSpec("意愿", "intentions_page", "IntentionsPage"),
    PageSpec("公示", "notices_page", "NoticesPage"),
    PageSpec("上报", "submissions_page", "SubmissionsPage"),
    PageSpec("导入", "import_page", "ImportPage"),
    PageSpec("统计", "statistics_page", "StatisticsPage"),
    PageSpec("数据交换", "exchange_page", "ExchangePage"),
]
