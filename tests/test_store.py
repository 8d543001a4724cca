"""The database file: migrations from empty, refusal of a newer schema or a foreign file, backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from fupin_desktop.store.db import open_database
from fupin_desktop.store.errors import DatabaseTooNew, NotADatabase


def test_migration_from_empty_creates_every_table(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    try:
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            revision = connection.execute(text("select version_num from alembic_version")).scalar()
            journal = connection.execute(text("pragma journal_mode")).scalar()
            foreign_keys = connection.execute(text("pragma foreign_keys")).scalar()
    finally:
        db.dispose()
    assert {"region", "household", "person", "visit", "audit_entry", "intention", "submission"} <= tables
    assert revision is not None
    assert journal == "wal"
    assert foreign_keys == 1


def test_reopening_an_up_to_date_file_makes_no_backup(tmp_path: Path) -> None:
    open_database(tmp_path / "a.db").dispose()
    open_database(tmp_path / "a.db").dispose()
    assert not list(tmp_path.glob("*备份*"))


def test_a_database_from_a_newer_program_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    open_database(path).dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("update alembic_version set version_num = '9999_from_the_future'")
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="更新版本"):
        open_database(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库", encoding="utf-8")
    with pytest.raises(NotADatabase, match="不是本程序的数据库文件"):
        open_database(path)
    assert path.read_text(encoding="utf-8") == "这不是数据库"
