"""Backups and restore without Qt: verified copies, thinning, restore, damaged and read-only files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from fupin_desktop.services.backups import (
    BackupRefused,
    back_up,
    backup_folder,
    list_backup_entries,
    restore_backup,
    set_backup_folder,
)
from fupin_desktop.services.demo import generate_demo
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.backup import (
    BackupFile,
    backup_name,
    backups_to_keep,
    check_database_file,
    list_backups,
    thin_backups,
    write_backup,
)
from fupin_desktop.store.db import Database, head_revision, open_database
from fupin_desktop.store.errors import BackupFailed, DatabaseDamaged, DatabaseReadOnly
from fupin_desktop.store.models import Household, Intention, Person, Setting, Visit, VisitChange
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY

NOW = datetime(2026, 11, 22, 17, 30, 0)


def fill(database: Database, households: int = 80) -> None:
    with database.engine.begin() as connection:
        generate_demo(connection, households, 3, today=TODAY)


def counts(database: Database) -> dict[str, int]:
    with database.session_factory() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Household, Person, Visit, Intention)
        }


def lose_visits(database: Database) -> None:
    """A mistake after the backup: every visit deleted (and committed)."""
    with UnitOfWork(database, "测试员") as uow:
        uow.session.execute(delete(VisitChange))
        uow.session.execute(delete(Visit))
        uow.commit()
    assert counts(database)["visit"] == 0


def damage(path: Path, pages: int = 8) -> None:
    """Overwrite pages in the middle of the file, as a failing disk or a torn write would."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    page_count = path.stat().st_size // page_size
    assert page_count > 4 * pages, "the file is too small to damage in the middle"
    with path.open("r+b") as handle:
        handle.seek((page_count // 2) * page_size)
        handle.write(b"\xa5" * page_size * pages)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_is_checked_and_named_and_leaves_nothing_else(database: Database, tmp_path: Path) -> None:
    fill(database)
    set_backup_folder(database, actor="测试员", folder=tmp_path / "备份")  # an audit entry to end on
    result = back_up(database, now=NOW)
    folder = database.path.parent / "备份"
    assert result.path == folder / backup_name("test", NOW)
    assert [p.name for p in folder.iterdir()] == ["test-备份-20261122-173000.db"]
    assert result.households == 80 and result.people == counts(database)["person"]
    check = check_database_file(result.path)
    assert check.sound and check.revision == head_revision()
    source = check_database_file(database.path)
    assert check.counts == source.counts
    assert check.audit_head is not None and check.audit_head == source.audit_head


def test_restore_round_trip_brings_back_the_counts_and_keeps_the_current_file_aside(database: Database) -> None:
    fill(database)
    before = counts(database)
    assert before["visit"] > 0
    made = back_up(database, now=NOW)
    lose_visits(database)
    target = database.path
    database.dispose()

    result = restore_backup(target=target, backup=made.path, actor="测试员", now=NOW + timedelta(hours=1))

    restored = open_database(target)
    try:
        assert counts(restored) == before
    finally:
        restored.dispose()
    assert result.kept_aside == target.with_name("test.恢复前-20261122-183000.db")
    aside = open_database(result.kept_aside)
    try:
        assert counts(aside)["visit"] == 0 and counts(aside)["person"] == before["person"]
    finally:
        aside.dispose()
    assert check_database_file(made.path).sound  # the backup itself is untouched


def test_a_configured_folder_is_used_and_listed_with_counts(database: Database, tmp_path: Path) -> None:
    fill(database, 30)
    usb = tmp_path / "U盘" / "扶贫备份"
    usb.parent.mkdir()
    assert set_backup_folder(database, actor="测试员", folder=usb) == usb
    assert backup_folder(database) == usb
    back_up(database, now=NOW)
    back_up(database, now=NOW + timedelta(days=1))
    entries = list_backup_entries(database)
    assert [e.made_at for e in entries] == [NOW + timedelta(days=1), NOW]
    assert entries[0].households == 30 and entries[0].people == counts(database)["person"]
    assert entries[0].size > 0
    assert not (database.path.parent / "备份").exists()
    set_backup_folder(database, actor="测试员", folder=None)
    assert backup_folder(database) == database.path.parent / "备份"


def test_thinning_keeps_anki_scheme_and_touches_only_our_files(tmp_path: Path) -> None:
    folder = tmp_path / "备份"
    folder.mkdir()
    # Backups every 3 hours for 400 days, and files that only look like ours.
    start = NOW - timedelta(days=400)
    for step in range(400 * 8):
        (folder / backup_name("fupin", start + timedelta(hours=3 * step))).write_bytes(b"x")
    strangers = [
        "fupin-备份-20261122.db",  # no time
        "fupin-备份-20261122-173000.db.bak",
        "fupin.备份-0001_initial-20261101-120000.db",  # the pre-migration copy
        "other-备份-20200101-000000.db",  # another database's backups
        "notes.txt",
        "fupin-备份-20261399-000000.db",  # not a real date
        "fupin-备份-20261122-173000-1.db",  # the first of a second has no counter
        "fupin-备份-20261122-173000-02.db",
        "fupin-备份-20261122-173000-x.db",
    ]
    for name in strangers:
        (folder / name).write_bytes(b"keep me")
    cut_off = folder / f".fupin-备份中-{'a' * 32}.tmp"  # a backup cut off by a power loss, two days ago
    cut_off.write_bytes(b"half")
    os.utime(cut_off, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    running = folder / f".fupin-备份中-{'b' * 32}.tmp"  # one being written right now
    running.write_bytes(b"half")

    removed = thin_backups(folder, "fupin")

    kept = list_backups(folder, "fupin")
    assert len(kept) == 8 + 12 + 10 + 9
    assert len(removed) == 400 * 8 - len(kept) + 1
    assert not cut_off.exists() and running.exists()
    newest = start + timedelta(hours=3 * (400 * 8 - 1))
    assert [b.made_at for b in kept[:8]] == [newest - timedelta(hours=3 * i) for i in range(8)]  # the last day
    daily = kept[8:20]
    assert len({b.made_at.date() for b in daily}) == 12  # then one per day for 12 days
    assert all(b.made_at.date() < kept[7].made_at.date() for b in daily)
    assert (newest - kept[-1].made_at).days > 250  # months reach far back
    for name in strangers:
        assert (folder / name).read_bytes() == b"keep me"


def test_backups_made_in_the_same_second_get_their_own_names_and_thin_by_their_order(
    database: Database, tmp_path: Path
) -> None:
    fill(database)
    folder = tmp_path / "备份"
    first, second, third = (back_up(database, folder=folder, now=NOW) for _ in range(3))
    names = [result.path.name for result in (first, second, third)]
    assert names == ["test-备份-20261122-173000.db", "test-备份-20261122-173000-2.db", "test-备份-20261122-173000-3.db"]
    assert all(check_database_file(folder / name).sound for name in names)
    assert [b.path.name for b in list_backups(folder, "test")] == names[::-1]  # the newest first
    older = [BackupFile(Path(f"{h}.db"), "test", NOW - timedelta(days=2, hours=h)) for h in range(3)]
    same_second = [BackupFile(folder / f"{n}.db", "test", NOW - timedelta(days=1, hours=1), n) for n in (1, 2, 3)]
    keep = backups_to_keep([*older, *same_second], recent=1, daily=1, weekly=0, monthly=0)
    assert keep == {Path("0.db"), folder / "3.db"}  # of one second, the last one made is the newest


def test_thinning_a_fresh_history_keeps_the_last_day_and_then_one_a_day() -> None:
    backups = [BackupFile(Path(f"{h}.db"), "fupin", NOW - timedelta(hours=h)) for h in range(0, 72, 3)]
    keep = backups_to_keep(backups)
    assert {Path(f"{h}.db") for h in range(0, 24, 3)} <= keep  # everything of the last day
    older = [b for b in backups if b.path not in keep]
    kept_older = [b for b in backups if b.path in keep and NOW - b.made_at >= timedelta(days=1)]
    assert older  # the same day twice is not kept twice
    assert len({b.made_at.date() for b in kept_older}) == len(kept_older)


def test_a_damaged_file_is_refused_for_writing_with_the_newest_sound_backup(database: Database) -> None:
    fill(database, 150)
    made = back_up(database, now=NOW)
    path = database.path
    database.dispose()
    damage(path)

    check = check_database_file(path, quick=True)
    assert not check.sound
    with pytest.raises(DatabaseDamaged) as refused:
        open_database(path)
    assert "已损坏" in str(refused.value)
    assert str(made.path) in str(refused.value)

    viewer = open_database(path, read_only=True)  # looking is allowed, writing is not
    try:
        assert viewer.read_only
        with pytest.raises(DatabaseReadOnly), UnitOfWork(viewer, "测试员") as uow:
            uow.session.add(Setting(key="x", value="y"))
            uow.commit()
        with pytest.raises(BackupRefused):
            back_up(viewer, now=NOW)
    finally:
        viewer.dispose()


def test_a_damaged_database_makes_no_backup_of_our_name(database: Database) -> None:
    fill(database, 150)
    path = database.path
    database.dispose()
    damage(path)
    with pytest.raises(DatabaseDamaged):
        write_backup(path, path.parent / "备份", made_at=NOW)
    assert list((path.parent / "备份").iterdir()) == []


def test_restore_refuses_a_damaged_backup_and_leaves_the_file(database: Database) -> None:
    fill(database, 150)
    made = back_up(database, now=NOW)
    path = database.path
    database.dispose()
    damage(made.path)
    before = digest(path)
    with pytest.raises(DatabaseDamaged):
        restore_backup(target=path, backup=made.path, actor="测试员")
    assert digest(path) == before
    assert [p.name for p in path.parent.iterdir() if "恢复前" in p.name] == []


def test_a_backup_opened_directly_is_read_only_and_unchanged(database: Database) -> None:
    fill(database, 20)
    made = back_up(database, now=NOW)
    before = digest(made.path)
    backup = open_database(made.path)
    try:
        assert backup.is_backup and backup.read_only
        assert counts(backup)["household"] == 20
        with pytest.raises(DatabaseReadOnly), UnitOfWork(backup, "测试员") as uow:
            uow.session.execute(delete(Visit))
        with pytest.raises(BackupRefused):
            back_up(backup)
    finally:
        backup.dispose()
    assert digest(made.path) == before
    assert sorted(p.name for p in made.path.parent.iterdir()) == [made.path.name]


def test_logs_of_backup_restore_and_damage_hold_no_personal_data(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    fill(database, 150)
    with database.session_factory() as session:
        people = session.execute(select(Person.name, Person.id_number, Person.phone)).all()
    caplog.set_level("DEBUG")
    made = back_up(database, now=NOW)
    path = database.path
    database.dispose()
    restore_backup(target=path, backup=made.path, actor="测试员", now=NOW)
    damage(path)
    with pytest.raises(DatabaseDamaged):
        open_database(path)
    text = caplog.text
    assert "已备份" in text and "已从备份" in text
    for name, id_number, phone in people:
        assert id_number not in text
        assert len(name) < 2 or name not in text
        assert not phone or phone not in text


def test_a_missing_usb_stick_is_a_clear_refusal_and_no_folder_is_made(database: Database, tmp_path: Path) -> None:
    fill(database, 10)
    unplugged = tmp_path / "media" / "U盘" / "扶贫备份"
    set_backup_folder(database, actor="测试员", folder=unplugged)
    with pytest.raises(BackupFailed) as refused:
        back_up(database, now=NOW)
    assert "U盘" in str(refused.value)
    assert not (tmp_path / "media").exists()


def test_a_folder_that_cannot_be_written_is_a_clear_refusal(database: Database, tmp_path: Path) -> None:
    fill(database, 10)
    not_a_folder = tmp_path / "备份.txt"
    not_a_folder.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(BackupFailed) as refused:
        back_up(database, folder=not_a_folder, now=NOW)
    assert "无法创建备份文件夹" in str(refused.value)
    with pytest.raises(ServiceError):
        set_backup_folder(database, actor="测试员", folder=not_a_folder)
