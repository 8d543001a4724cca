"""The 统计 page at county scale: its figures for the whole county, a township and a village, beside
the raw aggregate queries they run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_stats.py [--db county.db] [--runs 20]

Without ``--db`` it builds the county first (``demo --households 30000``, about 15 s).

Timed (wall clock, p50 / p95 over ``--runs``; the process CPU time beside it, since the machine may be
shared):
    - ``compute_statistics`` cold: the remembered figures are forgotten before every run, so each run
      reads everything (the five figures: one aggregate per figure, plus the course and 两后生 reads
      that the figures.py predicates decide on);
    - ``compute_statistics`` warm: the same call again with nothing changed (the figures remembered);
    - the raw aggregate queries: every SQL statement one cold run sends, captured with its parameters
      and replayed through the plain ``sqlite3`` module (fetchall), without SQLAlchemy, without any
      Python predicate and without folding villages into rows: the database's share of the work;
    - the page: ``StatisticsPage.load`` until the tab in sight (the first, 意愿进度) is filled and painted,
      and until all five tabs are (worker threads, hand-back to the UI thread, models, charts), cold and
      warm, offscreen.
    - the drill-down as a user makes it: from the county page (counted) into a township or a village;
    - a tab brought into sight after the page is shown (a tab out of sight is drawn when it is shown).
Targets: ≤ 300 ms p95 for the county page, ≤ 100 ms for a village drill-down.

Before and after in one run: ``--before REV`` (a git revision, e.g. the commit before a change) times
that revision's code first, in a child process on a copy of the database at that revision's schema,
then this tree's code, and prints both side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# ``--code DIR`` (the child of ``--before``) times the package found in DIR instead of this tree's.
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else HERE.parent
sys.path.insert(0, str(CODE))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return ordered[len(ordered) // 2], p95


def _measure(run: Callable[[], object], runs: int, before: Callable[[], object] | None = None) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    p50, p95 = _percentiles(walls)
    cpu50, cpu95 = _percentiles(cpus)
    return {"p50": p50, "p95": p95, "cpu_p50": cpu50, "cpu_p95": cpu95}


def _build_county(households: int) -> Path:
    path = Path(tempfile.mkdtemp(prefix="bench-stats-")) / "county.db"
    subprocess.run(
        [sys.executable, "-m", "fupin_desktop", "--db", str(path), "demo", "--households", str(households)],
        check=True,
        capture_output=True,
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a demo county database (built when not given)")
    parser.add_argument("--households", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--before", metavar="REV", help="time this git revision's code first, beside this tree's")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.db or _build_county(args.households)
    before = _run_before(args.before, path, args.runs) if args.before else None
    rows = _bench(path, args.runs)
    width = max(len(label) for label, _m in rows)
    if before is not None:
        print(f"{'':<{width}}  {'之前 ' + args.before:>26}  {'现在':>26}")
    for label, m in rows:
        was = before.get(label) if before is not None else None
        old = f"{was['p50']:8.1f} / {was['p95']:8.1f} (cpu {was['cpu_p95']:6.1f})" if was else " " * 33
        now = f"{m['p50']:8.1f} / {m['p95']:8.1f} (cpu {m['cpu_p95']:6.1f})"
        print(f"{label:<{width}}  {old if before is not None else ''}  {now}")
    if args.json:
        args.json.write_text(
            json.dumps({"now": dict(rows), "before": before, "before_rev": args.before}, ensure_ascii=False, indent=1)
        )
    return 0


def _run_before(rev: str, path: Path, runs: int) -> dict[str, dict[str, float]]:
    """Times ``rev``'s code in a child process on a copy of the database brought back to that code's
    schema (the indexes of migrations it does not know dropped, which is all a later migration added)."""
    work = Path(tempfile.mkdtemp(prefix="bench-stats-before-"))
    code, copy, out = work / "code", work / "before.db", work / "before.json"
    code.mkdir()
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", rev], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    shutil.copyfile(path, copy)
    known = {p.stem for p in (code / "fupin_desktop/store/migrations/versions").glob("0*.py")}
    with sqlite3.connect(copy) as raw:
        (current,) = raw.execute("SELECT version_num FROM alembic_version").fetchone()
        if current not in known:
            sys.path.insert(1, str(HERE.parent / "fupin_desktop/store/migrations/versions"))
            migration = __import__(current)
            for name, _table, _columns in migration.INDEXES:
                raw.execute(f"DROP INDEX IF EXISTS {name}")
            raw.execute("UPDATE alembic_version SET version_num = ?", (migration.down_revision,))
    command = [sys.executable, __file__, "--db", str(copy), "--runs", str(runs), "--json", str(out)]
    subprocess.run([*command, "--code", str(code)], check=True)
    results: dict[str, dict[str, float]] = json.loads(out.read_text())["now"]
    shutil.rmtree(work)
    return results


def _bench(path: Path, runs: int) -> list[tuple[str, dict[str, float]]]:

    from sqlalchemy import event, func, select

    from fupin_desktop.domain.clock import today
    from fupin_desktop.services import statistics
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.models import Household, Region

    database = open_database(path)
    with database.session_factory() as session:
        county = session.scalar(select(Region.id).where(Region.level == "county"))
        township = session.scalar(select(Region.id).where(Region.level == "township").order_by(Region.code))
        village = session.scalar(
            select(Region.id).where(Region.parent_id == township, Region.level == "village").order_by(Region.code)
        )
        households = session.scalar(select(func.count()).select_from(Household)) or 0
    day = today()
    areas = {"county": county, "township": township, "village": village}
    print(f"代码 {CODE}，数据库 {path}：{households}户；{runs}次，毫秒（墙钟 p50 / p95，进程CPU p95）")

    def forget() -> None:
        statistics._cache.clear()

    rows: list[tuple[str, dict[str, float]]] = []
    for name, region in areas.items():
        rows.append(
            (
                f"compute_statistics {name} cold",
                _measure(
                    lambda region=region: statistics.compute_statistics(database, region_id=region, today=day),
                    runs,
                    forget,
                ),
            )
        )
    statistics.compute_statistics(database, region_id=county, today=day)
    rows.append(
        (
            "compute_statistics county warm",
            _measure(lambda: statistics.compute_statistics(database, region_id=county, today=day), runs),
        )
    )

    for name, region in (("county", county), ("village", village)):
        statements: list[tuple[str, Any]] = []

        def capture(
            _conn: object,
            _cursor: object,
            statement: str,
            parameters: Any,
            *_rest: object,
            into: list[Any] = statements,
        ) -> None:
            into.append((statement, parameters))

        forget()
        event.listen(database.engine, "before_cursor_execute", capture)
        statistics.compute_statistics(database, region_id=region, today=day)
        event.remove(database.engine, "before_cursor_execute", capture)
        raw = sqlite3.connect(path)
        raw.execute("PRAGMA cache_size = -32768")

        def replay(raw: sqlite3.Connection = raw, statements: list[tuple[str, Any]] = statements) -> None:
            for statement, parameters in statements:
                raw.execute(statement, parameters).fetchall()

        replayed = {**_measure(replay, runs), "statements": float(len(statements))}
        rows.append((f"raw aggregate queries {name} (sqlite3)", replayed))
        raw.close()

    rows.extend(_page(database, county, township, village, runs, forget))
    database.dispose()
    return rows


def _page(database: Any, county: Any, township: Any, village: Any, runs: int, forget: Callable[[], None]) -> list[Any]:
    from PySide6.QtCore import QEventLoop, QtMsgType, qInstallMessageHandler

    def quiet(kind: QtMsgType, _context: object, message: str) -> None:
        if "propagateSizeHints" not in message:  # the offscreen platform says so at every repaint
            print(message, file=sys.stderr)

    qInstallMessageHandler(quiet)

    from fupin_desktop.ui.app import make_application
    from fupin_desktop.ui.context import AppContext
    from fupin_desktop.ui.statistics_page import StatisticsPage

    app = make_application()
    page = StatisticsPage(AppContext(database))
    page.resize(1366, 700)
    page.show()

    def settle() -> None:
        while page.loading or page.stats is None:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        page.repaint()  # the visible chart and table painted, not only filled

    settle()

    def show(region: Any) -> None:
        page.load(region)
        settle()

    def first(region: Any) -> None:
        page.load(region)
        while not page.first_shown:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        page.repaint()

    def finish_then_forget() -> None:
        settle()  # the other tabs of the run before, so that they do not count in this one
        forget()

    found = []
    for name, region in (("county", county), ("village", village)):
        found.append(
            (
                f"page shows {name} cold: tab in sight",
                _measure(lambda region=region: first(region), runs, finish_then_forget),
            )
        )
        settle()
        found.append(
            (f"page shows {name} cold: all five tabs", _measure(lambda region=region: show(region), runs, forget))
        )
        show(region)
        found.append((f"page shows {name} warm", _measure(lambda region=region: show(region), runs)))

    def county_counted() -> None:
        forget()
        show(county)

    for name, region in (("township", township), ("village", village)):
        found.append(
            (
                f"page drills county → {name}: all five tabs",
                _measure(lambda region=region: show(region), runs, county_counted),
            )
        )
    show(county)
    turn = iter(range(10**6))

    def next_tab() -> None:
        page.tabs.setCurrentIndex(1 + next(turn) % (page.tabs.count() - 1))
        page.repaint()

    found.append(
        ("page county: another tab brought into sight", _measure(next_tab, runs, lambda: page.tabs.setCurrentIndex(0)))
    )
    page.close()
    return found


if __name__ == "__main__":
    sys.exit(main())
