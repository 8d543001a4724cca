"""Start-up of the window: QApplication, the bundled font, the database, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from fupin_desktop.assets import resource_path
from fupin_desktop.store.db import open_database
from fupin_desktop.store.errors import StoreError
from fupin_desktop.ui import startup_probe

APP_DISPLAY_NAME = "扶贫就业信息采集"


def load_bundled_fonts() -> str | None:
    """Register the shipped Noto fonts; returns the UI family so that no system font is needed."""
    family = None
    for path in sorted(resource_path("fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families and families[0].startswith("Noto Sans") and family is None:
            family = families[0]
    return family


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("fupin-desktop")
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setOrganizationName("fupin")
    family = load_bundled_fonts()
    if family:
        app.setFont(QFont(family, 10))
    return app


def run_gui(db_path: Path | None) -> int:
    app = make_application()
    try:
        database = open_database(db_path)
    except StoreError as error:
        QMessageBox.critical(None, APP_DISPLAY_NAME, str(error))
        return 1
    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(database)
    startup_probe.install_if_requested(window)
    window.show()
    try:
        return app.exec()
    finally:
        database.dispose()
