"""After submission: enrolment or training, completion, employment, subsidies, and who works.

Each follow-up step is a workflow transition (stored with operator, time and reason) that also
fills the intention's follow-up columns for the people who moved; the others are reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.eligibility import SUBSIDY_LABELS, age_on, subsidy_refusal
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.domain.workflow import STATE_LABELS, State, chinese_date
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.intentions import BulkResult, Refusal, grants_in_year, transition
from fupin_desktop.services.province import active_profile
from fupin_desktop.services.results import Saved
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Intention, Person, SubsidyGrant
from fupin_desktop.store.uow import UnitOfWork

# 务工状况 values that mean the person is not working.
NOT_WORKING = frozenset({"未务工", ""})
GRANT_STATES = frozenset({State.ENROLLED.value, State.COMPLETED.value})


@dataclass(frozen=True)
class Enrolment:
    """已录取/已参训: the school or training provider, the class and its dates."""

    provider: str
    class_name: str = ""
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class Employment:
    """已就业: employer, place, start date and monthly income in yuan."""

    employer: str
    place: str
    start_date: date
    monthly_income: int | None = None


def _set(uow: UnitOfWork, intention: Intention, field: str, value: object) -> None:
    old = getattr(intention, field)
    if old != value:
        uow.audit("update", "intention", intention.id, field, old, value)
        setattr(intention, field, value)


def _fill(uow: UnitOfWork, result: BulkResult, values: dict[str, object]) -> None:
    for intention_id in result.moved:
        intention = uow.session.get(Intention, intention_id)
        assert intention is not None
        for field, value in values.items():
            _set(uow, intention, field, value)
    uow.session.flush()


def enrol(
    uow: UnitOfWork, intention_ids: Iterable[uuid.UUID], enrolment: Enrolment, *, on: date | None = None
) -> BulkResult:
    """已上报 → 已录取/已参训, recording the school or provider, class and dates."""
    provider = enrolment.provider.strip()
    if not provider:
        raise ServiceError("请填写录取院校或培训机构。")
    if enrolment.start_date and enrolment.end_date and enrolment.end_date < enrolment.start_date:
        raise ServiceError(
            f"结束日期{chinese_date(enrolment.end_date)}早于开始日期{chinese_date(enrolment.start_date)}。"
        )
    result = transition(uow, intention_ids, State.ENROLLED, on=on)
    _fill(
        uow,
        result,
        {
            "provider": provider,
            "class_name": enrolment.class_name.strip() or None,
            "start_date": enrolment.start_date,
            "end_date": enrolment.end_date,
        },
    )
    return result


def complete(
    uow: UnitOfWork,
    intention_ids: Iterable[uuid.UUID],
    *,
    certificate: str,
    end_date: date,
    on: date | None = None,
) -> BulkResult:
    """已录取/已参训 → 已结业/已毕业, with the certificate obtained (职业资格/技能等级/毕业证书)."""
    if not certificate.strip():
        raise ServiceError("请填写所获证书（如：电工 初级职业技能等级证书）。")
    early: list[Refusal] = []
    ready: list[uuid.UUID] = []
    for intention_id in intention_ids:
        intention = uow.session.get(Intention, intention_id)
        if intention is not None and intention.start_date is not None and end_date < intention.start_date:
            person = uow.session.get(Person, intention.person_id)
            name = person.name if person is not None else ""
            early.append(
                Refusal(
                    intention.id,
                    name,
                    f"结业日期{chinese_date(end_date)}早于开班日期{chinese_date(intention.start_date)}",
                )
            )
        else:
            ready.append(intention_id)
    result = transition(uow, ready, State.COMPLETED, on=on)
    result.refused.extend(early)
    _fill(uow, result, {"certificate": certificate.strip(), "end_date": end_date})
    return result


def employ(
    uow: UnitOfWork, intention_ids: Iterable[uuid.UUID], job: Employment, *, on: date | None = None
) -> BulkResult:
    """已结业/已毕业 → 已就业, with employer, place, start date and monthly income."""
    if not job.employer.strip():
        raise ServiceError("请填写就业单位。")
    if not job.place.strip():
        raise ServiceError("请填写就业地点。")
    if job.monthly_income is not None and not 0 <= job.monthly_income <= 100_000:
        raise ServiceError(f"月收入“{job.monthly_income}”元不合理，应在0到100000元之间。")
    result = transition(uow, intention_ids, State.EMPLOYED, on=on)
    _fill(
        uow,
        result,
        {
            "employer": job.employer.strip(),
            "employ_place": job.place.strip(),
            "employ_start": job.start_date,
            "monthly_income": job.monthly_income,
        },
    )
    return result


def record_subsidy_grant(
    uow: UnitOfWork, intention_id: uuid.UUID, kind: str, amount_yuan: int, *, on: date | None = None
) -> uuid.UUID:
    """Record a subsidy paid for an enrolled or completed intention, within the yearly limits."""
    day = on or clock_today()
    intention = uow.session.get(Intention, intention_id)
    if intention is None:
        raise NotFound("该意愿已不存在（可能已在其他窗口删除），请刷新列表。")
    person = uow.session.get(Person, intention.person_id)
    assert person is not None
    if kind not in SUBSIDY_LABELS:
        raise ServiceError(f"补贴类别“{kind}”不存在，应为：{'、'.join(SUBSIDY_LABELS.values())}")
    label = SUBSIDY_LABELS[kind]
    if intention.state not in GRANT_STATES:
        raise ServiceError(
            f"{person.name}：当前状态为“{STATE_LABELS[State(intention.state)]}”，"
            f"只有已录取/已参训或已结业/已毕业的人员才能登记{label}"
        )
    profile = active_profile(uow.session)
    if amount_yuan < 0:
        raise ServiceError(f"{person.name}：{label}金额不能为负数")
    if kind == "travel" and amount_yuan > profile.subsidies.travel_aid_max_yuan:
        raise ServiceError(
            f"{person.name}：交通补助{amount_yuan}元超过上限{profile.subsidies.travel_aid_max_yuan}元（{profile.name}）"
        )
    refusal = subsidy_refusal(profile, kind, grants_in_year(uow.session, person.id, kind, day.year), day.year)
    if refusal:
        raise ServiceError(f"{person.name}：{refusal}")
    grant = SubsidyGrant(
        person_id=person.id,
        intention_id=intention.id,
        kind=kind,
        granted_on=day,
        amount_yuan=amount_yuan,
        operator=uow.operator,
    )
    uow.session.add(grant)
    uow.session.flush()
    uow.audit("create", "subsidy_grant", grant.id, new=f"{person.name} {label} {amount_yuan}元 {chinese_date(day)}")
    return grant.id


def is_working_age(profile: ProvinceProfile, sex: str | None, birth: date | None, on: date) -> bool:
    if birth is None or sex not in ("男", "女"):
        return False
    return profile.working_age.contains(age_on(birth, on), sex)


def households_with_employed_member(session: Session, household_ids: Iterable[uuid.UUID], on: date) -> set[uuid.UUID]:
    """Of these households, those with at least one working-age member who works (务工状况) or has
    an intention that reached 已就业 — the 一户一人就业 test. Working age from the active profile."""
    ids = list(household_ids)
    if not ids:
        return set()
    profile = active_profile(session)
    employed_by_intention = select(Intention.person_id).where(Intention.state == State.EMPLOYED.value)
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                Person.household_id,
                Person.sex,
                Person.birth_date,
                Person.employment,
                Person.id.in_(employed_by_intention),
            ).where(Person.household_id.in_(ids[start : start + 500]))
        )
        for household_id, sex, birth, employment, has_job in rows:
            working = bool(has_job) or (employment or "") not in NOT_WORKING
            if working and is_working_age(profile, sex, birth, on):
                found.add(household_id)
    return found


def household_has_employed_member(session: Session, household_id: uuid.UUID, on: date | None = None) -> bool:
    """Whether the household has at least one working-age member in work (see the plural form)."""
    return household_id in households_with_employed_member(session, [household_id], on or clock_today())


@dataclass(frozen=True)
class GrantRow:
    """One subsidy paid: 类别, 金额, 发放日期, 经办人."""

    kind: str
    amount_yuan: int
    granted_on: date
    operator: str


@dataclass(frozen=True)
class FollowupDetails:
    """What was recorded after submission for one intention, and the person's subsidies."""

    provider: str | None
    class_name: str | None
    start_date: date | None
    end_date: date | None
    certificate: str | None
    employer: str | None
    employ_place: str | None
    employ_start: date | None
    monthly_income: int | None
    grants: list[GrantRow]

    def lines(self) -> list[str]:
        """The facts as short Chinese lines, only those recorded."""
        out: list[str] = []
        if self.provider:
            when = ""
            if self.start_date:
                when = f"，{chinese_date(self.start_date)}起"
                if self.end_date:
                    when += f"至{chinese_date(self.end_date)}"
            out.append(f"录取/参训：{self.provider}{' ' + self.class_name if self.class_name else ''}{when}")
        if self.certificate:
            out.append(f"结业/毕业：{self.certificate}")
        if self.employer:
            income = f"，月收入{self.monthly_income}元" if self.monthly_income is not None else ""
            since = f"，{chinese_date(self.employ_start)}起" if self.employ_start else ""
            out.append(f"就业：{self.employer}（{self.employ_place or ''}）{since}{income}")
        return out + self.grant_lines()

    def grant_lines(self) -> list[str]:
        return [
            f"{SUBSIDY_LABELS.get(g.kind, g.kind)}：{g.amount_yuan}元，{chinese_date(g.granted_on)}（{g.operator}）"
            for g in self.grants
        ]


def followup_details(session: Session, intention_id: uuid.UUID) -> FollowupDetails:
    """The follow-up columns of an intention and every subsidy granted to its person, oldest first."""
    intention = session.get(Intention, intention_id)
    if intention is None:
        raise NotFound("该意愿已不存在（可能已在其他窗口删除），请刷新列表。")
    grants = session.execute(
        select(SubsidyGrant.kind, SubsidyGrant.amount_yuan, SubsidyGrant.granted_on, SubsidyGrant.operator)
        .where(SubsidyGrant.person_id == intention.person_id)
        .order_by(SubsidyGrant.granted_on, SubsidyGrant.id)
    )
    return FollowupDetails(
        provider=intention.provider,
        class_name=intention.class_name,
        start_date=intention.start_date,
        end_date=intention.end_date,
        certificate=intention.certificate,
        employer=intention.employer,
        employ_place=intention.employ_place,
        employ_start=intention.employ_start,
        monthly_income=intention.monthly_income,
        grants=[GrantRow(*row) for row in grants],
    )


# --- use cases: each opens, audits and commits its own unit of work --------------------------------


def record_enrolment(
    database: Database,
    *,
    actor: Who,
    intention_ids: Sequence[uuid.UUID],
    enrolment: Enrolment,
    on: date | None = None,
) -> BulkResult:
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.FOLLOW_UP)
        result = enrol(uow, intention_ids, enrolment, on=on)
        uow.commit()
    return result


def record_completion(
    database: Database,
    *,
    actor: Who,
    intention_ids: Sequence[uuid.UUID],
    certificate: str,
    end_date: date,
    on: date | None = None,
) -> BulkResult:
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.FOLLOW_UP)
        result = complete(uow, intention_ids, certificate=certificate, end_date=end_date, on=on)
        uow.commit()
    return result


def record_employment(
    database: Database, *, actor: Who, intention_ids: Sequence[uuid.UUID], job: Employment, on: date | None = None
) -> BulkResult:
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.FOLLOW_UP)
        result = employ(uow, intention_ids, job, on=on)
        uow.commit()
    return result


def grant_subsidy(
    database: Database, *, actor: Who, intention_id: uuid.UUID, kind: str, amount_yuan: int, on: date | None = None
) -> Saved:
    """补贴发放 for one intention, within the yearly limits."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.GRANT_SUBSIDY)
        grant_id = record_subsidy_grant(uow, intention_id, kind, amount_yuan, on=on)
        uow.commit()
    return Saved(grant_id)
