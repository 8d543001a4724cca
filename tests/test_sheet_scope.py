"""Title, 填表单位 and rows describe the same area; a person may be on more than one sheet."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from fupin_desktop.cli import main
from fupin_desktop.domain.profiles import load_province_profile
from fupin_desktop.export import pdf as pdf_module
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.settings import load_station_profile, save_station_profile
from fupin_desktop.services.sheets import FORMS, SheetRequest, build_sheet, profile_forms
from fupin_desktop.services.submissions import seal_sheet, submission_content
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Intention, Person, Region, SubmissionItem
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY

UNIT = "沂南县界湖街道人力资源和社会保障所"


@pytest.fixture
def area(database: Database, village: uuid.UUID) -> dict[str, uuid.UUID]:
    """界湖街道 with 北村 and 南村, and a second township 岸堤镇 with 东村: people ready in each village."""
    with UnitOfWork(database, "测试员") as uow:
        township = uow.session.scalar(select(Region.id).where(Region.name == "界湖街道"))
        county = uow.session.scalar(select(Region.id).where(Region.name == "沂南县"))
        south = create_region(uow, "南村", "village", township, "371321001002")
        other = create_region(uow, "岸堤镇", "township", county, "371321002000")
        east = create_region(uow, "东村", "village", other, "371321002001")
        uow.commit()
    fx.station(database, UNIT)
    for n, place in enumerate((village, south, east)):
        fx.intentions(database, _people(database, place, 2, start=10 * n), "training", fx.PATH_TO_PASSED)
    return {"north": village, "south": south, "other": other, "east": east}


def _people(database: Database, village: uuid.UUID, count: int, start: int) -> list[uuid.UUID]:
    """``count`` new people in ``village`` (household numbers from ``start``)."""
    fx.people(database, village, count, start=start)
    with database.session_factory() as session:
        ids = session.scalars(
            select(Person.id)
            .join(Household, Household.id == Person.household_id)
            .where(Household.village_id == village)
            .order_by(Person.created_at, Person.sort_order)
        ).all()
    return list(ids[-count:])


def _build(database: Database, sheet: str, region: uuid.UUID | None = None) -> object:
    with database.session_factory() as session:
        return build_sheet(session, SheetRequest(sheet, region), load_station_profile(session), TODAY).content


def _villages(content: object) -> set[str]:
    return {str(row[1]) for row in content.rows}  # type: ignore[attr-defined]


def test_by_default_a_sheet_covers_the_station_township_and_is_signed_for_it(
    database: Database, area: dict[str, uuid.UUID]
) -> None:
    content = _build(database, "training_list")
    assert content.title == "界湖街道拟参加培训人员名单"  # type: ignore[attr-defined]
    assert content.sign_off.unit_name == UNIT  # type: ignore[attr-defined]
    assert _villages(content) == {"北村", "南村"} and len(content.rows) == 4  # type: ignore[attr-defined]
    assert content.params["area"] == "界湖街道" and content.params["unit"] == UNIT  # type: ignore[attr-defined]


def test_a_village_changes_title_and_rows_together(database: Database, area: dict[str, uuid.UUID]) -> None:
    content = _build(database, "training_list", area["south"])
    assert content.title == "界湖街道南村拟参加培训人员名单"  # type: ignore[attr-defined]
    assert _villages(content) == {"南村"}
    progress = _build(database, "progress_training", area["south"])
    assert progress.title.startswith("界湖街道南村")  # type: ignore[attr-defined]


def test_another_township_or_several_are_refused_unless_the_station_is_the_county(
    database: Database, area: dict[str, uuid.UUID]
) -> None:
    with pytest.raises(ServiceError, match="不在本所（界湖街道）辖区内"):
        _build(database, "training_list", area["east"])
    with database.session_factory() as session:
        county = session.scalar(select(Region.id).where(Region.name == "沂南县"))
    with pytest.raises(ServiceError, match="不在本所"):
        _build(database, "training_list", county)
    with UnitOfWork(database, "王经办") as uow:  # a station whose 所在地 matches no region
        save_station_profile(uow, replace(load_station_profile(uow.session), township="某某镇"))
        uow.commit()
    with pytest.raises(ServiceError, match="含2个乡镇"):
        _build(database, "training_list")
    with UnitOfWork(database, "王经办") as uow:  # the county office
        profile = replace(load_station_profile(uow.session), township="沂南县", unit_name="沂南县人力资源和社会保障局")
        save_station_profile(uow, profile)
        uow.commit()
    content = _build(database, "training_list")
    assert content.title == "沂南县拟参加培训人员名单"  # type: ignore[attr-defined]
    assert content.sign_off.unit_name == "沂南县人力资源和社会保障局"  # type: ignore[attr-defined]
    assert _villages(content) == {"北村", "南村", "东村"}


def test_the_region_option_of_the_commands_and_the_unit_in_the_qr(
    database: Database, area: dict[str, uuid.UUID], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []
    real = pdf_module.QrCodeWidget

    def spy(value: str, **kw: object) -> object:
        encoded.append(value)
        return real(value, **kw)

    monkeypatch.setattr(pdf_module, "QrCodeWidget", spy)
    db = str(database.path)
    assert main(["--db", db, "seal", "training_list", "--region", "371321002001", "--out", str(tmp_path)]) == 1
    assert main(["--db", db, "seal", "training_list", "--region", "371321001002", "--out", str(tmp_path)]) == 0
    (pdf,) = tmp_path.glob("*.pdf")
    assert pdf.name.startswith("界湖街道南村拟参加培训人员名单")
    assert encoded and f"|{UNIT}|" in encoded[-1]


def test_the_active_province_decides_the_sheets_and_the_main_one(
    database: Database, area: dict[str, uuid.UUID], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert profile_forms(load_province_profile("henan"))[0].code == "progress_henan"
    assert [f.code for f in profile_forms(load_province_profile("shandong"))][:2] == [
        "register_summary",
        "progress_shandong",
    ]
    assert "豫人社〔2017〕57号" in FORMS["progress_henan"].description
    db = str(database.path)
    assert main(["--db", db, "export", "--out", str(tmp_path)]) == 0  # shandong: its main sheet
    assert "精准扶贫对象登记汇总表（草稿）" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["seal", "--help"])
    helptext = capsys.readouterr().out
    assert "progress_henan" in helptext and "报送地区：河南" in helptext


@pytest.mark.parametrize("province", ["shandong", "heilongjiang", "henan", "jinan", "default"])
def test_every_sheet_of_the_active_profile_seals_on_one_database(
    database: Database, area: dict[str, uuid.UUID], tmp_path: Path, province: str
) -> None:
    """Overlapping people (school wishes on both the city's and the county's list) are on every list."""
    school = fx.intentions(database, _people(database, area["north"], 4, start=30), "school", fx.PATH_TO_PASSED)
    with UnitOfWork(database, "王经办") as uow:
        save_station_profile(uow, replace(load_station_profile(uow.session), province_profile=province))
        uow.commit()
    sealed = {}
    for form in profile_forms(load_province_profile(province)):
        with UnitOfWork(database, "王经办") as uow:
            result = seal_sheet(uow, SheetRequest(form.code), tmp_path, today=TODAY)
        sealed[form.code] = result
    with database.session_factory() as session:
        on_sheet = {
            code: set(
                session.scalars(
                    select(SubmissionItem.intention_id).where(SubmissionItem.submission_id == r.submission_id)
                )
            )
            for code, r in sealed.items()
        }
        states = set(session.scalars(select(Intention.state).where(Intention.id.in_(school))))
        locked = set(
            session.scalars(
                select(Person.locked).join(Intention, Intention.person_id == Person.id).where(Intention.id.in_(school))
            )
        )
        for code, result in sealed.items():
            assert submission_content(session, result.submission_id).rows or not FORMS[code].people
    for code in ("register_summary", "school_list"):
        if code in on_sheet:
            assert set(school) <= on_sheet[code], code
    assert states == {"SUBMITTED"} and locked == {True}
    # Sealed once per sheet: a second seal of the same list has nobody left.
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ServiceError, match="没有可以上报的人员"):
        seal_sheet(uow, SheetRequest("school_list"), tmp_path, today=TODAY)


def test_the_help_says_which_provinces_submit_each_sheet() -> None:
    from fupin_desktop.commands._sheets import PROVINCES, SHEETS
    from fupin_desktop.domain.profiles import available_province_profiles

    short = {"shandong": "山东", "jinan": "济南", "heilongjiang": "黑龙江", "henan": "河南", "shanxi_linfen": "临汾"}
    short["default"] = "通用"
    assert set(PROVINCES) == set(SHEETS) == set(FORMS)
    for code in FORMS:
        expected = {short[p.code] for p in available_province_profiles() if code in p.sheets}
        assert set(PROVINCES[code].split("、")) == expected, code


def test_unlocking_one_sheet_keeps_locked_who_is_on_another(
    database: Database, area: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    from fupin_desktop.services.submissions import unlock_for_correction

    school = fx.intentions(database, _people(database, area["north"], 2, start=40), "school", fx.PATH_TO_PASSED)
    with UnitOfWork(database, "王经办") as uow:
        city = seal_sheet(uow, SheetRequest("register_summary"), tmp_path, today=TODAY)
    with UnitOfWork(database, "王经办") as uow:
        seal_sheet(uow, SheetRequest("school_list"), tmp_path, today=TODAY)
    with UnitOfWork(database, "王经办") as uow:
        assert unlock_for_correction(uow, city.submission_id, reason="张三的身份证号录错") == 0
        uow.commit()
    with database.session_factory() as session:
        assert set(session.scalars(select(Intention.locked).where(Intention.id.in_(school)))) == {True}
        people = select(Intention.person_id).where(Intention.id.in_(school))
        assert set(session.scalars(select(Person.locked).where(Person.id.in_(people)))) == {True}
