"""Packages meet the server: a county database (on the engine under test — a SQLite file, or a PostgreSQL
server) and two township laptops on SQLite files. The laptops are made from the county's full package,
send their edits and new households up, and take the merged county back down; same-field conflicts are kept
on the server, nothing is applied twice, and the command line does the same with ``--db postgresql://…``."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fupin_desktop.cli import main
from fupin_desktop.services.households import register_household
from fupin_desktop.services.packages import export_package, import_package, open_issues
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.settings import load_station_profile, store_station_profile
from fupin_desktop.services.station_keys import export_station_key, register_station_key
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import Household, Site
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person
from tests.test_packages import _edit, _person, dump  # one canonical dump for both engines' tests

pytestmark = pytest.mark.both_engines


def _site(location: str, admin: str, unit: str) -> Database:
    """A site of the previous kind, without accounts: exchange is what these tests prove, not roles."""
    database = open_database(location)
    with database.session_factory() as session:
        profile = load_station_profile(session)
    store_station_profile(database, actor=admin, profile=replace(profile, unit_name=unit, operator_name=admin))
    return database


def _introduce(a: Database, b: Database, folder: Path) -> None:
    for one, other in ((a, b), (b, a)):
        key = export_station_key(one, actor="管理员", out=folder / f"{uuid.uuid4().hex}.fupinkey")
        assert key.path is not None
        register_station_key(other, actor="管理员", path=key.path)


def _own_name(database: Database) -> str:
    with database.session_factory() as session:
        return session.scalars(select(Site.name).where(Site.own.is_(True))).one()


def _send(sender: Database, receiver: Database, folder: Path, *, to: str | None = None):  # type: ignore[no-untyped-def]
    path = folder / f"{uuid.uuid4().hex}.fupinpkg"
    export_package(sender, actor="经办", out=path, to=to)
    return import_package(receiver, actor="经办", path=path)


@pytest.fixture
def county_and_townships(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    county = _site(database_url, "县局管理员", "沂南县人社局")
    with UnitOfWork(county, "县局管理员") as uow:
        top = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", top, "371321001000")
        village = create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    register_household(county, actor="县局管理员", village_id=village, facts=household(), on=TODAY)
    townships = []
    for name in ("界湖", "岸堤"):
        laptop = _site(str(tmp_path / f"{name}.db"), f"{name}经办", f"{name}人社所")
        _introduce(county, laptop, tmp_path)
        full = export_package(county, actor="县局管理员", out=tmp_path / f"full-{name}.fupinpkg")
        import_package(laptop, actor=f"{name}经办", path=full.path)
        townships.append(laptop)
    yield county, townships[0], townships[1], village, tmp_path
    for database in (county, *townships):
        database.dispose()


def test_township_laptops_made_from_the_county_are_copies_of_it(county_and_townships) -> None:  # type: ignore[no-untyped-def]
    county, a, b, _village, _tmp = county_and_townships
    assert dump(a) == dump(county) == dump(b)
    assert dump(county)["person"]  # not two empty databases


def test_edits_and_new_households_from_two_townships_merge_on_the_county_and_go_back_down(
    county_and_townships,  # type: ignore[no-untyped-def]
) -> None:
    county, a, b, village, tmp = county_and_townships
    _edit(a, "界湖经办", "李秀英", employment="省外务工", work_place="江苏苏州", work_months=8)
    _edit(b, "岸堤经办", "李秀英", phone="13905391111")
    newcomer = dataclasses.replace(
        household("371321001001" + "0099", person("王大山", "户主", TODAY.replace(year=1966), 41)), card_no="C099"
    )
    register_household(a, actor="界湖经办", village_id=village, facts=newcomer, on=TODAY)
    assert not _send(a, county, tmp).issues
    assert not _send(b, county, tmp).issues
    for laptop in (a, b):
        _send(county, laptop, tmp, to=_own_name(laptop))
    for database in (county, a, b):
        merged = _person(database, "李秀英")
        assert (merged.employment, merged.work_place, merged.work_months, merged.phone) == (
            "省外务工", "江苏苏州", 8, "13905391111",
        )  # fmt: skip
        assert _person(database, "王大山").id_number == _person(a, "王大山").id_number
    assert dump(county) == dump(a) == dump(b)
    assert open_issues(county) == []


def test_the_same_field_changed_in_two_townships_is_kept_on_the_county_as_a_conflict(
    county_and_townships,  # type: ignore[no-untyped-def]
) -> None:
    county, a, b, _village, tmp = county_and_townships
    _edit(a, "界湖经办", "李秀英", work_place="江苏苏州", employment="省外务工", work_months=3)
    _edit(b, "岸堤经办", "李秀英", work_place="浙江宁波", employment="省外务工", work_months=3)
    _send(a, county, tmp)
    result = _send(b, county, tmp)
    assert result.issues["conflict"] == 1
    assert _person(county, "李秀英").work_place == "江苏苏州"
    assert [issue.field for issue in open_issues(county)] == ["work_place"]


def test_a_package_applied_twice_on_the_county_changes_nothing(county_and_townships) -> None:  # type: ignore[no-untyped-def]
    county, a, _b, _village, tmp = county_and_townships
    _edit(a, "界湖经办", "李秀英", phone="13905391111")
    path = tmp / "once.fupinpkg"
    export_package(a, actor="界湖经办", out=path)
    first = import_package(county, actor="县局管理员", path=path)
    before = dump(county)
    again = import_package(county, actor="县局管理员", path=path)
    assert first.applied == 1 and again.applied == 0 and again.already_had > 0
    assert dump(county) == before


def test_the_command_line_imports_to_and_exports_from_the_county(
    county_and_townships,  # type: ignore[no-untyped-def]
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    county, a, _b, _village, tmp = county_and_townships
    _edit(a, "界湖经办", "李秀英", phone="13905391111")
    up = tmp / "up.fupinpkg"
    assert main(["--db", str(a.path), "package", "export", "--out", str(up)]) == 0
    assert main(["--db", database_url, "package", "import", str(up), "--dry-run"]) == 0
    assert _person(county, "李秀英").phone != "13905391111"
    assert main(["--db", database_url, "package", "import", str(up)]) == 0
    assert _person(county, "李秀英").phone == "13905391111"
    _edit(county, "县局管理员", "张三丰", phone="13905392222")
    down = tmp / "down.fupinpkg"
    assert main(["--db", database_url, "package", "export", "--out", str(down), "--to", _own_name(a)]) == 0
    assert main(["--db", str(a.path), "package", "import", str(down)]) == 0
    assert _person(a, "张三丰").phone == "13905392222"
    assert "Traceback" not in capsys.readouterr().err
    with county.session_factory() as session, a.session_factory() as laptop:
        assert session.scalar(select(func.count()).select_from(Household)) == laptop.scalar(
            select(func.count()).select_from(Household)
        )


def test_the_ways_taken_at_county_scale_give_the_same_copies_on_the_server(
    county_and_townships,  # type: ignore[no-untyped-def]
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """The tables read whole for a full package (their JSON written here, as the server gives no SQLite
    json_object), and the households' summaries checked by two queries on the server."""
    from fupin_desktop.services import sync_apply
    from fupin_desktop.store import changes

    monkeypatch.setattr(changes, "WHOLE_TABLE", 0)
    monkeypatch.setattr(sync_apply, "_MANY", 0)
    county, a, _b, _village, tmp = county_and_townships
    laptop = _site(str(tmp / "新笔记本.db"), "新经办", "新人社所")
    _introduce(county, laptop, tmp)
    full = export_package(county, actor="县局管理员", out=tmp / "full-new.fupinpkg")
    assert import_package(laptop, actor="新经办", path=full.path).applied == full.changes
    assert dump(laptop) == dump(county)
    _edit(a, "界湖经办", "李秀英", phone="13905391111")
    assert not _send(a, county, tmp).issues
    assert _person(county, "李秀英").phone == "13905391111"
    assert dump(county) == dump(a)
    laptop.dispose()
