"""The 公示 notice shows only what a village board may show; the visit record prints blank and filled."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from fupin_desktop.export.printouts import VisitSheet, write_notice_pdf, write_visit_pdf
from fupin_desktop.services.printouts import notice_sheet, visit_sheet
from fupin_desktop.services.visits import VisitInput, record_visit
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, NoticeEntry, Person, PublicNotice
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
    write_visit_pdf(VisitSheet(), tmp_path / "blank.pdf")
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
    text = PdfReader(tmp_path / "filled.pdf").pages[0].extract_text()
    assert "临沂市" in text and "务工地点" in text and "王经办" in text and "愿学电工" in text
