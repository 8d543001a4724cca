"""``template``, ``import`` and ``compare`` run as a user runs them: exit codes and printed lines."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Person
from tests.sheets import HEADER, LI, VILLAGE_CODE, good_rows, write_sheet
from tests.test_cli import run_cli

pytestmark = pytest.mark.both_engines


def people(database: Database) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Person)) or 0


def test_template_command_writes_the_blank_sheet(tmp_path: Path) -> None:
    out = tmp_path / "空白.xlsx"
    result = run_cli("--db", str(tmp_path / "x.db"), "template", str(out))
    assert result.returncode == 0, result.stderr
    assert "农户成员信息" in load_workbook(out).sheetnames


def test_import_rejects_a_bad_sheet_with_every_problem_located(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][HEADER.index("身份证号")] = 3.71321197205e17
    rows[3][HEADER.index("务工时间（月）")] = 15
    path = write_sheet(tmp_path / "北村.xlsx", rows)
    result = run_cli("--db", database.location, "import", str(path))
    assert result.returncode == 1
    id_col, months_col = HEADER.index("身份证号") + 1, HEADER.index("务工时间（月）") + 1
    assert f"第5行 第{id_col}列（身份证号）：身份证号被Excel存成了数字" in result.stdout
    assert f"第7行 第{months_col}列（务工时间（月））：务工时间（月）应在0至12之间，现为15" in result.stdout
    assert "未导入任何数据" in result.stderr and "Traceback" not in result.stderr
    assert people(database) == 0


def test_import_dry_run_then_import_then_again(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    path = write_sheet(tmp_path / "北村.xlsx", good_rows())
    dry = run_cli("--db", database.location, "import", str(path), "--dry-run", "--village", VILLAGE_CODE)
    assert dry.returncode == 0, dry.stderr
    assert "试导入" in dry.stdout and people(database) == 0
    done = run_cli("--db", database.location, "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "新增2户" in done.stdout and "新增5人" in done.stdout
    again = run_cli("--db", database.location, "import", str(path))
    assert again.returncode == 0 and "5人无变化" in again.stdout
    assert people(database) == 5


def test_import_valid_only_writes_the_returned_rows(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    rows = good_rows()
    rows[0][HEADER.index("民族")] = "火星族"
    path = write_sheet(tmp_path / "北村.xlsx", rows)
    result = run_cli("--db", database.location, "import", str(path), "--valid-only")
    assert result.returncode == 0, result.stderr
    assert "新增1户" in result.stdout and "北村-退回.xlsx" in result.stdout
    assert (tmp_path / "北村-退回.xlsx").exists()
    assert people(database) == 2


def test_broken_files_get_a_message_not_a_traceback(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    fake = tmp_path / "名单.xlsx"
    fake.write_text("这不是表格", encoding="utf-8")
    result = run_cli("--db", database.location, "import", str(fake))
    assert result.returncode == 1
    assert "不是Excel工作簿" in result.stderr and "Traceback" not in result.stderr
    missing = run_cli("--db", database.location, "import", str(tmp_path / "没有.xlsx"))
    assert missing.returncode == 1 and "找不到文件" in missing.stderr


def test_compare_command_exports_three_sheets(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    assert (
        run_cli("--db", database.location, "import", str(write_sheet(tmp_path / "北村.xlsx", good_rows()))).returncode
        == 0
    )
    roster = write_sheet(
        tmp_path / "花名册.xlsx",
        [["张三丰", "0001", LI, "未脱贫"]],
        header=["姓名", "户号", "身份证号码", "脱贫状态"],
        title=(("建档立卡贫困人口花名册",),),
    )
    out = tmp_path / "比对.xlsx"
    result = run_cli("--db", database.location, "compare", str(roster), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "本地有、花名册无4人" in result.stdout and "信息不一致1人" in result.stdout
    assert load_workbook(out).sheetnames == ["本地有花名册无", "花名册有本地无", "信息不一致"]
