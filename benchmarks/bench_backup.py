"""Backing up and restoring the county, beside a plain copy of the same file.

    .venv/bin/python benchmarks/bench_backup.py --db county.db [--repeat 3]

Timed (median of the repeats, each on a fresh backup folder):
    - our backup (``back_up``: VACUUM INTO a temporary file, integrity_check, foreign_key_check,
      revision and every table's row count against the source, fsync, rename, thinning), against
      a plain copy of the file (``shutil.copyfile`` then fsync: what a careful user does by hand);
    - VACUUM INTO alone, for information (the copy without any check);
    - the quick check on open (``PRAGMA quick_check`` and ``foreign_key_check``), for information;
    - our restore (``restore_backup``: integrity_check of the backup, a copy through SQLite's backup
      API, the current file kept aside, the atomic rename, the audit entry), against the same plain
      copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from run import Measure

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _median_ms(work: Callable[[int], object], repeat: int) -> float:
    times = []
    for attempt in range(repeat):
        started = time.perf_counter()
        work(attempt)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def _plain_copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with target.open("rb") as handle:
        os.fsync(handle.fileno())


def bench_backup(db: Path, repeat: int = 3) -> list[Measure]:
    from run import Measure  # imported here: run.py imports this module to register it

    from fupin_desktop.domain.accounts import Actor, Role
    from fupin_desktop.services.backups import back_up, restore_backup
    from fupin_desktop.store.backup import check_database_file
    from fupin_desktop.store.db import open_database

    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        work = Path(tmp)
        county = work / "county.db"
        _plain_copy(db, county)
        size_mb = county.stat().st_size / 1_048_576
        database = open_database(county)
        made: list[Path] = []

        def ours(attempt: int) -> None:
            made.append(back_up(database, folder=work / f"backup-{attempt}").path)

        def plain(attempt: int) -> None:
            _plain_copy(county, work / f"plain-{attempt}.db")

        def vacuum(attempt: int) -> None:
            connection = sqlite3.connect(county)
            connection.execute("VACUUM INTO ?", (str(work / f"vacuum-{attempt}.db"),))
            connection.close()

        backup_ms = _median_ms(ours, repeat)
        plain_ms = _median_ms(plain, repeat)
        vacuum_ms = _median_ms(vacuum, repeat)
        quick_ms = _median_ms(lambda _attempt: check_database_file(county, quick=True), repeat)
        database.dispose()
        admin = Actor("admin", Role.ADMIN)  # restoring needs the demo's 管理员
        restore_ms = _median_ms(
            lambda attempt: restore_backup(target=county, backup=made[attempt % len(made)], actor=admin), repeat
        )
    return [
        Measure(f"backup, checked ({size_mb:.0f} MB county)", backup_ms, plain_ms, "copyfile + fsync", "info"),
        Measure("backup: VACUUM INTO alone", vacuum_ms, plain_ms, "copyfile + fsync", "info"),
        Measure("quick check on open", quick_ms, None, "", "sync ≤ 32 MB, else after first paint"),
        Measure("restore, checked", restore_ms, plain_ms, "copyfile + fsync", "info"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for m in bench_backup(args.db, args.repeat):
        ratio = f"{m.ratio:.1f}×" if m.ratio is not None else "—"
        print(f"{m.action:40} {m.ours_ms:9.1f} ms  {m.baseline_ms or 0:9.1f} ms {m.baseline:18} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
