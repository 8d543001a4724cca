"""`stats --out DIR [--region CODE]` as a user runs it, and what its two files hold: the xlsx has the
page's numbers as numbers and every name as text (never a formula), the PDF embeds the bundled font
and draws the charts as vectors."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select, update

from fupin_desktop.export.statistics import (
    StatsChart,
    StatsDocument,
    StatsTable,
    chart_parts,
    write_statistics_pdf,
    write_statistics_xlsx,
)
from fupin_desktop.services import statistics
from fupin_desktop.store.db import open_database
from fupin_desktop.store.models import Region


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fupin_desktop", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_stats_writes_the_county_tables_and_charts(tmp_path: Path) -> None:
    db = tmp_path / "county.db"
    assert run_cli("--db", str(db), "demo", "--plain", "--households", "300", "--seed", "3").returncode == 0
    database = open_database(db)
    try:
        with database.session_factory() as session:
            code = session.scalar(select(Region.code).where(Region.level == "county"))
            region = session.scalar(select(Region.id).where(Region.level == "county"))
        expected = statistics.compute_statistics(database, region_id=region)
    finally:
        database.dispose()
    assert code is not None
    result = run_cli("--db", str(db), "stats", "--out", str(tmp_path / "out"), "--region", code)
    assert result.returncode == 0, result.stderr
    xlsx = next((tmp_path / "out").glob("*.xlsx"))
    pdf = next((tmp_path / "out").glob("*.pdf"))
    book = load_workbook(xlsx)
    assert book.sheetnames == ["意愿进度", "培训覆盖", "技工院校覆盖", "就业覆盖", "补贴发放"]
    employment = book["就业覆盖"]
    assert [c.value for c in employment[4]] == ["区划", "有劳动力户数", "有务工成员户数", "就业覆盖率"]
    total = [c.value for c in employment[4 + len(expected.area.rows) + 1]]
    assert total[:3] == ["合计", *expected.figure("employment").totals]
    content = pdf.read_bytes()
    assert b"NotoSansSC" in content  # the bundled face, embedded
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 5  # one figure per page at least
    from pypdf import PdfReader

    pages = PdfReader(pdf).pages
    assert all(f"第{n}页 共{len(pages)}页" in page.extract_text() for n, page in enumerate(pages, start=1))


def test_stats_refuses_an_unknown_region_and_a_missing_database(tmp_path: Path) -> None:
    db = tmp_path / "small.db"
    assert run_cli("--db", str(db), "demo", "--households", "60").returncode == 0
    unknown = run_cli("--db", str(db), "stats", "--out", str(tmp_path / "o"), "--region", "999999999999")
    assert unknown.returncode == 1 and "没有代码为“999999999999”的区划" in unknown.stderr
    future = run_cli("--db", str(db), "stats", "--out", str(tmp_path / "o"), "--year", str(date.today().year + 1))
    assert future.returncode == 1 and "还没有到" in future.stderr
    missing = run_cli("--db", str(tmp_path / "none.db"), "stats", "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "不存在" in missing.stderr
    for result in (unknown, future, missing):
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_region_name_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    document = StatsDocument(
        "测试统计",
        "统计期间",
        (
            StatsTable(
                "就业覆盖",
                "定义",
                ("区划", "有劳动力户数"),
                (('=HYPERLINK("http://x","点我")', 3), ("合计", 3)),
                StatsChart(("=1+1",), ("有劳动力户数",), ((3,),)),
            ),
        ),
    )
    path = write_statistics_xlsx(document, tmp_path / "t.xlsx")
    cell = load_workbook(path)["就业覆盖"]["A5"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_a_village_renamed_shows_under_its_new_name_at_once(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    assert run_cli("--db", str(db), "demo", "--plain", "--households", "120").returncode == 0
    database = open_database(db)
    try:
        with database.engine.begin() as connection:
            village = connection.execute(select(Region.id).where(Region.level == "village")).scalars().first()
        before = statistics.compute_statistics(database, region_id=village)
        with database.engine.begin() as connection:
            connection.execute(update(Region).where(Region.id == village).values(name="新名村"))
        stats = statistics.compute_statistics(database, region_id=village)
        assert stats.figures[0].counts == before.figures[0].counts
    finally:
        database.dispose()
    assert [r.name for r in stats.area.rows] == ["新名村"]


def test_a_township_with_many_villages_prints_its_chart_over_pages_on_one_scale(tmp_path: Path) -> None:
    villages = tuple(f"第{i}村" for i in range(60))
    values = tuple((i, i // 2, 1) for i in range(60))
    chart = StatsChart(villages, ("培训补贴人数", "生活费补贴人数", "交通补助人数"), values)
    parts = chart_parts(chart)
    assert len(parts) > 1 and sum(len(p.categories) for p in parts) == 60
    assert {p.scale_to for p in parts} == {59}
    table = StatsTable(
        "补贴发放", "定义", ("区划", "a", "b", "c"), (*((v, *n) for v, n in zip(villages, values, strict=True)),), chart
    )
    pdf = write_statistics_pdf(StatsDocument("某镇统计", "统计期间", (table,)), tmp_path / "many.pdf")
    assert pdf.stat().st_size > 10_000
