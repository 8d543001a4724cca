"""The whole referral → review → 公示 → submission → follow-up workflow, and each refusal."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from fupin_desktop.domain.workflow import State
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.followup import (
    Employment,
    Enrolment,
    complete,
    employ,
    enrol,
    household_has_employed_member,
    record_subsidy_grant,
)
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention, transition
from fupin_desktop.services.notices import (
    NoticeInput,
    ObjectionInput,
    close_notice,
    create_notice,
    notice_entries,
    record_objection,
    resolve_objection,
)
from fupin_desktop.services.province import active_profile, set_province_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import (
    AuditEntry,
    Household,
    Intention,
    IntentionTransition,
    Person,
    PublicNotice,
    SubsidyGrant,
)
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person

pytestmark = pytest.mark.both_engines

START = date(2026, 11, 2)
MAIN_LINE = ["DRAFT", "REFERRED", "APPROVED", "IN_NOTICE", "NOTICE_PASSED"]
MAIN_LINE += ["SUBMITTED", "ENROLLED", "COMPLETED", "EMPLOYED"]


def _family(database: Database, village: uuid.UUID, *members: object, no: str = "3713210010010001") -> list[uuid.UUID]:
    with UnitOfWork(database, "王经办") as uow:
        household_id, _problems = create_household(uow, village, household(no, *members), on=TODAY)  # type: ignore[arg-type]
        uow.commit()
    with database.session_factory() as session:
        return list(
            session.scalars(select(Person.id).where(Person.household_id == household_id).order_by(Person.sort_order))
        )


def _intend(database: Database, person_id: uuid.UUID, data: IntentionInput | None = None) -> uuid.UUID:
    with UnitOfWork(database, "王经办") as uow:
        intention_id = create_intention(
            uow, person_id, data or IntentionInput("training", occupation="电工", referral_source="village")
        )
        uow.commit()
    return intention_id


def _step(database: Database, ids: list[uuid.UUID], target: State, on: date = START, **kw: object):  # type: ignore[no-untyped-def]
    with UnitOfWork(database, "李站长") as uow:
        result = transition(uow, ids, target, on=on, **kw)  # type: ignore[arg-type]
        uow.commit()
    return result


def _notice(database: Database, region: uuid.UUID, ids: list[uuid.UUID], start: date = START) -> uuid.UUID:
    with UnitOfWork(database, "王经办") as uow:
        created = create_notice(
            uow,
            region,
            ids,
            NoticeInput(
                "北村技能培训人员公示", start, start + timedelta(days=5), "村务公开栏", "0539-3221234", "界湖街道人社所"
            ),
        )
        uow.commit()
    return created.notice_id


def _approved(database: Database, village: uuid.UUID, ids: list[uuid.UUID]) -> None:
    assert _step(database, ids, State.REFERRED).moved == ids
    assert _step(database, ids, State.APPROVED).moved == ids


def _states(database: Database) -> dict[uuid.UUID, str]:
    with database.session_factory() as session:
        return {i: s for i, s in session.execute(select(Intention.id, Intention.state))}


def test_one_person_goes_through_every_state(database: Database, village: uuid.UUID) -> None:
    head = _family(database, village)[0]
    intention = _intend(database, head)
    _approved(database, village, [intention])
    notice = _notice(database, village, [intention])
    assert _states(database)[intention] == "IN_NOTICE"
    with UnitOfWork(database, "李站长") as uow:
        assert close_notice(uow, notice, on=START + timedelta(days=5)).moved == [intention]
        uow.commit()
    assert _step(database, [intention], State.SUBMITTED, on=START + timedelta(days=6)).moved == [intention]
    with UnitOfWork(database, "王经办") as uow:
        enrol(
            uow,
            [intention],
            Enrolment("县职业培训学校", "电工第3期", date(2026, 12, 1), date(2026, 12, 20)),
            on=date(2026, 12, 1),
        )
        record_subsidy_grant(uow, intention, "training", 1200, on=date(2026, 12, 1))
        complete(
            uow,
            [intention],
            certificate="电工 初级职业技能等级证书",
            end_date=date(2026, 12, 20),
            on=date(2026, 12, 20),
        )
        employ(
            uow,
            [intention],
            Employment("临沂电力安装公司", "临沂市兰山区", date(2027, 1, 5), 3800),
            on=date(2027, 1, 5),
        )
        uow.commit()
    with database.session_factory() as session:
        record = session.get(Intention, intention)
        assert record is not None
        assert (record.state, record.provider, record.class_name, record.certificate) == (
            "EMPLOYED",
            "县职业培训学校",
            "电工第3期",
            "电工 初级职业技能等级证书",
        )
        assert (record.employer, record.employ_place, record.monthly_income, record.locked) == (
            "临沂电力安装公司",
            "临沂市兰山区",
            3800,
            True,
        )
        history = [
            (t.from_state, t.to_state, t.operator)
            for t in session.scalars(
                select(IntentionTransition)
                .where(IntentionTransition.intention_id == intention)
                .order_by(IntentionTransition.at)
            )
        ]
        assert [h[1] for h in history] == MAIN_LINE
        assert all(h[2] for h in history)
        household_id = session.scalar(select(Person.household_id).where(Person.id == head))
        assert household_has_employed_member(session, household_id, date(2027, 1, 5))  # type: ignore[arg-type]


def test_passing_or_submitting_before_the_notice_ends_is_refused(database: Database, village: uuid.UUID) -> None:
    head = _family(database, village)[0]
    intention = _intend(database, head)
    _approved(database, village, [intention])
    assert _step(database, [intention], State.SUBMITTED).refused[0].reason == "当前状态为“审核通过”，不能直接“上报”"
    notice = _notice(database, village, [intention])
    early = _step(database, [intention], State.NOTICE_PASSED, on=START + timedelta(days=3))
    assert early.refused[0].reason == "公示期至2026年11月7日，尚未期满"
    with UnitOfWork(database, "李站长") as uow, pytest.raises(ServiceError, match="还有2天，期满后才能结束公示"):
        close_notice(uow, notice, on=START + timedelta(days=3))
    assert _states(database)[intention] == "IN_NOTICE"


def test_a_notice_shorter_than_the_profile_allows_is_refused(database: Database, village: uuid.UUID) -> None:
    head = _family(database, village)[0]
    intention = _intend(database, head)
    _approved(database, village, [intention])
    with (
        UnitOfWork(database, "王经办") as uow,
        pytest.raises(ServiceError, match=r"不少于5个自然日.*不能早于2026年11月7日"),
    ):
        create_notice(
            uow,
            village,
            [intention],
            NoticeInput("公示", START, START + timedelta(days=3), "村务公开栏", "0539-3221234", "人社所"),
        )
    assert _states(database)[intention] == "APPROVED"


def test_objections_block_and_their_outcomes_decide(database: Database, village: uuid.UUID) -> None:
    kept, removed, corrected = _family(
        database,
        village,
        person("张三丰", "户主", date(1970, 3, 7), 11),
        person("李秀英", "配偶", date(1972, 5, 1), 22),
        person("张伟", "之子", date(1996, 5, 1), 33),
    )
    ids = [_intend(database, p) for p in (kept, removed, corrected)]
    _approved(database, village, ids)
    notice = _notice(database, village, ids)
    objection_ids = []
    with UnitOfWork(database, "王经办") as uow:
        for intention in ids:
            objection_ids.append(
                record_objection(
                    uow,
                    notice,
                    intention,
                    ObjectionInput("村民王某", "来电", START + timedelta(days=1), "家中经营养殖场"),
                )
            )
        uow.commit()
    blocked = _step(database, [ids[0]], State.NOTICE_PASSED, on=START + timedelta(days=6))
    assert blocked.refused[0].reason == "有尚未处理完毕的异议，处理后才能继续"
    with UnitOfWork(database, "李站长") as uow:
        resolve_objection(uow, objection_ids[1], "撤销", "经核实，其已在外地稳定就业", on=START + timedelta(days=3))
        resolve_objection(uow, objection_ids[2], "更正", "工种登记有误，应为焊工", on=START + timedelta(days=3))
        closed = close_notice(uow, notice, on=START + timedelta(days=5))
        uow.commit()
    assert closed.moved == [] and closed.refused[0].reason == "有尚未处理完毕的异议，处理后才能继续"
    assert [_states(database)[i] for i in ids] == ["IN_NOTICE", "OBJECTION_UPHELD", "APPROVED"]
    with UnitOfWork(database, "李站长") as uow:
        resolve_objection(uow, objection_ids[0], "维持", "养殖场为村集体所有，异议不成立", on=START + timedelta(days=6))
        uow.commit()
    assert _states(database)[ids[0]] == "NOTICE_PASSED"
    # The corrected person needs a new 公示 of their own.
    assert _step(database, [ids[2]], State.NOTICE_PASSED, on=START + timedelta(days=30)).refused
    second = _notice(database, village, [ids[2]], start=START + timedelta(days=7))
    with database.session_factory() as session:
        assert [e.state for e in notice_entries(session, second)] == ["公示中"]
        assert [e.objection for e in notice_entries(session, notice)] == ["维持", "撤销", "更正"]


def test_age_outside_the_bounds_is_refused_on_the_day_of_the_step(database: Database, village: uuid.UUID) -> None:
    old, young = _family(
        database,
        village,
        person("张老汉", "户主", date(1965, 11, 25), 11),
        person("张小妹", "之女", date(2008, 1, 1), 22, education="初中", school_status="高中二年级"),
    )
    training = _intend(database, old)
    school = _intend(database, young, IntentionInput("school", major="电子商务", referral_source="self"))
    assert _step(database, [training], State.REFERRED, on=date(2026, 11, 24)).moved == [training]
    refused = _step(database, [training], State.APPROVED, on=date(2026, 11, 25)).refused
    assert refused[0].reason == "61周岁，不在培训年龄16–60周岁之内（通用（默认））"
    result = _step(database, [school], State.REFERRED, on=TODAY)
    assert result.refused[0].reason == "在校生状况为“高中二年级”，正在就读，不属于“两后生”"


def test_a_household_that_is_not_registered_is_refused(database: Database, village: uuid.UUID) -> None:
    head = _family(database, village)[0]
    with UnitOfWork(database, "王经办") as uow:
        uow.session.execute(update(Household).values(status="边缘易致贫户(监测户)"))
        uow.commit()
    intention = _intend(database, head)
    assert _step(database, [intention], State.REFERRED).refused[0].reason == (
        "所在户状态为“边缘易致贫户(监测户)”，不是建档立卡贫困户"
    )


def _submitted(database: Database, village: uuid.UUID, person_id: uuid.UUID, occupation: str, start: date) -> uuid.UUID:
    intention = _intend(database, person_id, IntentionInput("training", occupation=occupation))
    _step(database, [intention], State.REFERRED, on=start)
    _step(database, [intention], State.APPROVED, on=start)
    notice = _notice(database, village, [intention], start=start)
    with UnitOfWork(database, "李站长") as uow:
        close_notice(uow, notice, on=start + timedelta(days=5))
        transition(uow, [intention], State.SUBMITTED, on=start + timedelta(days=6))
        uow.commit()
    return intention


def test_a_third_training_subsidy_in_a_year_is_refused(database: Database, village: uuid.UUID) -> None:
    head = _family(database, village)[0]
    course = Enrolment("县职业培训学校", "第1期", date(2026, 3, 1), date(2026, 3, 20))
    for number, (occupation, month) in enumerate((("电工", 2), ("焊工", 5)), start=1):
        intention = _submitted(database, village, head, occupation, date(2026, month, 1))
        monthly = Enrolment("县职业培训学校", f"第{number}期", date(2026, month, 1), date(2026, month, 20))
        with UnitOfWork(database, "王经办") as uow:
            assert enrol(uow, [intention], monthly, on=date(2026, month, 15)).moved == [intention]
            record_subsidy_grant(uow, intention, "training", 900, on=date(2026, month, 15))
            if number == 1:
                record_subsidy_grant(uow, intention, "living", 300, on=date(2026, month, 15))
            complete(
                uow,
                [intention],
                certificate=f"{occupation}初级",
                end_date=date(2026, month, 28),
                on=date(2026, month, 28),
            )
            uow.commit()
    third = _submitted(database, village, head, "砌筑工", date(2026, 8, 1))
    with UnitOfWork(database, "王经办") as uow:
        result = enrol(uow, [third], course, on=date(2026, 8, 15))
    assert result.refused[0].reason == "2026年已享受2次培训补贴，每人每年至多2次（通用（默认））"
    with UnitOfWork(database, "王经办") as uow:
        assert enrol(uow, [third], course, on=date(2027, 1, 10)).moved == [third]
        with pytest.raises(ServiceError, match="2026年已享受1次生活费补贴"):
            record_subsidy_grant(uow, third, "living", 300, on=date(2026, 12, 31))
        record_subsidy_grant(uow, third, "living", 300, on=date(2027, 1, 10))
        uow.commit()
    with database.session_factory() as session:
        assert len(session.scalars(select(SubsidyGrant)).all()) == 4


def test_a_bulk_step_with_refusals_moves_exactly_the_allowed(database: Database, village: uuid.UUID) -> None:
    head, spouse, son = _family(
        database,
        village,
        person("张三丰", "户主", date(1970, 3, 7), 11),
        person("李秀英", "配偶", date(1960, 5, 1), 22),  # 66: too old for training
        person("张伟", "之子", date(1996, 5, 1), 33),
    )
    ids = [_intend(database, p) for p in (head, spouse, son)]
    _step(database, [ids[2]], State.WITHDRAWN, reason="外出务工，本人放弃")
    result = _step(database, ids, State.REFERRED)
    assert result.moved == [ids[0]]
    assert [r.person_name for r in result.refused] == ["李秀英", "张伟"]
    assert "本人放弃" in result.summary() and "“推荐”：成功1人，未通过2人。" in result.summary()
    assert _states(database) == {ids[0]: "REFERRED", ids[1]: "DRAFT", ids[2]: "WITHDRAWN"}


def test_changing_the_province_profile_never_rewrites_history(database: Database, village: uuid.UUID) -> None:
    head = _family(database, village)[0]
    intention = _intend(database, head)
    _approved(database, village, [intention])
    notice = _notice(database, village, [intention])

    def snapshot() -> list[tuple[object, ...]]:
        with database.session_factory() as session:
            rows = session.execute(
                select(
                    IntentionTransition.from_state,
                    IntentionTransition.to_state,
                    IntentionTransition.at,
                    IntentionTransition.operator,
                    IntentionTransition.reason,
                ).order_by(IntentionTransition.at)
            ).all()
            dates = session.execute(select(PublicNotice.start_date, PublicNotice.end_date)).all()
        return [tuple(r) for r in rows] + [tuple(d) for d in dates]  # fmt: skip

    before = snapshot()
    with UnitOfWork(database, "管理员") as uow:
        set_province_profile(uow, "heilongjiang")
        uow.commit()
    with database.session_factory() as session:
        assert active_profile(session).code == "heilongjiang"
    assert snapshot() == before
    with UnitOfWork(database, "管理员") as uow, pytest.raises(ServiceError, match="没有名为“atlantis”"):
        set_province_profile(uow, "atlantis")
    assert notice


def test_a_bulk_step_read_in_chunks_refuses_each_person_for_their_own_reason(
    database: Database, village: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the guards need is read a few ids at a time for the whole selection: each person still
    gets their own answer, and each one moved gets one step and one audit entry."""
    monkeypatch.setattr("fupin_desktop.services.intentions._LOAD_CHUNK", 2)
    people = _family(
        database,
        village,
        person("张三丰", "户主", date(1970, 3, 7), 11),
        person("李秀英", "配偶", date(1972, 5, 1), 22),
        person("张伟", "之子", date(1996, 5, 1), 33),
        person("张丽", "之女", date(1998, 6, 1), 44),
        person("张强", "之子", date(1997, 7, 1), 55),
    )
    ids = [_intend(database, p) for p in people]
    _approved(database, village, ids)
    notice = _notice(database, village, ids[:4])
    with UnitOfWork(database, "王经办") as uow:
        record_objection(
            uow, notice, ids[1], ObjectionInput("村民王某", "来电", START + timedelta(days=1), "家中经营养殖场")
        )
        uow.commit()
    result = _step(database, ids, State.NOTICE_PASSED, on=START + timedelta(days=5))
    assert result.moved == [ids[0], ids[2], ids[3]]
    assert [(r.intention_id, r.person_name, r.reason) for r in result.refused] == [
        (ids[1], "李秀英", "有尚未处理完毕的异议，处理后才能继续"),
        (ids[4], "张强", "当前状态为“审核通过”，不能直接“公示期满”"),
    ]
    assert [_states(database)[i] for i in ids] == [
        "NOTICE_PASSED",
        "IN_NOTICE",
        "NOTICE_PASSED",
        "NOTICE_PASSED",
        "APPROVED",
    ]
    with database.session_factory() as session:
        for intention in result.moved:
            steps = session.scalars(
                select(IntentionTransition.operator).where(
                    IntentionTransition.intention_id == intention, IntentionTransition.to_state == "NOTICE_PASSED"
                )
            ).all()
            assert steps == ["李站长"]
            audit = session.execute(
                select(AuditEntry.operator, AuditEntry.old_value, AuditEntry.new_value).where(
                    AuditEntry.entity_id == intention, AuditEntry.field == "state", AuditEntry.new_value == "公示期满"
                )
            ).all()
            assert [tuple(a) for a in audit] == [("李站长", "公示中", "公示期满")]
            locked, by = session.execute(
                select(Intention.locked, Intention.updated_by).where(Intention.id == intention)
            ).one()
            assert (locked, by) == (False, "李站长")


def test_an_open_objection_can_be_corrected_audited_until_it_is_resolved(
    database: Database, village: uuid.UUID
) -> None:
    from fupin_desktop.services.audit import audit_history
    from fupin_desktop.services.notices import correct_objection

    (head,) = _family(database, village, person("张三丰", "户主", date(1970, 3, 7), 11))
    ids = [_intend(database, head)]
    _approved(database, village, ids)
    notice = _notice(database, village, ids)
    with UnitOfWork(database, "王经办") as uow:
        objection = record_objection(
            uow, notice, ids[0], ObjectionInput("村民王某", "来电", START + timedelta(days=1), "家中经营养殖厂")
        )
        uow.commit()
    fixed = ObjectionInput("村民王某", "来访", START + timedelta(days=1), "家中经营养殖场")
    result = correct_objection(database, actor="李站长", objection_id=objection, data=fixed)
    assert result.changed == ("反映方式", "异议内容")
    with pytest.raises(ServiceError, match="请填写异议内容"):
        correct_objection(database, actor="李站长", objection_id=objection, data=replace(fixed, content=" "))
    with database.session_factory() as session:
        rows = audit_history(session, "objection", [objection])
    changes = {(r.field, r.old_value, r.new_value, r.operator) for r in rows if r.action == "修改"}
    assert ("方式", "来电", "来访", "李站长") in changes
    with UnitOfWork(database, "李站长") as uow:
        resolve_objection(uow, objection, "维持", "养殖场为村集体所有", on=START + timedelta(days=3))
        uow.commit()
    with pytest.raises(ServiceError, match="处理后的异议记录不能再修改"):
        correct_objection(database, actor="李站长", objection_id=objection, data=fixed)
