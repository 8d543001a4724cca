"""Importing a 20,000-row village sheet with every check, against python-calamine reading the same file.

    .venv/bin/python benchmarks/bench_import.py [benchmarks/work/county.db] [--rows 20000] [--repeats 3]

It prints each row and writes them to benchmarks/results/import.json with the machine and its load.

The sheet is what a village clerk fills in the blank template: the title rows with the village's
name and 12-digit code, the two header rows, then one row per person — real-looking names and
families from the demo generator (households of 1–7, valid ID numbers of the county, schooling,
health, work, phones), a few training and 技工院校 wishes. Its village is added to a copy of the
benchmark county (the county itself is never modified).

Each sample runs in a fresh Python process (modules imported before the clock starts, no cache
warmed by an earlier sample), on a fresh copy of the county:
  * calamine: python-calamine opening the file and reading every cell of the sheet;
  * baseline: the same read, plus raw ``sqlite3`` ``executemany`` of exactly the household, person,
    intention, transition, audit, change-log and ID-search gram rows that our import wrote, and its two
    one-row updates (the audit chain head, the own site's change counter) — taken from a finished import,
    so that the floor writes the same bytes into the same indexed tables, with the same pragmas, and
    commits; a baseline sample follows each of ours;
  * check: ``services.imports.import_village(dry_run=True)`` (what the window and the import command
    run, as the demo's 审核人) — read, clean, every rule, every lookup in the database, nothing written;
  * check + write: ``import_village`` — the same, plus every household, member, intention, audit,
    change-log and gram row written, and committed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

ROWS = 20_000
VILLAGE_NAME = "杨家峪村"
OPERATOR = "基准测试"
ACCOUNT = "reviewer"  # the demo's 审核人 (the county is a demo database)


def _prepare_database(source: Path, target: Path) -> tuple[str, str, str]:
    """Copy the county to ``target`` and add the sheet's village; returns (code, village, full name)."""
    from sqlalchemy import select

    from fupin_desktop.services.regions import create_region
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.models import Region
    from fupin_desktop.store.uow import UnitOfWork

    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    database = open_database(target)
    with UnitOfWork(database, OPERATOR) as uow:
        township = uow.session.scalars(select(Region).where(Region.level == "township").order_by(Region.code)).first()
        assert township is not None and township.code is not None, "the benchmark county has no township"
        county = uow.session.get(Region, township.parent_id)
        code = f"{township.code[:9]}399"
        if uow.session.scalar(select(Region.id).where(Region.code == code)) is None:
            create_region(uow, VILLAGE_NAME, "village", township.id, code)
            uow.commit()
        full = f"{county.name if county else ''}{township.name}{VILLAGE_NAME}"
    database.dispose()
    return code, VILLAGE_NAME, full


_HOUSEHOLD_KEYS = ("card_no", "village_group", "address", "household_type", "status", "main_cause", "other_causes")
_TRAINING_TYPES = ("就业技能培训", "就业技能培训", "岗位技能提升培训", "创业培训", "引导性培训")


def _wishes(rng: random.Random, person: dict[str, Any], age: int) -> dict[str, str]:
    """A few people want training (working age, able to work) or a 技工院校 place (两后生)."""
    from fupin_desktop.domain.codelists import codelist

    wish: dict[str, str] = {}
    if 16 <= age <= 50 and person["labour"] in ("普通劳动力", "技能劳动力") and rng.random() < 0.06:
        wish.update(
            wants_training="是",
            occupation=rng.choice(codelist("occupation").names()),
            training_type=rng.choice(_TRAINING_TYPES),
        )
    if 15 <= age <= 20 and person["school_status"] == "非在校生" and rng.random() < 0.3:
        wish.update(wants_school="是", major=rng.choice(codelist("major").names()))
    if wish:
        wish["referral_source"] = rng.choice(codelist("referral_source").names())
    return wish


def build_sheet(path: Path, db: Path, code: str, name: str, full_name: str, rows: int = ROWS, seed: int = 8) -> int:
    """Write the village's sheet (openpyxl, write-only); returns the number of households."""
    from openpyxl import Workbook

    from fupin_desktop.domain.clock import today
    from fupin_desktop.domain.village_sheet import COLUMNS
    from fupin_desktop.services import demo

    generator = demo._Generator(random.Random(seed), today(), OPERATOR)
    with sqlite3.connect(db) as raw:  # the county's people keep their numbers: no one is registered twice
        for (number,) in raw.execute("select id_number from person where id_number is not null"):
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            generator.used_ids.add((born, int(number[14:17])))
    village = demo._Village(uuid.uuid4(), code, name, "", ["甲", "乙"], 0, 6, [1] * 6)
    rng = random.Random(seed + 1)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("农户成员信息")
    sheet.append([f"{full_name}建档立卡贫困户家庭成员信息采集表"])
    sheet.append(["村名：", name, None, "区划代码（12位）：", code, None, "填表人：", "李红梅"])
    sheet.append([column.group for column in COLUMNS])  # the group headers, merged in Excel: read alike
    sheet.append([None if column.group == column.label else column.label for column in COLUMNS])  # 推荐来源: merged
    keys = [column.key for column in COLUMNS]
    written = households = 0
    while written < rows:
        people: list[dict[str, Any]] = []
        household = generator.household(village, households + 1, people, [], [])
        people = people[: rows - written]
        households += 1
        repeat = rng.random() < 0.3  # some clerks copy the household columns onto every member row
        for position, person in enumerate(people):
            values: dict[str, Any] = {
                "household_no": household["household_no"],
                "name": person["name"],
                "id_number": person["id_number"],
                "relation": person["relation"],
                "ethnicity": person["ethnicity"],
                "education": person["education"],
                "school_status": person["school_status"],
                "health": person["health"],
                "labour": person["labour"],
                "employment": person["employment"],
                "work_place": person["work_place"],
                "work_months": person["work_months"],
                "phone": person["phone"],
            }
            if position == 0 or repeat:
                values.update({key: household[key] for key in _HOUSEHOLD_KEYS})
                values["household_phone"] = household["phone"]
            age = generator.today.year - person["birth_date"].year
            values.update(_wishes(rng, person, age))
            sheet.append([values.get(key) for key in keys])
        written += len(people)
    workbook.save(path)
    return households


# --- one sample, in a child process ------------------------------------------------------------


_ROWID_TABLES = ("household", "person", "intention", "intention_transition", "audit_entry", "change_entry")
_WRITTEN_TABLES = (*_ROWID_TABLES, "person_id_gram")  # the ID-search grams of the new people too
# person_id_gram has no rowid (the rows are its primary key): the new people's grams, in key order
_NEW_GRAMS = (
    "select {columns} from person_id_gram where person_id in (select id from person where rowid > ?) order by 1, 2"
)


def _rowids(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as raw:
        found = {t: raw.execute(f"select coalesce(max(rowid), 0) from {t}").fetchone()[0] for t in _ROWID_TABLES}
    return {**found, "person_id_gram": found["person"]}


def _copy(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _dump_written(db: Path, before: dict[str, int], out: Path) -> dict[str, int]:
    """The rows an import added to ``db`` (rowid above ``before``), table by table, for the baseline."""
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with sqlite3.connect(db) as raw:
        for table in _WRITTEN_TABLES:
            columns = [r[1] for r in raw.execute(f"pragma table_info({table})")]
            query = _NEW_GRAMS if table == "person_id_gram" else f"select {{columns}} from {table} where rowid > ?"
            found = raw.execute(query.format(columns=", ".join(columns)), (before[table],))
            rows[table] = (columns, found.fetchall())
        head = raw.execute("select seq, hash, id from audit_chain_head").fetchall()
        counter = raw.execute("select last_seq, id from site where own").fetchall()
    updates = [  # the one-row updates the import makes: the audit chain head, the own site's change counter
        ("update audit_chain_head set seq = ?, hash = ? where id = ?", head),
        ("update site set last_seq = ? where id = ?", counter),
    ]
    out.write_bytes(pickle.dumps((rows, updates)))
    return {table: len(found) for table, (_columns, found) in rows.items()}


def _baseline(sheet: Path, db: Path, rows_file: Path) -> dict[str, Any]:
    import python_calamine

    written: dict[str, tuple[list[str], list[tuple[Any, ...]]]]
    updates: list[tuple[str, list[tuple[Any, ...]]]]
    written, updates = pickle.loads(rows_file.read_bytes())
    raw = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode = WAL", "foreign_keys = ON", "synchronous = NORMAL", "cache_size = -32768"):
        raw.execute(f"pragma {pragma}")  # as store/db.py opens every connection
    started, cpu = time.perf_counter(), time.process_time()
    cells = python_calamine.CalamineWorkbook.from_path(str(sheet)).get_sheet_by_index(0).to_python()
    raw.execute("begin")
    for table in _WRITTEN_TABLES:
        columns, values = written[table]
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"insert into {table} ({', '.join(columns)}) values ({marks})", values)
    for sql, values in updates:
        raw.executemany(sql, values)
    raw.execute("commit")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    raw.close()
    return {"seconds": elapsed, "cpu": cpu, "cells": sum(len(row) for row in cells)}


def _child(kind: str, sheet: Path, db: Path) -> dict[str, Any]:
    import python_calamine

    from fupin_desktop.domain.accounts import Actor, Role
    from fupin_desktop.services.imports import import_village
    from fupin_desktop.store.db import open_database

    if kind == "calamine":
        started = time.perf_counter()
        cells = python_calamine.CalamineWorkbook.from_path(str(sheet)).get_sheet_by_index(0).to_python()
        return {"seconds": time.perf_counter() - started, "cells": sum(len(row) for row in cells)}
    database = open_database(db)
    with database.session_factory() as session:  # the connection is open when a user imports
        session.connection()
    started, cpu = time.perf_counter(), time.process_time()
    # The use case the window and the import command run: the demo's 审核人 signed in; it commits when it wrote.
    actor = Actor(ACCOUNT, Role.REVIEWER)
    report = import_village(database, actor=actor, path=sheet, dry_run=kind == "check").report
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    database.dispose()
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "errors": [str(p) for p in report.errors][:5],
        "warnings": len(report.problems) - len(report.errors),
        "households": report.households_created,
        "people": report.people_created,
        "intentions": report.intentions_created,
        "written": report.written,
    }


def _sample(kind: str, sheet: Path, db: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(sheet), str(db)],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=HERE.parent,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("IMPORT_BENCH ")), None)
    if line is None:
        raise RuntimeError(f"import benchmark ({kind}) failed: {result.stdout[-2000:]} {result.stderr[-3000:]}")
    return json.loads(line.removeprefix("IMPORT_BENCH "))


def bench_import(db: Path, rows: int = ROWS, repeats: int = 3) -> list:
    """Calamine alone vs our import (check only; check + write) of a ``rows``-person sheet."""
    from run import Measure, _ms  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        copy = work / "county-import.db"
        code, name, full = _prepare_database(db, copy)
        sheet = work / f"{name}.xlsx"
        households = build_sheet(sheet, copy, code, name, full, rows)
        calamine = [_sample("calamine", sheet, copy)["seconds"] for _ in range(repeats + 2)]
        check = [_sample("check", sheet, copy) for _ in range(repeats)]
        write: list[dict[str, Any]] = []
        floor: list[dict[str, Any]] = []
        rows_file = work / "written.pickle"
        for _ in range(repeats):  # ours and the floor taking turns: both see the machine as loaded as it is
            fresh = work / "county-write.db"
            _copy(copy, fresh)  # the same village (same id) in every sample: the baseline rows fit each copy
            before = _rowids(fresh)
            write.append(_sample("write", sheet, fresh))
            if not rows_file.exists():
                counts = _dump_written(fresh, before, rows_file)
            fresh = work / "county-baseline.db"
            _copy(copy, fresh)
            floor.append(_sample("baseline", sheet, fresh))
        for result in (*check, *write):
            if result["errors"] or result["people"] != rows:
                raise RuntimeError(f"the benchmark sheet did not import cleanly: {result}")
        if not all(r["written"] for r in write):
            raise RuntimeError("the import wrote nothing")
    base = statistics.median(calamine)
    what = f"{rows:,} rows, {households:,} households, {write[0]['intentions']} wishes"
    baseline = "python-calamine reading the same sheet"
    rows_written = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    floor_label = f"calamine read + sqlite3 executemany of the same rows ({rows_written})"
    return [
        Measure(f"import {what}: read + check (dry run)", _ms(statistics.median(r["seconds"] for r in check)),
                _ms(base), baseline),
        Measure(f"import {what}: read + check + write", _ms(statistics.median(r["seconds"] for r in write)),
                _ms(statistics.median(r["seconds"] for r in floor)), floor_label, "≤ 2×"),
        # The same samples in CPU time: steadier than the clock on a shared, loaded machine.
        Measure(f"import {what}: read + check + write, CPU time", _ms(statistics.median(r["cpu"] for r in write)),
                _ms(statistics.median(r["cpu"] for r in floor)), f"{floor_label}, CPU time", "≤ 2×"),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=HERE / "work" / "county.db")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SHEET", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, sheet, db = args.child
        if kind == "baseline":
            result = _baseline(Path(sheet), Path(db), Path(db).with_name("written.pickle"))
        else:
            result = _child(kind, Path(sheet), Path(db))
        print("IMPORT_BENCH " + json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    if not args.db.exists():
        parser.error(f"{args.db} not found: build it with `python benchmarks/run.py` or the demo command")
    from run import machine  # type: ignore[import-not-found]

    load_before = os.getloadavg()
    measures = bench_import(args.db, args.rows, args.repeats)
    for m in measures:
        ratio = f"{m.ratio:.2f}×" if m.ratio is not None else "—"
        print(f"{m.action:70} {m.ours_ms:10.1f} ms  baseline {m.baseline_ms:8.1f} ms  {ratio:>7}  {m.target}")
    out = HERE / "results" / "import.json"
    results = {
        "machine": machine() | {"load_before": load_before, "load_after": os.getloadavg()},
        "repeats": args.repeats,
        "measures": [m.__dict__ | {"ratio": m.ratio} for m in measures],
    }
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
