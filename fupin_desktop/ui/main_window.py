"""The main window: one tab per page (ui/pages.py), the status bar with operator, file and counts.

Only the page shown first is built with the window; every other page is built the first time its tab
is chosen (it then reads the database as it is at that moment, so it is never stale).
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from fupin_desktop.services.overview import count_records
from fupin_desktop.store.db import Database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.pages import PAGES, PageSpec
from fupin_desktop.ui.profile_dialog import ProfileDialog


class MainWindow(QMainWindow):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.context = AppContext(database, self)
        self.setWindowTitle(f"扶贫就业信息采集 — {database.path.name}")
        self.resize(1280, 800)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._unbuilt: dict[int, PageSpec] = {}
        for index, spec in enumerate(PAGES):
            if index == 0:
                self.tabs.addTab(spec.create(self.context), spec.title)
            else:
                self.tabs.addTab(_PageSlot(), spec.title)
                self._unbuilt[index] = spec
        self.tabs.currentChanged.connect(self.build_page)
        self.setCentralWidget(self.tabs)
        settings_menu = self.menuBar().addMenu("设置(&S)")
        self.profile_action = QAction("本站信息…", self)
        self.profile_action.triggered.connect(self.edit_profile)
        settings_menu.addAction(self.profile_action)
        self.profile_dialog: ProfileDialog | None = None
        self.operator_label = QLabel()
        self.file_label = QLabel()
        self.counts_label = QLabel()
        self.statusBar().addWidget(self.operator_label)
        self.statusBar().addWidget(self.file_label, 1)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.context.data_changed.connect(self.refresh_status)
        self.context.profile_changed.connect(self.refresh_status)
        self.refresh_status()

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

    def refresh_status(self) -> None:
        counts = self.context.database.read(count_records)
        self.counts_label.setText(
            f"{counts.households}户 · {counts.people}人 · {counts.visits}次走访 · {counts.intentions}条意愿"
        )
        self.operator_label.setText(f"操作员：{self.context.operator}")
        self.file_label.setText(f"数据库：{self.context.database.path}")

    def edit_profile(self) -> None:
        dialog = ProfileDialog(self.context.database, self.context.profile, parent=self)
        dialog.accepted.connect(lambda: dialog.saved and self.context.set_profile(dialog.saved))
        self.profile_dialog = dialog
        dialog.open()


class _PageSlot(QWidget):
    """Holds a tab's place until its page is built (an empty widget costs nothing to show)."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.page: QWidget | None = None
