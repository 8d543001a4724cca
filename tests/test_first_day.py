"""A new station's first day, end to end in the window: an empty database, the station profile,
the county, a township and a village, the first household with its members, intentions, review,
a 公示 batch and, when it has passed, a sealed list for the village. Screenshots of each step are
saved beside the test database (``shots/``)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.domain.workflow import State
from fupin_desktop.services.regions import list_regions
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.store.db import open_database
from fupin_desktop.store.models import Submission
from fupin_desktop.ui import messages
from fupin_desktop.ui.forms import set_value_of
from fupin_desktop.ui.household_form import HouseholdDialog
from fupin_desktop.ui.intention_form import IntentionDialog
from fupin_desktop.ui.intentions_page import IntentionsPage
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.notices_page import NewNoticeDialog, NoticesPage
from fupin_desktop.ui.profile_dialog import ProfileDialog
from fupin_desktop.ui.region_dialog import AddRegionDialog, CountyDialog
from fupin_desktop.ui.roster_page import RosterPage
from fupin_desktop.ui.submissions_page import SubmissionsPage
from fupin_desktop.ui.tasks import _running
from tests.test_submissions_page import seal_through_the_dialog

AREA = "371321"
MEMBERS = [
    ("张三丰", "户主", date(1978, 3, 7), 11),
    ("李秀英", "配偶", date(1980, 5, 1), 22),
]


def test_from_an_empty_database_to_a_sealed_list_for_the_village(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()

    def shot(widget: QWidget, name: str) -> None:
        QApplication.processEvents()
        widget.grab().save(str(shots / f"{name}.png"))

    monkeypatch.setattr(messages, "confirm", lambda *_args: True)  # the user answers 确定 to 封存
    started = time.perf_counter()
    database = open_database(tmp_path / "station.db")

    # 1. the station profile, as the first start asks for it
    with database.session_factory() as session:
        empty = load_station_profile(session)
    assert not empty.is_complete
    profile = ProfileDialog(database, empty, first_start=True)
    qtbot.addWidget(profile)
    for name, value in (
        ("unit_name", "界湖街道人力资源和社会保障所"),
        ("township", "界湖街道"),
        ("operator_name", "王敏"),
        ("contact_phone", "0539-3221234"),
        ("reviewer_name", "李站长"),
        ("head_name", "赵所长"),
    ):
        profile.edits[name].setText(value)
    shot(profile, "1-本站信息")
    profile.save()
    assert profile.saved is not None

    # 2. the county, from the shipped GB/T 2260 table
    county = CountyDialog(database, "王敏", first_start=True)
    qtbot.addWidget(county)
    county.choose(AREA)
    shot(county, "2-所属县")
    county.save()
    assert county.saved_code == AREA + "000000"

    window = MainWindow(database)
    window.resize(1366, 740)
    window.show()
    try:
        roster = window.page(0)
        assert isinstance(roster, RosterPage)

        # 3. a township and a village with the visible buttons
        roster.add_township_button.click()
        township = roster.dialog
        assert isinstance(township, AddRegionDialog)
        township.name.setText("界湖街道")
        township.code.setText(AREA + "001000")
        township.save()
        roster.add_village_button.click()
        village = roster.dialog
        assert isinstance(village, AddRegionDialog)
        village.name.setText("北村")
        village.code.setText(AREA + "001001")
        shot(village, "3-新增村")
        village.save()
        assert roster.selected_region() == village.saved_id
        village_id = village.saved_id
        assert village_id is not None

        # 4. the first household and its members
        roster.add_button.click()
        form = roster.dialog
        assert isinstance(form, HouseholdDialog)
        for field, value in (
            ("household_type", "一般贫困户"),
            ("status", "未脱贫"),
            ("main_cause", "缺技术"),
            ("village_group", "一组"),
            ("address", "北村一组1号"),
            ("phone", "13805391234"),
        ):
            set_value_of(form.grid.widgets[field], value)
        for name, relation, birth, sequence in MEMBERS:
            form.add_member()
            member = form.member_dialog
            assert member is not None
            for field, value in (
                ("name", name),
                ("id_number", make_id_number(AREA, birth, sequence)),
                ("relation", relation),
                ("education", "初中"),
                ("school_status", "非在校生"),
                ("health", "健康"),
                ("labour", "普通劳动力"),
                ("employment", "未务工"),
                ("work_months", 0),
            ):
                set_value_of(member.grid.widgets[field], value)
            member.save()
            assert not member.isVisible(), member.problems()
        shot(form, "4-新增农户")
        form.save()
        assert not form.isVisible()
        assert roster.households.rowCount() == 1
        shot(window, "5-农户页")

        # 5. each member's wish to train, then 推荐 and 审核通过 on the 意愿 page
        intentions = window.page(1)
        assert isinstance(intentions, IntentionsPage)
        for row in roster.member_rows:
            wish = IntentionDialog(window.context, row.id, row.facts.name or "", window)
            qtbot.addWidget(wish)
            wish.form.occupation.setCurrentText("家政服务员")
            wish.save()
            assert wish.intention_id is not None
        window.tabs.setCurrentWidget(intentions)
        intentions.region.select(village_id)
        for target in (State.REFERRED, State.APPROVED):
            intentions.table.selectAll()
            result = intentions.take_step(target)
            assert result is not None and len(result.moved) == 2, intentions.result.toPlainText()
        shot(window, "6-意愿审核")

        # 6. a 公示 batch; it ran from ten days ago, so it has passed and can be closed
        notices = window.page(2)
        assert isinstance(notices, NoticesPage)
        window.tabs.setCurrentWidget(notices)
        batch = NewNoticeDialog(window.context, notices._profile(), notices)
        qtbot.addWidget(batch)
        batch.region.select(village_id)
        start = date.today() - timedelta(days=10)
        batch.start.setDate(start)
        batch.end.setDate(start + timedelta(days=6))
        batch.place.setText("北村村务公开栏")
        batch.save()
        assert batch.notice_id is not None
        notices.select_notice(batch.notice_id)
        notices.close_selected()
        shot(window, "7-公示")

        # 7. the village's training list, sealed
        submissions = window.page(3)
        assert isinstance(submissions, SubmissionsPage)
        window.tabs.setCurrentWidget(submissions)
        submissions.folder.setText(str(tmp_path / "上报"))
        submissions.sheet.setCurrentIndex(submissions.sheet.findData("training_list"))
        monkeypatch.setattr(submissions, "show_pdf", lambda _path: None)
        seal_through_the_dialog(submissions)  # the seal dialog, with the names the accounts give
        for task in list(_running):
            task.wait()
        qtbot.waitUntil(lambda: not _running and submissions.model.rowCount() == 1, timeout=30_000)
        shot(window, "8-封存上报")
        elapsed = time.perf_counter() - started
        print(f"\n第一天：空数据库到封存上报表 {elapsed:.1f} 秒（程序部分）；截图在 {shots}")
        assert list((tmp_path / "上报").glob("*.pdf")) and list((tmp_path / "上报").glob("*.xlsx"))
        assert [n.name for n in list_regions(database) if n.level == "village"] == ["北村"]
        with database.session_factory() as session:
            sealed = session.scalars(select(Submission)).one()
        assert (sealed.sheet_code, sealed.row_count) == ("training_list", 2)
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        database.dispose()
