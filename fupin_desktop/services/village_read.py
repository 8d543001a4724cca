"""Reading a village sheet: every data worksheet of the file, each row turned into facts, and the rows
grouped into households the way the village made them — by 户编号, by 户主身份证号, by 户主姓名, or by
the rows themselves (a 户主 row starts a household, the rows under it belong to it). Problems that need
no database are listed here, each at its sheet, row and column; nothing is refused that one row's fix
would cure. No database, no Qt.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from fupin_desktop.domain.validation import HEAD, HouseholdFacts, PersonFacts
from fupin_desktop.domain.village_sheet import (
    BY_KEY,
    GROUPING_KEYS,
    GROUPS,
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
    header_key,
    is_skippable_row,
    row_span,
)
from fupin_desktop.services.intentions import IntentionInput
from fupin_desktop.services.spreadsheet import Grid, SpreadsheetError, read_grids
from fupin_desktop.store.collector import collector_paused

_MEMBER_KEYS = frozenset(k for k, c in BY_KEY.items() if c.level in ("person", "intention"))
_INTENTION_KEYS = tuple(k for k, c in BY_KEY.items() if c.level == "intention")
_HOUSEHOLD_KEYS = (
    "card_no", "village_group", "address", "household_type", "status", "main_cause", "other_causes",
    "household_phone",
)  # fmt: skip
_FOOTER_STARTS = tuple(
    header_key(p) for p in ("填表人", "审核人", "负责人", "填表单位", "填表时间", "填表日期", "联系电话", "制表")
)
FORMULA_MESSAGE = "这是公式，文件中没有计算结果，请在Excel或WPS中打开并保存后再导入"
Where = tuple[int, int]  # (sheet index, row as Excel numbers it)
Grouping = Literal["household_no", "head_id_number", "head_name", "rows"]
GROUPING_LABELS: dict[str, str] = {
    "household_no": "按户编号",
    "head_id_number": "按户主身份证号",
    "head_name": "按户主姓名",
    "rows": "按户主行（户主在前，成员在后）",
}


@dataclass
class VillageSheetPerson:
    """One member row of a village sheet."""

    row: int  # as Excel numbers it
    cells: dict[str, CellValue]  # as read, by column key
    facts: PersonFacts
    intentions: list[IntentionInput] = field(default_factory=list)
    birth: tuple[int, int, int | None] | None = None
    sheet: str | None = None  # named only when the workbook has several data sheets
    sheet_index: int = 0

    @property
    def where(self) -> Where:
        return (self.sheet_index, self.row)

    @cached_property
    def values(self) -> dict[str, str]:
        """The cells as the village typed them (display text): for the preview and the rejected-rows file."""
        return {key: (v if isinstance(v, str) else display_value(v)).strip() for key, v in self.cells.items()}


def _filled(value: CellValue) -> bool:
    return value is not None and value != "" and not (isinstance(value, str) and value.isspace())


@dataclass
class VillageSheetHousehold:
    """A household as the village sheet's rows form it (its head row and the member rows after it)."""

    household_no: str | None  # None until plan_import finds or assigns one (a sheet without 户编号)
    first_row: int
    facts: HouseholdFacts  # household fields as typed (None: left blank); members filled below
    members: list[VillageSheetPerson] = field(default_factory=list)
    field_rows: dict[str, int] = field(default_factory=dict)  # key → row where it was given
    sheet: str | None = None
    sheet_index: int = 0
    numbered: bool = True  # the sheet gave the 户编号
    group_key: str = ""  # the 户主身份证号 or 户主姓名 the rows were grouped by
    head_typed: str | None = None  # 户主姓名 as typed in its own column

    @property
    def where(self) -> Where:
        return (self.sheet_index, self.first_row)

    @property
    def head_name(self) -> str:
        head = next((m for m in self.members if m.facts.relation == HEAD), None)
        return (head.facts.name if head else None) or self.head_typed or "（无户主）"

    @property
    def label(self) -> str:
        """How a message names the household: by its number, or by its head when the sheet gave none."""
        if self.numbered and self.household_no:
            return f"户编号{self.household_no}"
        return f"户主{self.head_name}"

    def describe(self) -> str:
        """“工作表“二组” 第5–7行 → 户：王建国（3人）”, with the number the household got."""
        where = f"工作表“{self.sheet}” " if self.sheet else ""
        text = f"{where}{row_span([m.row for m in self.members])} → 户：{self.head_name}（{len(self.members)}人）"
        if self.household_no and not self.numbered:
            text += f"，户编号{self.household_no}"
        return text


@dataclass
class VillageSheetPart:
    """One data worksheet: where its columns are, how its rows form households, what surrounds the table."""

    index: int
    name: str  # the worksheet's tab name
    label: str | None  # the name messages carry (None when the file has one data sheet)
    columns: ColumnMatch
    grouping: Grouping
    title_rows: list[list[str]] = field(default_factory=list)  # above the header, as shown
    footer_rows: list[list[str]] = field(default_factory=list)  # 填表人 / 联系电话 / 填表日期 lines below it


@dataclass
class VillageSheet:
    """村级采集表 as read: the file a village clerk filled from the template, its households and problems."""

    path: Path
    parts: list[VillageSheetPart]
    households: list[VillageSheetHousehold]
    orphans: list[VillageSheetPerson]  # rows that belong to no household (a member before any head)
    problems: list[CellProblem]

    @property
    def sheet_name(self) -> str:
        return self.parts[0].name

    @property
    def columns(self) -> ColumnMatch:
        return self.parts[0].columns

    @property
    def title_text(self) -> str:
        return " ".join(v for part in self.parts for row in part.title_rows for v in row if v)

    def column_of(self, key: str, sheet_index: int = 0) -> int | None:
        position = self.parts[sheet_index].columns.positions.get(key)
        return position + 1 if position is not None else None

    def problem(
        self,
        at: VillageSheetPerson | VillageSheetHousehold | Where | None,
        key: str,
        message: str,
        severity: Literal["error", "warning"] = "error",
    ) -> CellProblem:
        """A problem at a person's (or a household's first) row, in the column of ``key``."""
        if at is None:
            index, row = 0, None
        elif isinstance(at, tuple):
            index, row = at
        else:
            index, row = at.where
        label = BY_KEY[key].label if key in BY_KEY else key
        if key == "household_phone":
            label = "户联系电话"
        part = self.parts[index]
        return CellProblem(row, self.column_of(key, index), label, message, severity, part.label)

    @property
    def row_count(self) -> int:
        return len(self.orphans) + sum(len(h.members) for h in self.households)


def read_village_file(path: Path) -> VillageSheet:
    """Read every data sheet and turn each row into facts; problems that need no database are listed."""
    with collector_paused():  # a row's cells, facts and wishes, all kept: store/collector.py
        return _read_village_file(Path(path))


def _read_village_file(path: Path) -> VillageSheet:
    grids = read_grids(path)
    visible = [grid for grid in grids if not grid.hidden and not grid.empty]
    found = [(grid, find_header(grid.header_text())) for grid in visible]
    complete = [(grid, match) for grid, match in found if match is not None and not match.missing()]
    if not complete:
        _refuse_without_data(path, grids, visible, found)
    several = len(complete) > 1
    parts = [
        VillageSheetPart(i, grid.sheet_name, grid.sheet_name if several else None, match, _grouping(grid, match))
        for i, (grid, match) in enumerate(complete)
    ]
    parsed = VillageSheet(path, parts, [], [], [])
    for grid, match in found:
        if any(grid is g for g, _m in complete):
            continue
        if match is not None and {"name", "id_number"} <= set(match.positions):
            parsed.problems.append(
                CellProblem(
                    None, None, "",
                    f"工作表“{grid.sheet_name}”第{match.header_row + 1}行的表头缺少必需的列："
                    f"{'、'.join(match.missing())}，该表的成员没有导入：请补上这一列后重新导入",
                )
            )  # fmt: skip
        else:
            parsed.problems.append(
                CellProblem(None, None, "", f"工作表“{grid.sheet_name}”中没有成员信息的表头，未导入该表", "warning")
            )
    for grid in grids:
        if grid.hidden and not grid.empty and (match := find_header(grid.header_text())) and not match.missing():
            parsed.problems.append(
                CellProblem(
                    None,
                    None,
                    "",
                    f"工作表“{grid.sheet_name}”是隐藏的，其中的成员未导入：如需导入，请取消隐藏",
                    "warning",
                )
            )
    by_no: dict[str, VillageSheetHousehold] = {}
    by_head_id: dict[str, VillageSheetHousehold] = {}
    for part, (grid, _match) in zip(parts, complete, strict=True):
        data_rows = len(grid.rows) - part.columns.header_row - 1
        if data_rows > MAX_ROWS:
            raise SpreadsheetError(
                f"文件“{path.name}”有{data_rows:,}行数据，超过一次导入{MAX_ROWS:,}行的上限：请拆分后分别导入"
            )
        _parse_part(parsed, part, grid, by_no, by_head_id)
    for household in parsed.households:
        household.facts.members = [m.facts for m in household.members]
    if not parsed.row_count:
        header = parts[0].columns.header_row + 1
        raise SpreadsheetError(f"文件“{path.name}”第{header}行是表头，但下面没有任何成员数据：请填写后再导入")
    return parsed


def _refuse_without_data(
    path: Path, grids: list[Grid], visible: list[Grid], found: list[tuple[Grid, ColumnMatch | None]]
) -> None:
    hidden = []
    for grid in grids:
        if grid.hidden and not grid.empty:
            match = find_header(grid.header_text())
            if match is not None and not match.missing():
                hidden.append(grid.sheet_name)
    if hidden:
        names = "、".join(f"“{name}”" for name in hidden)
        shown = "是空的" if not visible else "中没有成员信息"
        raise SpreadsheetError(
            f"文件“{path.name}”的成员数据在隐藏的工作表{names}中，可见的工作表{shown}：请在Excel或WPS中右键点击"
            "工作表标签→“取消隐藏”，保存后再导入"
        )
    if not visible:
        raise SpreadsheetError(f"文件“{path.name}”中的工作表是空的，没有任何内容")
    best_grid, best = found[0]
    for grid, match in found:
        if match is not None and (best is None or match.count > best.count):
            best_grid, best = grid, match
    if best is None:
        expected = "、".join(BY_KEY[key].label for key in REQUIRED_KEYS)
        raise SpreadsheetError(
            f"文件“{path.name}”的工作表“{best_grid.sheet_name}”中找不到表头：没有任何预期的列，"
            f"缺少：{expected}等。请使用本程序生成的空白模板，或把表头改成模板中的列名"
        )
    raise SpreadsheetError(
        f"文件“{path.name}”第{best.header_row + 1}行的表头缺少必需的列：{'、'.join(best.missing())}"
        f"（已识别的列：{'、'.join(best.headers.values())}）"
    )


def _grouping(grid: Grid, columns: ColumnMatch) -> Grouping:
    """The first grouping column that the sheet has and fills somewhere; else the rows themselves."""
    start = columns.header_row + 1
    for key in GROUPING_KEYS:
        position = columns.positions.get(key)
        if position is None:
            continue
        for row in grid.rows[start:]:
            if position < len(row) and row[position] not in (None, "") and not is_skippable_row(row, 3):
                return key
    return "rows"


def _texts(row: list[CellValue]) -> list[str]:
    return [display_value(v).strip() for v in row]


def _header_rows(grid: Grid, columns: ColumnMatch) -> int:
    """How many rows the header takes: two when the row above carries group names or vertical merges."""
    index = columns.header_row
    if index == 0:
        return 1
    above, below = _texts(grid.rows[index - 1]), _texts(grid.rows[index])
    if any(text in GROUPS for text in above):
        return 2
    if any(a and a == below[i] for i, a in enumerate(above) if i < len(below) and i in columns.headers):
        return 2
    return 1


def _parse_part(
    parsed: VillageSheet,
    part: VillageSheetPart,
    grid: Grid,
    by_no: dict[str, VillageSheetHousehold],
    by_head_id: dict[str, VillageSheetHousehold],
) -> None:
    columns = part.columns
    top = columns.header_row + 1 - _header_rows(grid, columns)
    part.title_rows = [_texts(row) for row in grid.rows[:top] if any(v not in (None, "") for v in row)]
    positions = list(columns.positions.items())
    keys = [key for key, _position in positions]
    wanted = [position for _key, position in positions]
    member_keys = [key for key in keys if key in _MEMBER_KEYS]
    household_keys = [key for key in _HOUSEHOLD_KEYS if key in columns.positions]
    intention_keys = [key for key in _INTENTION_KEYS if key in columns.positions]
    needed = max(wanted, default=-1) + 1  # a row at least this wide needs no bounds check
    formulas = grid.formulas
    current: VillageSheetHousehold | None = None
    start = columns.header_row + 1
    for index in range(start, len(grid.rows)):
        raw_row = grid.rows[index]
        if is_skippable_row(raw_row, index - start):
            texts = _texts(raw_row)
            first = next((t for t in texts if t), "")
            if first and header_key(first).startswith(_FOOTER_STARTS):
                part.footer_rows.append(texts)
            continue
        if len(raw_row) >= needed:
            cells = [raw_row[pos] for pos in wanted]
        else:
            width = len(raw_row)
            cells = [raw_row[pos] if pos < width else None for pos in wanted]
        raw = dict(zip(keys, cells, strict=True))
        uncomputed = [key for key, pos in positions if (index, pos) in formulas] if formulas else []
        if not uncomputed and not any(_filled(raw[key]) for key in member_keys):
            continue
        row = index + 1
        person = _read_person(parsed, part, row, raw, intention_keys)
        for key in uncomputed:
            parsed.problems.append(parsed.problem(person, key, FORMULA_MESSAGE))
        household = _household_of(parsed, part, person, raw, current, by_no, by_head_id)
        if household is None:
            parsed.orphans.append(person)
            continue
        current = household
        _read_household_fields(parsed, household, person, raw, household_keys)
        household.members.append(person)
    if len(parsed.parts) > 1:  # one sheet per 村民小组: the tab names the group when no column does
        for household in parsed.households:
            if household.sheet_index == part.index and household.facts.village_group is None:
                household.facts.village_group = clean_text(part.name)


def _new_household(
    parsed: VillageSheet, part: VillageSheetPart, person: VillageSheetPerson, number: str | None, group_key: str = ""
) -> VillageSheetHousehold:
    household = VillageSheetHousehold(
        number, person.row, HouseholdFacts(household_no=number), sheet=part.label, sheet_index=part.index,
        numbered=number is not None, group_key=group_key,
    )  # fmt: skip
    parsed.households.append(household)
    return household


def _household_of(
    parsed: VillageSheet,
    part: VillageSheetPart,
    person: VillageSheetPerson,
    raw: dict[str, CellValue],
    current: VillageSheetHousehold | None,
    by_no: dict[str, VillageSheetHousehold],
    by_head_id: dict[str, VillageSheetHousehold],
) -> VillageSheetHousehold | None:
    """The household this row belongs to, by the sheet's grouping; None (with a problem) for an orphan row."""
    grouping = part.grouping
    is_head = person.facts.relation == HEAD
    # A 户主 row whose grouping cell is blank starts a household of its own (numbered by the program)
    # rather than becoming a second head of the household above it.
    starts = is_head and (current is None or any(m.facts.relation == HEAD for m in current.members))
    if grouping == "household_no":
        number = clean_digits(raw.get("household_no"))
        if number is None:
            if starts:
                return _new_household(parsed, part, person, None, person.facts.name or "")
            if current is None:
                parsed.problems.append(
                    parsed.problem(person, "household_no", "户编号不能为空：每名成员都要填写所属户的户编号")
                )
            return current
        numbered = by_no.get(number)
        if numbered is None:
            numbered = by_no[number] = _new_household(parsed, part, person, number)
        return numbered
    household: VillageSheetHousehold | None
    if grouping == "head_id_number":
        typed, _lost = clean_id_number(raw.get("head_id_number"))
        key = id_key(typed)
        if key is None and starts:
            household = _new_household(parsed, part, person, None, id_key(person.facts.id_number) or "")
        elif key is None:
            if current is None:
                parsed.problems.append(
                    parsed.problem(person, "head_id_number", "户主身份证号不能为空：请填写本人所在户户主的身份证号")
                )
            household = current
        else:
            household = by_head_id.get(key)
            if household is None:
                household = by_head_id[key] = _new_household(parsed, part, person, None, key)
        if household is not None:
            own = id_key(person.facts.id_number)
            if own is not None and own == household.group_key and not is_head:
                parsed.problems.append(
                    parsed.problem(
                        person, "relation",
                        f"本行身份证号就是户主身份证号，与户主关系却填的是“{person.facts.relation or '空'}”："
                        "请改为“户主”",
                    )
                )  # fmt: skip
            elif is_head and own is not None and own != household.group_key:
                parsed.problems.append(
                    parsed.problem(
                        person, "relation",
                        f"与户主关系填的是“户主”，但本人身份证号与本行的户主身份证号（{household.group_key}）不同：请核对",
                    )
                )  # fmt: skip
        return household
    if grouping == "head_name":
        name = clean_text(raw.get("head_name"), drop_spaces=True)
        if name is None and starts:
            household = _new_household(parsed, part, person, None, person.facts.name or "")
        elif name is None:
            if current is None:
                parsed.problems.append(
                    parsed.problem(person, "head_name", "户主姓名不能为空：请填写本人所在户的户主姓名")
                )
            household = current
        elif current is not None and current.group_key == name:
            household = current
        else:  # a new run of rows: a namesake further down is another household
            household = _new_household(parsed, part, person, None, name)
            household.head_typed = name
        if household is not None:
            own = person.facts.name
            if is_head and own and own != household.group_key:
                parsed.problems.append(
                    parsed.problem(
                        person, "relation",
                        f"与户主关系填的是“户主”，但本人姓名“{own}”与户主姓名“{household.group_key}”不同：请核对",
                    )
                )  # fmt: skip
            elif not is_head and own and own == household.group_key:
                parsed.problems.append(
                    parsed.problem(
                        person, "relation",
                        f"本人姓名就是户主姓名“{own}”，与户主关系却填的是“{person.facts.relation or '空'}”：请核对",
                    )
                )  # fmt: skip
        return household
    if is_head:
        return _new_household(parsed, part, person, None, person.facts.name or "")
    if current is None:
        parsed.problems.append(
            parsed.problem(
                person, "relation",
                f"本行（与户主关系“{person.facts.relation or '空'}”）之前没有户主行，不知道属于哪一户："
                "请把户主填在本户成员的第一行，或填写户编号或户主姓名",
            )
        )  # fmt: skip
    return current


def id_key(text: str | None) -> str | None:
    """An ID number as the database stores it: half-width, no spaces, X upper-case."""
    if not text:
        return None
    if text.isascii() and text.isalnum():  # the usual: already half-width, no spaces
        return text.upper()
    return "".join(unicodedata.normalize("NFKC", text).split()).upper() or None


def _read_household_fields(
    parsed: VillageSheet,
    household: VillageSheetHousehold,
    person: VillageSheetPerson,
    raw: dict[str, CellValue],
    keys: list[str],
) -> None:
    for key in keys:
        if not _filled(raw[key]):  # not in the sheet, or blank (every member row but the first, often)
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
            household.field_rows[key] = person.row
        elif given != value:
            first = household.field_rows[key]
            parsed.problems.append(
                parsed.problem(
                    person, key, f"同一户（{household.label}）第{first}行填的是“{given}”，本行是“{value}”，请统一"
                )
            )


def _read_person(
    parsed: VillageSheet, part: VillageSheetPart, row: int, raw: dict[str, CellValue], intention_keys: list[str]
) -> VillageSheetPerson:
    facts = PersonFacts()
    person = VillageSheetPerson(row, raw, facts, sheet=part.label, sheet_index=part.index)
    problems = parsed.problems
    facts.name = clean_text(raw.get("name"), drop_spaces=True)
    facts.id_number, lost = clean_id_number(raw.get("id_number"))
    if lost:
        problems.append(parsed.problem(person, "id_number", lost))
    sex = clean_text(raw.get("sex"), drop_spaces=True)
    facts.sex = {"男性": "男", "女性": "女"}.get(sex or "", sex)
    person.birth, message = clean_birth(raw.get("birth_date"))
    if message:
        problems.append(parsed.problem(person, "birth_date", message))
    for key in ("ethnicity", "relation", "education", "school_status", "labour", "employment"):
        setattr(facts, key, clean_code(raw.get(key), BY_KEY[key].codelist or key))
    facts.health = clean_multi(raw.get("health"), "health")
    facts.work_place = clean_text(raw.get("work_place"))
    facts.work_months, message = clean_months(raw.get("work_months"))
    if message:
        problems.append(parsed.problem(person, "work_months", message))
    facts.phone = clean_digits(raw.get("phone"))
    if any(_filled(raw[key]) for key in intention_keys):
        person.intentions = _read_intentions(parsed, person, raw)
    return person


def _read_intentions(
    parsed: VillageSheet, person: VillageSheetPerson, raw: dict[str, CellValue]
) -> list[IntentionInput]:
    problems = parsed.problems
    referral, message = clean_referral(raw.get("referral_source"))
    if message:
        problems.append(parsed.problem(person, "referral_source", message))
    result: list[IntentionInput] = []

    wants, message = clean_yes_no(raw.get("wants_training"))
    if message:
        problems.append(parsed.problem(person, "wants_training", f"培训意愿{message}"))
    occupation = clean_code(raw.get("occupation"), "occupation")
    training_type = clean_code(raw.get("training_type"), "training_type")
    if wants is False and (occupation or training_type):
        problems.append(
            parsed.problem(person, "wants_training", "培训意愿填了“否”，却填写了培训工种或培训类型，请核对")
        )
    elif wants or (wants is None and (occupation or training_type)):
        if not occupation:
            problems.append(parsed.problem(person, "occupation", "愿意参加培训的，须填写培训工种"))
        if training_type and training_type not in set(_names("training_type")):
            problems.append(
                parsed.problem(person, "training_type", f"培训类型“{training_type}”不在代码表中，请从列表中选择")
            )
        result.append(IntentionInput("training", occupation=occupation, training_type=training_type,
                                     referral_source=referral))  # fmt: skip

    wants, message = clean_yes_no(raw.get("wants_school"))
    if message:
        problems.append(parsed.problem(person, "wants_school", f"技工院校意愿{message}"))
    major = clean_code(raw.get("major"), "major")
    school = clean_text(raw.get("school"))
    if wants is False and (major or school):
        problems.append(parsed.problem(person, "wants_school", "技工院校意愿填了“否”，却填写了专业或院校，请核对"))
    elif wants or (wants is None and (major or school)):
        if not (major or school):
            problems.append(parsed.problem(person, "major", "愿意就读技工院校的，须填写专业或院校"))
        result.append(IntentionInput("school", major=major, school=school, referral_source=referral))
    return result


def _names(list_name: str) -> list[str]:
    from fupin_desktop.domain.codelists import codelist

    return codelist(list_name).names()


# The names before docs/glossary.md (a "sheet" alone is a summary sheet), kept for callers not yet renamed.
ParsedSheet = VillageSheet
SheetPart = VillageSheetPart
SheetPerson = VillageSheetPerson
SheetHousehold = VillageSheetHousehold
