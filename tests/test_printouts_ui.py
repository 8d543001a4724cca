"""Every printout is reachable from a button: the 公示 page, the 农户 page and the visit dialog."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from fupin_desktop.services.visits import VisitInput, record_visit
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, NoticeEntry, PublicNotice
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import printing
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.notices_page import NoticesPage
from fupin_desktop.ui.roster_page import RosterPage
from fupin_desktop.ui.visit_dialog import VisitDialog
from tests import sheet_fixtures as fx
from tests.conftest import TODAY


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The PDFs the buttons open in the preview (with its 打印 button), written under tmp_path."""
    opened: list[Path] = []
    monkeypatch.setattr(printing, "show_pdf", lambda _parent, path: opened.append(path))
    monkeypatch.setattr(printing, "print_folder", lambda: tmp_path / "print")
    monkeypatch.setattr(printing.QFileDialog, "getExistingDirectory", lambda *_a: str(tmp_path / "chosen"))
    return opened


def _finish(qtbot: QtBot, task: object) -> None:
    assert task is not None
    task.wait()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: task.result is not None, timeout=20_000)  # type: ignore[attr-defined]


def _text(path: Path) -> str:
    return "".join(p.extract_text() for p in PdfReader(path).pages).replace("\n", "")


def test_the_notice_page_prints_and_exports_the_selected_batch(
    qtbot: QtBot, database: Database, village: uuid.UUID, shown: list[Path], tmp_path: Path
) -> None:
    fx.station(database)
    people = fx.people(database, village, 2)
    made = fx.intentions(database, people, "training", fx.PATH_TO_PASSED[:2])
    with UnitOfWork(database, "王经办") as uow:
        notice = PublicNotice(
            region_id=village,
            title="北村技能脱贫培训对象公示",
            start_date=date(2026, 11, 16),
            end_date=date(2026, 11, 21),
            place="北村村务公开栏",
            complaint_phone="0539-3221234",
            issuing_unit="界湖街道人力资源和社会保障所",
        )
        uow.session.add(notice)
        uow.session.flush()
        uow.session.add_all(NoticeEntry(notice_id=notice.id, intention_id=i, sort_order=n) for n, i in enumerate(made))
        notice_id = notice.id
        uow.commit()
    page = NoticesPage(AppContext(database))
    qtbot.addWidget(page)
    assert not page.print_button.isEnabled()
    page.select_notice(notice_id)
    assert page.print_button.isEnabled() and page.export_button.isEnabled()

    _finish(qtbot, page.print_notice(export=False))
    assert shown[-1].parent == tmp_path / "print"
    assert "北村技能脱贫培训对象公示" in _text(shown[-1]) and "王小明" in _text(shown[-1])
    _finish(qtbot, page.print_notice(export=True))
    assert shown[-1].parent == tmp_path / "chosen" and "已生成公示通知（2人）" in page.result.text()


def test_the_household_page_and_the_visit_dialog_print_the_visit_form(
    qtbot: QtBot, database: Database, village: uuid.UUID, shown: list[Path], tmp_path: Path
) -> None:
    fx.station(database)
    fx.people(database, village, 2)
    with UnitOfWork(database, "王经办") as uow:
        household_id = uow.session.scalar(select(Household.id))
        assert household_id is not None
        record_visit(uow, household_id, VisitInput(TODAY, "王经办", "入户", "愿学电工", {}))
        uow.commit()
    context = AppContext(database)
    page = RosterPage(context)
    qtbot.addWidget(page)
    page.select_region(village)
    page.household_table.selectRow(0)
    assert page.current_household == household_id

    _finish(qtbot, page.print_visit_form("household"))
    assert "王小明" in _text(shown[-1]) and "入户走访记录表" in shown[-1].name
    _finish(qtbot, page.print_visit_form("blank", export=True))
    assert shown[-1].parent == tmp_path / "chosen" and "空白" in shown[-1].name
    assert page.print_visit_form("visit") is None  # no visit chosen yet
    page.details.setCurrentIndex(1)
    page.visit_table.selectRow(0)
    _finish(qtbot, page.print_visit_form("visit"))
    assert "愿学电工" in _text(shown[-1])

    dialog = VisitDialog(context, household_id, "北村", page)
    qtbot.addWidget(dialog)
    _finish(qtbot, dialog.print_form())
    assert "李秀兰" in _text(shown[-1])
