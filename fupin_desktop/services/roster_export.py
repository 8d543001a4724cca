"""导出花名册: the households and members of a village, township or the whole county — or of the
list as filtered on the 农户 page — as one xlsx (export/roster_xlsx.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from fupin_desktop.domain import clock
from fupin_desktop.export.roster_xlsx import Value, write_roster_xlsx
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.joins import with_households
from fupin_desktop.services.search import HouseholdFilter, household_conditions
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Person, Region


@dataclass(frozen=True)
class RosterExport:
    path: Path
    households: int
    people: int


def roster_file_name(area: str, day: date) -> str:
    safe = re.sub(r'[\\/:*?"<>|]', "", area) or "全部"
    return f"农户花名册-{safe}-{day:%Y%m%d}.xlsx"


def area_name(session: Session, flt: HouseholdFilter) -> str:
    if flt.region_id is None:
        return "全部区划"
    region = session.get(Region, flt.region_id)
    if region is None:
        raise ServiceError("所选区划已不存在，请刷新。")
    return region.name


def export_roster(
    database: Database,
    *,
    flt: HouseholdFilter,
    out: Path,
    progress: Callable[[int, int], None] | None = None,
) -> RosterExport:
    """Write the roster of ``flt`` to ``out`` (a folder: a dated file name is chosen; or a .xlsx path)."""
    with database.session_factory() as session:
        area = area_name(session, flt)
        conditions = household_conditions(session, flt)
        households = int(session.scalar(select(func.count()).select_from(Household).where(*conditions)) or 0)
        people = int(session.scalar(with_households(select(func.count()).select_from(Person)).where(*conditions)) or 0)
        if households == 0:
            raise ServiceError(f"{area}没有符合条件的农户，没有可导出的花名册。")
        today = clock.today()
        path = out / roster_file_name(area, today) if out.suffix.lower() != ".xlsx" else out
        path.parent.mkdir(parents=True, exist_ok=True)
        total = max(people, households)
        title = f"农户花名册（{area}）"
        subtitle = f"共{households}户{people}人　导出日期：{today.year}年{today.month}月{today.day}日"
        if flt.text.strip():
            subtitle += f"　查找：{flt.text.strip()}"
        report = (lambda done: progress(done, total)) if progress is not None else None
        # Written beside the target and renamed at the end: a cancelled or failed export leaves no half file.
        partial = path.with_name(path.stem + ".部分.xlsx")
        try:
            write_roster_xlsx(partial, title, subtitle, _rows(session, conditions), total, report)
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    if progress is not None:
        progress(total, total)
    return RosterExport(path, households, people)


def _rows(session: Session, conditions: Sequence[ColumnElement[bool]]) -> Iterator[list[Value]]:
    township = aliased(Region)
    query = (
        select(
            township.name,
            Region.name,
            Household.household_no,
            Household.card_no,
            Household.village_group,
            Household.head_name,
            Household.household_type,
            Household.status,
            Household.main_cause,
            Household.phone,
            Household.address,
            Person.name,
            Person.relation,
            Person.sex,
            Person.ethnicity,
            Person.id_number,
            Person.birth_date,
            Person.education,
            Person.school_status,
            Person.health,
            Person.labour,
            Person.employment,
            Person.work_place,
            Person.work_months,
            Person.phone,
        )
        .select_from(Household)
        .join(Region, Household.village_id == Region.id)
        .outerjoin(township, Region.parent_id == township.id)
        .outerjoin(Person, Person.household_id == Household.id)
        .where(*conditions)
        .order_by(Region.code, Region.name, Household.household_no, Household.id, Person.sort_order)
        .execution_options(yield_per=2000)
    )
    for number, row in enumerate(session.execute(query), start=1):
        values: list[Value] = [number, *row]
        birth = values[17]
        values[17] = birth.isoformat() if isinstance(birth, date) else None
        yield values
