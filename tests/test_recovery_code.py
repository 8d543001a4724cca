"""The recovery code's robustness without Qt: a code nobody confirmed (the program killed while it was shown)
is reported on every open and regenerated; the regenerated file opens with every account and the new code,
never with the old one, even without its keyring; a crash at any step of the re-key leaves a file that
opens; ``init`` killed with the code on a terminal leaves a file that says so; and a plain file's blocks
are zeroed before it is removed by the conversion."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fupin_desktop.cli import main
from fupin_desktop.domain import keyslots
from fupin_desktop.domain.keyslots import KeySlot, key_from_recovery_code
from fupin_desktop.services import encryption as encryption_service
from fupin_desktop.services.encryption import (
    encrypt_database,
    open_encrypted,
    recovery_unconfirmed,
    regenerate_recovery_code,
)
from fupin_desktop.store import cipher, wipe
from fupin_desktop.store import keyring as keyrings
from fupin_desktop.store.backup import check_database_file, list_backups
from fupin_desktop.store.keyring import keyring_path, read_keyring, write_keyring
from tests.test_encryption import make_demo, people, printed_code

ID_NUMBER = re.compile(rb"\d{17}[\dX]")
DEMO_ACCOUNTS = ("admin", "reviewer")


def demo_accounts(path: Path) -> tuple[str, ...]:
    keyring = read_keyring(path)
    assert keyring is not None
    return keyring.names


def code_opens(path: Path, code: str) -> bool:
    key = key_from_recovery_code(code)
    assert key is not None
    return cipher.key_opens(path, key)


def test_a_code_nobody_confirmed_is_reported_on_every_open_until_a_new_one_is_made_and_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    old = printed_code(make_demo(db, capsys))  # no terminal to type the last group back: like a killed window
    assert recovery_unconfirmed(db)
    assert main(["--db", str(db), "info"]) == 0
    told = capsys.readouterr().out
    assert "恢复码还没有确认" in told
    assert "recover --confirm" in told  # a code that is on paper already is confirmed, not replaced
    assert main(["--db", str(db), "check"]) == 0
    assert "recover --new-code" in capsys.readouterr().out
    assert main(["--db", str(db), "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recovery_code_unconfirmed"] is True
    assert main(["--db", str(db), "backup"]) == 0
    capsys.readouterr()
    before = check_database_file(db, key=key_from_recovery_code(old))
    names = demo_accounts(db)

    assert main(["--db", str(db), "recover", "--new-code"]) == 1  # the demo's 审核人 is not a 管理员
    assert "需要管理员权限才能重新生成恢复码" in capsys.readouterr().err
    assert main(["--db", str(db), "--user", "admin", "recover", "--new-code"]) == 0
    out = capsys.readouterr().out
    new = printed_code(out)
    assert new != old and "旧恢复码已作废" in out and "1个备份也已换用新密钥" in out
    assert recovery_unconfirmed(db)  # shown again on a terminal that could not ask

    assert not code_opens(db, old) and code_opens(db, new)
    after = check_database_file(db, key=key_from_recovery_code(new))
    assert after.sound and after.counts["person"] == before.counts["person"]
    assert demo_accounts(db) == names
    for name in names:  # every account still signs in: its slot holds the new key
        assert people(db, name=name) == before.counts["person"]
    [backup] = list_backups(tmp_path / "备份", "station")
    assert not code_opens(backup.path, old) and code_opens(backup.path, new)
    assert not list(tmp_path.glob(".*换钥中*"))

    monkeypatch.setenv("FUPIN_RECOVERY_CODE", old)
    assert main(["--db", str(db), "check"]) == 1
    assert "已经作废" in capsys.readouterr().err
    assert main(["--db", str(db), "recover", "--confirm"]) == 1  # the old code confirms nothing
    capsys.readouterr()
    monkeypatch.setenv("FUPIN_RECOVERY_CODE", new)
    assert main(["--db", str(db), "recover", "--confirm"]) == 0
    monkeypatch.delenv("FUPIN_RECOVERY_CODE")
    capsys.readouterr()
    assert not recovery_unconfirmed(db)
    assert main(["--db", str(db), "info"]) == 0
    assert "恢复码" not in capsys.readouterr().out


def test_without_its_keyring_the_file_opens_with_the_new_code_and_not_the_old(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    old = printed_code(make_demo(db, capsys))
    new = regenerate_recovery_code(db, name="admin", password="demo").recovery_code
    keyring_path(db).unlink()  # lost after the regeneration: the paper with the new code is enough

    monkeypatch.setenv("FUPIN_RECOVERY_CODE", old)
    assert main(["--db", str(db), "check"]) == 1
    assert "不匹配" in capsys.readouterr().err
    monkeypatch.setenv("FUPIN_RECOVERY_CODE", new)
    assert main(["--db", str(db), "check"]) == 0
    monkeypatch.setenv("FUPIN_NEW_PASSWORD", "admin-again")
    assert recovery_unconfirmed(db) is False  # no keyring: nothing to say until there is one
    assert main(["--db", str(db), "--user", "admin", "recover"]) == 0
    assert "钥匙文件已重建" in capsys.readouterr().out
    assert people(db, name="admin", password="admin-again") > 25
    assert not recovery_unconfirmed(db)  # the code was just typed in full: whoever typed it has it


class PowerCut(Exception):
    pass


@pytest.mark.parametrize("step", ["export", "keyring", "rename", "settle"])
def test_a_crash_in_the_middle_of_the_re_key_leaves_a_file_that_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    db = tmp_path / "station.db"
    old = printed_code(make_demo(db, capsys))
    before = check_database_file(db, key=key_from_recovery_code(old))
    names = demo_accounts(db)
    writes: list[Path] = []

    if step == "export":
        real_export = encryption_service._export_rekeyed

        def half_export(source: Path, source_key: bytes, target: Path, key: bytes) -> None:
            real_export(source, source_key, target, key)
            with target.open("r+b") as handle:  # cut off half-way through writing the copy
                handle.truncate(target.stat().st_size // 2)
            raise PowerCut(step)

        monkeypatch.setattr(encryption_service, "_export_rekeyed", half_export)
    elif step in ("keyring", "settle"):
        real_write = write_keyring

        def write(path: Path, keyring: keyrings.Keyring) -> Path:
            writes.append(path)
            if len(writes) == (1 if step == "keyring" else 2):  # before the keyring of both keys, or after
                raise PowerCut(step)
            return real_write(path, keyring)

        monkeypatch.setattr(encryption_service, "write_keyring", write)
    else:
        real_replace = os.replace

        def replace(source: Path, target: Path) -> None:
            if ".换钥中-" in Path(source).name:
                raise PowerCut(step)
            real_replace(source, target)

        monkeypatch.setattr(encryption_service.os, "replace", replace)
    with pytest.raises(PowerCut):
        regenerate_recovery_code(db, name="admin", password="demo")
    monkeypatch.undo()

    renamed = step == "settle"  # the file was re-keyed, the keyring still holds both keys
    assert code_opens(db, old) is not renamed
    for name in names:  # every account opens the file, whichever key it now has
        assert people(db, name=name) == before.counts["person"]
    settled = read_keyring(db)
    assert settled is not None and settled.previous_check is None and settled.names == names  # the sign-in settled it
    assert not list(tmp_path.glob(".*换钥中*"))
    assert recovery_unconfirmed(db)  # nobody has seen a code of the file as it is now
    killed = db.with_name(".station.db.换钥中-0123.tmp")  # what a re-key killed outright would leave
    killed.write_bytes(b"half a copy")
    again = regenerate_recovery_code(db, name="admin", password="demo")  # and it can simply be run again
    assert not killed.exists()
    assert code_opens(db, again.recovery_code) and not code_opens(db, old)
    assert people(db, name="reviewer") == before.counts["person"]


def test_a_first_format_slot_still_opens_and_is_sealed_at_its_next_sign_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "station.db"
    code = printed_code(make_demo(db, capsys))
    key = key_from_recovery_code(code)
    assert key is not None
    keyring = read_keyring(db)
    assert keyring is not None
    slot = keyring.slot("reviewer")
    assert slot is not None
    kek = keyslots._kek("demo", slot.salt, slot.memory_kib, slot.passes, slot.lanes)
    wrapped = AESGCM(kek).encrypt(slot.nonce, key, keyslots._aad("reviewer"))  # the data key itself, as before
    legacy = KeySlot("reviewer", slot.salt, slot.nonce, wrapped, slot.memory_kib, slot.passes, slot.lanes)
    write_keyring(db, keyring.with_slot(legacy))
    assert not read_keyring(db).slot("reviewer").sealable  # type: ignore[union-attr]

    assert keyrings.unlock(db, name="reviewer", password="demo") == key
    assert read_keyring(db).slot("reviewer").sealable  # type: ignore[union-attr]
    regenerate_recovery_code(db, name="admin", password="demo")
    assert people(db, name="reviewer") > 25


def test_converting_a_plain_file_zeroes_its_blocks_and_its_wal_before_they_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    make_demo(db, capsys, "--plain")
    assert ID_NUMBER.search(db.read_bytes())
    assert main(["--db", str(db), "backup"]) == 0
    [backup] = list_backups(tmp_path / "备份", "station")
    assert ID_NUMBER.search(backup.path.read_bytes())
    # A crash left a WAL with people in it: written by a process that dies without closing the file.
    script = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "c.execute('PRAGMA journal_mode = WAL')\n"
        "c.execute(\"UPDATE person SET phone = '13912345678' WHERE rowid IN (SELECT rowid FROM person LIMIT 5)\")\n"
        "c.commit()\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db)], check=True)
    wal = db.with_name("station.db-wal")
    assert wal.exists() and ID_NUMBER.search(wal.read_bytes())

    unlinked: dict[str, bytes] = {}
    wals: list[bytes] = []
    real_unlink = Path.unlink
    real_overwrite = wipe.overwrite_with_zeros

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if wipe.LEFTOVER_MARK in self.name:
            unlinked[self.name] = self.read_bytes()
        real_unlink(self, missing_ok=missing_ok)

    def overwrite(path: Path) -> int:
        size = real_overwrite(path)
        if path.name == "station.db-wal":
            wals.append(path.read_bytes())  # SQLite truncates and deletes it after this
        return size

    monkeypatch.setattr(Path, "unlink", unlink)
    monkeypatch.setattr(wipe, "overwrite_with_zeros", overwrite)
    originals = [os.open(path, os.O_RDONLY) for path in (db, backup.path)]  # their own blocks, whatever name
    try:
        encrypt_database(db, name="admin", password="demo")
        sizes = [os.fstat(original).st_size for original in originals]
        blocks = [os.pread(original, size, 0) for original, size in zip(originals, sizes, strict=True)]
    finally:
        for original in originals:
            os.close(original)
    monkeypatch.undo()

    for size, content in zip(sizes, blocks, strict=True):  # the plain file's and its backup's blocks: zeros only
        assert size > 0 and content == bytes(size)
    assert cipher.looks_encrypted(backup.path)
    aside = [
        content for name, content in unlinked.items() if wipe.LEFTOVER_MARK in name and name.startswith(".station")
    ]
    assert aside and all(content == bytes(len(content)) for content in aside)
    assert wals and len(wals[0]) > 0 and all(content == bytes(len(content)) for content in wals)
    assert not wal.exists() and not list(tmp_path.glob(f".*{wipe.LEFTOVER_MARK}*"))
    database = open_encrypted(db, name="admin", password="demo")  # the WAL's change is in the encrypted file
    try:
        with database.engine.connect() as connection:
            phones = connection.exec_driver_sql("SELECT count(*) FROM person WHERE phone = '13912345678'").scalar()
    finally:
        database.dispose()
    assert phones == 5


def test_a_plain_file_a_crash_left_aside_is_wiped_and_the_wipe_is_a_real_overwrite(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    db.write_bytes(b"encrypted bytes")
    leftover = wipe.aside_name(db)
    connection = sqlite3.connect(leftover)
    connection.execute("CREATE TABLE person (id_number TEXT)")
    connection.execute("INSERT INTO person VALUES ('110101199003071234')")
    connection.commit()
    connection.close()
    descriptor = os.open(leftover, os.O_RDONLY)
    try:
        assert wipe.wipe_leftovers(db) == (leftover,)
        size = os.fstat(descriptor).st_size
        assert size > 0 and os.pread(descriptor, size, 0) == bytes(size)
    finally:
        os.close(descriptor)
    assert not leftover.exists() and db.read_bytes() == b"encrypted bytes"


def _init_on_a_terminal(db: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    """``init`` on a pseudo-terminal, read up to its question for the code's last group: (process, the
    terminal's master end, what it printed)."""
    import pty
    import select

    master, slave = pty.openpty()
    env = {**os.environ, "FUPIN_PASSWORD": "Station-2026", "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fupin_desktop.cli", "--db", str(db), "init", "--admin", "head"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    printed = b""
    while "最后一组".encode() not in printed:
        ready, _, _ = select.select([master], [], [], 60)
        assert ready, printed.decode(errors="replace")
        printed += os.read(master, 4096)
    return process, master, printed.decode()


def test_init_killed_while_the_code_is_on_the_terminal_leaves_a_file_that_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "station.db"
    process, master, printed = _init_on_a_terminal(db)
    process.kill()  # the program killed (a power cut) with the code on the screen
    process.wait()
    os.close(master)
    old = printed_code(printed)
    assert recovery_unconfirmed(db)
    monkeypatch.setenv("FUPIN_USER", "head")
    monkeypatch.setenv("FUPIN_PASSWORD", "Station-2026")
    assert main(["--db", str(db), "info"]) == 0
    told = capsys.readouterr().out
    assert "恢复码还没有确认" in told
    assert "recover --confirm" in told  # a code that is on paper already is confirmed, not replaced
    assert main(["--db", str(db), "recover", "--new-code"]) == 0
    new = printed_code(capsys.readouterr().out)
    assert code_opens(db, new) and not code_opens(db, old)
    assert keyrings.unlock(db, name="head", password="Station-2026") == key_from_recovery_code(new)


def test_typing_the_last_group_back_on_the_terminal_confirms_the_code(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    process, master, printed = _init_on_a_terminal(db)
    os.write(master, printed_code(printed)[-4:].encode() + b"\n")
    assert process.wait(timeout=60) == 0
    os.close(master)
    assert not recovery_unconfirmed(db)


def test_a_regenerated_code_gives_the_file_the_new_cipher_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-keyed file takes the faster page layout of new files (a file made before it had the old one)."""
    db = tmp_path / "fupin.db"
    make_demo(db, capsys)
    regenerate_recovery_code(db, name="admin", password="demo")
    assert cipher.layout_of(db, encryption_service.data_key_for(db, name="admin", password="demo")) == cipher.NEW
