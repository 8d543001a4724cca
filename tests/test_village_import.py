"""Importing village sheets: the template, what villages really send, refusals, re-import, 退回."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from fupin_desktop.cli import main
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.services import spreadsheet
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import create_intention
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.spreadsheet import SpreadsheetError
from fupin_desktop.services.village_import import (
    ImportReport,
    apply_import,
    import_village_file,
    plan_import,
    read_village_file,
    write_rejected_rows,
)
from fupin_desktop.store.db import Database, open_database
from fupin_desktop.store.models import AuditEntry, Household, Intention, IntentionTransition, Person
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household
from tests.sheets import HEADER, LI, VILLAGE_CODE, WANG, ZHANG, ZHANG_SON, good_rows, ident, member, write_sheet

pytestmark = pytest.mark.both_engines


def run_import(database: Database, path: Path, **options: object) -> ImportReport:
    with UnitOfWork(database, "测试员") as uow:
        plan, report = import_village_file(uow, path, on=TODAY, **options)  # type: ignore[arg-type]
        if report.written:
            uow.commit()
    if options.get("valid_only") and report.written:
        report.rejected_file = write_rejected_rows(plan, report.problems)
    return report


def count(database: Database, model: type) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_template_has_labels_dropdowns_text_ids_protection_and_the_village(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    out = tmp_path / "模板.xlsx"
    assert main(["--db", database.location, "template", str(out), "--village", VILLAGE_CODE]) == 0
    workbook = load_workbook(out)
    assert workbook.sheetnames[:2] == ["农户成员信息", "填表说明"]
    assert workbook["代码表"].sheet_state == "hidden"
    sheet = workbook["农户成员信息"]
    title = " ".join(str(c.value) for row in sheet.iter_rows(max_row=2) for c in row if c.value)
    assert "北村" in title and VILLAGE_CODE in title
    labels = [c.value for c in sheet[4]]
    for key in ("household_no", "card_no", "name", "id_number", "relation", "ethnicity", "work_months", "phone"):
        assert FIELD_LABELS[key] in labels
    assert [c.value for c in sheet[3] if c.value] == ["户信息", "成员信息", "培训意愿", "技工院校意愿", "推荐来源"]
    id_letter = sheet.cell(row=4, column=labels.index("身份证号") + 1).column_letter
    assert sheet.column_dimensions[id_letter].number_format == "@"
    assert sheet.protection.sheet
    assert sheet["A4"].protection.locked
    assert not sheet.column_dimensions["A"].protection.locked  # typed data cells stay editable
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert any(f and f.startswith("'代码表'!") for f in formulas)
    ethnicity_letter = sheet.cell(row=4, column=labels.index("民族") + 1).column_letter
    ethnicity = next(
        v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(ethnicity_letter + "5")
    )
    codes = workbook["代码表"]
    column = ethnicity.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    assert "汉族" in [c.value for c in codes[column]] and "毛南族" in [c.value for c in codes[column]]


def test_the_filled_template_imports(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    assert main(["--db", database.location, "template", str(out), "--village", VILLAGE_CODE]) == 0
    workbook = load_workbook(out)
    sheet = workbook["农户成员信息"]
    labels = [c.value for c in sheet[4]]
    header_index: dict[object, int] = {}
    for i, label in enumerate(labels):
        header_index.setdefault(label, i)  # the first 是否 is the training wish
    for offset, row in enumerate(good_rows()):
        values = dict(zip(HEADER, row, strict=True))
        values["是否"] = values.pop("是否参加培训")
        for label, value in values.items():
            if label in header_index and value is not None:
                sheet.cell(row=5 + offset, column=header_index[label] + 1, value=value)
    workbook.save(out)
    report = run_import(database, out)
    assert report.written and not report.errors
    assert (report.households_created, report.people_created, report.intentions_created) == (2, 5, 1)


def test_a_messy_real_sheet_imports(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    header = list(HEADER)
    header[header.index("身份证号")] = "身份证号码"
    header[header.index("姓名")] = "姓 名"
    header[header.index("务工时间（月）")] = "务工时间(月)"
    header.insert(0, "序号")
    header.append("出生年月")
    rows = [[None, *r, None] for r in good_rows()]
    rows[0][-1] = "1970.3"
    rows[1][-1] = "1972年5月"
    rows[1][1] = None  # 户编号 left blank under the head's row: same household
    rows[0][HEADER.index("联系电话") + 1] = "１３８０５３９１２３４"  # full-width digits
    rows[3][HEADER.index("民族") + 1] = " 汉族 "
    messy = [rows[0], rows[1], [None] * len(header), rows[2], rows[3], rows[4], ["合计", "5人"]]
    messy[3][1] = None
    path = write_sheet(
        tmp_path / "北村.xlsx",
        messy,
        header=header,
        title=(("沂南县界湖街道北村建档立卡贫困人口花名册",), ("填报单位：北村村委会",)),
        merges=("B4:B6",),
    )
    report = run_import(database, path)
    assert not report.errors, [str(p) for p in report.errors]
    assert (report.households_created, report.people_created) == (2, 5)
    with database.session_factory() as session:
        head = session.scalar(select(Person).where(Person.id_number == ZHANG))
        assert head is not None and head.phone == "13805391234"
        assert head.household.household_no == "0001" and head.household.member_count == 3


def test_an_id_stored_as_a_number_is_refused_with_row_and_column_and_nothing_is_written(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("身份证号")] = int(LI[:17] + "0")  # Excel keeps 15 digits: 3.7E+17
    rows[3][HEADER.index("民族")] = "汉"
    path = write_sheet(tmp_path / "坏.xlsx", rows)
    report = run_import(database, path)
    assert not report.written
    messages = [str(p) for p in report.errors]
    id_column = HEADER.index("身份证号") + 1
    assert any(m.startswith(f"第5行 第{id_column}列（身份证号）：身份证号被Excel存成了数字") for m in messages)
    assert any(m.startswith(f"第7行 第{HEADER.index('民族') + 1}列（民族）：") and "汉族" in m for m in messages)
    assert len([m for m in messages if m.startswith("第5行")]) == 1  # no second "不能为空"
    assert count(database, Household) == 0 and count(database, Person) == 0


def test_reimport_creates_no_duplicates_and_applies_differences_as_audited_edits(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "北村.xlsx", good_rows())
    first = run_import(database, path)
    assert first.written
    again = run_import(database, path)
    assert (again.households_created, again.people_created, again.people_updated) == (0, 0, 0)
    assert again.people_unchanged == 5 and again.intentions_skipped == 1
    assert (count(database, Household), count(database, Person), count(database, Intention)) == (2, 5, 1)

    rows = good_rows()
    rows[1][HEADER.index("文化程度")] = "小学"
    rows[3][HEADER.index("务工状况")] = "省外务工"
    rows[3][HEADER.index("务工地点")] = "浙江宁波"
    rows[3][HEADER.index("务工时间（月）")] = 8
    rows[4][HEADER.index("劳动技能")] = None  # blank keeps what is stored
    rows.append(member("0003", "孙玉梅", ident(1980, 6, 6, 62), "户主", head=True))
    changed = run_import(database, write_sheet(tmp_path / "北村2.xlsx", rows))
    assert not changed.errors
    assert (changed.people_updated, changed.households_created, changed.people_created) == (2, 1, 1)
    assert "更新2人" in changed.summary() and "新增1户" in changed.summary()
    with database.session_factory() as session:
        li = session.scalar(select(Person).where(Person.id_number == LI))
        wang = session.scalar(select(Person).where(Person.id_number == WANG))
        assert li is not None and li.education == "小学"
        assert wang is not None and wang.work_months == 8
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == li.id, AuditEntry.action == "update")
        ).all()
        assert [(a.field, a.old_value, a.new_value) for a in audit] == [("education", "初中", "小学")]
        assert session.scalar(select(Person.labour).where(Person.id_number == ident(1967, 2, 3, 52))) == "普通劳动力"
    assert count(database, Person) == 6


def test_valid_only_imports_clean_households_and_writes_the_rejected_rows_back(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[4][HEADER.index("身份证号")] = WANG[:-1] + ("0" if WANG[-1] != "0" else "1")  # wrong check digit
    path = write_sheet(tmp_path / "北村.xlsx", rows)
    report = run_import(database, path, valid_only=True)
    assert report.written and report.households_created == 1 and report.rejected_rows == 2
    assert report.rejected_file == tmp_path / "北村-退回.xlsx"
    sheet = load_workbook(report.rejected_file)["农户成员信息"]
    labels = [c.value for c in sheet[4]]
    assert labels[-1] is None and sheet.cell(row=3, column=len(labels)).value == "退回原因"
    names = [sheet.cell(row=r, column=labels.index("姓名") + 1).value for r in (5, 6)]
    assert names == ["王大山", "赵桂兰"]
    reasons = [sheet.cell(row=r, column=len(labels)).value for r in (5, 6)]
    assert "同户其他成员有错误" in reasons[0]
    assert "原第8行" in reasons[1] and "校验位" in reasons[1]
    assert sheet.cell(row=6, column=labels.index("身份证号") + 1).fill.fgColor.rgb.endswith("FFC7CE")
    assert count(database, Household) == 1

    # The village fixes the ID in the returned file and sends it back: it imports.
    sheet.cell(row=6, column=labels.index("身份证号") + 1, value=ident(1967, 2, 3, 52))
    workbook = sheet.parent
    workbook.save(report.rejected_file)
    back = run_import(database, report.rejected_file)
    assert back.written and back.households_created == 1 and not back.errors


def test_dry_run_writes_nothing(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    report = run_import(database, write_sheet(tmp_path / "北村.xlsx", good_rows()), dry_run=True)
    assert report.dry_run and not report.written and report.households_created == 2
    assert count(database, Person) == 0


def test_intentions_become_drafts(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    run_import(database, write_sheet(tmp_path / "北村.xlsx", good_rows()))
    with database.session_factory() as session:
        intention = session.scalar(select(Intention))
        assert intention is not None
        assert (intention.kind, intention.occupation, intention.state, intention.referral_source) == (
            "training", "电工", "DRAFT", "village",
        )  # fmt: skip
        assert session.scalar(select(Person.id_number).where(Person.id == intention.person_id)) == ZHANG_SON


def test_a_training_wish_without_an_occupation_is_refused(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[2][HEADER.index("培训工种")] = None
    report = run_import(database, write_sheet(tmp_path / "北村.xlsx", rows))
    assert any("须填写培训工种" in str(p) and str(p).startswith("第6行") for p in report.errors)


def test_the_village_comes_from_the_title_or_the_option(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    untitled = write_sheet(tmp_path / "无标题.xlsx", good_rows(), title=())
    with pytest.raises(ServiceError, match="无法确定导入到哪个村"):
        run_import(database, untitled)
    assert run_import(database, untitled, village_code=VILLAGE_CODE).written
    other = write_sheet(tmp_path / "别村.xlsx", good_rows(), title=(("区划代码：371321001002",),))
    with pytest.raises(ServiceError, match="不一致"):
        run_import(database, other, village_code=VILLAGE_CODE)
    by_name = write_sheet(tmp_path / "村名.xlsx", good_rows(), title=(("界湖街道北村花名册",),))
    assert run_import(database, by_name).village.name == "北村"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8"), "不是Excel工作簿"),
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "另存为"),
        (
            lambda p: p.write_bytes(
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le")
            ),
            "密码",
        ),
        (lambda p: p.write_bytes(b""), "空文件"),
    ],
    ids=["text-renamed", "old-xls", "encrypted", "zero-bytes"],
)
def test_files_that_are_not_xlsx_get_a_chinese_message(
    database: Database, village: uuid.UUID, tmp_path: Path, make: object, message: str
) -> None:
    path = tmp_path / "村表.xlsx"
    make(path)  # type: ignore[operator]
    with pytest.raises(SpreadsheetError, match=message):
        run_import(database, path)
    assert count(database, Person) == 0


def test_an_empty_sheet_and_a_sheet_without_the_columns_are_refused(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    empty = tmp_path / "空.xlsx"
    Workbook().save(empty)
    with pytest.raises(SpreadsheetError, match="空的"):
        run_import(database, empty)
    wrong = write_sheet(tmp_path / "错.xlsx", [["a", "b"]], header=["日期", "金额", "备注"])
    with pytest.raises(SpreadsheetError, match="缺少：姓名、身份证号、与户主关系"):
        run_import(database, wrong)
    partial = write_sheet(tmp_path / "缺列.xlsx", [["张三", ZHANG]], header=["姓名", "身份证号"])
    with pytest.raises(SpreadsheetError, match="缺少必需的列：与户主关系"):
        run_import(database, partial)
    header_only = write_sheet(tmp_path / "无数据.xlsx", [], header=HEADER)
    with pytest.raises(SpreadsheetError, match="没有任何成员数据"):
        run_import(database, header_only)


def test_a_file_too_large_is_refused(
    database: Database, village: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    rows = good_rows() * 10
    with pytest.raises(SpreadsheetError, match="上限"):
        run_import(database, write_sheet(tmp_path / "大.xlsx", rows))


def _written(database: Database) -> dict[str, object]:
    """What an import leaves in the database, without ids and times."""
    skip = {"id", "village_id", "household_id", "person_id", "intention_id", "entity_id", "created_at", "updated_at"}
    skip |= {"at", "state_changed_at", "seq", "prev_hash", "hash"}  # the audit chain hashes ids and times
    tables = {"household": Household, "person": Person, "audit_entry": AuditEntry, "intention": Intention}
    out: dict[str, object] = {}
    with database.session_factory() as session:
        for name, model in tables.items():
            columns = [c for c in model.__table__.columns if c.name not in skip]
            rows = session.execute(select(*columns)).all()
            out[name] = sorted((tuple(map(str, row)) for row in rows), key=str)
        out["transitions"] = sorted(
            map(str, session.execute(select(IntentionTransition.from_state, IntentionTransition.to_state,
                                            IntentionTransition.operator)).all())
        )  # fmt: skip
        people = session.execute(
            select(Household.household_no, Person.sort_order, Person.id_number).join(Person.household)
        )
        out["order"] = sorted(people.all())
    return out


def test_an_import_writes_what_the_household_and_intention_services_write(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[3], rows[4] = rows[4], rows[3]  # the head typed second: listed first all the same
    rows[4][HEADER.index("户编号")] = rows[3][HEADER.index("户编号")]
    path = write_sheet(tmp_path / "北村.xlsx", rows)
    report = run_import(database, path)
    assert report.written and (report.households_created, report.people_created, report.intentions_created) == (2, 5, 1)

    # The same sheet, one household and one wish at a time through the services, in another database.
    services = open_database(tmp_path / "services.db")
    with UnitOfWork(services, "测试员") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        village_id = create_region(uow, "北村", "village", township, VILLAGE_CODE)
        for household in read_village_file(path).households:
            household_id, _warnings = create_household(uow, village_id, household.facts, on=TODAY)
            ids = dict(
                uow.session.execute(
                    select(Person.id_number, Person.id).where(Person.household_id == household_id)
                ).all()
            )
            for member in household.members:
                for wish in member.intentions:
                    create_intention(uow, ids[member.facts.id_number], wish)
        uow.commit()
    expected, written = _written(services), _written(database)
    services.dispose()
    region_audit = [row for row in expected["audit_entry"] if "region" in row]  # type: ignore[union-attr]
    expected["audit_entry"] = [row for row in expected["audit_entry"] if row not in region_audit]  # type: ignore[union-attr]
    written["audit_entry"] = [row for row in written["audit_entry"] if "region" not in row]  # type: ignore[union-attr]
    assert written == expected
    assert len(written["audit_entry"]) == 2 + 5 + 1  # type: ignore[arg-type]


def test_an_id_registered_in_another_window_after_the_check_is_refused_with_its_household(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    path = write_sheet(tmp_path / "北村.xlsx", good_rows())
    with UnitOfWork(database, "测试员") as uow:
        plan = plan_import(uow.session, read_village_file(path), on=TODAY)
        assert plan.clean
        with UnitOfWork(database, "另一窗口") as other:  # 张三丰 and 李秀英 registered meanwhile
            create_household(other, village, household("0009"), on=TODAY)
            other.commit()
        report = apply_import(uow, plan, valid_only=True, on=TODAY)
        uow.commit()
    assert report.written and report.households_created == 1 and report.rejected_rows == 3
    assert any(str(p).startswith("第4行") and "已登记在北村0009户" in str(p) for p in report.errors)
    assert count(database, Household) == 2 and count(database, Person) == 4
