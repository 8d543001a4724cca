"""Encryption at rest without Qt: no account, no data; the recovery code with and without the keyring; one
slot rewrapped per password change; conversion of a plain file (and a crash in the middle of it); encrypted
backups, restore and the copy before a migration; no ID number readable in the file, its WAL or its backup."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from fupin_desktop.cli import main
from fupin_desktop.domain.accounts import Actor, Role
from fupin_desktop.domain.keyslots import key_from_recovery_code, recovery_code
from fupin_desktop.services import accounts
from fupin_desktop.services import encryption as encryption_service
from fupin_desktop.services.backups import back_up, restore_backup
from fupin_desktop.services.encryption import EncryptionRefused, encrypt_database, open_encrypted, recover_with_code
from fupin_desktop.store import cipher
from fupin_desktop.store import keyring as keyrings
from fupin_desktop.store.backup import check_database_file, list_backups
from fupin_desktop.store.db import _alembic_config, head_revision, open_database
from fupin_desktop.store.errors import CannotOpen, KeyRefused, NotADatabase
from fupin_desktop.store.keyring import keyring_path, read_keyring
from fupin_desktop.store.models import Household, Person

ID_NUMBER = re.compile(rb"\d{17}[\dX]")


def make_demo(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    """A small demo database (encrypted unless ``--plain``); returns what ``demo`` printed."""
    assert main(["--db", str(path), "demo", "--households", "25", "--seed", "5", *extra]) == 0
    return capsys.readouterr().out


def printed_code(out: str) -> str:
    [code] = re.findall(r"(?:[A-Z2-7]{4}-){13}[A-Z2-7]{4}", out)
    return code


def id_numbers(path: Path) -> list[str]:
    database = open_encrypted(path, name="reviewer", password="demo")
    try:
        with database.session_factory() as session:
            return [n for n in session.scalars(select(Person.id_number)) if n]
    finally:
        database.dispose()


def people(path: Path, **sign_in: str) -> int:
    database = open_encrypted(path, name=sign_in.get("name", "reviewer"), password=sign_in.get("password", "demo"))
    try:
        with database.session_factory() as session:
            return int(session.scalar(select(func.count()).select_from(Person)) or 0)
    finally:
        database.dispose()


def test_recovery_codes_survive_handwriting_and_catch_typos() -> None:
    key = os.urandom(32)
    code = recovery_code(key)
    assert len(code.split("-")) == 14
    assert key_from_recovery_code(code.lower().replace("-", " ")) == key
    assert key_from_recovery_code(code.replace("O", "0").replace("I", "1")) == key
    typo = ("B" if code[0] != "B" else "C") + code[1:]
    assert key_from_recovery_code(typo) is None
    assert key_from_recovery_code(code[:-5]) is None


def test_no_account_no_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys)
    assert cipher.looks_encrypted(db) and keyring_path(db).is_file()
    assert set(read_keyring(db).names) == {"admin", "reviewer", "clerk", "village"}  # type: ignore[union-attr]
    assert people(db) > 25

    with pytest.raises(KeyRefused, match="账号或密码不正确"):
        open_encrypted(db, name="reviewer", password="not-the-password")
    with pytest.raises(KeyRefused, match="账号或密码不正确"):
        open_encrypted(db, name="nobody", password="demo")
    with pytest.raises(KeyRefused, match="请以账号登录"):
        open_database(db)  # no key at all: refused, not "damaged"

    monkeypatch.setenv("FUPIN_PASSWORD", "wrong")
    assert main(["--db", str(db), "info"]) == 1
    assert capsys.readouterr().err == "错误：账号或密码不正确。\n"
    monkeypatch.delenv("FUPIN_USER")
    assert main(["--db", str(db), "search", "李"]) == 1
    assert "请用 --user 账号" in capsys.readouterr().err


def test_five_wrong_passwords_lock_the_slot_until_an_admin_unlocks_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys)
    for _ in range(4):
        with pytest.raises(KeyRefused, match="账号或密码不正确"):
            keyrings.unlock(db, name="clerk", password="guess")
    with pytest.raises(KeyRefused, match="已锁定15分钟"):
        keyrings.unlock(db, name="clerk", password="guess")
    with pytest.raises(KeyRefused, match="已锁定"):
        keyrings.unlock(db, name="clerk", password="demo")  # even the right password, for 15 minutes
    admin = open_encrypted(db, name="admin", password="demo")
    try:
        actor = accounts.sign_in(admin, name="admin", password="demo")
        accounts.unlock_account(admin, actor=actor, name="clerk")
    finally:
        admin.dispose()
    assert keyrings.unlock(db, name="clerk", password="demo")


def test_a_password_change_rewraps_only_that_slot_and_a_disabled_account_loses_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys)
    before = {slot["name"]: slot for slot in json.loads(keyring_path(db).read_text())["slots"]}
    database = open_encrypted(db, name="clerk", password="demo")
    try:
        accounts.change_password(database, name="clerk", old_password="demo", new_password="new-clerk")
    finally:
        database.dispose()
    after = {slot["name"]: slot for slot in json.loads(keyring_path(db).read_text())["slots"]}
    assert after.keys() == before.keys()
    assert after["clerk"]["wrapped"] != before["clerk"]["wrapped"] and after["clerk"]["salt"] != before["clerk"]["salt"]
    assert all(after[name] == before[name] for name in ("admin", "reviewer", "village"))
    with pytest.raises(KeyRefused):
        keyrings.unlock(db, name="clerk", password="demo")
    assert people(db, name="clerk", password="new-clerk") > 25

    database = open_encrypted(db, name="admin", password="demo")
    try:
        admin = accounts.sign_in(database, name="admin", password="demo")
        accounts.disable_account(database, actor=admin, name="village")
        accounts.create_account(
            database, actor=admin, name="newcomer", role=accounts.Role.TOWNSHIP_CLERK, password="fresh-pass"
        )
    finally:
        database.dispose()
    assert set(read_keyring(db).names) == {"admin", "reviewer", "clerk", "newcomer"}  # type: ignore[union-attr]
    with pytest.raises(KeyRefused):
        keyrings.unlock(db, name="village", password="demo")
    assert people(db, name="newcomer", password="fresh-pass") > 25


def test_the_recovery_code_opens_the_file_with_and_without_its_keyring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    code = printed_code(make_demo(db, capsys))
    monkeypatch.setenv("FUPIN_RECOVERY_CODE", code)
    assert main(["--db", str(db), "check"]) == 0  # with the keyring: the code is checked against it
    capsys.readouterr()

    keyring_path(db).unlink()  # lost: the data is not
    monkeypatch.delenv("FUPIN_RECOVERY_CODE")
    assert main(["--db", str(db), "check"]) == 2
    err = capsys.readouterr().err
    assert "钥匙文件“station.db.keys”不见了" in err and "recover --user" in err and "Traceback" not in err

    monkeypatch.setenv("FUPIN_RECOVERY_CODE", code.lower())
    assert main(["--db", str(db), "check"]) == 0  # the code alone opens it
    capsys.readouterr()
    wrong = recovery_code(os.urandom(32))
    monkeypatch.setenv("FUPIN_RECOVERY_CODE", wrong)
    assert main(["--db", str(db), "check"]) == 1
    assert "不匹配" in capsys.readouterr().err

    monkeypatch.setenv("FUPIN_RECOVERY_CODE", code)
    monkeypatch.setenv("FUPIN_NEW_PASSWORD", "admin-again")
    assert main(["--db", str(db), "--user", "reviewer", "recover"]) == 1  # only for a 管理员
    assert "不是此数据库的管理员" in capsys.readouterr().err
    assert main(["--db", str(db), "--user", "admin", "recover"]) == 0
    out = capsys.readouterr().out
    assert "钥匙文件已重建" in out and "reviewer" in out  # the others need new passwords
    monkeypatch.delenv("FUPIN_RECOVERY_CODE")
    assert read_keyring(db).names == ("admin",)  # type: ignore[union-attr]
    assert people(db, name="admin", password="admin-again") > 25

    monkeypatch.setenv("FUPIN_USER", "admin")
    monkeypatch.setenv("FUPIN_PASSWORD", "admin-again")
    monkeypatch.setenv("FUPIN_NEW_PASSWORD", "reviewer-again")
    assert main(["--db", str(db), "user", "password", "reviewer"]) == 0
    assert people(db, name="reviewer", password="reviewer-again") > 25


def test_a_plain_database_is_converted_with_its_backups_and_keeps_every_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys, "--plain")
    plain_check = check_database_file(db)
    assert main(["--db", str(db), "backup"]) == 0
    capsys.readouterr()

    assert main(["--db", str(db), "encrypt"]) == 1  # the demo's 审核人 is not a 管理员
    assert "需要管理员权限" in capsys.readouterr().err
    assert cipher.is_plain_sqlite(db)
    monkeypatch.setenv("FUPIN_USER", "admin")
    assert main(["--db", str(db), "encrypt"]) == 0
    out = capsys.readouterr().out
    assert "已加密" in out and "reviewer" in out and "1个未加密的备份也已加密" in out
    code = printed_code(out)

    assert cipher.looks_encrypted(db) and not db.with_name("station.db-wal").exists()
    key = keyrings.unlock(db, name="admin", password="demo")
    assert key_from_recovery_code(code) == key
    after = check_database_file(db, key=key)
    assert after.counts == plain_check.counts and after.audit_head == plain_check.audit_head
    [backup] = list_backups(tmp_path / "备份", "station")
    assert cipher.looks_encrypted(backup.path) and keyring_path(backup.path).is_file()
    assert main(["--db", str(db), "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["encrypted"] is True
    assert not list(tmp_path.glob(".*加密中*"))

    assert main(["--db", str(db), "encrypt"]) == 1
    assert "已经是加密的" in capsys.readouterr().err


@pytest.mark.parametrize("step", ["export", "check", "keyring", "rename"])
def test_a_crash_in_the_middle_of_the_conversion_leaves_the_plain_file_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys, "--plain")
    before = check_database_file(db)

    class PowerCut(Exception):
        pass

    def cut(*_args: object, **_kwargs: object) -> None:
        raise PowerCut(step)

    if step == "export":
        real_export = cipher.export_encrypted

        def half_export(plain: Path, target: Path, key: bytes) -> None:
            real_export(plain, target, key)
            with target.open("r+b") as handle:  # cut off half-way through writing the copy
                handle.truncate(target.stat().st_size // 2)
            raise PowerCut(step)

        monkeypatch.setattr(cipher, "export_encrypted", half_export)
    elif step == "check":
        monkeypatch.setattr(encryption_service.backups, "check_database_file", _fail_on_the_copy(cut))
    elif step == "keyring":
        monkeypatch.setattr(encryption_service, "write_keyring", cut)
    else:
        real_replace = os.replace

        def replace(source: Path, target: Path) -> None:
            if ".加密中-" in Path(source).name:
                raise PowerCut(step)
            real_replace(source, target)

        monkeypatch.setattr(encryption_service.os, "replace", replace)
    with pytest.raises(PowerCut):
        encrypt_database(db, name="admin", password="demo")
    monkeypatch.undo()
    assert cipher.is_plain_sqlite(db)  # the WAL folded into the file, nothing else changed
    after = check_database_file(db)
    assert after.sound and (after.counts, after.audit_head) == (before.counts, before.audit_head)
    assert not list(tmp_path.glob(".*加密中*"))
    database = open_database(db)  # as before: plain, every record there
    try:
        with database.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Household)) == 25
    finally:
        database.dispose()
    encrypt_database(db, name="admin", password="demo")  # and the conversion can simply be run again
    assert people(db, name="admin") > 25


def _fail_on_the_copy(cut: object) -> object:
    real = check_database_file

    def check(path: Path, **options: object) -> object:
        if ".加密中-" in path.name:
            cut()  # type: ignore[operator]
        return real(path, **options)  # type: ignore[arg-type]

    return check


def test_a_database_without_a_manager_cannot_be_encrypted(tmp_path: Path) -> None:
    database = open_database(tmp_path / "old.db")
    database.dispose()
    with pytest.raises(EncryptionRefused, match="还没有管理员账号"):
        encrypt_database(tmp_path / "old.db", name="someone", password="pass")
    assert cipher.is_plain_sqlite(tmp_path / "old.db")


def test_backup_and_restore_of_an_encrypted_file_stay_encrypted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys)
    numbers = id_numbers(db)
    database = open_encrypted(db, name="admin", password="demo")
    try:
        made = back_up(database)
        with database.session_factory() as session:
            session.execute(Person.__table__.delete().where(Person.id.in_(select(Person.id).limit(5))))
            session.commit()
    finally:
        database.dispose()
    assert cipher.looks_encrypted(made.path) and keyring_path(made.path).is_file()
    with pytest.raises(NotADatabase):
        check_database_file(made.path)  # without the key it cannot even be counted
    data = made.path.read_bytes()
    assert not any(number.encode() in data for number in numbers) and not ID_NUMBER.search(data)

    key = keyrings.unlock(db, name="admin", password="demo")
    result = restore_backup(target=db, backup=made.path, actor=Actor("admin", Role.ADMIN), key=key)
    assert result.people == made.people == people(db)
    assert cipher.looks_encrypted(db) and result.kept_aside is not None
    assert cipher.looks_encrypted(result.kept_aside) and keyring_path(result.kept_aside).is_file()

    # A new laptop: only the backup and its keyring; the restored file opens with the same accounts.
    laptop = tmp_path / "laptop" / "station.db"
    laptop.parent.mkdir()
    key = keyrings.unlock(made.path, name="admin", password="demo")
    restore_backup(target=laptop, backup=made.path, actor=Actor("admin", Role.ADMIN), key=key)
    assert people(laptop) == made.people


def test_strings_find_no_id_number_in_the_file_its_wal_or_its_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys)
    numbers = id_numbers(db)
    assert len(numbers) > 25
    database = open_encrypted(db, name="admin", password="demo")
    try:
        with database.session_factory() as session:  # a change left in the WAL, the reader still open
            person = session.scalars(select(Person)).first()
            assert person is not None
            person.phone = "13912345678"
            session.commit()
            wal = db.with_name("station.db-wal")
            assert wal.is_file() and wal.stat().st_size > 0
            on_disk = db.read_bytes() + wal.read_bytes()
            made = back_up(database)
    finally:
        database.dispose()
    on_disk += made.path.read_bytes() + keyring_path(db).read_bytes()
    found = [number for number in numbers if number.encode() in on_disk]
    assert found == [] and not ID_NUMBER.search(on_disk) and b"13912345678" not in on_disk
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and cipher.is_plain_sqlite(p)]  # no plain copy anywhere


def test_the_copy_before_a_migration_is_encrypted_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys)
    key = keyrings.unlock(db, name="admin", password="demo")
    database = open_database(db, key=key)
    try:
        config = _alembic_config()
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0004_accounts")
    finally:
        database.dispose()
    database = open_database(db, key=key)  # migrates, with a copy first
    database.dispose()
    [copy] = tmp_path.glob("station.备份-0004_accounts-*.db")
    assert cipher.looks_encrypted(copy) and keyring_path(copy).is_file()
    assert check_database_file(copy, key=key).revision == "0004_accounts"
    assert check_database_file(db, key=key).revision == head_revision()


def test_keys_are_refused_where_encryption_does_not_apply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.db"
    open_database(plain).dispose()
    with pytest.raises(CannotOpen, match="没有加密"):
        open_database(plain, key=os.urandom(32))
    with pytest.raises(CannotOpen, match="服务器"):
        open_database("postgresql://someone@localhost/fupin", key=os.urandom(32))
    assert main(["--db", "postgresql://someone@localhost/fupin", "encrypt"]) == 1
    assert "服务器上的数据库不使用本程序的文件加密" in capsys.readouterr().err
    with pytest.raises(KeyRefused, match="恢复码不正确"):
        recover_with_code(plain, code="x", name="admin", new_password="password")


def test_a_rolled_back_change_to_an_encrypted_file_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import update

    db = tmp_path / "station.db"
    make_demo(db, capsys)
    database = open_encrypted(db, name="admin", password="demo")
    try:
        with database.session_factory() as session:  # one transaction, as on a plain file: all or nothing
            session.execute(update(Person).values(phone="13900000000"))
            session.rollback()
        with database.session_factory() as session:
            changed = session.scalar(select(func.count()).select_from(Person).where(Person.phone == "13900000000"))
    finally:
        database.dispose()
    assert changed == 0
