"""The command line, run as a user runs it: a separate process on a database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from fupin_desktop.services.regions import region_nodes
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.store.db import open_database
from fupin_desktop.store.models import Household, Person


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_demo_fills_a_database_that_later_commands_open(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    result = run_cli("--db", str(db_path), "demo", "--plain", "--households", "300", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert "300户" in result.stdout
    database = open_database(db_path)
    try:
        with database.session_factory() as session:
            households = session.scalar(select(func.count()).select_from(Household))
            people = session.scalar(select(func.count()).select_from(Person))
            county = next(node for node in region_nodes(session) if node.level == "county")
            profile = load_station_profile(session)
    finally:
        database.dispose()
    assert households == 300
    assert people and people > 300
    assert county.household_count == 300
    assert profile.is_complete and profile.unit_name.endswith("人力资源和社会保障所")


def test_demo_refuses_a_database_that_already_has_households(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    assert run_cli("--db", str(db_path), "demo", "--households", "50").returncode == 0
    again = run_cli("--db", str(db_path), "demo", "--households", "50")
    assert again.returncode == 1
    assert "错误" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_file_that_is_not_a_database_gets_a_chinese_message(tmp_path: Path) -> None:
    bogus = tmp_path / "x.db"
    bogus.write_bytes(b"PK\x03\x04 not sqlite")
    result = run_cli("--db", str(bogus), "demo", "--households", "5")
    assert result.returncode == 2  # DESIGN.md: 2 cannot run (not a database of ours)
    assert "不是本程序的数据库文件" in result.stderr
    assert bogus.read_bytes() == b"PK\x03\x04 not sqlite"


def test_a_mistyped_command_line_is_answered_in_chinese(tmp_path: Path) -> None:
    """A clerk who forgets --out or mistypes a command reads what is wrong in Chinese, not argparse's English."""
    missing = run_cli("--db", str(tmp_path / "x.db"), "seal")
    assert missing.returncode == 2
    assert "缺少必填参数：--out" in missing.stderr
    assert "用法：" in missing.stderr and "error" not in missing.stderr and "usage" not in missing.stderr
    wrong = run_cli("bogus")
    assert wrong.returncode == 2
    assert "没有这个命令或取值：'bogus'" in wrong.stderr and "invalid choice" not in wrong.stderr
    extra = run_cli("info", "--jsn")
    assert "无法识别的参数：--jsn" in extra.stderr
    helped = run_cli("seal", "--help")
    assert helped.returncode == 0
    for english in ("usage:", "positional arguments", "options:", "show this help message"):
        assert english not in helped.stdout, english
    assert "显示本帮助并退出" in helped.stdout


def test_output_piped_into_a_reader_that_stops_early_is_no_traceback(tmp_path: Path) -> None:
    """`fupin-desktop info | head -3`: head closes the pipe; the command ends quietly."""
    database = tmp_path / "demo.db"
    assert run_cli("--db", str(database), "demo", "--households", "3", "--plain").returncode == 0
    with subprocess.Popen(
        [sys.executable, "-m", "fupin_desktop", "--db", str(database), "info"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FUPIN_USER": "reviewer", "FUPIN_PASSWORD": "demo"},
    ) as reader:
        assert reader.stdout is not None and reader.stderr is not None
        reader.stdout.close()  # the reader is gone before the first line
        errors = reader.stderr.read()
        assert reader.wait(timeout=120) == 1
    assert "Traceback" not in errors and "BrokenPipeError" not in errors
