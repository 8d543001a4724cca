"""The main window: one tab per page (ui/pages.py), the status bar with operator, file and counts."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from fupin_desktop.services.overview import count_records
from fupin_desktop.store.db import Database
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.pages import PAGES
from fupin_desktop.ui.profile_dialog import ProfileDialog
from fupin_desktop.ui.screen_fit import initial_geometry, restore_window, save_window


class MainWindow(QMainWindow):
    def __init__(self, database: Database, settings: QSettings | None = None) -> None:
        """``settings`` remembers the window between sessions (the app passes the user's QSettings);
        without it the window opens at its first size and remembers nothing."""
        super().__init__()
        self.context = AppContext(database, self)
        self.settings = settings
        # The application display name is added by Qt on every platform: the title names only the file.
        self.setWindowTitle(database.path.name)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for spec in PAGES:
            page = spec.create(self.context)
            self.tabs.addTab(page, spec.title)
            actions = getattr(page, "menu_actions", None)
            if actions:  # a page's commands in a menu of its own, each shortcut shown beside it
                menu = self.menuBar().addMenu(getattr(page, "menu_title", spec.title))
                for action in actions:
                    if action is None:
                        menu.addSeparator()
                    else:
                        action.triggered.connect(lambda _checked=False, p=page: self.tabs.setCurrentWidget(p))
                        menu.addAction(action)
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
        if settings is not None:
            restore_window(self, settings)
        else:
            initial_geometry(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.settings is not None:
            save_window(self, self.settings)
        super().closeEvent(event)

    def refresh_status(self) -> None:
        with self.context.database.session_factory() as session:
            counts = count_records(session)
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
