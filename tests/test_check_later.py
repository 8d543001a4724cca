"""The quick check left for later (``open_database(check_later=True)``, as the window opens a big file):
nothing waits for it but writes, and no write goes into a file it finds damaged."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, text

from fupin_desktop.services.backups import back_up
from fupin_desktop.store import backup as store_backup
from fupin_desktop.store.db import open_database
from fupin_desktop.store.errors import DatabaseDamaged, DatabaseReadOnly
from fupin_desktop.store.models import Intention
from fupin_desktop.store.uow import UnitOfWork
from tests.test_backups import NOW, damage, fill


@pytest.fixture
def county(tmp_path: Path) -> Path:
    path = tmp_path / "county.db"
    database = open_database(path)
    fill(database, 150)
    back_up(database, now=NOW)
    database.dispose()
    return path


def delete_intentions(database: object) -> None:
    with UnitOfWork(database, "测试员") as uow:  # type: ignore[arg-type]
        uow.session.execute(delete(Intention))
        uow.commit()


class SlowCheck:
    """The store's quick check held until ``release()``: a county's encrypted file checked on a slow laptop."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = threading.Event()
        self.go = threading.Event()
        real = store_backup.check_database_file

        def slow(path: Path, **options: object) -> store_backup.FileCheck:
            self.started.set()
            assert self.go.wait(30)
            return real(path, **options)  # type: ignore[arg-type]

        monkeypatch.setattr(store_backup, "check_database_file", slow)

    def release(self) -> None:
        self.go.set()


def test_a_damaged_file_opens_for_reading_and_its_first_write_is_refused(county: Path) -> None:
    damage(county)
    with pytest.raises(DatabaseDamaged):
        open_database(county).dispose()  # checked on open: refused, as before
    database = open_database(county, check_later=True)
    try:
        assert database.check_pending and not database.read_only
        with database.session_factory() as session:  # the first screen reads what it can
            session.execute(text("select count(*) from region")).scalar()
        with pytest.raises(DatabaseReadOnly, match="最新的完好备份"):
            delete_intentions(database)  # the write ran the check itself, and was refused
        assert database.read_only and not database.check_pending
        assert "最新的完好备份" in (database.run_deferred_check() or "")
    finally:
        database.dispose()


def test_a_sound_file_checked_later_is_written_as_usual(county: Path) -> None:
    database = open_database(county, check_later=True)
    try:
        assert database.run_deferred_check() is None
        assert not database.check_pending and not database.read_only
        delete_intentions(database)
    finally:
        database.dispose()


@pytest.mark.parametrize("damaged", [False, True])
def test_a_write_waits_for_the_check_running_in_the_background(
    county: Path, monkeypatch: pytest.MonkeyPatch, damaged: bool
) -> None:
    if damaged:
        damage(county)
    slow = SlowCheck(monkeypatch)
    database = open_database(county, check_later=True)  # opening does not wait for the check
    outcome: list[BaseException | None] = []
    try:
        checker = threading.Thread(target=database.run_deferred_check)
        checker.start()
        assert slow.started.wait(10)

        def write() -> None:
            try:
                delete_intentions(database)
            except BaseException as error:  # handed to the test thread
                outcome.append(error)
            else:
                outcome.append(None)

        writer = threading.Thread(target=write)
        writer.start()
        writer.join(0.5)
        assert writer.is_alive() and not outcome, "the write went on before the check's verdict"
        slow.release()
        writer.join(30)
        checker.join(30)
        assert len(outcome) == 1
        if damaged:
            assert isinstance(outcome[0], DatabaseReadOnly) and database.read_only
        else:
            assert outcome[0] is None and not database.read_only
    finally:
        slow.release()
        database.dispose()


def test_a_file_to_be_migrated_is_checked_before_the_migration_writes(county: Path) -> None:
    """A migration writes (and copies the file first): it never runs on a file of unknown soundness."""
    database = open_database(county)
    with database.engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = '0006_ownership'"))
    database.dispose()
    damage(county)
    with pytest.raises(DatabaseDamaged):
        open_database(county, check_later=True).dispose()
    assert not list(county.parent.glob("county.备份-*"))  # no copy made before the refusal


def test_an_encrypted_file_checked_later(tmp_path: Path) -> None:
    from fupin_desktop.services.encryption import new_encrypted_database

    path = tmp_path / "station.db"
    key, _code = new_encrypted_database(path, accounts={"admin": "demo-password"})
    database = open_database(path, key=key)
    fill(database, 20)
    database.dispose()
    database = open_database(path, key=key, check_later=True)
    try:
        assert database.check_pending
        delete_intentions(database)  # runs the check, then writes
        assert not database.check_pending and not database.read_only
    finally:
        database.dispose()


def test_the_damage_verdict_survives_a_second_check_call(county: Path) -> None:
    damage(county)
    database = open_database(county, check_later=True)
    try:
        first = database.run_deferred_check()
        assert first is not None and database.run_deferred_check() == first
    finally:
        database.dispose()
