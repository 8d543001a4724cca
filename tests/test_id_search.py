"""Finding a person by any part of the ID number — the birth date, the last 4 or 6 digits, a run
from the middle — through the 4-gram index, which follows every way a number is written."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.services.households import create_household, delete_person, insert_checked_households, update_person
from fupin_desktop.services.search import (
    HouseholdFilter,
    count_households,
    describe_match,
    fetch_households,
    find_people,
    matched_members,
)
from fupin_desktop.store import id_grams
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Person, PersonIdGram, Region
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import AREA, household, person
from tests.test_cli import run_cli

ZHANG = make_id_number(AREA, date(1970, 3, 7), 11)
LI = make_id_number(AREA, date(1972, 5, 1), 22)


@pytest.fixture
def saved(database: Database, village: uuid.UUID) -> uuid.UUID:
    with UnitOfWork(database, "测试员") as uow:
        household_id, _ = create_household(uow, village, household())
        uow.commit()
    return household_id


def names(database: Database, text: str) -> list[str]:
    with database.session_factory() as session:
        return [match.name for match in find_people(session, text)]


def test_any_part_of_the_number_finds_the_person(database: Database, saved: uuid.UUID) -> None:
    assert names(database, "19700307") == ["张三丰"]  # birth date
    assert names(database, ZHANG[-4:]) == ["张三丰"]  # last 4
    assert names(database, ZHANG[-6:]) == ["张三丰"]  # last 6
    assert names(database, ZHANG[8:13]) == ["张三丰"]  # a run of 5 from the middle
    assert names(database, AREA) == ["张三丰", "李秀英"]  # the area code: both
    assert names(database, "19720502") == []
    assert names(database, "１９７２０５０１") == ["李秀英"]  # full-width digits from an input method


def test_the_household_list_finds_the_same_and_says_who_matched(database: Database, saved: uuid.UUID) -> None:
    with database.session_factory() as session:
        flt = HouseholdFilter(text=LI[-4:])
        assert count_households(session, flt, 1000) == 1
        rows = fetch_households(session, flt, 0, 10)
        assert [row[0] for row in rows] == [saved]
        assert matched_members(session, [saved], LI[-4:]) == {saved: "李秀英（身份证号后4位）"}
        assert matched_members(session, [saved], "19700307") == {saved: "张三丰（身份证号第7–14位（出生日期））"}


def test_describe_match_names_the_field() -> None:
    assert describe_match("13805", "张三", ZHANG, "13805391234", None) == "联系电话"
    assert describe_match("zsf", "张三丰", ZHANG, None, None) == "姓名拼音"
    assert describe_match(ZHANG[:10], "张三丰", ZHANG, None, None) == "身份证号第1–10位"


def test_the_index_follows_edits_deletes_and_bulk_inserts(database: Database, saved: uuid.UUID) -> None:
    with database.session_factory() as session:
        zhang = session.scalars(select(Person).where(Person.name == "张三丰")).one()
        facts = person("张三丰", "户主", date(1970, 3, 9), 11)
        zhang_id = zhang.id
    with UnitOfWork(database, "测试员") as uow:
        update_person(uow, zhang_id, replace(facts))
        uow.commit()
    assert names(database, "19700307") == []
    assert names(database, "19700309") == ["张三丰"]

    with database.session_factory() as session:
        li_id = session.scalars(select(Person.id).where(Person.name == "李秀英")).one()
    with UnitOfWork(database, "测试员") as uow:
        delete_person(uow, li_id)
        uow.commit()
    with database.session_factory() as session:
        assert (
            session.scalar(select(func.count()).select_from(PersonIdGram).where(PersonIdGram.person_id == li_id)) == 0
        )

    sheet = household("3713210010010009", person("王五", "户主", date(1988, 8, 8), 31))
    with UnitOfWork(database, "测试员") as uow:
        village = uow.session.scalars(select(Region).where(Region.level == "village")).one()
        insert_checked_households(uow, village, [sheet])
        uow.commit()
    assert names(database, "19880808") == ["王五"]


def test_the_rebuilt_index_is_what_each_write_left(database: Database, saved: uuid.UUID) -> None:
    def grams() -> set[tuple[str, uuid.UUID]]:
        with database.session_factory() as session:
            return {(gram, pid) for gram, pid in session.execute(select(PersonIdGram.gram, PersonIdGram.person_id))}

    written = grams()
    assert len(written) == 2 * 15
    with database.engine.begin() as connection:
        connection.execute(delete(PersonIdGram.__table__))
        id_grams.rebuild(connection)
    assert grams() == written


def test_the_migration_fills_the_index_with_the_same_statement() -> None:
    import importlib.util

    path = Path(id_grams.__file__).parent / "migrations" / "versions" / "0002_id_search.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.FILL_SQL == id_grams.REBUILD_SQL


def test_search_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run_cli("--db", str(db), "demo", "--plain", "--households", "30").returncode == 0
    from fupin_desktop.store.db import open_database

    database = open_database(db)
    with database.session_factory() as session:
        number = session.scalars(select(Person.id_number).where(Person.id_number.is_not(None)).limit(1)).one()
        assert number is not None
        wanted = session.scalars(select(Person.name).where(Person.id_number.contains(number[-6:]))).all()
    database.dispose()
    result = run_cli("--db", str(db), "search", number[-6:])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"共{len(wanted)}人"
    assert any(number in line and "匹配：身份证号后6位" in line and "户" in line for line in lines)
    empty = run_cli("--db", str(db), "search", " ")
    assert empty.returncode == 1 and "Traceback" not in empty.stderr


def test_the_roster_page_shows_who_matched(qtbot: object, database: Database, saved: uuid.UUID) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    from fupin_desktop.ui.main_window import MainWindow
    from fupin_desktop.ui.roster_models import MATCH_COLUMN
    from fupin_desktop.ui.roster_page import RosterPage

    window = MainWindow(database)
    try:
        page = window.tabs.widget(0)
        assert isinstance(page, RosterPage)
        page.search.setText(LI[-6:])
        page.apply_filter()
        assert page.households.rowCount() == 1
        assert page.households.index(0, MATCH_COLUMN).data() == "李秀英（身份证号后6位）"
        assert "查找匹配：李秀英（身份证号后6位）" in page.household_title.text()
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
