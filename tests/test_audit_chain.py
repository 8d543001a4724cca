"""The hash-chained audit trail: what the program writes checks; edits, deletions and insertions made
with sqlite3 behind its back are found and named; the chain head is on every sealed sheet."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from fupin_desktop.cli import main
from fupin_desktop.services.integrity import check_database
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.submissions import seal_sheet, submission_content
from fupin_desktop.store.chain import rechain_all, short, verify_chain
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import AuditEntry, Submission
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY


def _write_entries(database: Database, count: int, operator: str = "王经办") -> None:
    with UnitOfWork(database, operator) as uow:
        for index in range(count):
            uow.audit("update", "person", uuid.uuid4(), "phone", f"1380000{index:04d}", f"1390000{index:04d}")
        uow.audit_many(("create", "person", uuid.uuid4(), None, None, f"成员{i}") for i in range(count))
        uow.commit()


def _raw(database: Database, sql: str) -> None:
    with sqlite3.connect(database.path) as connection:
        connection.execute(sql)


def test_entries_written_one_by_one_and_in_bulk_form_one_sound_chain(database: Database) -> None:
    _write_entries(database, 5)
    _write_entries(database, 3, "李审核")
    report = check_database(database)
    assert report.sound and report.entries == 16
    with database.session_factory() as session:
        rows = session.execute(select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.hash).order_by(AuditEntry.seq))
        chain = list(rows)
    assert [seq for seq, _p, _h in chain] == list(range(1, 17))
    assert all(chain[i][1] == chain[i - 1][2] for i in range(1, len(chain)))


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("update audit_entry set new_value = '13900009999' where seq = 3", "第3条审计记录"),
        ("update audit_entry set operator = '别人' where seq = 7", "第7条审计记录"),
        ("delete from audit_entry where seq = 4", "第4条审计记录缺失"),
        ("delete from audit_entry where seq = 10", "截断"),
        (
            "insert into audit_entry (id, at, operator, action, entity, entity_id) values "
            "('0123456789abcdef0123456789abcdef', '2026-11-22 08:00:00.000000', '别人', 'update', 'person', "
            "'0123456789abcdef0123456789abcdef')",
            "不在链中",
        ),
        ("update audit_entry set seq = seq + 100 where seq = 10", "第10条审计记录缺失"),
    ],
)
def test_an_entry_changed_behind_the_programs_back_is_named(
    database: Database, tamper: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_entries(database, 5)
    assert main(["--db", str(database.path), "check"]) == 0
    assert "审计记录链完整（10条" in capsys.readouterr().out
    _raw(database, tamper)
    report = check_database(database)
    assert not report.sound and named in report.problems[0], report.problems
    assert main(["--db", str(database.path), "check"]) == 1
    assert named in capsys.readouterr().err


def test_a_damaged_file_fails_the_check(database: Database, tmp_path: Path) -> None:
    _write_entries(database, 200)
    database.dispose()
    with sqlite3.connect(database.path) as connection:
        connection.execute("pragma wal_checkpoint(truncate)")
        page_size = connection.execute("pragma page_size").fetchone()[0]
        root = connection.execute("select rootpage from sqlite_master where name = 'audit_entry'").fetchone()[0]
    data = bytearray(database.path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + 12] = b"\x0d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"  # a broken b-tree page header
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(bytes(data))
    assert main(["--db", str(damaged), "check"]) == 1


def test_the_chain_head_is_printed_on_the_sheet_and_a_rewritten_chain_is_caught(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    fx.station(database)
    fx.intentions(database, fx.people(database, village, 3), "training", fx.PATH_TO_PASSED)
    with UnitOfWork(database, "王经办") as uow:
        result = seal_sheet(uow, SheetRequest("training_list"), tmp_path, today=TODAY)
    with database.session_factory() as session:
        content = submission_content(session, result.submission_id)
        head = session.get_one(Submission, result.submission_id).chain_head
        assert head is not None and content.stamp is not None
        assert content.stamp.chain_head == short(head)
        assert head in verify_chain(session, frozenset([head])).heads_seen
    from pypdf import PdfReader

    assert short(head) in PdfReader(result.pdf_path).pages[0].extract_text()
    assert check_database(database).sound
    # Someone deletes an entry from before the seal and recomputes every hash after it with sqlite3:
    _raw(database, "delete from audit_entry where seq = 2")
    with database.engine.begin() as connection:
        rechain_all(connection)
    report = check_database(database)
    assert not report.sound and "〔2026〕第1号封存时的审计链头" in report.problems[0]


def test_appends_from_two_programs_at_once_stay_one_chain(database: Database) -> None:
    second = open_database(database.path)
    errors: list[BaseException] = []

    def work(db: Database, name: str) -> None:
        try:
            for _ in range(15):
                _write_entries(db, 2, name)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(db, n)) for db, n in ((database, "甲"), (second, "乙"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.dispose()
    assert not errors
    report = check_database(database)
    assert report.sound and report.entries == 2 * 15 * 4


def test_chaining_a_bulk_import_keeps_its_speed(database: Database) -> None:
    rows = [("create", "person", uuid.uuid4(), None, None, f"成员{i}") for i in range(50_000)]
    started = time.perf_counter()
    with UnitOfWork(database, "王经办") as uow:
        uow.audit_many(rows)
        uow.commit()
    elapsed = time.perf_counter() - started
    assert elapsed < 6.0  # about 1 s here; the unchained executemany alone is about 0.6 s
    started = time.perf_counter()
    report = check_database(database)
    assert report.sound and report.entries == 50_000
    assert time.perf_counter() - started < 6.0


def test_the_migration_chains_existing_entries_continues_the_numbers_and_creates_the_key(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from fupin_desktop.services.station_keys import known_keys_of
    from fupin_desktop.store.db import _alembic_config

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_initial")
    engine.dispose()
    with sqlite3.connect(path) as raw:
        for index in range(5):
            raw.execute(
                "insert into audit_entry (id, at, operator, action, entity, entity_id, new_value)"
                " values (?, ?, ?, ?, ?, ?, ?)",
                (
                    uuid.uuid4().hex,
                    f"2026-11-0{index + 1} 08:00:00.000000",
                    "王经办",
                    "create",
                    "person",
                    uuid.uuid4().hex,
                    "张三",
                ),
            )
        raw.execute(
            "insert into submission (id, sheet_code, unit_name, year, number, sealed_at, sealed_by, row_count,"
            " digest, snapshot)"
            " values (?, 'training_list', '某所', 2026, 4, '2026-11-05 08:00:00.000000', '王', 1, ?, '{}')",
            (uuid.uuid4().hex, hashlib.sha256(b"{}").hexdigest()),
        )
    database = open_database(path)
    try:
        report = check_database(database)
        assert report.sound and report.entries == 5
        assert len(known_keys_of(database)) == 1
        with database.session_factory() as session:
            from fupin_desktop.services.submissions import _reserve_number

            assert _reserve_number(session, "某所", 2026) == 5
    finally:
        database.dispose()


def test_check_of_a_missing_file_cannot_run_and_creates_nothing(tmp_path: Path) -> None:
    assert main(["--db", str(tmp_path / "none.db"), "check"]) == 2
    assert not (tmp_path / "none.db").exists()


def test_a_sealed_snapshot_edited_behind_the_programs_back_fails_the_check(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    fx.station(database)
    fx.intentions(database, fx.people(database, village, 2), "training", fx.PATH_TO_PASSED)
    with UnitOfWork(database, "王经办") as uow:
        seal_sheet(uow, SheetRequest("training_list"), tmp_path, today=TODAY)
    assert check_database(database).sound
    _raw(database, "update submission set snapshot = replace(snapshot, '培训', '冒名')")
    report = check_database(database)
    assert not report.sound and "〔2026〕第1号在数据库中的封存内容与其校验码不符" in report.problems[0]
    _raw(database, "update submission set digest = 'x', signature = 'AAAA'")
    with sqlite3.connect(database.path) as raw:
        snapshot = raw.execute("select snapshot from submission").fetchone()[0]
    _raw(database, f"update submission set digest = '{hashlib.sha256(snapshot.encode()).hexdigest()}'")
    report = check_database(database)
    assert not report.sound and "站点签名与其校验码不符" in report.problems[0]
