"""Sealing the county-wide 拟参加培训人员名单, against openpyxl and reportlab alone on the same cells.

    .venv/bin/python benchmarks/bench_seal.py [--db county.db] [--households 3000]

Without ``--db`` it builds a county with ``demo`` first (3,000 households by default).

Setup (not timed), on a copy of the county:
    The county-wide person list is the training list (training_list): one row per training
    intention in 公示期满. A 100,000-row list is not possible by the rules in the 30,000-household
    demo county (~97,000 people): a person has at most one active training intention and only
    people of a 建档立卡 household within the profile's training ages (default 16–60 men, 16–55
    women) may be put forward, about 55,000 people there. So the setup gives every such person who
    has no active training intention yet a new one (工种 and 培训类型 from the code lists), walks it
    登记 → 推荐 → 审核通过 → 公示中 → 公示期满 with one transition row per step, and lists it in a
    closed 5-day 公示 batch of its village that ended five days before the sealing day; everything is
    set-based SQL (INSERT … SELECT). People already on their way keep their own state (those already
    公示期满 are in the list too). Nothing is scaled or duplicated: the list has as many rows as the
    county has eligible people; for a 100,000-row list build a bigger county (``--households 55000``).

Timed:
    - the whole seal (``seal_sheet``: query, SheetContent, the 已上报 transitions, digest, both
      files, the database writes and the commit), for information;
    - our xlsx writer (``write_xlsx``) on the sealed content, against openpyxl write-only writing the
      same cells (every cell of ``build_grid``: title, header, data, totals, sign-off; same values,
      no styles, no merges, no print settings, no embedded payload);
    - our PDF writer (``write_pdf``) on the same content, against a bare reportlab table;
    - ``verify`` of the sealed xlsx and PDF with the station's keys (target: a few seconds each).

The bare reportlab table: a reportlab ``Canvas`` (same A4 landscape page, same page compression)
with the same bundled Noto Sans SC TrueType face registered (registration not timed, as ours is
registered before timing too), the column widths in the same proportions, and on each page the
header row of column labels followed by as many one-line data rows as fit, every cell's string
drawn with ``canvas.drawString`` (the plain public API, one call per non-empty cell), the grid drawn
as one path of a horizontal line per row boundary and a vertical line per column edge, and
"第x页 共y页" at the foot. It does not measure or wrap text, draws no title, sign-off, number,
digest, QR code or draft mark and embeds nothing. A platypus ``LongTable`` of 100,000 rows was not
chosen: it builds a flowable per cell and splits the table page by page, so it is many times slower
than drawing, which would make the target meaningless.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

if TYPE_CHECKING:
    from run import Measure

    from fupin_desktop.export.sheet import SheetContent

OPERATOR = "基准测试"
KIND = "training"
SHEET = "training_list"


def bench_seal(db: Path) -> list[Measure]:
    from run import Measure  # imported here: run.py imports this module to register it

    from fupin_desktop.export.fonts import register_fonts
    from fupin_desktop.export.pdf import write_pdf
    from fupin_desktop.export.verify import Verdict, verify_file
    from fupin_desktop.export.xlsx import write_xlsx
    from fupin_desktop.services.sheets import SheetRequest
    from fupin_desktop.services.station_keys import known_keys_of
    from fupin_desktop.services.submissions import seal_sheet, submission_content
    from fupin_desktop.store.db import open_database
    from fupin_desktop.store.uow import UnitOfWork

    today = date.today()
    with tempfile.TemporaryDirectory(prefix="bench-seal-") as tmp:
        work = Path(tmp)
        copy = work / "county.db"
        _copy_database(db, copy)
        rows = prepare_training_list(copy, today)
        database = open_database(copy)
        register_fonts()
        started = time.perf_counter()
        with UnitOfWork(database, OPERATOR) as uow:
            sealed = seal_sheet(uow, SheetRequest(SHEET), work / "sealed", today=today)
        whole = time.perf_counter() - started
        with database.session_factory() as session:
            content = submission_content(session, sealed.submission_id)
        keys = known_keys_of(database)
        database.dispose()
        verdicts = []
        verify_xlsx = _timed(lambda: verdicts.append(verify_file(sealed.xlsx_path, keys).verdict))
        verify_pdf = _timed(lambda: verdicts.append(verify_file(sealed.pdf_path, keys).verdict))
        assert verdicts == [Verdict.INTACT, Verdict.INTACT], verdicts
        assert len(content.rows) == rows == sealed.row_count, (len(content.rows), rows, sealed.row_count)

        ours_xlsx = _timed(lambda: write_xlsx(content, work / "ours.xlsx"))
        raw_xlsx = _timed(lambda: bare_xlsx(content, work / "raw.xlsx"))
        ours_pdf = _timed(lambda: write_pdf(content, work / "ours.pdf"))
        raw_pdf = _timed(lambda: bare_pdf(content, work / "raw.pdf"))

    n = f"{rows:,}"
    return [
        Measure(
            f"seal county list → xlsx ({n} rows)",
            _ms(ours_xlsx),
            _ms(raw_xlsx),
            "openpyxl write_only, same cells, no styles",
            "≤ 1.3×",
        ),
        Measure(
            f"seal county list → PDF ({n} rows)",
            _ms(ours_pdf),
            _ms(raw_pdf),
            "bare reportlab canvas table, same strings and font",
            "≤ 1.5×",
        ),
        Measure(
            f"verify sealed county list xlsx ({n} rows: shown text, formats, signature)",
            _ms(verify_xlsx),
            None,
            "",
            "a few seconds",
        ),
        Measure(
            f"verify sealed county list PDF ({n} rows: written again, compared object by object)",
            _ms(verify_pdf),
            None,
            "",
            "a few seconds",
        ),
        Measure(
            f"seal county list, whole ({n} rows: query, transitions, xlsx, PDF, DB)",
            _ms(whole),
            None,
            "",
            "for information",
        ),
    ]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy (the online backup API also takes what is still in the WAL file)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


# --- setup: every eligible person with a training intention in 公示期满 ---------------------------


def prepare_training_list(db: Path, today: date) -> int:
    """Set-based SQL on the copy; returns how many rows the training list will have."""
    from fupin_desktop.domain.codelists import codelist
    from fupin_desktop.domain.eligibility import REGISTERED_STATUSES, REGISTERED_TYPES
    from fupin_desktop.domain.profiles import load_province_profile
    from fupin_desktop.domain.workflow import ACTIVE

    con = sqlite3.connect(db)
    profile_code = con.execute("select value from setting where key = 'station.province_profile'").fetchone()
    bounds = load_province_profile((profile_code[0] if profile_code else "") or "default").training_age
    con.execute("create temp table occupation (n integer primary key, name text)")
    con.executemany("insert into occupation values (?, ?)", enumerate(codelist("occupation").names()))
    con.execute("create temp table training_type (n integer primary key, name text)")
    con.executemany("insert into training_type values (?, ?)", enumerate(codelist("training_type").names()))
    occupations = len(codelist("occupation").names())
    types = len(codelist("training_type").names())

    def years_before(years: int) -> str:
        try:
            return today.replace(year=today.year - years).isoformat()
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28).isoformat()

    notice_start, notice_end = today - timedelta(days=10), today - timedelta(days=5)
    stamp = f"{notice_end.isoformat()} 02:00:00.000000"
    marks = lambda values: ",".join(f"'{v}'" for v in values)  # noqa: E731 - constants of our own
    con.execute(
        f"""
        insert into intention (id, person_id, kind, occupation, training_type, referral_source, state,
                               state_changed_at, locked, created_at, updated_at, updated_by)
        select lower(hex(randomblob(16))), p.id, '{KIND}',
               (select name from occupation where n = p.rowid % {occupations}),
               (select name from training_type where n = p.rowid % {types}),
               'village', 'NOTICE_PASSED', '{stamp}', 0, '{stamp}', '{stamp}', '{OPERATOR}'
        from person p join household h on h.id = p.household_id
        where h.household_type in ({marks(REGISTERED_TYPES)})
          and (h.status is null or h.status in ({marks(REGISTERED_STATUSES)}))
          and p.birth_date <= '{years_before(bounds.min)}'
          and ((p.sex = '男' and p.birth_date > '{years_before(bounds.max_male + 1)}')
            or (p.sex = '女' and p.birth_date > '{years_before(bounds.max_female + 1)}'))
          and not exists (select 1 from intention i where i.person_id = p.id and i.kind = '{KIND}'
                          and i.state in ({marks(s.value for s in ACTIVE)}))
        """
    )
    steps = [
        (None, "DRAFT", 30),
        ("DRAFT", "REFERRED", 25),
        ("REFERRED", "APPROVED", 15),
        ("APPROVED", "IN_NOTICE", 10),
        ("IN_NOTICE", "NOTICE_PASSED", 5),
    ]
    for source, target, days in steps:
        at = f"{(today - timedelta(days=days)).isoformat()} 02:00:00.000000"
        con.execute(
            "insert into intention_transition (id, intention_id, from_state, to_state, at, operator) "
            "select lower(hex(randomblob(16))), id, ?, ?, ?, ? from intention where updated_by = ?",
            (source, target, at, OPERATOR, OPERATOR),
        )
    con.execute(
        """
        insert into public_notice (id, region_id, title, start_date, end_date, place, complaint_phone,
                                   issuing_unit, closed_at, created_at, updated_at, updated_by)
        select lower(hex(randomblob(16))), v.id, v.name || '技能培训人员公示', ?, ?, v.name || '村务公开栏',
               '0351-5121234', v.name || '村民委员会', ?, ?, ?, ?
        from region v where v.level = 'village' and exists (
            select 1 from intention i join person p on p.id = i.person_id join household h on h.id = p.household_id
            where i.updated_by = ? and h.village_id = v.id)
        """,
        (notice_start.isoformat(), notice_end.isoformat(), stamp, stamp, stamp, OPERATOR, OPERATOR),
    )
    con.execute(
        """
        insert into notice_entry (id, notice_id, intention_id, sort_order)
        select lower(hex(randomblob(16))), n.id, i.id, row_number() over (partition by n.id order by p.rowid)
        from intention i join person p on p.id = i.person_id join household h on h.id = p.household_id
             join public_notice n on n.region_id = h.village_id and n.updated_by = ?
        where i.updated_by = ?
        """,
        (OPERATOR, OPERATOR),
    )
    # The whole county's list is sealed by the county office: its 所在地 is the county (sheets.resolve_scope).
    (county,) = con.execute("select name from region where level = 'county' order by code limit 1").fetchone()
    for key, value in (("station.township", county), ("station.unit_name", f"{county}人力资源和社会保障局")):
        con.execute("insert or replace into setting (key, value) values (?, ?)", (key, value))
    con.commit()
    (rows,) = con.execute(
        "select count(*) from intention i where i.kind = ? and i.state = 'NOTICE_PASSED' "
        "and not exists (select 1 from objection o where o.intention_id = i.id and o.outcome is null)",
        (KIND,),
    ).fetchone()
    con.close()
    return int(rows)


# --- baselines --------------------------------------------------------------------------------------


def bare_xlsx(content: SheetContent, path: Path) -> None:
    """openpyxl write-only: the same cells as our sheet, appended row by row, nothing else."""
    from openpyxl import Workbook

    from fupin_desktop.export.grid import build_grid

    grid = build_grid(content, content.digest())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    for row in grid.rows:
        sheet.append(row.cells)
    workbook.save(path)


def bare_pdf(content: SheetContent, path: Path) -> None:
    """The bare reportlab table described in the module docstring."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from fupin_desktop.export.fonts import SANS, register_fonts
    from fupin_desktop.export.sheet import display

    register_fonts()
    page_width, page_height = landscape(A4) if content.landscape else A4
    margin, size, row_height, pad = 12 * mm, 9.0, 17.5, 2.5
    table_width = page_width - 2 * margin
    units = sum(c.width for c in content.columns)
    edges = [margin]
    for column in content.columns:
        edges.append(edges[-1] + table_width * column.width / units)
    labels = [c.label for c in content.columns]
    body = [[display(v) for v in row] for row in content.rows]
    if content.totals is not None:
        body.append([display(v) for v in content.totals])
    per_page = int((page_height - 2 * margin - 10 * mm) // row_height) - 1
    pages = max(1, -(-len(body) // per_page))
    canvas = Canvas(str(path), pagesize=(page_width, page_height), pageCompression=1)
    for page in range(pages):
        rows = [labels, *body[page * per_page : (page + 1) * per_page]]
        top = page_height - margin
        bottom = top - row_height * len(rows)
        canvas.setFont(SANS, size)
        grid = canvas.beginPath()
        for i in range(len(rows) + 1):
            grid.moveTo(edges[0], top - i * row_height)
            grid.lineTo(edges[-1], top - i * row_height)
        for x in edges:
            grid.moveTo(x, top)
            grid.lineTo(x, bottom)
        canvas.drawPath(grid, stroke=1, fill=0)
        y = top - row_height + 6
        for row in rows:
            for x, text in zip(edges, row, strict=False):
                if text:
                    canvas.drawString(x + pad, y, text)
            y -= row_height
        canvas.drawCentredString(page_width / 2, margin / 2, f"第 {page + 1} 页 共 {pages} 页")
        canvas.showPage()
    canvas.save()


# --- alone ------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a county built by demo (a copy is used); default: build one")
    parser.add_argument("--households", type=int, default=3000, help="size of the county built without --db")
    args = parser.parse_args()
    db = args.db
    if db is None:
        work = HERE / "work"
        work.mkdir(parents=True, exist_ok=True)
        db = work / f"seal-county-{args.households}.db"
        if not db.exists():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "fupin_desktop",
                    "--db",
                    str(db),
                    "demo",
                    "--households",
                    str(args.households),
                    "--seed",
                    "1",
                ],
                check=True,
            )
    measures = bench_seal(db)
    print(f"{'action':72} {'ours':>10} {'baseline':>10} {'ratio':>7}  target / baseline")
    for m in measures:
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "—"
        base = f"{m.baseline_ms:.1f}" if m.baseline_ms is not None else "—"
        print(f"{m.action:72} {m.ours_ms:10.1f} {base:>10} {ratio:>7}  {m.target} {m.baseline}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
