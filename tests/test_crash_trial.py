"""Crash-safe numbering: seals killed with kill -9 at random moments (two processes at once) leave
no file that verifies under a number the database lacks, and no number on two genuine files."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fupin_desktop.export.verify import Verdict, verify_file
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.station_keys import known_keys_of
from fupin_desktop.services.submissions import seal_sheet, tidy_after_crash, unfinished_name
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Submission, SubmissionCounter
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "crash_trial.py"


def _trial(tmp_path: Path, seals: int, seed: int) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--seals", str(seals), "--seed", str(seed), "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_small_crash_trial_passes(tmp_path: Path) -> None:
    assert "通过" in _trial(tmp_path, 4, 7)


@pytest.mark.slow
def test_the_crash_trial_of_20_seals_passes(tmp_path: Path) -> None:
    assert "通过" in _trial(tmp_path, 20, 11)


def test_a_temporary_file_never_verifies_and_the_next_start_finishes_or_removes_it(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    fx.station(database)
    with UnitOfWork(database, "王经办") as uow:
        result = seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY)
    keys = known_keys_of(database)
    # As if the program died after the commit, before the rename: the file under its temporary name.
    pending = tmp_path / unfinished_name(result.submission_id, ".pdf")
    result.pdf_path.rename(pending)
    assert verify_file(pending, keys).verdict == Verdict.NOT_SEALED
    # And a leftover of a seal that never committed, by a process that is gone.
    orphan = tmp_path / f".sealing-{uuid.uuid4().hex}-999999999.xlsx"
    orphan.write_bytes(result.xlsx_path.read_bytes())
    assert verify_file(orphan, keys).verdict == Verdict.NOT_SEALED
    tidied = tidy_after_crash(database)
    assert tidied.completed == [result.pdf_path] and tidied.removed == [orphan]
    assert verify_file(result.pdf_path, keys).verdict == Verdict.INTACT
    assert not pending.exists() and not orphan.exists()


def test_the_counter_row_gives_the_next_number_even_after_a_number_was_deleted(
    database: Database, tmp_path: Path
) -> None:
    fx.station(database)
    numbers = []
    for _ in range(3):
        with UnitOfWork(database, "王经办") as uow:
            numbers.append(seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY).number)
    with UnitOfWork(database, "王经办") as uow:  # a record removed behind the program's back
        uow.session.query(Submission).filter(Submission.number == 3).delete()
        uow.commit()
    with UnitOfWork(database, "王经办") as uow:
        numbers.append(seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY).number)
    assert numbers == ["〔2026〕第1号", "〔2026〕第2号", "〔2026〕第3号", "〔2026〕第4号"]


def test_a_counter_behind_the_register_never_reissues_a_number(database: Database, tmp_path: Path) -> None:
    fx.station(database)
    for _ in range(2):
        with UnitOfWork(database, "王经办") as uow:
            seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY)
    with UnitOfWork(database, "王经办") as uow:  # the counter set back, as by a file restored in part
        uow.session.execute(SubmissionCounter.__table__.update().values(last_number=0))
        uow.commit()
    with UnitOfWork(database, "王经办") as uow:
        assert seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY).number == "〔2026〕第3号"


def test_two_programs_sealing_at_once_never_share_a_number(database: Database, tmp_path: Path) -> None:
    import threading

    from fupin_desktop.store.db import open_database

    fx.station(database)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def seal_three(db: Database) -> None:
        try:
            for _ in range(3):
                with UnitOfWork(db, "王经办") as uow:
                    numbers.append(seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY).number)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    second = open_database(database.path)
    threads = [threading.Thread(target=seal_three, args=(db,)) for db in (database, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second.dispose()
    assert not errors
    assert sorted(numbers) == sorted(f"〔2026〕第{n}号" for n in range(1, 7))
    keys = known_keys_of(database)
    assert all(verify_file(path, keys).verdict == Verdict.INTACT for path in tmp_path.glob("*第*号.*"))
