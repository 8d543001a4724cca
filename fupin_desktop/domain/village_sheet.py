"""The village sheet (村级采集表): its columns, and reading what villages really type into them.

One row per person; household columns repeat on every member row (or are merged over them, or left
blank after the first). This module knows the columns, recognises header names with the small
variations people make (全角/半角, spaces, 身份证号码 for 身份证号), and turns raw cell values into
clean text — refusing, never guessing, when Excel has already destroyed the value (an ID number
stored as a number). It reads no file and touches no database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal

from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.validation import FIELD_LABELS, MULTI_SEPARATOR

__all__ = [
    "COLUMNS",
    "GROUPING_KEYS",
    "GROUPS",
    "MAX_ROWS",
    "REQUIRED_KEYS",
    "CellProblem",
    "CellValue",
    "ColumnMatch",
    "SheetColumn",
    "VillageSheetColumn",
    "clean_birth",
    "clean_code",
    "clean_id_number",
    "clean_months",
    "clean_multi",
    "clean_referral",
    "clean_text",
    "clean_yes_no",
    "column_letter",
    "display_value",
    "find_header",
    "header_key",
    "is_skippable_row",
    "match_columns",
    "row_span",
]

CellValue = str | float | int | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
Level = Literal["household", "person", "intention", "ignored"]

MAX_ROWS: Final = 200_000
"""Larger files are refused: a county has about 100,000 people."""

HEADER_SEARCH_ROWS: Final = 30


@dataclass(frozen=True)
class VillageSheetColumn:
    """One column of the village sheet: the key the importer uses, the header shown, and what it accepts."""

    key: str
    label: str
    level: Level
    group: str
    aliases: tuple[str, ...] = ()
    codelist: str | None = None
    multi: bool = False
    width: float = 10
    text_format: bool = False  # long digit strings: formatted as text so Excel keeps every digit
    note: str = ""


HOUSEHOLD_GROUP: Final = "户信息"
PERSON_GROUP: Final = "成员信息"
TRAINING_GROUP: Final = "培训意愿"
SCHOOL_GROUP: Final = "技工院校意愿"
REFERRAL_LABEL: Final = "推荐来源"

GROUPS: Final = (HOUSEHOLD_GROUP, PERSON_GROUP, TRAINING_GROUP, SCHOOL_GROUP, REFERRAL_LABEL)


def _col(key: str, level: Level, group: str, **kw: Any) -> VillageSheetColumn:
    label = str(kw.pop("label", FIELD_LABELS.get(key, key)))
    return VillageSheetColumn(key=key, label=label, level=level, group=group, **kw)


COLUMNS: Final[tuple[VillageSheetColumn, ...]] = (
    _col("household_no", "household", HOUSEHOLD_GROUP, aliases=("户号", "家庭编号", "农户编号", "户码"),
         width=20, text_format=True, note="同一户的每名成员填同一个户编号"),
    _col("card_no", "household", HOUSEHOLD_GROUP, aliases=("扶贫卡号", "明白卡编号", "扶贫手册编号"),
         width=21, text_format=True),
    _col("village_group", "household", HOUSEHOLD_GROUP, aliases=("组别", "村组", "小组", "组"), width=9),
    _col("address", "household", HOUSEHOLD_GROUP,
         aliases=("住址", "家庭地址", "家庭详细地址", "详细地址", "地址"), width=22),
    _col("household_type", "household", HOUSEHOLD_GROUP, aliases=("贫困户类型", "户属性", "户类型", "贫困属性"),
         codelist="household_type", width=14),
    _col("status", "household", HOUSEHOLD_GROUP, aliases=("贫困户状态", "脱贫状态", "状态"),
         codelist="household_status", width=14),
    _col("main_cause", "household", HOUSEHOLD_GROUP, aliases=("致贫原因",), codelist="poverty_cause", width=12),
    _col("other_causes", "household", HOUSEHOLD_GROUP, aliases=("次要致贫原因",), codelist="poverty_cause",
         multi=True, width=16, note="最多2项，用顿号“、”分隔"),
    _col("household_phone", "household", HOUSEHOLD_GROUP, label=FIELD_LABELS["phone"],
         aliases=("户联系电话", "家庭联系电话", "户主联系电话", "户主电话", "户信息联系电话"),
         width=14, text_format=True),
    _col("name", "person", PERSON_GROUP, aliases=("成员姓名", "名字"), width=10),
    _col("id_number", "person", PERSON_GROUP,
         aliases=("身份证号码", "公民身份号码", "身份证", "证件号码", "身份证件号码", "证件号"),
         width=22, text_format=True, note="18位，末位可为X；请勿输入为数字"),
    _col("relation", "person", PERSON_GROUP, aliases=("与户主的关系", "家庭关系", "关系"), codelist="relation",
         width=11),
    _col("ethnicity", "person", PERSON_GROUP, codelist="ethnicity", width=9),
    _col("education", "person", PERSON_GROUP, aliases=("学历",), codelist="education", width=16),
    _col("school_status", "person", PERSON_GROUP, aliases=("在校情况", "在校生情况"), codelist="school_status",
         width=12),
    _col("health", "person", PERSON_GROUP, aliases=("身体状况",), codelist="health", multi=True, width=14,
         note="可多项，用顿号“、”分隔"),
    _col("labour", "person", PERSON_GROUP, aliases=("劳动能力",), codelist="labour", width=16),
    _col("employment", "person", PERSON_GROUP, aliases=("务工情况", "就业状况", "就业情况"),
         codelist="employment", width=16),
    _col("work_place", "person", PERSON_GROUP, aliases=("务工地址", "就业地点"), width=14),
    _col("work_months", "person", PERSON_GROUP, aliases=("务工时间", "务工月数", "务工时长(月)", "务工时间月"),
         width=13, note="0至12的整数"),
    _col("phone", "person", PERSON_GROUP,
         aliases=("电话", "联系方式", "手机号", "手机号码", "成员联系电话", "本人联系电话", "成员信息联系电话"),
         width=14, text_format=True),
    _col("wants_training", "intention", TRAINING_GROUP, label="是否",
         aliases=("是否参加培训", "培训意愿是否", "有无培训意愿", "是否有培训意愿"), width=6),
    _col("occupation", "intention", TRAINING_GROUP, label="培训工种",
         aliases=("培训职业", "培训工种意向", "培训职业(工种)意向", "意向工种", "工种"), codelist="occupation",
         width=14),
    _col("training_type", "intention", TRAINING_GROUP, label="培训类型", codelist="training_type", width=16),
    _col("wants_school", "intention", SCHOOL_GROUP, label="是否",
         aliases=("是否就读技工院校", "技工院校意愿是否", "是否有就读技工院校意愿", "就读意愿"), width=6),
    _col("major", "intention", SCHOOL_GROUP, label="专业", aliases=("意向专业", "专业意向", "就读专业"),
         codelist="major", width=16),
    _col("school", "intention", SCHOOL_GROUP, label="院校",
         aliases=("意向院校", "院校意向", "拟就读技工院校", "学校"), width=18),
    _col("referral_source", "intention", REFERRAL_LABEL, label=REFERRAL_LABEL,
         aliases=("推荐单位", "推荐方式", "来源"), codelist="referral_source", width=12),
)  # fmt: skip

# Recognised when a village adds them, but not in the blank template (the ID decides sex and birth date).
EXTRA_COLUMNS: Final[tuple[VillageSheetColumn, ...]] = (
    _col("sex", "person", PERSON_GROUP, width=6),
    _col("birth_date", "person", PERSON_GROUP, aliases=("出生年月", "出生年月日"), width=12),
    _col("seq", "ignored", "", label="序号", aliases=("序",), width=6),
    # Village-made sheets name the household by its head instead of numbering it.
    _col("head_id_number", "household", HOUSEHOLD_GROUP, label="户主身份证号",
         aliases=("户主身份证号码", "户主公民身份号码", "户主证件号码", "户主身份证"), width=22, text_format=True),
    _col("head_name", "household", HOUSEHOLD_GROUP, label="户主姓名", aliases=("户主",), width=10),
)  # fmt: skip
ALL_COLUMNS: Final = COLUMNS + EXTRA_COLUMNS
BY_KEY: Final = {column.key: column for column in ALL_COLUMNS}
REQUIRED_KEYS: Final = ("name", "id_number", "relation")
GROUPING_KEYS: Final = ("household_no", "head_id_number", "head_name")
"""How a sheet says which rows form a household, in order of preference; without any of them, the rows
themselves do (a 户主 row starts a household, the rows under it with other relations belong to it)."""

# Which label a column of the template gets when the sheet has only one header row.
_AMBIGUOUS: Final = frozenset({"是否", FIELD_LABELS["phone"]})


_HEADER_NOISE: Final = re.compile(r"[\s*※★]")


@lru_cache(maxsize=8192)
def header_key(text: str) -> str:
    """A header cell reduced to what matters: half-width, no spaces, no required-field stars."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for column in ALL_COLUMNS:
        names = [*column.aliases]
        if column.label not in _AMBIGUOUS:
            names.append(column.label)
        for name in names:
            index.setdefault(header_key(name), column.key)
    return index


_ALIASES: Final = _alias_index()
_PHONE_KEY: Final = header_key(FIELD_LABELS["phone"])


def _recognise(text: str, parent: str) -> str | None:
    key = header_key(text)
    if not key:
        return _ALIASES.get(header_key(parent)) if parent else None
    for candidate in (header_key(parent) + key, key, re.sub(r"\(.*?\)", "", key)):
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    if key == _PHONE_KEY:
        return "phone"
    return None


@dataclass(frozen=True)
class ColumnMatch:
    """Where each known column sits in the sheet (0-based index) and what header it carries there."""

    header_row: int  # 0-based index of the (lower) header row
    positions: dict[str, int]
    headers: dict[int, str]  # column index → header text as written
    unknown: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.positions)

    def missing(self, keys: Iterable[str] = REQUIRED_KEYS) -> list[str]:
        return [BY_KEY[key].label for key in keys if key not in self.positions]


def match_columns(rows: Sequence[Sequence[str]], header_row: int) -> ColumnMatch:
    """Recognise the columns of ``rows[header_row]``, using the row above for merged group headers."""
    row = rows[header_row]
    above = rows[header_row - 1] if header_row > 0 else []
    positions: dict[str, int] = {}
    headers: dict[int, str] = {}
    unknown: list[str] = []
    phones: list[int] = []
    for index, text in enumerate(row):
        parent = above[index] if index < len(above) else ""
        key = _recognise(text, parent)
        if key is None:
            if text.strip():
                unknown.append(text.strip())
            continue
        headers[index] = (text or parent).strip()
        if key == "phone":
            phones.append(index)
        elif key not in positions:
            positions[key] = index
    _place_phones(positions, phones)
    return ColumnMatch(header_row, positions, headers, unknown)


def _place_phones(positions: dict[str, int], phones: list[int]) -> None:
    """Two 联系电话 columns: the first is the household's. One: the household's if left of 姓名."""
    if len(phones) >= 2:
        positions.setdefault("household_phone", phones[0])
        positions["phone"] = phones[1]
    elif phones:
        name_at = positions.get("name")
        if name_at is not None and phones[0] < name_at and "household_phone" not in positions:
            positions["household_phone"] = phones[0]
        else:
            positions["phone"] = phones[0]


def find_header(rows: Sequence[Sequence[str]]) -> ColumnMatch | None:
    """The header row among the first rows: the one that names the most known columns (the lower on a tie)."""
    best: ColumnMatch | None = None
    for index in range(min(len(rows), HEADER_SEARCH_ROWS)):
        match = match_columns(rows, index)
        if match.count >= 2 and (best is None or match.count >= best.count):
            best = match
    return best


# --- cell values -------------------------------------------------------------------------------

_SCIENTIFIC: Final = re.compile(r"[+-]?\d+(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)


def display_value(raw: CellValue) -> str:
    """The value as the user saw it in Excel (numbers without a trailing .0, IDs as 3.71321E+17)."""
    if isinstance(raw, str):
        return raw
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        if abs(raw) >= 1e15:
            mantissa, exponent = f"{raw:.5E}".split("E")
            return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"
        return repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw)


_SPACE: Final = re.compile(r"\s")
_SPACES: Final = re.compile(r"\s+")
_FULL_WIDTH_DIGIT: Final = re.compile("[\uff10-\uff19]")


def clean_text(raw: CellValue, *, drop_spaces: bool = False) -> str | None:
    text = display_value(raw)
    if isinstance(raw, str) and _FULL_WIDTH_DIGIT.search(raw):
        text = unicodedata.normalize("NFKC", text)
    if _SPACE.search(text) is not None:  # most cells have none: no substitution to make
        text = _SPACES.sub("" if drop_spaces else " ", text).strip()
    return text or None


def clean_digits(raw: CellValue) -> str | None:
    """Numbers kept as text (户编号, 电话): full-width digits folded, spaces and a leading ' removed."""
    if raw is None or raw == "":
        return None
    text = display_value(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if _SPACE.search(text) is not None:
        text = _SPACES.sub("", text)
    return text.lstrip("'") or None


def number_lost_message(label: str, raw: CellValue) -> str | None:
    """Excel keeps 15 significant digits: a long number typed into a number cell has lost its tail."""
    shown = display_value(raw)
    if isinstance(raw, float) and abs(raw) >= 1e15:
        return (
            f"{label}被Excel存成了数字（显示为{shown}），后几位已经丢失，无法还原：请把该列设为“文本”格式，"
            "按户口簿重新输入完整号码"
        )
    if isinstance(raw, str):
        text = raw.strip()
        folded = text if text.isascii() else unicodedata.normalize("NFKC", text)  # ASCII folds to itself
        if ("e" in folded or "E" in folded) and _SCIENTIFIC.fullmatch(folded):  # no e: no need to match
            return f"{label}“{text}”是科学计数法，后几位已经丢失，无法还原：请按户口簿重新输入完整号码"
    return None


def clean_id_number(raw: CellValue) -> tuple[str | None, str | None]:
    """(value, problem): the ID as text, or a message when Excel destroyed it."""
    lost = number_lost_message(FIELD_LABELS["id_number"], raw)
    if lost:
        return None, lost
    return clean_digits(raw), None


def _canonical(list_name: str) -> dict[str, str]:
    return {header_key(name): name for name in codelist(list_name).names()}


_CANONICAL_CACHE: dict[str, dict[str, str]] = {}


_RELATION_ALIASES: Final = {
    "本人": "户主", "户主本人": "户主", "家长": "户主",
    "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶", "夫妻": "配偶", "之妻": "配偶", "之夫": "配偶",
    "子": "之子", "儿子": "之子", "长子": "之子", "次子": "之子", "三子": "之子", "四子": "之子",
    "女": "之女", "女儿": "之女", "长女": "之女", "次女": "之女", "三女": "之女", "四女": "之女",
    "儿媳": "之儿媳", "媳": "之儿媳", "儿媳妇": "之儿媳", "女婿": "之女婿",
    "孙子": "之孙子", "孙女": "之孙女", "外孙": "之外孙子", "外孙子": "之外孙子", "外孙女": "之外孙女",
    "父": "之父", "父亲": "之父", "母": "之母", "母亲": "之母",
    "祖父": "之祖父", "爷爷": "之祖父", "祖母": "之祖母", "奶奶": "之祖母",
    "兄弟姐妹": "之兄弟姐妹", "兄": "之兄弟姐妹", "弟": "之兄弟姐妹", "姐": "之兄弟姐妹", "妹": "之兄弟姐妹",
    "哥哥": "之兄弟姐妹", "弟弟": "之兄弟姐妹", "姐姐": "之兄弟姐妹", "妹妹": "之兄弟姐妹",
}  # fmt: skip
"""The words villages write in 与户主关系 for the 建档立卡 names (本人 for 户主, 妻子 for 配偶, 长子 for 之子)."""


def clean_code(raw: CellValue, list_name: str) -> str | None:
    """A code-list value with 全角/半角 and spaces forgiven; anything else is returned as typed."""
    if isinstance(raw, str):  # a column holds a handful of different values: each is cleaned once
        return _clean_code_text(raw, list_name)
    return _clean_code(raw, list_name)


@lru_cache(maxsize=8192)
def _clean_code_text(raw: str, list_name: str) -> str | None:
    return _clean_code(raw, list_name)


def _clean_code(raw: CellValue, list_name: str) -> str | None:
    text = clean_text(raw)
    if text is None:
        return None
    table = _CANONICAL_CACHE.get(list_name)
    if table is None:
        table = _CANONICAL_CACHE[list_name] = _canonical(list_name)
        if list_name == "relation":
            table.update({header_key(word): name for word, name in _RELATION_ALIASES.items()})
    return table.get(header_key(text), text)


_MULTI_SPLIT: Final = re.compile(r"[、,，;；/／\s]+")


def clean_multi(raw: CellValue, list_name: str) -> str | None:
    """Several values separated by 、 , ， ; ； / or spaces, each made canonical, joined by 、."""
    if isinstance(raw, str):
        return _clean_multi_text(raw, list_name)
    return _clean_multi(raw, list_name)


@lru_cache(maxsize=8192)
def _clean_multi_text(raw: str, list_name: str) -> str | None:
    return _clean_multi(raw, list_name)


def _clean_multi(raw: CellValue, list_name: str) -> str | None:
    text = clean_text(raw)
    if text is None:
        return None
    pieces = [piece for piece in _MULTI_SPLIT.split(text) if piece]
    return MULTI_SEPARATOR.join(clean_code(piece, list_name) or piece for piece in pieces) or None


_YES: Final = frozenset({"是", "有", "愿意", "√", "✓", "✔", "y", "yes", "1", "要"})
_NO: Final = frozenset({"否", "无", "不", "不愿意", "×", "✗", "n", "no", "0", "没有", "-", "/"})


def clean_yes_no(raw: CellValue) -> tuple[bool | None, str | None]:
    """(answer, problem): None when blank."""
    if isinstance(raw, bool):
        return raw, None
    text = clean_text(raw, drop_spaces=True)
    if text is None:
        return None, None
    key = header_key(text)
    if key in _YES:
        return True, None
    if key in _NO:
        return False, None
    return None, f"应填“是”或“否”，现为“{text}”"


_REFERRAL_ALIASES: Final = {
    "村委": "village",
    "村两委": "village",
    "村委推荐": "village",
    "工作队": "work_team",
    "第一书记": "work_team",
    "乡镇扶贫办": "poverty_office",
    "扶贫部门": "poverty_office",
    "自愿报名": "self",
    "本人申请": "self",
    "自荐": "self",
    "本人": "self",
    "个人报名": "self",
}


def clean_referral(raw: CellValue) -> tuple[str | None, str | None]:
    """(code, problem) for 推荐来源."""
    text = clean_text(raw, drop_spaces=True)
    if text is None:
        return None, None
    sources = codelist("referral_source")
    key = header_key(text)
    for item in sources:
        if header_key(item.name) == key:
            return item.code, None
    if key in _REFERRAL_ALIASES:
        return _REFERRAL_ALIASES[key], None
    return None, f"推荐来源“{text}”不在代码表中，请从列表中选择（{'、'.join(sources.names())}）"


def clean_months(raw: CellValue) -> tuple[int | None, str | None]:
    label = FIELD_LABELS["work_months"]
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if float(raw).is_integer():
            return int(raw), None
        return None, f"{label}应为整数，现为{display_value(raw)}"
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    text = re.sub(r"\s+", "", text)
    if not text:
        return None, None
    if text in ("全年", "常年"):
        return 12, None
    match = re.fullmatch(r"(\d{1,2})(?:\.0+)?(?:个月|个|月)?", text)
    if match:
        return int(match[1]), None
    return None, f"{label}应为0至12的整数，现为“{text}”"


_DATE_PATTERNS: Final = (
    re.compile(r"(\d{4})[.\-/年](\d{1,2})(?:[.\-/月](\d{1,2})日?|月)?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})?"),
)


def clean_birth(raw: CellValue) -> tuple[tuple[int, int, int | None] | None, str | None]:
    """(year, month, day or None) from 2019.3, 2019年3月, 2019-03-07, 20190307 or an Excel date."""
    label = FIELD_LABELS["birth_date"]
    if raw is None or raw == "":
        return None, None
    if isinstance(raw, dt.datetime):
        return (raw.year, raw.month, raw.day), None
    if isinstance(raw, dt.date):
        return (raw.year, raw.month, raw.day), None
    if isinstance(raw, float) and not raw.is_integer():
        shown = display_value(raw)
        if shown.endswith(".1"):
            return None, (
                f"{label}“{shown}”被Excel存成了数字，分不清是1月还是10月：请写成“{shown[:4]}年1月”或“{shown[:4]}年10月”"
            )
    text = unicodedata.normalize("NFKC", display_value(raw))
    text = re.sub(r"\s+", "", text)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month = int(match[1]), int(match[2])
            day = int(match[3]) if match[3] else None
            try:
                dt.date(year, month, day or 1)
            except ValueError:
                break
            return (year, month, day), None
    return None, f"{label}“{text}”无法识别，请写成如1985年3月7日、1985.3.7或1985-03-07"


# --- rows that are not people ------------------------------------------------------------------

_TOTALS: Final = ("合计", "总计", "小计", "共计")
_FOOTER_PREFIXES: Final = (
    "填表人",
    "审核人",
    "负责人",
    "填表单位",
    "填表时间",
    "填表日期",
    "联系电话",
    "制表",
    "注:",
    "说明",
    "备注:",
)


_FOOTER_KEYS: Final = tuple(header_key(prefix) for prefix in _FOOTER_PREFIXES)
_NUMBER: Final = re.compile(r"\d+")


def is_skippable_row(cells: Sequence[CellValue], after_header: int) -> bool:
    """A totals row (合计), a sign-off line under the table, or the 1 2 3 … column-number row."""
    wanted = 0 if after_header <= 2 else 3  # only the column-number row needs every cell
    values: list[str] = []
    for cell in cells:
        text = display_value(cell)
        if text:
            values.append(text)
            if len(values) == wanted:
                break
    if not values:
        return True
    if any(_key_starts(value, _TOTALS) for value in values[:3]):
        return True
    if _key_starts(values[0], _FOOTER_KEYS):
        return True
    if after_header <= 2 and len(values) >= 3 and all(_NUMBER.fullmatch(header_key(v)) for v in values):
        numbers = [int(header_key(v)) for v in values]
        return numbers == sorted(numbers) and numbers[0] <= 2
    return False


def _key_starts(text: str, prefixes: tuple[str, ...]) -> bool:
    # Every prefix is Chinese, and an ASCII cell stays ASCII once folded: most cells need no folding.
    if text.isascii():
        return False
    # Folding text already in NFKC only drops spaces and stars and lower-cases (which leaves a Chinese
    # character as it is): without the first character of any prefix it can start with none (a name).
    firsts = _FIRST_CHARACTERS.get(prefixes)
    if firsts is not None and firsts.isdisjoint(text) and unicodedata.is_normalized("NFKC", text):
        return False
    return header_key(text).startswith(prefixes)


_FIRST_CHARACTERS: Final = {prefixes: frozenset(p[0] for p in prefixes) for prefixes in (_TOTALS, _FOOTER_KEYS)}


def row_span(rows: Sequence[int]) -> str:
    """第5–7行, 第5、9行 or 第5–7、9行: the rows a household was formed from, as a clerk reads them."""
    ordered = sorted(set(rows))
    parts: list[str] = []
    start = previous = ordered[0] if ordered else 0
    for row in [*ordered[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if row is not None:
            start = previous = row
    return f"第{'、'.join(parts)}行" if ordered else ""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class CellProblem:
    """A problem at one place in the sheet: ``row`` as Excel numbers it, ``column`` 1-based (None: no such column)."""

    row: int | None
    column: int | None
    column_label: str
    message: str
    severity: Literal["error", "warning"] = "error"
    sheet: str | None = None  # the worksheet, named when the workbook has several data sheets

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        prefix = f"第{self.row}行" if self.row is not None else ""
        if self.sheet is not None:
            prefix = f"工作表“{self.sheet}” {prefix}"
        if self.column is not None:
            prefix += f" 第{self.column}列（{self.column_label}）"
        elif self.column_label:
            prefix += f"（{self.column_label}）"
        prefix = prefix.strip()
        text = self.message if self.is_error else f"提示：{self.message}"
        return f"{prefix}：{text}" if prefix else text


SheetColumn = VillageSheetColumn  # the name before docs/glossary.md, kept for callers not yet renamed
