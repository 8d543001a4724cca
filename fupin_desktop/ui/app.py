"""Start-up of the window: logging and the crash hook, QApplication with the program's identity and
bundled font, the database, the main window with its 帮助 menu."""

from __future__ import annotations

import logging
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QLibraryInfo,
    QLockFile,
    QObject,
    QSettings,
    Qt,
    QTimer,
    QTranslator,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QFontDatabase, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMainWindow, QMenu, QMessageBox, QWidget

from fupin_desktop import APP_NAME, __version__
from fupin_desktop.assets import icon_path, resource_path
from fupin_desktop.domain.accounts import Actor
from fupin_desktop.logging_setup import setup_logging
from fupin_desktop.services.encryption import is_encrypted_file
from fupin_desktop.services.location import is_server_address, remembered_server
from fupin_desktop.startup_clock import seconds_since_process_start
from fupin_desktop.store.db import Database, database_path, open_database
from fupin_desktop.store.errors import DatabaseDamaged, DatabaseLocked, DatabaseReadOnly, StoreError
from fupin_desktop.store.lockfile import lock_file_path
from fupin_desktop.ui.messages import describe

if TYPE_CHECKING:
    from fupin_desktop.ui.main_window import MainWindow

APP_DISPLAY_NAME = "扶贫就业信息采集"
ORGANIZATION_NAME = "fupin"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)

log = logging.getLogger(__name__)


def load_bundled_fonts() -> str | None:
    """Register the shipped Noto fonts; returns the UI family so that no system font is needed."""
    family = None
    for path in sorted(resource_path("fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families and families[0].startswith("Noto Sans") and family is None:
            family = families[0]
    return family


def qt_translations_dir() -> Path:
    """Where Qt's own .qm files are: PySide6's folder from source; inside the bundle, the copy the
    spec keeps (installer/fupin-desktop.spec) when Qt's reported path does not hold it."""
    reported = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if (reported / "qtbase_zh_CN.qm").exists():
        return reported
    bundle = Path(getattr(sys, "_MEIPASS", reported))
    for candidate in (bundle / "PySide6" / "Qt" / "translations", bundle / "PySide6" / "translations"):
        if (candidate / "qtbase_zh_CN.qm").exists():
            return candidate
    return reported


def install_qt_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own dialogs in Chinese: message-box buttons, file, print and page-setup dialogs.

    Returns the installed translators (kept alive by the application as its children)."""
    installed: list[QTranslator] = []
    folder = qt_translations_dir()
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, str(folder)) and app.installTranslator(translator):
            installed.append(translator)
        else:
            log.warning("未找到Qt的中文翻译文件%s.qm（%s）", name, folder)
    from fupin_desktop.ui.file_dialog_words import install_chinese_file_dialogs
    from fupin_desktop.ui.qt_strings import MissingQtStrings

    supplement = MissingQtStrings(app)
    if app.installTranslator(supplement):
        installed.append(supplement)
    install_chinese_file_dialogs(app)  # its sizes and sidebar, which no translation reaches
    return installed


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_path(size)))
    return icon


def make_application(argv: list[str] | None = None) -> QApplication:
    from fupin_desktop.ui.qt_strings import use_chinese_locale

    use_chinese_locale()  # before the application reads the environment's locale
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setDesktopFileName(APP_NAME)  # ties the window to fupin-desktop.desktop (taskbar icon, name)
    app.setWindowIcon(app_icon())
    if not app.property("fupin_translated"):
        from fupin_desktop.ui.screen_fit import install_screen_fitter

        install_qt_translations(app)
        install_screen_fitter(app)
        app.setProperty("fupin_translated", True)
    family = load_bundled_fonts()
    if family:
        app.setFont(QFont(family, 10))
    return app


def bootstrap(log_dir: Path | None = None) -> Path | None:
    """Start-up work that must not happen at import time: the log file. Returns its path, or None
    when the log folder cannot be written (the program still runs; the crash dialog says so)."""
    try:
        log_path = setup_logging(log_dir)
    except OSError as error:
        print(f"无法写日志文件：{error}", file=sys.stderr)
        return None
    log.info(
        "启动 %s %s（Python %s，%s，%s）",
        APP_DISPLAY_NAME,
        __version__,
        platform.python_version(),
        platform.platform(),
        "安装包" if getattr(sys, "frozen", False) else "源代码",
    )
    return log_path


def show_about(window: QMainWindow, database_path: Path | str | None, log_path: Path | None) -> None:
    from fupin_desktop.ui.about import AboutDialog

    dialog = AboutDialog(database_path, log_path, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def show_manual(window: QMainWindow) -> None:
    from fupin_desktop.ui.help_dialog import HelpDialog

    existing = window.findChild(HelpDialog, "help_dialog")
    if existing is not None:
        existing.raise_()
        existing.activateWindow()
        existing.show()
        return
    dialog = HelpDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()


def add_help_menu(window: QMainWindow, database_path: Path | str | None, log_path: Path | None) -> QMenu:
    """帮助 → 使用说明 (F1), 关于, 打开日志文件夹; added to the window's own 帮助 menu if it already has one."""
    from fupin_desktop.ui import messages

    menu_bar = window.menuBar()
    menu = next(
        (
            action.menu()
            for action in menu_bar.actions()
            if isinstance(action.menu(), QMenu) and action.text().replace("&", "").startswith("帮助")
        ),
        None,
    )
    if menu is None:
        menu = menu_bar.addMenu("帮助(&H)")
    else:
        menu.addSeparator()
    manual = QAction("使用说明(&M)", window)
    manual.setObjectName("manual_action")
    manual.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))  # F1
    manual.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    manual.triggered.connect(lambda: show_manual(window))
    menu.addAction(manual)
    about = menu.addAction("关于扶贫就业信息采集(&A)…")
    about.setObjectName("about_action")
    about.triggered.connect(lambda: show_about(window, database_path, log_path))
    if log_path is not None:
        open_logs = menu.addAction("打开日志文件夹")
        open_logs.triggered.connect(lambda: messages.open_folder(window, log_path.parent))
    return menu


def create_main_window(database: Database, log_path: Path | None, *, auto_backup: bool = False) -> MainWindow:
    """The main window with its 帮助 menu, remembering its geometry in the user's QSettings."""
    from fupin_desktop.ui.main_window import MainWindow

    window = MainWindow(database, QSettings(), auto_backup=auto_backup)
    add_help_menu(window, database.path or database.location, log_path)  # a server: its address
    return window


class FirstPaintProbe(QObject):
    """Emits ``painted`` once, with the seconds since the process started, at the window's first paint."""

    painted = Signal(float)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.seconds: float | None = None
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.seconds is None:
            self.seconds = seconds_since_process_start() or 0.0
            watched.removeEventFilter(self)
            self.painted.emit(self.seconds)
        return False


def lock_database(path: Path) -> QLockFile:
    """Take the lock file beside the database, so that a second copy of the program cannot open it.

    A lock left by a program that crashed (its process is gone) is taken over; a lock held by a
    running program is refused with a message that says what to do.
    """
    lock = QLockFile(str(lock_file_path(path)))
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
    raise DatabaseReadOnly(
        f"无法在“{path.parent}”中建立锁文件：该文件夹是只读的。请把数据库文件复制到可写的文件夹后再打开。"
    )


def open_for_window(
    db_path: Path | str | None, *, check_on_open: bool = True, check_later: bool = False, key: bytes | None = None
) -> tuple[Database, QLockFile]:
    """Lock, then open the database; the lock is released if opening fails. ``check_later``: the quick check
    runs after the first paint (WindowHost.after_first_paint), writes waiting for its verdict."""
    path = database_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_database(path)
    try:
        database = open_database(path, check_on_open=check_on_open, check_later=check_later, key=key)
    except BaseException:
        lock.unlock()
        raise
    if not database.read_only:
        tidy_interrupted_seals(database)
    return database, lock


def open_server_for_window(address: str, parent: QWidget | None = None) -> Database | None:
    """A county server's database for the window, asking for the password when the server wants one
    (it is never remembered); None when the user would rather not type it."""
    from fupin_desktop.services.location import needs_password, with_password

    tried = address
    while True:
        try:
            database = open_database(tried)
        except StoreError as error:
            if not needs_password(error):
                raise
            password, given = QInputDialog.getText(
                parent, APP_DISPLAY_NAME, f"{error}\n\n数据库密码：", QLineEdit.EchoMode.Password
            )
            if not given:
                return None
            tried = with_password(address, password)
            continue
        tidy_interrupted_seals(database)
        return database


def use_file_instead(error: StoreError) -> bool:
    """The remembered server cannot be opened: offer this computer's own file instead (and forget the
    server), so that a server that is down never keeps the program from starting."""
    from fupin_desktop.services.location import remember_server

    box = QMessageBox(QMessageBox.Icon.Warning, APP_DISPLAY_NAME, describe(error), QMessageBox.StandardButton.NoButton)
    box.setInformativeText("可以改用本机的数据库文件；以后可在“设置 → 数据库位置”中重新选择服务器。")
    use_file = box.addButton("改用本机数据库文件", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not use_file:
        return False
    try:
        remember_server(None)
    except OSError as failure:
        log.warning("无法保存数据库位置：%s", failure.strerror)
    return True


def open_damaged_for_window(
    path: Path, error: DatabaseDamaged, key: bytes | None = None
) -> tuple[Database, QLockFile] | None:
    """A damaged file: offer its newest sound backup or a read-only look; None when the user quits."""
    from fupin_desktop.ui.window_host import open_damaged, recover_damaged

    choice = recover_damaged(path, error, key=key)
    if choice is None:
        return None
    lock = lock_database(path)
    try:
        return open_damaged(path, restore=choice, key=key), lock
    except BaseException:
        lock.unlock()
        raise


def sign_in_to_encrypted(path: Path, *, checked: bool = True) -> tuple[Database, QLockFile, Actor] | None:
    """An encrypted file: the sign-in dialog comes first and opens it (the account's key slot unwrapped
    with the password); None when the user quits. A damaged file gets the offer of its newest backup."""
    from fupin_desktop.services.encryption import data_key_for
    from fupin_desktop.ui.sign_in_dialog import SignInDialog
    from fupin_desktop.ui.window_host import open_damaged, recover_damaged

    lock = lock_database(path)

    def open_with(name: str, password: str) -> Database:
        key = data_key_for(path, name=name, password=password)
        try:
            return open_database(path, check_later=not checked, key=key)
        except DatabaseDamaged as error:
            log.warning("数据库文件已损坏")
            choice = recover_damaged(path, error, key=key)
            if choice is None:
                raise
            return open_damaged(path, restore=choice, key=key)

    dialog = SignInDialog(None, opener=open_with, encrypted_path=path)
    accepted = dialog.exec() == SignInDialog.DialogCode.Accepted
    if not accepted or dialog.database is None or dialog.actor is None:
        if dialog.database is not None:
            dialog.database.dispose()
        lock.unlock()
        return None
    if not dialog.database.read_only:
        tidy_interrupted_seals(dialog.database)
    return dialog.database, lock, dialog.actor


def start_new_station(path: Path) -> tuple[Database, QLockFile, Actor] | None:
    """The first start on a new file: its first 管理员, for whom it is created encrypted, and the recovery
    code shown once; None when the user quits (nothing is created)."""
    from fupin_desktop.services.accounts import sign_in
    from fupin_desktop.services.encryption import keyring_path, new_encrypted_database
    from fupin_desktop.services.station import start_station
    from fupin_desktop.ui.encryption_dialogs import NewStationDialog, RecoveryCodeDialog

    dialog = NewStationDialog(path)
    if dialog.exec() != NewStationDialog.DialogCode.Accepted:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_database(path)
    try:
        key, code = new_encrypted_database(path, accounts={dialog.name: dialog.password})
        database = open_database(path, key=key)
    except BaseException:
        keyring_path(path).unlink(missing_ok=True)
        lock.unlock()
        raise
    try:
        start_station(database, admin=dialog.name, password=dialog.password)
        actor = sign_in(database, name=dialog.name, password=dialog.password)
    except BaseException:
        database.dispose()
        lock.unlock()
        raise
    RecoveryCodeDialog(code, path.name, path=path).exec()
    return database, lock, actor


def tidy_interrupted_seals(database: Database) -> None:
    """What a seal interrupted by a crash left: renamed when its seal was committed, removed otherwise."""
    from fupin_desktop.services.submissions import tidy_after_crash

    result = tidy_after_crash(database)
    if result.completed or result.removed:
        log.info("封存中断后的临时文件：完成改名%d个，删除%d个", len(result.completed), len(result.removed))


def ask_station_profile(database: Database, account: Actor | None = None) -> bool:
    """On first start, ask for the station profile; False if the user would rather quit. Only a 管理员 may
    save it, so any other account (a village laptop's 村级录入员) goes on to the window without being asked."""
    from fupin_desktop.domain.permissions import Capability, allowed
    from fupin_desktop.services.settings import load_station_profile
    from fupin_desktop.ui.profile_dialog import ProfileDialog

    if account is not None and not allowed(account.role, Capability.STATION_SETTINGS):
        return True
    profile = database.read(load_station_profile)
    if profile.is_complete:
        return True
    dialog = ProfileDialog(database, profile, first_start=True, actor=account)
    return dialog.exec() == ProfileDialog.DialogCode.Accepted


def ask_county(database: Database, account: Actor | None = None) -> None:
    """On a new database, the second first-run step: the county the station serves (may be put off)."""
    from fupin_desktop.services.regions import station_county
    from fupin_desktop.services.settings import operator_name
    from fupin_desktop.ui.region_dialog import CountyDialog

    if database.read(station_county) is not None:
        return
    operator = account if account is not None else database.read(operator_name)
    CountyDialog(database, operator, first_start=True).exec()


def ask_account(database: Database) -> Actor | bool:
    """Once the database has a 管理员 account, the window opens only for a signed-in one: the account, or
    False if the user would rather quit, or True when there are no accounts yet (as before)."""
    from fupin_desktop.services.accounts import accounts_in_force
    from fupin_desktop.ui.sign_in_dialog import SignInDialog

    if not database.read(accounts_in_force):
        return True
    dialog = SignInDialog(database)
    if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.actor is None:
        return False
    return dialog.actor


def damaged_on_first_screen(database: Database, error: BaseException) -> DatabaseDamaged | None:
    """Why the window could not read its first screen, if the reason is damage to the file."""
    from fupin_desktop.services.backups import damage_found

    # The store translates a read of a damaged page into DatabaseDamaged; other errors are bugs.
    if not isinstance(error, DatabaseDamaged) or database.is_backup or database.path is None:
        return None
    log.warning("读取数据库出错（%s），检查文件", type(error).__name__)
    found = damage_found(database.path, database.key)
    return None if found is None else DatabaseDamaged(found)


def run_gui(db_path: Path | str | None, *, measure_startup: bool = False) -> int:
    """The window; with ``measure_startup`` it prints the time to the first paint and quits."""
    from fupin_desktop.ui.crash import install_excepthook
    from fupin_desktop.ui.window_host import WindowHost, check_before_open, schedule_after_first_paint

    log_path = bootstrap()
    app = make_application()
    reporter = install_excepthook(log_path)
    # --db first; without it, the county server chosen in 设置 → 数据库位置, if any; else the default file.
    server = db_path if is_server_address(db_path) else remembered_server() if db_path is None else None
    on_server: Database | None = None
    if server is not None:
        try:
            on_server = open_server_for_window(server)
        except StoreError as error:
            log.warning("无法打开数据库服务器：%s", type(error).__name__)
            if db_path is not None:
                QMessageBox.critical(None, APP_DISPLAY_NAME, describe(error))
                return 1
            if not use_file_instead(error):
                return 1
        else:
            if on_server is None:
                return 1
    path = database_path(None if server is not None else db_path)
    checked = True
    lock: QLockFile | None
    account: Actor | bool | None = None
    if on_server is not None:
        database, lock = on_server, None
    else:
        checked = check_before_open(path)
        try:
            if measure_startup and is_encrypted_file(path):
                # Timing only, no dialog: the account from FUPIN_USER and FUPIN_PASSWORD opens the file.
                import os

                from fupin_desktop.services.encryption import data_key_for

                name, password = os.environ.get("FUPIN_USER", ""), os.environ.get("FUPIN_PASSWORD", "")
                key = data_key_for(path, name=name, password=password)
                database, lock = open_for_window(path, check_later=not checked, key=key)
            elif not measure_startup and (is_encrypted_file(path) or not path.exists()):
                unlocked = sign_in_to_encrypted(path, checked=checked) if path.exists() else start_new_station(path)
                if unlocked is None:
                    return 0
                database, lock, account = unlocked
                checked = checked or database.read_only
            else:
                try:
                    database, lock = open_for_window(path, check_later=not checked)
                except DatabaseDamaged as error:
                    log.warning("数据库文件已损坏")
                    opened = open_damaged_for_window(path, error)
                    if opened is None:
                        return 1
                    database, lock = opened
                    checked = True
        except (StoreError, OSError) as error:
            log.warning("无法打开数据库：%s", error)
            QMessageBox.critical(None, APP_DISPLAY_NAME, describe(error))
            return 1
    host = WindowHost(database, lock, log_path, auto_backup=not measure_startup, checked=checked)
    try:
        if account is None and not measure_startup:
            account = ask_account(database)
        if account is False:
            return 0
        if not measure_startup and not database.read_only:
            signed = None if isinstance(account, bool) else account
            if not ask_station_profile(database, signed):
                return 0
            ask_county(database, signed)
        try:
            window = host.open_window()
        except Exception as error:
            damaged = damaged_on_first_screen(host.database, error)
            if damaged is None:
                # A bug before the window exists: show the crash dialog alone, quit when it closes.
                reporter.report(*sys.exc_info())  # type: ignore[arg-type]
                if reporter.dialog is not None:
                    reporter.dialog.finished.connect(app.quit)
                    app.exec()
                return 1
            # A big file, not checked yet, whose first screen met its damage: the same offer as on opening.
            key = host.database.key
            host.close()
            opened = open_damaged_for_window(path, damaged, key)
            if opened is None:
                return 1
            host = WindowHost(*opened, log_path, auto_backup=not measure_startup, checked=True)
            try:
                window = host.open_window()
            except StoreError:
                QMessageBox.critical(None, APP_DISPLAY_NAME, f"数据库文件损坏严重，无法打开查看。\n\n{damaged}")
                return 1
        if account is not None and not isinstance(account, bool):
            window.context.set_account(account)
        if measure_startup:
            probe = FirstPaintProbe(window)
            probe.painted.connect(lambda seconds: print(f"从进程启动到主窗口首次绘制：{seconds:.2f} 秒", flush=True))
            probe.painted.connect(lambda _seconds: QTimer.singleShot(0, app.quit))
        else:
            FirstPaintProbe(window).painted.connect(lambda _seconds: schedule_after_first_paint(host))
        window.show()
        return app.exec()
    finally:
        host.close()
