"""Consistency rules for households and members, from national 建档立卡 data-cleansing practice.

Validators return :class:`Problem` lists instead of raising, because one form or spreadsheet row
can be wrong in several places at once and the user should see all of them together. Errors
refuse the record; warnings are kept and flagged in the list for someone to confirm.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from typing import Final, Literal

from fupin_desktop.domain.clock import age_on
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import IdNumber, IdNumberError

__all__ = [
    "FIELD_LABELS",
    "FIELD_LENGTHS",
    "MULTI_SEPARATOR",
    "HouseholdFacts",
    "PersonFacts",
    "Problem",
    "Severity",
    "too_long",
    "validate_household",
    "validate_person",
    "validate_phone",
]

Severity = Literal["error", "warning"]

MULTI_SEPARATOR: Final = "、"
"""How multi-valued fields (健康状况, 其他致贫原因) are joined in one string."""

FIELD_LABELS: Final[dict[str, str]] = {
    # PersonFacts
    "name": "姓名",
    "id_number": "身份证号",
    "sex": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "relation": "与户主关系",
    "education": "文化程度",
    "school_status": "在校生状况",
    "health": "健康状况",
    "labour": "劳动技能",
    "employment": "务工状况",
    "work_place": "务工地点",
    "work_months": "务工时间（月）",
    "phone": "联系电话",
    # HouseholdFacts
    "household_no": "户编号",
    "card_no": "扶贫卡编号",
    "village_group": "村民小组",
    "address": "家庭住址",
    "household_type": "贫困户属性",
    "status": "户状态",
    "main_cause": "主要致贫原因",
    "other_causes": "其他致贫原因",
}
"""The one Chinese term for each attribute, used in every message, column and form label."""

FIELD_LENGTHS: Final[dict[str, int]] = {
    # PersonFacts (the name and the ID number have rules of their own, stricter than their columns)
    "ethnicity": 20,
    "relation": 20,
    "education": 20,
    "school_status": 20,
    "health": 40,
    "labour": 20,
    "employment": 20,
    "work_place": 60,
    "phone": 20,
    # HouseholdFacts
    "household_no": 30,
    "card_no": 30,
    "village_group": 30,
    "address": 120,
    "household_type": 20,
    "status": 30,
    "main_cause": 20,
    "other_causes": 60,
}
"""The most characters each typed attribute may have: its column's length (a test keeps them equal).

Checked here, before any database, because SQLite stores a longer text silently while PostgreSQL
refuses it: the same typed value must get the same answer on a laptop and on a county server."""

# Which shipped code list each coded attribute draws its values from.
_PERSON_CODE_LISTS: Final = {
    "ethnicity": "ethnicity",
    "relation": "relation",
    "education": "education",
    "school_status": "school_status",
    "health": "health",
    "labour": "labour",
    "employment": "employment",
}
_HOUSEHOLD_CODE_LISTS: Final = {
    "household_type": "household_type",
    "status": "household_status",
    "main_cause": "poverty_cause",
    "other_causes": "poverty_cause",
}
_MULTI_VALUED: Final = frozenset({"health", "other_causes"})

# Code-list values that the rules below refer to (tests check that each one is in its list).
HEAD: Final = "户主"
SPOUSE: Final = "配偶"
HEALTHY: Final = "健康"
DISABLED: Final = "残疾"
NOT_AT_SCHOOL: Final = "非在校生"
CAUSE_ILLNESS: Final = "因病"
CAUSE_SCHOOLING: Final = "因学"
CAUSE_DISABILITY: Final = "因残"
NO_LABOUR: Final = frozenset({"丧失劳动力", "无劳动力"})
NOT_WORKING: Final = frozenset({"未务工", "其他"})
SENIOR_SCHOOL_STATUS: Final = frozenset(
    {
        "高中一年级", "高中二年级", "高中三年级",
        "中职一年级", "中职二年级", "中职三年级",
        "高职一年级", "高职二年级", "高职三年级",
        "大专及以上",
    }
)  # fmt: skip
SENIOR_EDUCATION: Final = frozenset({"高中", "中专/中职/技工学校", "大专", "本科及以上"})
MAX_OTHER_CAUSES: Final = 2
LABOUR_AGES: Final = (16, 65)
SCHOOL_AGES: Final = (6, 23)
MAX_AGE_BELOW_SENIOR: Final = 14

_NAME_CHARS: Final = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NAME: Final = re.compile(rf"[{_NAME_CHARS}]+(?:·[{_NAME_CHARS}]+)*")
_NAME_LENGTH: Final = (2, 20)
_MOBILE: Final = re.compile(r"(?:\+86)?1\d{10}")
_LANDLINE: Final = re.compile(r"(?:0\d{2,3}-?|[(（]0\d{2,3}[)）])\d{7,8}(?:(?:-|转|#|ext\.?|x)\d{1,6})?", re.IGNORECASE)
_LOCAL_ONLY: Final = re.compile(r"[2-9]\d{6,7}")


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with one field; ``member_index`` says which member, if any."""

    field: str
    label: str
    message: str
    severity: Severity
    member_index: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclasses.dataclass
class PersonFacts:
    """What the rules need to know about a member, as typed (strings, not yet trusted)."""

    name: str | None = None
    id_number: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    ethnicity: str | None = None
    relation: str | None = None
    education: str | None = None
    school_status: str | None = None
    health: str | None = None
    labour: str | None = None
    employment: str | None = None
    work_place: str | None = None
    work_months: int | None = None
    phone: str | None = None


@dataclasses.dataclass
class HouseholdFacts:
    """A household as typed, with its members in roster order (``member_index`` counts from 0)."""

    household_no: str | None = None
    card_no: str | None = None
    village_group: str | None = None
    address: str | None = None
    phone: str | None = None
    household_type: str | None = None
    status: str | None = None
    main_cause: str | None = None
    other_causes: str | None = None
    members: list[PersonFacts] = dataclasses.field(default_factory=list)


def validate_phone(text: str | None) -> str | None:
    """None if empty or a usable number, else a Chinese message saying what a number looks like."""
    if text is None or not text.strip():
        return None
    compact = "".join(text.split())
    if _MOBILE.fullmatch(compact.replace("-", "")) or _LANDLINE.fullmatch(compact):
        return None
    label = FIELD_LABELS["phone"]
    if _LOCAL_ONLY.fullmatch(compact.replace("-", "")):
        return f"{label}“{text}”缺少区号：固定电话请写成“区号-号码”，如0531-88886666"
    return f"{label}“{text}”不是有效号码：手机号应为以1开头的11位数字，固定电话应带区号，如0531-88886666"


def too_long(label: str, limit: int, text: str) -> str | None:
    """None if ``text`` fits in ``limit`` characters, else the message naming the field and the limit."""
    if len(text) <= limit:
        return None
    return f"{label}最多{limit}个字，现为{len(text)}个字"


def person_code_list(field: str) -> str | None:
    """The code list a member's field takes its values from (文化程度, 健康状况…), or None for free text."""
    found: str | None = _PERSON_CODE_LISTS.get(field)
    return found


def validate_person(p: PersonFacts, today: date) -> list[Problem]:
    """Every problem with one member; ``today`` fixes the age used by the age rules."""
    problems: list[Problem] = []
    problems.extend(_check_name(p.name))
    problems.extend(_check_lengths(p))

    id_number: IdNumber | None = None
    try:
        id_number = IdNumber.parse(p.id_number or "", today=today)
    except IdNumberError as exc:
        problems.append(_error("id_number", str(exc)))
    else:
        problems.extend(_warning("id_number", text) for text in id_number.warnings)

    sex = _clean(p.sex)
    if sex and sex not in ("男", "女"):
        problems.append(_error("sex", f"性别应为男或女，现为“{sex}”"))
    elif sex and id_number is not None and sex != id_number.sex:
        problems.append(_error("sex", f"性别与身份证号不符：身份证号表示{id_number.sex}，填写为{sex}"))
    if p.birth_date is not None and id_number is not None and p.birth_date != id_number.birth_date:
        problems.append(
            _error(
                "birth_date",
                f"出生日期与身份证号不符：身份证号表示{_chinese_date(id_number.birth_date)}，"
                f"填写为{_chinese_date(p.birth_date)}",
            )
        )

    problems.extend(_check_code_lists(p, _PERSON_CODE_LISTS))
    problems.extend(_check_health(p.health))

    birth = id_number.birth_date if id_number is not None else p.birth_date
    age = age_on(birth, today) if birth is not None else None
    problems.extend(_check_age_rules(p, age))
    problems.extend(_check_work(p))

    message = validate_phone(p.phone)
    if message is not None:
        problems.append(_error("phone", message))
    return problems


def validate_household(h: HouseholdFacts, today: date) -> list[Problem]:
    """Household fields, every member (with ``member_index``), then rules across members."""
    problems: list[Problem] = []
    if _blank(h.household_no):
        problems.append(_error("household_no", "户编号不能为空"))
    problems.extend(_check_lengths(h))
    problems.extend(_check_code_lists(h, _HOUSEHOLD_CODE_LISTS))
    problems.extend(_check_other_causes(h))
    message = validate_phone(h.phone)
    if message is not None:
        problems.append(_error("phone", message))

    for index, member in enumerate(h.members):
        problems.extend(dataclasses.replace(problem, member_index=index) for problem in validate_person(member, today))

    ids = [_parse_or_none(member.id_number, today) for member in h.members]
    problems.extend(_check_heads(h.members, ids))
    problems.extend(_check_duplicate_ids(h.members, ids))
    problems.extend(_check_causes(h))
    return problems


# --- helpers -----------------------------------------------------------------------------------


def _error(field: str, message: str) -> Problem:
    return Problem(field=field, label=FIELD_LABELS[field], message=message, severity="error")


def _warning(field: str, message: str) -> Problem:
    return Problem(field=field, label=FIELD_LABELS[field], message=message, severity="warning")


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _clean(text: str | None) -> str:
    return text.strip() if text is not None else ""


def _values(text: str | None) -> list[str]:
    """The values of a multi-valued field, in order, without empty pieces."""
    return [piece.strip() for piece in _clean(text).split(MULTI_SEPARATOR) if piece.strip()]


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _parse_or_none(text: str | None, today: date) -> IdNumber | None:
    try:
        return IdNumber.parse(text or "", today=today)
    except IdNumberError:
        return None


def _who(index: int, member: PersonFacts) -> str:
    """How a member is named in a household-level message: position first, since names repeat."""
    return f"第{index + 1}名成员{_clean(member.name)}"


def _effective_sex(member: PersonFacts, id_number: IdNumber | None) -> str | None:
    """The ID decides; the typed value counts only when there is no valid ID."""
    if id_number is not None:
        return id_number.sex
    sex = _clean(member.sex)
    return sex if sex in ("男", "女") else None


def _check_name(name: str | None) -> Iterator[Problem]:
    text = _clean(name)
    low, high = _NAME_LENGTH
    if not text:
        yield _error("name", "姓名不能为空")
    elif not low <= len(text) <= high:
        yield _error("name", f"姓名应为{low}至{high}个字，现为{len(text)}个字")
    elif not _NAME.fullmatch(text):
        yield _error("name", f"姓名“{text}”只能由汉字组成，少数民族姓名的各部分之间用“·”分隔")


# The fields of each facts class that have a length limit, in field order (worked out once).
_LIMITED_FIELDS: Final[dict[type, tuple[tuple[str, int], ...]]] = {
    kind: tuple((f.name, FIELD_LENGTHS[f.name]) for f in dataclasses.fields(kind) if f.name in FIELD_LENGTHS)
    for kind in (PersonFacts, HouseholdFacts)
}


def _check_lengths(facts: PersonFacts | HouseholdFacts) -> Iterator[Problem]:
    for name, limit in _LIMITED_FIELDS[type(facts)]:
        value = getattr(facts, name)
        if isinstance(value, str) and len(value) > limit:  # within the limit as typed: within it stripped too
            message = too_long(FIELD_LABELS[name], limit, value.strip())
            if message is not None:
                yield _error(name, message)


@cache
def _listed_names(list_name: str) -> frozenset[str]:
    """The names of a code list as one set: a typed value found in it needs nothing more (every member of a sheet)."""
    return frozenset(codelist(list_name).names())


def _check_code_lists(facts: object, lists: dict[str, str]) -> Iterator[Problem]:
    for field, list_name in lists.items():
        raw: str | None = getattr(facts, field)
        if raw is None:  # nothing typed: no value to look up
            continue
        if field in _MULTI_VALUED:
            values = _values(raw)
        else:
            value = raw.strip()
            if not value or value in _listed_names(list_name):  # blank, or a value of the list: nothing to say
                continue
            values = [value]
        allowed = codelist(list_name)
        for value in values:
            if value and value not in allowed:
                hint = f"（是否应为“{value}族”？）" if f"{value}族" in allowed else ""
                label = FIELD_LABELS[field]
                yield _error(field, f"{label}“{value}”不在代码表中，请从列表中选择{hint}")


def _check_health(health: str | None) -> Iterator[Problem]:
    values = _values(health)
    if HEALTHY in values and len(values) > 1:
        yield _error("health", f"健康状况选了“{HEALTHY}”就不应再选其他项：{_clean(health)}")


def _check_age_rules(p: PersonFacts, age: int | None) -> Iterator[Problem]:
    if age is None:
        return
    low, high = LABOUR_AGES
    if _blank(p.labour) and low <= age <= high:
        yield _warning("labour", f"劳动技能未填写：{low}至{high}岁的成员（现{age}岁）应填写")
    low, high = SCHOOL_AGES
    if _blank(p.school_status) and low <= age <= high:
        yield _warning("school_status", f"在校生状况未填写：{low}至{high}岁的成员（现{age}岁）应填写")
    if age <= MAX_AGE_BELOW_SENIOR:
        limit = MAX_AGE_BELOW_SENIOR
        school_status, education = _clean(p.school_status), _clean(p.education)
        if school_status in SENIOR_SCHOOL_STATUS:
            yield _error(
                "school_status",
                f"在校生状况为{school_status}，但年龄只有{age}岁：{limit}岁及以下不应在高中及以上就读，请核对",
            )
        if education in SENIOR_EDUCATION:
            yield _error(
                "education",
                f"文化程度为{education}，但年龄只有{age}岁：{limit}岁及以下不应达到高中及以上，请核对",
            )


def _check_work(p: PersonFacts) -> Iterator[Problem]:
    months = p.work_months
    if months is not None and not 0 <= months <= 12:
        yield _error("work_months", f"务工时间（月）应在0至12之间，现为{months}")
    if months == 0 and not _blank(p.work_place):
        yield _error(
            "work_months",
            "填写了务工地点，务工时间（月）却为0：请填写务工月数，或清空务工地点",
        )
    labour, employment = _clean(p.labour), _clean(p.employment)
    if labour in NO_LABOUR and employment and employment not in NOT_WORKING:
        yield _error(
            "employment",
            f"务工状况为{employment}，但劳动技能为{labour}：请核对劳动技能或务工状况",
        )


def _check_other_causes(h: HouseholdFacts) -> Iterator[Problem]:
    others = _values(h.other_causes)
    main = _clean(h.main_cause)
    if len(others) > MAX_OTHER_CAUSES:
        yield _error("other_causes", f"其他致贫原因最多选{MAX_OTHER_CAUSES}项，现为{len(others)}项")
    if len(set(others)) != len(others):
        yield _error("other_causes", f"其他致贫原因中有重复的项：{_clean(h.other_causes)}")
    if main and main in others:
        yield _error("other_causes", f"其他致贫原因不应重复主要致贫原因“{main}”")


def _check_heads(members: list[PersonFacts], ids: list[IdNumber | None]) -> Iterator[Problem]:
    heads = [i for i, member in enumerate(members) if _clean(member.relation) == HEAD]
    if not heads:
        yield _error("relation", f"本户没有户主：请把一名成员的与户主关系设为“{HEAD}”")
        return
    first = heads[0]
    for extra in heads[1:]:
        yield dataclasses.replace(
            _error(
                "relation",
                f"与户主关系：本户已有户主（{_who(first, members[first])}），一户只能有一名户主",
            ),
            member_index=extra,
        )
    head_sex = _effective_sex(members[first], ids[first])
    if head_sex is None:
        return
    for index, member in enumerate(members):
        if _clean(member.relation) == SPOUSE and _effective_sex(member, ids[index]) == head_sex:
            yield dataclasses.replace(
                _error(
                    "sex",
                    f"户主与配偶的性别相同（均为{head_sex}）：请核对性别、身份证号或与户主关系",
                ),
                member_index=index,
            )


def _check_duplicate_ids(members: list[PersonFacts], ids: list[IdNumber | None]) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        parsed = ids[index]
        key = parsed.value if parsed is not None else "".join(_clean(member.id_number).split()).upper()
        if not key:
            continue
        if key in seen:
            first = seen[key]
            yield dataclasses.replace(
                _error(
                    "id_number",
                    f"身份证号重复：{_who(first, members[first])}与{_who(index, member)}的身份证号相同，请核对",
                ),
                member_index=index,
            )
        else:
            seen[key] = index


def _check_causes(h: HouseholdFacts) -> Iterator[Problem]:
    """Warn when a cause of poverty has nothing in the household to support it."""
    members = h.members
    if not members:
        return
    healths = [_values(member.health) for member in members]
    everyone_healthy = all(values == [HEALTHY] for values in healths)
    anyone_disabled = any(DISABLED in values for values in healths)
    anyone_at_school = any(_clean(member.school_status) not in ("", NOT_AT_SCHOOL) for member in members)
    for field, cause in _causes(h):
        label = FIELD_LABELS[field]
        if cause == CAUSE_ILLNESS and everyone_healthy:
            yield _warning(field, f"{label}为{cause}，但全部成员的健康状况都是{HEALTHY}，请核对")
        elif cause == CAUSE_SCHOOLING and not anyone_at_school:
            yield _warning(field, f"{label}为{cause}，但本户没有在校生（在校生状况），请核对")
        elif cause == CAUSE_DISABILITY and not anyone_disabled:
            yield _warning(field, f"{label}为{cause}，但没有成员的健康状况为{DISABLED}，请核对")


def _causes(h: HouseholdFacts) -> Iterable[tuple[str, str]]:
    main = _clean(h.main_cause)
    if main:
        yield "main_cause", main
    for cause in _values(h.other_causes):
        if cause != main:
            yield "other_causes", cause
