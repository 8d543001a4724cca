"""Data packages, each beside a plain JSON dump and load of the same rows in the same run.

    .venv/bin/python benchmarks/bench_packages.py [--county 30000] [--township 2000] [--edits 300] [--cpu]

Timed:
    - a full package of the county (``demo --households 30000``): export (``export_package``: the change
      log read, JSON, SHA-256, signature, zip) and import into a new site (``import_package``: signature,
      checksum, every create applied field by field, the change log and the version vector kept);
      against ``json.dumps`` of every row of the exchanged tables written to a file, and reading it back
      with ``json.loads`` and inserting the rows with sqlite3 ``executemany`` into an empty database with
      the same tables and indexes (ours also writes the change log and the 身份证号 index, which it has not);
    - one day's work on a township (``--township`` households, a laptop made from its full package,
      ``--edits`` members edited there): the incremental package, encrypted to the station, exported
      on the laptop and imported at the station; against a JSON dump of the edited members' rows and
      an ``executemany`` UPDATE of them at the station.
The target is ≤ 3× the baseline. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from run import Measure

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
WORK = HERE / "work"
# Wall time by default; ``--cpu``: the process's CPU time (every thread), steadier on a shared, loaded machine.
_clock = time.perf_counter


def _demo(path: Path, households: int) -> Path:
    """The demo area of ``households`` (kept in benchmarks/work/ between runs: it takes a while), a plain
    file: the baselines read it with the standard library's sqlite3."""
    import os
    import subprocess

    if path.exists():
        return path
    env = dict(os.environ, FUPIN_PASSWORD="demo")
    command = ["--db", str(path), "demo", "--plain", "--households", str(households), "--seed", "1"]
    subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *command], check=True, capture_output=True, timeout=3600, env=env
    )
    return path


def _timed(work: Any) -> tuple[float, Any]:
    started = _clock()
    result = work()
    return _clock() - started, result


def _new_site(path: Path, unit: str) -> Any:
    from fupin_desktop.services.settings import load_station_profile, store_station_profile
    from fupin_desktop.store.db import open_database

    database = open_database(path)
    profile = database.read(load_station_profile)
    store_station_profile(database, actor="基准", profile=replace(profile, unit_name=unit))
    return database


def _actor(database: Any) -> Any:
    """Who acts at a site: the demo's 审核人 where the demo made accounts, else a plain name (no accounts)."""
    from fupin_desktop.services.accounts import accounts_in_force, sign_in

    if database.read(accounts_in_force):
        return sign_in(database, name="reviewer", password="demo")
    return "基准"


def _introduce(one: Any, other: Any, folder: Path) -> None:
    from fupin_desktop.services.station_keys import export_station_key, register_station_key

    for a, b in ((one, other), (other, one)):
        out = folder / f"{id(a)}-{time.monotonic_ns()}.fupinkey"
        key = export_station_key(a, actor=_actor(a), out=out)
        assert key.path is not None
        register_station_key(b, actor=_actor(b), path=key.path)


def _json_round_trip(source: Path, folder: Path) -> tuple[float, float, int]:
    """The baseline of a full package: every exchanged row dumped as JSON, then loaded into an empty copy."""
    from fupin_desktop.store.changes import TRACKED

    dump_file, target = folder / "plain.json", folder / "plain.db"
    started = _clock()
    with sqlite3.connect(source) as connection:
        data = {name: connection.execute(f'select * from "{name}"').fetchall() for name in TRACKED}
        columns = {name: [c[1] for c in connection.execute(f'pragma table_info("{name}")')] for name in TRACKED}
    dump_file.write_text(json.dumps({"columns": columns, "rows": data}, ensure_ascii=False), encoding="utf-8")
    dumped = _clock() - started
    with sqlite3.connect(source) as connection:
        schema = [  # the same tables with the same indexes: the rows land where ours do
            sql
            for kind, name, sql in connection.execute(
                "select type, tbl_name, sql from sqlite_master where sql is not null order by type desc"
            )
            if name in TRACKED and kind in ("table", "index")
        ]
    with sqlite3.connect(target) as connection:
        for sql in schema:
            connection.execute(sql)
    started = _clock()
    loaded = json.loads(dump_file.read_text(encoding="utf-8"))
    count = 0
    with sqlite3.connect(target) as connection:
        connection.execute("pragma foreign_keys = off")
        for name in TRACKED:
            rows = loaded["rows"][name]
            if rows:
                marks = ",".join("?" * len(loaded["columns"][name]))
                connection.executemany(f'insert into "{name}" values ({marks})', rows)
                count += len(rows)
    return dumped, _clock() - started, count


def bench_full(county: Path, folder: Path) -> list[Measure]:
    from run import Measure

    from fupin_desktop.services.packages import export_package, import_package
    from fupin_desktop.store.db import open_database

    station = open_database(county)
    receiver = _new_site(folder / "receiver.db", "县局汇总")
    _introduce(station, receiver, folder)
    out = folder / "full.fupinpkg"
    sender, taker = _actor(station), _actor(receiver)
    exported_s, exported = _timed(lambda: export_package(station, actor=sender, out=out))
    imported_s, imported = _timed(lambda: import_package(receiver, actor=taker, path=out))
    station.dispose()
    receiver.dispose()
    dumped_s, loaded_s, rows = _json_round_trip(county, folder)
    size = out.stat().st_size / 1e6
    label = f"{exported.changes:,} changes, {rows:,} rows, {size:.0f} MB"
    assert imported.applied == exported.changes, (imported.applied, exported.changes)
    return [
        Measure(f"package export, full county ({label})", round(exported_s * 1000), round(dumped_s * 1000),
                "json.dumps of the same rows to a file", "≤ 3×"),
        Measure("package import, full county into a new site", round(imported_s * 1000), round(loaded_s * 1000),
                "json.loads + sqlite3 executemany into an empty schema", "≤ 3×"),
    ]  # fmt: skip


def bench_day(township: Path, folder: Path, edits: int) -> list[Measure]:
    from run import Measure
    from sqlalchemy import select

    from fupin_desktop.services.households import edit_person, person_facts
    from fupin_desktop.services.packages import export_package, import_package
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.models import Person, Site

    station_path = folder / "township.db"
    shutil.copyfile(township, station_path)
    station = open_database(station_path)
    laptop = _new_site(folder / "laptop.db", "外业笔记本")
    _introduce(station, laptop, folder)
    at_station, on_laptop = _actor(station), _actor(laptop)
    full = export_package(station, actor=at_station, out=folder / "t-full.fupinpkg")
    import_package(laptop, actor=on_laptop, path=full.path)
    hello = export_package(laptop, actor=on_laptop, out=folder / "hello.fupinpkg")
    import_package(station, actor=at_station, path=hello.path)
    with laptop.session_factory() as session:
        people = list(session.scalars(select(Person).where(Person.locked.is_(False)).order_by(Person.id)))
        station_name = session.scalars(select(Site.name).where(Site.own.is_(False))).one()
    rng = random.Random(7)
    edited = rng.sample(people, edits)
    for number, found in enumerate(edited):  # one day in the field: a new phone number each
        facts = replace(person_facts(found), phone=f"139{number:08d}")
        edit_person(laptop, actor=on_laptop, person_id=found.id, facts=facts)
    out = folder / "day.fupinpkg"
    exported_s, exported = _timed(lambda: export_package(laptop, actor=on_laptop, out=out, to=station_name))
    imported_s, imported = _timed(lambda: import_package(station, actor=at_station, path=out))
    ids = [found.id.hex for found in edited]
    started = _clock()
    with sqlite3.connect(folder / "laptop.db") as connection:
        marks = ",".join("?" * len(ids))
        columns = [c[1] for c in connection.execute("pragma table_info(person)")]
        rows = connection.execute(f"select * from person where id in ({marks})", ids).fetchall()
    (folder / "day.json").write_text(json.dumps({"columns": columns, "rows": rows}, ensure_ascii=False), "utf-8")
    dumped_s = _clock() - started
    started = _clock()
    loaded = json.loads((folder / "day.json").read_text("utf-8"))
    with sqlite3.connect(station_path) as connection:
        names = loaded["columns"]
        sets = ",".join(f'"{n}" = ?' for n in names if n != "id")
        at = names.index("id")
        connection.executemany(
            f"update person set {sets} where id = ?",
            [[v for i, v in enumerate(row) if i != at] + [row[at]] for row in loaded["rows"]],
        )
    loaded_s = _clock() - started
    station.dispose()
    laptop.dispose()
    assert imported.applied == exported.changes and exported.encrypted
    label = f"{edits} members edited, {exported.changes} changes, encrypted"
    return [
        Measure(f"package export, one day on a township ({label})", round(exported_s * 1000, 1),
                round(dumped_s * 1000, 1), "json.dumps of the edited rows", "≤ 3×"),
        Measure("package import of that day at the station", round(imported_s * 1000, 1), round(loaded_s * 1000, 1),
                "json.loads + executemany UPDATE of those rows", "≤ 3×"),
    ]  # fmt: skip


def bench_baseline(county: Path, folder: Path) -> list[Measure]:
    """Migration 0005's log of the records a database already holds: baseline entries (ids only), beside
    the previous way (a JSON copy of every record), on copies of the county with an empty change log."""
    from run import Measure
    from sqlalchemy import create_engine, insert, select

    from fupin_desktop.domain.clock import utc_now
    from fupin_desktop.store import changes, models

    sizes, times = {}, {}
    for way in ("baseline", "json"):
        copy = folder / f"{way}.db"
        shutil.copyfile(county, copy)
        with sqlite3.connect(copy) as connection:
            connection.execute("delete from change_entry")
        with sqlite3.connect(copy) as connection:
            connection.execute("vacuum")
        before = copy.stat().st_size
        engine = create_engine(f"sqlite:///{copy}")
        started = _clock()
        with engine.begin() as connection:
            site_id = connection.execute(select(models.Site.id).where(models.Site.own.is_(True))).scalar_one()
            if way == "baseline":
                changes.log_baseline(connection, site_id, 0, "升级", only_unlogged=False)
            else:  # as 0005 did before: every record's fields as JSON
                seq, now = 0, utc_now()
                for name, table in changes.TRACKED.items():
                    rows = []
                    for found in connection.execute(select(table)).mappings():
                        seq += 1
                        after = changes.encode_row(dict(found))
                        rows.append({"site_id": site_id, "seq": seq, "action": "create", "entity": name,
                                     "entity_id": found["id"], "field": None, "before": None,
                                     "after": after, "account": "升级", "at": now})  # fmt: skip
                    if rows:
                        connection.execute(insert(models.ChangeEntry.__table__), rows)
        times[way] = _clock() - started
        engine.dispose()
        with sqlite3.connect(copy) as connection:
            connection.execute("pragma wal_checkpoint(truncate)")
        sizes[way] = (before / 1e6, copy.stat().st_size / 1e6)
        copy.unlink()
    (b0, b1), (_j0, j1) = sizes["baseline"], sizes["json"]
    return [
        Measure(
            f"migration 0005 log of the county's records (file {b0:.0f} → {b1:.0f} MB; as JSON copies → {j1:.0f} MB)",
            round(times["baseline"] * 1000), round(times["json"] * 1000), "the previous JSON copy of every record",
        )
    ]  # fmt: skip


def bench_packages(county_households: int = 30000, township_households: int = 2000, edits: int = 300) -> list[Measure]:
    WORK.mkdir(parents=True, exist_ok=True)
    county = _demo(WORK / f"packages-county-{county_households}.db", county_households)
    township = _demo(WORK / f"packages-township-{township_households}.db", township_households)
    with tempfile.TemporaryDirectory(prefix="bench-packages-", dir=WORK) as tmp:
        folder = Path(tmp)
        (folder / "day").mkdir()
        (folder / "full").mkdir()
        measures = bench_day(township, folder / "day", edits)
        measures += bench_full(county, folder / "full")
        measures += bench_baseline(county, folder)
    return measures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--county", type=int, default=30000)
    parser.add_argument("--township", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--cpu", action="store_true", help="CPU time of this process instead of wall time")
    args = parser.parse_args()
    if args.cpu:
        global _clock
        _clock = time.process_time
    measures = bench_packages(args.county, args.township, args.edits)
    for m in measures:
        ratio = f"{m.ratio:.1f}×" if m.ratio else "—"
        print(f"{m.action:<78} {m.ours_ms:>10,.1f} ms  {m.baseline_ms or 0:>10,.1f} ms  {ratio:>6}  {m.baseline}")
    out = HERE / "results" / ("packages-cpu.json" if args.cpu else "packages.json")
    out.write_text(
        json.dumps([m.__dict__ | {"ratio": m.ratio} for m in measures], ensure_ascii=False, indent=1), "utf-8"
    )
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
