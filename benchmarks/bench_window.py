"""The household list in the real window: switching village, scrolling, and a keystroke in search.

Runs the main window offscreen in a child process on the benchmark county and times, for each action,
the moment the user acts to the moment the visible rows are repainted (``viewport().repaint()`` forces
the paint synchronously, so the time includes the model reset, the first page fetched and the drawing).
The baseline is one raw sqlite3 query returning the same rows (count + first page, or the next page).

    .venv/bin/python benchmarks/bench_window.py benchmarks/work/county.db
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CHILD = r"""
import json, random, sqlite3, sys, time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from fupin_desktop.store.db import open_database
from fupin_desktop.ui.app import create_main_window, make_application
from fupin_desktop.ui.roster_page import RosterPage

db = Path(sys.argv[1])
app = make_application()
database = open_database(db)
window = create_main_window(database, None)
window.resize(1366, 768)
window.show()
QTest.qWaitForWindowExposed(window)
page = window.findChild(RosterPage)
view = page.household_table
raw = sqlite3.connect(db)
rng = random.Random(7)
villages = [(i, c) for (i, c) in raw.execute("select id, code from region where level = 'village'")]
villages = rng.sample(villages, min(30, len(villages)))
out = {"switch": [], "switch_raw": [], "scroll": [], "scroll_raw": [], "key": [], "key_raw": []}

def shown():
    app.processEvents()
    view.viewport().repaint()

import uuid
for vid, _code in villages:
    started = time.perf_counter()
    page.select_region(uuid.UUID(vid))
    shown()
    out["switch"].append(time.perf_counter() - started)
    started = time.perf_counter()
    raw.execute("select count(*) from household where village_id = ?", (vid,)).fetchone()
    raw.execute("select * from household where village_id = ? order by household_no limit 300", (vid,)).fetchall()
    out["switch_raw"].append(time.perf_counter() - started)

# Scroll the whole county's list (no village selected) a screen at a time, past several fetched pages.
page.tree.clearSelection()
page.apply_filter()
shown()
bar = view.verticalScrollBar()
for step in range(120):
    started = time.perf_counter()
    bar.setValue(bar.value() + bar.pageStep())
    shown()
    out["scroll"].append(time.perf_counter() - started)
offset = 0
for step in range(120):
    offset += 25
    started = time.perf_counter()
    raw.execute("select * from household order by household_no limit 25 offset ?", (offset,)).fetchall()
    out["scroll_raw"].append(time.perf_counter() - started)

# A keystroke in search: from the key press to the new rows painted (the search waits for a short
# pause in typing; that wait is counted).
initials = [n for (n,) in raw.execute("select name_initials from person order by random() limit 15")]
page.search_everywhere.setChecked(True)
for text in initials:
    page.search.clear()
    shown()
    for ch in text:
        started = time.perf_counter()
        QTest.keyClick(page.search, ch)
        typed = page.search.text()
        while page.households.filter.text != typed:
            app.processEvents()
            time.sleep(0.001)
        view.viewport().repaint()
        out["key"].append(time.perf_counter() - started)
        started = time.perf_counter()
        raw.execute(
            "select h.* from household h where h.id in (select household_id from person "
            "where name_initials >= ? and name_initials < ? || char(65535)) order by household_no limit 300",
            (typed, typed),
        ).fetchall()
        out["key_raw"].append(time.perf_counter() - started)
print("WINDOW_BENCH " + json.dumps(out), flush=True)
window.close()
database.dispose()
"""


def bench_window(db: Path) -> list:
    from run import Measure, _ms, _percentiles  # type: ignore[import-not-found]

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(db)], capture_output=True, text=True, env=env, timeout=900, cwd=HERE.parent
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("WINDOW_BENCH ")), None)
    if line is None:
        raise RuntimeError(f"window benchmark failed: {result.stdout[-2000:]} {result.stderr[-3000:]}")
    data = json.loads(line.removeprefix("WINDOW_BENCH "))
    rows = []
    for key, action, target in (
        ("switch", "switch village: click to rows shown", "≤ 100 ms"),
        ("scroll", "scroll household list a screen: to rows shown", "≤ 100 ms"),
        ("key", "search keystroke to rows shown (incl. typing pause)", "≤ 100 ms"),
    ):
        p50, p95 = _percentiles(data[key])
        b50, b95 = _percentiles(data[f"{key}_raw"])
        rows.append(Measure(f"{action} p50", _ms(p50), _ms(b50), "raw sqlite3 query, same rows"))
        rows.append(Measure(f"{action} p95", _ms(p95), _ms(b95), "raw sqlite3 query, same rows", target))
    return rows


if __name__ == "__main__":
    for measure in bench_window(Path(sys.argv[1])):
        print(measure)
