"""The person lists' shared part: who is due on a sheet (公示期满, or 已上报 on another sheet only),
read with one joined query of plain columns into ``DueRow``s, and the list layout that the
training and 技工院校 lists share."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import age_on
from fupin_desktop.domain.workflow import State
from fupin_desktop.export.sheet import Column, SheetContent, Value
from fupin_desktop.services.joins import with_people
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import (
    BuiltSheet,
    SheetRequest,
    code_names,
    flat_groups,
    resolve_scope,
    sheet_params,
    sign_off,
)
from fupin_desktop.store.models import Household, Intention, Person, Region, Submission, SubmissionItem


class DueRow(NamedTuple):
    """One intention due on a person list, with its person, household and village."""

    intention_id: uuid.UUID
    person_id: uuid.UUID
    name: str
    sex: str | None
    ethnicity: str | None
    birth_date: date | None
    id_number: str | None
    education: str | None
    phone: str | None
    card_no: str | None
    household_phone: str | None
    address: str | None
    village_name: str
    occupation: str | None
    major: str | None
    school: str | None
    training_type: str | None
    referral_source: str | None

    @property
    def contact_phone(self) -> str | None:
        """The member's own phone, else the household's."""
        return self.phone or self.household_phone


def due_rows(session: Session, kind: str, request: SheetRequest, villages: list[uuid.UUID] | None) -> list[DueRow]:
    """The intentions of ``kind`` due on the requested sheet, in village, household and member order."""
    return [DueRow._make(row) for row in session.execute(_due_query(kind, request, villages))]


def _on_live_sheets(sheet_code: str | None) -> Select[uuid.UUID | None]:
    """The intentions held by a sealed sheet still in force (not replaced by a correction), of one form
    or (None) of any."""
    live = select(Submission.id).where(
        Submission.id.not_in(select(Submission.replaces_id).where(Submission.replaces_id.is_not(None)))
    )
    if sheet_code is not None:
        live = live.where(Submission.sheet_code == sheet_code)
    return select(SubmissionItem.intention_id).where(
        SubmissionItem.submission_id.in_(live), SubmissionItem.intention_id.is_not(None)
    )


def _due_query(kind: str, request: SheetRequest, villages: list[uuid.UUID] | None) -> Select[*tuple[Any, ...]]:
    village = Region.__table__.alias("village")
    query = (
        with_people(
            select(
                Intention.id,
                Person.id,
                Person.name,
                Person.sex,
                Person.ethnicity,
                Person.birth_date,
                Person.id_number,
                Person.education,
                Person.phone,
                Household.card_no,
                Household.phone,
                Household.address,
                village.c.name,
                Intention.occupation,
                Intention.major,
                Intention.school,
                Intention.training_type,
                Intention.referral_source,
            ),
            village=village,
        )
        .where(Intention.kind == kind)
        .order_by(village.c.code, village.c.name, Household.household_no, Person.sort_order, Person.name)
    )
    # 已上报 is per sheet: a person sealed on another sheet (state 已上报) is still due on this one,
    # until a sheet of this form that is still in force holds them.
    ready = (Intention.state == State.NOTICE_PASSED.value) | (
        (Intention.state == State.SUBMITTED.value)
        & Intention.id.in_(_on_live_sheets(None))
        & Intention.id.not_in(_on_live_sheets(request.sheet))
    )
    if request.carried_intentions:
        carried = and_(
            Intention.id.in_(request.carried_intentions),
            Intention.state.in_([State.SUBMITTED.value, State.NOTICE_PASSED.value]),
        )
        query = query.where(ready | carried)
    else:
        query = query.where(ready)
    if villages is not None:
        query = query.where(Household.village_id.in_(villages))
    return query


def _age(birth: date | None, on: date) -> int | None:
    return None if birth is None else age_on(birth, on)


def full_address(village_name: str, address: str | None) -> str:
    """The address with its village, named once."""
    if not address:
        return village_name
    return address if village_name in address else f"{village_name}{address}"


def people_totals(columns: list[Column], count: int, label_column: int = 1) -> list[Value]:
    totals: list[Value] = [None] * len(columns)
    totals[0] = "总计"
    totals[label_column] = f"{count}人"
    return totals


def wish_list(
    session: Session,
    request: SheetRequest,
    profile: StationProfile,
    today: date,
    *,
    kind: str,
    code: str,
    title: str,
    wish_columns: list[Column],
    wishes: Callable[[DueRow], list[Value]],
) -> BuiltSheet:
    """A village → township list of people with one kind of wish (黑人社发〔2019〕10号 十)."""
    education = code_names("education")
    source = code_names("referral_source")
    columns = [
        Column("no", "序号", 3, "int"),
        Column("village", "村（社区）", 7),
        Column("name", "姓名", 5),
        Column("sex", "性别", 3),
        Column("age", "年龄", 3, "int"),
        Column("id_number", "身份证号", 10.5, "id"),
        Column("education", "文化程度", 6),
        Column("phone", "联系电话", 7, "id"),
        *wish_columns,
        Column("source", "推荐来源", 5.5),
    ]
    rows: list[list[Value]] = []
    items = []
    scope = resolve_scope(session, request.region_id, profile)
    for due in due_rows(session, kind, request, scope.villages):
        items.append((due.intention_id, due.person_id))
        rows.append(
            [
                len(rows) + 1,
                due.village_name,
                due.name,
                due.sex,
                _age(due.birth_date, today),
                due.id_number,
                education(due.education),
                due.contact_phone,
                *wishes(due),
                source(due.referral_source),
            ]
        )
    content = SheetContent(
        sheet=code,
        title=f"{scope.place}{title}",
        columns=columns,
        groups=flat_groups(columns),
        rows=rows,
        totals=people_totals(columns, len(rows), label_column=2),
        sign_off=sign_off(profile, today, scope),
        params=sheet_params(scope),
        landscape=True,
    )
    return BuiltSheet(content, items)
