"""A generator of village sheets in the shapes villages really make, for the import's property tests.

Each sheet is built from known households (so a test can say which rows must form which household)
and written the way a clerk might have: with a 户编号 column, a 户主身份证号 column, a 户主姓名 column, or
none at all (the 户主 row first, the members under it); household cells on every row, only on the
head's row, or merged down the household; title rows, blank rows, a totals row, a 填表人 line;
full-width digits and a lower-case x in ID numbers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from fupin_desktop.domain.idnumber import make_id_number
from tests.sheets import AREA, VILLAGE_CODE

SHAPES = ("household_no", "head_id_number", "head_name", "rows")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国秀英明华丽军平伟芳强敏静磊洋艳勇杰娟涛超霞刚桂兰红玉梅海峰志宏春燕文斌凤玲鹏飞云"
GROUP_COLUMN = {"household_no": "户编号", "head_id_number": "户主身份证号", "head_name": "户主姓名", "rows": None}


@dataclass
class Member:
    name: str
    id_number: str
    relation: str


@dataclass
class GeneratedHousehold:
    number: str
    members: list[Member]  # the head first
    address: str
    group: str

    @property
    def head(self) -> Member:
        return self.members[0]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(m.id_number for m in self.members)


@dataclass
class Options:
    shape: str
    household_cells: str = "head"  # "every" row, only the "head" row, or "merged" down the household
    group_cells: str = "every"  # the grouping column: on "every" row, the first row only ("first"), or "merged"
    title_rows: int = 2
    blank_rows: bool = False
    totals_row: bool = False
    footer: bool = False
    seq_column: bool = False
    full_width_ids: bool = False
    lower_x: bool = False
    head_not_first: bool = False  # the head's row somewhere inside the household (not for the "rows" shape)
    unkeyed: bool = False  # every third household leaves the grouping column blank (its head row first)


@dataclass
class GeneratedSheet:
    households: list[GeneratedHousehold]
    options: Options
    rows_of: dict[str, list[int]] = field(default_factory=dict)  # ID number → its row, as Excel numbers it


class Families:
    """Households with valid, distinct ID numbers whose sexes fit their relations."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.day = 0
        self.heads: set[str] = set()

    def _id(self, born: date, male: bool) -> str:
        self.day += 1
        sequence = 2 * self.rng.randrange(1, 400) + (1 if male else 0)
        return make_id_number(AREA, born + timedelta(days=self.day % 300), sequence)

    def _name(self, surname: str | None = None) -> str:
        rng = self.rng
        return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

    def household(self, number: int) -> GeneratedHousehold:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        head_name = self._name(surname)
        while head_name in self.heads:  # a namesake head is its own test, not noise
            head_name = self._name(surname)
        self.heads.add(head_name)
        head_born = date(rng.randrange(1955, 1985), rng.randrange(1, 13), 1)
        members = [Member(head_name, self._id(head_born, True), "户主")]
        if rng.random() < 0.8:
            spouse = self._name()
            while spouse == head_name:
                spouse = self._name()
            members.append(Member(spouse, self._id(head_born + timedelta(days=700), False), "配偶"))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            male = rng.random() < 0.5
            born = head_born + timedelta(days=365 * rng.randrange(20, 32))
            name = self._name(surname)
            while name in (m.name for m in members):  # a child named like a parent is its own test
                name = self._name(surname)
            members.append(Member(name, self._id(born, male), "之子" if male else "之女"))
        return GeneratedHousehold(
            f"{VILLAGE_CODE}{number:04d}", members, f"北村{rng.choice('一二三')}组{number}号", "一组"
        )


def generate(seed: int, options: Options, households: int = 6) -> GeneratedSheet:
    families = Families(seed)
    return GeneratedSheet([families.household(n) for n in range(1, households + 1)], options)


def _shown_id(number: str, options: Options) -> str:
    text = number.lower() if options.lower_x else number
    if options.full_width_ids:
        text = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)
    return text


def write_generated(path: Path, sheet: GeneratedSheet) -> Path:
    """The sheet as an xlsx; records on ``sheet.rows_of`` the row each person landed on."""
    options = sheet.options
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "花名册"
    group_label = GROUP_COLUMN[options.shape]
    header = ["序号"] if options.seq_column else []
    if group_label:
        header.append(group_label)
    header += ["姓名", "身份证号码", "与户主关系", "家庭住址", "村民小组"]
    titles: list[list[object]] = [["沂南县界湖街道北村建档立卡贫困人口花名册"], ["区划代码：", VILLAGE_CODE]]
    lines: list[list[object]] = [*titles[: options.title_rows], list(header)]
    column = {label: index for index, label in enumerate(header)}
    count = 0
    merges: list[tuple[int, int, int]] = []  # (column, first row, last row)
    for number, household in enumerate(sheet.households):
        members = list(household.members)
        unkeyed = options.unkeyed and number % 3 == 2
        if options.head_not_first and options.shape != "rows" and len(members) > 1 and not unkeyed:
            members = [*members[1:2], members[0], *members[2:]]
        first = len(lines) + 1
        for position, member in enumerate(members):
            count += 1
            row: list[object] = [None] * len(header)
            if options.seq_column:
                row[0] = count
            key = {
                "household_no": household.number,
                "head_id_number": _shown_id(household.head.id_number, options),
                "head_name": household.head.name,
            }.get(options.shape)
            if group_label and not unkeyed and (options.group_cells == "every" or position == 0):
                row[column[group_label]] = key
            row[column["姓名"]] = member.name
            row[column["身份证号码"]] = _shown_id(member.id_number, options)
            row[column["与户主关系"]] = member.relation
            if options.household_cells == "every" or position == 0:
                row[column["家庭住址"]] = household.address
                row[column["村民小组"]] = household.group
            lines.append(row)
            sheet.rows_of[member.id_number] = len(lines)
        last = len(lines)
        if last > first:
            if options.household_cells == "merged":
                merges += [(column["家庭住址"], first, last), (column["村民小组"], first, last)]
            if group_label and options.group_cells == "merged" and not unkeyed:
                merges.append((column[group_label], first, last))
        if options.blank_rows:
            lines.append([])
    if options.totals_row:
        lines.append(["合计", f"{count}人"])
    if options.footer:
        lines += [[], ["填表人：李红梅", None, "联系电话：13805391234", None, "填表日期：2026年11月20日"]]
    for number, line in enumerate(lines, start=1):
        for index, value in enumerate(line, start=1):
            if value is not None:
                ws.cell(row=number, column=index, value=value)
    for index, top, bottom in merges:
        _merge(ws, index, top, bottom)
    workbook.save(path)
    return path


def _merge(ws: Worksheet, index: int, top: int, bottom: int) -> None:
    ws.merge_cells(start_row=top, start_column=index + 1, end_row=bottom, end_column=index + 1)


def random_options(rng: random.Random, shape: str) -> Options:
    return Options(
        shape=shape,
        household_cells=rng.choice(("every", "head", "merged")),
        group_cells=rng.choice(("every", "first", "merged")),
        title_rows=rng.choice((1, 2, 2)),
        blank_rows=rng.random() < 0.4,
        totals_row=rng.random() < 0.5,
        footer=rng.random() < 0.5,
        seq_column=rng.random() < 0.5,
        full_width_ids=rng.random() < 0.3,
        lower_x=rng.random() < 0.5,
        head_not_first=rng.random() < 0.4,
        unkeyed=rng.random() < 0.3,
    )


def groups(households: Sequence[GeneratedHousehold]) -> list[frozenset[str]]:
    return [h.ids for h in households]
