"""Households as villages make them: many generated sheets in every grouping shape, and the row-level
problems a hand-made sheet has (a member before any head, two heads, a relation against the grouping)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fupin_desktop.services.village_import import import_village_file, plan_import, write_rejected_rows
from fupin_desktop.services.village_read import id_key, read_village_file
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Person
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY
from tests.sheets import VILLAGE_CODE
from tests.test_village_import import run_import
from tests.village_sheets import SHAPES, Families, Options, generate, groups, random_options, write_generated


def count(database: Database, model: type) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("seed", range(40))
def test_every_generated_sheet_forms_exactly_its_households(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    shape = SHAPES[seed % len(SHAPES)]
    sheet = generate(seed, random_options(rng, shape), households=rng.randrange(2, 9))
    parsed = read_village_file(write_generated(tmp_path / f"{shape}.xlsx", sheet))
    assert not [str(p) for p in parsed.problems if p.is_error], sheet.options
    assert not parsed.orphans
    formed = [frozenset(id_key(m.facts.id_number) or "" for m in h.members) for h in parsed.households]
    assert formed == groups(sheet.households), sheet.options
    for household, made in zip(parsed.households, sheet.households, strict=True):
        assert household.facts.address == made.address  # blank or merged under the head: carried down
        assert household.head_name == made.head.name
        unkeyed = sheet.options.unkeyed and sheet.households.index(made) % 3 == 2
        assert household.numbered == (shape == "household_no" and not unkeyed)


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_imports_numbers_households_and_reimports_without_duplicates(
    database: Database, village: uuid.UUID, tmp_path: Path, shape: str
) -> None:
    sheet = generate(7, Options(shape, household_cells="merged", totals_row=True, footer=True), households=5)
    path = write_generated(tmp_path / "北村.xlsx", sheet)
    report = run_import(database, path)
    assert report.written and not report.errors, [str(p) for p in report.errors]
    people = sum(len(h.members) for h in sheet.households)
    assert (report.households_created, report.people_created) == (5, people)
    with database.session_factory() as session:
        numbers = sorted(session.scalars(select(Household.household_no)))
    # Numbered by the village in the template's form when the sheet gave none.
    assert numbers == sorted(h.number for h in sheet.households)

    again = run_import(database, path)
    assert (again.households_created, again.people_created, again.people_updated) == (0, 0, 0)
    assert again.people_unchanged == people
    assert (count(database, Household), count(database, Person)) == (5, people)


def test_the_report_and_preview_say_which_rows_formed_which_household(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    families = Families(3)
    first, second = families.household(1), families.household(2)
    ws.append(["北村花名册"])
    ws.append(["区划代码", VILLAGE_CODE])
    ws.append(["姓名", "身份证号", "与户主关系"])
    rows = 3
    for household in (first, second):
        for member in household.members:
            ws.append([member.name, member.id_number, "本人" if member.relation == "户主" else member.relation])
    workbook.save(tmp_path / "无户号.xlsx")
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(tmp_path / "无户号.xlsx"), on=TODAY)
    assert plan.clean, [str(p) for p in plan.problems]
    end = rows + len(first.members)
    lines = plan.household_lines()
    assert lines[0] == f"第4–{end}行 → 户：{first.head.name}（{len(first.members)}人），户编号{VILLAGE_CODE}0001"
    assert lines[1].startswith(f"第{end + 1}–")
    preview = plan.preview()
    assert preview[0].household == f"{first.head.name}（{len(first.members)}人）"
    assert preview[0].household_no == f"{VILLAGE_CODE}0001"
    assert preview[0].household_rows == lines[0]


def _people_sheet(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.append([f"北村花名册 区划代码{VILLAGE_CODE}"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def test_a_member_before_any_head_is_a_row_problem_and_the_rest_imports(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    families = Families(11)
    stray = families.household(9).members[0]
    good = families.household(1)
    rows = [[stray.name, stray.id_number, "之子"]] + [[m.name, m.id_number, m.relation] for m in good.members]
    path = _people_sheet(tmp_path / "北村.xlsx", ["姓名", "身份证号", "与户主关系"], rows)
    report = run_import(database, path, valid_only=True)
    messages = [str(p) for p in report.errors]
    assert any(m.startswith("第3行 第3列（与户主关系）：") and "之前没有户主行" in m for m in messages), messages
    assert report.written and report.households_created == 1 and report.rejected_rows == 1
    assert count(database, Person) == len(good.members)
    assert report.rejected_file is not None and report.rejected_file.exists()


def test_two_heads_in_one_group_and_relations_against_the_grouping_are_row_problems(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    families = Families(5)
    a, b, c = families.household(1), families.household(2), families.household(3)
    rows: list[list[object]] = []
    # 户主姓名: a second 户主 under the same head name, whose own name differs.
    rows += [[a.head.name, m.name, m.id_number, m.relation] for m in a.members]
    rows.append([a.head.name, "刘德福", b.head.id_number, "户主"])
    # 户主姓名 says the head is this person, but the relation says 配偶.
    rows += [[c.head.name, m.name, m.id_number, "配偶" if m is c.head else m.relation] for m in c.members]
    path = _people_sheet(tmp_path / "北村.xlsx", ["户主姓名", "姓名", "身份证号", "与户主关系"], rows)
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(path), on=TODAY)
    messages = [str(p) for p in plan.errors]
    extra = 3 + len(a.members)
    assert any(m.startswith(f"第{extra}行 第4列（与户主关系）：") and "户主姓名" in m for m in messages), messages
    assert any("本人姓名就是户主姓名" in m for m in messages), messages
    assert [p.rejected for p in plan.households] == [True, True]
    assert count(database, Person) == 0


def test_head_id_column_contradiction_and_two_heads_by_number(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    families = Families(8)
    a, b = families.household(1), families.household(2)
    rows = [[a.head.id_number, m.name, m.id_number, "之子" if m is a.head else m.relation] for m in a.members]
    rows += [[b.head.id_number, m.name, m.id_number, m.relation] for m in b.members]
    path = _people_sheet(tmp_path / "户主身份证.xlsx", ["户主身份证号", "姓名", "身份证号", "与户主关系"], rows)
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(path), on=TODAY)
    assert any(str(p).startswith("第3行 第4列（与户主关系）：本行身份证号就是户主身份证号") for p in plan.errors)
    assert [p.rejected for p in plan.households] == [True, False]

    numbered = [["0001", m.name, m.id_number, m.relation] for m in a.members]
    numbered += [["0001", m.name, m.id_number, m.relation] for m in b.members]  # two households, one number
    path = _people_sheet(tmp_path / "户编号.xlsx", ["户编号", "姓名", "身份证号", "与户主关系"], numbered)
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(path), on=TODAY)
    second_head = 3 + len(a.members)
    assert any(str(p).startswith(f"第{second_head}行") and "一户只能有一名户主" in str(p) for p in plan.errors)


def test_an_unnumbered_sheet_updates_the_household_it_already_made(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    sheet = generate(21, Options("rows", household_cells="every"), households=3)
    run_import(database, write_generated(tmp_path / "a.xlsx", sheet))
    sheet.households[0].address = "北村新址8号"
    extra = Families(99).household(7)
    sheet.households.append(extra)
    report = run_import(database, write_generated(tmp_path / "b.xlsx", sheet))
    assert not report.errors and (report.households_created, report.households_updated) == (1, 1)
    with database.session_factory() as session:
        numbers = sorted(session.scalars(select(Household.household_no)))
        assert numbers == [f"{VILLAGE_CODE}{n:04d}" for n in range(1, 5)]
        assert session.scalar(select(func.count()).select_from(Household).where(Household.address == "北村新址8号"))


def test_rejected_rows_of_an_unnumbered_sheet_carry_their_assigned_number(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    sheet = generate(4, Options("head_name", footer=True), households=3)
    path = write_generated(tmp_path / "北村.xlsx", sheet)
    bad = sheet.households[1].members[-1]
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook.active
    assert ws is not None
    ws.cell(row=sheet.rows_of[bad.id_number], column=3, value=bad.id_number[:-1] + "0")  # 身份证号码 column
    workbook.save(path)
    with UnitOfWork(database, "测试员") as uow:
        plan, report = import_village_file(uow, path, valid_only=True, on=TODAY)
        uow.commit()
    assert report.written and report.households_created == 2
    out = write_rejected_rows(plan, report.problems, imported=report.households_created)
    assert out is not None
    back = load_workbook(out).active
    assert back is not None
    texts = [[c.value for c in row] for row in back.iter_rows()]
    numbers = {v for row in texts for v in row if isinstance(v, str) and v.startswith(VILLAGE_CODE) and len(v) == 16}
    assert numbers == {f"{VILLAGE_CODE}0002"}


def test_the_template_with_its_household_number_column_left_empty_imports_by_heads(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    from tests.sheets import HEADER, good_rows, write_sheet

    rows = good_rows()
    for row in rows:
        row[HEADER.index("户编号")] = None
    report = run_import(database, write_sheet(tmp_path / "北村.xlsx", rows))
    assert report.written and not report.errors, [str(p) for p in report.errors]
    assert (report.households_created, report.people_created, report.intentions_created) == (2, 5, 1)
    with database.session_factory() as session:
        assert sorted(session.scalars(select(Household.household_no))) == [f"{VILLAGE_CODE}0001", f"{VILLAGE_CODE}0002"]


def test_a_head_row_without_a_number_starts_its_own_household_in_a_numbered_sheet(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    sheet = generate(12, Options("household_no", unkeyed=True), households=3)
    report = run_import(database, write_generated(tmp_path / "北村.xlsx", sheet))
    assert report.written and not report.errors, [str(p) for p in report.errors]
    with database.session_factory() as session:
        numbers = sorted(session.scalars(select(Household.household_no)))
    given = [h.number for h in sheet.households[:2]]  # the third gave none: the next number of the village
    assert numbers == [*given, f"{VILLAGE_CODE}0003"]
