"""The main window: one tab per page (ui/pages.py), the status bar with operator, file and counts."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from fupin_desktop.services.overview import count_records
from fupin_desktop.store.db import Database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.pages import PAGES


class MainWindow(QMainWindow):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.context = AppContext(database, self)
        self.setWindowTitle(f"扶贫就业信息采集 — {database.path.name}")
        self.resize(1280, 800)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for spec in PAGES:
            self.tabs.addTab(spec.create(self.context), spec.title)
        self.setCentralWidget(self.tabs)
        self.counts_label = QLabel()
        self.statusBar().addPermanentWidget(self.counts_label)
        self.context.data_changed.connect(self.refresh_status)
        self.context.profile_changed.connect(self.refresh_status)
        self.refresh_status()

    def refresh_status(self) -> None:
        with self.context.database.session_factory() as session:
            counts = count_records(session)
        self.counts_label.setText(f"{counts.households}户 · {counts.people}人 · {counts.intentions}条意愿")
        self.statusBar().showMessage(f"操作员：{self.context.operator}　数据库：{self.context.database.path}")
