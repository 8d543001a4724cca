"""``info``: the counts a user checks after an import or a package, the revision and the site; a missing
file is never created by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fupin_desktop.cli import main
from fupin_desktop.store.db import head_revision


def test_info_reports_the_demo_counts_and_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    assert main(["--db", db, "demo", "--households", "30", "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["households"] == 30 and info["people"] > 30
    assert info["revision"] == head_revision() and info["encrypted"] is True  # demo makes an encrypted file
    assert sum(info["intentions_by_state"].values()) > 0
    assert main(["--db", db, "info"]) == 0
    assert "农户30户" in capsys.readouterr().out


def test_info_on_a_missing_file_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "没有.db"
    assert main(["--db", str(missing), "info"]) == 2
    assert "找不到数据库文件" in capsys.readouterr().err
    assert not missing.exists()
