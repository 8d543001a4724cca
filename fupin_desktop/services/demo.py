"""演示数据: a realistic synthetic county, for trying the program and for testing it at county scale.

Everything comes from one ``random.Random(seed)``, UUIDs included, so a seed and a "today" give
byte-identical data. Rows go in through Core bulk inserts, chunk by chunk: 30,000 households
(about 100,000 people) take seconds, not minutes. The caller owns the transaction, so a failure
or a cancel leaves nothing behind once it rolls back.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Generic, TypeVar
from uuid import UUID

import sqlalchemy
from sqlalchemy import func, insert, select

from fupin_desktop.domain.clock import age_on
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.domain.pinyin import search_keys
from fupin_desktop.domain.validation import MULTI_SEPARATOR
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store import id_grams
from fupin_desktop.store.models import Household, Person, Region, Visit, VisitChange

__all__ = ["MAX_HOUSEHOLDS", "DemoCancelled", "DemoRefused", "DemoSummary", "generate_demo"]

MAX_HOUSEHOLDS: Final = 200_000
_CHUNK: Final = 2_000  # households per round of inserts (and per progress report)
_HOUSEHOLDS_PER_VILLAGE: Final = 100
_VILLAGES_PER_TOWNSHIP: Final = (12, 20)

T = TypeVar("T")
Row = dict[str, Any]


class DemoRefused(ServiceError, ValueError):
    """Demo data only goes into an empty database, and only in a sensible size (also a ValueError, as
    callers of the first version caught)."""


class DemoCancelled(Exception):
    """The user cancelled; the caller rolls the transaction back."""


@dataclass(frozen=True)
class DemoSummary:
    regions: int
    households: int
    people: int
    visits: int


@dataclass(frozen=True)
class _County:
    """A real county (统计用区划代码) and the places its people work."""

    name: str
    code: str  # 12 digits
    landline_area: str
    in_province: tuple[str, ...]  # 县外省内 work places


# 山西省太原市娄烦县, a former national-level poverty county. Its area code has not changed since
# ID numbers began, so the members' numbers raise no "area code newer than the birth year" warning
# (沂南县's 371321, for one, dates from 1994 and would flag everyone born before).
_COUNTY: Final = _County(
    name="娄烦县",
    code="140123000000",
    landline_area="0351",
    in_province=(
        "太原市小店区", "太原市万柏林区", "太原市尖草坪区", "古交市", "吕梁市离石区",
        "忻州市忻府区", "晋中市榆次区", "大同市平城区", "长治市潞州区", "临汾市尧都区",
    ),
)  # fmt: skip
_OUT_OF_PROVINCE: Final = (
    "北京市", "天津市", "河北省石家庄市", "内蒙古自治区鄂尔多斯市", "陕西省西安市",
    "江苏省苏州市", "浙江省宁波市", "上海市", "广东省东莞市", "广东省深圳市",
)  # fmt: skip


class _Pick(Generic[T]):
    """A weighted choice, drawn with one ``random()`` call (much faster than ``choices``)."""

    __slots__ = ("_cumulative", "_total", "values")

    def __init__(self, weights: Mapping[T, float] | Iterable[tuple[T, float]]) -> None:
        items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self.values = tuple(value for value, _ in items)
        self._cumulative = list(itertools.accumulate(weight for _, weight in items))
        self._total = self._cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        index = bisect.bisect(self._cumulative, rng.random() * self._total)
        return self.values[min(index, len(self.values) - 1)]


# --- names -------------------------------------------------------------------------------------

# The hundred most common surnames with their approximate share of the population (per mille),
# after the Ministry of Public Security's 2020 household-register figures.
# fmt: off
_SURNAMES: Final = _Pick(
    zip(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
        "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
        (
            71.5, 70.1, 67.4, 51.0, 46.1, 32.2, 24.5, 22.9, 20.5, 19.3, 16.7, 15.4, 14.4, 14.2, 13.2,
            12.3, 11.7, 11.3, 11.9, 10.8, 10.3, 8.8, 7.8, 7.7, 7.6, 7.0, 7.0, 7.0, 6.9, 6.8, 6.6, 6.5,
            6.4, 6.3, 6.2, 5.6, 5.6, 5.5, 5.4, 5.3, 5.2, 5.1, 5.0, 4.9, 4.7, 4.6, 4.5, 4.5, 4.4, 4.2,
            4.1, 4.1, 4.0, 3.9, 3.8, 3.7, 3.6, 3.5, 3.5, 3.4, 3.3, 3.3, 3.2, 3.1, 3.1, 3.0, 3.0, 2.9,
            2.9, 2.8, 2.7, 2.7, 2.6, 2.6, 2.5, 2.5, 2.5, 2.4, 2.4, 2.3, 2.3, 2.2, 2.1, 2.1, 2.1, 2.0,
            2.0, 2.0, 1.9, 1.9, 1.8, 1.8, 1.7, 1.7, 1.7, 1.6, 1.6, 1.6, 1.6, 1.5,
        ),
        strict=True,
    )
)
# fmt: on


@dataclass(frozen=True)
class _NameStyle:
    first: str
    second: str
    single: str
    single_share: float


# Given names follow fashion: 建国/秀英 for the grandparents, 浩宇/欣怡 for the grandchildren.
_GIVEN: Final = {
    ("男", False): _NameStyle(
        "建国志永振德学玉金宝长庆明立红卫文春树洪广家兆传", "国华军民强林山福生祥平明东海成贵才义忠良田喜荣安",
        "军强勇刚斌伟平林峰成福贵海民山", 0.25,
    ),
    ("女", False): _NameStyle(
        "秀桂玉凤淑春美丽素翠金兰月艳海爱", "英兰珍芳华梅荣莲琴霞花云香娥凤芝菊萍", "芳丽静敏燕娟霞红艳玲萍兰英", 0.2
    ),
    ("男", True): _NameStyle(
        "子浩宇俊一梓晨博思家文嘉明天佳睿皓鑫", "轩然宇泽航睿杰辰涛阳鹏磊博凯豪铭翔哲昊",
        "伟强磊涛斌鹏杰超辉亮浩宇", 0.15,
    ),
    ("女", True): _NameStyle(
        "欣梓雨子思佳诗可一紫若晓语嘉雅", "怡涵萱琪彤婷悦妍雪琳瑶然馨颖茹", "静敏燕娟洁琳颖丹婷悦萱", 0.15
    ),
}  # fmt: skip


def _given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    style = _GIVEN[(sex, birth_year >= 1985)]
    if rng.random() < style.single_share:
        return rng.choice(style.single)
    return rng.choice(style.first) + rng.choice(style.second)


def _person_name(rng: random.Random, surname: str, sex: str, birth_year: int, taken: list[str]) -> str:
    for _ in range(8):
        name = surname + _given_name(rng, sex, birth_year)
        if name not in taken:
            return name
    return name


def _staff_name(rng: random.Random) -> str:
    sex = "男" if rng.random() < 0.6 else "女"
    return _SURNAMES(rng) + _given_name(rng, sex, rng.randint(1965, 1998))


# --- places ------------------------------------------------------------------------------------

# Loess-plateau place words (峁, 梁, 坪, 岔, 塔) as in 娄烦's own 静游, 庙湾, 杜交曲.
_TOWN_FIRST: Final = "静杜庙马天盖米官石龙白高柳青红罗新河安古峰"
_TOWN_SECOND: Final = "游湾池沟坪峪庄店峁梁岭泉头口川营崖寨"
_VILLAGE_SUFFIX: Final = ("家庄", "家坡", "家沟", "家坪", "家峁", "家岔", "家洼", "家梁", "家塔", "家湾", "家窑", "庄")
_DIRECTIONS: Final = "东西南北前后上下"
_FEATURES: Final = ("河", "沟", "坪", "峁", "梁", "坡", "洼", "岔", "峪", "塔", "窑", "湾", "寨", "王庄", "石门")
_PLACE_WORDS: Final = (
    "石门", "青龙", "柳树沟", "杏花", "枣园", "红旗", "马圈", "桃园", "青山", "黄崖", "石桥", "双河",
    "龙泉", "白石", "卧龙", "松林", "罗家岔", "圪垛", "金沟", "银山", "凤凰", "梨园", "水泉", "朱家坡",
)  # fmt: skip
_GROUPS: Final = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
_LOCAL_WORK: Final = ("扶贫车间", "农业合作社", "建筑工地", "家具厂", "服装加工点", "蔬菜大棚", "养殖场", "木业加工厂")


def _township_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        first, second = rng.choice(_TOWN_FIRST), rng.choice(_TOWN_SECOND)
        if first != second and first + second not in taken:
            return first + second


def _village_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        kind = rng.random()
        if kind < 0.5:
            name = _SURNAMES(rng) + rng.choice(_VILLAGE_SUFFIX)
        elif kind < 0.7:
            name = rng.choice(_DIRECTIONS) + rng.choice(_FEATURES)
        elif kind < 0.8:
            name = rng.choice(_FEATURES[:6]) + rng.choice(_DIRECTIONS)
        else:
            name = rng.choice(_PLACE_WORDS)
        name += "村"
        if name not in taken:
            return name


def _split(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    """``total`` split into ``parts`` random sizes, each within [low, high] when that is possible."""
    base, extra = divmod(total, parts)
    sizes = [base + (1 if i < extra else 0) for i in range(parts)]
    low, high = min(low, base), max(high, base + (1 if extra else 0))
    for _ in range(parts * 3):
        a, b = rng.randrange(parts), rng.randrange(parts)
        step = rng.randint(1, max(1, (high - low) // 2))
        if a != b and sizes[a] - step >= low and sizes[b] + step <= high:
            sizes[a] -= step
            sizes[b] += step
    return sizes


@dataclass
class _Village:
    id: UUID
    code: str
    name: str
    township: str
    staff: list[str]
    households: int
    groups: int
    next_number: list[int]  # next house number, per group


# --- people ------------------------------------------------------------------------------------

_HOUSEHOLD_SIZE: Final = _Pick({1: 14, 2: 26, 3: 19, 4: 18, 5: 12, 6: 8, 7: 3})
_HEAD_AGE: Final = _Pick[tuple[int, int]](
    {(25, 34): 5, (35, 44): 14, (45, 54): 23, (55, 64): 26, (65, 74): 22, (75, 88): 10}
)
_SINGLE_HEAD_AGE: Final = _Pick[tuple[int, int]]({(30, 44): 8, (45, 59): 20, (60, 74): 40, (75, 92): 32})
_MINORITY: Final = _Pick({"回族": 60, "满族": 18, "蒙古族": 8, "壮族": 4, "苗族": 4, "土家族": 3, "朝鲜族": 3})
_ADULT_EDUCATION: Final = {
    "old": _Pick({"文盲或半文盲": 32, "小学": 45, "初中": 18, "高中": 4, "中专/中职/技工学校": 1}),
    "middle": _Pick({"文盲或半文盲": 5, "小学": 33, "初中": 48, "高中": 9, "中专/中职/技工学校": 3, "大专": 2}),
    "young": _Pick({"小学": 9, "初中": 50, "高中": 14, "中专/中职/技工学校": 13, "大专": 10, "本科及以上": 4}),
}
_AFTER_JUNIOR: Final = _Pick({"高中": 50, "中职": 28, "": 22})  # "" leaves school (两后生)
_GRADES_7_9: Final = ("七年级", "八年级", "九年级")
_NUMERALS: Final = "一二三"
_ILLNESS: Final = {
    "child": _Pick({"健康": 95, "长期慢性病": 1.5, "患有大病": 1.5, "残疾": 2}),
    "adult": _Pick({"健康": 80, "长期慢性病": 10, "患有大病": 4, "残疾": 6}),
    "old": _Pick({"健康": 50, "长期慢性病": 33, "患有大病": 7, "残疾": 10}),
}
_WORK_PLACE_KIND: Final = {
    "strong": _Pick({"乡(镇)内务工": 20, "乡(镇)外县内务工": 25, "县外省内务工": 30, "省外务工": 22, "其他": 3}),
    "weak": _Pick({"乡(镇)内务工": 60, "乡(镇)外县内务工": 35, "其他": 5}),
}
_MOBILE_PREFIXES: Final = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "198", "199",
)  # fmt: skip
_STRONG_LABOUR: Final = frozenset({"普通劳动力", "技能劳动力"})
_NO_LABOUR: Final = frozenset({"丧失劳动力", "无劳动力"})
_SENIOR_EDUCATION: Final = frozenset({"高中", "中专/中职/技工学校", "大专", "本科及以上"})


class _Member:
    """A planned member: who they are in the family, before the record is filled in."""

    __slots__ = ("age", "ethnicity", "parents", "relation", "sex", "surname")

    def __init__(self, relation: str, sex: str, age: int, surname: str, parents: tuple[_Member, ...] = ()) -> None:
        self.relation = relation
        self.sex = sex
        self.age = age
        self.surname = surname
        self.parents = parents
        self.ethnicity = "汉族"


def _other_surname(rng: random.Random, surname: str) -> str:
    while True:
        other = _SURNAMES(rng)
        if other != surname:
            return other


def _plan_family(rng: random.Random) -> list[_Member]:
    """Who lives in the household, in roster order: head, spouse, children, grandchildren, parents."""
    size = _HOUSEHOLD_SIZE(rng)
    low, high = (_SINGLE_HEAD_AGE if size == 1 else _HEAD_AGE)(rng)
    head_age = rng.randint(low, high)
    head_sex = "男" if rng.random() < (0.62 if size == 1 else 0.88) else "女"
    head = _Member("户主", head_sex, head_age, _SURNAMES(rng))
    slots = size - 1

    spouse: _Member | None = None
    if slots and rng.random() < 0.85:
        if head_sex == "男":
            spouse = _Member("配偶", "女", max(20, head_age - rng.randint(-2, 6)), _other_surname(rng, head.surname))
        else:
            spouse = _Member("配偶", "男", max(22, head_age + rng.randint(-2, 6)), _other_surname(rng, head.surname))
        slots -= 1
    couple = (head,) if spouse is None else (head, spouse)
    father = next((m for m in couple if m.sex == "男"), None)
    child_surname = father.surname if father else _other_surname(rng, head.surname)
    youngest_parent = min(m.age for m in couple)

    elders: list[_Member] = []
    if slots and head_age <= 60 and rng.random() < 0.2:
        age = head_age + rng.randint(22, 34)
        if age <= 95:
            if rng.random() < 0.6:
                elders.append(_Member("之母", "女", age, _other_surname(rng, head.surname)))
            else:
                elders.append(_Member("之父", "男", age, head.surname))
            slots -= 1

    children: list[_Member] = []
    grandchildren: list[_Member] = []
    son: _Member | None = None
    wife: _Member | None = None
    if slots >= 3 and youngest_parent >= 46 and rng.random() < 0.55:
        son_age = youngest_parent - rng.randint(21, min(30, youngest_parent - 23))
        son = _Member("之子", "男", son_age, child_surname, couple)
        wife = _Member("之儿媳", "女", max(20, son_age + rng.randint(-4, 2)), _other_surname(rng, son.surname))
        children.append(son)
        slots -= 2
        younger = min(son.age, wife.age)
        for _ in range(min(slots, rng.choice((1, 1, 2, 2, 3)))):
            sex = "男" if rng.random() < 0.52 else "女"
            age = younger - rng.randint(20, min(36, younger))
            grandchildren.append(_Member("之孙子" if sex == "男" else "之孙女", sex, age, son.surname, (son, wife)))
            slots -= 1
    for _ in range(slots):
        sex = "男" if rng.random() < 0.52 else "女"
        age = youngest_parent - rng.randint(20, min(38, youngest_parent))
        children.append(_Member("之子" if sex == "男" else "之女", sex, age, child_surname, couple))

    children.sort(key=lambda m: -m.age)
    grandchildren.sort(key=lambda m: -m.age)
    if son is not None and wife is not None:
        children.insert(children.index(son) + 1, wife)
    family = [head, *([spouse] if spouse else []), *children, *grandchildren, *elders]

    head.ethnicity = "汉族" if rng.random() < 0.975 else _MINORITY(rng)
    for member in family[1:]:
        minority = next((p.ethnicity for p in member.parents if p.ethnicity != "汉族"), None)
        if minority:
            member.ethnicity = minority
        elif member.relation in ("之父", "之母") or (member.relation == "配偶" and head.ethnicity != "汉族"):
            member.ethnicity = head.ethnicity if rng.random() < 0.8 else "汉族"
        elif not member.parents and rng.random() < 0.02:
            member.ethnicity = _MINORITY(rng)
    return family


# --- the generator -----------------------------------------------------------------------------


class _Generator:
    def __init__(self, rng: random.Random, today: date, operator: str) -> None:
        self.rng = rng
        self.today = today
        self.operator = operator
        self.area = _COUNTY.code[:6]
        self.school_year = today.year if today.month >= 9 else today.year - 1
        self.used_ids: set[tuple[date, int]] = set()
        self.created = datetime.combine(today - timedelta(days=5 * 365), time(1, 0))
        self.first_visit_day = today - timedelta(days=730)
        self.status = _STATUS_BY_ERA["before" if today.year < 2020 else "2020" if today.year == 2020 else "after"]

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self, day: date) -> datetime:
        """A time in office hours (08–17 Beijing time) on ``day``, as naive UTC."""
        seconds = self.rng.randrange(9 * 3600)
        return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)

    # regions

    def regions(self, households: int) -> tuple[list[Row], list[_Village]]:
        rng = self.rng
        village_count = max(1, round(households / _HOUSEHOLDS_PER_VILLAGE))
        low, high = _VILLAGES_PER_TOWNSHIP
        township_count = max(-(-village_count // high), round(village_count / 19))
        per_township = _split(rng, village_count, township_count, low, high)
        per_village = _split(rng, households, village_count, 60, 140)

        county_id = self.uuid()
        rows = [self._region(county_id, _COUNTY.code, _COUNTY.name, "county", None)]
        villages: list[_Village] = []
        town_names: set[str] = set()
        town_codes = {"镇": iter(range(101, 200)), "乡": iter(range(201, 300))}
        sizes = iter(per_village)
        for count in per_township:
            kind = "镇" if rng.random() < 0.78 else "乡"
            number = next(town_codes[kind], None)
            if number is None:
                kind = "乡" if kind == "镇" else "镇"
                number = next(town_codes[kind])
            base = _township_name(rng, town_names)
            town_names.add(base)
            town_name = base + kind
            town_code = f"{self.area}{number:03d}000"
            town_id = self.uuid()
            rows.append(self._region(town_id, town_code, town_name, "township", county_id))
            staff = [_staff_name(rng) for _ in range(rng.randint(4, 7))]
            village_names: set[str] = set()
            for index in range(count):
                name = _village_name(rng, village_names)
                village_names.add(name)
                code = f"{town_code[:9]}{201 + index:03d}"
                village_id = self.uuid()
                rows.append(self._region(village_id, code, name, "village", town_id))
                groups = rng.randint(3, len(_GROUPS))
                villages.append(_Village(village_id, code, name, town_name, staff, next(sizes), groups, [1] * groups))
        return rows, villages

    def _region(self, region_id: UUID, code: str, name: str, level: str, parent: UUID | None) -> Row:
        return {
            "id": region_id,
            "code": code,
            "name": name,
            "level": level,
            "parent_id": parent,
            "created_at": self.created,
            "updated_at": self.created,
            "updated_by": self.operator,
        }

    # households

    def household(
        self, village: _Village, sequence: int, people: list[Row], visits: list[Row], changes: list[Row]
    ) -> Row:
        rng = self.rng
        household_id = self.uuid()
        created = self.moment(self.today - timedelta(days=rng.randint(760, 5 * 365)))
        family = _plan_family(rng)
        rows: list[Row] = []
        for order, member in enumerate(family):
            rows.append(self.person(member, household_id, order, [row["name"] for row in rows], village, created))
        head = rows[0]

        phones = [row["phone"] for row in rows if row["phone"]]
        if phones and rng.random() < 0.92:
            phone: str | None = phones[0]
        elif rng.random() < 0.3:
            phone = f"{_COUNTY.landline_area}-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"
        else:
            phone = None

        group = rng.randrange(village.groups)
        number = village.next_number[group]
        village.next_number[group] += rng.randint(1, 3)
        status = self.status(rng)
        main_cause, other_causes = self._causes(rows)
        last_visit = self.visits(household_id, rows, village, visits, changes)
        household_no = f"{village.code}{sequence:04d}"
        row: Row = {
            "id": household_id,
            "village_id": village.id,
            "household_no": household_no,
            "card_no": household_no + _luhn(household_no),  # 17 digits, with a bank-card style check digit
            "village_group": _GROUPS[group],
            "address": f"{village.name}{_GROUPS[group]}{number}号",
            "phone": phone,
            "household_type": self._household_type(rows, status),
            "status": status,
            "main_cause": main_cause,
            "other_causes": other_causes,
            "head_name": head["name"],
            "head_pinyin": head["name_pinyin"],
            "member_count": len(rows),
            "created_at": created,
            "updated_at": max(created, last_visit),
            "updated_by": self.operator,
        }
        people.extend(rows)
        return row

    def _household_type(self, members: list[Row], status: str) -> str:
        rng = self.rng
        if len(members) == 1 and members[0]["labour"] in _NO_LABOUR and rng.random() < 0.5:
            kind = "特困供养"
        elif rng.random() < 0.3:
            kind = "低保"
        else:
            kind = "一般"
        return f"{kind}贫困户" if status == "未脱贫" else f"{kind}脱贫户"

    def _causes(self, members: list[Row]) -> tuple[str, str | None]:
        """A main cause and up to two others, each backed by the members (因病 needs someone ill …)."""
        health = MULTI_SEPARATOR.join(row["health"] for row in members)
        students = [row for row in members if row["school_status"] not in (None, "非在校生")]
        senior_students = [row for row in students if row["education"] in _SENIOR_EDUCATION]
        strong = sum(1 for row in members if row["labour"] in _STRONG_LABOUR)
        weights = {
            "因病": 40.0 if ("慢性病" in health or "大病" in health) else 0.0,
            "因残": 30.0 if "残疾" in health else 0.0,
            "因学": 25.0 if senior_students else 8.0 if students else 0.0,
            "缺劳力": 20.0 if strong <= 1 else 3.0,
            "缺技术": 12.0,
            "缺资金": 12.0,
            "因灾": 3.0,
            "缺土地": 3.0,
            "自身发展动力不足": 4.0,
            "交通条件落后": 2.0,
            "缺水": 1.0,
            "因婚": 0.5,
            "因丧": 0.5,
            "其他": 0.5,
        }
        main = _Pick(weights)(self.rng)
        weights[main] = 0.0
        others: list[str] = []
        for _ in range(_OTHER_CAUSE_COUNT(self.rng)):
            cause = _Pick(weights)(self.rng)
            weights[cause] = 0.0
            others.append(cause)
        others.sort(key=lambda cause: codelist("poverty_cause").code_of(cause) or "")
        return main, MULTI_SEPARATOR.join(others) or None

    # people

    def birth_date(self, age: int) -> date:
        """A birth date that makes the person ``age`` full years old today."""
        try:
            latest = self.today.replace(year=self.today.year - age)
        except ValueError:  # 29 February
            latest = self.today.replace(year=self.today.year - age, day=28)
        return latest - timedelta(days=self.rng.randrange(365))

    def id_number(self, birth: date, sex: str) -> str:
        rng = self.rng
        while True:
            sequence = rng.randrange(1, 500) * 2 - (1 if sex == "男" else 0)
            key = (birth, sequence)
            if key not in self.used_ids:
                self.used_ids.add(key)
                return make_id_number(self.area, birth, sequence)

    def person(
        self,
        member: _Member,
        household_id: UUID,
        order: int,
        taken: list[str],
        village: _Village,
        created: datetime,
    ) -> Row:
        rng = self.rng
        birth = self.birth_date(member.age)
        age = member.age
        name = _person_name(rng, member.surname, member.sex, birth.year, taken)
        full, initials = search_keys(name)
        education, school_status = self._schooling(birth, age)
        student = school_status is not None and school_status != "非在校生"
        health = self._health(age)
        labour = self._labour(age, health, student)
        employment, work_place, work_months = self._work(age, labour, student, village)
        phone = None
        if age >= 16 and rng.random() < (0.65 if age <= 60 else 0.35 if age <= 75 else 0.08):
            phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        born = datetime(birth.year, birth.month, birth.day, 2)
        person_created = max(created, min(born + timedelta(days=30), datetime.combine(self.today, time(0))))
        return {
            "id": self.uuid(),
            "household_id": household_id,
            "sort_order": order,
            "name": name,
            "name_pinyin": full,
            "name_initials": initials,
            "id_number": self.id_number(birth, member.sex),
            "sex": member.sex,
            "birth_date": birth,
            "ethnicity": member.ethnicity,
            "relation": member.relation,
            "education": education,
            "school_status": school_status,
            "health": health,
            "labour": labour,
            "employment": employment,
            "work_place": work_place,
            "work_months": work_months,
            "phone": phone,
            "locked": False,
            "created_at": person_created,
            "updated_at": person_created,
            "updated_by": self.operator,
        }

    def _schooling(self, birth: date, age: int) -> tuple[str, str | None]:
        """文化程度 and 在校生状况 for the school year that ``today`` falls in (entry at six by 31 August)."""
        entry = birth.year + (6 if (birth.month, birth.day) <= (8, 31) else 7)
        grade = self.school_year - entry + 1
        if grade <= 0:
            return "学龄前儿童", ("学前教育" if age >= 3 else None)
        if grade <= 6:
            return "小学", "小学"
        if grade <= 9:
            return "初中", _GRADES_7_9[grade - 7]
        if grade > 16 or age > 24:
            cohort = "old" if birth.year < 1965 else "middle" if birth.year < 1985 else "young"
            return _ADULT_EDUCATION[cohort](self.rng), "非在校生"
        rng = self.rng
        track = _AFTER_JUNIOR(rng)
        if not track:
            return "初中", "非在校生"
        year = grade - 9  # of senior school; 4+ means after it
        if year <= 3:
            return (
                ("高中", f"高中{_NUMERALS[year - 1]}年级")
                if track == "高中"
                else (
                    "中专/中职/技工学校",
                    f"中职{_NUMERALS[year - 1]}年级",
                )
            )
        done = "高中" if track == "高中" else "中专/中职/技工学校"
        further = rng.random()
        college_year = year - 3
        if further < (0.3 if track == "高中" else 0.25):
            if college_year <= 3:
                return "大专", f"高职{_NUMERALS[college_year - 1]}年级"
            return "大专", "非在校生"
        if track == "高中" and further < 0.6:
            return "本科及以上", ("大专及以上" if college_year <= 4 else "非在校生")
        return done, "非在校生"

    def _health(self, age: int) -> str:
        rng = self.rng
        band = "child" if age < 16 else "adult" if age < 60 else "old"
        first = _ILLNESS[band](rng)
        if first == "健康" or rng.random() >= 0.15:
            return first
        second = _ILLNESS["old"](rng)
        if second in ("健康", first):
            return first
        return MULTI_SEPARATOR.join(sorted((first, second), key=lambda value: codelist("health").code_of(value) or ""))

    def _labour(self, age: int, health: str, student: bool) -> str:
        rng = self.rng
        if age < 16 or student:
            return "无劳动力"
        if "大病" in health or "残疾" in health:
            if age >= 70:
                return "丧失劳动力" if rng.random() < 0.7 else "无劳动力"
            return "丧失劳动力" if rng.random() < 0.5 else "弱劳动力或半劳动力"
        if "慢性病" in health:
            if age >= 70:
                return "无劳动力" if rng.random() < 0.6 else "弱劳动力或半劳动力"
            return "弱劳动力或半劳动力" if rng.random() < 0.6 or age > 60 else "普通劳动力"
        if age <= 55:
            return "技能劳动力" if rng.random() < 0.18 else "普通劳动力"
        if age <= 64:
            return "普通劳动力" if rng.random() < 0.6 else "弱劳动力或半劳动力"
        if age <= 74:
            return "弱劳动力或半劳动力" if rng.random() < 0.6 else "无劳动力"
        return "无劳动力" if rng.random() < 0.9 else "弱劳动力或半劳动力"

    def _work(
        self, age: int, labour: str, student: bool, village: _Village
    ) -> tuple[str | None, str | None, int | None]:
        """务工状况, 务工地点 and months; children and pupils have none, 丧失/无劳动力 never work."""
        rng = self.rng
        if age < 16 or student:
            return None, None, None
        if labour in _NO_LABOUR:
            return "未务工", None, 0
        strong = labour in _STRONG_LABOUR
        chance = (0.7 if age <= 55 else 0.4) if strong else 0.25
        if rng.random() >= chance:
            return "未务工", None, 0
        kind = _WORK_PLACE_KIND["strong" if strong else "weak"](rng)
        return kind, self._work_place(kind, village), self._work_months(kind)

    def _work_place(self, kind: str, village: _Village) -> str:
        rng = self.rng
        if kind == "乡(镇)内务工":
            return village.township + rng.choice(_LOCAL_WORK)
        if kind == "乡(镇)外县内务工":
            return rng.choice((f"{_COUNTY.name}城区", f"{_COUNTY.name}经济开发区", f"{_COUNTY.name}工业园"))
        if kind == "县外省内务工":
            return rng.choice(_COUNTY.in_province)
        if kind == "省外务工":
            return rng.choice(_OUT_OF_PROVINCE)
        return "本地灵活就业"

    def _work_months(self, kind: str) -> int:
        if kind in ("县外省内务工", "省外务工"):
            return self.rng.randint(6, 12)
        return self.rng.randint(2, 12)

    # visits

    def visits(
        self, household_id: UUID, members: list[Row], village: _Village, visits: list[Row], changes: list[Row]
    ) -> datetime:
        """1–3 visits in the last two years; some record a change of work. Returns the last visit time."""
        rng = self.rng
        days = sorted(self.first_visit_day + timedelta(days=rng.randrange(730)) for _ in range(_VISIT_COUNT(rng)))
        workers = [row for row in members if row["employment"] is not None]
        change_on = rng.randrange(len(days)) if workers and rng.random() < 0.3 else None
        last = self.created
        for index, day in enumerate(days):
            method = _VISIT_METHOD(rng)
            at = self.moment(day)
            last = at
            visit_id = self.uuid()
            note = self._note(method, members)
            if index == change_on:
                person = rng.choice(workers)
                note = f"{note}了解到{person['name']}务工情况有变化，已更新务工信息。"
                changes.extend(self._work_change(visit_id, person, village))
                person["updated_at"] = max(person["updated_at"], at)
            visits.append(
                {
                    "id": visit_id,
                    "household_id": household_id,
                    "visit_date": day,
                    "visitors": MULTI_SEPARATOR.join(rng.sample(village.staff, 2)),
                    "method": method,
                    "notes": note,
                    "created_at": at,
                    "updated_at": at,
                    "updated_by": self.operator,
                }
            )
        return last

    def _note(self, method: str, members: list[Row]) -> str:
        rng = self.rng
        head = members[0]["name"]
        if method == "电话随访":
            away = [r for r in members if r["employment"] in ("县外省内务工", "省外务工")]
            if away:
                person = rng.choice(away)
                return f"电话了解{person['name']}在{person['work_place']}务工情况，工作稳定，收入按月发放。"
            return f"电话回访户主{head}，了解家庭近况和就业需求，宣传稳岗和技能培训补贴政策。"
        if method == "集中座谈":
            return "参加村集中座谈，宣讲就业扶贫和技能培训政策，发放政策明白纸。"
        school_leavers = [  # 两后生: left school after 初中 or 高中, the 技工院校's target
            r
            for r in members
            if r["school_status"] == "非在校生"
            and r["education"] in ("初中", "高中")
            and 15 <= age_on(r["birth_date"], self.today) <= 20
        ]
        if school_leavers and rng.random() < 0.6:
            name = rng.choice(school_leavers)["name"]
            return f"入户宣传技工院校招生政策（免学费、享受助学金），{name}毕业后未继续升学，有意了解技工院校。"
        text = rng.choice(_HOME_NOTES)
        return text.format(head=head)

    def _work_change(self, visit_id: UUID, person: Row, village: _Village) -> list[Row]:
        """Old → new values of a work change; the member's current values are the new ones."""
        rng = self.rng
        employment, place, months = person["employment"], person["work_place"], person["work_months"]
        fields: list[tuple[str, object, object]]
        if employment == "未务工":
            kind = _WORK_PLACE_KIND["strong"](rng)
            fields = [
                ("employment", kind, employment),
                ("work_place", self._work_place(kind, village), None),
                ("work_months", self._work_months(kind), 0),
            ]
        elif rng.random() < 0.5:
            fields = [("employment", "未务工", employment), ("work_place", None, place), ("work_months", 0, months)]
        else:
            old = rng.choice([m for m in range(1, 13) if m != months])
            fields = [("work_months", old, months)]
        return [
            {
                "id": self.uuid(),
                "visit_id": visit_id,
                "person_id": person["id"],
                "person_name": person["name"],
                "field": field,
                "old_value": None if old is None else str(old),
                "new_value": None if new is None else str(new),
            }
            for field, old, new in fields
        ]


_VISIT_METHOD: Final = _Pick({"入户走访": 75, "电话随访": 15, "集中座谈": 7, "其他": 3})
_VISIT_COUNT: Final = _Pick({1: 4, 2: 4, 3: 2})
_OTHER_CAUSE_COUNT: Final = _Pick({0: 35, 1: 40, 2: 25})
# 户状态 by the year of "today": everyone left poverty by the end of 2020; monitoring began then.
_STATUS_BY_ERA: Final = {
    "before": _Pick({"已脱贫": 55, "未脱贫": 45}),
    "2020": _Pick({"已脱贫": 95, "未脱贫": 5}),
    "after": _Pick({"已脱贫": 90, "脱贫不稳定户(监测户)": 8, "突发严重困难户(监测户)": 2}),
}
_HOME_NOTES: Final = (
    "入户了解家庭成员就业和收入情况，宣传技能培训和稳岗补贴政策。",
    "核实家庭成员信息，户主{head}在家，家庭生活基本稳定。",
    "了解家庭劳动力外出务工意愿，登记培训需求，讲解免费职业技能培训政策。",
    "走访户主{head}，了解医疗报销和低保落实情况，家中无新增困难。",
    "入户核对务工人员名单和务工月数，宣传公益性岗位和就业扶贫车间招工信息。",
)




def _luhn(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def generate_demo(
    connection: sqlalchemy.Connection,
    households: int,
    seed: int,
    *,
    today: date,
    operator: str = "演示数据",
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DemoSummary:
    """Fill an empty database with one county's townships, villages, households, members and visits.

    Raises ``DemoRefused`` (Chinese message) for a database that already has households or a
    household count out of range, and :class:`DemoCancelled` when ``cancelled()`` turns true;
    the caller commits or rolls back.
    """
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise DemoRefused(f"演示数据的户数应在1到{MAX_HOUSEHOLDS}之间，现为{households}。")
    existing = connection.execute(select(func.count()).select_from(Household.__table__)).scalar_one()
    if existing:
        raise DemoRefused(f"数据库中已有{existing}户数据，演示数据只能写入空数据库，请换一个新的数据库文件。")
    clash = connection.execute(
        select(func.count()).select_from(Region.__table__).where(Region.__table__.c.code.like(f"{_COUNTY.code[:6]}%"))
    ).scalar_one()
    if clash:
        raise DemoRefused(f"数据库中已有{_COUNTY.name}的区划，演示数据只能写入空数据库，请换一个新的数据库文件。")

    generator = _Generator(random.Random(seed), today, operator)
    region_rows, villages = generator.regions(households)
    connection.execute(insert(Region.__table__), region_rows)

    people_total = visits_total = done = 0
    village_households = ((village, sequence) for village in villages for sequence in range(1, village.households + 1))
    if progress:
        progress(0, households)
    while done < households:
        if cancelled and cancelled():
            raise DemoCancelled("已取消生成演示数据。")
        household_rows: list[Row] = []
        people: list[Row] = []
        visits: list[Row] = []
        changes: list[Row] = []
        for village, sequence in itertools.islice(village_households, _CHUNK):
            household_rows.append(generator.household(village, sequence, people, visits, changes))
        connection.execute(insert(Household.__table__), household_rows)
        connection.execute(insert(Person.__table__), people)
        connection.execute(insert(Visit.__table__), visits)
        if changes:
            connection.execute(insert(VisitChange.__table__), changes)
        done += len(household_rows)
        people_total += len(people)
        visits_total += len(visits)
        if progress:
            progress(done, households)
    id_grams.rebuild(connection)
    return DemoSummary(regions=len(region_rows), households=done, people=people_total, visits=visits_total)
