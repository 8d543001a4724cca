"""Start-up of the window: QApplication, the bundled font, the database, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLockFile
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from fupin_desktop.assets import resource_path
from fupin_desktop.store.db import Database, default_database_path, open_database
from fupin_desktop.store.errors import DatabaseLocked, StoreError
from fupin_desktop.ui.messages import describe

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


def lock_database(path: Path) -> QLockFile:
    """Take the lock file beside the database, so that a second copy of the program cannot open it.

    A lock left by a program that crashed (its process is gone) is taken over; a lock held by a
    running program is refused with a message that says what to do.
    """
    lock = QLockFile(str(path.with_name(path.name + ".lock")))
    lock.setStaleLockTime(0)  # only a dead owner makes a lock stale, never its age
    if lock.tryLock(0):
        return lock
    if lock.error() == QLockFile.LockError.LockFailedError:
        info = lock.getLockInfo()  # (pid, host, application) in PySide6
        who = f"（进程号{info[0]}，计算机{info[1]}）" if isinstance(info, tuple) and len(info) == 3 else ""
        raise DatabaseLocked(
            f"数据库文件“{path}”已在另一个程序窗口中打开{who}。\n"
            "同一个数据库文件同时只能由一个窗口使用，请切换到已打开的窗口，或先将其关闭。"
        )
    raise DatabaseLocked(f"无法在“{path.parent}”中建立锁文件，请检查该文件夹是否可写。")


def open_for_window(db_path: Path | None) -> tuple[Database, QLockFile]:
    """Lock, then open the database; the lock is released if opening fails."""
    path = Path(db_path) if db_path is not None else default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_database(path)
    try:
        return open_database(path), lock
    except BaseException:
        lock.unlock()
        raise


def ask_station_profile(database: Database) -> bool:
    """On first start, ask for the station profile; False if the user would rather quit."""
    from fupin_desktop.services.settings import load_station_profile
    from fupin_desktop.ui.profile_dialog import ProfileDialog

    with database.session_factory() as session:
        profile = load_station_profile(session)
    if profile.is_complete:
        return True
    dialog = ProfileDialog(database, profile, first_start=True)
    return dialog.exec() == ProfileDialog.DialogCode.Accepted


def run_gui(db_path: Path | None) -> int:
    app = make_application()
    try:
        database, lock = open_for_window(db_path)
    except (StoreError, OSError) as error:
        QMessageBox.critical(None, APP_DISPLAY_NAME, describe(error))
        return 1
    try:
        if not ask_station_profile(database):
            return 0
        from fupin_desktop.ui.main_window import MainWindow

        window = MainWindow(database)
        window.show()
        return app.exec()
    finally:
        database.dispose()
        lock.unlock()
