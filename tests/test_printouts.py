"""The 公示 notice shows only what a village board may show; the visit record prints blank and filled."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import select

from fupin_desktop.cli import main
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.export.fonts import SERIF, face_for, register_fonts
from fupin_desktop.export.printouts import VisitPrintout, grid_lines, write_notice_pdf, write_visit_pdf
from fupin_desktop.services.printouts import household_visit_sheet, notice_sheet, notice_target, visit_sheet
from fupin_desktop.services.visits import VisitInput, record_visit
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Intention, NoticeEntry, Person, PublicNotice
from fupin_desktop.store.uow import UnitOfWork
from tests import sheet_fixtures as fx
from tests.conftest import TODAY

pytestmark = pytest.mark.both_engines


def test_the_notice_lists_every_name_and_no_id_or_phone(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    fx.station(database)
    people = fx.people(database, village, 30)
    made = fx.intentions(database, people, "training", fx.PATH_TO_PASSED[:3])
    with UnitOfWork(database, "王经办") as uow:
        notice = PublicNotice(
            region_id=village,
            title="北村技能脱贫培训对象公示",
            start_date=date(2026, 11, 16),
            end_date=date(2026, 11, 21),
            place="北村村务公开栏",
            complaint_phone="0539-3221234",
            issuing_unit="沂南县界湖街道人力资源和社会保障所",
        )
        uow.session.add(notice)
        uow.session.flush()
        for i, iid in enumerate(made):
            uow.session.add(NoticeEntry(notice_id=notice.id, intention_id=iid, sort_order=i))
        notice_id = notice.id
        uow.commit()
    with database.session_factory() as session:
        write_notice_pdf(notice_sheet(session, notice_id), tmp_path / "notice.pdf")
        names = set(session.scalars(select(Person.name).where(Person.id.in_(people))))
        secrets = [*session.scalars(select(Person.id_number)), *session.scalars(select(Person.phone))]
    pages = PdfReader(tmp_path / "notice.pdf").pages
    text = "".join(p.extract_text() for p in pages).replace("\n", "")
    assert len(pages) >= 2 and all(name in text for name in names)
    assert all(s not in text for s in secrets if s)
    assert "0539-3221234" in text and "2026年11月16日" in text and "— 2 —" in text


def test_visit_records_blank_and_filled(database: Database, village: uuid.UUID, tmp_path: Path) -> None:
    write_visit_pdf(VisitPrintout(), tmp_path / "blank.pdf")
    assert "入户走访记录表" in PdfReader(tmp_path / "blank.pdf").pages[0].extract_text()
    person_id = fx.people(database, village, 2)[1]
    with UnitOfWork(database, "王经办") as uow:
        household_id = uow.session.scalar(select(Household.id))
        assert household_id is not None
        visit_id, _ = record_visit(
            uow,
            household_id,
            VisitInput(
                TODAY,
                "王经办",
                "入户",
                "愿学电工",
                {person_id: {"work_place": "临沂市", "work_months": 6, "employment": "县外省内务工"}},
            ),
        )
        uow.commit()
    with database.session_factory() as session:
        write_visit_pdf(visit_sheet(session, visit_id), tmp_path / "filled.pdf")
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "filled.pdf").pages)
    assert "临沂市" in text and "务工地点" in text and "王经办" in text and "愿学电工" in text


# --- what the notice says, and on which grid --------------------------------------------------------


def _batch(database: Database, village: uuid.UUID, intention_ids: list[uuid.UUID], title: str) -> uuid.UUID:
    with UnitOfWork(database, "王经办") as uow:
        notice = PublicNotice(
            region_id=village,
            title=title,
            start_date=date(2026, 11, 16),
            end_date=date(2026, 11, 21),
            place="北村村务公开栏",
            complaint_phone="0539-3221234",
            issuing_unit="沂南县界湖街道人力资源和社会保障所",
        )
        uow.session.add(notice)
        uow.session.flush()
        for i, iid in enumerate(intention_ids):
            uow.session.add(NoticeEntry(notice_id=notice.id, intention_id=iid, sort_order=i))
        uow.commit()
        return notice.id


def test_the_notice_lists_exactly_the_batch_with_what_each_is_put_forward_for(
    database: Database, village: uuid.UUID
) -> None:
    fx.station(database)
    people = fx.people(database, village, 6)
    training = fx.intentions(database, people[:2], "training", fx.PATH_TO_PASSED[:2])
    school = fx.intentions(database, people[2:4], "school", fx.PATH_TO_PASSED[:2])
    other = fx.intentions(database, people[4:], "training", fx.PATH_TO_PASSED[:2])
    with UnitOfWork(database, "王经办") as uow:  # one school wish without school or major
        uow.session.get(Intention, school[1]).school = None  # type: ignore[union-attr]
        uow.session.get(Intention, school[1]).major = None  # type: ignore[union-attr]
        uow.commit()
    notice_id = _batch(database, village, [*training, *school], "北村技能脱贫对象公示")
    _batch(database, village, other, "北村另一批公示")
    with database.session_factory() as session:
        sheet = notice_sheet(session, notice_id)
        names = set(session.scalars(select(Person.name).where(Person.id.in_(people[:4]))))
    assert {line.name for line in sheet.lines} == names and len(sheet.lines) == 4
    targets = [line.target for line in sheet.lines]
    assert targets[0].startswith("培训：") and targets[2] == "技工院校：山东技师学院　数控加工"
    assert targets[3] == "就读技工院校"
    assert not any(t.endswith("：") for t in targets)
    assert sheet.what == "技能培训或就读技工院校"
    assert notice_target("employment", None, None, None) == "就业帮扶"
    assert notice_target("business", "电商", None, None) == "创业：电商"


def _em(text: str) -> float:
    register_fonts()
    return sum(pdfmetrics.stringWidth(ch, face_for(ch, SERIF).name, 1.0) for ch in text)


def test_the_notice_body_keeps_28_characters_a_line_and_no_punctuation_starts_one(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    body = (
        "　　公示期间，对公示对象有异议的，可以来电、来访或书面向沂南县界湖街道人力资源和社会保障所反映。"
        "监督电话：0539-3221234。公示时间：2026年11月16日至2026年11月21日。公示地点：北村村务公开栏。"
    )
    lines = grid_lines(body)
    assert "".join(lines) == body
    assert all(_em(line) <= 28 + 1e-6 for line in lines)
    prose = grid_lines(
        "　　根据技能脱贫工作安排，经本人申请或村委会、驻村工作队推荐，界湖街道人力资源和社会保障所会同扶贫部门审核。"
    )
    assert [round(_em(line)) for line in prose[:-1]] == [28] * (len(prose) - 1)  # full lines, not 27
    assert not any(line[0] in "，。、；：？！）》”" for line in lines[1:])
    assert not any(line[-1] in "（《“" for line in lines)
    # A colon that would start a line takes the character before it along (推出), never hangs outside.
    pushed = grid_lines("一" * 27 + "话：12")
    assert pushed == ["一" * 27, "话：12"]
    # A telephone number goes down whole.
    phone = grid_lines("一" * 22 + "电话：0539-3221234。")
    assert phone[1].startswith("0539-3221234") and all(_em(line) <= 28 + 1e-6 for line in phone)

    fx.station(database)
    made = fx.intentions(database, fx.people(database, village, 2), "training", fx.PATH_TO_PASSED[:2])
    notice_id = _batch(database, village, made, "北村技能脱贫培训对象公示")
    with database.session_factory() as session:
        write_notice_pdf(notice_sheet(session, notice_id), tmp_path / "n.pdf")
    text = PdfReader(tmp_path / "n.pdf").pages[0].extract_text()
    assert "沂南县界湖街道人力资源和社会保障所会同扶贫部门审核" in text.replace("\n", "")
    assert "乡镇人力资源和社会保障所会同" not in text


def test_the_visit_form_has_the_columns_of_a_survey_and_room_to_write(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    write_visit_pdf(VisitPrintout(), tmp_path / "blank.pdf")
    blank = "".join(p.extract_text() for p in PdfReader(tmp_path / "blank.pdf").pages).replace("\n", "")
    for label in ("身份证号", "培训意愿", "技工院校", "就业意向", "走访情况记录", "□文盲或半文盲", "□普通劳动力"):
        assert label in blank, label
    assert blank.count("□") > 40  # every code-list option can be ticked

    fx.station(database)
    people = fx.people(database, village, 2)
    fx.intentions(database, people[1:], "training", [])
    with database.session_factory() as session:
        household_id = session.scalar(select(Household.id))
        id_number = session.scalar(select(Person.id_number).where(Person.id == people[1]))
        assert household_id is not None and id_number
        sheet = household_visit_sheet(session, household_id)
    assert len(sheet.members) == 2
    assert sheet.members[1][3] == mask_id(id_number) and id_number not in sheet.members[1][3]
    assert sheet.members[1][10].startswith("电工")  # 培训意愿／工种
    write_visit_pdf(sheet, tmp_path / "household.pdf")
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "household.pdf").pages)
    assert mask_id(id_number) in text and id_number not in text


def test_every_page_of_the_visit_form_says_which_of_how_many_it_is(tmp_path: Path) -> None:
    """A form of two sheets of paper, one of them lost, is noticed: 第 n 页 共 N 页 on each."""
    write_visit_pdf(VisitPrintout(), tmp_path / "blank.pdf")
    pages = PdfReader(tmp_path / "blank.pdf").pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 共 {len(pages)} 页" in page.extract_text()


# --- reachable: the print command -------------------------------------------------------------------


def test_print_notice_and_visit_form_commands(
    database: Database, village: uuid.UUID, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = database.location
    assert main(["--db", db, "print", "notice", "--out", str(tmp_path)]) == 1
    assert "还没有公示批次" in capsys.readouterr().err
    fx.station(database)
    people = fx.people(database, village, 4)
    first = _batch(database, village, fx.intentions(database, people[:2], "training", []), "北村第一批公示")
    _batch(database, village, fx.intentions(database, people[2:], "school", []), "北村第二批公示")
    with UnitOfWork(database, "王经办") as uow:  # the first batch is the newer one
        uow.session.get(PublicNotice, first).start_date = date(2026, 11, 20)  # type: ignore[union-attr]
        uow.commit()

    assert main(["--db", db, "print", "notice", "--out", str(tmp_path / "a")]) == 0
    assert "北村第一批公示" in capsys.readouterr().out
    assert main(["--db", db, "print", "notice", "第二批", "--out", str(tmp_path / "b")]) == 0
    (pdf,) = (tmp_path / "b").glob("*.pdf")
    assert "北村第二批公示" in pdf.name
    assert main(["--db", db, "print", "notice", "第九批", "--out", str(tmp_path / "c")]) == 1
    assert "没有名为“第九批”的公示批次" in capsys.readouterr().err

    assert main(["--db", db, "print", "visit-form", "--out", str(tmp_path / "v")]) == 0
    assert "空白" in capsys.readouterr().out
    with database.session_factory() as session:
        number = session.scalar(select(Household.household_no))
    assert main(["--db", db, "print", "visit-form", "--household", str(number), "--out", str(tmp_path / "v")]) == 0
    assert "2名成员" in capsys.readouterr().out
    assert len(list((tmp_path / "v").glob("*.pdf"))) == 2
    assert main(["--db", db, "print", "visit-form", "--household", "999", "--out", str(tmp_path / "v")]) == 1
    assert "没有户编号或扶贫卡编号为“999”的农户" in capsys.readouterr().err
    assert main(["--db", db, "print"]) == 1
    assert "notice（公示通知）" in capsys.readouterr().err


def test_the_issuing_unit_and_date_never_stand_alone_on_the_last_page(tmp_path: Path) -> None:
    from fupin_desktop.export.printouts import NoticeLine, NoticePrintout

    for count in range(8, 40):
        lines = [NoticeLine("一组", f"王{n:02d}", "男", "培训：电工", "村委会") for n in range(count)]
        sheet = NoticePrintout(
            "北村技能脱贫培训对象公示",
            "北村",
            "2026年11月16日",
            "2026年11月21日",
            "北村村务公开栏",
            "0539-3221234",
            "界湖街道人力资源和社会保障所",
            "2026年11月16日",
            lines,
            "技能培训",
        )
        write_notice_pdf(sheet, tmp_path / "n.pdf")
        pages = [p.extract_text() for p in PdfReader(tmp_path / "n.pdf").pages]
        last = pages[-1]
        assert "2026年11月16日" in last
        assert len(pages) == 1 or any(f"王{n:02d}" in last for n in range(count)), count
        assert all(any(f"王{n:02d}" in page for page in pages) for n in range(count))
