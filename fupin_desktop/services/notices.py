"""公示 batches: list approved people of one village or the township for a fixed period, record and
resolve objections (异议), and close the batch when it has run its course.

Listing moves people to 公示中; closing moves everyone without an open or upheld objection to
公示期满. An objection resolved as 撤销 ends the intention (异议成立); 更正 sends it back to
审核通过 for a new 公示.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.validation import validate_phone
from fupin_desktop.domain.workflow import STATE_LABELS, State, chinese_date
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.intentions import KIND_LABELS, BulkResult, Refusal, latest_notice, transition
from fupin_desktop.services.joins import with_people
from fupin_desktop.services.province import active_profile
from fupin_desktop.services.results import Saved
from fupin_desktop.services.search import village_ids_under
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import (
    Household,
    Intention,
    NoticeEntry,
    Objection,
    Person,
    PublicNotice,
    Region,
)
from fupin_desktop.store.uow import UnitOfWork

OUTCOMES = ("维持", "撤销", "更正")
OUTCOME_HINTS = {
    "维持": "异议不成立，继续公示",
    "撤销": "异议成立，移出名单",
    "更正": "更正信息后须重新公示",
}
OBJECTION_METHODS = ("来电", "来访", "信函", "网络留言", "其他")
REFERRAL_LABELS = {"village": "村委会", "work_team": "驻村工作队", "poverty_office": "扶贫办", "self": "本人报名"}


@dataclass(frozen=True)
class NoticeInput:
    title: str
    start_date: date
    end_date: date
    place: str
    complaint_phone: str
    issuing_unit: str


@dataclass(frozen=True)
class ObjectionInput:
    raised_by: str  # 反映人 (may be 匿名)
    method: str  # 来电 / 来访 / 信函 …
    raised_on: date
    content: str


@dataclass(frozen=True)
class NoticeCreated:
    notice_id: uuid.UUID
    result: BulkResult


@dataclass(frozen=True)
class NoticeRow:
    id: uuid.UUID
    title: str
    region: str
    start_date: date
    end_date: date
    people: int
    open_objections: int
    closed: bool

    def status(self, today: date) -> str:
        """已结束 / 已期满，待结束 / 剩N天 / 未开始."""
        if self.closed:
            return "已结束"
        if today < self.start_date:
            return f"{(self.start_date - today).days}天后开始"
        left = (self.end_date - today).days
        return "已期满，待结束" if left <= 0 else f"剩{left}天"


@dataclass(frozen=True)
class EntryRow:
    intention_id: uuid.UUID
    name: str
    sex: str | None
    village: str
    village_group: str | None
    kind: str
    what: str  # 工种 or 专业/院校
    referral: str
    state: str
    objection: str  # "" / 异议待处理 / 维持 / 撤销 / 更正


@dataclass(frozen=True)
class ObjectionRow:
    id: uuid.UUID
    intention_id: uuid.UUID
    person_name: str
    raised_by: str
    method: str
    raised_on: date
    content: str
    outcome: str | None
    resolved_on: date | None
    resolution: str | None


@dataclass(frozen=True)
class Candidate:
    intention_id: uuid.UUID
    name: str
    village: str
    kind: str
    what: str


def intention_subject(kind: str, occupation: str | None, major: str | None, school: str | None) -> str:
    """What the person is put forward for, as printed on a 公示: 工种, or 专业 and 院校."""
    if kind == "school":
        return "，".join(x for x in (major, school) if x) or "—"
    return occupation or "—"


def candidates(session: Session, region_id: uuid.UUID) -> list[Candidate]:
    """APPROVED intentions of the people of a village or a township, by village then name."""
    villages = village_ids_under(session, region_id)
    rows = session.execute(
        with_people(
            select(
                Intention.id,
                Person.name,
                Region.name,
                Intention.kind,
                Intention.occupation,
                Intention.major,
                Intention.school,
            ),
            village=Region,
        )
        .where(Intention.state == State.APPROVED.value, Household.village_id.in_(villages))
        .order_by(Region.code, Household.household_no, Person.sort_order)
    )
    return [
        Candidate(iid, name, village, KIND_LABELS.get(kind, kind), intention_subject(kind, occ, major, school))
        for iid, name, village, kind, occ, major, school in rows
    ]


def create_notice(
    uow: UnitOfWork, region_id: uuid.UUID, intention_ids: Iterable[uuid.UUID], data: NoticeInput
) -> NoticeCreated:
    """Make a 公示 batch for a village or a township and list the given APPROVED intentions in it.

    People who cannot be listed are reported; when nobody can be listed nothing is written.
    """
    region = uow.session.get(Region, region_id)
    if region is None:
        raise NotFound("该区划已不存在，请刷新。")
    if region.level not in ("village", "township"):
        raise ServiceError(f"公示按村或按乡镇发布，“{region.name}”不是村或乡镇。")
    profile = active_profile(uow.session)
    problems = []
    if not data.title.strip():
        problems.append("请填写公示标题")
    if not data.place.strip():
        problems.append("请填写公示地点")
    if not data.issuing_unit.strip():
        problems.append("请填写发布单位")
    phone_problem = validate_phone(data.complaint_phone.strip()) if data.complaint_phone.strip() else "请填写监督电话"
    if phone_problem:
        problems.append(phone_problem.replace("联系电话", "监督电话"))
    earliest = profile.notice_end_date(data.start_date)
    if data.end_date < earliest:
        problems.append(
            f"公示期不少于{profile.notice.label}（{profile.name}）：自{chinese_date(data.start_date)}起，"
            f"结束日期不能早于{chinese_date(earliest)}"
        )
    if problems:
        raise ServiceError("；".join(problems) + "。")

    villages = set(village_ids_under(uow.session, region_id))
    notice = PublicNotice(
        region_id=region_id,
        title=data.title.strip(),
        start_date=data.start_date,
        end_date=data.end_date,
        place=data.place.strip(),
        complaint_phone=data.complaint_phone.strip(),
        issuing_unit=data.issuing_unit.strip(),
        updated_by=uow.operator,
    )
    uow.session.add(notice)
    uow.session.flush()
    listed: list[uuid.UUID] = []
    outside: list[Refusal] = []
    for order, intention_id in enumerate(dict.fromkeys(intention_ids)):
        row = uow.session.execute(
            with_people(select(Person.name, Household.village_id).select_from(Intention)).where(
                Intention.id == intention_id
            )
        ).first()
        if row is None:
            outside.append(Refusal(intention_id, "（已删除）", "该意愿已不存在"))
            continue
        if row.village_id not in villages:
            outside.append(Refusal(intention_id, row.name, f"不属于{region.name}，不能列入本批公示"))
            continue
        uow.session.add(NoticeEntry(notice_id=notice.id, intention_id=intention_id, sort_order=order))
        listed.append(intention_id)
    uow.session.flush()
    result = transition(uow, listed, State.IN_NOTICE, on=data.start_date)
    result.refused[:0] = outside
    for refusal in result.refused:
        entry = uow.session.scalar(
            select(NoticeEntry).where(
                NoticeEntry.notice_id == notice.id, NoticeEntry.intention_id == refusal.intention_id
            )
        )
        if entry is not None:
            uow.session.delete(entry)
    if not result.moved:
        raise ServiceError("没有可列入公示的人员：\n" + result.summary())
    uow.audit("create", "public_notice", notice.id, new=f"{notice.title}（{len(result.moved)}人）")
    uow.session.flush()
    return NoticeCreated(notice.id, result)


def _notice(uow: UnitOfWork, notice_id: uuid.UUID) -> PublicNotice:
    notice = uow.session.get(PublicNotice, notice_id)
    if notice is None:
        raise NotFound("该公示批次已不存在，请刷新。")
    return notice


def record_objection(uow: UnitOfWork, notice_id: uuid.UUID, intention_id: uuid.UUID, data: ObjectionInput) -> uuid.UUID:
    """Record an objection (who, how, when, what) against one person of a batch."""
    notice = _notice(uow, notice_id)
    entry = uow.session.scalar(
        select(NoticeEntry.id).where(NoticeEntry.notice_id == notice_id, NoticeEntry.intention_id == intention_id)
    )
    if entry is None:
        raise ServiceError("该人员不在本批公示名单中。")
    name = uow.session.scalar(select(Person.name).join(Intention).where(Intention.id == intention_id)) or ""
    _check_objection(notice, name, data)
    objection = Objection(
        notice_id=notice_id,
        intention_id=intention_id,
        raised_by=data.raised_by.strip(),
        method=data.method,
        raised_on=data.raised_on,
        content=data.content.strip(),
        updated_by=uow.operator,
    )
    uow.session.add(objection)
    uow.session.flush()
    uow.audit("create", "objection", objection.id, new=f"{name}：{objection.content}")
    return objection.id


def _check_objection(notice: PublicNotice, name: str, data: ObjectionInput) -> None:
    problems = []
    if not data.raised_by.strip():
        problems.append("请填写反映人（不愿具名可填“匿名”）")
    if data.method not in OBJECTION_METHODS:
        problems.append(f"反映方式应为：{'、'.join(OBJECTION_METHODS)}")
    if not data.content.strip():
        problems.append("请填写异议内容")
    if data.raised_on < notice.start_date:
        problems.append(f"反映日期{chinese_date(data.raised_on)}早于公示开始日期{chinese_date(notice.start_date)}")
    if problems:
        raise ServiceError(f"{name}：" + "；".join(problems) + "。")


@dataclass(frozen=True)
class ObjectionCorrected:
    objection_id: uuid.UUID
    changed: tuple[str, ...]  # the fields that changed, in Chinese


_OBJECTION_FIELDS = {"raised_by": "反映人", "method": "反映方式", "raised_on": "反映日期", "content": "异议内容"}


def correct_objection(
    database: Database, *, actor: Who, objection_id: uuid.UUID, data: ObjectionInput
) -> ObjectionCorrected:
    """更正异议记录: a typo in who, how, when or what, fixed while the objection is still open;
    every changed field is audited with its old and new value. A resolved objection stays as it was."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.HANDLE_OBJECTION)
        objection = uow.session.get(Objection, objection_id)
        if objection is None:
            raise ServiceError("该异议已不存在，请刷新。")
        name = uow.session.scalar(select(Person.name).join(Intention).where(Intention.id == objection.intention_id))
        if objection.outcome is not None:
            raise ServiceError(f"对{name or ''}的异议已处理为“{objection.outcome}”，处理后的异议记录不能再修改。")
        _check_objection(_notice(uow, objection.notice_id), name or "", data)
        new = {
            "raised_by": data.raised_by.strip(),
            "method": data.method,
            "raised_on": data.raised_on,
            "content": data.content.strip(),
        }
        changed = []
        for field, value in new.items():
            old = getattr(objection, field)
            if old != value:
                uow.audit("update", "objection", objection.id, field, old, value)
                setattr(objection, field, value)
                changed.append(_OBJECTION_FIELDS[field])
        if changed:
            objection.updated_by = uow.operator
        uow.commit()
    return ObjectionCorrected(objection_id, tuple(changed))


def resolve_objection(
    uow: UnitOfWork, objection_id: uuid.UUID, outcome: str, resolution: str, *, on: date | None = None
) -> BulkResult | None:
    """Close an objection as 维持, 撤销 or 更正 and take the step that follows for the person.

    Returns the step taken (None for 维持 while the batch is still running).
    """
    day = on or clock_today()
    objection = uow.session.get(Objection, objection_id)
    if objection is None:
        raise NotFound("该异议已不存在，请刷新。")
    if objection.outcome is not None:
        raise ServiceError(f"该异议已于{chinese_date(objection.resolved_on or day)}处理为“{objection.outcome}”。")
    if outcome not in OUTCOMES:
        raise ServiceError(f"处理结果应为：{'、'.join(OUTCOMES)}")
    if not resolution.strip():
        raise ServiceError("请填写调查核实情况和处理意见。")
    if day < objection.raised_on:
        raise ServiceError(f"处理日期不能早于反映日期{chinese_date(objection.raised_on)}。")
    notice = _notice(uow, objection.notice_id)
    objection.outcome = outcome
    objection.resolved_on = day
    objection.resolution = resolution.strip()
    objection.updated_by = uow.operator
    uow.audit("update", "objection", objection.id, "outcome", None, outcome)
    uow.session.flush()
    reason = f"异议{outcome}：{resolution.strip()}"
    ids = [objection.intention_id]
    intention = uow.session.get(Intention, objection.intention_id)
    assert intention is not None
    if intention.state != State.IN_NOTICE.value:
        return None
    if outcome == "撤销":
        return transition(uow, ids, State.OBJECTION_UPHELD, reason=reason, on=day)
    if outcome == "更正":
        return transition(uow, ids, State.APPROVED, reason=reason, on=day)
    if notice.closed_at is not None and not _has_open_objection(uow.session, objection.intention_id):
        # The batch ended while this person waited: the notice has run its course for them too.
        return transition(uow, ids, State.NOTICE_PASSED, reason=reason, on=max(day, notice.end_date))
    return None


def _has_open_objection(session: Session, intention_id: uuid.UUID) -> bool:
    return (
        session.scalar(select(Objection.id).where(Objection.intention_id == intention_id, Objection.outcome.is_(None)))
        is not None
    )


def close_notice(uow: UnitOfWork, notice_id: uuid.UUID, *, on: date | None = None) -> BulkResult:
    """End a batch on or after its end date: everyone still 公示中 without an open objection passes.

    People with an open objection stay 公示中 (reported); they pass when it is resolved as 维持.
    """
    day = on or clock_today()
    notice = _notice(uow, notice_id)
    if notice.closed_at is not None:
        raise ServiceError(f"“{notice.title}”已经结束。")
    if day < notice.end_date:
        raise ServiceError(
            f"“{notice.title}”公示期至{chinese_date(notice.end_date)}，"
            f"还有{(notice.end_date - day).days}天，期满后才能结束公示。"
        )
    in_notice = list(
        uow.session.scalars(
            select(Intention.id)
            .join(NoticeEntry, NoticeEntry.intention_id == Intention.id)
            .where(NoticeEntry.notice_id == notice_id, Intention.state == State.IN_NOTICE.value)
            .order_by(NoticeEntry.sort_order)
        )
    )
    # Someone corrected and listed again in a later batch passes with that batch, not this one.
    in_notice = [i for i in in_notice if (latest := latest_notice(uow.session, i)) is None or latest.id == notice.id]
    result = transition(uow, in_notice, State.NOTICE_PASSED, reason=f"{notice.title}期满无异议", on=day)
    notice.closed_at = utc_now()
    notice.updated_by = uow.operator
    uow.audit("update", "public_notice", notice.id, "closed_at", None, chinese_date(day))
    uow.session.flush()
    return result


def list_notices(session: Session) -> list[NoticeRow]:
    """Every batch, the running ones first, newest first (batches are few: hundreds a year at most)."""
    people = select(NoticeEntry.notice_id, func.count().label("n")).group_by(NoticeEntry.notice_id).subquery()
    objections = (
        select(Objection.notice_id, func.count().label("n"))
        .where(Objection.outcome.is_(None))
        .group_by(Objection.notice_id)
        .subquery()
    )
    rows = session.execute(
        select(
            PublicNotice.id,
            PublicNotice.title,
            Region.name,
            PublicNotice.start_date,
            PublicNotice.end_date,
            func.coalesce(people.c.n, 0),
            func.coalesce(objections.c.n, 0),
            PublicNotice.closed_at.is_not(None),
        )
        .join(Region, PublicNotice.region_id == Region.id)
        .outerjoin(people, people.c.notice_id == PublicNotice.id)
        .outerjoin(objections, objections.c.notice_id == PublicNotice.id)
        .order_by(PublicNotice.closed_at.is_not(None), PublicNotice.start_date.desc(), PublicNotice.title)
    )
    return [NoticeRow(*row) for row in rows]


def notice_entries(session: Session, notice_id: uuid.UUID) -> list[EntryRow]:
    """The people of a batch in posting order, with their state now and their objections' status."""
    rows = session.execute(
        with_people(
            select(
                Intention.id,
                Person.name,
                Person.sex,
                Region.name,
                Household.village_group,
                Intention.kind,
                Intention.occupation,
                Intention.major,
                Intention.school,
                Intention.referral_source,
                Intention.state,
            ).join(NoticeEntry, NoticeEntry.intention_id == Intention.id),
            village=Region,
        )
        .where(NoticeEntry.notice_id == notice_id)
        .order_by(NoticeEntry.sort_order)
    )
    outcomes: dict[uuid.UUID, str] = {}
    for intention_id, outcome in session.execute(
        select(Objection.intention_id, Objection.outcome)
        .where(Objection.notice_id == notice_id)
        .order_by(Objection.raised_on, Objection.created_at)
    ):
        if outcomes.get(intention_id) != "异议待处理":
            outcomes[intention_id] = outcome or "异议待处理"
    return [
        EntryRow(
            iid,
            name,
            sex,
            village,
            group,
            KIND_LABELS.get(kind, kind),
            intention_subject(kind, occ, major, school),
            REFERRAL_LABELS.get(referral or "", referral or ""),
            STATE_LABELS[State(state)],
            outcomes.get(iid, ""),
        )
        for iid, name, sex, village, group, kind, occ, major, school, referral, state in rows
    ]


def notice_objections(session: Session, notice_id: uuid.UUID) -> list[ObjectionRow]:
    rows = session.execute(
        select(
            Objection.id,
            Objection.intention_id,
            Person.name,
            Objection.raised_by,
            Objection.method,
            Objection.raised_on,
            Objection.content,
            Objection.outcome,
            Objection.resolved_on,
            Objection.resolution,
        )
        .join(Intention, Objection.intention_id == Intention.id)
        .join(Person, Intention.person_id == Person.id)
        .where(Objection.notice_id == notice_id)
        .order_by(Objection.raised_on, Objection.created_at)
    )
    # The 10 columns above, in field order; SQLAlchemy types a select of 10 columns with an open tail (*Any).
    return [ObjectionRow(*row) for row in rows]  # type: ignore[call-arg]


def notice_details(session: Session, notice_id: uuid.UUID) -> PublicNotice:
    notice = session.get(PublicNotice, notice_id)
    if notice is None:
        raise NotFound("该公示批次已不存在，请刷新。")
    return notice


# --- use cases: each opens, audits and commits its own unit of work --------------------------------


def start_notice(
    database: Database, *, actor: Who, region_id: uuid.UUID, intention_ids: Sequence[uuid.UUID], data: NoticeInput
) -> NoticeCreated:
    """公示: a new batch for the chosen approved people of a region."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.PUBLISH_NOTICE)
        created = create_notice(uow, region_id, intention_ids, data)
        uow.commit()
    return created


def end_notice(database: Database, *, actor: Who, notice_id: uuid.UUID, on: date | None = None) -> BulkResult:
    """结束公示: people without an open objection pass."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.CLOSE_NOTICE)
        result = close_notice(uow, notice_id, on=on)
        uow.commit()
    return result


def add_objection(
    database: Database, *, actor: Who, notice_id: uuid.UUID, intention_id: uuid.UUID, data: ObjectionInput
) -> Saved:
    """异议 against one listed person; until resolved the person cannot go further."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.HANDLE_OBJECTION)
        objection_id = record_objection(uow, notice_id, intention_id, data)
        uow.commit()
    return Saved(objection_id)


def settle_objection(
    database: Database,
    *,
    actor: Who,
    objection_id: uuid.UUID,
    outcome: str,
    resolution: str,
    on: date | None = None,
) -> BulkResult | None:
    """处理异议 as 维持, 撤销 or 更正; returns the step it caused, if any."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.HANDLE_OBJECTION)
        step = resolve_objection(uow, objection_id, outcome, resolution, on=on)
        uow.commit()
    return step
