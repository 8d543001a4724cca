"""冲突处理: a person decides what a package could not apply by itself, and the decision travels.

Each open ``sync_issue`` — a conflict, a possible duplicate, a proposal from a site that does not own
the record, a correction request for a sealed record — is shown with base / ours / theirs and who and
when on each side, and decided here by a person of the site that owns the record: 采用本站, 采用对方,
合并为同一人, 接受 / 不接受. The decision is one unit of work: the record is written (Core statements,
``services/sync_apply.py``), the decision enters the change log as one ``decide`` or ``merge`` change
(so every other site that met the same question makes the same writes and closes its own copy of it),
and it is audited. What is another site's to decide ("elsewhere") only waits here for that decision.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fupin_desktop.domain.accounts import Role
from fupin_desktop.domain.clock import today, utc_now
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import IdNumber, IdNumberError, mask_id
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.validation import FIELD_LABELS, person_code_list, validate_person
from fupin_desktop.services.accounts import Who, actor_name, permit, require
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.households import HEAD, PERSON_FIELDS, person_facts, refresh_household_summary
from fupin_desktop.services.packages import KIND_LABELS
from fupin_desktop.services.roster import next_household_no
from fupin_desktop.services.sync_apply import (
    DECIDE,
    MERGE,
    SiteRule,
    area_of,
    close_issues,
    merge_into,
    remove,
    row_of,
    set_field,
    tombstone,
    upsert,
)
from fupin_desktop.store import changes
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Person, Region, Site, SyncIssue
from fupin_desktop.store.uow import UnitOfWork

DECISION_LABELS = {
    "ours": "采用本站",
    "theirs": "采用对方",
    "merge": "合并为同一人",
    "apart": "不是同一户",
    "accept": "接受",
    "reject": "不接受",
    "dismiss": "知道了",
}
ENTITY_LABELS = {
    "region": "区划",
    "household": "农户",
    "person": "成员",
    "visit": "走访",
    "visit_change": "走访变更",
    "intention": "意愿",
    "intention_transition": "意愿步骤",
    "public_notice": "公示批次",
    "notice_entry": "公示名单",
    "objection": "异议",
    "subsidy_grant": "补贴",
}
_MORE_LABELS = {"locked": "封存", "state": "状态", "household_id": "所在户", "village_id": "所在村"}
FUTURE_SLACK = timedelta(hours=1)


def decision_label(code: str, entity: str) -> str:
    """A decision in words for this kind of record: two households are merged into one 户, not one 人."""
    if code == "merge" and entity == "household":
        return "合并为同一户"
    if code == "merge" and entity == "region":
        return "合并为同一区划"
    if code == "apart" and entity == "person":
        return "不是同一人"
    return DECISION_LABELS.get(code, code)


def choices_for(kind: str, entity: str) -> tuple[str, ...]:
    """The decisions a person can take on an issue of this kind."""
    if kind == "duplicate":
        apart = ("apart",) if entity in ("household", "person") else ()
        return ("merge", "ours", "theirs", *apart)
    if kind in ("proposal", "correction"):
        return ("accept", "reject")
    if kind == "conflict":
        return ("ours", "theirs")
    if kind == "missing":
        return ("dismiss",)
    return ()


@dataclass(frozen=True)
class IssueView:
    """One question for a person, as the 数据交换 page shows it side by side."""

    id: uuid.UUID
    kind: str
    kind_label: str
    entity: str
    entity_label: str
    entity_id: uuid.UUID
    record: str  # what it is about, in words (a member's name and household, a household's number…)
    field: str | None
    field_label: str
    base: str
    ours: str
    theirs: str
    our_account: str
    our_at: datetime | None
    their_site: str
    their_account: str
    their_at: datetime
    their_clock_ahead: bool  # the other laptop's time is later than this computer's: its clock is wrong
    choices: tuple[str, ...]  # empty: another site decides (the note says which)
    note: str
    resolved_at: datetime | None
    resolution: str | None
    # why two records may be one: "id_number" (a person), "household_no" (the same 户编号 in one village),
    # "head" (the same 户主身份证号 under another 户编号), "region"; empty for other questions
    reason: str = ""
    # 不是同一人 (or 不是同一户 for two households whose 户主 share one 身份证号) needs the right number of the
    # one who carries it wrongly: one 身份证号 is one person. The shared number, masked; empty when not needed.
    shared_number: str = ""
    wrong_names: tuple[str, str] = ("", "")  # who would be corrected: (ours, theirs)


@dataclass(frozen=True)
class NumberCorrection:
    """Two records with one 身份证号 that are two people: which side carries it wrongly ("ours" is the record
    here, "theirs" the one that arrived) and that person's right number."""

    wrong: str
    id_number: str


@dataclass(frozen=True)
class Decided:
    issue_id: uuid.UUID
    decision: str
    closed: int  # issues closed by it (the same question may have been asked more than once here)


def show_value(text: str | None) -> str:
    """A change log value (JSON) in words: a whole record by its name or number."""
    if text is None:
        return "（无）"
    value = json.loads(text)
    if isinstance(value, dict):
        for key in ("name", "household_no", "title", "code"):
            if value.get(key):
                return f"整条记录：{value[key]}"
        return "整条记录"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return "（空）" if value in ("", None) else str(value)


def _describe(session: Session, table: Table, entity_id: uuid.UUID, theirs: str | None) -> str:
    row = row_of(session, table, entity_id)
    if row is None and theirs and theirs.startswith("{"):
        row = json.loads(theirs)
    if row is None:
        return f"{ENTITY_LABELS.get(table.name, table.name)}（本站已无此记录）"
    if table.name == "person":
        household = session.get(Household, uuid.UUID(str(row["household_id"])))
        where = f"（户编号 {household.household_no}）" if household is not None else ""
        return f"{row.get('name') or ''}{where}"
    if table.name == "household":
        return f"户编号 {row.get('household_no')}，户主 {row.get('head_name') or '—'}"
    for key in ("name", "title", "code"):
        if row.get(key):
            return str(row[key])
    return str(entity_id)[:8]


def _own_rule(session: Session) -> tuple[Site, SiteRule]:
    own = session.scalar(select(Site).where(Site.own.is_(True)))
    if own is None:
        raise ServiceError("数据库缺少本站站点记录（结构版本过旧），请用本程序重新打开它以完成升级。")
    return own, SiteRule(own.id, own.kind, area_of(session, own.region_id))


def _under_station(own: Site) -> bool:
    """A laptop made from a station's full package: the same question reaches the station too (every package
    passes through it), and is decided there once, so that two places never decide it two ways."""
    return own.kind in ("village", "field") and own.parent_id is not None


def _record_values(session: Session, table: Table, issue: SyncIssue) -> dict[str, Any] | None:
    row = row_of(session, table, issue.entity_id)
    if row is None and issue.theirs and issue.theirs.startswith("{"):
        return changes.decode_row(table, issue.theirs)
    return row if row is not None else tombstone(session, table, issue.entity_id)


def list_issues(database: Database, *, include_closed: bool = False) -> list[IssueView]:
    """Open questions, oldest first (with ``include_closed`` also the decided ones, newest decisions last)."""

    def query(session: Session) -> list[IssueView]:
        names = {site.id: site.name for site in session.scalars(select(Site))}
        own, rule = _own_rule(session)
        statement = select(SyncIssue).order_by(SyncIssue.created_at, SyncIssue.their_seq)
        if not include_closed:
            statement = statement.where(SyncIssue.resolved_at.is_(None))
        soon = utc_now() + FUTURE_SLACK
        out = []
        for issue in session.scalars(statement):
            table = changes.TRACKED.get(issue.entity)
            choices: tuple[str, ...] = ()
            note = ""
            if table is not None and issue.resolved_at is None:
                values = _record_values(session, table, issue)
                if _under_station(own):
                    note = "由上级人社所统一决定，决定随其数据包传来（各处的同一问题只决定一次）。"
                elif rule.owns(session, issue.entity, issue.field, values):
                    choices = choices_for(issue.kind, issue.entity)
                else:
                    note = "此记录不归本站所有：等所有者（人社所或该村）决定后随数据包传来。"
            if issue.kind == "correction":
                note = "已封存的记录：接受须先在上报页“解锁更正”。"
            ours_text, theirs_text = show_value(issue.ours), show_value(issue.theirs)
            reason, shared, wrong_names = "", "", ("", "")
            if issue.kind == "duplicate" and table is not None and issue.other_id is not None and issue.theirs:
                ours_text, theirs_text = _side_by_side(session, table, issue.other_id, issue.theirs)
                reason = _reason(session, table, issue.other_id, issue.theirs)
                pair = _one_number(session, issue)
                if pair is not None and issue.resolved_at is None:
                    shared = mask_id(_shared_number(session, pair))
                    wrong_names = (_person_named(session, pair.other_id), _person_named(session, pair.entity_id))
            out.append(
                IssueView(
                    id=issue.id,
                    kind=issue.kind,
                    kind_label=KIND_LABELS.get(issue.kind, issue.kind),
                    entity=issue.entity,
                    entity_label=ENTITY_LABELS.get(issue.entity, issue.entity),
                    entity_id=issue.entity_id,
                    record=_describe(session, table, issue.entity_id, issue.theirs) if table is not None else "",
                    field=issue.field,
                    field_label=_field_label(issue.field),
                    base=show_value(issue.base),
                    ours=ours_text,
                    theirs=theirs_text,
                    our_account=issue.our_account or "—",
                    our_at=issue.our_at,
                    their_site=names.get(issue.their_site_id, str(issue.their_site_id)[:8]),
                    their_account=issue.their_account,
                    their_at=issue.their_at,
                    their_clock_ahead=issue.their_at > soon,
                    choices=choices,
                    note=note,
                    resolved_at=issue.resolved_at,
                    resolution=issue.resolution,
                    reason=reason,
                    shared_number=shared,
                    wrong_names=wrong_names,
                )
            )
        return out

    return database.read(query)


def _one_number(session: Session, issue: SyncIssue) -> SyncIssue | None:
    """The question about two people with one 身份证号 that keeping ``issue``'s records apart must answer: a
    possible duplicate person is that question itself; two households, the open one about their 户主."""
    if issue.kind != "duplicate" or issue.other_id is None:
        return None
    if issue.entity == "person":
        return issue
    if issue.entity != "household":
        return None
    return _heads_question(session, issue.entity_id, issue.other_id)


def _heads_question(session: Session, arrived_household: uuid.UUID, kept_household: uuid.UUID) -> SyncIssue | None:
    """The open possible duplicate between the 户主 of these two households (one 身份证号 on both)."""
    heads = {
        household_id: person_id
        for person_id, household_id in session.execute(
            select(Person.id, Person.household_id).where(
                Person.household_id.in_([arrived_household, kept_household]), Person.relation == HEAD
            )
        )
    }
    arrived, kept = heads.get(arrived_household), heads.get(kept_household)
    if arrived is None or kept is None:
        return None
    return session.scalars(
        select(SyncIssue).where(
            SyncIssue.kind == "duplicate",
            SyncIssue.entity == "person",
            SyncIssue.resolved_at.is_(None),
            or_(
                (SyncIssue.entity_id == arrived) & (SyncIssue.other_id == kept),
                (SyncIssue.entity_id == kept) & (SyncIssue.other_id == arrived),
            ),
        )
    ).first()


def _household_question(session: Session, people: SyncIssue) -> SyncIssue | None:
    """The open possible duplicate of two households that arose from these two people being their 户主."""
    person = changes.TRACKED["person"]
    arrived = row_of(session, person, people.entity_id)
    kept = row_of(session, person, people.other_id) if people.other_id is not None else None
    if arrived is None or kept is None or arrived["relation"] != HEAD or kept["relation"] != HEAD:
        return None
    if arrived["household_id"] == kept["household_id"]:
        return None
    ids = [arrived["household_id"], kept["household_id"]]
    return session.scalars(
        select(SyncIssue).where(
            SyncIssue.kind == "duplicate",
            SyncIssue.entity == "household",
            SyncIssue.resolved_at.is_(None),
            SyncIssue.entity_id.in_(ids),
            SyncIssue.other_id.in_(ids),
        )
    ).first()


def _shared_number(session: Session, people: SyncIssue) -> str:
    """The 身份证号 both carry: held by the question for the one that arrived, in the row of the one here."""
    held = changes.decode_row(changes.TRACKED["person"], people.theirs).get("id_number") if people.theirs else None
    if held:
        return str(held)
    kept = session.get(Person, people.other_id) if people.other_id is not None else None
    return str(kept.id_number) if kept is not None and kept.id_number else ""


def _person_named(session: Session, person_id: uuid.UUID | None) -> str:
    found = session.get(Person, person_id) if person_id is not None else None
    if found is None:
        return ""
    household = session.get(Household, found.household_id)
    return f"{found.name}（户编号 {household.household_no}）" if household is not None else str(found.name)


def _reason(session: Session, table: Table, ours_id: uuid.UUID, theirs: str) -> str:
    """Why two records are asked about as one (see ``IssueView.reason``)."""
    if table.name != "household":
        return {"person": "id_number", "region": "region"}.get(table.name, "")
    ours, other = row_of(session, table, ours_id), changes.decode_row(table, theirs)
    same_no = ours is not None and ours["household_no"] == other.get("household_no")
    return "household_no" if same_no and ours is not None and ours["village_id"] == other.get("village_id") else "head"


_SKIPPED = frozenset({"id", "created_at", "name_pinyin", "name_initials", "sort_order", "head_pinyin"})


def _side_by_side(session: Session, table: Table, ours_id: uuid.UUID, theirs: str) -> tuple[str, str]:
    """Two records that may be one: the fields in which they differ, one per line, on each side."""
    ours = row_of(session, table, ours_id)
    if ours is None:
        return "（本站已无此记录）", show_value(theirs)
    other = changes.decode_row(table, theirs)
    derived = changes.DERIVED.get(table.name, frozenset())
    left, right = [], []
    for key, value in other.items():
        if key in _SKIPPED or key in changes.BOOKKEEPING or key in derived:
            continue
        if changes.encode(ours.get(key)) == changes.encode(value):
            continue
        left.append(f"{_field_label(key)}：{_shown(session, key, ours.get(key))}")
        right.append(f"{_field_label(key)}：{_shown(session, key, value)}")
    if table.name == "household":  # the members of each, as they are here now
        left.append(f"成员：{_members(session, ours_id)}")
        right.append(f"成员：{_members(session, other.get('id'))}")
    if not left:
        return "与对方完全相同", "与本站完全相同"
    return "\n".join(left), "\n".join(right)


def _shown(session: Session, key: str, value: object) -> str:
    """A value in words; a household by its 户编号, a village by its name, rather than an id."""
    if key == "household_id" and value is not None:
        found = session.get(Household, value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        return f"户编号 {found.household_no}" if found is not None else "（本站无此户）"
    if key in ("village_id", "parent_id") and value is not None:
        region = session.get(Region, value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        return region.name if region is not None else "（本站无此区划）"
    return show_value(changes.encode(value))


def _members(session: Session, household_id: object) -> str:
    if household_id is None:
        return "（无）"
    key = household_id if isinstance(household_id, uuid.UUID) else uuid.UUID(str(household_id))
    rows = session.execute(
        select(Person.name, Person.relation).where(Person.household_id == key).order_by(Person.sort_order)
    ).all()
    return "".join(f"\n　{name}（{relation}）" for name, relation in rows) or "（无）"  # one a line


def _field_label(field: str | None) -> str:
    if field is None:
        return "整条记录"
    return FIELD_LABELS.get(field) or _MORE_LABELS.get(field, field)


def decide_issue(
    database: Database,
    *,
    actor: Who,
    issue_id: uuid.UUID,
    decision: str,
    correction: NumberCorrection | None = None,
) -> Decided:
    """Decide one open issue; the record is written and the decision logged and audited in one transaction.

    不是同一人 — and 不是同一户 for two households whose 户主 share one 身份证号 — needs ``correction``: two
    people never keep one number, so the one who carries it wrongly gets the right one, everywhere."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        session = uow.session
        permit(session, actor, Capability.DECIDE_EXCHANGE)
        issue = session.get(SyncIssue, issue_id)
        if issue is None:
            raise NotFound("该待处理事项已不存在，请刷新列表。")
        if issue.resolved_at is not None:
            raise ServiceError(
                f"该事项已于 {issue.resolved_at:%Y-%m-%d %H:%M} 处理（{issue.resolution}），请刷新列表。"
            )
        if decision not in choices_for(issue.kind, issue.entity):
            allowed = "、".join(DECISION_LABELS[c] for c in choices_for(issue.kind, issue.entity)) or "无"
            kind, chosen = KIND_LABELS.get(issue.kind, issue.kind), DECISION_LABELS.get(decision, decision)
            raise ServiceError(f"“{kind}”不能“{chosen}”：可选 {allowed}。")
        table = changes.TRACKED.get(issue.entity)
        if table is None and decision != "dismiss":
            raise ServiceError(f"本程序不认识记录类型“{issue.entity}”，只能标记为知道了。")
        if issue.kind == "correction":
            require(session, actor, (Role.REVIEWER,), "处理已封存记录的更正申请")
        label = DECISION_LABELS[decision]
        if table is not None:
            own, rule = _own_rule(session)
            if _under_station(own):
                raise ServiceError("本站是人社所下的笔记本：这类问题由人社所统一决定，决定会随其数据包传来。")
            if not rule.owns(session, issue.entity, issue.field, _record_values(session, table, issue)):
                raise ServiceError("此记录不归本站所有，须由其所有者（人社所或该村的笔记本）决定。")
            _carry_out(uow, table, issue, decision, correction)
        resolution = f"{label}（{uow.operator}）"
        about = [issue.entity_id] + ([issue.other_id] if issue.other_id is not None else [])
        closed = close_issues(session, about, issue.field, resolution, theirs=issue.theirs)
        if issue.resolved_at is None:
            issue.resolved_at, issue.resolution = utc_now(), resolution
            closed += 1
        uow.audit("decide", issue.entity, issue.entity_id, issue.field, issue.kind, label)
        uow.commit()
        return Decided(issue_id, decision, closed)


@dataclass(frozen=True)
class Requested:
    """A change asked of a record's owner; the record here is as it was until the owner's decision arrives."""

    entity: str
    entity_id: uuid.UUID
    field: str
    before: str
    after: str


def request_change(
    database: Database, *, actor: Who, entity: str, entity_id: uuid.UUID, field: str, value: object
) -> Requested:
    """更正申请 from a site that does not own a record (the county, of a township's people): nothing here
    changes. The request is logged as a change of this site, so it travels in the next package to the owner,
    where it becomes a proposal (a correction request when the record is sealed) for a person there; their
    decision comes back as a ``decide`` change, and only then does the record change here."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        session = uow.session
        permit(session, actor, Capability.DECIDE_EXCHANGE)
        table = changes.TRACKED.get(entity)
        label = ENTITY_LABELS.get(entity, entity)
        if table is None or field not in table.c or field in _NOT_REQUESTED or field in changes.BOOKKEEPING:
            raise ServiceError(f"不能申请更正{label}的“{_field_label(field)}”。")
        if field in changes.DERIVED.get(entity, frozenset()):
            raise ServiceError(f"{label}的“{_field_label(field)}”由成员自动得出，不能单独申请更正。")
        current = row_of(session, table, entity_id)
        if current is None:
            raise NotFound(f"本站没有这条{label}记录，请刷新后再申请。")
        _own, rule = _own_rule(session)
        try:
            kind = table.c[field].type.python_type
            wanted = int(value) if kind is int and isinstance(value, str) else changes.typed(table, field, value)
        except ValueError:
            raise ServiceError(f"“{value}”不是{_field_label(field)}的有效值。") from None
        if rule.owns(session, entity, field, current, new_value=wanted):
            raise ServiceError("此记录归本站所有：请直接修改，不必申请更正。")
        before, after = changes.encode(current[field]), changes.encode(wanted)
        if before == after:
            raise ServiceError(f"{_describe(session, table, entity_id, None)}的{_field_label(field)}已是该值。")
        changes.record_decision(session, "update", entity, entity_id, field, before, after)
        uow.audit("request", entity, entity_id, field, show_value(before), show_value(after))
        uow.commit()
    return Requested(entity, entity_id, field, show_value(before), show_value(after))


_NOT_REQUESTED = frozenset({"id", "created_at", "locked"})


def requestable_person_fields() -> list[tuple[str, str]]:
    """The fields of a person a 更正申请 may name, (key, label) in the order of the person form."""
    table = changes.TRACKED["person"]
    derived = changes.DERIVED.get("person", frozenset())
    return [
        (key, label)
        for key, label in FIELD_LABELS.items()
        if key in table.c and key not in _NOT_REQUESTED and key not in changes.BOOKKEEPING and key not in derived
    ]


def request_value_choices(field: str) -> list[str]:
    """The values a 更正申请 of this person field may ask for (its code list), empty for free text."""
    name = person_code_list(field)
    return codelist(name).names() if name is not None else []


@dataclass(frozen=True)
class RequestTarget:
    """The person a 更正申请 is about, as the dialog shows them: who, where, and each field's value now."""

    person_id: uuid.UUID
    name: str
    household_no: str
    values: dict[str, str]


def find_request_target(database: Database, *, id_number: str) -> RequestTarget:
    """The person with this 身份证号 here, for the 申请更正 dialog (reads only)."""
    number = id_number.strip().upper()
    if not number:
        raise ServiceError("请填写要更正的人员的身份证号。")

    def query(session: Session) -> RequestTarget:
        found = session.scalars(select(Person).where(Person.id_number == number)).one_or_none()
        if found is None:
            raise NotFound(f"本站没有身份证号为“{number}”的人员。")
        household = session.get(Household, found.household_id)
        row = row_of(session, changes.TRACKED["person"], found.id) or {}
        values = {key: show_value(changes.encode(row.get(key))) for key, _label in requestable_person_fields()}
        return RequestTarget(found.id, found.name, household.household_no if household is not None else "", values)

    return database.read(query)


def request_person_change(database: Database, *, actor: Who, id_number: str, field: str, value: str) -> Requested:
    """``request_change`` for a person found by 身份证号, the field given by its name or its label (文化程度…)."""
    number = id_number.strip().upper()
    found = database.read(lambda session: session.scalars(select(Person).where(Person.id_number == number)).first())
    if found is None:
        raise NotFound(f"本站没有身份证号为“{number}”的人员。")
    wanted = field.strip()
    labels = {label: key for key, label in FIELD_LABELS.items()} | {v: k for k, v in _MORE_LABELS.items()}
    key = labels.get(wanted, wanted)
    if key not in changes.TRACKED["person"].c:
        names = "、".join(label for _key, label in requestable_person_fields())
        raise ServiceError(f"成员没有“{wanted}”这一项：可申请更正的有{names}（也可写字段名，如 education）。")
    _check_requested_value(found, key, value.strip())
    return request_change(database, actor=actor, entity="person", entity_id=found.id, field=key, value=value.strip())


def _check_requested_value(person: Person, key: str, value: str) -> None:
    """The same rules as the person form for the value asked for (a 文化程度 from its code list, a phone
    number that is one…): a request the owner could not save is refused here, in Chinese."""
    if key not in PERSON_FIELDS or key in ("birth_date", "work_months"):
        return
    changed: dict[str, Any] = {key: value}
    facts = dataclasses.replace(person_facts(person), **changed)
    problems = [p.message for p in validate_person(facts, today()) if p.field == key and p.is_error]
    if problems:
        raise ServiceError(f"{person.name}的{_field_label(key)}不能申请改为“{value}”：" + "；".join(problems))


def _carry_out(
    uow: UnitOfWork, table: Table, issue: SyncIssue, decision: str, correction: NumberCorrection | None
) -> None:
    session = uow.session
    current = row_of(session, table, issue.entity_id)
    take_theirs = decision in ("theirs", "accept")
    try:
        with session.begin_nested():
            if decision == "apart":
                _two_people(uow, issue, correction)
                if table.name == "household":
                    _keep_apart(uow, table, issue)
            elif issue.kind == "duplicate":
                _merge(uow, table, issue, decision)
            elif decision == "dismiss":
                return
            elif issue.field is not None:
                _decide_field(uow, table, issue, current, take_theirs)
            else:
                _decide_record(uow, table, issue, current, take_theirs)
    except IntegrityError:
        raise ServiceError(
            "无法这样处理：该记录仍被其他记录引用（例如成员仍有意愿或补贴），请先处理那些记录。"
        ) from None
    _refresh_households(session, table, current, issue)


def _decide_field(uow: UnitOfWork, table: Table, issue: SyncIssue, current: dict[str, Any] | None, take: bool) -> None:
    session, name = uow.session, str(issue.field)
    if current is None:  # edited there, deleted here
        if not take:  # it stays deleted everywhere
            changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, None, None)
            return
        was = tombstone(session, table, issue.entity_id)
        if was is None:
            raise ServiceError("本站已无此记录，也找不到删除前的内容，无法恢复。")
        was[name] = changes.decode(table, name, issue.theirs)
        upsert(session, table, was)
        changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, None, changes.encode_row(was))
        return
    ours = changes.encode(current[name])
    if take:
        if issue.kind == "correction" and current.get("locked"):
            raise ServiceError("该记录已封存：请先在上报页对其所在的上报表“解锁更正”，再接受这项更正申请。")
        set_field(session, table, issue.entity_id, name, changes.decode(table, name, issue.theirs), uow.operator)
        changes.record_decision(session, DECIDE, table.name, issue.entity_id, name, ours, issue.theirs)
    else:  # ours stands: a site that took theirs takes ours back (and lets go what it pointed to, if gone here)
        changes.record_decision(session, DECIDE, table.name, issue.entity_id, name, issue.theirs, ours)
        if table.c[name].foreign_keys and issue.theirs is not None:
            _gone_parents_too(session, table, {name: changes.decode(table, name, issue.theirs)})


def _decide_record(uow: UnitOfWork, table: Table, issue: SyncIssue, current: dict[str, Any] | None, take: bool) -> None:
    """A whole record: a delete against an edit, or a proposed create or delete."""
    session = uow.session
    theirs_row = changes.decode_row(table, issue.theirs) if issue.theirs else None
    if take:
        if theirs_row is not None:  # their record, as they made it (in what it lies in, if deleted here)
            _restore_parents(session, table, theirs_row)
            upsert(session, table, theirs_row)
            after = changes.encode_row(theirs_row)
            changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, None, after)
        else:  # their delete
            if current is not None:
                if issue.kind == "correction" and current.get("locked"):
                    raise ServiceError("该记录已封存：请先在上报页“解锁更正”，再接受删除。")
                remove(session, table, issue.entity_id)
            changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, None, None)
        return
    if current is not None:  # ours stands, whole: a site that deleted it gets it back
        changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, None, changes.encode_row(current))
    else:  # their record is not taken: a site that has it lets it go, and what it lay in if gone here
        changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, issue.theirs, None)
        if theirs_row is not None:
            _gone_parents_too(session, table, theirs_row)


def _tracked_parents(table: Table, values: dict[str, Any]) -> Iterator[tuple[Table, uuid.UUID]]:
    """The tracked records ``values`` lies in: (their table, their id), one per foreign key that is set."""
    for column in table.columns:
        for key in column.foreign_keys:
            parent = key.column.table
            target = values.get(column.key)
            if target is None or not isinstance(parent, Table) or changes.TRACKED.get(parent.name) is not parent:
                continue
            yield parent, target if isinstance(target, uuid.UUID) else uuid.UUID(str(target))


def _restore_parents(session: Session, table: Table, values: dict[str, Any]) -> None:
    """Bring back, as they were when deleted here, the records ``values`` lies in (a household removed here
    that the other side added a member to), each logged as a decision that travels."""
    for parent, target_id in _tracked_parents(table, values):
        if row_of(session, parent, target_id) is not None:
            continue
        was = tombstone(session, parent, target_id)
        if was is None:
            continue
        _restore_parents(session, parent, was)
        upsert(session, parent, was)
        changes.record_decision(session, DECIDE, parent.name, target_id, None, None, changes.encode_row(was))


def _gone_parents_too(session: Session, table: Table, values: dict[str, Any]) -> None:
    """A record refused because what it lay in was deleted here (a member added there to a household removed
    here): that it stays deleted travels too, so the site that kept it for the member lets it go as well."""
    for parent, target_id in _tracked_parents(table, values):
        if row_of(session, parent, target_id) is None:
            was = tombstone(session, parent, target_id)
            if was is not None:
                before = changes.encode_row(was)
                changes.record_decision(session, DECIDE, parent.name, target_id, None, before, None)


def _two_people(uow: UnitOfWork, issue: SyncIssue, correction: NumberCorrection | None) -> None:
    """不是同一人: the question's two people, or the two 户主 of two households kept apart, are two people with
    one 身份证号; the one who carries it wrongly takes the right number and the other keeps the shared one.
    Both rows travel as whole-record ``decide`` changes (the corrected one first, freeing the number), so a
    site where either waits beside the other without its number writes the same and closes its question.
    For two 户主, the question about their households is answered too (不是同一户)."""
    session = uow.session
    people = _one_number(session, issue)
    if people is None:
        return
    person = changes.TRACKED["person"]
    arrived = row_of(session, person, people.entity_id)
    here = row_of(session, person, people.other_id) if people.other_id is not None else None
    if arrived is None or here is None:
        raise ServiceError("这两人之一在本站已不存在，无法分开保留，请刷新列表。")
    shared = _shared_number(session, people)
    if correction is None or not correction.id_number.strip():
        raise ServiceError(
            f"{_person_named(session, here['id'])}与对方的{_person_named(session, arrived['id'])}身份证号相同"
            f"（{mask_id(shared)}）：一个身份证号只属于一个人。若不是同一人，请写明哪一方的身份证号有误及其正确号码；"
            "尚未核实时先向录入的村核对，此事项可暂不处理。"
        )
    if correction.wrong not in ("ours", "theirs"):
        raise ServiceError(f"“{correction.wrong}”不是一方：有误的一方只能是本站（ours）或对方（theirs）。")
    try:
        right = IdNumber.parse(correction.id_number)
    except IdNumberError as error:
        raise ServiceError(f"正确的身份证号：{error}") from None
    if right.value == shared:
        raise ServiceError("填写的正确身份证号与两人现有的相同：请填写有误一方本人的号码。")
    holder = session.scalar(select(Person).where(Person.id_number == right.value))
    if holder is not None:
        raise ServiceError(f"身份证号{mask_id(right.value)}已是{_person_named(session, holder.id)}的，请核对后重填。")
    wrong_row, right_row = (here, arrived) if correction.wrong == "ours" else (arrived, here)
    wrong_row |= {"id_number": right.value, "sex": right.sex, "birth_date": right.birth_date}
    right_row["id_number"] = shared
    for row in (wrong_row, right_row):
        if "updated_at" in row:
            row |= {"updated_at": utc_now(), "updated_by": uow.operator[:40]}
        upsert(session, person, row)
        changes.record_decision(session, DECIDE, "person", row["id"], None, None, changes.encode_row(row))
    uow.audit("update", "person", wrong_row["id"], "id_number", mask_id(shared), mask_id(right.value))
    resolution = f"不是同一人，已更正身份证号（{uow.operator}）"
    close_issues(session, [people.entity_id, here["id"]], None, resolution, theirs=people.theirs)
    if people is issue:  # the two 户主's households are not one household either
        households = _household_question(session, people)
        if households is not None:
            _keep_apart(uow, Household.__table__, households)
            apart = f"不是同一户（{uow.operator}）"
            close_issues(session, [households.entity_id], None, apart, theirs=households.theirs)
            uow.audit("decide", "household", households.entity_id, None, "duplicate", "不是同一户")


def _keep_apart(uow: UnitOfWork, table: Table, issue: SyncIssue) -> None:
    """不是同一户: both households stay, each with its members. If they share a 户编号 in one village, the one
    that arrived takes the village's next free number here (the deciding site sees every household of the
    village). Either way the decision travels as one ``decide`` change of its 户编号 (before → after; the same
    value when it keeps its own), so every site renumbers it alike and closes its copy of the question."""
    session = uow.session
    arrived = row_of(session, table, issue.entity_id)
    if arrived is None:
        raise ServiceError("对方的这一户在本站已不存在，无法分开保留，请刷新列表。")
    kept = row_of(session, table, issue.other_id) if issue.other_id is not None else None
    number = str(arrived["household_no"])
    renumbered = number
    if kept is not None and kept["household_no"] == number and kept["village_id"] == arrived["village_id"]:
        renumbered = next_household_no(session, arrived["village_id"])
        set_field(session, table, issue.entity_id, "household_no", renumbered, uow.operator)
        uow.audit("update", "household", issue.entity_id, "household_no", number, renumbered)
    before, after = changes.encode(number), changes.encode(renumbered)
    changes.record_decision(session, DECIDE, table.name, issue.entity_id, "household_no", before, after)


def _merge(uow: UnitOfWork, table: Table, issue: SyncIssue, decision: str) -> None:
    """合并为同一人: the record here (``other_id``) is kept under its id; the one that arrived goes, and
    whatever refers to it refers to the kept one. ``merge`` fills the kept record's empty fields from
    theirs; ``ours`` keeps ours as it is; ``theirs`` takes their values for every field they filled."""
    session = uow.session
    if issue.other_id is None or not issue.theirs:
        raise ServiceError("这条疑似重复缺少对方的记录内容，无法合并。")
    kept = row_of(session, table, issue.other_id)
    if kept is None:  # the record it may have been is gone since: the one that arrived stands, whole
        arrived = changes.decode_row(table, issue.theirs)
        if row_of(session, table, issue.entity_id) is None:
            raise ServiceError("两条记录都已不存在，无法合并，请刷新列表。")
        upsert(session, table, arrived)
        changes.record_decision(session, DECIDE, table.name, issue.entity_id, None, None, changes.encode_row(arrived))
        return
    if table.name == "household":
        _merge_members(uow, issue.entity_id, issue.other_id, decision)
    _merge_pair(uow, table, issue.entity_id, kept, changes.decode_row(table, issue.theirs), decision)


def _merge_pair(
    uow: UnitOfWork, table: Table, gone_id: uuid.UUID, kept: dict[str, Any], theirs: dict[str, Any], decision: str
) -> None:
    """One record merged into another: the kept one takes their values as ``decision`` says, and whatever
    referred to the gone one refers to it (``merge_into``), logged as one ``merge`` change that travels."""
    for key, value in theirs.items():
        if key in ("id", "created_at") or key in changes.BOOKKEEPING or value in (None, ""):
            continue
        if key in changes.DERIVED.get(table.name, frozenset()):
            continue  # derived again from the members once they are merged
        if decision == "theirs" or (decision == "merge" and kept.get(key) in (None, "")):
            kept[key] = value
    merge_into(uow.session, table, gone_id, kept)
    changes.record_decision(uow.session, MERGE, table.name, gone_id, None, None, changes.encode_row(kept))


def _merge_members(uow: UnitOfWork, gone_id: uuid.UUID, kept_id: uuid.UUID, decision: str) -> None:
    """Two households that are one: each member of the gone one that is a possible duplicate of a person
    here (the same 身份证号, waiting as a question) is merged into that person first, by the same decision;
    the other members then move with the household (``merge_into``), with their visits and intentions."""
    session = uow.session
    person = changes.TRACKED["person"]
    members = set(session.scalars(select(person.c.id).where(person.c.household_id == gone_id)))
    questions = session.scalars(
        select(SyncIssue).where(
            SyncIssue.kind == "duplicate",
            SyncIssue.entity == "person",
            SyncIssue.resolved_at.is_(None),
            or_(SyncIssue.entity_id.in_(members), SyncIssue.other_id.in_(members)),
        )
    )
    for question in list(questions):
        if question.other_id is None or not question.theirs:
            continue
        parked, first = question.entity_id, question.other_id  # the one that arrived, the one here before
        parked_row, first_row = row_of(session, person, parked), row_of(session, person, first)
        if parked_row is None or first_row is None:
            continue
        arrived = changes.decode_row(person, question.theirs)  # with its 身份证号, held by the question
        if parked in members:  # the arrived member goes into the person already here
            _merge_pair(uow, person, parked, first_row, arrived, decision)
        else:  # the person here first lies in the gone household: it goes into the arrived one, which
            kept = arrived | {"household_id": parked_row["household_id"]}  # takes its 身份证号 back
            _merge_pair(uow, person, first, kept, first_row, "theirs" if decision == "ours" else decision)
        question.resolved_at = utc_now()
        question.resolution = f"{DECISION_LABELS[decision]}（随农户合并，{uow.operator}）"[:200]


def _refresh_households(session: Session, table: Table, current: dict[str, Any] | None, issue: SyncIssue) -> None:
    if table.name == "household":  # merged, or written whole: derived again from its members
        session.expire_all()
        for household_id in (issue.entity_id, issue.other_id):
            found = session.get(Household, household_id) if household_id is not None else None
            if found is not None:
                refresh_household_summary(found)
        return
    if table.name != "person":
        return
    ids = set()
    for source in (current, row_of(session, table, issue.entity_id), row_of(session, table, issue.other_id)
                   if issue.other_id else None):  # fmt: skip
        if source is not None and source.get("household_id"):
            ids.add(source["household_id"])
    session.expire_all()
    for household_id in ids:
        household = session.get(Household, household_id)
        if household is not None:
            refresh_household_summary(household)
