"""The import's stages on their own: planning needs no database, and a household refused while
writing is undone alone (a savepoint) without leaving the households before it half-committed."""

from __future__ import annotations

import ast
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import select

import fupin_desktop.services.village_plan as village_plan
from fupin_desktop.services.households import create_household
from fupin_desktop.services.village_import import apply_import, plan_import, read_village_file
from fupin_desktop.services.village_plan import KnownPerson, KnownToDatabase, StoredHousehold, VillageRef, plan_sheet
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, Household, Person
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person
from tests.sheets import HEADER, LI, VILLAGE_CODE, ZHANG, good_rows, ident, member, write_sheet
from tests.test_village_import import count, run_import

VILLAGE = VillageRef(uuid.uuid4(), VILLAGE_CODE, "北村")


def test_planning_imports_no_database_layer() -> None:
    tree = ast.parse(Path(village_plan.__file__).read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in modules if m and (m.startswith("sqlalchemy") or m.startswith("fupin_desktop.store"))]


def test_a_plan_from_plain_facts_updates_the_stored_household_and_refuses_a_person_registered_elsewhere(
    tmp_path: Path,
) -> None:
    parsed = read_village_file(write_sheet(tmp_path / "北村.xlsx", good_rows()))
    stored = household("0001")  # 张三丰 and 李秀英, 初中 both
    zhang_id, li_id, stored_id, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    known = KnownToDatabase(
        households=(StoredHousehold(stored_id, "0001", stored, (zhang_id, li_id)),),
        people={
            ZHANG: KnownPerson(zhang_id, "张三丰", stored_id, "0001", "张三丰", "北村"),
            LI: KnownPerson(li_id, "李秀英", stored_id, "0001", "张三丰", "北村"),
            ident(1965, 1, 2, 41): KnownPerson(uuid.uuid4(), "王大山", elsewhere, "0007", "王大山", "南村"),
        },
    )
    plan = plan_sheet(parsed, VILLAGE, known, TODAY)

    first, second = plan.households
    assert first.existing_id == known.households[0].id and not first.rejected
    assert [m.facts.name for m in first.additions] == ["张小明"]
    assert second.existing_id is None and second.rejected
    refusal = next(p for p in plan.errors if "南村0007户" in p.message)
    assert refusal.row == 7 and "王大山" in refusal.message
    assert first.person_ids == {first.sheet.members[0].where: zhang_id, first.sheet.members[1].where: li_id}


def test_a_refusal_while_writing_existing_households_leaves_nothing_written(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    """Only updates (no insert first): the savepoints must sit inside the unit of work's transaction."""
    assert run_import(database, write_sheet(tmp_path / "北村.xlsx", good_rows())).written
    rows = good_rows()
    rows[1][HEADER.index("文化程度")] = "小学"  # 0001: an update, written first
    newcomer = ident(1990, 9, 9, 73)
    rows.append(member("0002", "王小花", newcomer, "之女"))  # 0002: a new member, registered meanwhile
    path = write_sheet(tmp_path / "北村2.xlsx", rows)
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(path), on=TODAY)
        assert plan.clean
        with UnitOfWork(database, "另一窗口") as other:
            create_household(
                other, village, household("0009", person("王小花", "户主", date(1990, 9, 9), 73)), on=TODAY
            )
            other.commit()
        report = apply_import(uow, plan, on=TODAY)
        assert not report.written
        assert any("已登记在北村0009户" in p.message for p in report.errors)
    with database.session_factory() as session:
        assert session.scalar(select(Person.education).where(Person.id_number == LI)) == "初中"
        assert not session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).all()


def test_with_valid_only_a_household_refused_while_writing_is_undone_alone(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    assert run_import(database, write_sheet(tmp_path / "北村.xlsx", good_rows())).written
    rows = good_rows()
    rows[1][HEADER.index("文化程度")] = "小学"
    newcomer = ident(1990, 9, 9, 73)
    rows.append(member("0002", "王小花", newcomer, "之女"))
    rows[3][HEADER.index("文化程度")] = "小学"  # 王大山: written in the same household before the refusal
    path = write_sheet(tmp_path / "北村2.xlsx", rows)
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(path), on=TODAY)
        with UnitOfWork(database, "另一窗口") as other:
            create_household(
                other, village, household("0009", person("王小花", "户主", date(1990, 9, 9), 73)), on=TODAY
            )
            other.commit()
        report = apply_import(uow, plan, valid_only=True, on=TODAY)
        uow.commit()
    assert report.written and report.people_updated == 1 and report.rejected_households == 1
    with database.session_factory() as session:
        assert session.scalar(select(Person.education).where(Person.id_number == LI)) == "小学"
        assert session.scalar(select(Person.education).where(Person.id_number == ident(1965, 1, 2, 41))) == "初中"
        updates = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).all()
        assert [(a.field, a.new_value) for a in updates] == [("education", "小学")]
    assert count(database, Household) == 3
