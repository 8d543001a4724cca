"""The 农户 page driven as a clerk would: enter, find, edit, audit, visit, delete — offscreen."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtGui import QFont, QStandardItemModel
from PySide6.QtWidgets import QApplication, QLineEdit, QScrollArea
from pytestqt.qtbot import QtBot

from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.services.households import create_household
from fupin_desktop.services.settings import StationProfile, load_station_profile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.errors import DatabaseLocked
from fupin_desktop.store.models import Household, Person
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import messages
from fupin_desktop.ui.app import load_bundled_fonts, lock_database, open_for_window
from fupin_desktop.ui.audit_dialog import AuditDialog
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.forms import CodeCombo, MultiCodeBox, set_value_of
from fupin_desktop.ui.household_form import HouseholdDialog
from fupin_desktop.ui.main_window import MainWindow
from fupin_desktop.ui.person_form import PersonDialog
from fupin_desktop.ui.profile_dialog import ProfileDialog
from fupin_desktop.ui.roster_models import HouseholdTableModel
from fupin_desktop.ui.roster_page import RosterPage
from fupin_desktop.ui.visit_dialog import VisitDialog
from tests.conftest import AREA, household, person

ZHANG_ID = make_id_number(AREA, date(1970, 3, 7), 11)
LI_ID = make_id_number(AREA, date(1972, 5, 1), 22)


@pytest.fixture
def window(qtbot: QtBot, database: Database, village: uuid.UUID) -> Iterator[MainWindow]:
    with UnitOfWork(database, "测试员") as uow:
        save_station_profile(uow, StationProfile("北村人社所", "界湖街道", "王敏", "13805390000"))
        uow.commit()
    main = MainWindow(database)
    main.show()
    yield main
    # Delete the window and its dialogs now, not in the garbage collector at interpreter exit.
    main.close()
    main.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def page_of(window: MainWindow) -> RosterPage:
    page = window.tabs.widget(0)
    assert isinstance(page, RosterPage)
    return page


def choose_village(page: RosterPage, village: uuid.UUID) -> None:
    page.select_region(village)
    assert page.selected_region() == village


def fill_member(qtbot: QtBot, dialog: PersonDialog, name: str, id_number: str, relation: str) -> None:
    """Type a member as a clerk would: name, Enter, ID number, Enter, relation … then Ctrl+S."""
    name_edit = dialog.grid.widgets["name"]
    assert isinstance(name_edit, QLineEdit)
    name_edit.setFocus()
    name_edit.insert(name)  # Chinese arrives from the input method as committed text, not key presses
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert dialog.focusWidget() is dialog.grid.widgets["id_number"]
    qtbot.keyClicks(dialog.grid.widgets["id_number"], id_number)
    set_value_of(dialog.grid.widgets["relation"], relation)
    for field, value in [
        ("education", "初中"),
        ("school_status", "非在校生"),
        ("health", "健康"),
        ("labour", "普通劳动力"),
        ("employment", "未务工"),
    ]:
        set_value_of(dialog.grid.widgets[field], value)
    dialog.save()


def test_enter_a_household_find_it_by_initials_edit_a_member_and_see_the_audit(
    qtbot: QtBot, window: MainWindow, village: uuid.UUID, database: Database
) -> None:
    page = page_of(window)
    choose_village(page, village)
    page.add_button.click()
    form = page.dialog
    assert isinstance(form, HouseholdDialog)
    assert form.grid.widgets["household_no"].text() == "3713210010010001"  # type: ignore[attr-defined]
    set_value_of(form.grid.widgets["card_no"], "3713210010010001001")
    set_value_of(form.grid.widgets["household_type"], "一般贫困户")
    set_value_of(form.grid.widgets["status"], "未脱贫")
    set_value_of(form.grid.widgets["main_cause"], "缺技术")

    for name, number, relation in [("张三丰", ZHANG_ID, "户主"), ("李秀英", LI_ID, "配偶")]:
        form.add_member()
        member_form = form.member_dialog
        assert member_form is not None
        fill_member(qtbot, member_form, name, number, relation)
        assert not member_form.isVisible(), member_form.problems()
    assert form.member_model.rowCount() == 2
    form.save()
    assert not form.isVisible(), form.problems()

    with database.session_factory() as session:
        people = {p.name: p for p in session.query(Person)}
    assert set(people) == {"张三丰", "李秀英"}
    assert people["张三丰"].sex == "男" and people["张三丰"].birth_date == date(1970, 3, 7)

    page.search_everywhere.setChecked(True)
    qtbot.keyClicks(page.search, "zsf")
    qtbot.waitUntil(lambda: page.households.rowCount() == 1 and page.current_household is not None, timeout=2000)
    assert page.households.data(page.households.index(0, 1)) == "张三丰"
    assert page.members.rowCount() == 2

    page.member_table.selectRow(1)
    page.edit_member()
    edit = page.dialog
    assert isinstance(edit, PersonDialog) and edit.person_id == people["李秀英"].id
    phone = edit.grid.widgets["phone"]
    assert isinstance(phone, QLineEdit)
    phone.clear()
    qtbot.keyClicks(phone, "13905391111")
    edit.save()
    assert not edit.isVisible()
    assert page.members.data(page.members.index(1, 13)) == "13905391111"

    page.member_table.selectRow(1)
    page.edit_member()
    again = page.dialog
    assert isinstance(again, PersonDialog)
    again.show_history()
    history = again.findChild(AuditDialog)
    assert history is not None
    rows = history.model.rows()
    assert any(r.field == "联系电话" and r.new_value == "13905391111" and r.operator == "王敏" for r in rows)
    assert any(r.action == "新增" for r in rows)


def test_a_wrong_check_character_is_shown_in_place_and_nothing_is_saved(
    qtbot: QtBot, window: MainWindow, village: uuid.UUID, database: Database
) -> None:
    page = page_of(window)
    choose_village(page, village)
    page.add_button.click()
    form = page.dialog
    assert isinstance(form, HouseholdDialog)
    form.add_member()
    member_form = form.member_dialog
    assert member_form is not None
    wrong = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")
    id_edit = member_form.grid.widgets["id_number"]
    qtbot.keyClicks(id_edit, wrong[:17])
    assert not member_form.grid.messages["id_number"].isVisibleTo(member_form)  # no nagging while typing
    qtbot.keyClicks(id_edit, wrong[17])
    message = member_form.grid.messages["id_number"]
    assert message.isVisibleTo(member_form)
    assert "校验位不符（最后一位与前17位对不上），请对照户口簿逐位核对" in message.text()

    set_value_of(member_form.grid.widgets["name"], "张三丰")
    member_form.save()
    assert member_form.isVisible()  # the error blocks saving
    assert member_form.focusWidget() is id_edit or not member_form.isActiveWindow()

    qtbot.keyClick(id_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(id_edit, ZHANG_ID[-1])
    assert "性别：男" in member_form.id_info.text() and "1970年03月07日" in member_form.id_info.text()
    assert not any(p.field == "id_number" and p.is_error for p in member_form.problems())

    monkeypatched: list[str] = []
    messages_confirm = messages.confirm
    try:
        messages.confirm = lambda *args, **kw: monkeypatched.append(args[2]) or True  # type: ignore[assignment]
        member_form.reject()
        form.reject()
    finally:
        messages.confirm = messages_confirm
    with database.session_factory() as session:
        assert session.query(Household).count() == 0
        assert session.query(Person).count() == 0


def test_closing_a_dirty_form_asks_and_can_keep_editing(
    qtbot: QtBot, window: MainWindow, village: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = page_of(window)
    choose_village(page, village)
    page.add_button.click()
    form = page.dialog
    assert isinstance(form, HouseholdDialog)
    assert not form.dirty
    questions: list[str] = []
    answers = [False, True]
    monkeypatch.setattr(messages, "confirm", lambda _p, _t, text, *_a: questions.append(text) or answers.pop(0))
    form.grid.widgets["address"].insert("北村一组12号")  # type: ignore[attr-defined]
    assert form.dirty
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert form.isVisible() and len(questions) == 1
    form.reject()
    assert not form.isVisible() and len(questions) == 2

    page.add_button.click()
    clean = page.dialog
    assert isinstance(clean, HouseholdDialog)
    clean.reject()  # nothing typed: closes without asking
    assert not clean.isVisible() and len(questions) == 2


def saved_household(database: Database, village: uuid.UUID) -> uuid.UUID:
    with UnitOfWork(database, "测试员") as uow:
        household_id, _ = create_household(uow, village, household())
        uow.commit()
    return household_id


def test_a_visit_updates_members_and_shows_what_it_changed(
    qtbot: QtBot, database: Database, village: uuid.UUID, window: MainWindow
) -> None:
    household_id = saved_household(database, village)
    page = page_of(window)
    choose_village(page, village)
    page.household_table.selectRow(0)
    assert page.current_household == household_id
    page.record_visit()
    visit = page.dialog
    assert isinstance(visit, VisitDialog)
    head = next(m for m in visit.members if m.facts.relation == "户主")
    widgets = visit.member_widgets[head.id]
    set_value_of(widgets["employment"], "省外务工")
    set_value_of(widgets["work_place"], "江苏省苏州市")
    set_value_of(widgets["work_months"], 8)
    visit.notes.setPlainText("户主春节后外出务工")
    visit.save()
    assert not visit.isVisible(), visit.message.text()
    assert page.visits.rowCount() == 1
    changes = page.visits.data(page.visits.index(0, 4))
    assert "张三丰 务工状况：未务工 → 省外务工" in changes
    assert "务工时间（月）：0 → 8" in changes
    assert page.members.data(page.members.index(0, 10)) == "省外务工"


def test_delete_asks_and_is_audited(
    qtbot: QtBot, database: Database, village: uuid.UUID, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    household_id = saved_household(database, village)
    page = page_of(window)
    choose_village(page, village)
    page.household_table.selectRow(0)
    answers = [False, True]
    monkeypatch.setattr(messages, "confirm", lambda *_a: answers.pop(0))
    page.delete_household()
    assert page.households.rowCount() == 1
    page.delete_household()
    assert page.households.rowCount() == 0
    from fupin_desktop.services.audit import audit_history

    with database.session_factory() as session:
        rows = audit_history(session, "household", [household_id])
    assert [r.action for r in rows][:1] == ["删除"] and rows[0].operator == "王敏"


def test_adding_a_village_from_the_tree(qtbot: QtBot, window: MainWindow, database: Database) -> None:
    page = page_of(window)
    model = page.region_model
    assert isinstance(model, QStandardItemModel)
    township = model.item(0).child(0)
    page.tree.setCurrentIndex(township.index())
    page.add_village()
    dialog = page.dialog
    assert dialog is not None
    dialog.name.setText("南村")  # type: ignore[attr-defined]
    dialog.code.setText("371321001001")  # type: ignore[attr-defined]  (taken by 北村)
    dialog.save()  # type: ignore[attr-defined]
    assert dialog.isVisible() and "已被使用" in dialog.message.text()  # type: ignore[attr-defined]
    dialog.code.setText("371321001002")  # type: ignore[attr-defined]
    dialog.save()  # type: ignore[attr-defined]
    assert not dialog.isVisible()
    assert page.region_model.item(0).child(0).rowCount() == 2
    assert page.selected_region() == dialog.saved_id  # type: ignore[attr-defined]


def test_models_pass_the_model_tester(
    qtmodeltester, database: Database, village: uuid.UUID, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    for number in range(5):
        saved_household_no(database, village, number)
    page = page_of(window)
    choose_village(page, village)
    page.household_table.selectRow(0)
    model = HouseholdTableModel(database)
    model.PAGE = 2
    from fupin_desktop.services.search import HouseholdFilter

    model.set_filter(HouseholdFilter())
    assert model.canFetchMore(model.index(-1, -1))
    qtmodeltester.check(model)
    audit = AuditDialog(page.context, "person", [page.member_rows[0].id], "", page)
    for other in (page.members, page.visits, page.region_model, audit.model):
        qtmodeltester.check(other)


def saved_household_no(database: Database, village: uuid.UUID, number: int) -> None:
    from tests.conftest import person

    members = (person(f"王{'一二三四五'[number]}明", "户主", date(1960 + number, 1, 1), 100 + number * 2 + 1),)
    with UnitOfWork(database, "测试员") as uow:
        create_household(uow, village, household(f"37132100100100{10 + number}", *members))
        uow.commit()


def test_the_lazy_household_list_fetches_in_pages(database: Database, village: uuid.UUID) -> None:
    for number in range(5):
        saved_household_no(database, village, number)
    from fupin_desktop.services.search import HouseholdFilter

    model = HouseholdTableModel(database)
    model.PAGE = 2
    model.set_filter(HouseholdFilter())
    assert (model.rowCount(), model.total) == (2, 5)
    while model.canFetchMore(model.index(-1, -1)):
        model.fetchMore(model.index(-1, -1))
    assert model.rowCount() == 5
    model.set_filter(HouseholdFilter(text="wem"))  # 王二明
    assert model.rowCount() == 1 and model.data(model.index(0, 1)) == "王二明"


def test_a_second_copy_on_the_same_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    database, lock = open_for_window(path)
    try:
        with pytest.raises(DatabaseLocked, match="已在另一个程序窗口中打开"):
            open_for_window(path)
        holder = subprocess.run(
            [
                sys.executable,
                "-c",
                "from pathlib import Path; from fupin_desktop.ui.app import lock_database; "
                f"lock_database(Path({str(path)!r}))",
            ],
            capture_output=True,
            text=True,
        )
        assert holder.returncode != 0 and "已在另一个程序窗口中打开" in holder.stderr
    finally:
        database.dispose()
        lock.unlock()
    again = lock_database(path)  # free once the first window closes
    again.unlock()


def test_a_stale_lock_from_a_crashed_program_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "crashed.db"
    script = (
        "import os; from pathlib import Path; from fupin_desktop.ui.app import lock_database; "
        f"held = lock_database(Path({str(path)!r})); os._exit(0)"  # dies holding the lock
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert path.with_name(path.name + ".lock").exists()
    lock_database(path).unlock()


def test_the_station_profile_is_asked_and_remembered(qtbot: QtBot, database: Database) -> None:
    dialog = ProfileDialog(database, StationProfile(), first_start=True)
    qtbot.addWidget(dialog)
    dialog.save()
    assert "请填写填表单位" in dialog.message.text()
    dialog.edits["unit_name"].setText("界湖街道人力资源和社会保障所")
    dialog.edits["township"].setText("界湖街道")
    dialog.edits["operator_name"].setText("王敏")
    dialog.edits["contact_phone"].setText("0539-3221234")
    dialog.province.setCurrentIndex(dialog.province.findData("shandong"))
    dialog.save()
    assert dialog.saved is not None
    with database.session_factory() as session:
        stored = load_station_profile(session)
    assert (stored.operator_name, stored.province_profile, stored.contact_phone) == ("王敏", "shandong", "0539-3221234")


def test_status_bar_shows_operator_file_and_counts(database: Database, village: uuid.UUID, window: MainWindow) -> None:
    saved_household(database, village)
    window.context.data_changed.emit("household")
    assert window.operator_label.text() == "操作员：王敏"
    assert str(database.path) in window.file_label.text()
    assert window.counts_label.text().startswith("1户 · 2人")


def test_code_combos_offer_the_code_list() -> None:
    combo = CodeCombo("relation")
    assert combo.findText("户主") > 0
    health = MultiCodeBox("health")
    health.set_value("长期慢性病、残疾")
    assert health.value() == "长期慢性病、残疾"


@pytest.fixture
def program_font() -> Iterator[None]:
    """The bundled Noto Sans SC at 10 pt, as the program runs (the tests otherwise use Qt's default)."""
    family = load_bundled_fonts()
    assert family is not None
    before = QApplication.font()
    QApplication.setFont(QFont(family, 10))
    yield
    QApplication.setFont(before)


@pytest.mark.usefixtures("program_font")
def test_the_visit_dialog_shows_every_choice_of_a_member_whole(
    qtbot: QtBot, database: Database, village: uuid.UUID, window: MainWindow
) -> None:
    """A clerk on a 1366×768 screen sees 弱劳动力或半劳动力 and 乡(镇)外县内务工 in full, not their tail."""
    saved_household(database, village)
    page = page_of(window)
    choose_village(page, village)
    page.household_table.selectRow(0)
    page.record_visit()
    visit = page.dialog
    assert isinstance(visit, VisitDialog)
    visit.show()
    qtbot.waitExposed(visit)
    for widgets in visit.member_widgets.values():
        for field, widget in widgets.items():
            if not isinstance(widget, CodeCombo):
                continue
            line = widget.lineEdit()
            longest = max((widget.itemText(i) for i in range(widget.count())), key=line.fontMetrics().horizontalAdvance)
            assert line.width() >= line.fontMetrics().horizontalAdvance(longest), (field, longest, line.width())
    visit.reject()


@pytest.mark.usefixtures("program_font")
def test_a_refusal_in_the_visit_dialog_leaves_every_member_in_sight(
    qtbot: QtBot, database: Database, village: uuid.UUID, window: MainWindow
) -> None:
    """The red message under the members took their room: a family of four showed one and a half rows."""
    members = (
        person("张三丰", "户主", date(1970, 3, 7), 11),
        person("李秀英", "配偶", date(1972, 5, 1), 22),
        person("张小明", "之子", date(2004, 9, 1), 31),
        person("张小红", "之女", date(2007, 2, 1), 42),
    )
    with UnitOfWork(database, "测试员") as uow:
        create_household(uow, village, household("3713210010010001", *members))
        uow.commit()
    page = page_of(window)
    choose_village(page, village)
    page.household_table.selectRow(0)
    page.record_visit()
    visit = page.dialog
    assert isinstance(visit, VisitDialog)
    visit.show()
    qtbot.waitExposed(visit)
    visit._show("张三丰：已有一条进行中的“培训”意愿，不能重复")
    QApplication.processEvents()
    scroll = visit.findChild(QScrollArea)
    assert scroll is not None
    inner = scroll.widget()
    assert scroll.viewport().height() >= inner.minimumSizeHint().height(), "members scroll out of sight"
    assert visit.height() <= 768 - 60  # still fits a 1366×768 screen with the taskbar
    visit.reject()


@pytest.mark.usefixtures("program_font")
def test_the_member_table_shows_every_code_value_whole(qtbot: QtBot, window: MainWindow) -> None:
    """劳动技能 showed "弱劳动力或半劳…": a coded column is as wide as its longest value in the program's font."""
    page = page_of(window)
    table, model = page.member_table, page.members
    metrics = table.fontMetrics()
    checked = 0
    for column, spec in enumerate(model.columns):
        if spec.choices:
            longest = max(spec.choices, key=metrics.horizontalAdvance)
            assert table.columnWidth(column) >= metrics.horizontalAdvance(longest) + 12, (spec.title, longest)
            checked += 1
    assert checked >= 6  # relation, ethnicity, education, school status, labour, employment…


def test_typing_a_phone_digit_by_digit_moves_nothing(
    qtbot: QtBot, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone's message comes and goes while it is typed: its room is kept, so the dialog keeps its height and
    保存 stays under the clerk's mouse."""
    asked: list[str] = []
    # The typed number is an unsaved change: closing asks 放弃修改？, which nobody would answer at teardown.
    monkeypatch.setattr(messages, "confirm", lambda _parent, title, *_a: asked.append(title) or True)
    dialog = PersonDialog(AppContext(database), facts=person("王芳", "户主", date(1985, 3, 1), 1))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    phone = dialog.grid.widgets["phone"]
    assert isinstance(phone, QLineEdit)
    message = dialog.grid.messages["phone"]

    def where() -> tuple[int, QPoint]:
        QApplication.processEvents()
        return dialog.height(), dialog.save_button.mapTo(dialog, QPoint(0, 0))

    before = where()
    shown = []
    for digit in "13905391111":
        qtbot.keyClick(phone, digit)
        shown.append(message.text())
        assert where() == before, f"typed {phone.text()}: {message.text()}"
    assert shown[0] and not shown[-1]  # a message while the number is short, none once it is whole
    phone.setText("1390539")  # a bad number left as it is
    assert "联系电话" in message.text() and where() == before
    dialog.reject()
    assert asked == ["放弃修改？"] and not dialog.isVisible()
