"""The steps after 上报 driven as a township clerk would: 录取 then 结业 on a selection, 补贴发放 over
the limit, an intention told during a visit, a member moved to another household."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from fupin_desktop.domain.clock import today
from fupin_desktop.domain.workflow import State
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention, transition
from fupin_desktop.services.notices import NoticeInput, close_notice, create_notice
from fupin_desktop.services.settings import StationProfile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, Person, SubsidyGrant, Visit
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import messages
from fupin_desktop.ui.audit_dialog import AuditDialog
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.followup_dialogs import CompleteDialog, EnrolDialog, SubsidyDialog
from fupin_desktop.ui.intentions_page import IntentionsPage
from fupin_desktop.ui.move_member_dialog import MoveMemberDialog
from fupin_desktop.ui.roster_page import RosterPage
from fupin_desktop.ui.visit_dialog import IntentionSection, VisitDialog
from tests.conftest import household, person


@pytest.fixture
def context(database: Database) -> Iterator[AppContext]:
    with UnitOfWork(database, "王经办") as uow:
        save_station_profile(uow, StationProfile("界湖街道人社所", "界湖街道", "王经办", "0539-3221234"))
        uow.commit()
    yield AppContext(database)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _people(database: Database, village: uuid.UUID, no: str, *members: Any) -> dict[str, uuid.UUID]:
    with UnitOfWork(database, "王经办") as uow:
        household_id, _problems = create_household(uow, village, household(no, *members))
        uow.commit()
    with database.session_factory() as session:
        rows = session.execute(select(Person.name, Person.id).where(Person.household_id == household_id))
        return {name: person_id for name, person_id in rows}


def _submitted(database: Database, village: uuid.UUID, people: list[uuid.UUID]) -> list[uuid.UUID]:
    """Training intentions taken through 推荐, 审核, a 公示 that ended and 上报."""
    start = today() - timedelta(days=20)
    with UnitOfWork(database, "王经办") as uow:
        ids = [create_intention(uow, p, IntentionInput("training", occupation="电工")) for p in people]
        assert transition(uow, ids, State.REFERRED, on=start).moved == ids
        assert transition(uow, ids, State.APPROVED, on=start).moved == ids
        notice = create_notice(
            uow,
            village,
            ids,
            NoticeInput("北村培训人员公示", start, start + timedelta(days=5), "村务公开栏", "0539-3221234", "人社所"),
        )
        assert close_notice(uow, notice.notice_id, on=start + timedelta(days=5)).moved == ids
        assert transition(uow, ids, State.SUBMITTED, on=start + timedelta(days=6)).moved == ids
        uow.commit()
    return ids


def _answer(owner: Any, fill: Callable[[Any], None]) -> None:
    """Fill the modal dialog the page opens next (``owner.dialog``); never leave it hanging."""

    def run() -> None:
        dialog = owner.dialog
        try:
            fill(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, run)


def _state_of(database: Database) -> dict[str, str]:
    with database.session_factory() as session:
        rows = session.execute(select(Person.name, Intention.state).join(Intention, Intention.person_id == Person.id))
        return {name: state for name, state in rows}


def test_bulk_enrolment_then_completion_reports_the_one_refused(
    qtbot: QtBot, qtmodeltester: ModelTester, database: Database, village: uuid.UUID, context: AppContext
) -> None:
    people = _people(
        database,
        village,
        "3713210010010001",
        person("张三丰", "户主", date(1970, 3, 7), 11),
        person("李秀英", "配偶", date(1972, 5, 1), 22),
        person("张小龙", "之子", date(1998, 5, 1), 33),
    )
    _submitted(database, village, [people["张三丰"], people["李秀英"]])
    with UnitOfWork(database, "王经办") as uow:  # still only 登记: cannot be enrolled
        create_intention(uow, people["张小龙"], IntentionInput("training", occupation="焊工"))
        uow.commit()
    page = IntentionsPage(context)
    qtbot.addWidget(page)
    qtmodeltester.check(page.model)
    enrol_button = page.step_buttons[State.ENROLLED]
    complete_button = page.step_buttons[State.COMPLETED]

    draft_row = next(i for i, r in enumerate(page.model.rows) if r.name == "张小龙")
    page.table.selectRow(draft_row)
    assert not enrol_button.isEnabled() and not complete_button.isEnabled()
    assert not page.subsidy_button.isEnabled()
    assert page.step_buttons[State.REFERRED].isEnabled()

    page.table.selectAll()
    assert enrol_button.isEnabled() and not complete_button.isEnabled()
    assert "3 人中 2 人" in enrol_button.toolTip()

    def enrol(dialog: EnrolDialog) -> None:
        assert isinstance(dialog, EnrolDialog) and not dialog.ok_button.isEnabled()
        dialog.provider.setEditText("县职业培训学校")
        dialog.class_name.setText("电工第3期")
        dialog.ok_button.click()

    _answer(page, enrol)
    enrol_button.click()
    summary = page.result.toPlainText()
    assert summary.splitlines() == [
        "“已录取/已参训”：成功2人，未通过1人。",
        "张小龙：当前状态为“登记”，不能直接“录取/参训”",
    ]
    assert _state_of(database) == {"张三丰": "ENROLLED", "李秀英": "ENROLLED", "张小龙": "DRAFT"}
    # The selection survives the refresh, so the next step follows at once.
    assert len(page.selected_rows()) == 3 and complete_button.isEnabled()

    def complete(dialog: CompleteDialog) -> None:
        assert isinstance(dialog, CompleteDialog)
        dialog.certificate.setText("电工 初级职业技能等级证书")
        dialog.ok_button.click()

    _answer(page, complete)
    complete_button.click()
    assert page.result.toPlainText().splitlines() == [
        "“已结业/已毕业”：成功2人，未通过1人。",
        "张小龙：当前状态为“登记”，不能直接“结业/毕业”",
    ]
    assert _state_of(database)["李秀英"] == "COMPLETED"
    assert page.step_buttons[State.EMPLOYED].isEnabled()

    li_row = next(i for i, r in enumerate(page.model.rows) if r.name == "李秀英")
    page.table.selectRow(li_row)
    details = page.followup_label.text()
    assert "录取/参训：县职业培训学校 电工第3期" in details and "结业/毕业：电工 初级职业技能等级证书" in details
    assert [row.to_label for row in page.history_model.rows()][-2:] == ["已录取/已参训", "已结业/已毕业"]


def test_a_subsidy_over_the_limit_is_refused_and_nothing_is_written(
    qtbot: QtBot, database: Database, village: uuid.UUID, context: AppContext
) -> None:
    people = _people(database, village, "3713210010010001")
    [intention] = _submitted(database, village, [people["张三丰"]])
    page = IntentionsPage(context)
    qtbot.addWidget(page)
    page.table.selectRow(0)
    assert not page.subsidy_button.isEnabled()  # 已上报 only: nothing paid yet
    with UnitOfWork(database, "王经办") as uow:
        transition(uow, [intention], State.ENROLLED)
        uow.commit()
    context.data_changed.emit("intention")
    assert page.subsidy_button.isEnabled()

    refusals: list[str] = []

    def too_much(dialog: SubsidyDialog) -> None:
        dialog.kind.setCurrentIndex(dialog.kind.findData("travel"))
        dialog.amount.setValue(900)
        dialog.save_button.click()
        assert dialog.isVisible()  # stays open so the amount can be corrected
        refusals.append(dialog.message.text())

    _answer(page, too_much)
    page.subsidy_button.click()
    assert refusals == ["张三丰：交通补助900元超过上限800元（通用（默认））"]
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SubsidyGrant)) == 0

    def training(dialog: SubsidyDialog) -> None:
        dialog.kind.setCurrentIndex(dialog.kind.findData("training"))
        dialog.amount.setValue(1200)
        dialog.save_button.click()

    _answer(page, training)
    page.subsidy_button.click()
    with database.session_factory() as session:
        grant = session.scalars(select(SubsidyGrant)).one()
        assert (grant.kind, grant.amount_yuan, grant.granted_on, grant.operator) == (
            "training",
            1200,
            today(),
            "王经办",
        )
    assert "培训补贴：1200元" in page.followup_label.text()


def test_an_intention_told_during_a_visit_is_saved_with_it_and_shown_in_the_history(
    qtbot: QtBot, database: Database, village: uuid.UUID, context: AppContext
) -> None:
    people = _people(database, village, "3713210010010001")
    page = RosterPage(context)
    qtbot.addWidget(page)
    assert page.current_household is not None  # the only household is shown at once
    page.record_visit()
    dialog = page.dialog
    assert isinstance(dialog, VisitDialog)
    section = next(s for s in dialog.sections if isinstance(s, IntentionSection) and s.member.facts.name == "李秀英")

    def tell(form_dialog: QDialog) -> None:
        form = form_dialog.form  # type: ignore[attr-defined]
        form.kind.setCurrentIndex(form.kind.findData("training"))
        form.occupation.setEditText("家政服务员")
        form_dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    _answer(section, tell)
    section.button.click()
    assert section.label.text() == "培训：家政服务员" and dialog.dirty
    dialog.notes.setPlainText("李秀英想学家政，农闲时可以参加")
    dialog.save()
    assert not dialog.isVisible()

    with database.session_factory() as session:
        state, occupation = session.execute(
            select(Intention.state, Intention.occupation).where(Intention.person_id == people["李秀英"])
        ).one()
    assert (state, occupation) == ("DRAFT", "家政服务员")
    assert page.visits.rowCount() == 1
    assert page.visits.record(0).changes == ["李秀英 登记意愿：培训：家政服务员"]

    # A second active training intention in another visit: the whole visit is refused, nothing written.
    page.record_visit()
    second = page.dialog
    assert isinstance(second, VisitDialog)
    again = next(s for s in second.sections if isinstance(s, IntentionSection) and s.member.facts.name == "李秀英")
    again.set_pending(IntentionInput("training", occupation="电工"))
    second.save()
    assert second.isVisible() and "李秀英：已有一条进行中的“培训”意愿" in second.message.text()
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 1
    second.dirty = False
    second.reject()


def test_moving_a_member_shows_them_in_the_other_household_and_in_the_audit(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    monkeypatch: pytest.MonkeyPatch,
    database: Database,
    village: uuid.UUID,
    context: AppContext,
) -> None:
    source = _people(database, village, "3713210010010001")
    _people(database, village, "3713210010010002", person("王大川", "户主", date(1968, 8, 8), 51))
    questions: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda _p, _t, text, *_a: questions.append(text) or True)
    page = RosterPage(context)
    qtbot.addWidget(page)
    page.household_table.selectRow(page.households.row_of(_household_of(database, source["李秀英"])))
    li_row = next(i for i, m in enumerate(page.member_rows) if m.facts.name == "李秀英")
    page.member_table.selectRow(li_row)
    page.move_member()
    dialog = page.dialog
    assert isinstance(dialog, MoveMemberDialog) and not dialog.ok_button.isEnabled()

    dialog.search.setText("wdc")  # 王大川, by pinyin initials
    dialog.find()
    qtmodeltester.check(dialog.matches)
    assert dialog.matches.rowCount() == 1 and dialog.target() is not None
    dialog.relation.set_value("配偶")
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()

    assert questions and "把李秀英移到北村 3713210010010002（户主：王大川）" in questions[0]
    assert not dialog.isVisible()
    assert [m.facts.name for m in page.member_rows] == ["张三丰"]
    target_row = page.households.row_of(_household_of(database, source["李秀英"]))
    page.household_table.selectRow(target_row)
    assert {m.facts.name: m.facts.relation for m in page.member_rows} == {"王大川": "户主", "李秀英": "配偶"}

    audit = AuditDialog(context, "person", [source["李秀英"]], "成员李秀英", page)
    rows = [(a.action, a.field, a.old_value, a.new_value, a.operator) for a in audit.model.rows()]
    assert ("迁移", "所在户", "3713210010010001", "3713210010010002", "王经办") in rows


def test_the_household_list_marks_households_with_an_employed_working_age_member(
    qtbot: QtBot, qtmodeltester: ModelTester, database: Database, village: uuid.UUID, context: AppContext
) -> None:
    _people(database, village, "3713210010010001")
    _people(
        database,
        village,
        "3713210010010002",
        person("王大川", "户主", date(1968, 8, 8), 51, employment="省外务工", work_place="浙江宁波", work_months=10),
    )
    page = RosterPage(context)
    qtbot.addWidget(page)
    qtmodeltester.check(page.households)
    column = 3
    assert page.households.headerData(column, Qt.Orientation.Horizontal) == "有就业劳动力"
    marks = {
        page.households.data(page.households.index(r, 0)): page.households.data(page.households.index(r, column))
        for r in range(page.households.rowCount())
    }
    assert marks == {"3713210010010001": "否", "3713210010010002": "是"}
    page.household_table.selectRow(1)
    assert page.employed_label.text() == "有就业劳动力：是"


def _household_of(database: Database, person_id: uuid.UUID) -> uuid.UUID:
    with database.session_factory() as session:
        found = session.scalar(select(Person.household_id).where(Person.id == person_id))
        assert found is not None
        return found
