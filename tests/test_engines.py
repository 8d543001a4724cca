"""The same program on a SQLite file and on a PostgreSQL server: schema, answers, times, refusals."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Uuid, func, inspect, select, text

from fupin_desktop.cli import main
from fupin_desktop.domain.validation import FIELD_LENGTHS
from fupin_desktop.services.backups import back_up, backup_folder, backup_is_current, list_backup_entries
from fupin_desktop.services.errors import ValidationFailed
from fupin_desktop.services.households import create_household
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.search import HouseholdFilter, fetch_households, find_people, search_people
from fupin_desktop.services.visits import VisitInput, record_visit
from fupin_desktop.store.db import Database, database_path, open_database
from fupin_desktop.store.errors import CannotOpen, DatabaseLocked, DatabaseReadOnly, DatabaseTooNew
from fupin_desktop.store.limits import ValueTooLong
from fupin_desktop.store.models import AuditEntry, Base, Household, Person, Region, Visit
from fupin_desktop.store.postgres import BACKUP_INSTEAD, redacted
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, PostgresServer, household, person

pytestmark = pytest.mark.both_engines


def _create(database: Database, village: uuid.UUID, facts=None) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with UnitOfWork(database, "测试员") as uow:
        household_id, _warnings = create_household(uow, village, facts or household(), on=TODAY)
        uow.commit()
    return household_id


def test_a_200_character_address_is_refused_naming_the_field_and_its_limit(
    database: Database, village: uuid.UUID
) -> None:
    with database.session_factory() as session:
        audited = session.scalar(select(func.count()).select_from(AuditEntry))
    facts = dataclasses.replace(household(), address="北村一组" * 50)
    with pytest.raises(ValidationFailed) as refused:
        _create(database, village, facts)
    assert any("家庭住址最多120个字，现为200个字" in problem.message for problem in refused.value.problems)
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Household)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audited


def test_an_address_of_exactly_the_limit_is_stored_whole(database: Database, village: uuid.UUID) -> None:
    address = "甲" * FIELD_LENGTHS["address"]
    household_id = _create(database, village, dataclasses.replace(household(), address=address))
    with database.session_factory() as session:
        assert session.get(Household, household_id).address == address  # type: ignore[union-attr]


def test_any_other_text_longer_than_its_column_is_refused_before_the_database(
    database: Database, village: uuid.UUID
) -> None:
    household_id = _create(database, village)
    visit = VisitInput(visit_date=TODAY - timedelta(days=1), visitors="王" * 81, method="入户")
    with UnitOfWork(database, "测试员") as uow, pytest.raises(ValueTooLong, match="走访人员最多80个字，现为81个字"):
        record_visit(uow, household_id, visit)
        uow.commit()
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 0


def test_times_are_stored_in_utc_whatever_the_server_zone(database: Database, village: uuid.UUID) -> None:
    if database.is_server:
        with database.engine.connect() as connection:
            name = connection.execute(text("select current_database()")).scalar()
            connection.execute(text(f"alter database \"{name}\" set timezone = 'Asia/Shanghai'"))
            connection.commit()
        database.engine.dispose()  # new connections: the database's zone would now apply to them
    before = datetime.now(UTC).replace(tzinfo=None)
    household_id = _create(database, village)
    after = datetime.now(UTC).replace(tzinfo=None)
    with database.session_factory() as session:
        stored = session.get(Household, household_id)
        assert stored is not None
        assert before - timedelta(seconds=1) <= stored.created_at <= after + timedelta(seconds=1)
        assert stored.created_at.tzinfo is None
        audited = session.scalars(select(AuditEntry.at)).all()
    assert audited
    assert all(before - timedelta(seconds=1) <= at <= after + timedelta(seconds=1) for at in audited)


def test_the_typed_limits_are_the_columns_lengths() -> None:
    for model in (Household, Person):
        for name, limit in FIELD_LENGTHS.items():
            column = model.__table__.c.get(name)
            if column is not None:
                assert isinstance(column.type, String)
                assert column.type.length == limit, f"{model.__name__}.{name}"


# --- one database on each engine, compared ------------------------------------------------------------

# 李明 and 黎明 share the key "liming": binary order puts 李 (U+674E) first, ICU's Chinese order 黎 (lí).
NAMES = ("张伟", "张伟", "章伟", "赵敏", "曾小明", "单雄信", "仇海", "欧阳修", "吕布", "绿萝", "李娜", "黎明", "李明")


def _fill(database: Database) -> None:
    """The same people on either engine, with the same ids (so that even ties must come out alike)."""
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        village = create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    for index, name in enumerate(NAMES):
        head = person(name, "户主", date(1960 + index, 3, 7), 10 + index, phone=f"1380539{index:04d}")
        facts = dataclasses.replace(household(f"37132100100100{index:02d}", head), card_no=f"C{index:03d}")
        _create(database, village, facts)
    with UnitOfWork(database, "测试员") as uow:
        people = uow.session.scalars(select(Person).order_by(Person.id_number)).all()
        for index, member in enumerate(people):
            member.id = uuid.UUID(int=len(people) - index)  # ids in the reverse order of the ID numbers
        uow.commit()


SEARCHES = ("liming", "z", "zh", "zhangwei", "zw", "l", "张", "伟", "3713", "371321196", "13805390", "ouyang", "x")


def _answers(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """What a person sees of each search (household ids differ between the two databases)."""
    with database.session_factory() as session:
        people = {query: [row[1:4] + row[5:] for row in search_people(session, query)] for query in SEARCHES}
        households = {
            f"户:{query}": [row[1:3] for row in fetch_households(session, HouseholdFilter(text=query), 0, 100)]
            for query in SEARCHES
        }
    return people | households


@pytest.fixture
def both(tmp_path: Path, postgres_server: PostgresServer) -> tuple[Database, Database]:
    """A SQLite file and a server database whose own collation is ICU's Chinese order (as a county's may
    be), both filled alike."""
    url = postgres_server.create(migrated=False, collation="zh-CN")
    sqlite_db = open_database(tmp_path / "same.db")
    server_db = open_database(url)
    try:
        _fill(sqlite_db)
        _fill(server_db)
        yield sqlite_db, server_db
    finally:
        sqlite_db.dispose()
        server_db.dispose()
        postgres_server.drop(url)


def test_search_returns_the_same_people_in_the_same_order_on_both_engines(both: tuple[Database, Database]) -> None:
    on_file, on_server = (_answers(database) for database in both)
    assert on_file == on_server
    names = [row[0] for row in on_file["z"]]
    assert names[:2] == ["张伟", "张伟"]  # zhangwei, by the stored key, before 章伟 (zhangwei too) and 赵敏
    assert set(names) == {"张伟", "章伟", "赵敏"}  # the stored key reads 曾 as ceng: one key on both engines
    assert [row[0] for row in on_file["zhangwei"]] == ["张伟", "张伟", "章伟"]
    assert [row[0] for row in on_server["liming"]] == ["李明", "黎明"]


def test_the_demo_county_gives_the_same_answers_on_both_engines(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    from fupin_desktop.services.demo import generate_demo

    url = postgres_server.create(migrated=False, collation="zh-CN")
    databases = [open_database(tmp_path / "demo.db"), open_database(url)]
    try:
        for database in databases:
            with database.engine.begin() as connection:
                generate_demo(connection, 150, 3, today=TODAY)
        with databases[0].session_factory() as session:
            people = session.execute(
                select(Person.name, Person.name_initials, Person.id_number, Person.phone).order_by(Person.id_number)
            ).all()[::37]
        # Every kind of search a clerk types: name fragments, pinyin, ID parts (start, birth date, last 4 and
        # 6, a run from the middle), a phone number whole and its start.
        searches = {
            text
            for name, initials, number, phone in people
            for text in (name[:1], name[1:], initials, number[:8], number[:10], number[6:14], number[-4:],
                         number[-6:], number[9:14], phone or "", (phone or "")[:7])
            if text
        }  # fmt: skip
        answers = []
        for database in databases:
            with database.session_factory() as session:
                found: dict[str, object] = {}
                for query in sorted(searches):
                    session.info.clear()
                    found[query] = [row[1:4] + row[5:] for row in search_people(session, query, limit=500)]
                    found[f"户:{query}"] = [
                        row[1:] for row in fetch_households(session, HouseholdFilter(text=query), 0, 100)
                    ]
                    found[f"人:{query}"] = [
                        dataclasses.replace(match, person_id=uuid.UUID(int=0)) for match in find_people(session, query)
                    ]
                answers.append(found)
        on_file, on_server = answers
        assert on_file == on_server
        assert sum(len(rows) for rows in on_file.values()) > 100  # type: ignore[arg-type]
        assert all(on_file[f"户:{number[-6:]}"] for _n, _i, number, _p in people)  # each finds its own household
    finally:
        for database in databases:
            database.dispose()
        postgres_server.drop(url)


def test_the_schema_is_the_same_on_both_engines(both: tuple[Database, Database]) -> None:
    uuids = {(t.name, c.name) for t in Base.metadata.tables.values() for c in t.columns if isinstance(c.type, Uuid)}

    def shape(database: Database) -> dict[str, object]:
        inspector = inspect(database.engine)

        def kind(table: str, column: dict[str, Any]) -> object:
            return "uuid" if (table, column["name"]) in uuids else getattr(column["type"], "length", None)

        return {
            table: (
                [(c["name"], kind(table, c), c["nullable"]) for c in inspector.get_columns(table)],
                sorted(
                    index["name"] or ""
                    for index in inspector.get_indexes(table)
                    if "duplicates_constraint" not in index  # PostgreSQL's index behind a unique constraint
                ),
                sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            )
            for table in sorted(inspector.get_table_names())
        }

    on_file, on_server = (shape(database) for database in both)
    assert on_file == on_server
    with both[1].engine.connect() as connection:
        collations = dict(
            connection.execute(
                text(
                    "select column_name, collation_name from information_schema.columns"
                    " where table_name = 'person' and collation_name is not null"
                )
            ).all()
        )
    assert collations == {"name": "C", "name_pinyin": "C", "name_initials": "C", "id_number": "C", "phone": "C"}


# --- a server database: what a file has and a server does not ------------------------------------------


def test_a_newer_schema_on_the_server_is_refused_and_left_as_it_was(postgres_server: PostgresServer) -> None:
    url = postgres_server.create()
    try:
        database = open_database(url)
        with database.engine.begin() as connection:
            connection.execute(text("update alembic_version set version_num = '9999_from_the_future'"))
        database.dispose()
        with pytest.raises(DatabaseTooNew, match="更新版本"):
            open_database(url)
        database = open_database(url, apply_migrations=False)
        with database.engine.connect() as connection:
            revision = connection.execute(text("select version_num from alembic_version")).scalar()
        assert revision == "9999_from_the_future"
        database.dispose()
    finally:
        postgres_server.drop(url)


def test_two_clients_opening_a_new_server_database_at_once_both_get_it_migrated(
    postgres_server: PostgresServer,
) -> None:
    import threading

    url = postgres_server.create(migrated=False)
    start = threading.Barrier(3)
    outcomes: list[object] = []

    def client() -> None:
        start.wait()
        try:
            open_database(url).dispose()
            outcomes.append("opened")
        except Exception as error:  # the test reports what a client saw
            outcomes.append(error)

    threads = [threading.Thread(target=client) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes == ["opened"] * 3
        database = open_database(url)
        with database.engine.connect() as connection:
            assert connection.execute(text("select count(*) from alembic_version")).scalar() == 1
        database.dispose()
    finally:
        postgres_server.drop(url)


def test_a_row_another_client_holds_is_a_locked_refusal_not_a_wait_forever(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.create()
    first, second = open_database(url), open_database(url, busy_timeout=0.3)
    try:
        with UnitOfWork(first, "测试员") as uow:
            county = create_region(uow, "沂南县", "county", None, "371321000000")
            uow.commit()
        with first.engine.connect() as holder:
            holder.execute(text("select * from region for update"))  # a clerk's open transaction
            with UnitOfWork(second, "另一位") as uow, pytest.raises(DatabaseLocked, match="正被另一位用户修改"):
                region = uow.session.get(Region, county)
                assert region is not None
                region.name = "沂南"
                uow.commit()
            holder.rollback()
        with first.session_factory() as session:
            assert session.get(Region, county).name == "沂南县"  # type: ignore[union-attr]
    finally:
        first.dispose()
        second.dispose()
        postgres_server.drop(url)


def test_a_read_only_server_database_refuses_a_change_with_a_message(postgres_server: PostgresServer) -> None:
    url = postgres_server.create()
    admin = open_database(url)
    try:
        with admin.engine.connect() as connection:
            name = connection.execute(text("select current_database()")).scalar()
            connection.execute(text(f'alter database "{name}" set default_transaction_read_only = on'))
            connection.commit()
    finally:
        admin.dispose()
    database = open_database(url, apply_migrations=False)
    try:
        with UnitOfWork(database, "测试员") as uow, pytest.raises(DatabaseReadOnly, match="只允许读取"):
            create_region(uow, "沂南县", "county", None, "371321000000")
            uow.commit()
    finally:
        database.dispose()
        postgres_server.drop(url)


def test_a_server_has_no_file_and_says_so_once(postgres_server: PostgresServer) -> None:
    url = postgres_server.create()
    database = open_database(url)
    try:
        assert database.is_server
        with pytest.raises(CannotOpen, match="数据库在服务器上，文件备份不适用：请由服务器管理员用 pg_dump 备份"):
            database.file("文件备份", BACKUP_INSTEAD)
        # The backup use cases give the same refusal, not an error about a missing path.
        for use_case in (back_up, backup_folder, backup_is_current, list_backup_entries):
            with pytest.raises(CannotOpen, match="数据库在服务器上，文件备份不适用"):
                use_case(database)
    finally:
        database.dispose()
        postgres_server.drop(url)
    with pytest.raises(CannotOpen, match="是数据库服务器的地址，不是文件"):
        database_path(url)


def test_the_command_line_works_on_a_server(postgres_server: PostgresServer, tmp_path: Path) -> None:
    url = postgres_server.create()
    try:
        assert main(["--db", url, "demo", "--households", "40"]) == 0
        assert main(["--db", url, "export", "training_list", "--out", str(tmp_path / "out")]) == 0
        assert list((tmp_path / "out").glob("*.xlsx"))
    finally:
        postgres_server.drop(url)


def test_an_unreachable_server_is_a_clear_refusal_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://clerk:s3cret@/county?host={tmp_path}/no-server-here"
    code = main(["--db", url, "export", "training_list", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert "无法连接数据库服务器" in captured.err
    assert "Traceback" not in captured.err
    assert "s3cret" not in captured.err
    assert not (tmp_path / "out").exists()


def test_an_address_shown_to_people_never_carries_the_password() -> None:
    shown = redacted("postgresql://clerk:s3cret@county-server/fupin")
    assert "s3cret" not in shown
    assert shown == "postgresql://clerk:***@county-server/fupin"


@pytest.mark.parametrize(
    ("address", "complaint"),
    [
        ("postgresql://clerk:s3cret@county-server:port/fupin", "格式不对"),
        ("postgresql://clerk:s3cret@county-server/", "没有写数据库名"),
    ],
)
def test_a_malformed_server_address_is_refused_without_its_password(address: str, complaint: str) -> None:
    with pytest.raises(CannotOpen, match=complaint) as refused:
        open_database(address)
    assert "s3cret" not in str(refused.value)


# --- the throw-away server of scripts/test.sh ------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not Path("/usr/lib/postgresql/15/bin/initdb").exists(), reason="PostgreSQL 15 未安装")
def test_the_test_server_listens_on_its_socket_only_and_is_gone_after_stop() -> None:
    import os
    import re
    import subprocess

    import psycopg

    env = {key: value for key, value in os.environ.items() if not key.startswith("FUPIN_TEST_PG_")}
    started = subprocess.run(
        ["bash", "scripts/pg.sh", "start"], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    found = re.fullmatch(r"export FUPIN_TEST_PG_DIR='([^']+)' FUPIN_TEST_PG_URL='([^']+)'", started.stdout.strip())
    assert found, started.stdout + started.stderr
    folder, url = Path(found.group(1)), found.group(2)
    try:
        with psycopg.connect(url) as connection:
            assert connection.execute("show listen_addresses").fetchone() == ("",)
            assert connection.execute("show unix_socket_directories").fetchone() == (str(folder),)
            assert connection.execute("show server_version").fetchone()[0].startswith("15.")  # type: ignore[index]
    finally:
        subprocess.run(["bash", "scripts/pg.sh", "stop", str(folder)], cwd=ROOT, env=env, check=True, timeout=120)
    assert not folder.exists()
