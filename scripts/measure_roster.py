"""Print how long the 农户 page takes to react, on a database made with
``fupin-desktop --db /tmp/county.db demo --households 30000``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/measure_roster.py /tmp/county.db

Times are from the filter change (what the 150 ms typing pause triggers) to the rows being in
the model and the members of a single match shown; not a test, just numbers for a person to read.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from fupin_desktop.ui.app import make_application, open_for_window


def main(path: str) -> None:
    app = make_application()
    database, lock = open_for_window(Path(path))
    from fupin_desktop.ui.main_window import MainWindow
    from fupin_desktop.ui.roster_page import RosterPage

    started = time.perf_counter()
    window = MainWindow(database)
    window.show()
    app.processEvents()
    print(f"窗口打开          {1000 * (time.perf_counter() - started):7.1f} ms")
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)

    def timed(label: str, action: object) -> None:
        begin = time.perf_counter()
        action()  # type: ignore[operator]
        app.processEvents()
        rows = page.households.rowCount()
        total = 1000 * (time.perf_counter() - begin)
        query = page.households.last_refresh_ms
        print(f"{label:24} {total:7.1f} ms（查询{query:5.1f} ms）  {page.count_label.text()}（已取{rows}行）")

    root = page.region_model.item(0)
    villages = [root.child(0).child(i) for i in range(min(5, root.child(0).rowCount()))]
    for item in villages:
        timed(f"切换到{item.text()}", lambda item=item: page.tree.setCurrentIndex(item.index()))
    timed("全县", lambda: page.tree.setCurrentIndex(root.index()))
    for scope in ("全县", "本村"):
        if scope == "本村":
            page.tree.setCurrentIndex(villages[0].index())
            page.search_everywhere.setChecked(False)
        for text in ["z", "zs", "zsf", "wang", "张", "张秀", "1401", "140123", "1401231981", "13", "138"]:
            page.search.setText(text)
            timed(f"{scope} 查找“{text}”", page.apply_filter)
        page.search.setText("")
    timed("滚动取下一页", lambda: page.households.fetchMore(page.households.index(-1, -1)))
    database.dispose()
    lock.unlock()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/county.db")
