"""A station's own area from nothing: county from the GB/T 2260 table, townships and villages by
code or from the statistics bureau's table, renames and 撤并 — all audited, nothing half-written."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fupin_desktop.domain import area_codes
from fupin_desktop.services.audit import audit_history
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import create_household
from fupin_desktop.services.regions import (
    RegionImportRefused,
    add_region,
    find_region_by_code,
    import_regions,
    list_regions,
    merge_villages,
    rename_region,
    set_up_county,
)
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, Household, Region
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import household, person


def region_count(database: Database) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Region)) or 0


def write_csv(path: Path, rows: list[tuple[str, str]], header: str = "统计用区划代码,城乡分类代码,名称") -> Path:
    lines = [header, *(f"{code},111,{name}" for code, name in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


NBS_ROWS = [
    ("371321000000", "沂南县"),
    ("371321001000", "界湖街道"),
    ("371321001001", "北村"),
    ("371321001002", "南村"),
    ("371321102000", "岸堤镇"),
    ("371321102201", "朱家里村"),
]


def test_the_shipped_table_gives_province_city_and_county_with_todays_names() -> None:
    assert ("370000", "山东省") in [(a.code, a.name) for a in area_codes.provinces()]
    assert ("371300", "临沂市") in [(a.code, a.name) for a in area_codes.cities("370000")]
    counties = [(a.code, a.name) for a in area_codes.counties("371500")]
    assert ("371521", "阳谷县") in counties
    assert "371523" not in [code for code, _ in counties]  # 茌平县 became 茌平区 in 2019
    assert area_codes.county_full_name("371321") == "山东省临沂市沂南县"
    assert area_codes.counties("441900")[0].name == "东莞市"  # a city without counties is its own


def test_a_county_is_set_up_once_and_another_is_refused(database: Database) -> None:
    county = set_up_county(database, actor="王敏", code="371321")
    assert (county.code, county.name, county.level) == ("371321000000", "沂南县", "county")
    assert set_up_county(database, actor="王敏", code="371321").id == county.id
    with pytest.raises(ServiceError, match="只管一个县"):
        set_up_county(database, actor="王敏", code="371322")
    with pytest.raises(ServiceError, match="不是现行"):
        set_up_county(database, actor="王敏", code="999999")
    assert region_count(database) == 1


def test_townships_and_villages_are_added_by_code_under_their_parent(database: Database) -> None:
    set_up_county(database, actor="王敏", code="371321")
    with pytest.raises(ServiceError, match="乡镇（代码371321001000）尚未建立"):
        add_region(database, actor="王敏", code="371321001001", name="北村")
    township = add_region(database, actor="王敏", code="371321001000", name="界湖街道")
    village = add_region(database, actor="王敏", code="３７１３２１００１００１", name=" 北村 ")
    assert (township.level, village.level, village.name) == ("township", "village", "北村")
    with pytest.raises(ServiceError, match="已被使用（北村）"):
        add_region(database, actor="王敏", code="371321001001", name="又一个")
    with pytest.raises(ServiceError, match="不在本县"):
        add_region(database, actor="王敏", code="371322001000", name="外县镇")
    with pytest.raises(ServiceError, match="12位"):
        add_region(database, actor="王敏", code="37132100100", name="短")
    nodes = list_regions(database, code="371321001000")
    assert [(n.code, n.level) for n in nodes] == [("371321001000", "township"), ("371321001001", "village")]
    with database.session_factory() as session:
        rows = audit_history(session, "region", [village.id])
    assert rows and rows[0].operator == "王敏"


def test_the_first_code_added_to_a_new_database_sets_its_county(database: Database) -> None:
    add_region(database, actor="王敏", code="371321001000", name="界湖街道")
    nodes = list_regions(database)
    assert (nodes[0].code, nodes[0].name, nodes[0].level) == ("371321000000", "沂南县", "county")


def test_importing_the_bureaus_table_is_idempotent(database: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "codes.csv", NBS_ROWS)
    first = import_regions(database, actor="王敏", path=path)
    assert (first.county_code, first.added, first.unchanged) == ("371321", 5, 1)
    again = import_regions(database, actor="王敏", path=path)
    assert (again.added, again.renamed, again.unchanged) == (0, 0, 6)
    assert region_count(database) == 6
    renamed = write_csv(tmp_path / "renamed.csv", [("371321001002", "南新村")])
    assert import_regions(database, actor="王敏", path=renamed).renamed == 1
    with database.session_factory() as session:
        village = find_region_by_code(session, "371321001002")
        assert village is not None and village.name == "南新村"
        parent = session.get(Region, village.parent_id)
        assert parent is not None and parent.code == "371321001000"


def test_an_xlsx_table_with_extra_columns_and_a_title_row_imports(database: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2023年统计用区划代码和城乡划分代码"])
    sheet.append(["统计用区划代码", "城乡分类代码", "名称"])
    for code, name in NBS_ROWS[1:]:
        sheet.append([int(code), 111, name])  # pasted from the web page, the codes become numbers
    book.save(tmp_path / "codes.xlsx")
    set_up_county(database, actor="王敏", code="371321")
    result = import_regions(database, actor="王敏", path=tmp_path / "codes.xlsx")
    assert result.added == 5


def test_a_table_with_a_bad_row_is_refused_whole_with_row_numbers(database: Database, tmp_path: Path) -> None:
    set_up_county(database, actor="王敏", code="371321")
    rows = [*NBS_ROWS[1:], ("371322001001", "外县村"), ("37132100300", "短码"), ("371321009001", "无乡村")]
    with pytest.raises(RegionImportRefused) as refused:
        import_regions(database, actor="王敏", path=write_csv(tmp_path / "bad.csv", rows))
    assert refused.value.problems == [
        "第7行：区划代码“371322001001”不在本县（371321）之内",
        "第8行：区划代码“37132100300”应为12位数字",
        "第9行：村“无乡村”所属的乡镇（371321009000）不在表中，也未建立",
    ]
    assert region_count(database) == 1
    with pytest.raises(ServiceError, match="找不到“代码”和“名称”两列"):
        import_regions(database, actor="王敏", path=write_csv(tmp_path / "x.csv", NBS_ROWS, header="a,b,c"))


def test_rename_and_merge_are_audited_and_move_the_households(database: Database, tmp_path: Path) -> None:
    import_regions(database, actor="王敏", path=write_csv(tmp_path / "codes.csv", NBS_ROWS))
    with database.session_factory() as session:
        north = find_region_by_code(session, "371321001001")
        south = find_region_by_code(session, "371321001002")
        assert north is not None and south is not None
    with UnitOfWork(database, "测试员") as uow:
        create_household(uow, south.id, household("3713210010020001"))
        uow.commit()
    renamed = rename_region(database, actor="王敏", region_id=north.id, name="北新村")
    assert renamed.name == "北新村"
    merged = merge_villages(database, actor="王敏", source_id=south.id, target_id=north.id)
    assert (merged.households_moved, merged.target.name) == (1, "北新村")
    with database.session_factory() as session:
        assert session.get(Region, south.id) is None
        villages = set(session.scalars(select(Household.village_id)))
        assert villages == {north.id}
        actions = set(session.execute(select(AuditEntry.action, AuditEntry.entity, AuditEntry.operator)))
    assert {("update", "region", "王敏"), ("move", "household", "王敏"), ("delete", "region", "王敏")} <= actions


def test_a_merge_with_a_clashing_household_number_changes_nothing(database: Database, tmp_path: Path) -> None:
    import_regions(database, actor="王敏", path=write_csv(tmp_path / "codes.csv", NBS_ROWS))
    with database.session_factory() as session:
        ids: list[uuid.UUID] = []
        for code in ("371321001001", "371321001002"):
            region = find_region_by_code(session, code)
            assert region is not None
            ids.append(region.id)
    for number, village in enumerate(ids):
        member = person("赵" + "一二"[number], "户主", date(1980, 1, 1 + number), 31 + 2 * number)
        with UnitOfWork(database, "测试员") as uow:
            create_household(uow, village, household("0001", member))
            uow.commit()
    with pytest.raises(ServiceError, match="相同的户编号（0001）"):
        merge_villages(database, actor="王敏", source_id=ids[1], target_id=ids[0])
    with pytest.raises(ServiceError, match="只能撤并村"):
        with database.session_factory() as session:
            county = find_region_by_code(session, "371321000000")
            assert county is not None
        merge_villages(database, actor="王敏", source_id=county.id, target_id=ids[0])
    assert region_count(database) == 6
