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
Targets: ≤ 300 ms p95 for the county page, ≤ 100 ms for a village drill-down.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


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
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    from fupin_desktop.domain.clock import today
    from fupin_desktop.services import statistics
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.models import Household, Region

    path = args.db or _build_county(args.households)
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
    print(f"数据库 {path}：{households}户；{args.runs}次，毫秒（墙钟 p50 / p95，进程CPU p50 / p95）")

    def forget() -> None:
        statistics._cache.clear()

    rows: list[tuple[str, dict[str, float]]] = []
    for name, region in areas.items():
        rows.append(
            (
                f"compute_statistics {name} cold",
                _measure(
                    lambda region=region: statistics.compute_statistics(database, region_id=region, today=day),
                    args.runs,
                    forget,
                ),
            )
        )
    statistics.compute_statistics(database, region_id=county, today=day)
    rows.append(
        (
            "compute_statistics county warm",
            _measure(lambda: statistics.compute_statistics(database, region_id=county, today=day), args.runs),
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

        rows.append(
            (f"raw aggregate queries {name} ({len(statements)} statements, sqlite3)", _measure(replay, args.runs))
        )
        raw.close()

    rows.extend(_page(database, county, village, args.runs, forget))
    width = max(len(label) for label, _m in rows)
    for label, m in rows:
        print(f"{label:<{width}}  {m['p50']:8.1f} / {m['p95']:8.1f}   cpu {m['cpu_p50']:7.1f} / {m['cpu_p95']:7.1f}")
    database.dispose()
    return 0


def _page(database: Any, county: Any, village: Any, runs: int, forget: Callable[[], None]) -> list[Any]:
    from PySide6.QtCore import QEventLoop

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
    page.close()
    return found


if __name__ == "__main__":
    sys.exit(main())
