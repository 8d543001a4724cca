"""``backup`` and ``restore`` on the command line: exit codes, messages, the window's lock file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QLockFile

from fupin_desktop.store.backup import check_database_file, list_backups
from tests.test_backups import damage, digest
from tests.test_cli import run_cli


def make_demo(path: Path, households: int = 120) -> None:
    result = run_cli("--db", str(path), "demo", "--plain", "--households", str(households))
    assert result.returncode == 0, result.stderr


def test_backup_then_restore_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "station.db"
    make_demo(db)
    made = run_cli("--db", str(db), "backup")
    assert made.returncode == 0, made.stderr
    assert "已备份" in made.stdout and "120户" in made.stdout
    [backup] = list_backups(tmp_path / "备份", "station")

    usb = tmp_path / "usb"
    assert run_cli("--db", str(db), "backup", "--out", str(usb)).returncode == 0
    assert len(list_backups(usb, "station")) == 1

    before = digest(db)
    refused = run_cli("--db", str(db), "restore", str(backup.path))  # as the demo's 审核人 (conftest)
    assert refused.returncode == 1
    assert refused.stderr == "错误：需要管理员权限才能恢复备份（当前账号“reviewer”是审核人（站长））。\n"
    assert digest(db) == before and not list(tmp_path.glob("station.恢复前-*.db"))

    monkeypatch.setenv("FUPIN_USER", "admin")
    restored = run_cli("--db", str(db), "restore", str(backup.path))
    assert restored.returncode == 0, restored.stderr
    assert "已从" in restored.stdout and "station.恢复前-" in restored.stdout
    assert check_database_file(db).counts["household"] == 120
    assert len(list(tmp_path.glob("station.恢复前-*.db"))) == 1


def test_restore_is_refused_while_a_window_holds_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    make_demo(db, 20)
    assert run_cli("--db", str(db), "backup").returncode == 0
    [backup] = list_backups(tmp_path / "备份", "station")
    before = digest(db)
    lock = QLockFile(str(db.with_name(db.name + ".lock")))  # as the window takes it
    assert lock.tryLock(0)
    try:
        refused = run_cli("--db", str(db), "restore", str(backup.path))
    finally:
        lock.unlock()
    assert refused.returncode == 1
    assert "正在程序窗口中打开" in refused.stderr and "Traceback" not in refused.stderr
    assert digest(db) == before


def test_exit_codes_for_missing_foreign_and_damaged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUPIN_USER", "admin")  # 恢复备份 is the 管理员's
    missing = run_cli("--db", str(tmp_path / "none.db"), "backup")
    assert missing.returncode == 2 and "找不到数据库文件" in missing.stderr
    assert not (tmp_path / "none.db").exists()

    db = tmp_path / "station.db"
    make_demo(db, 150)
    no_backup = run_cli("--db", str(db), "restore", str(tmp_path / "none.db"))
    assert no_backup.returncode == 2 and "找不到备份文件" in no_backup.stderr

    foreign = tmp_path / "备份.xlsx"
    foreign.write_bytes(b"PK\x03\x04 not a database")
    not_db = run_cli("--db", str(db), "restore", str(foreign))
    assert not_db.returncode == 2 and "不是本程序的数据库文件" in not_db.stderr

    other = tmp_path / "其他程序.db"  # a SQLite file, but not one of ours
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    before = digest(db)
    not_ours = run_cli("--db", str(db), "restore", str(other))
    assert not_ours.returncode == 2 and "不是本程序的数据库" in not_ours.stderr
    assert digest(db) == before

    assert run_cli("--db", str(db), "backup").returncode == 0
    damage(db)
    damaged = run_cli("--db", str(db), "backup")
    assert damaged.returncode == 1
    assert "已损坏" in damaged.stderr and "最新的完好备份" in damaged.stderr
    assert "Traceback" not in damaged.stderr
    assert len(list_backups(tmp_path / "备份", "station")) == 1


def test_restore_onto_a_new_laptop_creates_the_database(tmp_path: Path) -> None:
    """The disk died; the USB stick's backup becomes the database of a fresh data folder."""
    db = tmp_path / "old" / "station.db"
    db.parent.mkdir()
    make_demo(db, 40)
    usb = tmp_path / "usb"
    assert run_cli("--db", str(db), "backup", "--out", str(usb)).returncode == 0
    [backup] = list_backups(usb, "station")
    fresh = tmp_path / "new-laptop" / "data" / "fupin.db"
    restored = run_cli("--db", str(fresh), "restore", str(backup.path))
    assert restored.returncode == 0, restored.stderr
    assert "另存为" not in restored.stdout  # nothing was there to keep aside
    assert check_database_file(fresh).counts["household"] == 40
