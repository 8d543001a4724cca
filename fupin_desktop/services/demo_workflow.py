"""Demo intentions in every workflow state, each with a believable history, plus 公示 batches,
objections and subsidy grants — so that a newcomer sees the whole procedure at once.

Runs after ``services.demo.generate_demo`` on the same connection: reads the people it made and
writes with bulk Core inserts. The stories obey the same eligibility rules as the guards (age,
两后生, 建档立卡 household), so that every person shown as approved could have been approved.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final
from uuid import UUID

import sqlalchemy
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.eligibility import age_on, age_refusal, household_refusal
from fupin_desktop.domain.profiles import ProvinceProfile, ProvinceProfileError, load_province_profile
from fupin_desktop.domain.workflow import State, state_fields
from fupin_desktop.services.intentions import KIND_LABELS
from fupin_desktop.services.workflow_steps import Step, write_steps
from fupin_desktop.store import chain
from fupin_desktop.store.chain import PendingEntry
from fupin_desktop.store.models import (
    Household,
    Intention,
    NoticeEntry,
    Objection,
    Person,
    PublicNotice,
    Region,
    Setting,
    SubsidyGrant,
)

__all__ = ["DemoWorkflowSummary", "generate_demo_workflow", "write_histories"]

Row = dict[str, Any]


@dataclass(frozen=True)
class DemoWorkflowSummary:
    intentions: int
    transitions: int
    notices: int
    objections: int
    grants: int


# Final state of a story, with its weight; stories past 公示 went through last spring's batch.
_ENDINGS: Final = (
    (State.DRAFT, 10),
    (State.REFERRED, 8),
    (State.RETURNED, 3),
    (State.REJECTED, 3),
    (State.WITHDRAWN, 4),
    (State.APPROVED, 8),
    (State.IN_NOTICE, 12),
    (State.OBJECTION_UPHELD, 2),
    (State.NOTICE_PASSED, 7),
    (State.SUBMITTED, 10),
    (State.ENROLLED, 13),
    (State.COMPLETED, 9),
    (State.EMPLOYED, 11),
)
_AFTER_OLD_NOTICE: Final = frozenset(
    {State.NOTICE_PASSED, State.SUBMITTED, State.ENROLLED, State.COMPLETED, State.EMPLOYED}
)
_RETURN_REASONS: Final = (
    "缺少身份证复印件和户口簿复印件，请补齐后重新推荐",
    "培训工种填写不明确，请与本人核实后重新填报",
    "联系电话无法接通，请核实后重新推荐",
    "意向院校与专业不对应，请与本人重新确认",
)
_REJECT_REASONS: Final = (
    "经核实本人今年已参加同类培训并享受补贴，不予重复安排",
    "经核实本人已在外地长期稳定就业，暂不安排培训",
    "经核实本人已被普通高中录取，不属于两后生",
    "经核实户籍已迁出本村，请迁入地申报",
)
_WITHDRAW_REASONS: Final = (
    "已外出务工，本人放弃培训",
    "家中老人需要照顾，本人申请放弃",
    "已被其他学校录取，本人放弃",
    "身体原因，本人申请放弃",
)
_OBJECTIONS: Final = (
    ("来电", "反映其家中经营养殖场，收入较高"),
    ("来访", "反映其已在县城长期务工，不在村居住"),
    ("信函", "反映其去年已参加过同一工种培训"),
    ("来电", "反映其家庭成员中有财政供养人员"),
)
_KEPT: Final = "经村委会和驻村工作队入户核实，反映情况不属实，维持公示"
_UPHELD: Final = "经入户核实，反映情况属实，不符合条件，移出名单"
_CORRECTED: Final = "经核实，工种登记有误，已更正，须重新公示"
_SCHOOLS: Final = ("太原技师学院", "山西工程技师学院", "山西交通技师学院", "娄烦县职业技术学校")
_PROVIDERS: Final = ("娄烦县职业技能培训中心", "娄烦县就业训练中心", "太原市家政服务培训学校", "山西建设技工学校")
_EMPLOYERS: Final = (
    ("太原市小店区家政服务有限公司", "太原市小店区", 3200),
    ("娄烦县扶贫车间（服装加工）", "娄烦县城区", 2200),
    ("山西建工集团第三工程公司", "太原市万柏林区", 4500),
    ("娄烦县蔬菜种植专业合作社", "娄烦县", 2400),
    ("古交市汽车维修厂", "古交市", 3600),
    ("北京某物业管理公司", "北京市", 4800),
)
_SURNAMES: Final = "王李张刘陈杨赵黄周吴郭马孙胡高梁罗"
_GIVEN: Final = ("建国", "海燕", "志强", "丽娟", "文斌", "晓东", "春梅", "永平", "红霞", "军")


@dataclass
class _Story:
    person: Row
    intention_id: UUID
    kind: str
    ending: State
    steps: list[tuple[State | None, State, datetime, str, str | None]] = field(default_factory=list)


class _Builder:
    def __init__(self, rng: random.Random, today: date, profile: ProvinceProfile) -> None:
        self.rng = rng
        self.today = today
        self.profile = profile
        self.occupations = codelist("occupation").names()
        self.majors = codelist("major").names()
        self.training_types = codelist("training_type").names()
        self.staff: dict[UUID, tuple[str, str, str]] = {}

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, day: date) -> datetime:
        """Office hours (08–17 Beijing time) on ``day``, as naive UTC."""
        return datetime(day.year, day.month, day.day) + timedelta(seconds=self.rng.randrange(9 * 3600))

    def name(self) -> str:
        return self.rng.choice(_SURNAMES) + self.rng.choice(_GIVEN)

    def people_of(self, village: UUID, township: UUID) -> tuple[str, str, str]:
        """(village clerk, township clerk, reviewer) of a village."""
        if township not in self.staff:
            self.staff[township] = (self.name(), self.name(), self.name())
        if village not in self.staff:
            self.staff[village] = (self.name(), "", "")
        return self.staff[village][0], self.staff[township][1], self.staff[township][2]

    def kind_for(self, person: Row) -> str | None:
        """Which wish this person has, if any (about one working-age adult in eight)."""
        rng = self.rng
        age = age_on(person["birth_date"], self.today)
        if 15 <= age <= 22 and person["education"] in ("初中", "高中") and rng.random() < 0.45:
            return "school"
        if person["labour"] not in ("普通劳动力", "技能劳动力") or not 16 <= age <= 62:
            return None
        draw = rng.random()
        if draw < 0.12:
            return "training"
        if draw < 0.14:
            return "employment"
        if draw < 0.15:
            return "business"
        return None

    def intention_row(self, story: _Story, village_code: str) -> Row:
        rng = self.rng
        kind = story.kind
        row: Row = {
            "id": story.intention_id,
            "person_id": story.person["id"],
            "kind": kind,
            "occupation": None,
            "major": None,
            "school": None,
            "training_type": None,
            "referral_source": rng.choices(("village", "work_team", "poverty_office", "self"), (55, 20, 10, 15))[0],
            "provider": None,
            "class_name": None,
            "start_date": None,
            "end_date": None,
            "certificate": None,
            "employer": None,
            "employ_place": None,
            "employ_start": None,
            "monthly_income": None,
        }
        if kind == "training":
            row["occupation"] = rng.choice(self.occupations)
            row["training_type"] = rng.choices(self.training_types, (15, 55, 18, 0, 6, 6))[0]
        elif kind == "school":
            row["major"] = rng.choice(self.majors)
            row["school"] = rng.choice(_SCHOOLS)
        elif kind == "business":
            row["occupation"] = rng.choice(("电子商务师", "家畜饲养员", "食用菌生产工", "中式面点师"))
            row["training_type"] = "创业培训"
        else:
            row["occupation"] = rng.choice(("家政服务员", "养老护理员", "砌筑工", "电工", "中式烹调师"))
        return row


def _active_profile(connection: sqlalchemy.Connection) -> ProvinceProfile:
    code = connection.execute(
        select(Setting.__table__.c.value).where(Setting.__table__.c.key == "station.province_profile")
    ).scalar()
    try:
        return load_province_profile(code or "default")
    except ProvinceProfileError:
        return load_province_profile("default")


def generate_demo_workflow(
    connection: sqlalchemy.Connection,
    seed: int,
    today: date,
    *,
    cancelled: Callable[[], bool] | None = None,
) -> DemoWorkflowSummary:
    """Give about one working-age person in eight an intention somewhere along the workflow."""
    rng = random.Random(f"workflow-{seed}")
    profile = _active_profile(connection)
    builder = _Builder(rng, today, profile)
    p, h, r = Person.__table__.c, Household.__table__.c, Region.__table__.c
    villages = {
        row.id: row
        for row in connection.execute(
            select(r.id, r.name, r.code, r.parent_id).where(r.level == "village").order_by(r.code)
        )
    }
    people = connection.execute(
        select(
            p.id,
            p.name,
            p.sex,
            p.birth_date,
            p.education,
            p.school_status,
            p.labour,
            h.village_id,
            h.household_type,
            h.status,
        )
        .join(Household.__table__, p.household_id == h.id)
        .order_by(h.household_no, p.sort_order)
    ).mappings()

    intentions: list[Row] = []
    transitions: list[Step] = []
    notices: list[Row] = []
    entries: list[Row] = []
    objections: list[Row] = []
    grants: list[Row] = []
    by_village: dict[UUID, list[_Story]] = {}
    for person in people:
        if cancelled and cancelled():
            break
        if person["birth_date"] is None:
            continue
        kind = builder.kind_for(dict(person))
        if kind is None:
            continue
        story = _Story(dict(person), builder.uuid(), kind, rng.choices(*zip(*_ENDINGS, strict=True))[0])
        refusal = household_refusal(person["household_type"], person["status"]) or next(
            filter(
                None,
                (
                    age_refusal(
                        profile,
                        kind,
                        sex=person["sex"],
                        birth=person["birth_date"],
                        education=person["education"],
                        school_status=person["school_status"],
                        on=day,
                    )
                    for day in (today - timedelta(days=240), today)
                ),
            ),
            None,
        )
        if refusal:
            # Not eligible: the village clerk recorded the wish, the referral was never possible.
            story.ending = State.DRAFT if rng.random() < 0.7 else State.WITHDRAWN
        if kind == "school" and story.ending in (State.COMPLETED, State.EMPLOYED):
            story.ending = State.ENROLLED  # a 技工院校 course takes years
        by_village.setdefault(person["village_id"], []).append(story)

    for village_id, stories in by_village.items():
        village = villages[village_id]
        clerk, township_clerk, reviewer = builder.people_of(village.id, village.parent_id)
        unit = "人力资源和社会保障所"
        old_start = today - timedelta(days=rng.randint(170, 230))
        new_start = today - timedelta(days=rng.randint(1, 4))
        rounds = {
            "old": _notice_row(builder, village, old_start, closed=True, unit=unit, operator=township_clerk),
            "new": _notice_row(builder, village, new_start, closed=False, unit=unit, operator=township_clerk),
        }
        used: set[str] = set()
        order = {"old": 0, "new": 0}
        for story in stories:
            row = builder.intention_row(story, village.code)
            _tell(
                builder, story, row, rounds, used, order, entries, objections, grants, (clerk, township_clerk, reviewer)
            )
            _source, begun, created, clerk_name, _reason = story.steps[0]
            row.update(created_at=created, **state_fields(begun, created, clerk_name))  # the steps move it on
            intentions.append(row)
            described = f"{story.person['name']} {KIND_LABELS[story.kind]}"
            for source, target, at, operator, reason in story.steps:
                transitions.append(
                    Step(story.intention_id, source, target, at, operator, reason,
                         described=described if source is None else None, id=builder.uuid())
                )  # fmt: skip
        notices.extend(rounds[key] for key in ("old", "new") if key in used)

    write_histories(connection, intentions, transitions, builder.uuid)
    if notices:
        connection.execute(insert(PublicNotice.__table__), notices)
        connection.execute(insert(NoticeEntry.__table__), entries)
    if objections:
        connection.execute(insert(Objection.__table__), objections)
    if grants:
        connection.execute(insert(SubsidyGrant.__table__), grants)
    return DemoWorkflowSummary(len(intentions), len(transitions), len(notices), len(objections), len(grants))


def write_histories(
    connection: sqlalchemy.Connection, intentions: list[Row], steps: list[Step], new_id: Callable[[], UUID]
) -> None:
    """Insert the intentions as their first steps made them, then take every step of their stories
    through the workflow's one writer, with the audit entries chained at once."""
    if not intentions:
        return
    connection.execute(insert(Intention.__table__), intentions)
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        entries: list[PendingEntry] = []
        write_steps(session, steps, audit=entries.extend, new_id=new_id)
        chain.append(session, entries)
        session.commit()  # the savepoint: the demo's transaction stays the caller's
    finally:
        session.close()


def _notice_row(builder: _Builder, village: Any, start: date, *, closed: bool, unit: str, operator: str) -> Row:
    end = builder.profile.notice_end_date(start)
    moment = builder.moment(start)
    return {
        "id": builder.uuid(),
        "region_id": village.id,
        "title": f"{village.name}{start.year}年技能培训和技工院校就读人员公示",
        "start_date": start,
        "end_date": end,
        "place": f"{village.name}{builder.profile.notice.posting_place_default}",
        "complaint_phone": f"0351-52{builder.rng.randrange(10**5):05d}",
        "issuing_unit": f"{village.name}村民委员会、乡镇{unit}",
        "closed_at": builder.moment(end + timedelta(days=1)) if closed else None,
        "created_at": moment,
        "updated_at": moment,
        "updated_by": operator,
    }


def _tell(
    builder: _Builder,
    story: _Story,
    row: Row,
    rounds: dict[str, Row],
    used: set[str],
    order: dict[str, int],
    entries: list[Row],
    objections: list[Row],
    grants: list[Row],
    staff: tuple[str, str, str],
) -> None:
    """Write the story's steps (and its 公示 entries, objections, grants) backwards from its ending."""
    rng = builder.rng
    today = builder.today
    clerk, township_clerk, reviewer = staff
    ending = story.ending
    steps = story.steps
    through_old = ending in _AFTER_OLD_NOTICE or (ending == State.OBJECTION_UPHELD and rng.random() < 0.5)
    corrected = ending == State.IN_NOTICE and rng.random() < 0.06
    if through_old or corrected:
        notice_start = rounds["old"]["start_date"]
    elif ending in (State.IN_NOTICE, State.OBJECTION_UPHELD):
        notice_start = rounds["new"]["start_date"]
    else:
        notice_start = today - timedelta(days=rng.randint(0, 10))
    created = notice_start - timedelta(days=rng.randint(25, 70))
    referred = created + timedelta(days=rng.randint(3, 12))
    approved = referred + timedelta(days=rng.randint(3, 10))

    def step(source: State | None, target: State, day: date, operator: str, reason: str | None = None) -> None:
        at = builder.moment(min(day, today))
        if steps and at <= steps[-1][2]:
            at = steps[-1][2] + timedelta(minutes=rng.randint(5, 90))
        steps.append((source, target, at, operator, reason))

    def list_in(key: str) -> None:
        notice = rounds[key]
        used.add(key)
        order[key] += 1
        entries.append(
            {
                "id": builder.uuid(),
                "notice_id": notice["id"],
                "intention_id": story.intention_id,
                "sort_order": order[key],
            }
        )
        step(State.APPROVED, State.IN_NOTICE, notice["start_date"], township_clerk)

    def objection(key: str, outcome: str | None, resolution: str | None) -> None:
        notice = rounds[key]
        method, content = rng.choice(_OBJECTIONS)
        raised = notice["start_date"] + timedelta(days=rng.randint(1, 3))
        raised = min(raised, today)
        resolved = min(raised + timedelta(days=rng.randint(1, 3)), today) if outcome else None
        objections.append(
            {
                "id": builder.uuid(),
                "notice_id": notice["id"],
                "intention_id": story.intention_id,
                "raised_by": rng.choice(("村民（匿名）", "本村村民", builder.name())),
                "method": method,
                "raised_on": raised,
                "content": content,
                "outcome": outcome,
                "resolved_on": resolved,
                "resolution": resolution,
                "created_at": builder.moment(raised),
                "updated_at": builder.moment(resolved or raised),
                "updated_by": township_clerk,
            }
        )

    step(None, State.DRAFT, created, clerk)
    if ending == State.DRAFT:
        return
    if ending == State.WITHDRAWN and rng.random() < 0.4:
        step(State.DRAFT, State.WITHDRAWN, referred, clerk, rng.choice(_WITHDRAW_REASONS))
        return
    step(State.DRAFT, State.REFERRED, referred, clerk)
    if ending == State.RETURNED:
        step(State.REFERRED, State.RETURNED, approved, reviewer, rng.choice(_RETURN_REASONS))
        return
    if rng.random() < 0.08 and ending not in (State.REFERRED, State.REJECTED, State.WITHDRAWN):
        step(State.REFERRED, State.RETURNED, approved, reviewer, rng.choice(_RETURN_REASONS))
        step(State.RETURNED, State.REFERRED, approved + timedelta(days=2), clerk)
    if ending == State.REFERRED:
        return
    if ending == State.REJECTED:
        step(State.REFERRED, State.REJECTED, approved, reviewer, rng.choice(_REJECT_REASONS))
        return
    if ending == State.WITHDRAWN:
        step(State.REFERRED, State.WITHDRAWN, approved, township_clerk, rng.choice(_WITHDRAW_REASONS))
        return
    step(State.REFERRED, State.APPROVED, min(approved, notice_start - timedelta(days=1)), reviewer)
    if ending == State.APPROVED:
        return

    if corrected:
        list_in("old")
        objection("old", "更正", _CORRECTED)
        step(
            State.IN_NOTICE,
            State.APPROVED,
            rounds["old"]["start_date"] + timedelta(days=4),
            reviewer,
            f"异议更正：{_CORRECTED}",
        )
        list_in("new")
        return
    key = "old" if through_old else "new"
    list_in(key)
    if ending == State.IN_NOTICE:
        if rng.random() < 0.06:
            objection("new", None, None)
        return
    if ending == State.OBJECTION_UPHELD:
        objection(key, "撤销", _UPHELD)
        step(
            State.IN_NOTICE,
            State.OBJECTION_UPHELD,
            rounds[key]["start_date"] + timedelta(days=3),
            reviewer,
            f"异议撤销：{_UPHELD}",
        )
        return

    old = rounds["old"]
    if rng.random() < 0.05:
        objection("old", "维持", _KEPT)
    step(State.IN_NOTICE, State.NOTICE_PASSED, old["end_date"], township_clerk, f"{old['title']}期满无异议")
    if ending == State.NOTICE_PASSED:
        return
    submitted = old["end_date"] + timedelta(days=rng.randint(3, 10))
    step(State.NOTICE_PASSED, State.SUBMITTED, submitted, township_clerk)
    if ending == State.SUBMITTED:
        return
    enrolled = submitted + timedelta(days=rng.randint(10, 30))
    if story.kind == "school":
        row.update(provider=row["school"], class_name=f"{enrolled.year}级{row['major']}班", start_date=enrolled)
    else:
        length = rng.randint(10, 40)
        row.update(
            provider=rng.choice(_PROVIDERS),
            class_name=f"{row['occupation']}培训第{rng.randint(1, 6)}期",
            start_date=enrolled,
            end_date=enrolled + timedelta(days=length),
        )
    step(State.SUBMITTED, State.ENROLLED, enrolled, township_clerk)
    if story.kind == "training":
        grants.append(_grant(builder, story, "training", 600 + 100 * rng.randint(0, 12), enrolled, township_clerk))
        if rng.random() < 0.6:
            days = (row["end_date"] - enrolled).days
            allowance = builder.profile.subsidies.living_allowance_yuan_per_day * days
            grants.append(_grant(builder, story, "living", allowance, row["end_date"], township_clerk))
    if ending == State.ENROLLED:
        return
    finished = row["end_date"] or enrolled + timedelta(days=30)
    row["certificate"] = f"{row['occupation']} 初级职业技能等级证书" if row["occupation"] else "结业证书"
    step(State.ENROLLED, State.COMPLETED, finished, township_clerk)
    if ending == State.COMPLETED:
        return
    employer, place, income = rng.choice(_EMPLOYERS)
    start_work = finished + timedelta(days=rng.randint(7, 40))
    row.update(employer=employer, employ_place=place, employ_start=min(start_work, today))
    row["monthly_income"] = income + 100 * rng.randint(-5, 8)
    step(State.COMPLETED, State.EMPLOYED, start_work, township_clerk)


def _grant(builder: _Builder, story: _Story, kind: str, amount: int, day: date, operator: str) -> Row:
    return {
        "id": builder.uuid(),
        "person_id": story.person["id"],
        "intention_id": story.intention_id,
        "kind": kind,
        "granted_on": min(day, builder.today),
        "amount_yuan": amount,
        "operator": operator,
    }
