"""The layout of encrypted files: new ones get 16 KB pages with HMAC-SHA256 (less to decrypt and check),
and every file encrypted before with SQLCipher 4's defaults (4 KB, HMAC-SHA512) keeps opening, being
written, backed up, checked and restored — each copy laid out as its source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.services.backups import back_up, restore_backup
from fupin_desktop.services.encryption import new_encrypted_database
from fupin_desktop.store import cipher
from fupin_desktop.store.backup import check_database_file
from fupin_desktop.store.db import open_database
from fupin_desktop.store.errors import KeyRefused
from fupin_desktop.store.models import Household, Intention
from fupin_desktop.store.uow import UnitOfWork
from tests.test_backups import fill


def households(path: Path, key: bytes) -> int:
    database = open_database(path, key=key)
    try:
        with database.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(Household)) or 0)
    finally:
        database.dispose()


def station(path: Path, layout: cipher.Layout | None) -> bytes:
    """An encrypted station of 40 households; ``layout`` LEGACY: made as every file before NEW."""
    key, _code = new_encrypted_database(path, accounts={"admin": "demo-password"})
    if layout is not None:
        first = cipher.connect(path, key, layout=layout, isolation_level=None)
        first.execute("PRAGMA journal_mode = WAL")
        first.execute("CREATE TABLE made_before (x)")
        first.close()
    database = open_database(path, key=key)
    fill(database, 40)
    database.dispose()
    return key


def default_layout() -> cipher.Layout:
    connection = cipher.sqlcipher_module.connect(":memory:")
    try:
        size = connection.execute("PRAGMA cipher_default_page_size").fetchone()[0]
        return cipher.Layout(int(size), connection.execute("PRAGMA cipher_default_hmac_algorithm").fetchone()[0])
    finally:
        connection.close()


@pytest.mark.parametrize("made_with", [None, cipher.LEGACY], ids=["new file", "file encrypted before"])
def test_an_encrypted_file_of_either_layout_is_written_backed_up_checked_and_restored(
    tmp_path: Path, made_with: cipher.Layout | None
) -> None:
    path = tmp_path / "station.db"
    key = station(path, made_with)
    layout = made_with or cipher.NEW
    assert cipher.layout_of(path, key) == layout
    database = open_database(path, key=key)
    try:
        with UnitOfWork(database, "测试员") as uow:
            uow.session.execute(delete(Intention))
            uow.commit()
        made = back_up(database)  # VACUUM INTO
    finally:
        database.dispose()
    assert default_layout() == cipher.LEGACY  # SQLCipher's process-wide defaults put back
    assert cipher.layout_of(made.path, key) == layout
    check = check_database_file(made.path, key=key)  # integrity_check and cipher_integrity_check
    assert check.sound and check.counts["household"] == 40
    assert check_database_file(path, key=key).sound

    restore_backup(target=path, backup=made.path, actor=Actor("admin", Role.ADMIN), key=key)  # the backup API
    assert cipher.layout_of(path, key) == layout and households(path, key) == 40

    with pytest.raises(KeyRefused):
        open_database(path, key=os.urandom(32))  # a wrong key opens with neither page size
    assert not cipher.key_opens(path, os.urandom(32)) and cipher.key_opens(path, key)


def test_a_plain_file_is_converted_into_the_new_layout(tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    database = open_database(plain)
    fill(database, 20)
    database.dispose()
    key = os.urandom(32)
    target = tmp_path / "encrypted.db"
    cipher.export_encrypted(plain, target, key)
    assert cipher.layout_of(target, key) == cipher.NEW == cipher.Layout(16384, "HMAC_SHA256")
    assert check_database_file(target, key=key).counts["household"] == 20
