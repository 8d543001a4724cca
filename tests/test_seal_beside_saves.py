"""A long seal beside other clerks' saves: real processes against one database, on both engines.

A county list takes about a quarter of a minute to write as xlsx and PDF. While it does, the seal holds its
unit's counter row and the rows it seals, not the audit chain head: on a server another clerk's household
edit commits at once and a second seal of the unit waits for its number. On a SQLite file the seal's first
write takes the file's one write lock, so the edit waits its busy timeout and is refused with nothing written,
and goes through once the seal is done. The sealing process writes its PDF through a writer slowed by a few
seconds, standing in for the county list's file writing (the part that used to hold the chain head).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from fupin_desktop.cli import main
from fupin_desktop.domain.workflow import State
from fupin_desktop.store.db import open_database
from fupin_desktop.store.models import Household, Intention, Person, Submission

pytestmark = pytest.mark.both_engines

ENV = {**os.environ, "FUPIN_USER": "reviewer", "FUPIN_PASSWORD": "demo", "QT_QPA_PLATFORM": "offscreen"}
SLOW_FILES = 8.0  # seconds the sealing process's PDF writer waits before writing

# A seal through the command line whose PDF writer first sleeps (argv: seconds, then the command's arguments).
_SLOW_SEAL = """
import sys, time
import fupin_desktop.export.pdf as pdf
real = pdf.write_pdf
def slowed(*args, **kwargs):
    time.sleep(float(sys.argv[1]))
    return real(*args, **kwargs)
pdf.write_pdf = slowed
from fupin_desktop.cli import main
sys.exit(main(sys.argv[2:]))
"""

# A clerk's window in miniature: signed in beforehand, it saves one edit when told to ("go" on stdin) — a
# household's address, or with "person" a member's name — and prints how long the save took; a refusal prints
# its message and exits 1.
_EDIT = """
import sys, time, uuid
from dataclasses import replace
from fupin_desktop.services.accounts import sign_in
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import edit_household, edit_person, household_facts, person_facts
from fupin_desktop.store.db import open_database
from fupin_desktop.store.errors import StoreError
from fupin_desktop.store.models import Household, Person
database = open_database(sys.argv[1])
actor = sign_in(database, name="reviewer", password="demo")
record_id = uuid.UUID(sys.argv[2])
person = sys.argv[4:] == ["person"]
with database.session_factory() as session:
    if person:
        facts = replace(person_facts(session.get_one(Person, record_id)), name=sys.argv[3])
    else:
        facts = replace(household_facts(session.get_one(Household, record_id)), address=sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
started = time.monotonic()
try:
    if person:
        edit_person(database, actor=actor, person_id=record_id, facts=facts)
    else:
        edit_household(database, actor=actor, household_id=record_id, facts=facts)
except (StoreError, ServiceError) as error:
    print(f"{time.monotonic() - started:.2f}", flush=True)
    print(error, file=sys.stderr)
    sys.exit(1)
print(f"{time.monotonic() - started:.2f}", flush=True)
"""


def _python(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def _writing_files(folder: Path, process: subprocess.Popen[str]) -> None:
    """Wait until the seal has written its temporary xlsx: it is then in its slowed PDF writer."""
    deadline = time.monotonic() + 120
    while not (folder.exists() and any(p.name.startswith(".sealing-") for p in folder.iterdir())):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the seal never reached its files"
        time.sleep(0.05)


def _sealed_household(url: str) -> tuple[uuid.UUID, str]:
    """A household with a member the training list will seal, and its address."""
    database = open_database(url)
    try:
        with database.session_factory() as session:
            row = session.execute(
                select(Household.id, Household.address)
                .join(Person, Person.household_id == Household.id)
                .join(Intention, Intention.person_id == Person.id)
                .where(Intention.state == State.NOTICE_PASSED.value, Intention.kind == "training")
                .limit(1)
            ).one()
        return row[0], row[1] or ""
    finally:
        database.dispose()


def _sealed_person(url: str) -> tuple[uuid.UUID, str]:
    """A member the training list will seal, and the name."""
    database = open_database(url)
    try:
        with database.session_factory() as session:
            row = session.execute(
                select(Person.id, Person.name)
                .join(Intention, Intention.person_id == Person.id)
                .where(Intention.state == State.NOTICE_PASSED.value, Intention.kind == "training")
                .limit(1)
            ).one()
        return row[0], row[1]
    finally:
        database.dispose()


def _address(url: str, household_id: uuid.UUID) -> str | None:
    database = open_database(url)
    try:
        with database.session_factory() as session:
            return session.get_one(Household, household_id).address
    finally:
        database.dispose()


def test_a_clerk_saves_while_a_long_seal_writes_its_files(database_url: str, engine_name: str, tmp_path: Path) -> None:
    assert main(["--db", database_url, "demo", "--households", "300", "--seed", "5", "--plain"]) == 0
    assert main(["--db", database_url, "seal", "progress_henan", "--out", str(tmp_path / "first")]) == 0
    household_id, before = _sealed_household(database_url)
    edited = f"{before}（门牌已核实）"[:120]
    clerk = _python(_EDIT, database_url, str(household_id), edited)
    assert clerk.stdout is not None and clerk.stdout.readline().strip() == "ready", clerk.communicate()

    out = tmp_path / "long"
    seal = _python(_SLOW_SEAL, str(SLOW_FILES), "--db", database_url, "seal", "training_list", "--out", str(out))
    _writing_files(out, seal)
    second = _python(_SLOW_SEAL, "0", "--db", database_url, "seal", "school_list", "--out", str(tmp_path / "second"))
    clerk_out, clerk_err = clerk.communicate("go\n", timeout=60)
    took = float(clerk_out.split()[0])
    still_sealing = seal.poll() is None
    seal_out, seal_err = seal.communicate(timeout=300)
    second_out, second_err = second.communicate(timeout=300)
    assert still_sealing  # the edit was saved (or refused) while the long seal was still writing
    assert seal.returncode == 0 and second.returncode == 0, (seal_err, second_err)

    if engine_name == "postgresql":
        assert clerk.returncode == 0, clerk_err
        assert took < 3.0  # not the 5 s lock wait and its refusal: the seal does not hold the chain head
        assert _address(database_url, household_id) == edited
    else:
        # One write lock per file: the edit waits its busy timeout, is refused in one line, writes nothing...
        assert clerk.returncode == 1 and took >= 4.0, clerk_err
        assert "正被另一个程序写入" in clerk_err and "Traceback" not in clerk_err
        assert _address(database_url, household_id) == before
        # ...and the same save goes through once the seal has committed.
        again = _python(_EDIT, database_url, str(household_id), edited)
        _printed, again_err = again.communicate("go\n", timeout=60)
        assert again.returncode == 0, again_err
        assert _address(database_url, household_id) == edited

    numbers = sorted(int(re.search(r"第(\d+)号", text).group(1)) for text in (seal_out, second_out))  # type: ignore[union-attr]
    assert numbers == [2, 3]  # the second seal waited for the long one's counter row, then took the next number
    files = sorted(out.iterdir())
    assert [p.suffix for p in files] == [".pdf", ".xlsx"] and "第2号" in files[0].name  # renamed, nothing left over
    database = open_database(database_url)
    try:
        with database.session_factory() as session:
            assert sorted(session.scalars(select(Submission.number))) == [1, 2, 3]
    finally:
        database.dispose()
    assert main(["--db", database_url, "check"]) == 0
    assert all(main(["--db", database_url, "verify", str(path)]) == 0 for path in files)


def test_a_member_edited_while_the_seal_holds_the_row_is_refused_not_changed_after_the_freeze(
    database_url: str, tmp_path: Path
) -> None:
    """The seal has locked its members' rows before it writes its files; an edit of one of them waits for the
    seal (PostgreSQL: its row; a file: the write lock), then finds the member sealed: refused, nothing changed."""
    assert main(["--db", database_url, "demo", "--households", "300", "--seed", "5", "--plain"]) == 0
    person_id, name = _sealed_person(database_url)
    clerk = _python(_EDIT, database_url, str(person_id), name[:1] + "某某", "person")
    assert clerk.stdout is not None and clerk.stdout.readline().strip() == "ready", clerk.communicate()
    out = tmp_path / "sealed"
    seal = _python(_SLOW_SEAL, "2.5", "--db", database_url, "seal", "training_list", "--out", str(out))
    _writing_files(out, seal)
    _printed, refused = clerk.communicate("go\n", timeout=60)
    assert seal.communicate(timeout=300) and seal.returncode == 0
    assert clerk.returncode == 1 and "Traceback" not in refused, refused
    assert "已列入封存的上报表" in refused, refused  # it waited for the seal's commit (2.5 s, under the 5 s wait)
    database = open_database(database_url)
    try:
        with database.session_factory() as session:
            sealed = session.get_one(Person, person_id)
            assert sealed.name == name and sealed.locked
    finally:
        database.dispose()
    assert main(["--db", database_url, "check"]) == 0


def test_on_a_server_a_save_waits_for_a_long_commit_ahead_of_it_instead_of_being_refused(
    database_url: str, engine_name: str
) -> None:
    """A county seal's own commit chains and logs some 50,000 steps (a few seconds): a save meeting it at the
    chain head waits for it (up to 30 s), beyond the 5 s it waits for a record someone is editing."""
    if engine_name != "postgresql":
        pytest.skip("a file has one write lock: the save waits its busy timeout at its first write (above)")
    import psycopg

    from fupin_desktop.store.postgres import server_url

    assert main(["--db", database_url, "demo", "--households", "300", "--seed", "5", "--plain"]) == 0
    household_id, before = _sealed_household(database_url)
    clerk = _python(_EDIT, database_url, str(household_id), f"{before}（已核实）"[:120])
    assert clerk.stdout is not None and clerk.stdout.readline().strip() == "ready", clerk.communicate()
    libpq = server_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq) as holder:
        holder.execute("select * from audit_chain_head for update")  # the commit ahead, still running
        clerk.stdin.write("go\n")  # type: ignore[union-attr]
        clerk.stdin.flush()  # type: ignore[union-attr]
        time.sleep(7.0)
        assert clerk.poll() is None  # still waiting, not refused at 5 s
        holder.rollback()
    printed, refused = clerk.communicate(timeout=60)
    assert clerk.returncode == 0, refused
    assert 7.0 <= float(printed.split()[0]) < 15.0
    assert _address(database_url, household_id) == f"{before}（已核实）"[:120]
    assert main(["--db", database_url, "check"]) == 0
