"""Intentions and their workflow steps, one by one or for a whole selection at once.

A bulk step is one transaction: the people who may move are moved, the others are listed with the
reason in Chinese, and nobody is half-moved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.eligibility import age_refusal, household_refusal, subsidy_refusal
from fupin_desktop.domain.workflow import ACTIVE, LOCKED, STATE_LABELS, State, chinese_date, step_refusal
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.province import active_profile
from fupin_desktop.store.models import (
    Intention,
    IntentionTransition,
    NoticeEntry,
    Objection,
    Person,
    PublicNotice,
    SubsidyGrant,
)
from fupin_desktop.store.uow import UnitOfWork

KIND_LABELS = {item.code: item.name for item in codelist("intention_kind").items}


@dataclass(frozen=True)
class IntentionInput:
    kind: str  # training / school / employment / business
    occupation: str | None = None  # 工种
    major: str | None = None  # 专业
    school: str | None = None
    training_type: str | None = None
    referral_source: str | None = None  # village / work_team / poverty_office / self


@dataclass(frozen=True)
class Refusal:
    intention_id: uuid.UUID
    person_name: str
    reason: str


@dataclass
class BulkResult:
    """Who moved and who was refused, and why."""

    target: State
    moved: list[uuid.UUID] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"“{STATE_LABELS[self.target]}”：成功{len(self.moved)}人，未通过{len(self.refused)}人。"]
        lines += [f"{r.person_name}：{r.reason}" for r in self.refused]
        return "\n".join(lines)


# A guard looks at one intention about to take a step and returns a refusal reason or None.
Guard = Callable[[UnitOfWork, Intention, Person, State, date], str | None]


def _guard_open_objection(uow: UnitOfWork, intention: Intention, _p: Person, target: State, _on: date) -> str | None:
    """While an objection is open the person goes nowhere (本人放弃 and 异议成立 stay possible)."""
    if target in (State.WITHDRAWN, State.OBJECTION_UPHELD):
        return None
    open_objection = uow.session.scalar(
        select(Objection.id).where(Objection.intention_id == intention.id, Objection.outcome.is_(None))
    )
    return "有尚未处理完毕的异议，处理后才能继续" if open_objection is not None else None


def _guard_second_active(uow: UnitOfWork, intention: Intention, person: Person, target: State, _on: date) -> str | None:
    if target not in (State.REFERRED, State.DRAFT):
        return None
    other = uow.session.scalar(
        select(Intention.id).where(
            Intention.person_id == person.id,
            Intention.kind == intention.kind,
            Intention.id != intention.id,
            Intention.state.in_([s.value for s in ACTIVE]),
        )
    )
    if other is not None:
        return f"已有一条进行中的“{KIND_LABELS.get(intention.kind, intention.kind)}”意愿，不能重复"
    return None


# Eligibility is checked when the person is put forward and again when the township reviews.
_ELIGIBILITY_STEPS = (State.REFERRED, State.APPROVED)


def _guard_registered_household(uow: UnitOfWork, _i: Intention, person: Person, target: State, _on: date) -> str | None:
    if target not in _ELIGIBILITY_STEPS:
        return None
    household = person.household
    return household_refusal(household.household_type, household.status)


def _guard_age(uow: UnitOfWork, intention: Intention, person: Person, target: State, on: date) -> str | None:
    if target not in _ELIGIBILITY_STEPS:
        return None
    return age_refusal(
        active_profile(uow.session),
        intention.kind,
        sex=person.sex,
        birth=person.birth_date,
        education=person.education,
        school_status=person.school_status,
        on=on,
    )


def _guard_training_subsidy(
    uow: UnitOfWork, intention: Intention, person: Person, target: State, on: date
) -> str | None:
    """A training place comes with a training subsidy: refuse enrolment once the year's are used up."""
    if target != State.ENROLLED or intention.kind != "training":
        return None
    used = grants_in_year(uow.session, person.id, "training", on.year)
    return subsidy_refusal(active_profile(uow.session), "training", used, on.year)


def _guard_notice(uow: UnitOfWork, intention: Intention, _p: Person, target: State, on: date) -> str | None:
    """公示 steps follow the batch: listed only through a batch, passed only after its end date."""
    if target not in (State.IN_NOTICE, State.NOTICE_PASSED, State.SUBMITTED):
        return None
    notice = latest_notice(uow.session, intention.id)
    if target == State.IN_NOTICE:
        if notice is None or notice.closed_at is not None:
            return "须通过“公示”页面新建公示批次列入公示"
        return None
    if notice is None:
        return "没有公示记录，不能跳过公示"
    if on < notice.end_date:
        return f"公示期至{chinese_date(notice.end_date)}，尚未期满"
    return None


def grants_in_year(session: Session, person_id: uuid.UUID, kind: str, year: int) -> int:
    """How many subsidies of ``kind`` (training / living / travel) the person was granted in ``year``."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(SubsidyGrant)
            .where(
                SubsidyGrant.person_id == person_id,
                SubsidyGrant.kind == kind,
                SubsidyGrant.granted_on >= date(year, 1, 1),
                SubsidyGrant.granted_on <= date(year, 12, 31),
            )
        )
        or 0
    )


def latest_notice(session: Session, intention_id: uuid.UUID) -> PublicNotice | None:
    """The most recent 公示 batch that lists the intention."""
    return session.scalar(
        select(PublicNotice)
        .join(NoticeEntry, NoticeEntry.notice_id == PublicNotice.id)
        .where(NoticeEntry.intention_id == intention_id)
        .order_by(PublicNotice.start_date.desc(), PublicNotice.created_at.desc())
        .limit(1)
    )


GUARDS: list[Guard] = [
    _guard_open_objection,
    _guard_second_active,
    _guard_registered_household,
    _guard_age,
    _guard_training_subsidy,
    _guard_notice,
]


def refuse_incomplete_intention(person_name: str, data: IntentionInput) -> None:
    """Raise :class:`ServiceError` for a wish of an unknown kind or without what its kind needs."""
    if data.kind not in KIND_LABELS:
        raise ServiceError(f"意愿类别“{data.kind}”不在代码表中")
    if data.kind == "training" and not data.occupation:
        raise ServiceError(f"{person_name}：培训意愿须填写培训工种")
    if data.kind == "school" and not (data.major or data.school):
        raise ServiceError(f"{person_name}：技工院校意愿须填写专业或院校")


def create_intention(uow: UnitOfWork, person_id: uuid.UUID, data: IntentionInput) -> uuid.UUID:
    """Record a new intention in state 登记, refusing a second active one of the same kind."""
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("该成员已不存在（可能已在其他窗口删除），请刷新列表。")
    refuse_incomplete_intention(person.name, data)
    intention = Intention(
        person_id=person.id,
        kind=data.kind,
        occupation=data.occupation,
        major=data.major,
        school=data.school,
        training_type=data.training_type,
        referral_source=data.referral_source,
        state=State.DRAFT.value,
        updated_by=uow.operator,
    )
    uow.session.add(intention)
    uow.session.flush()
    refusal = _guard_second_active(uow, intention, person, State.DRAFT, clock_today())
    if refusal:
        raise ServiceError(f"{person.name}：{refusal}")
    _record(uow, intention, None, State.DRAFT, None)
    uow.audit("create", "intention", intention.id, new=f"{person.name} {KIND_LABELS[data.kind]}")
    return intention.id


def insert_new_people_intentions(
    uow: UnitOfWork, wishes: Sequence[tuple[uuid.UUID, str, IntentionInput]]
) -> list[uuid.UUID]:
    """Record, at once, the wishes of people registered in this same unit of work (a village
    sheet's new members): each in state 登记 with its first step and audit entry, as
    :func:`create_intention` does, written with one executemany per table. Such people have no
    other intention yet, so only two wishes of one kind for the same person can clash."""
    now = utc_now()
    seen: set[tuple[uuid.UUID, str]] = set()
    intentions: list[dict[str, object]] = []
    steps: list[dict[str, object]] = []
    audit: list[tuple[str, str, uuid.UUID, str | None, object, object]] = []
    for person_id, name, data in wishes:
        refuse_incomplete_intention(name, data)
        if (person_id, data.kind) in seen:
            raise ServiceError(f"{name}：已有一条进行中的“{KIND_LABELS[data.kind]}”意愿，不能重复")
        seen.add((person_id, data.kind))
        intention_id = uuid.uuid4()
        intentions.append(
            {
                "id": intention_id,
                "person_id": person_id,
                "kind": data.kind,
                "occupation": data.occupation,
                "major": data.major,
                "school": data.school,
                "training_type": data.training_type,
                "referral_source": data.referral_source,
                "state": State.DRAFT.value,
                "state_changed_at": now,
                "locked": State.DRAFT in LOCKED,
                "created_at": now,
                "updated_at": now,
                "updated_by": uow.operator,
            }
        )
        steps.append(
            {"id": uuid.uuid4(), "intention_id": intention_id, "from_state": None, "to_state": State.DRAFT.value,
             "at": now, "operator": uow.operator, "reason": None}
        )  # fmt: skip
        audit.append(("create", "intention", intention_id, None, None, f"{name} {KIND_LABELS[data.kind]}"))
    if intentions:
        uow.session.execute(insert(Intention.__table__), intentions)
        uow.session.execute(insert(IntentionTransition.__table__), steps)
        uow.audit_many(audit)
    return [row["id"] for row in intentions]  # type: ignore[misc]


_LOAD_CHUNK = 500


def transition(
    uow: UnitOfWork,
    intention_ids: Iterable[uuid.UUID],
    target: State,
    *,
    reason: str | None = None,
    on: date | None = None,
) -> BulkResult:
    """Move every intention that may take the step to ``target``; report the others."""
    day = on or clock_today()
    result = BulkResult(target)
    ids = list(intention_ids)
    # Loaded 500 at a time rather than one query each (a county list seals 50,000 at once); the
    # dictionaries also keep them in the session's weakly-held identity map until the loop is done.
    intentions: dict[uuid.UUID, Intention] = {}
    people: dict[uuid.UUID, Person] = {}
    for start in range(0, len(ids), _LOAD_CHUNK):
        chunk = ids[start : start + _LOAD_CHUNK]
        loaded = list(uow.session.scalars(select(Intention).where(Intention.id.in_(chunk))))
        intentions.update((i.id, i) for i in loaded)
        person_ids = list({i.person_id for i in loaded})
        people.update((p.id, p) for p in uow.session.scalars(select(Person).where(Person.id.in_(person_ids))))
    for intention_id in ids:
        intention = intentions.get(intention_id)
        if intention is None:
            result.refused.append(Refusal(intention_id, "（已删除）", "该意愿已不存在"))
            continue
        person = people.get(intention.person_id) or uow.session.get(Person, intention.person_id)
        assert person is not None  # foreign key
        refusal = step_refusal(State(intention.state), target, reason)
        for guard in GUARDS:
            if refusal is not None:
                break
            refusal = guard(uow, intention, person, target, day)
        if refusal is not None:
            result.refused.append(Refusal(intention.id, person.name, refusal))
            continue
        _record(uow, intention, State(intention.state), target, reason)
        result.moved.append(intention.id)
    uow.session.flush()
    return result


def _record(uow: UnitOfWork, intention: Intention, source: State | None, target: State, reason: str | None) -> None:
    now = utc_now()
    intention.state = target.value
    intention.state_changed_at = now
    intention.locked = target in LOCKED
    intention.updated_by = uow.operator
    uow.session.add(
        IntentionTransition(
            intention_id=intention.id,
            from_state=source.value if source else None,
            to_state=target.value,
            at=now,
            operator=uow.operator,
            reason=(reason or "").strip() or None,
        )
    )
    if source is not None:
        uow.audit("update", "intention", intention.id, "state", STATE_LABELS[source], STATE_LABELS[target])
