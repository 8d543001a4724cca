"""The third trial, from a village laptop's seat (a 村级录入员) and a county's: what it found, proved fixed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, update

from fupin_desktop.cli import main
from fupin_desktop.domain.accounts import Role
from fupin_desktop.domain.workflow import State
from fupin_desktop.services.accounts import create_account, sign_in
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import take_step
from fupin_desktop.services.package_decisions import request_person_change
from fupin_desktop.services.printouts import find_notice
from fupin_desktop.services.regions import create_region
from fupin_desktop.services.roster import household_members
from fupin_desktop.services.settings import StationProfile, load_station_profile, save_station_profile
from fupin_desktop.services.sheets import SheetRequest
from fupin_desktop.services.station import start_station
from fupin_desktop.services.submissions import seal_submission
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, PublicNotice, Site, Submission
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import app, printing
from fupin_desktop.ui.household_form import HouseholdDialog
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.person_form import PersonDialog
from fupin_desktop.ui.profile_dialog import ProfileDialog
from fupin_desktop.ui.roster_page import RosterPage
from fupin_desktop.ui.statistics_page import StatisticsPage
from fupin_desktop.ui.visit_dialog import VisitDialog, VisitIntentionDialog
from tests import sheet_fixtures as fx
from tests.conftest import household, person


@pytest.fixture
def laptop(database: Database) -> Database:
    """A laptop whose 管理员 has not filled in the station profile, with a 村级录入员 of its village."""
    start_station(database, admin="vadmin", password="demo-pass-1")
    with UnitOfWork(database, "vadmin") as uow:
        county = create_region(uow, "沂南县", "county", None, "371321000000")
        township = create_region(uow, "界湖街道", "township", county, "371321001000")
        create_region(uow, "北村", "village", township, "371321001001")
        uow.commit()
    manager = sign_in(database, name="vadmin", password="demo-pass-1")
    create_account(
        database, actor=manager, name="vc", role=Role.VILLAGE_CLERK, password="demo-pass-1", region_code="371321001001"
    )
    return database


def test_a_village_clerk_is_not_stopped_at_the_station_profile_only_a_manager_may_save(
    laptop: Database, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(ProfileDialog, "exec", lambda dialog: shown.append("profile") or 0)
    assert not laptop.read(load_station_profile).is_complete

    clerk = sign_in(laptop, name="vc", password="demo-pass-1")
    assert app.ask_station_profile(laptop, clerk) is True  # the window opens
    assert shown == []

    manager = sign_in(laptop, name="vadmin", password="demo-pass-1")
    assert app.ask_station_profile(laptop, manager) is False  # asked, and 退出程序 quits
    assert shown == ["profile"]


@pytest.fixture
def window(qtbot: QtBot, database: Database, village: uuid.UUID) -> Iterator[MainWindow]:
    with UnitOfWork(database, "测试员") as uow:
        save_station_profile(uow, StationProfile("北村人社所", "界湖街道", "王敏", "13805390000"))
        for number in range(3):
            head = person("张" + "一二三"[number] + "明", "户主", date(1970, 3, 7), 10 + number)
            create_household(uow, village, household(f"37132100100100{10 + number}", head))
        uow.commit()
    main = MainWindow(database)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    yield main
    main.close()
    main.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_tab_leaves_the_household_list_instead_of_walking_its_cells(window: MainWindow, qtbot: QtBot) -> None:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    page.household_table.setFocus()
    page.household_table.selectRow(0)
    qtbot.keyClick(page.household_table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not page.household_table
    page.member_table.setFocus()
    qtbot.keyClick(page.member_table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not page.member_table


def test_the_visit_form_goes_field_to_field_by_tab_and_its_date_is_typed(window: MainWindow, qtbot: QtBot) -> None:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    page.household_table.selectRow(0)
    household_id = page.current_household
    assert household_id is not None
    dialog = VisitDialog(page.context, household_id, "张一明户", page)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.date_edit.setFocus(Qt.FocusReason.TabFocusReason)  # as the form opens: the year is selected
    qtbot.keyClick(dialog.date_edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.visitors  # one Tab leaves the date, not one per year, month, day
    dialog.date_edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(dialog.date_edit, "20261120")  # the digits move from year to month to day by themselves
    assert dialog.date_edit.date() == QDate(2026, 11, 20)
    dialog.notes.setFocus()
    qtbot.keyClick(dialog.notes, Qt.Key.Key_Tab)
    first_member = dialog.member_widgets[dialog.members[0].id]
    assert QApplication.focusWidget() is first_member["employment"]  # no stop on the frame around the members
    QDialog.done(dialog, QDialog.DialogCode.Rejected)  # closed without the "discard the visit?" question


def test_ctrl_m_adds_a_member_to_the_chosen_household_from_the_keyboard(window: MainWindow, qtbot: QtBot) -> None:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    page.household_table.clearSelection()
    assert not page.add_member_action.isEnabled() and not page.visit_action.isEnabled()  # greyed: no household
    page.search.setFocus()
    page.search.setText("张二明")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.current_household is not None)
    assert page.add_member_action.isEnabled()
    assert "Ctrl+M" in [action.shortcut().toString() for action in page.menu_actions if action is not None]
    page.add_member_action.trigger()
    assert isinstance(page.dialog, PersonDialog)
    assert page.dialog.household_id == page.current_household
    QDialog.done(page.dialog, QDialog.DialogCode.Rejected)


def test_a_correction_request_naming_an_unknown_field_lists_the_fields_that_may_be_named(
    database: Database, village: uuid.UUID, capsys: pytest.CaptureFixture[str]
) -> None:
    head = person("张一明", "户主", date(1970, 3, 7), 10)
    with UnitOfWork(database, "测试员") as uow:
        create_household(uow, village, household("3713210010010010", head))
        uow.commit()
    with pytest.raises(ServiceError) as refused:  # the help used to suggest 学历, a name the program does not know
        request_person_change(database, actor="县局", id_number=head.id_number, field="学历", value="初中")
    message = str(refused.value)
    assert "“学历”" in message and "文化程度" in message and "联系电话" in message and "如 学历" not in message
    with pytest.raises(SystemExit):
        main(["package", "request", "--help"])
    assert "如 文化程度" in capsys.readouterr().out


def test_export_asks_for_a_folder_starting_in_one_that_exists(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder dialog was started in 扶贫打印件 before it existed: its 选择 stayed greyed out."""
    monkeypatch.setattr(printing, "EXPORT_FOLDER", tmp_path / "home" / "扶贫打印件")
    started: list[Path] = []

    def ask(_parent: object, _title: str, folder: str) -> str:
        started.append(Path(folder))
        return ""  # the clerk cancels: nothing is written

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", ask)
    statistics = window.build_page(5)
    assert isinstance(statistics, StatisticsPage)
    statistics.export()
    assert printing.make_printout(window, "导出", lambda _folder: pytest.fail("written"), export=True) is None
    assert started == [tmp_path / "home" / "扶贫打印件"] * 2 and started[0].is_dir()
    assert list(started[0].iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "said"), [("county", "本站是县局，不能封存上报表"), ("village", "本站是村委会笔记本")]
)
def test_only_a_station_seals_a_county_or_a_laptop_is_refused_and_nothing_is_written(
    database: Database, village: uuid.UUID, tmp_path: Path, kind: str, said: str
) -> None:
    """A county that sealed the township's list locked the township's people at the county and sent the
    station a correction request and a proposal for every one of them."""
    with UnitOfWork(database, "测试员") as uow:
        save_station_profile(uow, StationProfile("娄烦县人社局", "娄烦县", "县经办", "03515121234"))
        uow.session.execute(update(Site).where(Site.own.is_(True)).values(kind=kind))
        uow.commit()
    with pytest.raises(ServiceError) as refused:
        seal_submission(database, actor="县审核", request=SheetRequest("training_list"), out_dir=tmp_path / "out")
    assert said in str(refused.value) and "人社所" in str(refused.value)
    assert database.read(lambda session: session.scalar(select(func.count()).select_from(Submission))) == 0
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_enter_on_a_focused_button_of_the_visit_form_clicks_it(window: MainWindow, qtbot: QtBot) -> None:
    """Enter moves from field to field; on 登记意愿… or 保存走访 it did nothing (only Space clicked)."""
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    page.household_table.selectRow(0)
    household_id = page.current_household
    assert household_id is not None
    dialog = VisitDialog(page.context, household_id, "张一明户", page)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    clicked: list[str] = []
    for button in (dialog.save_button, dialog.print_button):
        button.clicked.disconnect()
        button.clicked.connect(lambda _checked=False, b=button: clicked.append(b.text()))
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Return)
    assert clicked == ["保存走访(&S)", "打印走访记录表…"]
    dialog.visitors.setFocus()
    qtbot.keyClick(dialog.visitors, Qt.Key.Key_Return)  # in a field Enter still moves on, and saves nothing
    assert QApplication.focusWidget() is dialog.method and clicked == ["保存走访(&S)", "打印走访记录表…"]
    QDialog.done(dialog, QDialog.DialogCode.Rejected)


def test_enter_on_a_focused_button_of_the_household_form_clicks_it(
    window: MainWindow, qtbot: QtBot, village: uuid.UUID
) -> None:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    dialog = HouseholdDialog(page.context, village_id=village, parent=page)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    clicked: list[str] = []
    dialog.save_button.clicked.disconnect()
    dialog.save_button.clicked.connect(lambda: clicked.append("保存"))
    dialog.save_button.setFocus()
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)
    assert clicked == ["保存"]
    QDialog.done(dialog, QDialog.DialogCode.Rejected)


def test_enter_on_a_focused_button_of_the_member_form_clicks_it(window: MainWindow, qtbot: QtBot) -> None:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    dialog = PersonDialog(page.context, parent=page)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    clicked: list[str] = []
    for button, label in ((dialog.save_button, "保存"), (dialog.cancel_button, "取消")):
        button.clicked.disconnect()
        button.clicked.connect(lambda _checked=False, label=label: clicked.append(label))
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Return)
    assert clicked == ["保存", "取消"]
    QDialog.done(dialog, QDialog.DialogCode.Rejected)


def test_a_village_clerk_is_told_they_may_not_before_being_asked_for_a_password_or_a_good_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``user add`` asked a 村级录入员 for the new account's password, ``regions import`` about the file's columns;
    only after both would they have learnt that the command is not theirs."""
    path = tmp_path / "village.db"
    assert main(["--db", str(path), "demo", "--households", "12", "--plain"]) == 0
    monkeypatch.setenv("FUPIN_USER", "village")
    not_a_code_table = tmp_path / "note.csv"
    not_a_code_table.write_text("姓名\n张三\n", encoding="utf-8")
    capsys.readouterr()
    for command in (["user", "add", "zhang", "--role", "审核人"], ["regions", "import", str(not_a_code_table)]):
        assert main(["--db", str(path), *command]) == 1
        error = capsys.readouterr().err
        assert "需要管理员权限" in error and "村级录入员" in error, error
        assert "密码" not in error and "列" not in error, error


def test_two_notice_batches_of_one_title_are_told_apart_by_their_dates_and_numbers(
    database: Database, village: uuid.UUID
) -> None:
    """A village's two rounds of 公示 share their title: ``print notice`` asked for the full name, no help."""
    title = "北村2026年技能培训和技工院校就读人员公示"
    with UnitOfWork(database, "测试员") as uow:
        for start in (date(2026, 5, 11), date(2026, 11, 28)):
            uow.session.add(
                PublicNotice(
                    region_id=village,
                    title=title,
                    start_date=start,
                    end_date=start + timedelta(days=5),
                    place="村务公开栏",
                    complaint_phone="05391234567",
                    issuing_unit="北村村民委员会",
                )
            )
        uow.commit()
    with pytest.raises(ServiceError) as refused:
        database.read(find_notice, title)
    message = str(refused.value)
    assert "2026-05-11至2026-05-16" in message and "2026-11-28至2026-12-03" in message
    first = database.read(lambda session: session.scalar(select(PublicNotice.id).order_by(PublicNotice.start_date)))
    assert first is not None and f"  {str(first)[:8]}  {title}（2026-05-11" in message
    assert database.read(find_notice, str(first)[:8]) == first


def test_review_is_the_stations_at_a_county_the_step_is_refused_and_nothing_moves(
    database: Database, village: uuid.UUID
) -> None:
    """审核通过 taken at the county moved the township's intention there and sent the station a proposal."""
    people = fx.people(database, village, 2)
    referred = fx.intentions(database, people, "training", [State.REFERRED])
    with UnitOfWork(database, "测试员") as uow:
        uow.session.execute(update(Site).where(Site.own.is_(True)).values(kind="county"))
        uow.commit()
    result = take_step(database, actor="县审核", intention_ids=referred, target=State.APPROVED)
    assert not result.moved and len(result.refused) == 2
    assert all("本站是县局，不能办理“审核通过”" in refusal.reason for refusal in result.refused)
    states = database.read(lambda s: set(s.scalars(select(Intention.state).where(Intention.id.in_(referred)))))
    assert states == {State.REFERRED.value}
    withdrawn = take_step(
        database, actor="县审核", intention_ids=referred[:1], target=State.WITHDRAWN, reason="本人外出务工"
    )
    assert withdrawn.moved == referred[:1], withdrawn.summary()  # the steps a laptop may take itself stay open


def test_enter_moves_through_the_visits_intention_form_before_it_reaches_ok(window: MainWindow, qtbot: QtBot) -> None:
    """The intention told during a visit: Enter on its first field tried 确定 at once (and was refused)."""
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    page.household_table.selectRow(0)
    household_id = page.current_household
    assert household_id is not None
    member = page.context.database.read(household_members, household_id)[0]
    dialog = VisitIntentionDialog(page.context, member, None, page)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.form.kind.setFocus()
    qtbot.keyClick(dialog.form.kind, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is dialog.form.occupation and not dialog.message.isVisible()
    assert dialog.isVisible()
    QDialog.done(dialog, QDialog.DialogCode.Rejected)
