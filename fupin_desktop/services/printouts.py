"""What the 公示 notice and the 入户走访记录表 print, read from the database as plain records.

The notice shows only what a village board may show (DESIGN.md "Public-notice rules"): no ID,
phone, bank or health data ever leaves this module for it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import chinese_date
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.export.printouts import MEMBER_FIELDS, NoticeLine, NoticeSheet, VisitSheet
from fupin_desktop.services.errors import NotFound
from fupin_desktop.store.models import Household, Intention, NoticeEntry, Person, PublicNotice, Region, Visit


def notice_sheet(session: Session, notice_id: uuid.UUID) -> NoticeSheet:
    notice = session.get(PublicNotice, notice_id)
    if notice is None:
        raise NotFound("该公示批次已不存在，请刷新列表。")
    region_name = session.scalar(select(Region.name).where(Region.id == notice.region_id)) or ""
    source = codelist("referral_source")
    rows = session.execute(
        select(
            Household.village_group,
            Person.name,
            Person.sex,
            Intention.kind,
            Intention.occupation,
            Intention.school,
            Intention.major,
            Intention.referral_source,
        )
        .select_from(NoticeEntry)
        .join(Intention, Intention.id == NoticeEntry.intention_id)
        .join(Person, Person.id == Intention.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(NoticeEntry.notice_id == notice.id)
        .order_by(NoticeEntry.sort_order, Household.village_group, Person.name)
    )
    lines = []
    for group, name, sex, kind, occupation, school, major, referral in rows:
        if kind == "training":
            target = f"培训：{occupation or ''}"
        else:
            target = f"技工院校：{'　'.join(x for x in (school, major) if x)}"
        lines.append(NoticeLine(group or "", name, sex or "", target, source.name_of(referral or "") or referral or ""))
    return NoticeSheet(
        title=notice.title,
        region_name=region_name,
        start=chinese_date(notice.start_date),
        end=chinese_date(notice.end_date),
        place=notice.place,
        complaint_phone=notice.complaint_phone,
        issuing_unit=notice.issuing_unit,
        issued_on=chinese_date(notice.start_date),
        lines=lines,
    )


def visit_sheet(session: Session, visit_id: uuid.UUID) -> VisitSheet:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound("该走访记录已不存在，请刷新列表。")
    household = session.get(Household, visit.household_id)
    assert household is not None
    village = session.scalar(select(Region.name).where(Region.id == household.village_id)) or ""
    members = []
    for member in household.members:
        row = []
        for name in MEMBER_FIELDS:
            value = getattr(member, name)
            row.append("" if value is None else chinese_date(value) if name == "birth_date" else str(value))
        members.append(row)
    return VisitSheet(
        village=village,
        household_no=household.household_no,
        head_name=household.head_name or "",
        address=household.address or "",
        phone=household.phone or "",
        household_type=household.household_type or "",
        visit_date=chinese_date(visit.visit_date),
        method=visit.method,
        visitors=visit.visitors,
        notes=visit.notes or "",
        members=members,
        changes=[
            (c.person_name, FIELD_LABELS.get(c.field, c.field), c.old_value or "", c.new_value or "")
            for c in visit.changes
        ],
    )
