"""Shared fixtures: a fresh database file per test, and small builders for valid households."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.domain.validation import HouseholdFacts, PersonFacts
from fupin_desktop.services.regions import create_region
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.uow import UnitOfWork

TODAY = date(2026, 11, 22)
AREA = "371321"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "test.db")
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
