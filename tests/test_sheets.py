"""Summary sheets: round trips, sealing and its numbers, locks, corrections, verify on tampered files."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from fupin_desktop.cli import main
from fupin_desktop.commands._sheets import SHEETS
from fupin_desktop.domain.workflow import State
from fupin_desktop.export.pdf import write_pdf
from fupin_desktop.export.sheet import DRAFT_MARK, Column, HeaderGroup, SheetContent, SignOff
from fupin_desktop.export.verify import Verdict, verify_file
from fupin_desktop.export.xlsx import PAYLOAD_SHEET
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import person_facts, update_person
from fupin_desktop.services.settings import load_station_profile, save_station_profile
from fupin_desktop.services.sheets import FORMS, SheetRequest
from fupin_desktop.services.station_keys import known_keys_of
from fupin_desktop.services.submissions import (
    export_draft,
    list_submissions,
    seal_sheet,
    submission_content,
    unlock_for_correction,
)
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, Person, Submission
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY

pytestmark = pytest.mark.both_engines


@pytest.fixture
def ready(database: Database, village: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    """12 school and 8 training intentions at 公示期满, and a few followed up to 就业."""
    fx.station(database)
    people = fx.people(database, village, 26)
    done = fx.State
    return {
        "school": fx.intentions(database, people[:12], "school", fx.PATH_TO_PASSED),
        "training": fx.intentions(database, people[12:20], "training", fx.PATH_TO_PASSED),
        "followed": fx.intentions(
            database,
            people[20:26],
            "school",
            [*fx.PATH_TO_PASSED, done.SUBMITTED, done.ENROLLED, done.COMPLETED],
            school="黑龙江技师学院",
        ),
    }


def _seal(database: Database, sheet: str, out: Path, **kw: object) -> object:
    with UnitOfWork(database, "王经办") as uow:
        return seal_sheet(uow, SheetRequest(sheet), out, today=TODAY, **kw)  # type: ignore[arg-type]


def _data_rows(path: Path, first: int) -> list[list[object]]:
    book = load_workbook(path, read_only=True)
    try:
        rows = [list(r) for r in book.worksheets[0].iter_rows(min_row=first, values_only=True)]
    finally:
        book.close()
    return [r for r in rows if r and isinstance(r[0], int)]


def test_every_form_round_trips_through_xlsx_and_pdf(
    database: Database, village: uuid.UUID, ready: object, tmp_path: Path
) -> None:
    with database.session_factory() as session:
        expected = {
            name: idn
            for name, idn in session.execute(
                select(Person.name, Person.id_number)
                .join(Intention, Intention.person_id == Person.id)
                .where(Intention.state == State.NOTICE_PASSED.value, Intention.kind == "school")
            )
        }
    for code in FORMS:
        if code == "school_list":  # register_summary has sent the first school people up already
            fresh = fx.people(database, village, 4, start=13)
            fx.intentions(database, fresh, "school", fx.PATH_TO_PASSED)
        result = _seal(database, code, tmp_path)
        with database.session_factory() as session:
            content = submission_content(session, result.submission_id)  # type: ignore[attr-defined]
        header_rows = 2 if content.header_depth == 2 else 1
        first = 4 + (1 if content.period else 0) + header_rows
        read_back = _data_rows(result.xlsx_path, first)  # type: ignore[attr-defined]
        assert read_back == [[None if v is None else v for v in row] for row in content.rows], code
        pdf_text = "".join(p.extract_text() for p in PdfReader(result.pdf_path).pages)  # type: ignore[attr-defined]
        for row in content.rows:
            assert str(row[1]) in pdf_text or str(row[2]) in pdf_text
        keys = known_keys_of(database)
        assert verify_file(result.xlsx_path, keys).verdict == Verdict.INTACT  # type: ignore[attr-defined]
        assert verify_file(result.pdf_path, keys).verdict == Verdict.INTACT  # type: ignore[attr-defined]
        if code == "register_summary":
            names = {r[1]: r[5] for r in read_back}
            assert names == expected  # ID numbers came back as text, digit for digit
        if code == "progress_school":
            school = next(r for r in content.rows if r[1] == "黑龙江技师学院")
            assert school[2:] == [6, 6, 0, 6, 0, 0, 0]  # registered, enrolled, none left in school, graduated


def test_sealing_numbers_per_unit_and_year_and_locks_the_people(
    database: Database, ready: dict[str, list[uuid.UUID]], tmp_path: Path
) -> None:
    first = _seal(database, "register_summary", tmp_path)
    second = _seal(database, "training_list", tmp_path)
    assert (first.number, second.number) == ("〔2026〕第1号", "〔2026〕第2号")  # type: ignore[attr-defined]
    with UnitOfWork(database, "王经办") as uow:
        with_year = seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=TODAY.replace(year=2027))
    assert with_year.number == "〔2027〕第1号"
    with UnitOfWork(database, "王经办") as uow:
        save_station_profile(uow, replace(load_station_profile(uow.session), unit_name="沂南县岸堤镇人社所"))
        uow.commit()
    assert _seal(database, "progress_training", tmp_path).number == "〔2026〕第1号"  # type: ignore[attr-defined]

    with database.session_factory() as session:
        states = set(session.scalars(select(Intention.state).where(Intention.id.in_(ready["school"]))))
        locked = set(
            session.scalars(
                select(Person.locked)
                .join(Intention, Intention.person_id == Person.id)
                .where(Intention.id.in_(ready["school"]))
            )
        )
        person_id = session.scalar(select(Intention.person_id).where(Intention.id == ready["school"][0]))
        person = session.get(Person, person_id)
        assert person is not None
        facts = replace(person_facts(person), name="改名字")
    assert states == {"SUBMITTED"} and locked == {True}
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ServiceError, match="封存的上报表"):
        update_person(uow, person_id, facts)  # type: ignore[arg-type]


def test_a_correction_names_the_sheet_it_replaces_and_both_stay_listed(
    database: Database, ready: dict[str, list[uuid.UUID]], tmp_path: Path
) -> None:
    original = _seal(database, "register_summary", tmp_path)
    with UnitOfWork(database, "王经办") as uow:
        assert unlock_for_correction(uow, original.submission_id, reason="联系电话录错") == 12  # type: ignore[attr-defined]
        uow.commit()
    with database.session_factory() as session:
        person = session.scalars(
            select(Person).join(Intention, Intention.person_id == Person.id).where(Intention.id == ready["school"][0])
        ).one()
        person_id, facts = person.id, replace(person_facts(person), phone="13912345678")
    with UnitOfWork(database, "王经办") as uow:
        update_person(uow, person_id, facts)
        uow.commit()
    correction = _seal(database, "register_summary", tmp_path, replaces_id=original.submission_id)  # type: ignore[attr-defined]
    with database.session_factory() as session:
        content = submission_content(session, correction.submission_id)  # type: ignore[attr-defined]
        listed = {row.number: row for row in list_submissions(session)}
        assert session.get(Person, person_id).locked  # type: ignore[union-attr]
    assert content.replaces == "〔2026〕第1号" and len(content.rows) == 12
    assert "更正说明：本表更正〔2026〕第1号，更正原因：联系电话录错。" in content.notes
    assert "13912345678" in [row[6] for row in content.rows]
    assert listed["〔2026〕第2号"].replaces == "〔2026〕第1号"
    assert listed["〔2026〕第1号"].replaced_by == "〔2026〕第2号"
    assert Path(listed["〔2026〕第1号"].xlsx_path or "").exists()
    with UnitOfWork(database, "王经办") as uow, pytest.raises(ServiceError, match="已由〔2026〕第2号更正"):
        seal_sheet(uow, SheetRequest("register_summary"), tmp_path, replaces_id=original.submission_id)  # type: ignore[attr-defined]


def test_a_failed_seal_leaves_no_record_no_file_and_nobody_moved(
    database: Database, ready: dict[str, list[uuid.UUID]], tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(OSError):
        _seal(database, "register_summary", blocker)
    with database.session_factory() as session:
        assert session.scalar(select(Submission.id)) is None
        assert set(session.scalars(select(Intention.state).where(Intention.id.in_(ready["school"])))) == {
            "NOTICE_PASSED"
        }
    assert list(tmp_path.glob("*.xlsx")) == []


def test_nothing_to_submit_is_refused_with_a_reason(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    fx.station(database)
    with pytest.raises(ServiceError, match="公示期满"):
        _seal(database, "school_list", tmp_path)


def test_a_draft_is_marked_on_every_page_and_is_not_a_sealed_sheet(
    database: Database, ready: object, tmp_path: Path
) -> None:
    with database.session_factory() as session:
        xlsx, pdf = export_draft(session, SheetRequest("register_summary"), tmp_path, today=TODAY)
    assert all("草稿" in page.extract_text() for page in PdfReader(pdf).pages)
    assert DRAFT_MARK in [c for row in load_workbook(xlsx).worksheets[0].iter_rows(values_only=True) for c in row]
    assert verify_file(xlsx).verdict == Verdict.NOT_SEALED
    assert verify_file(pdf).verdict == Verdict.NOT_SEALED


# --- verify on tampered files ---------------------------------------------------------------------------


@pytest.fixture
def sealed(database: Database, ready: object, tmp_path: Path) -> object:
    return _seal(database, "register_summary", tmp_path / "out")


def _edit(path: Path, change: object, tmp_path: Path) -> Path:
    book = load_workbook(path)
    change(book.worksheets[0])  # type: ignore[operator]
    target = tmp_path / "edited.xlsx"
    book.save(target)
    return target


def test_verify_names_a_changed_cell(sealed: object, tmp_path: Path) -> None:
    def rename(sheet: object) -> None:
        sheet["B6"] = "李四"  # type: ignore[index]

    result = verify_file(_edit(sealed.xlsx_path, rename, tmp_path))  # type: ignore[attr-defined]
    assert result.verdict == Verdict.ALTERED
    assert result.differences[0].startswith("第6行 姓名：原为“") and result.differences[0].endswith("现为“李四”")


def test_verify_reports_an_added_row(sealed: object, tmp_path: Path) -> None:
    def add(sheet: object) -> None:
        sheet.insert_rows(8)  # type: ignore[attr-defined]
        sheet["A8"], sheet["B8"] = 99, "冒名"  # type: ignore[index]

    result = verify_file(_edit(sealed.xlsx_path, add, tmp_path))  # type: ignore[attr-defined]
    assert result.verdict == Verdict.ALTERED
    assert any("第8行 为新增的行" in d and "冒名" in d for d in result.differences)


def test_verify_reports_a_removed_row(sealed: object, tmp_path: Path) -> None:
    def remove(sheet: object) -> None:
        sheet.delete_rows(7)  # type: ignore[attr-defined]

    result = verify_file(_edit(sealed.xlsx_path, remove, tmp_path))  # type: ignore[attr-defined]
    assert result.verdict == Verdict.ALTERED
    assert any(d.startswith("第7行 被删除") for d in result.differences)


def test_verify_reports_an_edited_digest_on_the_page_and_in_the_payload(sealed: object, tmp_path: Path) -> None:
    def digest(sheet: object) -> None:
        sheet["A3"] = str(sheet["A3"].value).replace("a", "b")  # type: ignore[index]

    assert verify_file(_edit(sealed.xlsx_path, digest, tmp_path)).verdict == Verdict.ALTERED  # type: ignore[attr-defined]

    book = load_workbook(sealed.xlsx_path)  # type: ignore[attr-defined]
    book[PAYLOAD_SHEET]["A2"] = "AAAA" + str(book[PAYLOAD_SHEET]["A2"].value)[4:]
    book.save(tmp_path / "payload.xlsx")
    assert verify_file(tmp_path / "payload.xlsx").verdict == Verdict.ALTERED


def test_verify_checks_the_pdf_text_and_its_embedded_content(
    sealed: object, tmp_path: Path, database: Database
) -> None:
    with database.session_factory() as session:
        content = submission_content(session, sealed.submission_id)  # type: ignore[attr-defined]
    changed = SheetContent.from_canonical(content.canonical())
    changed.rows[2][1] = "冒名"
    changed.rows.pop(5)
    write_pdf(changed, tmp_path / "changed.pdf", embedded=content)
    result = verify_file(tmp_path / "changed.pdf")
    assert result.verdict == Verdict.ALTERED
    assert any("第3行（序号3） 姓名" in d and "冒名" in d for d in result.differences)
    assert any("序号6" in d for d in result.differences)

    writer = PdfWriter(clone_from=PdfReader(sealed.pdf_path))  # type: ignore[attr-defined]
    from fupin_desktop.export.sheet import encode_payload

    forged = SheetContent.from_canonical(content.canonical())
    forged.rows[0][1] = "冒名"
    writer.add_metadata({"/FupinSealed": encode_payload(forged)})
    with (tmp_path / "forged.pdf").open("wb") as handle:
        writer.write(handle)
    assert verify_file(tmp_path / "forged.pdf").verdict == Verdict.ALTERED


def test_verify_says_2_for_ordinary_files(tmp_path: Path) -> None:
    book = Workbook()
    book.active["A1"] = "姓名"  # type: ignore[index]
    book.save(tmp_path / "plain.xlsx")
    canvas = Canvas(str(tmp_path / "plain.pdf"))
    canvas.drawString(100, 700, "hello")
    canvas.save()
    (tmp_path / "notes.txt").write_text("hello")
    for name in ("plain.xlsx", "plain.pdf", "notes.txt"):
        assert verify_file(tmp_path / name).verdict == Verdict.NOT_SEALED


def test_verify_command_exit_codes(
    sealed: object, database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", database.location, "verify", str(sealed.pdf_path)]) == 0  # type: ignore[attr-defined]
    assert "与封存时完全一致" in capsys.readouterr().out
    (tmp_path / "x.txt").write_text("x")
    assert main(["verify", str(tmp_path / "x.txt")]) == 2


def test_seal_and_export_commands(
    database: Database, ready: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = database.location
    assert main(["--db", db, "export", "training_list", "--out", str(tmp_path / "d")]) == 0
    assert main(["--db", db, "seal", "training_list", "--out", str(tmp_path / "s")]) == 0
    assert "〔" in capsys.readouterr().out
    assert main(["--db", db, "seal", "training_list", "--out", str(tmp_path / "s")]) == 1
    assert "没有可以上报的人员" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["seal", "--help"])
    helptext = capsys.readouterr().out
    assert all(code in helptext for code in FORMS)
    assert set(SHEETS) == set(FORMS)


def test_a_5000_row_sheet_repeats_its_header_on_every_page(tmp_path: Path) -> None:
    columns = [Column("no", "序号", 3, "int"), Column("name", "姓名", 5), Column("id", "身份证号", 10, "id")]
    rows = [[i + 1, f"成员{i + 1}", f"37132119900101{i:04d}"] for i in range(5000)]
    content = SheetContent(
        sheet="training_list",
        title="拟参加培训人员名单",
        columns=columns,
        groups=[HeaderGroup(None, 1)] * 3,
        rows=rows,  # type: ignore[arg-type]
        totals=["总计", "5000人", None],
        sign_off=SignOff("某所", "2026年11月22日", "王", "1", "李", "赵"),
        landscape=False,
        number="〔2026〕第9号",
    )
    write_pdf(content, tmp_path / "big.pdf")
    pages = PdfReader(tmp_path / "big.pdf").pages
    assert len(pages) > 50
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        if number < len(pages):
            assert "身份证号" in text
        assert f"第 {number} 页 共 {len(pages)} 页" in text
        assert content.digest() in text.replace("\n", "")
    assert verify_file(tmp_path / "big.pdf").verdict == Verdict.NOT_SIGNED_BY_KNOWN  # intact, no station signed it


def test_export_modules_do_not_import_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, fupin_desktop.export.pdf, fupin_desktop.export.xlsx, fupin_desktop.export.verify, "
        "fupin_desktop.export.printouts; print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )


def _small_list(rows: list[list[object]]) -> SheetContent:
    columns = [
        Column("no", "序号", 3, "int"),
        Column("name", "姓名", 5),
        Column("id", "身份证号", 10.5, "id"),
        Column("address", "家庭详细地址", 14),
        Column("phone", "联系电话", 7, "id"),
    ]
    return SheetContent(
        sheet="register_summary",
        title="北村精准扶贫对象登记汇总表",
        columns=columns,
        groups=[HeaderGroup(None, 1)] * len(columns),
        rows=rows,  # type: ignore[arg-type]
        totals=["总计", f"{len(rows)}人", None, None, None],
        sign_off=SignOff("界湖街道人社所", "2026年11月22日", "王经办", "0539-1234567", "李审核", "赵所长"),
        number="〔2026〕第5号",
    )


def test_the_xlsx_body_keeps_its_borders_text_ids_and_odd_characters(tmp_path: Path) -> None:
    rows = [
        [1, "张三丰", "371321197003070011", "北村一组12号 & 后院<东>", "13805391234"],
        [2, " 李秀英", "37132119720501002X", None, None],
    ]
    content = _small_list(rows)
    from fupin_desktop.export.xlsx import write_xlsx

    write_xlsx(content, tmp_path / "list.xlsx")
    sheet = load_workbook(tmp_path / "list.xlsx").worksheets[0]
    first = 5  # title, unit and date, number and digest, header
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=first, max_row=first + 1)] == rows
    for row in sheet.iter_rows(min_row=first, max_row=first + 2):  # both people and the totals
        for cell in row:  # empty cells too: the table is ruled to its last column
            assert cell.border.left.style == cell.border.bottom.style == "thin", cell.coordinate
    assert sheet[f"C{first}"].number_format == "@"  # ID numbers stay text in Excel
    assert sheet[f"A{first}"].alignment.horizontal == "center"
    assert sheet[f"B{first + 2}"].value == "2人" and sheet[f"B{first + 2}"].font.b
    sign_off = first + 4
    assert sheet[f"A{sign_off}"].value == "填表人：王经办"
    assert any(str(r).startswith(f"A{sign_off}:") for r in sheet.merged_cells.ranges)
    assert verify_file(tmp_path / "list.xlsx").verdict == Verdict.NOT_SIGNED_BY_KNOWN  # intact, no station signed it


def test_a_long_name_wraps_inside_its_cell_on_the_pdf(tmp_path: Path) -> None:
    from fupin_desktop.export.pdf import PdfLayout

    long_name = "买买提·艾力·阿不都热合曼·库尔班江"
    content = _small_list([[1, "张三丰", "371321197003070011", "北村一组12号", "13805391234"]] * 3)
    content.rows[1] = [2, long_name, "371321197205010021", "北村一组13号", "13805391235"]
    write_pdf(content, tmp_path / "list.pdf")
    layout = PdfLayout(content, content.digest())
    ops = layout.page_ops(0).texts
    name_lines = [op for op in ops if op.where == ("cell", 1, 1)]
    assert len(name_lines) > 1 and "".join(op.text for op in name_lines) == long_name
    left, width = layout.col_x[1], layout.col_widths[1]
    for op in name_lines:  # every line starts and ends inside the 姓名 column
        end = op.x + layout.width_of(op.text, op.font, op.size)
        assert left <= op.x and end <= left + width, op.text
    assert len({op.y for op in name_lines}) == len(name_lines)  # one below the other
    others = [op for op in ops if op.where == ("cell", 0, 1)]
    assert len(others) == 1  # a short name stays on one line
    lines = PdfReader(tmp_path / "list.pdf").pages[0].extract_text().splitlines()
    assert [line for line in lines if line.strip() in {op.text for op in name_lines}]
    assert verify_file(tmp_path / "list.pdf").verdict == Verdict.NOT_SIGNED_BY_KNOWN  # intact, no station signed it
