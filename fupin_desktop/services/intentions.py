"""Intentions and their workflow steps, one by one or for a whole selection at once.

A bulk step is one transaction: the people who may move are moved, the others are listed with the
reason in Chinese, and nobody is half-moved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.eligibility import age_refusal, household_refusal, subsidy_refusal
from fupin_desktop.domain.ownership import FIELD_STATES, owner_label
from fupin_desktop.domain.permissions import STEP_CAPABILITIES, Capability
from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.domain.workflow import ACTIVE, STATE_LABELS, State, chinese_date, state_fields, step_refusal
from fupin_desktop.services.accounts import Who, actor_name, permit_for_households
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.province import active_profile
from fupin_desktop.services.results import Saved
from fupin_desktop.services.workflow_steps import Step, write_steps
from fupin_desktop.store import changes
from fupin_desktop.store.bulk import insert_rows
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import (
    Household,
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


_LOAD_CHUNK = 500


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), _LOAD_CHUNK):
        yield ids[start : start + _LOAD_CHUNK]


class GuardContext:
    """What the guards of one step need, read for all its intentions at once.

    Each kind of fact (open objections, latest 公示 batch, …) is loaded the first time a guard asks
    for it, for every intention of the call in IN lists of at most 500 ids, so that a county list of
    50,000 people costs a few hundred queries rather than two per person. None of these facts is
    changed by the step itself, so reading them before anyone moves gives the same answers as
    reading them person by person.
    """

    def __init__(
        self, uow: UnitOfWork, intentions: Sequence[Intention], people: Mapping[uuid.UUID, Person], day: date
    ) -> None:
        self.uow = uow
        self.day = day
        self._intentions = intentions
        self._people = people
        self.four_eyes_for: str | None = None  # the signed-in 审核人: not to approve their own referrals
        self._site_kind: str | None = None

    @property
    def site_kind(self) -> str:
        """What this database is (station, village, field, county): read once for the call."""
        if self._site_kind is None:
            self._site_kind = changes.own_site_kind(self.session)
        return self._site_kind

    @property
    def session(self) -> Session:
        return self.uow.session

    @cached_property
    def profile(self) -> ProvinceProfile:
        return active_profile(self.session)

    def has_open_objection(self, intention_id: uuid.UUID) -> bool:
        return intention_id in self._open_objections

    def has_other_active(self, intention: Intention) -> bool:
        """Whether the person has another active intention of the same kind."""
        return bool(self._active_by_person_kind.get((intention.person_id, intention.kind), set()) - {intention.id})

    def household(self, person: Person) -> Household:
        return self._households.get(person.household_id) or person.household

    def training_grants(self, person_id: uuid.UUID) -> int:
        """How many training subsidies the person was granted in the year of the step."""
        return self._training_grants.get(person_id, 0)

    def latest_notice(self, intention_id: uuid.UUID) -> PublicNotice | None:
        """The most recent 公示 batch that lists the intention (as :func:`latest_notice`)."""
        return self._latest_notices.get(intention_id)

    def referred_by(self, intention_id: uuid.UUID) -> str | None:
        """Who made the intention's latest 推荐 (the operator of its last step into REFERRED)."""
        return self._referrers.get(intention_id)

    @cached_property
    def _referrers(self) -> dict[uuid.UUID, str]:
        found: dict[uuid.UUID, str] = {}
        step = IntentionTransition
        for chunk in _chunks(self._intention_ids):
            rows = self.session.execute(
                select(step.intention_id, step.operator)
                .where(step.intention_id.in_(chunk), step.to_state == State.REFERRED.value)
                .order_by(step.at)
            )
            found.update((intention_id, operator) for intention_id, operator in rows)
        return found

    @cached_property
    def _intention_ids(self) -> list[uuid.UUID]:
        return [i.id for i in self._intentions]

    @cached_property
    def _person_ids(self) -> list[uuid.UUID]:
        return list(dict.fromkeys(i.person_id for i in self._intentions))

    @cached_property
    def _open_objections(self) -> set[uuid.UUID]:
        found: set[uuid.UUID] = set()
        for chunk in _chunks(self._intention_ids):
            found.update(
                self.session.scalars(
                    select(Objection.intention_id).where(Objection.intention_id.in_(chunk), Objection.outcome.is_(None))
                )
            )
        return found

    @cached_property
    def _active_by_person_kind(self) -> dict[tuple[uuid.UUID, str], set[uuid.UUID]]:
        active = {s.value for s in ACTIVE}
        found: dict[tuple[uuid.UUID, str], set[uuid.UUID]] = {}
        for chunk in _chunks(self._person_ids):
            # The state is compared here: in SQL it would lead SQLite to walk the state index.
            rows = self.session.execute(
                select(Intention.id, Intention.person_id, Intention.kind, Intention.state).where(
                    Intention.person_id.in_(chunk)
                )
            )
            for intention_id, person_id, kind, state in rows:
                if state in active:
                    found.setdefault((person_id, kind), set()).add(intention_id)
        return found

    @cached_property
    def _households(self) -> dict[uuid.UUID, Household]:
        # Held here so that the session's weakly-held identity map keeps them for person.household.
        ids = list({p.household_id for p in self._people.values()})
        found: dict[uuid.UUID, Household] = {}
        for chunk in _chunks(ids):
            found.update((h.id, h) for h in self.session.scalars(select(Household).where(Household.id.in_(chunk))))
        return found

    @cached_property
    def _training_grants(self) -> dict[uuid.UUID, int]:
        year = self.day.year
        found: dict[uuid.UUID, int] = {}
        for chunk in _chunks(self._person_ids):
            rows = self.session.execute(
                select(SubsidyGrant.person_id, func.count())
                .where(
                    SubsidyGrant.person_id.in_(chunk),
                    SubsidyGrant.kind == "training",
                    SubsidyGrant.granted_on >= date(year, 1, 1),
                    SubsidyGrant.granted_on <= date(year, 12, 31),
                )
                .group_by(SubsidyGrant.person_id)
            )
            found.update((person_id, int(count)) for person_id, count in rows)
        return found

    @cached_property
    def _latest_notices(self) -> dict[uuid.UUID, PublicNotice]:
        # Same order as latest_notice(): the latest start date, then the latest created.
        best: dict[uuid.UUID, tuple[date, datetime, uuid.UUID]] = {}
        for chunk in _chunks(self._intention_ids):
            rows = self.session.execute(
                select(NoticeEntry.intention_id, PublicNotice.start_date, PublicNotice.created_at, PublicNotice.id)
                .join(PublicNotice, NoticeEntry.notice_id == PublicNotice.id)
                .where(NoticeEntry.intention_id.in_(chunk))
            )
            for intention_id, start, created, notice_id in rows:
                current = best.get(intention_id)
                created = created or datetime.min
                if current is None or (start, created) > current[:2]:
                    best[intention_id] = (start, created, notice_id)
        notice_ids = list({notice_id for _s, _c, notice_id in best.values()})
        notices: dict[uuid.UUID, PublicNotice] = {}
        for chunk in _chunks(notice_ids):
            notices.update(
                (n.id, n) for n in self.session.scalars(select(PublicNotice).where(PublicNotice.id.in_(chunk)))
            )
        return {intention_id: notices[notice_id] for intention_id, (_s, _c, notice_id) in best.items()}


# A guard looks at one intention about to take a step and returns a refusal reason or None; it
# reads what it needs from the call's GuardContext, never with a query of its own.
Guard = Callable[[GuardContext, Intention, Person, State], str | None]


def _guard_open_objection(ctx: GuardContext, intention: Intention, _p: Person, target: State) -> str | None:
    """While an objection is open the person goes nowhere (本人放弃 and 异议成立 stay possible)."""
    if target in (State.WITHDRAWN, State.OBJECTION_UPHELD):
        return None
    return "有尚未处理完毕的异议，处理后才能继续" if ctx.has_open_objection(intention.id) else None


def _guard_second_active(ctx: GuardContext, intention: Intention, _p: Person, target: State) -> str | None:
    if target not in (State.REFERRED, State.DRAFT):
        return None
    if ctx.has_other_active(intention):
        return f"已有一条进行中的“{KIND_LABELS.get(intention.kind, intention.kind)}”意愿，不能重复"
    return None


# Eligibility is checked when the person is put forward and again when the township reviews.
_ELIGIBILITY_STEPS = (State.REFERRED, State.APPROVED)


def _guard_registered_household(ctx: GuardContext, _i: Intention, person: Person, target: State) -> str | None:
    if target not in _ELIGIBILITY_STEPS:
        return None
    household = ctx.household(person)
    return household_refusal(household.household_type, household.status)


def _guard_age(ctx: GuardContext, intention: Intention, person: Person, target: State) -> str | None:
    if target not in _ELIGIBILITY_STEPS:
        return None
    return age_refusal(
        ctx.profile,
        intention.kind,
        sex=person.sex,
        birth=person.birth_date,
        education=person.education,
        school_status=person.school_status,
        on=ctx.day,
    )


def _guard_training_subsidy(ctx: GuardContext, intention: Intention, person: Person, target: State) -> str | None:
    """A training place comes with a training subsidy: refuse enrolment once the year's are used up."""
    if target != State.ENROLLED or intention.kind != "training":
        return None
    return subsidy_refusal(ctx.profile, "training", ctx.training_grants(person.id), ctx.day.year)


def _guard_notice(ctx: GuardContext, intention: Intention, _p: Person, target: State) -> str | None:
    """公示 steps follow the batch: listed only through a batch, passed only after its end date."""
    if target not in (State.IN_NOTICE, State.NOTICE_PASSED, State.SUBMITTED):
        return None
    notice = ctx.latest_notice(intention.id)
    if target == State.IN_NOTICE:
        if notice is None or notice.closed_at is not None:
            return "须通过“公示”页面新建公示批次列入公示"
        return None
    if notice is None:
        return "没有公示记录，不能跳过公示"
    if ctx.day < notice.end_date:
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


def _guard_four_eyes(ctx: GuardContext, intention: Intention, _p: Person, target: State) -> str | None:
    if target is not State.APPROVED or ctx.four_eyes_for is None:
        return None
    if ctx.referred_by(intention.id) == ctx.four_eyes_for:
        return "不能审核通过自己推荐的意愿（四眼原则）：须由另一位审核人审核"
    return None


REVIEW_STEPS = {State.APPROVED: "审核通过"}
"""Steps only a 审核人 takes, with the words of the refusal ("需要审核人（站长）权限才能审核通过")."""


def _guard_station_steps(ctx: GuardContext, _i: Intention, _p: Person, target: State) -> str | None:
    """审核, 公示, 上报 and what follows belong to the station (domain/ownership.py): taken at a county or a
    laptop they would only become one proposal for the station per person."""
    if target.value in FIELD_STATES or ctx.site_kind == "station":
        return None
    return (
        f"本站是{owner_label(ctx.site_kind)}，不能办理“{STATE_LABELS[target]}”："
        "审核、公示、上报和以后的环节由人社所办理"
    )


GUARDS: list[Guard] = [
    _guard_station_steps,
    _guard_four_eyes,
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
    now = utc_now()
    intention = Intention(
        id=uuid.uuid4(),
        person_id=person.id,
        kind=data.kind,
        occupation=data.occupation,
        major=data.major,
        school=data.school,
        training_type=data.training_type,
        referral_source=data.referral_source,
        created_at=now,
        **state_fields(State.DRAFT, now, uow.operator),
    )
    uow.session.add(intention)
    uow.session.flush()
    context = GuardContext(uow, [intention], {person.id: person}, clock_today())
    refusal = _guard_second_active(context, intention, person, State.DRAFT)
    if refusal:
        raise ServiceError(f"{person.name}：{refusal}")
    first = Step(intention.id, None, State.DRAFT, now, uow.operator, described=_described(person.name, data))
    write_steps(uow.session, [first], audit=uow.audit_entries, loaded={intention.id: intention})
    return intention.id


def insert_new_people_intentions(
    uow: UnitOfWork, wishes: Sequence[tuple[uuid.UUID, str, IntentionInput]]
) -> list[uuid.UUID]:
    """Record, at once, the wishes of people registered in this same unit of work (a village
    sheet's new members): each in state 登记 with its first step and audit entry, as
    :func:`create_intention` does, written with one executemany per table. Such people have no
    other intention yet, so only two wishes of one kind for the same person can clash."""
    now = utc_now()
    operator = uow.operator
    seen: set[tuple[uuid.UUID, str]] = set()
    intentions: list[tuple[object, ...]] = []
    steps: list[Step] = []
    fields = state_fields(State.DRAFT, now, operator)
    for person_id, name, data in wishes:
        refuse_incomplete_intention(name, data)
        if (person_id, data.kind) in seen:
            raise ServiceError(f"{name}：已有一条进行中的“{KIND_LABELS[data.kind]}”意愿，不能重复")
        seen.add((person_id, data.kind))
        intention_id = uuid.uuid4()
        intentions.append(
            (intention_id, person_id, data.kind, data.occupation, data.major, data.school, data.training_type,
             data.referral_source, now, *fields.values(), *_FOLLOW_UP)
        )  # fmt: skip
        steps.append(Step(intention_id, None, State.DRAFT, now, operator, described=_described(name, data)))
    if intentions:
        columns = (*_NEW_INTENTION_COLUMNS, *fields, *_FOLLOW_UP_COLUMNS)
        insert_rows(uow.session, Intention.__table__, columns, intentions)
        write_steps(uow.session, steps, audit=uow.audit_entries)
    return [step.intention_id for step in steps]


_NEW_INTENTION_COLUMNS = (
    "id", "person_id", "kind", "occupation", "major", "school", "training_type", "referral_source", "created_at",
)  # fmt: skip


# Empty until the person is enrolled; written all the same, so that the change log's create of a new
# intention holds every column, as the ORM's does.
_FOLLOW_UP_COLUMNS = (
    "provider", "class_name", "start_date", "end_date", "certificate", "employer", "employ_place", "employ_start",
    "monthly_income",
)  # fmt: skip
_FOLLOW_UP = (None,) * len(_FOLLOW_UP_COLUMNS)


def _described(person_name: str, data: IntentionInput) -> str:
    """What the audit says of a new intention: whose, of which kind."""
    return f"{person_name} {KIND_LABELS[data.kind]}"


def transition(
    uow: UnitOfWork,
    intention_ids: Iterable[uuid.UUID],
    target: State,
    *,
    reason: str | None = None,
    on: date | None = None,
    four_eyes_for: str | None = None,
) -> BulkResult:
    """Move every intention that may take the step to ``target``; report the others. With
    ``four_eyes_for`` (an account's name) an intention that account referred is not approved."""
    day = on or clock_today()
    result = BulkResult(target)
    ids = list(intention_ids)
    # Loaded 500 at a time rather than one query each (a county list seals 50,000 at once); the
    # dictionaries also keep them in the session's weakly-held identity map until the loop is done.
    intentions: dict[uuid.UUID, Intention] = {}
    people: dict[uuid.UUID, Person] = {}
    for chunk in _chunks(ids):
        loaded = list(uow.session.scalars(select(Intention).where(Intention.id.in_(chunk))))
        intentions.update((i.id, i) for i in loaded)
        person_ids = list({i.person_id for i in loaded})
        people.update((p.id, p) for p in uow.session.scalars(select(Person).where(Person.id.in_(person_ids))))
    context = GuardContext(uow, list(intentions.values()), people, day)
    context.four_eyes_for = four_eyes_for
    now, operator = utc_now(), uow.operator
    steps: list[Step] = []
    standing: dict[uuid.UUID, State] = {}  # a later step of the same call sees the earlier one
    for intention_id in ids:
        intention = intentions.get(intention_id)
        if intention is None:
            result.refused.append(Refusal(intention_id, "（已删除）", "该意愿已不存在"))
            continue
        person = people.get(intention.person_id) or uow.session.get(Person, intention.person_id)
        assert person is not None  # foreign key
        source = standing.get(intention.id, State(intention.state))
        refusal = step_refusal(source, target, reason)
        for guard in GUARDS:
            if refusal is not None:
                break
            refusal = guard(context, intention, person, target)
        if refusal is not None:
            result.refused.append(Refusal(intention.id, person.name, refusal))
            continue
        steps.append(Step(intention.id, source, target, now, operator, reason))
        standing[intention.id] = target
        result.moved.append(intention.id)
    write_steps(uow.session, steps, audit=uow.audit_entries, loaded=intentions)
    uow.session.flush()
    return result


# --- use cases: each opens, audits and commits its own unit of work --------------------------------


def register_intention(database: Database, *, actor: Who, person_id: uuid.UUID, data: IntentionInput) -> Saved:
    """登记意愿 for one person (a 村级录入员: of their own village)."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        person = uow.session.get(Person, person_id)
        households = {person.household_id} if person is not None else set()
        permit_for_households(uow.session, actor, Capability.REGISTER_INTENTION, households)
        intention_id = create_intention(uow, person_id, data)
        uow.commit()
    return Saved(intention_id)


def take_step(
    database: Database,
    *,
    actor: Who,
    intention_ids: Sequence[uuid.UUID],
    target: State,
    reason: str | None = None,
    on: date | None = None,
) -> BulkResult:
    """One workflow step for the chosen intentions: those that may take it move, the others are reported.
    Each step is the operation :data:`STEP_CAPABILITIES` names, refused before anything moves unless the
    actor's role may take it (a 村级录入员: only for their own village); 审核通过 needs a 审核人, who does
    not approve their own referrals."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        operation = STEP_CAPABILITIES[target]
        households: set[uuid.UUID] = set()
        for chunk in _chunks(intention_ids):
            query = select(Person.household_id).join(Intention).where(Intention.id.in_(list(chunk)))
            households.update(uow.session.scalars(query))
        checker = permit_for_households(uow.session, actor, operation, households)
        four_eyes = checker.name if target in REVIEW_STEPS and not checker.is_legacy else None
        result = transition(uow, intention_ids, target, reason=reason, on=on, four_eyes_for=four_eyes)
        uow.commit()
    return result
