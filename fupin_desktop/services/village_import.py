"""Importing a village sheet: read, check every row, and write all of it in one transaction — or,
with ``valid_only``, the clean households, sending the rejected rows back as an xlsx.

Three steps, so that the window can show a preview before anything is written:
``read_village_file`` (the file alone, services/village_read.py) → ``plan_import`` (against the
database, read-only) → ``apply_import`` (the writes, through the household and intention services,
each one audited). Importing the same sheet twice changes nothing: people are matched by ID number,
households by 户编号 within the village — or, for a sheet without 户编号, by their members' ID numbers —
and differences become ordinary audited edits.
"""

from __future__ import annotations

import errno
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.idnumber import IdNumber, IdNumberError
from fupin_desktop.domain.validation import HouseholdFacts, PersonFacts, Problem, validate_household
from fupin_desktop.domain.village_sheet import BY_KEY, CellProblem
from fupin_desktop.domain.workflow import ACTIVE, STATE_LABELS, State
from fupin_desktop.export.village_template import SheetRowOut, VillageTitle, write_village_sheet
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import (
    HOUSEHOLD_FIELDS,
    PERSON_FIELDS,
    add_person,
    create_household,
    household_facts,
    insert_checked_households,
    normalise_household,
    normalise_person,
    update_household,
    update_person,
)
from fupin_desktop.services.intentions import (
    KIND_LABELS,
    IntentionInput,
    create_intention,
    insert_new_people_intentions,
    refuse_incomplete_intention,
)
from fupin_desktop.services.village_read import (
    ParsedSheet,
    SheetHousehold,
    SheetPerson,
    Where,
    read_village_file,
)
from fupin_desktop.services.village_read import id_key as _id_key
from fupin_desktop.store.models import Household, Intention, Person, Region
from fupin_desktop.store.uow import UnitOfWork

Progress = Callable[[int, int, str], None]

_CODE_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
_CHUNK = 900  # SQLite's bound on variables per statement, with room to spare


# --- planning against the database -------------------------------------------------------------


@dataclass(frozen=True)
class VillageRef:
    id: uuid.UUID
    code: str | None
    name: str


@dataclass
class PlannedHousehold:
    sheet: SheetHousehold
    existing_id: uuid.UUID | None
    household_changed: bool = False
    merged: HouseholdFacts | None = None  # the household's own fields after the import
    new_facts: HouseholdFacts | None = None  # a new household, normalised and checked: as it will be written
    person_ids: dict[Where, uuid.UUID] = field(default_factory=dict)  # sheet row → person already stored
    updates: list[tuple[uuid.UUID, PersonFacts, SheetPerson]] = field(default_factory=list)
    unchanged: list[SheetPerson] = field(default_factory=list)
    additions: list[SheetPerson] = field(default_factory=list)
    intentions: list[tuple[SheetPerson, IntentionInput]] = field(default_factory=list)
    skipped_intentions: int = 0
    rejected: bool = False


@dataclass
class PreviewRow:
    """One row of the sheet as the import dialog shows it."""

    row: int
    household_no: str
    name: str
    id_number: str
    relation: str
    outcome: str  # 新增 / 更新 / 无变化 / 退回
    problems: list[CellProblem]
    sheet: str | None = None  # the worksheet, when the file has several
    household: str = ""  # the household the row was put in: 王建国（3人）
    household_rows: str = ""  # which rows formed it: 第5–7行 → 户：王建国（3人）


@dataclass
class ImportPlan:
    parsed: ParsedSheet
    village: VillageRef
    households: list[PlannedHousehold]
    problems: list[CellProblem]  # every problem, sorted by row and column

    @property
    def errors(self) -> list[CellProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[CellProblem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def clean(self) -> bool:
        return not self.errors

    def rejected_rows(self) -> list[SheetPerson]:
        rows = list(self.parsed.orphans)
        for planned in self.households:
            if planned.rejected:
                rows.extend(planned.sheet.members)
        return sorted(rows, key=lambda p: p.where)

    def problems_by_row(self, problems: Sequence[CellProblem] | None = None) -> dict[Where | None, list[CellProblem]]:
        sheets = {part.label: part.index for part in self.parsed.parts}
        by_row: dict[Where | None, list[CellProblem]] = {}
        for problem in self.problems if problems is None else problems:
            where = (sheets.get(problem.sheet, 0), problem.row) if problem.row is not None else None
            by_row.setdefault(where, []).append(problem)
        return by_row

    def household_lines(self, *, unnumbered_only: bool = False) -> list[str]:
        """Which rows formed which household: “第5–7行 → 户：王建国（3人），户编号…”."""
        return [p.sheet.describe() for p in self.households if not (unnumbered_only and p.sheet.numbered)]

    def preview(self) -> list[PreviewRow]:
        by_row = self.problems_by_row()
        outcome: dict[Where, str] = {p.where: "退回" for p in self.parsed.orphans}
        household: dict[Where, SheetHousehold] = {}
        for planned in self.households:
            household.update({m.where: planned.sheet for m in planned.sheet.members})
            if planned.rejected:
                outcome.update({m.where: "退回" for m in planned.sheet.members})
                continue
            outcome.update({m.where: "新增" for m in planned.additions})
            outcome.update({m.where: "更新" for _i, _f, m in planned.updates})
            outcome.update({m.where: "无变化" for m in planned.unchanged})
        people = [*self.parsed.orphans, *(m for h in self.households for m in h.sheet.members)]
        rows = []
        for p in sorted(people, key=lambda p: p.where):
            home = household.get(p.where)
            rows.append(
                PreviewRow(
                    p.row,
                    (home.household_no if home is not None else None) or p.values.get("household_no", ""),
                    p.values.get("name", ""),
                    p.values.get("id_number", ""),
                    p.values.get("relation", ""),
                    outcome.get(p.where, "无变化"),
                    by_row.get(p.where, []),
                    p.sheet,
                    f"{home.head_name}（{len(home.members)}人）" if home is not None else "",
                    home.describe() if home is not None else "",
                )
            )
        return rows


def resolve_village(session: Session, title_text: str, code: str | None) -> VillageRef:
    """The village named by ``code``, or else by the sheet's title rows (12-digit code or name)."""
    folded = unicodedata.normalize("NFKC", title_text)
    title_codes = [c for c in _CODE_RE.findall(folded) if not c.endswith("000")]
    if code:
        code = unicodedata.normalize("NFKC", code).strip()
        region = session.scalar(select(Region).where(Region.code == code))
        if region is None:
            raise ServiceError(f"区划代码“{code}”不在本数据库中：请先在区划中添加该村，或核对代码")
        if region.level != "village":
            raise ServiceError(f"区划代码“{code}”是{region.name}（不是村）：请指定村级的12位区划代码")
        others = [c for c in title_codes if c != code]
        if others and code not in title_codes:
            raise ServiceError(
                f"表格标题中的区划代码是“{others[0]}”，与指定的村“{region.name}”（{code}）不一致：请核对是否选错了表格或村"
            )
        return VillageRef(region.id, region.code, region.name)
    for title_code in title_codes:
        region = session.scalar(select(Region).where(Region.code == title_code))
        if region is None:
            raise ServiceError(f"表格标题中的区划代码“{title_code}”不在本数据库中：请先在区划中添加该村，或核对代码")
        if region.level == "village":
            return VillageRef(region.id, region.code, region.name)
    villages = session.execute(
        select(Region.id, Region.code, Region.name, Region.parent_id).where(Region.level == "village")
    ).all()
    named = [v for v in villages if v.name and v.name in folded]
    if named:
        longest = max(len(v.name) for v in named)
        named = [v for v in named if len(v.name) == longest]
        if len(named) > 1:
            parents = {r.id: r.name for r in session.execute(select(Region.id, Region.name)).all()}
            narrowed = [v for v in named if parents.get(v.parent_id, "\0") in folded]
            if len(narrowed) == 1:
                named = narrowed
        if len(named) == 1:
            return VillageRef(named[0].id, named[0].code, named[0].name)
        choices = "、".join(f"{v.name}（{v.code or '无代码'}）" for v in named)
        raise ServiceError(f"表格标题中的村名对应多个村：{choices}。请指定村的12位区划代码")
    raise ServiceError(
        "无法确定导入到哪个村：表格标题行中没有村名或12位区划代码。"
        "请在标题行写明村名和区划代码，或导入时指定村（--village 区划代码）"
    )


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class _Known:
    person_id: uuid.UUID
    name: str
    household_id: uuid.UUID
    household_no: str
    head_name: str | None
    village_name: str


def plan_import(
    session: Session, parsed: ParsedSheet, *, village_code: str | None = None, on: date | None = None
) -> ImportPlan:
    """Check the parsed sheet against the database (reads only): what would be added, updated, refused."""
    day = on or clock_today()
    village = resolve_village(session, parsed.title_text, village_code)
    problems = list(parsed.problems)

    in_village = list(
        session.scalars(
            select(Household).where(Household.village_id == village.id).options(selectinload(Household.members))
        )
    )
    existing = {h.household_no: h for h in in_village}
    by_id = {h.id: h for h in in_village}
    sheet_ids = sorted({k for h in parsed.households for m in h.members if (k := _id_key(m.facts.id_number))})
    known = _known_people(session, sheet_ids)
    locked = _locked_people(session, [k.person_id for k in known.values()])
    active = _active_intentions(session, [k.person_id for k in known.values()])
    given: set[str | None] = {h.household_no for h in parsed.households if h.numbered}
    numbers = _new_numbers(village, given.union(existing))

    seen_ids: dict[str, tuple[SheetPerson, SheetHousehold]] = {}
    plans: list[PlannedHousehold] = []
    for sheet in parsed.households:
        if sheet.numbered:
            household = existing.get(sheet.household_no or "")
        else:  # matched by its people's ID numbers, or given the village's next number
            household = _stored_household_of(sheet, known, by_id)
            sheet.household_no = household.household_no if household is not None else next(numbers)
            sheet.facts.household_no = sheet.household_no
        planned = PlannedHousehold(sheet, household.id if household is not None else None)
        problems.extend(_cross_household_ids(parsed, sheet, seen_ids))
        problems.extend(_birth_checks(parsed, sheet, day))
        problems.extend(_plan_household(parsed, planned, household, known, locked, day))
        problems.extend(_plan_intentions(parsed, planned, known, active))
        plans.append(planned)
    # A cell already refused while reading (an ID stored as a number) needs no second message.
    read_cells = {(p.sheet, p.row, p.column) for p in parsed.problems if p.is_error}
    first = len(parsed.problems)
    problems[first:] = [p for p in problems[first:] if not (p.is_error and (p.sheet, p.row, p.column) in read_cells)]
    order = {part.label: part.index for part in parsed.parts}
    problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row or 0, p.column or 0))
    bad_rows = {(order.get(p.sheet, 0), p.row) for p in problems if p.is_error}
    for planned in plans:
        planned.rejected = any(m.where in bad_rows for m in planned.sheet.members)
    return ImportPlan(parsed, village, plans, problems)


def _stored_household_of(
    sheet: SheetHousehold, known: dict[str, _Known], households: dict[uuid.UUID, Household]
) -> Household | None:
    """The village's household that holds the head (else the first member) of an unnumbered household."""
    ordered = sorted(sheet.members, key=lambda m: m.facts.relation != "户主")
    for member in ordered:
        key = _id_key(member.facts.id_number)
        match = known.get(key) if key else None
        if match is not None and match.household_id in households:
            return households[match.household_id]
    return None


def _new_numbers(village: VillageRef, used: set[str | None]) -> Iterator[str]:
    """The village's next household numbers in the template's form: the 12-digit village code and 4 digits."""
    prefix = village.code if village.code and len(village.code) == 12 else ""
    taken = {n for n in used if n}
    last = max(
        (int(n[len(prefix) :]) for n in taken if n.startswith(prefix) and n[len(prefix) :].isdigit()
         and len(n) == len(prefix) + 4),
        default=0,
    )  # fmt: skip
    while True:
        last += 1
        number = f"{prefix}{last:04d}"
        if number not in taken:
            yield number


def _known_people(session: Session, ids: Sequence[str]) -> dict[str, _Known]:
    known: dict[str, _Known] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(
                Person.id_number,
                Person.id,
                Person.name,
                Household.id,
                Household.household_no,
                Household.head_name,
                Region.name,
            )
            .join(Household, Person.household_id == Household.id)
            .join(Region, Household.village_id == Region.id)
            .where(Person.id_number.in_(list(chunk)))
        )
        for number, pid, name, hid, hno, head, vname in rows:
            if number:
                known[number] = _Known(pid, name, hid, hno, head, vname)
    return known


def _locked_people(session: Session, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    result: set[uuid.UUID] = set()
    for start in range(0, len(person_ids), _CHUNK):
        chunk = list(person_ids[start : start + _CHUNK])
        result.update(session.scalars(select(Person.id).where(Person.id.in_(chunk), Person.locked)))
    return result


def _active_intentions(session: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Intention]]:
    active: dict[uuid.UUID, list[Intention]] = {}
    states = [s.value for s in ACTIVE]
    for start in range(0, len(person_ids), _CHUNK):
        chunk = list(person_ids[start : start + _CHUNK])
        for intention in session.scalars(
            select(Intention).where(Intention.person_id.in_(chunk), Intention.state.in_(states))
        ):
            active.setdefault(intention.person_id, []).append(intention)
    return active


def _cross_household_ids(
    parsed: ParsedSheet, sheet: SheetHousehold, seen: dict[str, tuple[SheetPerson, SheetHousehold]]
) -> Iterable[CellProblem]:
    for member in sheet.members:
        key = _id_key(member.facts.id_number)
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = (member, sheet)
        elif first[1] is not sheet:
            where = f"工作表“{first[0].sheet}”" if first[0].sheet else ""
            yield parsed.problem(
                member,
                "id_number",
                f"身份证号与{where}第{first[0].row}行（{first[1].label}）重复：同一人不能在两户中登记",
            )


def _birth_checks(parsed: ParsedSheet, sheet: SheetHousehold, day: date) -> Iterable[CellProblem]:
    for member in sheet.members:
        if member.birth is None or not member.facts.id_number:
            continue
        try:
            born = IdNumber.parse(member.facts.id_number, today=day).birth_date
        except IdNumberError:
            continue
        year, month, dom = member.birth
        if (year, month) != (born.year, born.month) or (dom is not None and dom != born.day):
            typed = f"{year}年{month}月" + (f"{dom}日" if dom else "")
            yield parsed.problem(
                member,
                "birth_date",
                f"出生日期与身份证号不符：身份证号表示{born.year}年{born.month}月{born.day}日，填写为{typed}",
            )


def _merge(base: object, typed: object, names: Iterable[str]) -> dict[str, object]:
    """``base`` with every field that the sheet gave; a blank cell keeps what the database has."""
    values = {name: getattr(base, name) for name in names}
    for name in names:
        value = getattr(typed, name)
        if value is not None:
            values[name] = value
    return values


def _plan_household(
    parsed: ParsedSheet,
    planned: PlannedHousehold,
    household: Household | None,
    known: dict[str, _Known],
    locked: set[uuid.UUID],
    day: date,
) -> list[CellProblem]:
    sheet = planned.sheet
    problems: list[CellProblem] = []
    before: HouseholdFacts | None = None
    before_ids: list[uuid.UUID | None] = []
    if household is None:
        after = planned.new_facts = normalise_household(sheet.facts)
        after_ids: list[uuid.UUID | None] = [None] * len(sheet.members)
        row_of: list[SheetPerson | None] = list(sheet.members)
        planned.additions = list(sheet.members)
    else:
        before = household_facts(household)
        before_ids = [m.id for m in household.members]
        own = {m.id: i for i, m in enumerate(household.members)}
        merged_household = HouseholdFacts(**_merge(before, sheet.facts, HOUSEHOLD_FIELDS))  # type: ignore[arg-type]
        after = replace(normalise_household(merged_household), members=list(before.members))
        planned.merged = replace(after, members=[])
        after_ids = list(before_ids)
        row_of = [None] * len(before_ids)
        planned.household_changed = any(getattr(after, name) != getattr(before, name) for name in HOUSEHOLD_FIELDS)
        for member in sheet.members:
            key = _id_key(member.facts.id_number)
            match = known.get(key) if key else None
            if match is not None and match.person_id in own:
                index = own[match.person_id]
                planned.person_ids[member.where] = match.person_id
                merged = normalise_person(PersonFacts(**_merge(before.members[index], member.facts, PERSON_FIELDS)))  # type: ignore[arg-type]
                after.members[index] = merged
                row_of[index] = member
                if merged != before.members[index]:
                    if match.person_id in locked:
                        problems.append(
                            parsed.problem(member, "name", f"成员{match.name}已列入封存的上报表，不能通过导入修改")
                        )
                    planned.updates.append((match.person_id, merged, member))
                else:
                    planned.unchanged.append(member)
            else:
                after.members.append(normalise_person(member.facts))
                after_ids.append(None)
                row_of.append(member)
                planned.additions.append(member)
    for member in sheet.members:
        key = _id_key(member.facts.id_number)
        match = known.get(key) if key else None
        if match is not None and match.household_id != planned.existing_id:
            problems.append(
                parsed.problem(
                    member,
                    "id_number",
                    f"身份证号{key}已登记在{match.village_name}{match.household_no}户"
                    f"（户主{match.head_name or '未填'}）"
                    f"的成员{match.name}名下，同一人不能在两户中登记；如需迁移，请在程序中使用“移至其他户”",
                )
            )
    found = validate_household(after, day)
    old = set()
    if before is not None:
        old = {_key(p, before_ids) for p in validate_household(before, day) if p.is_error}
    for problem in found:
        if problem.is_error and _key(problem, after_ids) in old:
            continue
        target = row_of[problem.member_index] if problem.member_index is not None else None
        if problem.member_index is not None and target is None:
            if problem.is_error:  # a member already in the database, not in the sheet
                problems.append(
                    _cell(
                        parsed,
                        sheet,
                        problem,
                        f"（系统中已有的成员{after.members[problem.member_index].name}）",
                    )
                )
            continue
        problems.append(_cell(parsed, target if target else sheet, problem, ""))
    return problems


def _key(problem: Problem, ids: list[uuid.UUID | None]) -> tuple[object, str, str]:
    return (ids[problem.member_index] if problem.member_index is not None else None, problem.field, problem.message)


def _cell(parsed: ParsedSheet, at: SheetPerson | SheetHousehold, problem: Problem, prefix: str) -> CellProblem:
    key = problem.field
    if key == "phone" and problem.member_index is None:
        key = "household_phone"
    cell = parsed.problem(at, key, prefix + problem.message, problem.severity)
    return cell if key in BY_KEY else replace(cell, column_label=problem.label)


def _plan_intentions(
    parsed: ParsedSheet, planned: PlannedHousehold, known: dict[str, _Known], active: dict[uuid.UUID, list[Intention]]
) -> list[CellProblem]:
    problems: list[CellProblem] = []
    for member in planned.sheet.members:
        key = _id_key(member.facts.id_number)
        match = known.get(key) if key else None
        current = active.get(match.person_id, []) if match is not None else []
        for wish in member.intentions:
            same_kind = [i for i in current if i.kind == wish.kind]
            if any(_same(i, wish) for i in same_kind):
                planned.skipped_intentions += 1
                continue
            if same_kind:
                other = same_kind[0]
                what = other.occupation or other.major or other.school or ""
                column = "wants_training" if wish.kind == "training" else "wants_school"
                problems.append(
                    parsed.problem(
                        member,
                        column,
                        f"已有一条进行中的{KIND_LABELS[wish.kind]}意愿（{what}，{STATE_LABELS[State(other.state)]}），"
                        "表中的意愿未导入；如需更改，请在意愿页面办理",
                        "warning",
                    )
                )
                continue
            planned.intentions.append((member, wish))
    return problems


def _same(intention: Intention, wish: IntentionInput) -> bool:
    return all((getattr(intention, f.name) or None) == (getattr(wish, f.name) or None) for f in fields(IntentionInput))


# --- writing -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a refusal, would have done)."""

    village: VillageRef
    households_created: int = 0
    households_updated: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    intentions_created: int = 0
    intentions_skipped: int = 0
    rejected_households: int = 0
    rejected_rows: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    rejected_file: Path | None = None
    rejected_error: str | None = None  # why the 退回 file could not be saved

    @property
    def errors(self) -> list[CellProblem]:
        return [p for p in self.problems if p.is_error]

    def summary(self) -> str:
        parts = []
        if self.households_created:
            parts.append(f"新增{self.households_created}户")
        if self.people_created:
            parts.append(f"新增{self.people_created}人")
        if self.households_updated:
            parts.append(f"更新{self.households_updated}户")
        if self.people_updated:
            parts.append(f"更新{self.people_updated}人")
        if self.intentions_created:
            parts.append(f"新增意愿{self.intentions_created}条")
        if self.intentions_skipped:
            parts.append(f"{self.intentions_skipped}条意愿已存在，未重复登记")
        if self.people_unchanged:
            parts.append(f"{self.people_unchanged}人无变化")
        if self.rejected_rows:
            parts.append(f"退回{self.rejected_households}户{self.rejected_rows}行")
        body = "，".join(parts) or "没有需要导入的内容"
        verb = "试导入（未写入数据库）" if self.dry_run else "导入完成" if self.written else "未导入"
        return f"{self.village.name}：{verb}：{body}。"


def _count(plan: ImportPlan, report: ImportReport, households: list[PlannedHousehold]) -> None:
    for planned in households:
        if planned.existing_id is None:
            report.households_created += 1
        elif planned.household_changed:
            report.households_updated += 1
        report.people_created += len(planned.additions)
        report.people_updated += len(planned.updates)
        report.people_unchanged += len(planned.unchanged)
        report.intentions_created += len(planned.intentions)
        report.intentions_skipped += planned.skipped_intentions
    rejected = [p for p in plan.households if p.rejected]
    report.rejected_households = len(rejected) + (1 if plan.parsed.orphans else 0)
    report.rejected_rows = len(plan.rejected_rows())


class _HouseholdRefused(Exception):
    def __init__(self, planned: PlannedHousehold, problems: list[CellProblem]) -> None:
        super().__init__()
        self.planned = planned
        self.problems = problems


def apply_import(
    uow: UnitOfWork,
    plan: ImportPlan,
    *,
    valid_only: bool = False,
    on: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Write the plan through the services (the caller commits). Refuses a plan with errors unless
    ``valid_only``, which writes the clean households and leaves the rejected ones to the report."""
    report = ImportReport(plan.village, problems=list(plan.problems))
    if plan.errors and not valid_only:
        _count(plan, report, [])
        return report
    day = on or clock_today()
    bulk = True  # new households in one go; one by one through the services after a refusal
    while True:
        chosen = [p for p in plan.households if not p.rejected]
        try:
            if bulk:
                _insert_new_households(uow, plan, [p for p in chosen if p.existing_id is None], progress)
            rest = [p for p in chosen if p.existing_id is not None or not bulk]
            for done, planned in enumerate(rest):
                if progress is not None and done % 20 == 0:
                    progress(done, len(rest), f"正在写入第{done + 1}户，共{len(rest)}户")
                _apply_household(uow, plan, planned, day)
        except IntegrityError:
            # Someone registered one of the ID numbers after the check: the services say who and where.
            uow.session.rollback()
            if not bulk:
                raise
            bulk = False
            continue
        except _HouseholdRefused as refused:
            uow.session.rollback()
            refused.planned.rejected = True
            report.problems.extend(refused.problems)
            order = {part.label: part.index for part in plan.parsed.parts}
            report.problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row or 0, p.column or 0))
            if not valid_only:
                _count(plan, report, [])
                return report
            continue
        break
    _count(plan, report, chosen)
    report.written = bool(chosen)
    return report


_BATCH = 1000  # households per round of inserts (and per progress report)


def _insert_new_households(
    uow: UnitOfWork, plan: ImportPlan, households: list[PlannedHousehold], progress: Progress | None
) -> None:
    """The new households, already checked by plan_import exactly as create_household checks them,
    written in batches with their members, wishes and audit entries."""
    village = uow.session.get(Region, plan.village.id)
    if village is None or village.level != "village":
        raise ServiceError("要导入的村已不存在（可能已在其他窗口删除），请刷新后重试。")
    for start in range(0, len(households), _BATCH):
        if progress is not None:
            progress(start, len(households), f"正在写入第{start + 1}户，共{len(households)}户")
        batch = households[start : start + _BATCH]
        created = insert_checked_households(uow, village, [p.new_facts for p in batch])  # type: ignore[misc]
        wishes: list[tuple[uuid.UUID, str, IntentionInput]] = []
        for planned, (_household_id, person_ids) in zip(batch, created, strict=True):
            assert planned.new_facts is not None
            position = {m.where: i for i, m in enumerate(planned.sheet.members)}
            for member, wish in planned.intentions:
                index = position[member.where]
                name = planned.new_facts.members[index].name or ""
                try:
                    refuse_incomplete_intention(name, wish)
                except ServiceError as error:
                    raise _HouseholdRefused(planned, [plan.parsed.problem(member, "", str(error))]) from error
                wishes.append((person_ids[index], name, wish))
        insert_new_people_intentions(uow, wishes)


def _apply_household(uow: UnitOfWork, plan: ImportPlan, planned: PlannedHousehold, day: date) -> None:
    parsed = plan.parsed
    sheet = planned.sheet
    person_ids = dict(planned.person_ids)
    current: SheetPerson | SheetHousehold = sheet
    try:
        if planned.existing_id is None:
            facts = normalise_household(sheet.facts)
            household_id, _warnings = create_household(uow, plan.village.id, facts, on=day)
            stored = dict(
                uow.session.execute(
                    select(Person.id_number, Person.id).where(Person.household_id == household_id)
                ).all()
            )
            for member in sheet.members:
                person_ids[member.where] = stored[_id_key(member.facts.id_number)]
        else:
            household_id = planned.existing_id
            if planned.household_changed and planned.merged is not None:
                update_household(uow, household_id, planned.merged, on=day)
            for person_id, changed, member in planned.updates:
                current = member
                update_person(uow, person_id, changed, on=day)
            for member in planned.additions:
                current = member
                person_ids[member.where], _warnings = add_person(uow, household_id, member.facts, on=day)
        for member, wish in planned.intentions:
            current = member
            create_intention(uow, person_ids[member.where], wish)
    except ServiceError as error:
        problems = getattr(error, "problems", None)
        if problems:
            cells = [_cell(parsed, current, p, "") for p in problems if p.is_error]
        else:
            cells = [parsed.problem(current, "", str(error))]
        raise _HouseholdRefused(planned, cells) from error


def import_village_file(
    uow: UnitOfWork,
    path: Path,
    *,
    village_code: str | None = None,
    dry_run: bool = False,
    valid_only: bool = False,
    on: date | None = None,
    progress: Progress | None = None,
) -> tuple[ImportPlan, ImportReport]:
    """Read, check and (unless ``dry_run``) write; the caller commits when ``report.written``."""
    parsed = read_village_file(path)
    plan = plan_import(uow.session, parsed, village_code=village_code, on=on)
    if dry_run:
        report = ImportReport(plan.village, problems=list(plan.problems), dry_run=True)
        _count(plan, report, [p for p in plan.households if not p.rejected])
        return plan, report
    return plan, apply_import(uow, plan, valid_only=valid_only, on=on, progress=progress)


# --- the rejected rows, back to the village ----------------------------------------------------


def rejected_path(source: Path) -> Path:
    """ "…-退回.xlsx" next to the input."""
    return source.with_name(f"{source.stem}-退回.xlsx")


class RejectedFileError(ServiceError):
    """The 退回 file could not be saved (full disk, open in Excel); nothing half-written is left behind."""


def write_rejected_rows(
    plan: ImportPlan,
    problems: Sequence[CellProblem],
    target: Path | None = None,
    *,
    imported: int | None = None,
) -> Path | None:
    """The rejected rows in the template layout, each with its 退回原因; None when nothing was rejected.

    The village's own title rows and 填表人 / 联系电话 / 填表日期 lines are kept. The file is written under
    a temporary name and renamed only when complete; a failure raises RejectedFileError saying whether
    ``imported`` households (None: not asked) went into the database all the same."""
    rows = plan.rejected_rows()
    if not rows:
        return None
    by_row = plan.problems_by_row(problems)
    home = {m.where: h.sheet for h in plan.households for m in h.sheet.members}
    out: list[SheetRowOut] = []
    for person in rows:
        own = [p for p in by_row.get(person.where, []) if p.is_error]
        place = f"工作表“{person.sheet}”" if person.sheet else ""
        reason = "\n".join(f"原{place}第{person.row}行 {_where(p)}{p.message}" for p in own)
        if not reason:
            reason = "同户其他成员有错误，整户退回"
        keys = {_key_of(plan.parsed, p, person.sheet_index) for p in own}
        values = dict(person.values)
        household = home.get(person.where)
        if household is not None:
            values["household_no"] = household.household_no or values.get("household_no", "")
            if not values.get("village_group") and household.facts.village_group:
                values["village_group"] = household.facts.village_group
        out.append(SheetRowOut(values, reason, {k for k in keys if k}, person.row))
    title = VillageTitle(plan.village.name, plan.village.code or "", plan.village.name)
    parts = plan.parsed.parts
    original = next((part.title_rows for part in parts if part.title_rows), [])
    footer = next((part.footer_rows for part in parts if part.footer_rows), [])
    destination = Path(target or rejected_path(plan.parsed.path))
    partial = destination.with_name(f"~{destination.stem}.{uuid.uuid4().hex[:8]}.part")
    try:
        write_village_sheet(partial, title, out, with_reason=True, original_title=original, footer=footer)
        partial.replace(destination)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise RejectedFileError(_rejected_file_message(destination, error, imported)) from None
    return destination


def send_back(plan: ImportPlan, report: ImportReport, target: Path | None = None) -> ImportReport:
    """The 退回 file for what ``report`` refused — after an import, a refusal or a dry run, even when every
    household has errors. A failure to save it is kept on the report (the import itself stands)."""
    imported = sum(1 for p in plan.households if not p.rejected) if report.written else 0
    try:
        report.rejected_file = write_rejected_rows(plan, report.problems, target, imported=imported)
    except RejectedFileError as error:
        report.rejected_error = str(error)
    return report


def _rejected_file_message(destination: Path, error: OSError, imported: int | None) -> str:
    if error.errno == errno.ENOSPC:
        why = "磁盘空间已满"
    elif isinstance(error, PermissionError):
        why = "没有写入权限，或同名文件正在Excel/WPS中打开（请关闭后再试）"
    else:
        why = error.strerror or str(error)
    text = f"退回表“{destination.name}”没有保存：{why}。没有留下不完整的文件"
    if imported is not None:
        text += f"；无误的{imported}户已经导入数据库" if imported else "；没有导入任何数据"
    return text + "。请腾出空间或换一个文件夹后，重新生成退回表。"


def _where(problem: CellProblem) -> str:
    return f"【{problem.column_label}】" if problem.column_label else ""


def _key_of(parsed: ParsedSheet, problem: CellProblem, sheet_index: int) -> str | None:
    if problem.column is None:
        return None
    for key, position in parsed.parts[sheet_index].columns.positions.items():
        if position + 1 == problem.column:
            return key
    return None


__all__ = [
    "ImportPlan",
    "ImportReport",
    "ParsedSheet",
    "PreviewRow",
    "RejectedFileError",
    "VillageRef",
    "apply_import",
    "import_village_file",
    "plan_import",
    "read_village_file",
    "rejected_path",
    "resolve_village",
    "send_back",
    "template_title",
    "write_rejected_rows",
]


def template_title(session: Session, code: str | None) -> VillageTitle:
    """The title rows of a blank sheet for the village with ``code`` (county, township and village named)."""
    if not code:
        return VillageTitle()
    region = session.scalar(select(Region).where(Region.code == code.strip()))
    if region is None:
        raise ServiceError(f"区划代码“{code}”不在本数据库中：请先在区划中添加该村，或核对代码")
    if region.level != "village":
        raise ServiceError(f"区划代码“{code}”是{region.name}（不是村）：请指定村级的12位区划代码")
    names = [region.name]
    parent_id = region.parent_id
    while parent_id is not None and len(names) < 3:
        parent = session.get(Region, parent_id)
        if parent is None:
            break
        names.insert(0, parent.name)
        parent_id = parent.parent_id
    return VillageTitle(region.name, region.code or "", "".join(names))
