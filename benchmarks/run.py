"""County-scale benchmark: what a user does, each beside its raw-library baseline in the same run.

    .venv/bin/python benchmarks/run.py [--households 30000] [--quick] [--db postgresql://user@host/dbname]
    .venv/bin/python benchmarks/run.py --search-only      every kind of search on the county file only

Builds a county with ``demo`` in benchmarks/work/, prints a table (action, ours, baseline, ratio)
and writes it to benchmarks/results/latest.json with the machine it ran on. Not a test: nothing
here asserts a time. With ``--db postgresql://…`` (an empty database, or one the runner filled before)
the county is built on that server and search is timed there beside a raw psycopg query of the same
rows (results/postgresql.json); the window and file benchmarks are the file's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_seal import bench_seal  # benchmarks/bench_seal.py (imports Measure from here when called)

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent))


@dataclass
class Measure:
    action: str
    ours_ms: float
    baseline_ms: float | None
    baseline: str
    target: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours_ms / self.baseline_ms if self.baseline_ms else None


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True, check=True, timeout=1800
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def bench_demo(households: int) -> tuple[Path, Measure]:
    db = WORK / "county.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    # Plain: the baselines read the file with sqlite3; the encrypted file is timed beside it in bench_encryption.py.
    _cli("--db", str(db), "demo", "--plain", "--households", str(households), "--seed", "1")
    ours = time.perf_counter() - started
    return db, Measure(
        f"demo --households {households}", _ms(ours), _ms(_raw_copy(db)), "sqlite3 executemany of the same rows"
    )


def _raw_copy(source: Path) -> float:
    """Time inserting every row of the demo database into an empty copy of its schema with executemany."""
    target = WORK / "raw_copy.db"
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src:
        schema = [sql for (sql,) in src.execute("select sql from sqlite_master where type='table' and sql is not null")]
        tables = [name for (name,) in src.execute("select name from sqlite_master where type='table'")]
        data = {t: src.execute(f'select * from "{t}"').fetchall() for t in tables}
    dst = sqlite3.connect(target)
    for sql in schema:
        dst.execute(sql)
    dst.execute("pragma journal_mode=wal")
    started = time.perf_counter()
    for table, rows in data.items():
        if rows:
            marks = ",".join("?" * len(rows[0]))
            dst.executemany(f'insert into "{table}" values ({marks})', rows)
    dst.commit()
    elapsed = time.perf_counter() - started
    dst.close()
    return elapsed


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


# Each search a clerk types, sampled from the county's own people; the same samples on both engines
# (the runner picks them by a seeded draw of person rows ordered by ID number, which both engines agree on).
def _search_cases(people: list[tuple[str, str, str, str | None]]) -> dict[str, list[str]]:
    """(name, initials, id number, phone) rows → the texts typed for each kind of search."""
    phones = [phone for _n, _i, _id, phone in people if phone and phone.isdigit()]
    return {
        "search: pinyin initials": [initials for _n, initials, _id, _p in people],
        "search: name fragment, 2 characters": [name[:2] for name, _i, _id, _p in people],
        "search: name fragment, 3 characters": [name[:3] for name, _i, _id, _p in people],
        "search: ID prefix (10 digits)": [number[:10] for _n, _i, number, _p in people],
        "search: ID birth date (8 digits)": [number[6:14] for _n, _i, number, _p in people],
        "search: ID last 4 digits": [number[-4:] for _n, _i, number, _p in people],
        "search: ID last 6 digits": [number[-6:] for _n, _i, number, _p in people],
        "search: ID run of 5 from the middle": [number[9:14] for _n, _i, number, _p in people],
        "search: phone, whole number": phones,
        "search: phone, first 7 digits": [phone[:7] for phone in phones],
    }


# The baselines: one raw query of the same rows, through the driver ("?" becomes the driver's marker).
_PREFIX_SQL = (
    "select h.* from household h where h.id in (select household_id from person "
    "where {0} >= ? and {0} < ?) order by household_no limit 100"
)
_LIKE_SQL = (
    "select h.* from household h where h.id in (select household_id from person "
    "where {0} like ?) order by household_no limit 100"
)
_RAW_SQL = {
    "search: pinyin initials": _PREFIX_SQL.format("name_initials"),
    "search: name fragment, 2 characters": _LIKE_SQL.format("name"),
    "search: name fragment, 3 characters": _LIKE_SQL.format("name"),
    "search: ID prefix (10 digits)": _PREFIX_SQL.format("id_number"),
    "search: ID birth date (8 digits)": _LIKE_SQL.format("id_number"),
    "search: ID last 4 digits": _LIKE_SQL.format("id_number"),
    "search: ID last 6 digits": _LIKE_SQL.format("id_number"),
    "search: ID run of 5 from the middle": _LIKE_SQL.format("id_number"),
    "search: phone, whole number": _PREFIX_SQL.format("phone"),
    "search: phone, first 7 digits": _PREFIX_SQL.format("phone"),
}


Sampled = tuple[str, str, str, str | None]


def _sample_people(execute: Callable[[str], list[tuple[Any, ...]]], count: int = 40) -> list[Sampled]:
    """``count`` people drawn with a fixed seed from the county ordered by ID number: the same on both engines."""
    import random

    rows = execute("select name, name_initials, id_number, phone from person order by id_number")
    picked = sorted(random.Random(20).sample(range(len(rows)), min(count, len(rows))))
    return [(str(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3])) for r in (rows[i] for i in picked)]


def bench_search(db: Path | str) -> list[Measure]:
    """Search as the household list does it (count + first page), vs one raw query of the same rows,
    on a SQLite file or (``postgresql://…``) a server: every kind of search a clerk types."""
    from fupin_desktop.services.search import HouseholdFilter, count_households, fetch_households
    from fupin_desktop.store.db import open_database

    on_server = isinstance(db, str) and db.startswith("postgres")
    database = open_database(db)
    raw: Any
    if on_server:
        import psycopg
        from sqlalchemy.engine import make_url

        from fupin_desktop.store.postgres import server_url

        libpq = make_url(server_url(str(db))).set(drivername="postgresql").render_as_string(hide_password=False)
        raw = psycopg.connect(libpq, autocommit=True)
        marker, engine, label = "%s", "raw psycopg", " (PostgreSQL)"
    else:
        raw = sqlite3.connect(db)
        marker, engine, label = "?", "raw sqlite3", ""
    cases = _search_cases(_sample_people(lambda sql: list(raw.execute(sql).fetchall())))
    results = []
    with database.session_factory() as session:
        for action, texts in cases.items():
            ours: list[float] = []
            base: list[float] = []
            sql = _RAW_SQL[action].replace("?", marker)
            for text in texts:
                session.info.clear()  # no cached probe from the text before
                started = time.perf_counter()
                flt = HouseholdFilter(text=text)
                count_households(session, flt)
                fetch_households(session, flt, 0, 100)
                ours.append(time.perf_counter() - started)
                params = (text, text + "\uffff") if " >= " in sql else (f"%{text}%",)
                started = time.perf_counter()
                raw.execute(sql, params).fetchall()
                base.append(time.perf_counter() - started)
            p50, p95 = _percentiles(ours)
            b50, b95 = _percentiles(base)
            what = f"{engine} LIKE '%…%' (no index)" if " like " in sql else f"{engine} query, same rows"
            results.append(Measure(f"{action} p50{label}", _ms(p50), _ms(b50), what))
            results.append(Measure(f"{action} p95{label}", _ms(p95), _ms(b95), what, "≤ 50 ms"))
    raw.close()
    database.dispose()
    return results


def bench_demo_server(url: str, households: int) -> Measure | None:
    """The county on the server: made by ``demo`` when the database is empty, else used as it is."""
    from sqlalchemy import func, select

    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.models import Household

    database = open_database(url)
    with database.session_factory() as session:
        existing = session.scalar(select(func.count()).select_from(Household)) or 0
    database.dispose()
    if existing:
        print(f"using the {existing} households already on the server")
        return None
    started = time.perf_counter()
    _cli("--db", url, "demo", "--households", str(households), "--seed", "1")
    elapsed = time.perf_counter() - started
    database = open_database(url)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")  # what autovacuum does soon after a bulk load, done now
    database.dispose()
    return Measure(f"demo --households {households} (PostgreSQL)", _ms(elapsed), None, "—")


BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
from fupin_desktop.ui.app import FirstPaintProbe
app = QApplication(sys.argv)
w = QMainWindow(); w.resize(1280, 800)
probe = FirstPaintProbe(w)
probe.painted.connect(lambda s: (print(f"FIRST_PAINT {s:.4f}", flush=True), app.quit()))
w.show()
app.exec()
"""


def _first_paint(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds from the process's start (as the OS recorded it) to the window's first paint, and peak RSS (KiB)."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "MAXRSS=%M", *command], capture_output=True, text=True, env=env, timeout=300
    )
    match = re.search(r"(?:FIRST_PAINT |首次绘制：)([0-9.]+)", result.stdout)
    if match is None:
        raise RuntimeError(f"no first paint: {result.stdout[-2000:]} {result.stderr[-2000:]}")
    rss = next(int(line.split("=")[1]) for line in result.stderr.splitlines() if line.startswith("MAXRSS="))
    return float(match.group(1)), rss


def bench_first_paint(db: Path, repeats: int) -> list[Measure]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    ours, bare, rss = [], [], []
    for _ in range(repeats):
        elapsed, peak = _first_paint([sys.executable, "-m", "fupin_desktop", "--db", str(db), "--measure-startup"], env)
        ours.append(elapsed)
        rss.append(peak)
        bare.append(_first_paint([sys.executable, "-c", BARE_WINDOW], env)[0])
    return [
        Measure(
            "start to first paint (county open)",
            _ms(statistics.median(ours)),
            _ms(statistics.median(bare)),
            "bare PySide6 window",
            "≤ 4×",
        ),
        Measure("peak memory (RSS) with the county open, MB", round(max(rss) / 1024, 1), None, "", "≤ 400 MB"),
    ]


def bench_window(db: Path) -> list[Measure]:
    from bench_window import bench_window as run_window  # benchmarks/bench_window.py

    return run_window(db)


def bench_import(db: Path) -> list[Measure]:
    from bench_import import bench_import as run_import  # benchmarks/bench_import.py

    return run_import(db)


def bench_backup(db: Path) -> list[Measure]:
    from bench_backup import bench_backup as run_backup  # benchmarks/bench_backup.py

    return run_backup(db)


def bench_roster(db: Path) -> list[Measure]:
    """The county's roster (every household and member) as xlsx, vs openpyxl write-only appending the same rows."""
    from openpyxl import Workbook

    from fupin_desktop.services.roster_export import _rows, export_roster
    from fupin_desktop.services.search import HouseholdFilter
    from fupin_desktop.store.db import open_database

    database = open_database(db)
    out = WORK / "roster"
    started = time.perf_counter()
    result = export_roster(database, flt=HouseholdFilter(), out=out)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    with database.session_factory() as session:
        for row in _rows(session, []):
            sheet.append(row)
    workbook.save(out / "baseline.xlsx")
    base = time.perf_counter() - started
    database.dispose()
    return [
        Measure(
            f"export roster, whole county ({result.people:,} people)",
            _ms(ours),
            _ms(base),
            "openpyxl write_only, same rows",
            "a few seconds",
        )
    ]


EXTRA_BENCHES: list[Callable[[Path], list[Measure]]] = [
    bench_window,
    bench_import,
    bench_seal,
    bench_backup,
    bench_roster,
]


def machine() -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--quick", action="store_true", help="2,000 households, one repeat: to try the runner")
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL database (postgresql://…): search timed there")
    parser.add_argument(
        "--search-only", action="store_true", help="only search, on the county file (made once, then reused)"
    )
    args = parser.parse_args()
    households = 2000 if args.quick else args.households
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.db:
        demo_on_server = bench_demo_server(args.db, households)
        measures = [*([demo_on_server] if demo_on_server else []), *bench_search(args.db)]
    elif args.search_only:
        db = WORK / "county.db"
        reused = db.exists()
        if not reused:
            db, demo = bench_demo(households)
        measures = [*([] if reused else [demo]), *bench_search(db)]
    else:
        db, demo = bench_demo(households)
        measures = [demo, *bench_search(db), *bench_first_paint(db, 1 if args.quick else 5)]
        for bench in EXTRA_BENCHES:
            measures.extend(bench(db))
    print(f"{'action':58} {'ours':>10} {'baseline':>10} {'ratio':>7}  target / baseline")
    for m in measures:
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "—"
        base = f"{m.baseline_ms:.1f}" if m.baseline_ms is not None else "—"
        print(f"{m.action:58} {m.ours_ms:10.1f} {base:>10} {ratio:>7}  {m.target} {m.baseline}")
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "households": households,
        "machine": machine(),
        "unit": "milliseconds unless the action says otherwise",
        "results": [{**asdict(m), "ratio": m.ratio} for m in measures],
    }
    name = "postgresql" if args.db else "search" if args.search_only else "latest"
    out = RESULTS / (f"{name}-quick.json" if args.quick and args.db else "quick.json" if args.quick else f"{name}.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
