"""Shared fixtures: a fresh database per test, and small builders for valid households.

A test module marked ``pytestmark = pytest.mark.both_engines`` runs each test that uses ``database`` twice:
on a SQLite file and on a fresh database of a real PostgreSQL server (``FUPIN_TEST_PG_URL``, started by
``scripts/test.sh`` through ``scripts/pg.sh``). Without a reachable server the PostgreSQL half is skipped,
saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.domain.validation import HouseholdFacts, PersonFacts
from fupin_desktop.services.regions import create_region
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.postgres import server_url
from fupin_desktop.store.uow import UnitOfWork

TODAY = date(2026, 11, 22)
AREA = "371321"


@pytest.fixture(autouse=True)
def demo_reviewer_signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run by the tests sign in as the demo's 审核人 (``demo`` makes one per role, password "demo";
    ``init`` takes its 管理员's password from the same variable). A database without a 管理员 account ignores
    both, as the previous version did. Tests of sign-in itself change or remove them."""
    monkeypatch.setenv("FUPIN_USER", "reviewer")
    monkeypatch.setenv("FUPIN_PASSWORD", "demo")
    monkeypatch.delenv("FUPIN_NEW_PASSWORD", raising=False)


ENGINES = ("sqlite", "postgresql")
_TEMPLATE = "fupin_test_template"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_name" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("engine_name", ENGINES)


@pytest.fixture
def engine_name() -> str:
    """The engine a test's database is on: "sqlite" unless its module is marked ``both_engines``."""
    return "sqlite"


class PostgresServer:
    """The test server: one migrated template database, copied into a fresh database for each test."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._made_template = False

    def _admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        url = server_url(self.admin_url)
        return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)

    def url_of(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool = True, collation: str | None = None) -> str:
        """A new database (migrated to the newest revision, or empty), with the server's default order or
        an ICU collation (e.g. "zh-CN"); returns its address."""
        name = f"fupin_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as connection:
            if migrated and not self._made_template:
                connection.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')
                connection.execute(f"CREATE DATABASE \"{_TEMPLATE}\" TEMPLATE template0 ENCODING 'UTF8'")
                open_database(self.url_of(_TEMPLATE)).dispose()
                self._made_template = True
            template = _TEMPLATE if migrated else "template0"
            icu = f" LOCALE_PROVIDER icu ICU_LOCALE '{collation}'" if collation else ""
            connection.execute(f"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\" ENCODING 'UTF8'{icu}")
        return self.url_of(name)

    def drop(self, url: str) -> None:
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        if self._made_template:
            with self._admin() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server for the tests, or a skip that says why there is none."""
    url = os.environ.get("FUPIN_TEST_PG_URL")
    if not url:
        pytest.skip("没有PostgreSQL测试服务器：用 bash scripts/test.sh 运行（自动启动），或设置 FUPIN_TEST_PG_URL")
    server = PostgresServer(url)
    try:
        server._admin().close()
    except Exception as error:  # any failure to connect: the half is skipped, with the reason
        pytest.skip(f"PostgreSQL测试服务器连接不上（FUPIN_TEST_PG_URL）：{type(error).__name__}: {error}")
    yield server
    server.close()


@pytest.fixture
def database_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Where this test's fresh, migrated database is: a file path or a server database's address."""
    if engine_name == "sqlite":
        yield str(tmp_path / "test.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def village(database: Database) -> uuid.UUID:
    """A county → township → village chain with real-format codes; returns the village id."""
    with UnitOfWork(database, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        village_id = create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    return village_id


def person(name: str, relation: str, birth: date, sequence: int, **extra: object) -> PersonFacts:
    defaults: dict[str, object] = {
        "ethnicity": "汉族",
        "education": "初中",
        "school_status": "非在校生",
        "health": "健康",
        "labour": "普通劳动力",
        "employment": "未务工",
        "work_months": 0,
    }
    defaults.update(extra)
    return PersonFacts(
        name=name,
        id_number=make_id_number(AREA, birth, sequence),
        relation=relation,
        **defaults,  # type: ignore[arg-type]
    )


def household(no: str = "3713210010010001", *members: PersonFacts) -> HouseholdFacts:
    if not members:
        members = (
            person("张三丰", "户主", date(1970, 3, 7), 11),
            person("李秀英", "配偶", date(1972, 5, 1), 22),
        )
    return HouseholdFacts(
        household_no=no,
        card_no="3713210010010001001",
        village_group="一组",
        address="北村一组12号",
        phone="13805391234",
        household_type="一般贫困户",
        status="未脱贫",
        main_cause="缺技术",
        other_causes=None,
        members=list(members),
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run the tests marked slow (crash trial of 20 seals)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
