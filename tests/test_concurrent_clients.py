"""Several clients at once: real processes running the command line against one database, at the same moment.

On a server, row locks make two seals of the station take turns on the unit's counter row (and every
commit on the chain head, then the change counter), and two imports on an advisory lock; on a SQLite file
the write lock does. Either way: distinct numbers, nobody sealed twice, a sheet imported once however many
clerks import it at once, one unbroken audit chain, nothing lost.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from fupin_desktop.cli import main
from fupin_desktop.services.regions import create_region
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import AuditEntry, ChangeEntry, Household, Person, Submission, SubmissionItem
from fupin_desktop.store.postgres import server_url
from fupin_desktop.store.uow import UnitOfWork
from tests.sheets import member, write_sheet

pytestmark = pytest.mark.both_engines

ENV = {**os.environ, "FUPIN_USER": "reviewer", "FUPIN_PASSWORD": "demo", "QT_QPA_PLATFORM": "offscreen"}


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fupin_desktop", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def _finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=300) for p in processes]
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]


@contextmanager
def _held(url: str, lock: str) -> Iterator[Callable[[], int]]:
    """Another client holding ``lock`` (SQL on a server; SQLite's write lock on a file) while the block starts
    the processes; yields how many server sessions wait for a lock, so that the test releases it only
    once the processes really are waiting at the same moment."""
    if url.startswith("postgresql"):
        libpq = server_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(libpq) as holder, psycopg.connect(libpq, autocommit=True) as watcher:
            holder.execute(lock)

            def waiting() -> int:
                row = watcher.execute(
                    "select count(*) from pg_stat_activity"
                    " where wait_event_type = 'Lock' and datname = current_database()"
                ).fetchone()
                return int(row[0]) if row else 0

            yield waiting
            holder.rollback()
        return
    holder_file = sqlite3.connect(url, isolation_level=None)
    try:
        holder_file.execute("BEGIN IMMEDIATE")
        yield lambda: -1  # a file cannot tell who waits: the write lock is held for a few seconds instead
        holder_file.execute("ROLLBACK")
    finally:
        holder_file.close()


def _wait_for(waiting: Callable[[], int], count: int) -> None:
    if waiting() < 0:
        time.sleep(3.0)  # SQLite: the processes start, sign in and reach the seal's first write meanwhile
        return
    deadline = time.monotonic() + 90
    while waiting() < count:
        assert time.monotonic() < deadline, "the processes never reached the lock"
        time.sleep(0.1)


def _demo(url: str) -> None:
    assert main(["--db", url, "demo", "--households", "300", "--seed", "5", "--plain"]) == 0  # sqlite3 holds its lock


def _check(url: str) -> None:
    assert main(["--db", url, "check"]) == 0


def _counter_lock(_url: str) -> str:
    return f"select * from submission_counter where year = {date.today().year} for update"


def test_four_seals_at_the_same_moment_get_four_distinct_numbers_and_one_chain(
    database_url: str, tmp_path: Path
) -> None:
    _demo(database_url)
    sheets = ("training_list", "school_list", "progress_school", "progress_training")
    # The first seal of the year makes the counter row; the four then meet at it.
    assert main(["--db", database_url, "seal", "progress_henan", "--out", str(tmp_path / "first")]) == 0
    with _held(database_url, _counter_lock(database_url)) as waiting:
        processes = [_start("--db", database_url, "seal", sheet, "--out", str(tmp_path / sheet)) for sheet in sheets]
        _wait_for(waiting, len(sheets))
    outcomes = _finish(processes)
    assert [code for code, _out, _err in outcomes] == [0] * len(sheets), [err for _c, _o, err in outcomes]
    numbers = [re.search(r"第(\d+)号", out).group(1) for _code, out, _err in outcomes]  # type: ignore[union-attr]
    assert sorted(int(n) for n in numbers) == [2, 3, 4, 5]
    database = open_database(database_url)
    try:
        with database.session_factory() as session:
            sealed = session.execute(select(Submission.sheet_code, Submission.number)).all()
            items = session.scalars(select(SubmissionItem.intention_id)).all()
        assert sorted(number for _sheet, number in sealed) == [1, 2, 3, 4, 5]
        assert {sheet for sheet, _n in sealed} == {"progress_henan", *sheets}
        assert items and max(Counter(items).values()) == 1  # nobody is on two of the sheets
    finally:
        database.dispose()
    _check(database_url)


def test_the_same_sheet_sealed_twice_at_once_seals_its_people_once(database_url: str, tmp_path: Path) -> None:
    _demo(database_url)
    assert main(["--db", database_url, "seal", "progress_henan", "--out", str(tmp_path / "first")]) == 0
    with _held(database_url, _counter_lock(database_url)) as waiting:
        processes = [
            _start("--db", database_url, "seal", "training_list", "--out", str(tmp_path / f"p{i}")) for i in (1, 2)
        ]
        _wait_for(waiting, 2)
    outcomes = sorted(_finish(processes))
    (first, _o1, _e1), (second, _o2, refused) = outcomes
    assert (first, second) == (0, 1), refused
    assert "没有可以上报的人员" in refused and "Traceback" not in refused
    database = open_database(database_url)
    try:
        with database.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Submission)) == 2
            items = session.scalars(select(SubmissionItem.intention_id)).all()
        assert items and max(Counter(items).values()) == 1
    finally:
        database.dispose()
    _check(database_url)


def _village_sheet(path: Path, code: str, name: str, first_sequence: int) -> Path:
    """Thirty two-person households of one village, with ID numbers no other village's sheet shares."""
    from tests.sheets import ident

    rows: list[list[object]] = []
    for index in range(30):
        number = f"{index + 1:04d}"
        sequence = first_sequence + 2 * index
        given = "甲乙丙丁戊己庚辛壬癸"[index % 10] + "一二三"[index // 10]
        head_id, spouse_id = ident(1970, 1, 1 + index % 28, sequence + 1), ident(1972, 2, 1 + index % 28, sequence)
        rows.append(member(number, f"{name[0]}{given}", head_id, "户主", head=True))
        rows.append(member(number, f"李{given}", spouse_id, "配偶"))
    return write_sheet(path, rows, title=((f"{name}建档立卡贫困户信息表",), ("区划代码：", code)))


def test_two_villages_imported_at_the_same_moment_are_both_there_in_one_chain(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        villages = {
            code: create_region(uow, name, "village", township, code)
            for code, name in (("371321001001", "北村"), ("371321001002", "南村"))
        }
        uow.commit()
    sheets = [
        _village_sheet(tmp_path / "北村.xlsx", "371321001001", "北村", 100),
        _village_sheet(tmp_path / "南村.xlsx", "371321001002", "南村", 400),
    ]
    with _held(database_url, "select * from audit_chain_head for update") as waiting:
        processes = [_start("--db", database_url, "import", str(sheet)) for sheet in sheets]
        _wait_for(waiting, 2)
    outcomes = _finish(processes)
    assert [code for code, _out, _err in outcomes] == [0, 0], [err for _c, _o, err in outcomes]
    assert all("新增30户" in out and "新增60人" in out for _code, out, _err in outcomes)
    with database.session_factory() as session:
        per_village = dict(
            session.execute(select(Household.village_id, func.count()).group_by(Household.village_id)).all()
        )
        assert per_village == {villages["371321001001"]: 30, villages["371321001002"]: 30}
        assert session.scalar(select(func.count()).select_from(Person)) == 120
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_not(None)))
        seqs = session.scalars(select(ChangeEntry.seq)).all()
    assert audited and audited >= 120
    assert sorted(seqs) == list(range(1, len(seqs) + 1))  # the change log's numbers: no gap, no twice
    _check(database_url)


def test_the_same_village_sheet_imported_twice_at_once_is_there_once(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    sheet = _village_sheet(tmp_path / "北村.xlsx", "371321001001", "北村", 100)
    with _held(database_url, "select * from audit_chain_head for update") as waiting:
        processes = [_start("--db", database_url, "import", str(sheet)) for _ in range(2)]
        _wait_for(waiting, 2)
    outcomes = _finish(processes)
    assert [code for code, _out, _err in outcomes] == [0, 0], [err for _c, _o, err in outcomes]
    printed = sorted(out for _code, out, _err in outcomes)
    assert any("新增30户" in out for out in printed) and any("60人无变化" in out for out in printed), printed
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 30
        assert session.scalar(select(func.count()).select_from(Person)) == 60
    _check(database_url)
