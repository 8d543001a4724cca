"""Planning a village import: what the sheet adds, changes and refuses, given what the database
already knows (``KnownToDatabase``, gathered by services/village_lookup.py). Pure — no session, no
writes — so that every rule here can be tested with plain objects and the window can preview it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any

from fupin_desktop.domain.idnumber import IdNumber, IdNumberError
from fupin_desktop.domain.validation import HouseholdFacts, PersonFacts, Problem, validate_household
from fupin_desktop.domain.village_sheet import BY_KEY, CellProblem
from fupin_desktop.domain.workflow import STATE_LABELS, State
from fupin_desktop.services.households import HOUSEHOLD_FIELDS, PERSON_FIELDS, normalise_household, normalise_person
from fupin_desktop.services.intentions import KIND_LABELS, IntentionInput
from fupin_desktop.services.village_read import VillageSheet, VillageSheetHousehold, VillageSheetPerson, Where
from fupin_desktop.services.village_read import id_key as _id_key


@dataclass(frozen=True)
class VillageRef:
    id: uuid.UUID
    code: str | None
    name: str


@dataclass
class PlannedHousehold:
    sheet: VillageSheetHousehold
    existing_id: uuid.UUID | None
    household_changed: bool = False
    merged: HouseholdFacts | None = None  # the household's own fields after the import
    new_facts: HouseholdFacts | None = None  # a new household, normalised and checked: as it will be written
    person_ids: dict[Where, uuid.UUID] = field(default_factory=dict)  # sheet row → person already stored
    updates: list[tuple[uuid.UUID, PersonFacts, VillageSheetPerson]] = field(default_factory=list)
    unchanged: list[VillageSheetPerson] = field(default_factory=list)
    additions: list[VillageSheetPerson] = field(default_factory=list)
    intentions: list[tuple[VillageSheetPerson, IntentionInput]] = field(default_factory=list)
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
    parsed: VillageSheet
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

    def rejected_rows(self) -> list[VillageSheetPerson]:
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
        household: dict[Where, VillageSheetHousehold] = {}
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


# --- what the database already knows -----------------------------------------------------------


@dataclass(frozen=True)
class KnownPerson:
    """A person whose ID number is on the sheet and already registered somewhere."""

    person_id: uuid.UUID
    name: str
    household_id: uuid.UUID
    household_no: str
    head_name: str | None
    village_name: str


@dataclass(frozen=True)
class StoredHousehold:
    """A household of the sheet's village as stored: its facts, and its members' ids in the same order."""

    id: uuid.UUID
    household_no: str
    facts: HouseholdFacts
    member_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class ActiveIntention:
    """An intention still in progress (not finished, refused or withdrawn) of a known person."""

    state: str
    wish: IntentionInput


@dataclass(frozen=True)
class KnownToDatabase:
    """Everything the plan needs from the database, read once before planning."""

    households: tuple[StoredHousehold, ...] = ()  # the village's households
    people: dict[str, KnownPerson] = field(default_factory=dict)  # by ID number, wherever registered
    locked: frozenset[uuid.UUID] = frozenset()  # people in a sealed submission
    active: dict[uuid.UUID, list[ActiveIntention]] = field(default_factory=dict)  # by person id


def plan_sheet(parsed: VillageSheet, village: VillageRef, known: KnownToDatabase, day: date) -> ImportPlan:
    """Check every household of the sheet against ``known``: what would be added, updated, refused."""
    problems = list(parsed.problems)
    existing = {h.household_no: h for h in known.households}
    by_id = {h.id: h for h in known.households}
    given: set[str | None] = {h.household_no for h in parsed.households if h.numbered}
    numbers = _new_numbers(village, given.union(existing))

    seen_ids: dict[str, tuple[VillageSheetPerson, VillageSheetHousehold]] = {}
    plans: list[PlannedHousehold] = []
    for sheet in parsed.households:
        if sheet.numbered:
            household = existing.get(sheet.household_no or "")
        else:  # matched by its people's ID numbers, or given the village's next number
            household = _stored_household_of(sheet, known.people, by_id)
            sheet.household_no = household.household_no if household is not None else next(numbers)
            sheet.facts.household_no = sheet.household_no
        planned = PlannedHousehold(sheet, household.id if household is not None else None)
        problems.extend(_cross_household_ids(parsed, sheet, seen_ids))
        problems.extend(_birth_checks(parsed, sheet, day))
        problems.extend(_plan_household(parsed, planned, household, known.people, known.locked, day))
        problems.extend(_plan_intentions(parsed, planned, known.people, known.active))
        plans.append(planned)
    # A cell already refused while reading (an ID stored as a number) needs no second message.
    read_cells = {(p.sheet, p.row, p.column) for p in parsed.problems if p.is_error}
    first = len(parsed.problems)
    problems[first:] = [p for p in problems[first:] if not (p.is_error and (p.sheet, p.row, p.column) in read_cells)]
    sort_problems(parsed, problems)
    order = {part.label: part.index for part in parsed.parts}
    bad_rows = {(order.get(p.sheet, 0), p.row) for p in problems if p.is_error}
    for planned in plans:
        planned.rejected = any(m.where in bad_rows for m in planned.sheet.members)
    return ImportPlan(parsed, village, plans, problems)


def sort_problems(parsed: VillageSheet, problems: list[CellProblem]) -> None:
    """In the order a clerk reads the file: worksheet, row, column."""
    order = {part.label: part.index for part in parsed.parts}
    problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row or 0, p.column or 0))


def _stored_household_of(
    sheet: VillageSheetHousehold, known: dict[str, KnownPerson], households: dict[uuid.UUID, StoredHousehold]
) -> StoredHousehold | None:
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


def _cross_household_ids(
    parsed: VillageSheet,
    sheet: VillageSheetHousehold,
    seen: dict[str, tuple[VillageSheetPerson, VillageSheetHousehold]],
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


def _birth_checks(parsed: VillageSheet, sheet: VillageSheetHousehold, day: date) -> Iterable[CellProblem]:
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


def _merge(base: object, typed: object, names: Iterable[str]) -> dict[str, Any]:
    """``base`` with every field that the sheet gave; a blank cell keeps what the database has."""
    values = {name: getattr(base, name) for name in names}
    for name in names:
        value = getattr(typed, name)
        if value is not None:
            values[name] = value
    return values


def _plan_household(
    parsed: VillageSheet,
    planned: PlannedHousehold,
    household: StoredHousehold | None,
    known: dict[str, KnownPerson],
    locked: frozenset[uuid.UUID],
    day: date,
) -> list[CellProblem]:
    sheet = planned.sheet
    problems: list[CellProblem] = []
    before: HouseholdFacts | None = None
    before_ids: list[uuid.UUID | None] = []
    if household is None:
        after = planned.new_facts = normalise_household(sheet.facts)
        after_ids: list[uuid.UUID | None] = [None] * len(sheet.members)
        row_of: list[VillageSheetPerson | None] = list(sheet.members)
        planned.additions = list(sheet.members)
    else:
        before = household.facts
        before_ids = list(household.member_ids)
        own = {member_id: i for i, member_id in enumerate(household.member_ids)}
        merged_household = HouseholdFacts(**_merge(before, sheet.facts, HOUSEHOLD_FIELDS))
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
                merged = normalise_person(PersonFacts(**_merge(before.members[index], member.facts, PERSON_FIELDS)))
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
                    cell_of_problem(
                        parsed,
                        sheet,
                        problem,
                        f"（系统中已有的成员{after.members[problem.member_index].name}）",
                    )
                )
            continue
        problems.append(cell_of_problem(parsed, target if target else sheet, problem, ""))
    return problems


def _key(problem: Problem, ids: list[uuid.UUID | None]) -> tuple[object, str, str]:
    return (ids[problem.member_index] if problem.member_index is not None else None, problem.field, problem.message)


def cell_of_problem(
    parsed: VillageSheet, at: VillageSheetPerson | VillageSheetHousehold, problem: Problem, prefix: str
) -> CellProblem:
    key = problem.field
    if key == "phone" and problem.member_index is None:
        key = "household_phone"
    cell = parsed.problem(at, key, prefix + problem.message, problem.severity)
    return cell if key in BY_KEY else replace(cell, column_label=problem.label)


def _plan_intentions(
    parsed: VillageSheet,
    planned: PlannedHousehold,
    known: dict[str, KnownPerson],
    active: dict[uuid.UUID, list[ActiveIntention]],
) -> list[CellProblem]:
    problems: list[CellProblem] = []
    for member in planned.sheet.members:
        key = _id_key(member.facts.id_number)
        match = known.get(key) if key else None
        current = active.get(match.person_id, []) if match is not None else []
        for wish in member.intentions:
            same_kind = [i for i in current if i.wish.kind == wish.kind]
            if any(_same(i.wish, wish) for i in same_kind):
                planned.skipped_intentions += 1
                continue
            if same_kind:
                other = same_kind[0]
                what = other.wish.occupation or other.wish.major or other.wish.school or ""
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


def _same(intention: IntentionInput, wish: IntentionInput) -> bool:
    return all((getattr(intention, f.name) or None) == (getattr(wish, f.name) or None) for f in fields(IntentionInput))
