"""比对: our people against the 扶贫部门's 建档立卡 roster (ID, name, household number, status).

Three lists come out: who is here but not on the roster, who is on the roster with no record here,
and who is on both with a different name, household number or status. Reads only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.village_sheet import (
    HEADER_SEARCH_ROWS,
    CellProblem,
    CellValue,
    clean_digits,
    clean_text,
    display_value,
    header_key,
    is_skippable_row,
    number_lost_message,
)
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.joins import with_households
from fupin_desktop.services.spreadsheet import Grid, SpreadsheetError, best_grid
from fupin_desktop.store.models import Household, Person, Region

ROSTER_LABELS = {"id_number": "身份证号", "name": "姓名", "household_no": "户编号", "status": "户状态"}
_ALIASES = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证件号码", "证件号", "身份证"),
    "name": ("姓名", "成员姓名", "人员姓名", "名字"),
    "household_no": ("户编号", "户号", "家庭编号", "农户编号", "户码"),
    "status": ("户状态", "贫困户状态", "脱贫状态", "状态", "是否脱贫", "贫困状态"),
}
_INDEX = {header_key(alias): key for key, aliases in _ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class RosterEntry:
    row: int
    id_number: str
    name: str
    household_no: str
    status: str


@dataclass(frozen=True)
class LocalPerson:
    id_number: str
    name: str
    household_no: str
    status: str
    village: str


@dataclass(frozen=True)
class Difference:
    entry: RosterEntry
    local: LocalPerson
    fields: tuple[str, ...]  # labels of what differs: 姓名 / 户编号 / 户状态


@dataclass
class Comparison:
    roster_path: Path
    scope: str
    only_here: list[LocalPerson] = field(default_factory=list)
    only_roster: list[RosterEntry] = field(default_factory=list)
    differing: list[Difference] = field(default_factory=list)
    matched: int = 0
    problems: list[CellProblem] = field(default_factory=list)  # roster rows that could not be compared

    def summary(self) -> str:
        return (
            f"比对{self.scope}：一致{self.matched}人；本地有、花名册无{len(self.only_here)}人；"
            f"花名册有、本地无{len(self.only_roster)}人；信息不一致{len(self.differing)}人"
            + (f"；花名册中{len(self.problems)}行无法比对" if self.problems else "")
            + "。"
        )


def _match(grid: Grid) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(grid.header_text()[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        for column, text in enumerate(row):
            key = _INDEX.get(header_key(text))
            if key is not None and key not in positions:
                positions[key] = column
        if "id_number" in positions and (best is None or len(positions) > len(best[1])):
            best = (index, positions)
    return best


def _rank(match: tuple[int, dict[str, int]]) -> int:
    return len(match[1])


def read_roster(path: Path) -> tuple[list[RosterEntry], list[CellProblem], dict[str, int]]:
    """The roster's rows; unusable rows (no ID, ID stored as a number) come back as problems."""
    chosen = best_grid(Path(path), _match, _rank)  # not unpacked at once: mypy would then infer T as Optional
    grid, found = chosen
    if found is None:
        raise SpreadsheetError(
            f"文件“{Path(path).name}”中找不到花名册的表头：至少需要“身份证号”列"
            f"（可识别的列：{'、'.join(ROSTER_LABELS.values())}）"
        )
    header, positions = found
    entries: list[RosterEntry] = []
    problems: list[CellProblem] = []
    id_column = positions["id_number"]
    for index in range(header + 1, len(grid.rows)):
        raw_row = grid.rows[index]
        cells = [v if isinstance(v, str) else display_value(v) for v in raw_row]
        if is_skippable_row(cells, index - header - 1):
            continue

        def value(key: str, row: Sequence[CellValue] = raw_row) -> CellValue:
            position = positions.get(key)
            return row[position] if position is not None and position < len(row) else None

        raw_id = value("id_number")
        lost = number_lost_message("身份证号", raw_id)
        number = clean_digits(raw_id)
        if lost or not number:
            problems.append(CellProblem(index + 1, id_column + 1, "身份证号", lost or "身份证号为空，无法比对"))
            continue
        entries.append(
            RosterEntry(
                index + 1,
                number.upper(),
                clean_text(value("name"), drop_spaces=True) or "",
                clean_digits(value("household_no")) or "",
                clean_text(value("status")) or "",
            )
        )
    return entries, problems, positions


def _local_people(session: Session, region_code: str | None) -> tuple[list[LocalPerson], str]:
    query = with_households(
        select(Person.id_number, Person.name, Household.household_no, Household.status, Region.name),
        village=Region,
    ).where(Person.id_number.is_not(None))
    scope = "全部数据"
    if region_code:
        region = session.scalar(select(Region).where(Region.code == region_code.strip()))
        if region is None:
            raise ServiceError(f"区划代码“{region_code}”不在本数据库中，请核对")
        prefix = region_code.strip().rstrip("0") or region_code
        if region.level == "village":
            query = query.where(Region.id == region.id)
        else:
            query = query.where(Region.code.startswith(prefix))
        scope = region.name
    people = [
        LocalPerson(n or "", name, hno, status or "", village)
        for n, name, hno, status, village in session.execute(query)
    ]
    return people, scope


def _same_status(ours: str, theirs: str) -> bool:
    def fold(text: str) -> str:
        return unicodedata.normalize("NFKC", text).replace(" ", "")

    return not theirs or fold(ours) == fold(theirs)


def compare_roster(session: Session, path: Path, *, region_code: str | None = None) -> Comparison:
    entries, problems, positions = read_roster(path)
    people, scope = _local_people(session, region_code)
    comparison = Comparison(Path(path), scope, problems=problems)
    ours = {p.id_number: p for p in people}
    on_roster: set[str] = set()
    for entry in entries:
        on_roster.add(entry.id_number)
        local = ours.get(entry.id_number)
        if local is None:
            comparison.only_roster.append(entry)
            continue
        differ = []
        if "name" in positions and entry.name and entry.name != local.name:
            differ.append("姓名")
        if "household_no" in positions and entry.household_no and entry.household_no != local.household_no:
            differ.append("户编号")
        if "status" in positions and not _same_status(local.status, entry.status):
            differ.append("户状态")
        if differ:
            comparison.differing.append(Difference(entry, local, tuple(differ)))
        else:
            comparison.matched += 1
    comparison.only_here = sorted((p for p in people if p.id_number not in on_roster), key=_order)
    return comparison


def _order(person: LocalPerson) -> tuple[str, str, str]:
    return (person.village, person.household_no, person.id_number)


def export_comparison(comparison: Comparison, out: Path) -> Path:
    from fupin_desktop.export.roster_comparison import write_comparison

    return write_comparison(comparison, out)


__all__ = [
    "Comparison",
    "Difference",
    "LocalPerson",
    "RosterEntry",
    "compare_roster",
    "export_comparison",
    "read_roster",
]
