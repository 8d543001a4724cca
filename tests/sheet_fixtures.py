"""Builders for the sheet tests: households whose members carry intentions at a chosen workflow step."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from fupin_desktop.domain.workflow import State
from fupin_desktop.services.households import create_household
from fupin_desktop.services.intentions import IntentionInput, create_intention, transition
from fupin_desktop.services.notices import NoticeInput, close_notice, create_notice
from fupin_desktop.services.settings import StationProfile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Intention, IntentionTransition, Person, Region
from fupin_desktop.store.uow import UnitOfWork
from tests.conftest import TODAY, household, person

PINNED = datetime(2026, 11, 1, 2, 0)
PATH_TO_PASSED = [State.REFERRED, State.APPROVED, State.IN_NOTICE, State.NOTICE_PASSED]
NAMES = ["王小明", "李秀兰", "张建国", "刘芳", "陈志强", "杨丽", "赵伟", "黄敏", "周杰", "吴静", "欧阳䶮", "孙浩"]


def station(database: Database, unit: str = "沂南县界湖街道人力资源和社会保障所") -> None:
    with UnitOfWork(database, "王经办") as uow:
        save_station_profile(
            uow,
            StationProfile(
                unit_name=unit,
                township="界湖街道",
                operator_name="王经办",
                contact_phone="0539-3221234",
                reviewer_name="李审核",
                head_name="赵所长",
                province_profile="shandong",
            ),
        )
        uow.commit()


def people(database: Database, village: uuid.UUID, count: int, start: int = 0) -> list[uuid.UUID]:
    """``count`` young people, two per household, with valid ID numbers."""
    ids: list[uuid.UUID] = []
    with UnitOfWork(database, "王经办") as uow:
        for h in range((count + 1) // 2):
            n = start + h
            members = [
                person(
                    NAMES[(2 * n) % len(NAMES)],
                    "户主",
                    date(2002, 1 + n % 12, 1 + n % 27),
                    2 * n + 1,
                    phone="13805390000",
                ),
                person(
                    NAMES[(2 * n + 1) % len(NAMES)],
                    "之兄弟姐妹",
                    date(2008, 1 + n % 12, 2),
                    2 * n + 2,
                    education="初中",
                    school_status="非在校生",
                    labour="普通劳动力",
                ),
            ]
            create_household(uow, village, household(f"37132100100100{n:04d}", *members), on=TODAY)
        uow.commit()
    with database.session_factory() as session:
        ids = list(session.scalars(select(Person.id).order_by(Person.created_at, Person.sort_order)))
    return ids[2 * start : 2 * start + count]


def intentions(
    database: Database, person_ids: list[uuid.UUID], kind: str, steps: list[State], **fields: str
) -> list[uuid.UUID]:
    made = []
    with UnitOfWork(database, "王经办") as uow:
        for i, pid in enumerate(person_ids):
            data = (
                IntentionInput(
                    "training",
                    occupation=["电工", "焊工", "中式烹调师"][i % 3],
                    training_type="02",
                    referral_source="village",
                )
                if kind == "training"
                else IntentionInput(
                    "school",
                    major=["数控加工", "汽车维修"][i % 2],
                    school=fields.get("school", "山东技师学院"),
                    referral_source="work_team",
                )
            )
            made.append(create_intention(uow, pid, data))
        uow.commit()
    notice_id = None
    for step in steps:
        with UnitOfWork(database, "李审核") as uow:
            if step == State.ENROLLED and "provider" in fields:
                uow.session.execute(update(Intention).where(Intention.id.in_(made)).values(provider=fields["provider"]))
            if step == State.IN_NOTICE:
                # 公示 only through a batch, as the clerk does it on the 公示 page.
                created = create_notice(uow, _township_of(uow, made[0]), made, NOTICE)
                notice_id, result = created.notice_id, created.result
            elif step == State.NOTICE_PASSED and notice_id is not None:
                result = close_notice(uow, notice_id, on=NOTICE.end_date)
            else:
                result = transition(uow, made, step)
            assert not result.refused, result.summary()
            uow.commit()
    _pin_history(database, made)
    return made


def _pin_history(database: Database, made: list[uuid.UUID]) -> None:
    """Date the steps just taken on 1 November 2026, in their order, so that the period sheets sealed
    on TODAY count them whatever the machine's clock says."""
    with UnitOfWork(database, "王经办") as uow:
        steps = uow.session.scalars(
            select(IntentionTransition)
            .where(IntentionTransition.intention_id.in_(made))
            .order_by(IntentionTransition.at, IntentionTransition.id)
        )
        for n, step in enumerate(steps):
            step.at = PINNED + timedelta(seconds=n)
        uow.commit()


NOTICE = NoticeInput(
    title="界湖街道技能培训意愿人员公示",
    start_date=date(2026, 10, 9),
    end_date=date(2026, 10, 16),
    place="各村村务公开栏",
    complaint_phone="0539-3221234",
    issuing_unit="界湖街道人力资源和社会保障所",
)


def _township_of(uow: UnitOfWork, intention_id: uuid.UUID) -> uuid.UUID:
    village = uow.session.execute(
        select(Household.village_id)
        .join(Person, Person.household_id == Household.id)
        .join(Intention, Intention.person_id == Person.id)
        .where(Intention.id == intention_id)
    ).scalar_one()
    return uow.session.get(Region, village).parent_id
