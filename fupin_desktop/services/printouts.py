"""What the 公示 notice and the 入户走访记录表 print, read from the database as plain records, and the
use cases that write them (the 公示 page, the household page, the visit dialog and ``print``).

The notice shows only what a village board may show (DESIGN.md "Public-notice rules"): no ID,
phone, bank or health data ever leaves this module for it.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import chinese_date
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import mask_id
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.domain.workflow import ACTIVE, LOCKED
from fupin_desktop.export.printouts import (
    NoticeLine,
    NoticePrintout,
    VisitPrintout,
    write_notice_pdf,
    write_visit_pdf,
)
from fupin_desktop.services.accounts import Who
from fupin_desktop.services.errors import NotFound, ServiceError
from fupin_desktop.services.joins import with_people
from fupin_desktop.services.scope import refuse_outside_scope
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Intention, NoticeEntry, Person, PublicNotice, Region, Visit

T = TypeVar("T")
KIND_WORDS = {"training": "技能培训", "school": "就读技工院校", "employment": "就业帮扶", "business": "创业扶持"}


def notice_target(kind: str, occupation: str | None, school: str | None, major: str | None) -> str:
    """What a person is put forward for, in the notice's words; never a label with nothing after it."""
    if kind == "training":
        return f"培训：{occupation}" if occupation else "技能培训"
    if kind == "school":
        chosen = "　".join(x for x in (school, major) if x)
        return f"技工院校：{chosen}" if chosen else "就读技工院校"
    if kind == "employment":
        return f"就业：{occupation}" if occupation else "就业帮扶"
    if kind == "business":
        return f"创业：{occupation}" if occupation else "创业扶持"
    return kind


def notice_sheet(session: Session, notice_id: uuid.UUID) -> NoticePrintout:
    notice = session.get(PublicNotice, notice_id)
    if notice is None:
        raise NotFound("该公示批次已不存在，请刷新列表。")
    region_name = session.scalar(select(Region.name).where(Region.id == notice.region_id)) or ""
    source = codelist("referral_source")
    rows = session.execute(
        with_people(
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
        )
        .where(NoticeEntry.notice_id == notice.id)
        .order_by(NoticeEntry.sort_order, Household.village_group, Person.name)
    )
    lines = []
    kinds: list[str] = []
    for group, name, sex, kind, occupation, school, major, referral in rows:
        if kind not in kinds:
            kinds.append(kind)
        target = notice_target(kind, occupation, school, major)
        lines.append(NoticeLine(group or "", name, sex or "", target, source.name_of(referral or "") or referral or ""))
    order = list(KIND_WORDS)
    what = "或".join(KIND_WORDS.get(k, k) for k in sorted(kinds, key=lambda k: order.index(k) if k in order else 9))
    return NoticePrintout(
        title=notice.title,
        region_name=region_name,
        start=chinese_date(notice.start_date),
        end=chinese_date(notice.end_date),
        place=notice.place,
        complaint_phone=notice.complaint_phone,
        issuing_unit=notice.issuing_unit,
        issued_on=chinese_date(notice.start_date),
        lines=lines,
        what=what or "技能培训或就读技工院校",
    )


def _wishes(session: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, str]]:
    """Each member's current wish of each kind (an active or followed-up intention), for the form."""
    training_type = codelist("training_type")
    wanted = {s.value for s in ACTIVE | LOCKED}
    found: dict[uuid.UUID, dict[str, str]] = {}
    rows = session.execute(
        select(
            Intention.person_id,
            Intention.kind,
            Intention.occupation,
            Intention.training_type,
            Intention.school,
            Intention.major,
            Intention.state,
        )
        .where(Intention.person_id.in_(person_ids))
        .order_by(Intention.created_at)
    )
    for pid, kind, occupation, ttype, school, major, state in rows:
        if state not in wanted:
            continue
        if kind == "training":
            text = "／".join(x for x in (occupation, training_type.name_of(ttype or "") if ttype else None) if x)
            found.setdefault(pid, {})["training"] = text or "有"
        elif kind == "school":
            found.setdefault(pid, {})["school"] = "／".join(x for x in (school, major) if x) or "有"
        else:
            word = "创业" if kind == "business" else "就业"
            found.setdefault(pid, {})["employment"] = f"{word}：{occupation}" if occupation else word
    return found


def _member_rows(session: Session, members: list[Person]) -> list[list[str]]:
    wishes = _wishes(session, [m.id for m in members])
    rows = []
    for m in members:
        work = "／".join(x for x in (m.work_place, f"{m.work_months}个月" if m.work_months else None) if x)
        wish = wishes.get(m.id, {})
        rows.append(
            [
                m.name,
                m.relation or "",
                m.sex or "",
                mask_id(m.id_number),
                m.education or "",
                m.school_status or "",
                m.health or "",
                m.labour or "",
                m.employment or "",
                work,
                wish.get("training", ""),
                wish.get("school", ""),
                wish.get("employment", ""),
            ]
        )
    return rows


def _household_part(session: Session, household: Household) -> VisitPrintout:
    """The household and its members as they are now; the visit itself left blank."""
    village = session.scalar(select(Region.name).where(Region.id == household.village_id)) or ""
    return VisitPrintout(
        village=village,
        household_no=household.household_no,
        head_name=household.head_name or "",
        address=household.address or "",
        phone=household.phone or "",
        household_type=household.household_type or "",
        members=_member_rows(session, list(household.members)),
    )


def visit_sheet(session: Session, visit_id: uuid.UUID) -> VisitPrintout:
    """The form of one recorded visit: the household as it is now, the visit and what it changed."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound("该走访记录已不存在，请刷新列表。")
    household = session.get(Household, visit.household_id)
    if household is None:
        raise NotFound("该走访记录的农户已不存在。")
    return replace(
        _household_part(session, household),
        visit_date=chinese_date(visit.visit_date),
        method=visit.method,
        visitors=visit.visitors,
        notes=visit.notes or "",
        changes=[
            (c.person_name, FIELD_LABELS.get(c.field, c.field), c.old_value or "", c.new_value or "")
            for c in visit.changes
        ],
    )


def household_visit_sheet(session: Session, household_id: uuid.UUID) -> VisitPrintout:
    """The form to take on the next visit: the household and its members filled in, the visit blank."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("该农户已不存在，请刷新列表。")
    return _household_part(session, household)


# --- the use cases: write the PDF -------------------------------------------------------------------


@dataclass(frozen=True)
class PrintResult:
    path: Path
    title: str
    count: int  # people on the notice, members on the visit form


def _safe(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text)


def _write(out_dir: Path, name: str, writer: Callable[[T, Path], None], sheet: T) -> Path:
    """Write under a temporary name and rename, so that a failure leaves no half-written PDF."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ServiceError(f"无法创建文件夹“{out_dir}”：{error.strerror}") from error
    final = out_dir / f"{_safe(name)}.pdf"
    temporary = out_dir / f".{_safe(name)}.{os.getpid()}.tmp.pdf"
    try:
        writer(sheet, temporary)
        os.replace(temporary, final)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ServiceError(f"无法写入“{final}”：{error.strerror}") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return final


def newest_notice_id(session: Session) -> uuid.UUID:
    found = session.scalar(
        select(PublicNotice.id).order_by(PublicNotice.start_date.desc(), PublicNotice.created_at.desc()).limit(1)
    )
    if found is None:
        raise ServiceError("还没有公示批次：请先在“公示”页新建公示。")
    return found


def print_notice(database: Database, *, out_dir: Path, notice_id: uuid.UUID | None = None) -> PrintResult:
    """The 公示 notice of a batch (the newest when none is named) as PDF in ``out_dir``."""
    with database.session_factory() as session:
        chosen = notice_id or newest_notice_id(session)
        sheet = notice_sheet(session, chosen)
    if not sheet.lines:
        raise ServiceError(f"公示批次“{sheet.title}”中没有人员，无法打印公示。")
    path = _write(out_dir, f"{sheet.title}（{sheet.start}）", write_notice_pdf, sheet)
    return PrintResult(path, sheet.title, len(sheet.lines))


def find_notice(session: Session, text: str) -> uuid.UUID:
    """A batch named on the command line: its id (or the first digits of it, as listed when a name is not
    enough), or the exact title, or the only title containing it. Batches of one village in two rounds share
    their title, so the refusal lists each with its dates and number."""
    try:
        by_id = session.get(PublicNotice, uuid.UUID(text))
    except ValueError:
        by_id = None
    if by_id is not None:
        return by_id.id
    if re.fullmatch(r"[0-9a-fA-F]{4,}", text):
        numbered = [i for i in session.scalars(select(PublicNotice.id)) if str(i).startswith(text.lower())]
        if len(numbered) == 1:
            return numbered[0]
    rows = session.execute(
        select(PublicNotice.id, PublicNotice.title, PublicNotice.start_date, PublicNotice.end_date)
        .where(PublicNotice.title.contains(text))
        .order_by(PublicNotice.start_date)
    ).all()
    exact = [r for r in rows if r[1] == text]
    if len(exact) == 1 or len(rows) == 1:
        return (exact or rows)[0][0]
    if not rows:
        raise ServiceError(f"没有名为“{text}”的公示批次。")
    listed = "\n".join(f"  {str(r[0])[:8]}  {r[1]}（{r[2]:%Y-%m-%d}至{r[3]:%Y-%m-%d}）" for r in rows)
    raise ServiceError(f"有{len(rows)}个公示批次的名称含“{text}”：\n{listed}\n请写出完整名称，或写上面列出的编号。")


def print_visit_form(
    database: Database,
    *,
    out_dir: Path,
    household_id: uuid.UUID | None = None,
    visit_id: uuid.UUID | None = None,
    viewer: Who | None = None,
) -> PrintResult:
    """入户走访记录表: for a recorded visit, for a household's next visit, or blank for paper (a 村级录入员
    ``viewer``: of their own village only)."""
    with database.session_factory() as session:
        if visit_id is not None:
            visited = session.scalar(select(Visit.household_id).where(Visit.id == visit_id))
            if visited is not None:
                refuse_outside_scope(session, viewer, visited)
            sheet = visit_sheet(session, visit_id)
        elif household_id is not None:
            refuse_outside_scope(session, viewer, household_id)
            sheet = household_visit_sheet(session, household_id)
        else:
            sheet = VisitPrintout()
    if not sheet.household_no:
        name = "入户走访记录表（空白）"
    else:
        when = f"，{sheet.visit_date}" if sheet.visit_date else ""
        name = f"入户走访记录表（{sheet.village}{sheet.head_name}户{when}）"
    return PrintResult(_write(out_dir, name, write_visit_pdf, sheet), name, len(sheet.members))


def find_household(session: Session, number: str) -> uuid.UUID:
    """A household by its 户编号 (or 扶贫卡编号), as typed on the command line."""
    rows = session.scalars(
        select(Household.id).where((Household.household_no == number) | (Household.card_no == number))
    ).all()
    if not rows:
        raise ServiceError(f"没有户编号或扶贫卡编号为“{number}”的农户。")
    if len(rows) > 1:
        raise ServiceError(f"有{len(rows)}户的编号为“{number}”，请改用户编号。")
    return rows[0]
