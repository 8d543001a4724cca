"""A station set up on the command line only: ``init --plain`` then ``profile`` then ``station-key export``."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.store.db import open_database


@pytest.fixture
def new_station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FUPIN_USER", "张站")
    monkeypatch.setenv("FUPIN_PASSWORD", "zhangzhan1")
    db = tmp_path / "new.db"
    assert main(["--db", str(db), "init", "--admin", "张站", "--plain"]) == 0
    return db


def test_a_command_line_user_fills_the_profile_and_then_exports_the_key(
    new_station: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--db", str(new_station), "station-key", "export", str(tmp_path / "k.fupinkey")]) == 1
    assert "fupin-desktop profile --unit" in capsys.readouterr().err

    done = main(["--db", str(new_station), "profile", "--unit", "某某镇人力资源和社会保障所", "--township", "某某镇",
                 "--phone", "13812345678"])
    assert done == 0
    out = capsys.readouterr().out
    assert "填表单位：某某镇人力资源和社会保障所" in out and "已保存本站信息" in out
    database = open_database(new_station)
    try:
        profile = database.read(load_station_profile)
    finally:
        database.dispose()
    assert (profile.unit_name, profile.township, profile.contact_phone, profile.operator_name) == (
        "某某镇人力资源和社会保障所", "某某镇", "13812345678", "张站"
    )
    assert main(["--db", str(new_station), "station-key", "export", str(tmp_path / "k.fupinkey")]) == 0
    assert (tmp_path / "k.fupinkey").is_file()


def test_a_bad_phone_is_refused_and_nothing_is_saved(new_station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(new_station), "profile", "--unit", "某所", "--phone", "12"]) == 1
    assert "联系电话" in capsys.readouterr().err
    assert main(["--db", str(new_station), "profile"]) == 0
    assert "填表单位：（未填写）" in capsys.readouterr().out


def test_an_exported_key_file_gets_the_extension_the_window_lists(
    new_station: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(new_station), "profile", "--unit", "某某镇人力资源和社会保障所"]) == 0
    capsys.readouterr()
    assert main(["--db", str(new_station), "station-key", "export", str(tmp_path / "laptop.key")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "laptop.key.fupinkey").is_file() and not (tmp_path / "laptop.key").exists()
    assert "laptop.key.fupinkey" in out and "已加上扩展名 .fupinkey" in out
    assert main(["--db", str(new_station), "station-key", "export", str(tmp_path / "own.fupinkey")]) == 0
    assert "扩展名" not in capsys.readouterr().out
    folder = tmp_path / "keys"
    folder.mkdir()
    assert main(["--db", str(new_station), "station-key", "export", str(folder)]) == 0
    assert "扩展名" not in capsys.readouterr().out
    assert [path.suffix for path in folder.iterdir()] == [".fupinkey"]
