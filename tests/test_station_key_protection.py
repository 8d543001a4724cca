"""The station's private keys (the Ed25519 signing key, the site's X25519 package key) lie in the database:
an encrypted file protects them with the rest; a plain one does not, and ``info``, ``check`` and the 本站密钥
dialog say so. Nothing the program writes elsewhere — a backup on a USB stick, a data package, the key
file, a sealed sheet, a roster export — holds a private key; restoring a plain backup takes them back
from the file it replaces."""

from __future__ import annotations

import base64
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fupin_desktop.cli import main
from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.services.backups import back_up, restore_backup
from fupin_desktop.services.encryption import open_encrypted
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.station_keys import UNPROTECTED, sign_bytes
from fupin_desktop.store.db import open_database


def make_demo(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> None:
    assert main(["--db", str(path), "demo", "--households", "20", "--seed", "3", *extra]) == 0
    capsys.readouterr()


def private_keys(path: Path) -> list[bytes]:
    """Every private key of a plain file, as stored (base64 text) and as raw bytes."""
    with sqlite3.connect(path) as connection:
        stored = [
            *(
                row[0]
                for row in connection.execute("select private_key from station_key where private_key is not null")
            ),
            *(row[0] for row in connection.execute("select box_private from site where box_private is not null")),
        ]
    assert len(stored) == 2, "a demo station has its signing key and its package key"
    return [form for text in stored for form in (text.encode("ascii"), base64.b64decode(text))]


def written_bytes(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``folder``, and every member of those that are zips (packages, xlsx)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield path.name, path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path.name}/{member}", archive.read(member)


def sign_with(database_path: Path) -> bytes:
    database = open_database(database_path)
    try:
        with database.session_factory() as session:
            return sign_bytes(session, b"test").value
    finally:
        database.dispose()


def test_info_and_check_say_when_the_private_key_is_not_protected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, encrypted = tmp_path / "plain.db", tmp_path / "encrypted.db"
    make_demo(plain, capsys, "--plain")
    make_demo(encrypted, capsys)

    assert main(["--db", str(plain), "info"]) == 0
    assert UNPROTECTED in capsys.readouterr().out
    assert main(["--db", str(plain), "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["private_key_unprotected"] is True
    assert main(["--db", str(plain), "check"]) == 0  # sound, all the same: a warning, not damage
    out = capsys.readouterr().out
    assert "数据库完好" in out and UNPROTECTED in out

    assert main(["--db", str(encrypted), "info"]) == 0
    assert UNPROTECTED not in capsys.readouterr().out
    assert main(["--db", str(encrypted), "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["private_key_unprotected"] is False
    assert main(["--db", str(encrypted), "check"]) == 0
    assert UNPROTECTED not in capsys.readouterr().out


def test_nothing_written_outside_a_plain_file_holds_its_private_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys, "--plain")
    secrets = private_keys(db)
    usb = tmp_path / "usb"
    usb.mkdir()
    assert main(["--db", str(db), "backup", "--out", str(usb / "备份")]) == 0
    assert main(["--db", str(db), "package", "export", "--out", str(usb / "全部.fupinpkg")]) == 0
    assert main(["--db", str(db), "station-key", "export", str(usb)]) == 0
    assert main(["--db", str(db), "seal", "progress_henan", "--out", str(usb / "封存")]) == 0
    assert main(["--db", str(db), "export", "roster", "--out", str(usb / "花名册")]) == 0
    capsys.readouterr()
    seen = dict(written_bytes(usb))
    assert any(name.endswith(".fupinkey") for name in seen) and any(name.endswith(".pdf") for name in seen)
    assert any("-备份-" in name for name in seen) and any(name.endswith(".fupinpkg") for name in seen)
    leaks = [name for name, data in seen.items() for secret in secrets if secret in data]
    assert not leaks, f"private key written into {leaks}"
    assert sign_with(db), "the station itself still signs"


def test_restoring_a_plain_backup_takes_the_private_keys_back_from_the_file_it_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys, "--plain")
    before = private_keys(db)
    database = open_database(db)
    try:
        made = back_up(database, folder=tmp_path / "usb")
    finally:
        database.dispose()
    with sqlite3.connect(made.path) as connection:  # the public halves are there: the backup verifies
        assert connection.execute("select count(*) from station_key where own and public_key != ''").fetchone() == (1,)
        assert connection.execute("select count(*) from site where box_private is not null").fetchone() == (0,)

    admin = Actor("admin", Role.ADMIN)
    restore_backup(target=db, backup=made.path, actor=admin)
    assert private_keys(db) == before
    assert sign_with(db)

    # A new laptop with only the USB stick: the data comes back, the private key does not.
    laptop = tmp_path / "laptop" / "station.db"
    laptop.parent.mkdir()
    restore_backup(target=laptop, backup=made.path, actor=admin)
    with pytest.raises(ServiceError, match="备份不含私钥"):
        sign_with(laptop)


def test_the_station_key_dialog_warns_about_a_plain_file_only(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fupin_desktop.ui.station_key_dialog import StationKeyDialog

    plain, encrypted = tmp_path / "plain.db", tmp_path / "encrypted.db"
    make_demo(plain, capsys, "--plain")
    make_demo(encrypted, capsys)
    admin = Actor("admin", Role.ADMIN)
    for path, opened in (
        (plain, open_database(plain)),
        (encrypted, open_encrypted(encrypted, name="admin", password="demo")),
    ):
        try:
            dialog = StationKeyDialog(opened, admin)
            qtbot.addWidget(dialog)
            text = dialog.protection.text()
            if path == plain:
                assert UNPROTECTED in text and "加密数据库" in text
            else:
                assert UNPROTECTED not in text and "随数据一同加密" in text
            dialog.close()
        finally:
            opened.dispose()
