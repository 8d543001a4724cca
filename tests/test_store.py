"""The database file: migrations from empty, refusal of a newer schema or a foreign file, backups."""

from __future__ import annotations

import functools
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from fupin_desktop.store.db import Database, open_database
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


@functools.cache
def _shipped_head() -> str:
    """The newest revision the program ships (read before a test adds one)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import fupin_desktop.store.db as db_module

    config = Config()
    config.set_main_option("script_location", str(db_module.MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _with_extra_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """The shipped migrations plus one newer revision, as the next program version would bring."""
    import shutil

    import fupin_desktop.store.db as db_module

    scripts = tmp_path / "migrations"
    shutil.copytree(db_module.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_next.py").write_text(
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = '0002_next'\ndown_revision = '{_shipped_head()}'\nbranch_labels = None\ndepends_on = None\n\n"
        f"def upgrade() -> None:\n{body}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(db_module, "MIGRATIONS_DIR", scripts)


def _households(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from household").fetchone()[0]


def test_an_upgrade_copies_the_file_first_and_the_copy_holds_the_old_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fupin_desktop.services.demo import generate_demo

    path = tmp_path / "fupin.db"
    db = open_database(path)
    with db.engine.begin() as connection:
        generate_demo(connection, 20, seed=1, today=date(2026, 11, 22))
    db.dispose()
    _shipped_head()  # read before the test adds a revision
    _with_extra_revision(tmp_path, monkeypatch, "    op.add_column('household', sa.Column('note2', sa.Text()))")

    upgraded = open_database(path)
    upgraded.dispose()

    backups = list(tmp_path.glob(f"fupin.备份-{_shipped_head()}-*.db"))
    assert len(backups) == 1
    assert _households(backups[0]) == _households(path) == 20
    with sqlite3.connect(path) as connection:
        assert connection.execute("select version_num from alembic_version").fetchone()[0] == "0002_next"
        columns = [row[1] for row in connection.execute("pragma table_info(household)")]
    assert "note2" in columns


def test_a_failing_upgrade_leaves_a_good_copy_and_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fupin_desktop.services.demo import generate_demo

    path = tmp_path / "fupin.db"
    db = open_database(path)
    with db.engine.begin() as connection:
        generate_demo(connection, 20, seed=1, today=date(2026, 11, 22))
    db.dispose()
    _shipped_head()  # read before the test adds a revision
    _with_extra_revision(tmp_path, monkeypatch, "    raise RuntimeError('迁移中断')")

    with pytest.raises(RuntimeError, match="迁移中断"):
        open_database(path)

    backups = list(tmp_path.glob(f"fupin.备份-{_shipped_head()}-*.db"))
    assert len(backups) == 1
    assert _households(backups[0]) == 20
    assert _households(path) == 20
    with sqlite3.connect(path) as connection:
        assert connection.execute("select version_num from alembic_version").fetchone()[0] == _shipped_head()


def test_bulk_insert_stores_every_value_exactly_as_the_orm_does(database: Database) -> None:
    import uuid
    from datetime import datetime

    from sqlalchemy import select

    from fupin_desktop.store.bulk import insert_rows
    from fupin_desktop.store.models import AuditEntry
    from fupin_desktop.store.uow import UnitOfWork

    moment = datetime(2024, 5, 6, 7, 8, 9, 123)
    ids = [uuid.uuid4() for _ in range(4)]
    entity = uuid.uuid4()
    columns = ("id", "at", "operator", "action", "entity", "entity_id", "field", "old_value", "new_value")
    with UnitOfWork(database, "李红梅") as uow:
        uow.session.add(AuditEntry(id=ids[0], at=moment, operator="李红梅", action="create", entity="person",
                                   entity_id=entity, field=None, old_value=None, new_value="张三"))  # fmt: skip
        rows = [(i, moment, "李红梅", "create", "person", entity, None, None, "张三") for i in ids[1:3]]
        rows.append((ids[3], datetime(2024, 5, 6), "王五", "update", "person", entity, "name", "甲", "乙"))
        insert_rows(uow.session, AuditEntry.__table__, columns, rows)
        uow.commit()
        loaded = {e.id: (e.at, e.operator, e.entity_id, e.field, e.new_value) for e in uow.session.scalars(
            select(AuditEntry))}  # fmt: skip
    assert loaded[ids[3]] == (datetime(2024, 5, 6), "王五", entity, "name", "乙")
    assert loaded[ids[1]] == loaded[ids[0]]
    with sqlite3.connect(database.path) as raw:
        stored = {r[0]: r[1:] for r in raw.execute("select id, at, entity_id, typeof(at), typeof(id) from audit_entry")}
    assert stored[ids[1].hex] == stored[ids[2].hex] == stored[ids[0].hex]  # the ORM's text, byte for byte
    assert stored[ids[0].hex] == ("2024-05-06 07:08:09.000123", entity.hex, "text", "text")
