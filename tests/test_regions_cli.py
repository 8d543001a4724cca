"""``init`` and ``regions`` as a new station runs them: a separate process on a new database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_desktop.services.encryption import open_encrypted
from fupin_desktop.services.settings import load_station_profile
from tests.test_cli import run_cli
from tests.test_regions import NBS_ROWS, write_csv


@pytest.fixture(autouse=True)
def signed_in_as_the_first_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """``init --admin 王敏`` makes the station's 管理员 account: the later commands sign in as it."""
    monkeypatch.setenv("FUPIN_USER", "王敏")


def test_a_new_station_from_init_to_its_villages(tmp_path: Path) -> None:
    db = str(tmp_path / "station.db")
    started = run_cli("--db", db, "init", "--admin", "王敏")
    assert started.returncode == 0, started.stderr
    again = run_cli("--db", db, "init", "--admin", "李华")
    assert again.returncode == 1 and "已有数据" in again.stderr and "Traceback" not in again.stderr

    codes = write_csv(tmp_path / "codes.csv", NBS_ROWS)
    imported = run_cli("--db", db, "regions", "import", str(codes))
    assert imported.returncode == 0, imported.stderr
    assert "新增5个" in imported.stdout
    assert "新增0个" in run_cli("--db", db, "regions", "import", str(codes)).stdout

    added = run_cli("--db", db, "regions", "add", "371321103000", "青驼镇")
    assert added.returncode == 0 and "已新增乡镇：青驼镇" in added.stdout
    taken = run_cli("--db", db, "regions", "add", "371321103000", "青驼镇")
    assert taken.returncode == 1 and "已被使用" in taken.stderr

    listed = run_cli("--db", db, "regions", "list", "371321001000")
    assert listed.returncode == 0
    assert listed.stdout.splitlines() == [
        "371321001000    界湖街道（乡镇，0户）",
        "371321001001      北村（村，0户）",
        "371321001002      南村（村，0户）",
    ]
    database = open_encrypted(Path(db), name="王敏", password="demo")  # init made it encrypted, for its 管理员
    try:
        with database.session_factory() as session:
            assert load_station_profile(session).operator_name == "王敏"
    finally:
        database.dispose()


def test_a_table_with_rows_outside_the_county_is_refused_with_row_numbers(tmp_path: Path) -> None:
    db = str(tmp_path / "station.db")
    assert run_cli("--db", db, "init", "--admin", "王敏").returncode == 0
    bad = write_csv(tmp_path / "bad.csv", [*NBS_ROWS, ("110101001001", "东华门")])
    refused = run_cli("--db", db, "regions", "import", str(bad))
    assert refused.returncode == 1
    assert "第8行：区划代码“110101001001”不在本县（371321）之内" in refused.stdout
    assert "尚无区划" in run_cli("--db", db, "regions", "list").stdout
    missing = run_cli("--db", db, "regions", "import", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
