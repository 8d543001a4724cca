"""Where the window's database is: the server remembered without its password, and 测试连接's findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_desktop.store.db import head_revision, known_revisions, open_database
from fupin_desktop.store.location import (
    probe_server,
    remember_location,
    remembered_location,
    with_password,
    without_password,
)
from tests.conftest import PostgresServer


def test_a_server_is_remembered_without_its_password_and_forgotten_again(tmp_path: Path) -> None:
    settings = tmp_path / "config" / "database.json"
    assert remembered_location(settings) is None  # nothing chosen yet: the default file
    remember_location("postgresql://clerk:s3cret@county-server/fupin", settings)
    assert "s3cret" not in settings.read_text(encoding="utf-8")
    assert remembered_location(settings) == "postgresql://clerk@county-server/fupin"
    remember_location(None, settings)
    assert remembered_location(settings) is None


@pytest.mark.parametrize("content", ["{not json", json.dumps({"server": "/home/clerk/fupin.db"}), "[]"])
def test_a_damaged_or_foreign_settings_file_means_the_default_file(tmp_path: Path, content: str) -> None:
    settings = tmp_path / "database.json"
    settings.write_text(content, encoding="utf-8")
    assert remembered_location(settings) is None


def test_the_typed_password_goes_into_the_address_and_out_again() -> None:
    address = with_password("postgresql://clerk@county-server/fupin", "p@ss:word")
    assert without_password(address) == "postgresql://clerk@county-server/fupin"
    assert with_password("postgresql://clerk@county-server/fupin", "") == "postgresql://clerk@county-server/fupin"


def test_testing_an_unreachable_server_says_so_without_the_password(tmp_path: Path) -> None:
    probe = probe_server(f"postgresql://clerk:s3cret@/county?host={tmp_path}/none", head_revision(), known_revisions())
    assert not probe.usable
    assert "无法连接" in probe.message and "s3cret" not in probe.message


def test_testing_a_server_says_whether_its_database_is_empty_current_or_newer(postgres_server: PostgresServer) -> None:
    head, known = head_revision(), known_revisions()
    empty = postgres_server.create(migrated=False)
    current = postgres_server.create()
    try:
        found = probe_server(empty, head, known)
        assert found.usable and "连接成功" in found.message and "空数据库" in found.message
        found = probe_server(current, head, known)
        assert found.usable and "最新版本" in found.message
        database = open_database(current)
        with database.engine.begin() as connection:
            connection.exec_driver_sql("update alembic_version set version_num = '9999_future'")
        database.dispose()
        found = probe_server(current, head, known)
        assert not found.usable and "更新版本的程序" in found.message
    finally:
        postgres_server.drop(empty)
        postgres_server.drop(current)
