"""Importing a village sheet: read, check every row, and write all of it in one transaction — or,
with ``valid_only``, the clean households, sending the rejected rows back as an xlsx.

Three steps, so that the window can show a preview before anything is written:
``read_village_file`` (the file alone) → ``plan_import`` (against the database, read-only)
→ ``apply_import`` (the writes, through the household and intention services, each one audited).
Importing the same sheet twice changes nothing: people are matched by ID number, households by
户编号 within the village, and differences become ordinary audited edits.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.domain.idnumber import IdNumber, IdNumberError
from fupin_desktop.domain.validation import HouseholdFacts, PersonFacts, Problem, validate_household
from fupin_desktop.domain.village_sheet import (
    BY_KEY,
    MAX_ROWS,
    REQUIRED_KEYS,
    CellProblem,
    CellValue,
    ColumnMatch,
    clean_birth,
    clean_code,
    clean_digits,
    clean_id_number,
    clean_months,
    clean_multi,
    clean_referral,
    clean_text,
    clean_yes_no,
    display_value,
    find_header,
    is_skippable_row,
)
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
from fupin_desktop.services.spreadsheet import Grid, SpreadsheetError, best_grid
from fupin_desktop.store.models import Household, Intention, Person, Region
from fupin_desktop.store.uow import UnitOfWork

Progress = Callable[[int, int, str], None]

_PERSON_KEYS = ("name", "id_number", "sex", "birth_date", *(k for k in PERSON_FIELDS if k not in ("name", "id_number")))
_HOUSEHOLD_KEYS = (*(k for k in HOUSEHOLD_FIELDS if k not in ("household_no", "phone")), "household_phone")
_MEMBER_KEYS = frozenset(k for k, c in BY_KEY.items() if c.level in ("person", "intention"))
_INTENTION_KEYS = tuple(k for k, c in BY_KEY.items() if c.level == "intention")
_CODE_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
_CHUNK = 900  # SQLite's bound on variables per statement, with room to spare


# --- reading -----------------------------------------------------------------------------------


@dataclass
class SheetPerson:
    row: int  # as Excel numbers it
    values: dict[str, str]  # as typed, by column key: for the preview and the rejected-rows file
    facts: PersonFacts
    intentions: list[IntentionInput] = field(default_factory=list)
    birth: tuple[int, int, int | None] | None = None


@dataclass
class SheetHousehold:
    household_no: str
    first_row: int
    facts: HouseholdFacts  # household fields as typed (None: left blank); members filled below
    members: list[SheetPerson] = field(default_factory=list)
    field_rows: dict[str, int] = field(default_factory=dict)  # key → row where it was given


@dataclass
class ParsedSheet:
    path: Path
    sheet_name: str
    columns: ColumnMatch
    title_text: str
    households: list[SheetHousehold]
    orphans: list[SheetPerson]  # rows that belong to no household (no 户编号 above them)
    problems: list[CellProblem]

    def column_of(self, key: str) -> int | None:
        position = self.columns.positions.get(key)
        return position + 1 if position is not None else None

    def problem(self, row: int | None, key: str, message: str, severity: str = "error") -> CellProblem:
        label = BY_KEY[key].label if key in BY_KEY else key
        if key == "household_phone":
            label = "户联系电话"
        return CellProblem(row, self.column_of(key), label, message, severity)  # type: ignore[arg-type]

    @property
    def row_count(self) -> int:
        return len(self.orphans) + sum(len(h.members) for h in self.households)


def read_village_file(path: Path) -> ParsedSheet:
    """Read the sheet and turn each row into facts; problems that need no database are listed."""
    path = Path(path)
    grid, columns = best_grid(path, lambda g: find_header(g.header_text()), lambda m: m.count)
    if columns is None:
        expected = "、".join(BY_KEY[key].label for key in REQUIRED_KEYS)
        raise SpreadsheetError(
            f"文件“{path.name}”的工作表“{grid.sheet_name}”中找不到表头：没有任何预期的列，"
            f"缺少：{expected}等。请使用本程序生成的空白模板，或把表头改成模板中的列名"
        )
    missing = columns.missing()
    if missing:
        raise SpreadsheetError(
            f"文件“{path.name}”第{columns.header_row + 1}行的表头缺少必需的列：{'、'.join(missing)}"
            f"（已识别的列：{'、'.join(columns.headers.values())}）"
        )
    data_rows = len(grid.rows) - columns.header_row - 1
    if data_rows > MAX_ROWS:
        raise SpreadsheetError(
            f"文件“{path.name}”有{data_rows:,}行数据，超过一次导入{MAX_ROWS:,}行的上限：请拆分后分别导入"
        )
    parsed = _parse(path, grid, columns)
    if not parsed.row_count:
        raise SpreadsheetError(
            f"文件“{path.name}”第{columns.header_row + 1}行是表头，但下面没有任何成员数据：请填写后再导入"
        )
    return parsed


def _title_text(grid: Grid, header_row: int) -> str:
    return " ".join(display_value(v) for row in grid.rows[:header_row] for v in row if v not in (None, ""))


def _parse(path: Path, grid: Grid, columns: ColumnMatch) -> ParsedSheet:
    parsed = ParsedSheet(path, grid.sheet_name, columns, _title_text(grid, columns.header_row), [], [], [])
    positions = list(columns.positions.items())
    by_no: dict[str, SheetHousehold] = {}
    current: SheetHousehold | None = None
    start = columns.header_row + 1
    member_keys = [key for key, _position in positions if key in _MEMBER_KEYS]
    keys = [key for key, _position in positions]
    wanted = [position for _key, position in positions]
    needed = max(wanted, default=-1) + 1  # a row at least this wide needs no bounds check
    for index in range(start, len(grid.rows)):
        raw_row = grid.rows[index]
        if is_skippable_row(raw_row, index - start):
            continue
        if len(raw_row) >= needed:
            cells = [raw_row[pos] for pos in wanted]
        else:
            width = len(raw_row)
            cells = [raw_row[pos] if pos < width else None for pos in wanted]
        raw = dict(zip(keys, cells, strict=True))
        values = dict(zip(keys, [(v if isinstance(v, str) else display_value(v)).strip() for v in cells], strict=True))
        if not any(values[key] for key in member_keys):
            continue
        row = index + 1
        person = _read_person(parsed, row, raw, values)
        number = clean_digits(raw.get("household_no"))
        if number is None:
            if current is None:
                parsed.problems.append(
                    parsed.problem(row, "household_no", "户编号不能为空：每名成员都要填写所属户的户编号")
                )
                parsed.orphans.append(person)
                continue
        else:
            current = by_no.get(number)
            if current is None:
                current = SheetHousehold(number, row, HouseholdFacts(household_no=number))
                by_no[number] = current
                parsed.households.append(current)
        _read_household_fields(parsed, current, row, raw, values)
        current.members.append(person)
    for household in parsed.households:
        household.facts.members = [m.facts for m in household.members]
    return parsed


def _read_household_fields(
    parsed: ParsedSheet, household: SheetHousehold, row: int, raw: dict[str, CellValue], values: dict[str, str]
) -> None:
    for key in _HOUSEHOLD_KEYS:
        if not values.get(key):  # not in the sheet, or blank (every member row but the first, often)
            continue
        column = BY_KEY[key]
        if key in ("card_no", "household_phone"):
            value = clean_digits(raw[key])
        elif column.multi and column.codelist:
            value = clean_multi(raw[key], column.codelist)
        elif column.codelist:
            value = clean_code(raw[key], column.codelist)
        else:
            value = clean_text(raw[key])
        if value is None:
            continue
        attribute = "phone" if key == "household_phone" else key
        given = getattr(household.facts, attribute)
        if given is None:
            setattr(household.facts, attribute, value)
            household.field_rows[key] = row
        elif given != value:
            first = household.field_rows[key]
            parsed.problems.append(
                parsed.problem(
                    row,
                    key,
                    f"同一户（户编号{household.household_no}）第{first}行填的是“{given}”，本行是“{value}”，请统一",
                )
            )


def _read_person(parsed: ParsedSheet, row: int, raw: dict[str, CellValue], values: dict[str, str]) -> SheetPerson:
    problems = parsed.problems
    facts = PersonFacts()
    facts.name = clean_text(raw.get("name"), drop_spaces=True)
    facts.id_number, lost = clean_id_number(raw.get("id_number"))
    if lost:
        problems.append(parsed.problem(row, "id_number", lost))
    sex = clean_text(raw.get("sex"), drop_spaces=True)
    facts.sex = {"男性": "男", "女性": "女"}.get(sex or "", sex)
    birth, message = clean_birth(raw.get("birth_date"))
    if message:
        problems.append(parsed.problem(row, "birth_date", message))
    for key in ("ethnicity", "relation", "education", "school_status", "labour", "employment"):
        setattr(facts, key, clean_code(raw.get(key), BY_KEY[key].codelist or key))
    facts.health = clean_multi(raw.get("health"), "health")
    facts.work_place = clean_text(raw.get("work_place"))
    facts.work_months, message = clean_months(raw.get("work_months"))
    if message:
        problems.append(parsed.problem(row, "work_months", message))
    facts.phone = clean_digits(raw.get("phone"))
    person = SheetPerson(row, values, facts, birth=birth)
    if any(values.get(key) for key in _INTENTION_KEYS):
        person.intentions = _read_intentions(parsed, row, raw)
    return person


def _read_intentions(parsed: ParsedSheet, row: int, raw: dict[str, CellValue]) -> list[IntentionInput]:
    problems = parsed.problems
    referral, message = clean_referral(raw.get("referral_source"))
    if message:
        problems.append(parsed.problem(row, "referral_source", message))
    result: list[IntentionInput] = []

    wants, message = clean_yes_no(raw.get("wants_training"))
    if message:
        problems.append(parsed.problem(row, "wants_training", f"培训意愿{message}"))
    occupation = clean_code(raw.get("occupation"), "occupation")
    training_type = clean_code(raw.get("training_type"), "training_type")
    if wants is False and (occupation or training_type):
        problems.append(parsed.problem(row, "wants_training", "培训意愿填了“否”，却填写了培训工种或培训类型，请核对"))
    elif wants or (wants is None and (occupation or training_type)):
        if not occupation:
            problems.append(parsed.problem(row, "occupation", "愿意参加培训的，须填写培训工种"))
        if training_type and training_type not in set(_names("training_type")):
            problems.append(
                parsed.problem(row, "training_type", f"培训类型“{training_type}”不在代码表中，请从列表中选择")
            )
        result.append(IntentionInput("training", occupation=occupation, training_type=training_type,
                                     referral_source=referral))  # fmt: skip

    wants, message = clean_yes_no(raw.get("wants_school"))
    if message:
        problems.append(parsed.problem(row, "wants_school", f"技工院校意愿{message}"))
    major = clean_code(raw.get("major"), "major")
    school = clean_text(raw.get("school"))
    if wants is False and (major or school):
        problems.append(parsed.problem(row, "wants_school", "技工院校意愿填了“否”，却填写了专业或院校，请核对"))
    elif wants or (wants is None and (major or school)):
        if not (major or school):
            problems.append(parsed.problem(row, "major", "愿意就读技工院校的，须填写专业或院校"))
        result.append(IntentionInput("school", major=major, school=school, referral_source=referral))
    return result


def _names(list_name: str) -> list[str]:
    from fupin_desktop.domain.codelists import codelist

    return codelist(list_name).names()


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
    person_ids: dict[int, uuid.UUID] = field(default_factory=dict)  # sheet row → person already stored
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
        return sorted(rows, key=lambda p: p.row)

    def preview(self) -> list[PreviewRow]:
        by_row: dict[int | None, list[CellProblem]] = {}
        for problem in self.problems:
            by_row.setdefault(problem.row, []).append(problem)
        outcome: dict[int, str] = {p.row: "退回" for p in self.parsed.orphans}
        for planned in self.households:
            if planned.rejected:
                outcome.update({m.row: "退回" for m in planned.sheet.members})
                continue
            outcome.update({m.row: "新增" for m in planned.additions})
            outcome.update({m.row: "更新" for _i, _f, m in planned.updates})
            outcome.update({m.row: "无变化" for m in planned.unchanged})
        people = [*self.parsed.orphans, *(m for h in self.households for m in h.sheet.members)]
        return [
            PreviewRow(
                p.row,
                p.values.get("household_no", ""),
                p.values.get("name", ""),
                p.values.get("id_number", ""),
                p.values.get("relation", ""),
                outcome.get(p.row, "无变化"),
                by_row.get(p.row, []),
            )
            for p in sorted(people, key=lambda p: p.row)
        ]


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


def _id_key(text: str | None) -> str | None:
    if not text:
        return None
    return "".join(unicodedata.normalize("NFKC", text).split()).upper() or None


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

    existing = {
        h.household_no: h
        for h in session.scalars(
            select(Household).where(Household.village_id == village.id).options(selectinload(Household.members))
        )
    }
    sheet_ids = sorted({k for h in parsed.households for m in h.members if (k := _id_key(m.facts.id_number))})
    known = _known_people(session, sheet_ids)
    locked = _locked_people(session, [k.person_id for k in known.values()])
    active = _active_intentions(session, [k.person_id for k in known.values()])

    seen_ids: dict[str, tuple[int, str]] = {}
    plans: list[PlannedHousehold] = []
    for sheet in parsed.households:
        household = existing.get(sheet.household_no)
        planned = PlannedHousehold(sheet, household.id if household is not None else None)
        problems.extend(_cross_household_ids(parsed, sheet, seen_ids))
        problems.extend(_birth_checks(parsed, sheet, day))
        problems.extend(_plan_household(parsed, planned, household, known, locked, day))
        problems.extend(_plan_intentions(parsed, planned, known, active))
        plans.append(planned)
    # A cell already refused while reading (an ID stored as a number) needs no second message.
    read_cells = {(p.row, p.column) for p in parsed.problems if p.is_error}
    first = len(parsed.problems)
    problems[first:] = [p for p in problems[first:] if not (p.is_error and (p.row, p.column) in read_cells)]
    problems.sort(key=lambda p: (p.row or 0, p.column or 0))
    bad_rows = {p.row for p in problems if p.is_error}
    for planned in plans:
        planned.rejected = any(m.row in bad_rows for m in planned.sheet.members)
    return ImportPlan(parsed, village, plans, problems)


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
    parsed: ParsedSheet, sheet: SheetHousehold, seen: dict[str, tuple[int, str]]
) -> Iterable[CellProblem]:
    for member in sheet.members:
        key = _id_key(member.facts.id_number)
        if key is None:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = (member.row, sheet.household_no)
        elif first[1] != sheet.household_no:
            yield parsed.problem(
                member.row, "id_number", f"身份证号与第{first[0]}行（户编号{first[1]}）重复：同一人不能在两户中登记"
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
                member.row,
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
                planned.person_ids[member.row] = match.person_id
                merged = normalise_person(PersonFacts(**_merge(before.members[index], member.facts, PERSON_FIELDS)))  # type: ignore[arg-type]
                after.members[index] = merged
                row_of[index] = member
                if merged != before.members[index]:
                    if match.person_id in locked:
                        problems.append(
                            parsed.problem(member.row, "name", f"成员{match.name}已列入封存的上报表，不能通过导入修改")
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
                    member.row,
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
                        sheet.first_row,
                        problem,
                        f"（系统中已有的成员{after.members[problem.member_index].name}）",
                    )
                )
            continue
        problems.append(_cell(parsed, target.row if target else sheet.first_row, problem, ""))
    return problems


def _key(problem: Problem, ids: list[uuid.UUID | None]) -> tuple[object, str, str]:
    return (ids[problem.member_index] if problem.member_index is not None else None, problem.field, problem.message)


def _cell(parsed: ParsedSheet, row: int, problem: Problem, prefix: str) -> CellProblem:
    key = problem.field
    if key == "phone" and problem.member_index is None:
        key = "household_phone"
    cell = parsed.problem(row, key, prefix + problem.message, problem.severity)
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
                        member.row,
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
            report.problems.sort(key=lambda p: (p.row or 0, p.column or 0))
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
            position = {m.row: i for i, m in enumerate(planned.sheet.members)}
            for member, wish in planned.intentions:
                index = position[member.row]
                name = planned.new_facts.members[index].name or ""
                try:
                    refuse_incomplete_intention(name, wish)
                except ServiceError as error:
                    raise _HouseholdRefused(planned, [CellProblem(member.row, None, "", str(error))]) from error
                wishes.append((person_ids[index], name, wish))
        insert_new_people_intentions(uow, wishes)


def _apply_household(uow: UnitOfWork, plan: ImportPlan, planned: PlannedHousehold, day: date) -> None:
    parsed = plan.parsed
    sheet = planned.sheet
    person_ids = dict(planned.person_ids)
    current_row = sheet.first_row
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
                person_ids[member.row] = stored[_id_key(member.facts.id_number)]
        else:
            household_id = planned.existing_id
            if planned.household_changed and planned.merged is not None:
                update_household(uow, household_id, planned.merged, on=day)
            for person_id, facts, member in planned.updates:
                current_row = member.row
                update_person(uow, person_id, facts, on=day)
            for member in planned.additions:
                current_row = member.row
                person_ids[member.row], _warnings = add_person(uow, household_id, member.facts, on=day)
        for member, wish in planned.intentions:
            current_row = member.row
            create_intention(uow, person_ids[member.row], wish)
    except ServiceError as error:
        problems = getattr(error, "problems", None)
        if problems:
            cells = [_cell(parsed, current_row, p, "") for p in problems if p.is_error]
        else:
            cells = [CellProblem(current_row, None, "", str(error))]
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


def write_rejected_rows(plan: ImportPlan, problems: Sequence[CellProblem], target: Path | None = None) -> Path | None:
    """The rejected rows in the template layout, each with its 退回原因; None when nothing was rejected."""
    rows = plan.rejected_rows()
    if not rows:
        return None
    by_row: dict[int | None, list[CellProblem]] = {}
    for problem in problems:
        by_row.setdefault(problem.row, []).append(problem)
    numbers = {m.row: h.sheet.household_no for h in plan.households for m in h.sheet.members}
    out: list[SheetRowOut] = []
    for person in rows:
        own = [p for p in by_row.get(person.row, []) if p.is_error]
        reason = "\n".join(f"原第{person.row}行 {_where(p)}{p.message}" for p in own)
        if not reason:
            reason = "同户其他成员有错误，整户退回"
        keys = {_key_of(plan.parsed, p) for p in own}
        values = dict(person.values)
        if person.row in numbers:
            values["household_no"] = numbers[person.row]
        out.append(SheetRowOut(values, reason, {k for k in keys if k}, person.row))
    title = VillageTitle(plan.village.name, plan.village.code or "", plan.village.name)
    return write_village_sheet(target or rejected_path(plan.parsed.path), title, out, with_reason=True)


def _where(problem: CellProblem) -> str:
    return f"【{problem.column_label}】" if problem.column_label else ""


def _key_of(parsed: ParsedSheet, problem: CellProblem) -> str | None:
    if problem.column is None:
        return None
    for key, position in parsed.columns.positions.items():
        if position + 1 == problem.column:
            return key
    return None


__all__ = [
    "ImportPlan",
    "ImportReport",
    "ParsedSheet",
    "PreviewRow",
    "VillageRef",
    "apply_import",
    "import_village_file",
    "plan_import",
    "read_village_file",
    "rejected_path",
    "resolve_village",
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
