"""The 意愿 and 公示 pages driven as a clerk would: bulk 推荐 → 审核通过 → 公示 on one village."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from fupin_desktop.domain.workflow import State
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention
from fupin_desktop.services.settings import StationProfile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, IntentionTransition, Person
from fupin_desktop.store.uow import UnitOfWork
from fupin_desktop.ui import messages
from fupin_desktop.ui.context import AppContext
from fupin_desktop.ui.intention_form import IntentionDialog
from fupin_desktop.ui.intentions_page import IntentionsPage, ReasonDialog
from fupin_desktop.ui.notices_page import NewNoticeDialog, NoticesPage
from tests.conftest import TODAY, household, person


def _setup(database: Database, village: uuid.UUID) -> AppContext:
    with UnitOfWork(database, "王经办") as uow:
        save_station_profile(
            uow,
            StationProfile(
                unit_name="界湖街道人力资源和社会保障所",
                township="界湖街道",
                operator_name="王经办",
                contact_phone="0539-3221234",
            ),
        )
        create_household(
            uow,
            village,
            household(
                "3713210010010001",
                person("张三丰", "户主", date(1970, 3, 7), 11),
                person("李秀英", "配偶", date(1972, 5, 1), 22),
                person("王桂兰", "之母", date(1945, 5, 1), 32),  # far too old for training
            ),
            on=TODAY,
        )
        for person_id in uow.session.scalars(select(Person.id).order_by(Person.sort_order)):
            create_intention(
                uow, person_id, IntentionInput("training", occupation="家政服务员", referral_source="village")
            )
        uow.commit()
    return AppContext(database)


def _states(database: Database) -> dict[str, str]:
    with database.session_factory() as session:
        rows = session.execute(select(Person.name, Intention.state).join(Intention, Intention.person_id == Person.id))
        return {name: state for name, state in rows}


def test_bulk_referral_review_and_notice_on_a_village(
    qtbot: QtBot, qtmodeltester: ModelTester, monkeypatch: pytest.MonkeyPatch, database: Database, village: uuid.UUID
) -> None:
    shown: list[str] = []
    monkeypatch.setattr("fupin_desktop.ui.notices_page.show_error", lambda _parent, error: shown.append(str(error)))
    context = _setup(database, village)
    page = IntentionsPage(context)
    qtbot.addWidget(page)
    qtmodeltester.check(page.model)
    page.region.select(village)
    assert page.model.rowCount() == 3 and page.count_label.text() == "共 3 条"

    page.table.selectAll()
    result = page.take_step(State.REFERRED)
    assert result is not None and len(result.moved) == 2
    summary = page.result.toPlainText()
    assert summary.startswith("“推荐”：成功2人，未通过1人。")
    assert "王桂兰：" in summary and "不在培训年龄" in summary

    page.table.selectAll()
    page.take_step(State.APPROVED)
    assert page.result.toPlainText().startswith("“审核通过”：成功2人，未通过1人。")
    assert "王桂兰：当前状态为“登记”，不能直接“审核通过”" in page.result.toPlainText()

    page.table.selectRow(0)
    qtmodeltester.check(page.history_model)
    assert [page.history_model.index(r, 2).data() for r in range(3)] == ["登记", "推荐", "审核通过"]
    assert page.history_model.index(2, 3).data() == "王经办"

    notices = NoticesPage(context)
    qtbot.addWidget(notices)
    dialog = NewNoticeDialog(context, notices._profile(), notices)
    qtbot.addWidget(dialog)
    dialog.region.select(village)
    assert dialog.people.count() == 2 and dialog.people_label.text().startswith("已选 2 / 2 人")
    assert dialog.phone.text() == "0539-3221234"
    dialog.save()
    assert dialog.notice_id is not None
    assert _states(database) == {"张三丰": "IN_NOTICE", "李秀英": "IN_NOTICE", "王桂兰": "DRAFT"}

    notices.select_notice(dialog.notice_id)
    qtmodeltester.check(notices.notices)
    qtmodeltester.check(notices.entries)
    assert [notices.entries.index(r, 0).data() for r in range(2)] == ["张三丰", "李秀英"]
    assert notices.notices.rows()[0].status(notices.day) == "剩5天"
    notices.close_notice(dialog.notice_id)
    assert _states(database)["张三丰"] == "IN_NOTICE"
    assert "期满后才能结束公示" in shown[0]
    asked: list[str] = []
    monkeypatch.setattr(messages, "confirm", lambda *args: asked.append(args[2]) or True)
    notices.close_selected()  # before the end date: refused at once, with no question first
    assert asked == [] and "还有5天" in shown[-1]

    # An objection recorded with a slip is corrected from the page while it is open.
    from fupin_desktop.domain.clock import today
    from fupin_desktop.services.notices import ObjectionInput, add_objection
    from fupin_desktop.ui.notices_page import ObjectionDialog

    add_objection(
        context.database,
        actor=context.operator,
        notice_id=dialog.notice_id,
        intention_id=notices.entries.record(0).intention_id,
        data=ObjectionInput("村民王某", "来电", today(), "家中经营养殖厂"),
    )
    context.data_changed.emit("notice")
    notices.select_notice(dialog.notice_id)
    notices.objection_table.selectRow(0)

    def corrected(self: ObjectionDialog) -> int:
        assert self.content.toPlainText() == "家中经营养殖厂"  # the recorded text, to correct
        self.content.setPlainText("家中经营养殖场")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ObjectionDialog, "exec", corrected)
    notices.correct()
    assert "已修改对张三丰的异议：异议内容" in notices.result.text()
    assert notices.objections.record(0).content == "家中经营养殖场"
    # The intentions page heard about the change and shows the new state.
    assert {page.model.index(r, page.model.STATE).data() for r in range(2)} == {"公示中"}


def test_a_reason_is_required_before_returning(qtbot: QtBot, database: Database, village: uuid.UUID) -> None:
    context = _setup(database, village)
    dialog = ReasonDialog(State.RETURNED, 2)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.presets.setCurrentIndex(1)
    assert ok.isEnabled() and dialog.reason().startswith("缺少身份证")

    page = IntentionsPage(context)
    qtbot.addWidget(page)
    page.table.selectRow(0)
    page.take_step(State.REFERRED)
    page.table.selectRow(0)
    page.take_step(State.RETURNED, reason="缺少户口簿复印件")
    with database.session_factory() as session:
        reasons = session.scalars(select(IntentionTransition.reason).where(IntentionTransition.to_state == "RETURNED"))
        assert list(reasons) == ["缺少户口簿复印件"]


def test_the_intention_dialog_records_a_school_wish(qtbot: QtBot, database: Database, village: uuid.UUID) -> None:
    context = _setup(database, village)
    with database.session_factory() as session:
        spouse = session.scalar(select(Person.id).where(Person.name == "李秀英"))
    assert spouse is not None
    dialog = IntentionDialog(context, spouse, "李秀英")
    qtbot.addWidget(dialog)
    dialog.form.kind.setCurrentIndex(dialog.form.kind.findData("school"))
    assert dialog.form.problem() == "请选择就读专业或意向院校。"
    dialog.form.major.setEditText("电子商务")
    with qtbot.waitSignal(context.data_changed):
        dialog.save()
    with database.session_factory() as session:
        saved = session.get(Intention, dialog.intention_id)
        assert saved is not None and (saved.kind, saved.major, saved.state) == ("school", "电子商务", "DRAFT")


def test_修改异议_is_offered_only_with_an_open_objection_chosen(
    qtbot: QtBot, database: Database, village: uuid.UUID
) -> None:
    """The button stood enabled on an empty page and did nothing when clicked."""
    from fupin_desktop.domain.clock import today
    from fupin_desktop.services.notices import ObjectionInput, add_objection

    context = _setup(database, village)
    intentions = IntentionsPage(context)
    qtbot.addWidget(intentions)
    intentions.region.select(village)
    intentions.table.selectAll()
    intentions.take_step(State.REFERRED)
    intentions.table.selectAll()
    intentions.take_step(State.APPROVED)
    notices = NoticesPage(context)
    qtbot.addWidget(notices)
    assert not notices.correct_button.isEnabled()  # nothing chosen
    dialog = NewNoticeDialog(context, notices._profile(), notices)
    qtbot.addWidget(dialog)
    dialog.region.select(village)
    dialog.save()
    assert dialog.notice_id is not None
    notices.select_notice(dialog.notice_id)
    assert not notices.correct_button.isEnabled()  # a batch, but no objection chosen
    add_objection(
        context.database,
        actor=context.operator,
        notice_id=dialog.notice_id,
        intention_id=notices.entries.record(0).intention_id,
        data=ObjectionInput("村民王某", "来电", today(), "家中经营养殖场"),
    )
    context.data_changed.emit("notice")
    notices.select_notice(dialog.notice_id)
    assert not notices.correct_button.isEnabled()
    notices.objection_table.selectRow(0)
    assert notices.correct_button.isEnabled() and notices.resolve_button.isEnabled()
