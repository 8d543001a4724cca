"""The encrypted file beside the plain one, in the same run: demo, opening (sign-in), search, village switch,
import and seal. Target: the encrypted file within 1.3× of the plain file on each.

    .venv/bin/python benchmarks/bench_encryption.py [--households 2000] [--rows 2000] [--repeats 3]

``demo`` is timed making each file (``demo --plain`` and ``demo``, same seed). Everything else runs on a
pair with the same content and the same page layout: the plain county rebuilt by ``VACUUM``, and a copy of
it converted by ``encrypt`` — so a difference is the cipher's, not the data's. (``encrypt`` rebuilds the
file with ``sqlcipher_export``, which packs every page full as ``VACUUM`` does; the first writes into a
packed file split pages, and a seal then writes 2.5 times the WAL frames of one into a file grown by
inserts, whatever the cipher. Measured at 30,000 households: a seal on the converted file 460 ms against
270 ms on the unpacked plain one, and 290 / 270 ms on a packed plain one.) Import and seal run in-process
on fresh copies, as the window does them. Searches and village switches run on both files open at once,
each query on the plain file then on the encrypted one, so that the load of a shared machine falls on both
alike; ``--repeats`` rounds, each on new connections (SQLite's page cache cold, the system's warm), and
each query's fastest round counts. "open" is the sign-in plus opening: for the encrypted file that
includes unwrapping the account's key slot (one Argon2id). The window opens a county's file with the quick
check left for after its first paint (``check_later``: writes wait for its verdict), a CLI command checks
before it writes: a row each; the quick check alone, which reads and so decrypts every page, is a third.
Results go to benchmarks/results/encryption.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

WORK = HERE / "work" / "encryption"
RESULTS = HERE / "results"
PASSWORD = "demo"
ACCOUNT = "admin"


def _cli(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
        env={**__import__("os").environ, "FUPIN_USER": ACCOUNT, "FUPIN_PASSWORD": PASSWORD},
    )
    return time.perf_counter() - started


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _copy(source: Path, target: Path) -> Path:
    """The file and its keyring (a closed database has no WAL left beside it)."""
    _fresh(target)
    shutil.copy2(source, target)
    if Path(f"{source}.keys").exists():
        shutil.copy2(f"{source}.keys", f"{target}.keys")
    return target


def _open(path: Path, *, check_later: bool = False) -> object:
    from fupin_desktop.services.accounts import sign_in
    from fupin_desktop.services.encryption import open_encrypted

    database = open_encrypted(path, name=ACCOUNT, password=PASSWORD, check_later=check_later)
    sign_in(database, name=ACCOUNT, password=PASSWORD)
    return database


def _p(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _searches(
    plain: Path, encrypted: Path, cases: dict[str, list[str]], passes: int = 1
) -> dict[str, tuple[list[float], list[float]]]:
    """Each search on the plain file, then on the encrypted one (both open): the timings of each, per case.
    A search is what the window's household list asks when a text is typed (ui/roster_models.set_filter):
    the first page of 300 with its employed marks and matched members, and the count up to the cap.
    With ``passes`` > 1 every case runs again on the same connections and the last pass is timed: the
    pages it reads were decrypted once already (as in a window that has been searched in for a while)."""
    from fupin_desktop.services.roster import household_page
    from fupin_desktop.services.search import HouseholdFilter
    from fupin_desktop.ui.roster_models import HouseholdTableModel

    today = date.today()

    databases = [_open(plain), _open(encrypted)]
    sessions = [database.session_factory() for database in databases]  # type: ignore[attr-defined]
    timings: dict[str, tuple[list[float], list[float]]] = {}
    try:
        for action, texts in [(action, texts) for _ in range(passes) for action, texts in cases.items()]:
            timings[action] = ([], [])
            for text in texts:
                for session, samples in zip(sessions, timings[action], strict=True):
                    session.info.clear()
                    started = time.perf_counter()
                    flt = HouseholdFilter(text=text)
                    household_page(
                        session, flt, 0, HouseholdTableModel.PAGE, on=today, count_cap=HouseholdTableModel.COUNT_CAP
                    )
                    samples.append(time.perf_counter() - started)
    finally:
        for session, database in zip(sessions, databases, strict=True):
            session.close()
            database.dispose()  # type: ignore[attr-defined]
    return timings


def _village_switches(plain: Path, encrypted: Path, villages: list[object]) -> tuple[list[float], list[float]]:
    """What a click on a village asks of the database: the count and the first page of its households."""
    from fupin_desktop.services.search import HouseholdFilter, count_households, fetch_households

    databases = [_open(plain), _open(encrypted)]
    sessions = [database.session_factory() for database in databases]  # type: ignore[attr-defined]
    timings: tuple[list[float], list[float]] = ([], [])
    try:
        for village in villages:
            for session, samples in zip(sessions, timings, strict=True):
                session.info.clear()
                started = time.perf_counter()
                flt = HouseholdFilter(region_id=village)  # type: ignore[arg-type]
                count_households(session, flt)
                fetch_households(session, flt, 0, 300)
                samples.append(time.perf_counter() - started)
    finally:
        for session, database in zip(sessions, databases, strict=True):
            session.close()
            database.dispose()  # type: ignore[attr-defined]
    return timings


def _quick_check(path: Path) -> float:
    from fupin_desktop.store.backup import check_database_file
    from fupin_desktop.store.keyring import unlock

    key = unlock(path, name=ACCOUNT, password=PASSWORD) if Path(f"{path}.keys").exists() else None
    started = time.perf_counter()
    assert check_database_file(path, quick=True, key=key).sound
    return time.perf_counter() - started


def _import(path: Path, sheet: Path) -> float:
    from fupin_desktop.services.village_import import import_village_file
    from fupin_desktop.store.uow import UnitOfWork

    database = _open(path)
    with database.session_factory() as session:  # type: ignore[attr-defined]
        session.connection()
    started = time.perf_counter()
    with UnitOfWork(database, ACCOUNT) as uow:  # type: ignore[arg-type]
        _plan, report = import_village_file(uow, sheet, dry_run=False)
        assert report.written and not report.errors, report.errors[:3]
        uow.commit()
    elapsed = time.perf_counter() - started
    database.dispose()  # type: ignore[attr-defined]
    return elapsed


def _seal(path: Path, out: Path) -> float:
    from fupin_desktop.export.fonts import register_fonts
    from fupin_desktop.services.sheets import SheetRequest
    from fupin_desktop.services.submissions import seal_sheet
    from fupin_desktop.store.uow import UnitOfWork

    database = _open(path)
    register_fonts()
    started = time.perf_counter()
    with UnitOfWork(database, ACCOUNT) as uow:  # type: ignore[arg-type]
        seal_sheet(uow, SheetRequest("training_list"), out, today=date.today())
    elapsed = time.perf_counter() - started
    database.dispose()  # type: ignore[attr-defined]
    return elapsed


def _fastest(rounds: list[list[float]]) -> list[float]:
    """Each query's fastest time over the rounds: a burst of another program's load falls out."""
    return [min(samples) for samples in zip(*rounds, strict=True)]


def _alternating(repeats: int, plain: Callable[[], float], encrypted: Callable[[], float]) -> tuple[float, float]:
    """Medians of each, run by turns so that the machine's load falls on both alike."""
    p, e = [], []
    for _ in range(repeats):
        p.append(plain())
        e.append(encrypted())
    return statistics.median(p), statistics.median(e)


def run(households: int, rows: int, repeats: int) -> list[dict[str, object]]:
    import random
    import sqlite3

    from bench_import import _prepare_database, build_sheet

    from fupin_desktop.services.encryption import encrypt_database

    WORK.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, object]] = []

    def row(action: str, plain_s: float, encrypted_s: float, target: str = "≤ 1.3×") -> None:
        results.append(
            {
                "action": action,
                "encrypted_ms": _ms(encrypted_s),
                "plain_ms": _ms(plain_s),
                "ratio": round(encrypted_s / plain_s, 3) if plain_s else None,
                "target": target,
            }
        )
        print(f"{action:56} {_ms(encrypted_s):10.1f} {_ms(plain_s):10.1f} {encrypted_s / plain_s:6.2f}", flush=True)

    print(f"{'action':56} {'encrypted':>10} {'plain':>10} {'ratio':>6}", flush=True)
    plain_demo = _fresh(WORK / "demo-plain.db")
    encrypted_demo = _fresh(WORK / "demo-encrypted.db")
    args = ("demo", "--households", str(households), "--seed", "1")
    plain_s, encrypted_s = _cli("--db", str(plain_demo), *args, "--plain"), _cli("--db", str(encrypted_demo), *args)
    row(f"demo --households {households}", plain_s, encrypted_s)

    plain = WORK / "plain.db"
    code, name, full = _prepare_database(plain_demo, _fresh(plain))  # the import's village added
    with sqlite3.connect(plain) as raw:  # packed as the conversion packs the encrypted copy
        raw.execute("VACUUM")
    encrypted = _copy(plain, WORK / "encrypted.db")
    encrypt_database(encrypted, name=ACCOUNT, password=PASSWORD)

    def opening(path: Path, check_later: bool) -> Callable[[], float]:
        def once() -> float:
            started = time.perf_counter()
            _open(path, check_later=check_later).dispose()  # type: ignore[attr-defined]
            return time.perf_counter() - started

        return once

    row(
        "open: sign-in + open, as the window (quick check after the first paint)",
        *_alternating(max(5, repeats), opening(plain, True), opening(encrypted, True)),
    )
    row(
        "open: sign-in + open + quick check, as a CLI write command",
        *_alternating(max(5, repeats), opening(plain, False), opening(encrypted, False)),
    )
    row(
        "open: of which the quick check (reads every page)",
        *_alternating(max(5, repeats), lambda: _quick_check(plain), lambda: _quick_check(encrypted)),
    )

    with sqlite3.connect(plain) as raw:
        rng = random.Random(4)
        people = raw.execute("select name, id_number, name_initials from person").fetchall()
        sample = rng.sample(people, min(40, len(people)))
        villages = [v for (v,) in raw.execute("select id from region where level = 'village'")]
    import uuid

    village_ids = [uuid.UUID(bytes=v) if isinstance(v, bytes) else uuid.UUID(str(v)) for v in villages][:30]
    cases = {
        "search: pinyin initials": [s[2] for s in sample],
        "search: name fragment, 2 characters": [s[0][:2] for s in sample],
        "search: ID last 6 digits": [s[1][-6:] for s in sample],
    }
    _searches(plain, encrypted, cases)  # warm both files' pages alike (in the system's cache)
    rounds = [_searches(plain, encrypted, cases) for _ in range(repeats)]  # each round on new connections: cold
    warm_rounds = [_searches(plain, encrypted, cases, passes=2) for _ in range(repeats)]
    for action in cases:
        for label, runs in (("", rounds), (", pages read once already on the connection", warm_rounds)):
            plain_t, encrypted_t = (_fastest([timings[action][side] for timings in runs]) for side in (0, 1))
            (p50, p95), (e50, e95) = _p(plain_t), _p(encrypted_t)
            row(f"{action} p50{label}", p50, e50)
            row(f"{action} p95{label}", p95, e95)
    switches = [_village_switches(plain, encrypted, village_ids) for _ in range(repeats)]
    plain_v, encrypted_v = (_fastest([timings[side] for timings in switches]) for side in (0, 1))
    row("village switch (count + first 300 households) p50", _p(plain_v)[0], _p(encrypted_v)[0])

    with tempfile.TemporaryDirectory(prefix="bench-encryption-") as folder:
        work = Path(folder)
        sheet = work / f"{name}.xlsx"
        build_sheet(sheet, plain, code, name, full, rows)

        def importing(path: Path) -> Callable[[], float]:
            return lambda: _import(_copy(path, work / f"import-{path.name}"), sheet)

        row(
            f"import a village sheet of {rows:,} people (check + write)",
            *_alternating(repeats, importing(plain), importing(encrypted)),
        )

        def sealing(path: Path) -> Callable[[], float]:
            def once() -> float:
                out = work / f"sealed-{path.stem}"
                shutil.rmtree(out, ignore_errors=True)
                return _seal(_copy(path, work / f"seal-{path.name}"), out)

            return once

        row("seal training_list (xlsx + pdf)", *_alternating(repeats, sealing(plain), sealing(encrypted)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=2000, help="people in the imported village sheet")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from run import machine

    results = run(args.households, args.rows, args.repeats)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "encryption.json"
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "households": args.households,
        "import_rows": args.rows,
        "machine": machine(),
        "unit": "milliseconds",
        "results": results,
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
