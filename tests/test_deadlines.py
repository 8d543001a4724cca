"""The next report deadline of the active province, from 15 days before, until its sheets are sealed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fupin_desktop.services.deadlines import next_reminder
from fupin_desktop.services.settings import load_station_profile, save_station_profile
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.submissions import seal_sheet
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.submissions_page import SubmissionsPage
from tests import sheet_fixtures as fx


def _province(database: Database, code: str) -> None:
    fx.station(database)
    with UnitOfWork(database, "王经办") as uow:
        save_station_profile(uow, replace(load_station_profile(uow.session), province_profile=code))
        uow.commit()


@pytest.mark.parametrize(
    ("code", "today", "deadline", "days", "sheets", "start"),
    [
        (
            "shandong",
            date(2026, 12, 1),
            date(2026, 12, 15),
            14,
            ("全省技工院校服务脱贫攻坚工作进展情况表",),
            date(2026, 1, 1),
        ),
        (
            "shandong",
            date(2026, 6, 15),
            date(2026, 6, 15),
            0,
            ("全省技工院校服务脱贫攻坚工作进展情况表",),
            date(2026, 1, 1),
        ),
        (
            "heilongjiang",
            date(2026, 5, 27),
            date(2026, 6, 10),
            14,
            ("技工院校技能脱贫攻坚进展情况表", "技能培训技能脱贫攻坚进展情况表"),
            date(2026, 1, 1),
        ),
        ("henan", date(2026, 11, 20), date(2026, 11, 30), 10, ("技能脱贫千校行动进展情况表",), date(2026, 1, 1)),
        (
            "jinan",
            date(2026, 9, 15),
            date(2026, 9, 30),
            15,
            ("全省技工院校服务脱贫攻坚工作进展情况表",),
            date(2026, 1, 1),
        ),
    ],
)
def test_the_reminder_names_the_deadline_the_sheets_and_the_period(
    database: Database,
    village: uuid.UUID,
    code: str,
    today: date,
    deadline: date,
    days: int,
    sheets: tuple[str, ...],
    start: date,
) -> None:
    _province(database, code)
    with database.session_factory() as session:
        reminder = next_reminder(session, today)
    assert reminder is not None
    assert (reminder.deadline, reminder.days_left, reminder.sheets, reminder.period_start) == (
        deadline,
        days,
        sheets,
        start,
    )
    assert reminder.period_end == today and f"{deadline.month}月{deadline.day}日" in reminder.text


def test_no_reminder_before_15_days_or_without_deadlines(database: Database, village: uuid.UUID) -> None:
    _province(database, "shandong")
    with database.session_factory() as session:
        assert next_reminder(session, date(2026, 11, 29)) is None
        assert next_reminder(session, date(2026, 11, 30)) is not None
    _province(database, "default")
    with database.session_factory() as session:
        assert next_reminder(session, date(2026, 12, 1)) is None


def test_sealing_the_sheet_of_that_period_clears_the_reminder(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    _province(database, "heilongjiang")
    day = date(2026, 12, 1)
    with UnitOfWork(database, "王经办") as uow:
        seal_sheet(uow, SheetRequest("progress_school"), tmp_path, today=day)
    with database.session_factory() as session:
        reminder = next_reminder(session, day)
    assert reminder is not None and reminder.sheets == ("技能培训技能脱贫攻坚进展情况表",)
    with UnitOfWork(database, "王经办") as uow:
        seal_sheet(uow, SheetRequest("progress_training"), tmp_path, today=day)
    with database.session_factory() as session:
        assert next_reminder(session, day) is None


def test_the_submissions_page_offers_the_province_sheets_and_shows_the_deadline(
    qtbot: QtBot, database: Database, village: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    _province(database, "henan")
    monkeypatch.setattr("fupin_desktop.ui.submissions_page.today", lambda: date(2026, 11, 20))
    page = SubmissionsPage(AppContext(database))
    qtbot.addWidget(page)
    codes = [page.sheet.itemData(i) for i in range(page.sheet.count())]
    assert codes == ["progress_henan", "training_list", "school_list"]
    assert "11月30日" in page.deadline.text() and "还有10天" in page.deadline.text()
    assert "未附列目" in page.description.text()
    assert page.start.date().toPython() == date(2026, 1, 1) and page.end.date().toPython() == date(2026, 11, 20)
    page.region.select(village)
    request = page.request()
    assert request.region_id == village and request.sheet == "progress_henan"


def test_the_first_half_year_sheet_does_not_clear_the_december_reminder(
    database: Database, village: uuid.UUID, tmp_path: Path
) -> None:
    _province(database, "shandong")  # both of its periods start on 1 January
    with UnitOfWork(database, "王经办") as uow:
        seal_sheet(uow, SheetRequest("progress_shandong"), tmp_path, today=date(2026, 6, 10))
    with database.session_factory() as session:
        assert next_reminder(session, date(2026, 6, 10)) is None
        assert next_reminder(session, date(2026, 12, 1)) is not None
