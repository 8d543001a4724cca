"""``fupin-desktop --self-test``: prove that an installed copy works, without touching the user's data.

Each step prints one line and either returns a short detail, raises ``Skipped`` (with the reason),
or raises anything else (a failure: its traceback is printed). The run stops at the first failure
and exits 0 only if every step passed or was skipped. To add a step, write a function taking the
``SelfTest`` and append a ``Step`` to ``STEPS``.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from fupin_desktop.store.db import Database

log = logging.getLogger(__name__)

DEMO_HOUSEHOLDS = 200
FIRST_PAINT_TIMEOUT_MS = 15_000


class Skipped(Exception):
    """A step that does not apply to this build (e.g. a module not in it yet)."""


@dataclass
class SelfTest:
    """What the steps share: the temporary folder and what earlier steps opened."""

    work_dir: Path
    log_dir: Path | None
    log_path: Path | None = None
    database: Database | None = None
    window: QMainWindow | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[SelfTest], str]


def check_resources(test: SelfTest) -> str:
    from fupin_desktop.assets import icon_path, migrations_path, resource_path
    from fupin_desktop.domain.codelists import codelist, codelist_names
    from fupin_desktop.domain.profiles import available_province_profiles

    names = codelist_names()
    for name in names:
        if not codelist(name):
            raise AssertionError(f"代码表“{name}”是空的")
    profiles = available_province_profiles()  # parses every one
    if not names or not profiles:
        raise AssertionError(f"缺少代码表或省份配置（{resource_path()}）")
    versions = sorted(p.name for p in (migrations_path() / "versions").glob("*.py"))
    if not (migrations_path() / "env.py").is_file() or not versions:
        raise AssertionError(f"缺少数据库迁移脚本（{migrations_path()}）")
    if not icon_path(256).is_file():
        raise AssertionError(f"缺少图标（{icon_path(256)}）")
    fonts = len(list(resource_path("fonts").glob("*.ttf")))
    return f"{len(names)}个代码表，{len(profiles)}个省份配置，{len(versions)}个迁移脚本，{fonts}个字体文件"


def start_logging(test: SelfTest) -> str:
    from fupin_desktop.ui.app import bootstrap

    test.log_path = bootstrap(test.log_dir)
    if test.log_path is None:
        raise AssertionError("无法创建日志文件夹")
    return str(test.log_path)


SELF_TEST_ADMIN = "自检管理员"
SELF_TEST_REVIEWER = "自检审核人"


def open_temporary_database(test: SelfTest) -> str:
    """A new encrypted database (SQLCipher through sqlcipher3, as every new station's), with a 管理员 and a
    审核人 whose key slots open it; the later command-line steps sign in as the 审核人."""
    import secrets

    from fupin_desktop.domain.accounts import Role
    from fupin_desktop.services.accounts import create_account, sign_in
    from fupin_desktop.services.encryption import new_encrypted_database
    from fupin_desktop.services.station import start_station
    from fupin_desktop.store.cipher import looks_encrypted
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.keyring import unlock

    path = test.work_dir / "selftest.db"
    password = secrets.token_urlsafe(12)
    key, _code = new_encrypted_database(path, accounts={SELF_TEST_ADMIN: password})
    test.database = open_database(path, key=key)
    test.cleanups.append(test.database.dispose)
    start_station(test.database, admin=SELF_TEST_ADMIN, password=password)
    admin = sign_in(test.database, name=SELF_TEST_ADMIN, password=password)
    create_account(test.database, actor=admin, name=SELF_TEST_REVIEWER, role=Role.REVIEWER, password=password)
    if not looks_encrypted(path) or unlock(path, name=SELF_TEST_REVIEWER, password=password) != key:
        raise AssertionError("新建的数据库没有加密，或账号的钥匙槽打不开它")
    for variable, value in (("FUPIN_USER", SELF_TEST_REVIEWER), ("FUPIN_PASSWORD", password)):
        previous = os.environ.get(variable)
        os.environ[variable] = value
        test.cleanups.append(lambda v=variable, p=previous: _restore_variable(v, p))
    return f"{test.database.path}，已加密（SQLCipher {_cipher_version(test.database)}）"


def _restore_variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _cipher_version(database: Database) -> str:
    with database.engine.connect() as connection:
        return str(connection.exec_driver_sql("PRAGMA cipher_version").scalar())


def make_demo_data(test: SelfTest) -> str:
    from fupin_desktop.commands.demo import fill_demo_station_profile
    from fupin_desktop.domain.clock import today
    from fupin_desktop.services.demo import generate_demo
    from fupin_desktop.services.demo_workflow import generate_demo_workflow

    assert test.database is not None
    with test.database.engine.begin() as connection:
        summary = generate_demo(connection, DEMO_HOUSEHOLDS, seed=1, today=today())
        generate_demo_workflow(connection, 1, today())
    fill_demo_station_profile(test.database)
    return f"{summary.households}户，{summary.people}人，{summary.visits}次走访"


def open_main_window(test: SelfTest) -> str:
    from PySide6.QtCore import QEventLoop, QTimer

    from fupin_desktop.ui.app import FirstPaintProbe, create_main_window, make_application

    assert test.database is not None
    app = make_application()
    window = create_main_window(test.database, test.log_path)
    test.window = window
    test.cleanups.append(window.deleteLater)
    test.cleanups.append(window.close)
    probe = FirstPaintProbe(window)
    loop = QEventLoop()
    probe.painted.connect(loop.quit)
    QTimer.singleShot(FIRST_PAINT_TIMEOUT_MS, loop.quit)
    window.show()
    if probe.seconds is None:
        loop.exec()
    if probe.seconds is None:
        raise AssertionError(f"主窗口{FIRST_PAINT_TIMEOUT_MS // 1000}秒内没有绘制")
    image = window.grab().toImage()
    if image.isNull() or image.width() < 200:
        raise AssertionError("主窗口截图为空")
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    if not any(title.startswith("帮助") for title in menus):
        raise AssertionError(f"菜单栏没有“帮助”：{menus}")
    app.processEvents()
    return f"{window.windowTitle()}，{app.platformName()}，自进程启动{probe.seconds:.2f}秒首次绘制"


def open_about_dialog(test: SelfTest) -> str:
    from fupin_desktop import __version__
    from fupin_desktop.ui.about import AboutDialog

    dialog = AboutDialog(test.database.path if test.database else None, test.log_path, test.window)
    dialog.show()
    shown = dialog.version_label.text()
    dialog.close()
    dialog.deleteLater()
    if shown != __version__:
        raise AssertionError(f"关于对话框显示版本“{shown}”，应为“{__version__}”")
    return f"版本 {shown}"


def seal_and_verify(test: SelfTest) -> str:
    """Through the command line's contract (DESIGN.md): ``seal SHEET --out DIR`` then ``verify FILE``."""
    from fupin_desktop.cli import main

    assert test.database is not None
    out = test.work_dir / "sealed"
    sheet = "training_list"
    code = main(["--db", str(test.database.path), "seal", sheet, "--out", str(out)])
    if code != 0:
        raise AssertionError(f"封存“{sheet}”失败，退出码 {code}")
    files = sorted(p for p in out.rglob("*") if p.suffix.lower() in {".xlsx", ".pdf"})
    if len(files) != 2:
        raise AssertionError(f"封存“{sheet}”应写出xlsx和PDF各一份，实际：{[p.name for p in files]}")
    for path in files:
        code = main(["--db", str(test.database.path), "verify", str(path)])
        if code != 0:
            raise AssertionError(f"校验 {path.name} 失败，退出码 {code}")
    return f"封存“{sheet}”，{len(files)}个文件校验一致"


def back_up_and_check(test: SelfTest) -> str:
    """``backup --out DIR`` through the command line, then the backup checked on its own."""
    from fupin_desktop.cli import main
    from fupin_desktop.store.backup import check_database_file, list_backups

    assert test.database is not None
    folder = test.work_dir / "备份"
    code = main(["--db", str(test.database.path), "backup", "--out", str(folder)])
    if code != 0:
        raise AssertionError(f"备份失败，退出码 {code}")
    made = list_backups(folder, test.database.path.stem)
    if len(made) != 1:
        raise AssertionError(f"备份文件夹中应有一个备份，实际：{[b.path.name for b in made]}")
    from fupin_desktop.store.cipher import looks_encrypted

    if not looks_encrypted(made[0].path):
        raise AssertionError(f"加密数据库的备份没有加密：{made[0].path.name}")
    check = check_database_file(made[0].path, key=test.database.key)
    if not check.sound or check.count("household") != DEMO_HOUSEHOLDS:
        raise AssertionError(f"备份未通过检查：{check.describe()}")
    return f"{made[0].path.name}，{check.count('household')}户，完好"


def check_log_written(test: SelfTest) -> str:
    log.info("自检：日志可写")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert test.log_path is not None
    if not test.log_path.is_file() or "自检：日志可写" not in test.log_path.read_text(encoding="utf-8"):
        raise AssertionError(f"日志文件没有写入：{test.log_path}")
    return f"{test.log_path.stat().st_size} 字节"


STEPS: list[Step] = [
    Step("资源文件（代码表、省份配置、迁移脚本、图标、字体）", check_resources),
    Step("日志文件", start_logging),
    Step("打开临时数据库（新建加密文件、建表迁移、账号钥匙槽）", open_temporary_database),
    Step(f"生成演示数据（{DEMO_HOUSEHOLDS}户）", make_demo_data),
    Step("打开主窗口并等待首次绘制", open_main_window),
    Step("关于对话框", open_about_dialog),
    Step("封存一张小表并校验", seal_and_verify),
    Step("备份并检查备份", back_up_and_check),
    Step("日志写入", check_log_written),
]


def run_self_test(*, work_dir: Path | None = None, log_dir: Path | None = None, out: TextIO | None = None) -> int:
    """Run every step on a temporary database (offscreen unless a display platform was chosen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    stream = out or sys.stdout
    from fupin_desktop import __version__

    def say(line: str) -> None:
        """On the console and, once logging is set up, in the log (a windowed .exe has no console)."""
        print(line, file=stream, flush=True)
        log.info(line)

    with tempfile.TemporaryDirectory(prefix="fupin-selftest-", ignore_cleanup_errors=True) as temporary:
        test = SelfTest(work_dir=work_dir or Path(temporary), log_dir=log_dir)
        say(f"扶贫就业信息采集 {__version__} 自检（临时文件夹 {test.work_dir}）")
        failed = False
        try:
            for number, step in enumerate(STEPS, 1):
                started = time.perf_counter()
                prefix = f"[{number}/{len(STEPS)}] {step.title}："
                try:
                    detail = step.run(test)
                except Skipped as reason:
                    say(f"{prefix}跳过（{reason}）")
                    continue
                except Exception:
                    say(f"{prefix}失败")
                    traceback.print_exc(file=stream)
                    log.exception("自检步骤失败：%s", step.title)
                    failed = True
                    break
                say(f"{prefix}通过（{detail}；{time.perf_counter() - started:.2f}秒）")
        finally:
            for cleanup in reversed(test.cleanups):
                cleanup()
        if failed:
            say("自检未通过。")
            return 1
        say("自检全部通过。")
        return 0
