"""The environment's failures — another writer, a full disk, a read-only file, a damaged file — end in a
Chinese message with nothing written and nothing personal in the log, in the window and on the CLI."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from fupin_desktop.logging_setup import current_log_file, scrub, setup_logging, teardown_logging
from fupin_desktop.services.households import register_household
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.errors import DatabaseDamaged, DatabaseLocked, DatabaseReadOnly, DiskFull, StoreError
from fupin_desktop.store.lockfile import window_holding
from fupin_desktop.store.models import Household, Person
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import household, person
from tests.sheets import LI, ZHANG, good_rows, write_sheet

# Personal data of the household the tests try to save (tests/conftest.py ``household``; tests/sheets.py).
PERSONAL = ("张三丰", "李秀英", "13805391234", "北村一组12号", ZHANG, LI)


def count(database: Database, table: type[object]) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0  # type: ignore[arg-type]


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = setup_logging(tmp_path / "log")
    yield path
    teardown_logging()


def assert_nothing_personal(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


class WriteLock:
    """Another program holding SQLite's write lock (BEGIN IMMEDIATE), as a second window would."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0


class SmallDisk:
    """A tiny tmpfs (root only): the real 'database or disk is full' and a real read-only file system."""

    def __init__(self, where: Path, size: str = "4m") -> None:
        self.path = where
        where.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=False)
        if result.returncode != 0:
            pytest.skip("cannot mount a tmpfs here")

    def fill(self) -> None:
        descriptor = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(descriptor, b"\0" * 65536)
        except OSError:
            pass
        finally:
            os.close(descriptor)
        descriptor = os.open(self.path / "filler2", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(descriptor, b"\0" * 512)
        except OSError:
            pass
        finally:
            os.close(descriptor)

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    if not can_mount():
        pytest.skip("a tmpfs needs root on Linux")
    disk = SmallDisk(tmp_path / "disk")
    yield disk
    disk.unmount()


def station_database(path: Path) -> Database:
    """A database with the conftest village (北村) and nothing else."""
    from fupin_desktop.services.regions import create_region

    database = open_database(path, busy_timeout=0.2)
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    return database


def village_of(database: Database) -> uuid.UUID:
    from fupin_desktop.store.models import Region

    with database.session_factory() as session:
        found = session.scalar(select(Region.id).where(Region.code == "371321001001"))
    assert found is not None
    return found


# --- the service floor --------------------------------------------------------------------------------


def test_a_save_while_another_program_writes_is_refused_as_locked(tmp_path: Path, log_file: Path) -> None:
    database = station_database(tmp_path / "a.db")
    village = village_of(database)
    other = WriteLock(database.path)
    try:
        with pytest.raises(DatabaseLocked, match="正被另一个程序写入") as caught:
            register_household(database, actor="王敏", village_id=village, facts=household())
    finally:
        other.release()
    logging.getLogger("test").warning("失败", exc_info=caught.value)
    assert count(database, Household) == 0 and count(database, Person) == 0
    text = log_file.read_text(encoding="utf-8")
    assert "DatabaseLocked" in text and "database is locked" in text
    assert_nothing_personal(text)
    database.dispose()


def test_an_injected_full_disk_during_a_save_is_refused_with_nothing_written(
    database: Database, village: uuid.UUID
) -> None:
    @event.listens_for(database.engine, "before_cursor_execute")
    def full(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(DiskFull, match="磁盘空间已满") as caught:
        register_household(database, actor="王敏", village_id=village, facts=household())
    event.remove(database.engine, "before_cursor_execute", full)
    assert count(database, Household) == 0
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)  # the driver's text, not the statement
    assert_nothing_personal(str(caught.value) + repr(caught.value.__cause__))


def test_a_real_full_disk_is_refused_and_the_file_stays_readable(small_disk: SmallDisk) -> None:
    database = station_database(small_disk.path / "full.db")
    village = village_of(database)
    small_disk.fill()
    with pytest.raises(DiskFull, match="磁盘空间已满"):
        for number in range(40):  # one household may still fit in a page already there
            head = person("张三丰", "户主", date(1960, 1, 1) + timedelta(days=number), 11)
            facts = household(f"37132100100{number + 1:05d}", head)
            register_household(database, actor="王敏", village_id=village, facts=facts)
    saved = count(database, Household)
    database.dispose()
    (small_disk.path / "filler").unlink()
    reopened = open_database(small_disk.path / "full.db")
    assert count(reopened, Household) == saved
    reopened.dispose()


def test_a_read_only_file_system_is_refused_on_a_fresh_open(small_disk: SmallDisk) -> None:
    station_database(small_disk.path / "ro.db").dispose()
    small_disk.read_only()
    with pytest.raises(DatabaseReadOnly, match="只读") as caught:
        open_database(small_disk.path / "ro.db")
    assert caught.value.exit_code == 2


def test_a_read_only_file_is_refused_without_root(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes a chmod 444 file anyway; the tmpfs test covers root")
    path = tmp_path / "ro.db"
    database = station_database(path)
    village = village_of(database)
    database.dispose()
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(DatabaseReadOnly):
            database = open_database(path)
            register_household(database, actor="王敏", village_id=village, facts=household())
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)


def test_a_damaged_file_is_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    station_database(path).dispose()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\x5a" * 3996  # keep the 100-byte header, wreck the schema table
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged, match="已损坏"):
        open_database(path)


def test_every_store_error_names_what_to_do() -> None:
    for error in (
        DatabaseLocked("x"),
        DiskFull("x"),
        DatabaseReadOnly("x"),
        DatabaseDamaged("x"),
    ):
        assert isinstance(error, StoreError) and error.exit_code in (1, 2)


# --- the log ------------------------------------------------------------------------------------------


def test_a_database_error_in_the_log_keeps_the_statement_but_not_its_values(
    database: Database, village: uuid.UUID, log_file: Path
) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as caught, UnitOfWork(database, "王敏") as uow:
        uow.session.add(Person(name="张三丰", id_number=ZHANG, phone="13805391234", household_id=uuid.uuid4()))
        uow.session.flush()
    logging.getLogger("fupin_desktop.test").error("保存失败", exc_info=caught.value)
    logging.getLogger("fupin_desktop.test").info("手机 13805391234，座机 0539-3221234，身份证 %s", ZHANG)
    logging.getLogger("sqlalchemy.engine.Engine").info("INSERT … ('张三丰', '%s')", ZHANG)
    text = log_file.read_text(encoding="utf-8")
    assert "INSERT INTO person" in text and "已略去" in text
    assert "[手机号]" in text and "[电话]" in text and "[身份证号]" in text
    assert_nothing_personal(text)
    assert current_log_file() == log_file


def test_scrub_masks_ids_and_phones_inside_chinese_text() -> None:
    text = scrub(f"成员张三丰（{ZHANG}，电话13805391234）与{LI[:15]}")
    assert ZHANG not in text and "13805391234" not in text and LI[:15] not in text
    assert "张三丰" in text  # names cannot be recognised: they must never be logged in the first place


# --- the command line ---------------------------------------------------------------------------------


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def cli_log(tmp_path: Path) -> str:
    files = list((tmp_path / "state").rglob("*.log"))
    return "".join(f.read_text(encoding="utf-8") for f in files)


def test_cli_import_while_another_program_writes_is_refused(tmp_path: Path) -> None:
    database = station_database(tmp_path / "cli.db")
    sheet = write_sheet(tmp_path / "北村.xlsx", good_rows())
    other = WriteLock(database.path)
    try:
        result = run_cli(tmp_path, "--db", str(database.path), "import", str(sheet))
    finally:
        other.release()
    assert result.returncode == 1, result.stderr
    assert "正被另一个程序写入" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert count(database, Person) == 0
    log = cli_log(tmp_path)
    assert "DatabaseLocked" in log
    assert_nothing_personal(result.stderr + result.stdout + log)
    database.dispose()


def test_cli_import_on_a_full_disk_is_refused(small_disk: SmallDisk, tmp_path: Path) -> None:
    station_database(small_disk.path / "cli.db").dispose()
    sheet = write_sheet(tmp_path / "北村.xlsx", good_rows())
    small_disk.fill()
    result = run_cli(tmp_path, "--db", str(small_disk.path / "cli.db"), "import", str(sheet))
    assert result.returncode == 1, result.stderr
    assert "磁盘空间已满" in result.stderr and "Traceback" not in result.stderr
    (small_disk.path / "filler").unlink()
    database = open_database(small_disk.path / "cli.db")
    assert count(database, Person) == 0
    database.dispose()
    assert_nothing_personal(result.stderr + cli_log(tmp_path))


def test_cli_import_on_a_read_only_file_cannot_run(small_disk: SmallDisk, tmp_path: Path) -> None:
    station_database(small_disk.path / "cli.db").dispose()
    sheet = write_sheet(tmp_path / "北村.xlsx", good_rows())
    small_disk.read_only()
    result = run_cli(tmp_path, "--db", str(small_disk.path / "cli.db"), "import", str(sheet))
    assert result.returncode == 2, result.stderr
    assert "只读" in result.stderr and "Traceback" not in result.stderr


def test_a_writing_command_is_refused_while_a_window_has_the_file_open(tmp_path: Path) -> None:
    from PySide6.QtCore import QLockFile

    database = station_database(tmp_path / "open.db")
    database.dispose()
    sheet = write_sheet(tmp_path / "北村.xlsx", good_rows())
    lock = QLockFile(str(tmp_path / "open.db.lock"))
    assert lock.tryLock(0)
    try:
        holder = window_holding(tmp_path / "open.db")
        assert holder is not None and holder.pid == os.getpid()
        refused = run_cli(tmp_path, "--db", str(tmp_path / "open.db"), "import", str(sheet))
        dry_run = run_cli(tmp_path, "--db", str(tmp_path / "open.db"), "import", str(sheet), "--dry-run")
    finally:
        lock.unlock()
    assert refused.returncode == 1
    assert "已在程序窗口中打开" in refused.stderr and f"进程号{os.getpid()}" in refused.stderr
    assert dry_run.returncode == 0, dry_run.stderr  # reading is never refused
    again = run_cli(tmp_path, "--db", str(tmp_path / "open.db"), "import", str(sheet))
    assert again.returncode == 0, again.stderr


def test_a_lock_left_by_a_crashed_window_does_not_block_the_command_line(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    import socket

    (tmp_path / "x.db.lock").write_text(f"{dead_pid}\nfupin-desktop\n{socket.gethostname()}\n", encoding="utf-8")
    assert window_holding(tmp_path / "x.db") is None


# --- the window ---------------------------------------------------------------------------------------


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def record(_parent: object, title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(record))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(record))
    return shown


def edit_phone_in_window(qtbot: object, database: Database, failure: object) -> tuple[object, str]:
    """Open the saved household's form, type a new phone and press 保存 while ``failure`` is active."""
    from PySide6.QtWidgets import QLineEdit

    from fupin_desktop.ui.context import AppContext
    from fupin_desktop.ui.household_form import HouseholdDialog

    saved = register_household(database, actor="王敏", village_id=village_of(database), facts=household())
    context = AppContext(database)
    changes: list[str] = []
    context.data_changed.connect(changes.append)
    dialog = HouseholdDialog(context, household_id=saved.id)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    phone = dialog.grid.widgets["phone"]
    assert isinstance(phone, QLineEdit)
    phone.setText("13905390000")
    with failure:  # type: ignore[attr-defined]
        dialog.save()
    assert changes == []  # nothing changed, so no page refreshes
    with database.session_factory() as session:
        stored = session.get(Household, saved.id)
        assert stored is not None
        return dialog, stored.phone or ""


class Locked:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        self.lock = WriteLock(self.path)

    def __exit__(self, *_exc: object) -> None:
        self.lock.release()


class InjectedFullDisk:
    def __init__(self, database: Database) -> None:
        self.engine = database.engine

    @staticmethod
    def _full(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")

    def __enter__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._full)

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._full)


@pytest.mark.parametrize("kind", ["locked", "full"])
def test_a_save_in_the_window_gets_a_message_box_and_nothing_is_written(
    qtbot: object, tmp_path: Path, boxes: list[tuple[str, str]], log_file: Path, kind: str
) -> None:
    database = station_database(tmp_path / "w.db")
    failure = Locked(database.path) if kind == "locked" else InjectedFullDisk(database)
    dialog, phone = edit_phone_in_window(qtbot, database, failure)
    assert phone == "13805391234"
    assert len(boxes) == 1
    title, text = boxes[0]
    assert title == "无法访问数据库"
    assert ("正被另一个程序写入" if kind == "locked" else "磁盘空间已满") in text
    assert dialog.isVisible()  # type: ignore[attr-defined]  # the clerk's typing is still there to save again
    log = log_file.read_text(encoding="utf-8")
    assert ("DatabaseLocked" if kind == "locked" else "DiskFull") in log
    assert_nothing_personal(log + text)
    assert "13905390000" not in log
    dialog.dirty = False  # type: ignore[attr-defined]  # closing at teardown must not ask
    database.dispose()


def test_the_window_on_a_read_only_file_system_says_so_and_writes_nothing(small_disk: SmallDisk) -> None:
    from fupin_desktop.ui.app import open_for_window

    station_database(small_disk.path / "ro.db").dispose()
    small_disk.read_only()
    with pytest.raises(DatabaseReadOnly, match="只读"):
        open_for_window(small_disk.path / "ro.db")
    assert not (small_disk.path / "ro.db.lock").exists()


def test_a_store_error_no_page_caught_gets_a_message_box_not_the_crash_dialog(
    qtbot: object, boxes: list[tuple[str, str]], log_file: Path
) -> None:
    from fupin_desktop.ui.crash import CrashReporter

    reporter = CrashReporter(log_file)
    error = DatabaseLocked("数据库文件正被另一个程序写入。", detail="SQLITE_BUSY: database is locked")
    reporter.report(DatabaseLocked, error, None)
    qtbot.waitUntil(lambda: bool(boxes))  # type: ignore[attr-defined]
    assert reporter.dialog is None
    assert boxes == [("无法访问数据库", str(error))]
    assert "SQLITE_BUSY" in log_file.read_text(encoding="utf-8")


def test_the_crash_dialog_of_a_database_bug_shows_no_personal_data(
    qtbot: object, database: Database, log_file: Path
) -> None:
    from sqlalchemy.exc import IntegrityError

    from fupin_desktop.ui.crash import CrashReporter

    with pytest.raises(IntegrityError) as caught, UnitOfWork(database, "王敏") as uow:
        uow.session.add(Person(name="张三丰", id_number=ZHANG, phone="13805391234", household_id=uuid.uuid4()))
        uow.session.flush()
    reporter = CrashReporter(log_file)
    reporter.report(IntegrityError, caught.value, caught.value.__traceback__)
    qtbot.waitUntil(lambda: reporter.dialog is not None)  # type: ignore[attr-defined]
    assert reporter.dialog is not None
    details = reporter.dialog.details
    assert "IntegrityError" in details and "已略去" in details
    assert_nothing_personal(details + log_file.read_text(encoding="utf-8"))
    reporter.dialog.close()
