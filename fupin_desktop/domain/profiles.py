"""Province profiles: the policy parameters of one province or city, from its seed document.

Each profile is ``resources/profiles/<code>.json``: 公示 rules, age bounds, subsidy rates and yearly
limits, report deadlines, the sheets it submits, and (Heilongjiang) the school↔county pairing table.
Values a document is silent on are the default profile's, listed in ``defaulted``. No Qt here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from fupin_desktop.assets import resource_path

__all__ = [
    "DEFAULT_PROFILE",
    "AgeBounds",
    "NoticeRules",
    "ProfileError",
    "ProvinceProfile",
    "ProvinceProfileError",
    "ReportDeadline",
    "SchoolEligibility",
    "SchoolPairing",
    "Subsidies",
    "available_profiles",
    "available_province_profiles",
    "load_profile",
    "load_province_profile",
]

DEFAULT_PROFILE = "default"

DayKind = Literal["calendar", "working"]


class ProvinceProfileError(ValueError):
    """A profile file is missing or malformed."""


@dataclass(frozen=True)
class NoticeRules:
    """公示 rules: minimum length, how days are counted, and where it is posted."""

    min_days: int
    day_kind: DayKind
    posting_place_default: str

    @property
    def label(self) -> str:
        """E.g. ``"5个自然日"`` or ``"7个工作日"``."""
        return f"{self.min_days}个{'工作日' if self.day_kind == 'working' else '自然日'}"

    def end_date(self, start: dt.date) -> dt.date:
        """The earliest date the notice may end.

        As in the civil-law rule for periods, the start day is not counted: counting begins the
        next day. Working days skip Saturdays and Sundays (statutory holidays are not known here).
        """
        if self.day_kind == "calendar":
            return start + dt.timedelta(days=self.min_days)
        day = start
        remaining = self.min_days
        while remaining > 0:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return day


@dataclass(frozen=True)
class AgeBounds:
    """An inclusive age range in whole years; the upper bound may differ by sex."""

    min: int
    max_male: int
    max_female: int
    note: str = ""

    def max_for(self, sex: str) -> int:
        """Upper bound for ``"男"`` or ``"女"``."""
        if sex == "男":
            return self.max_male
        if sex == "女":
            return self.max_female
        raise ValueError(f"性别应为“男”或“女”，不是“{sex}”")

    def contains(self, age: int, sex: str) -> bool:
        return self.min <= age <= self.max_for(sex)

    def describe(self, sex: str | None = None) -> str:
        if sex is not None:
            return f"{self.min}–{self.max_for(sex)}周岁"
        if self.max_male == self.max_female:
            return f"{self.min}–{self.max_male}周岁"
        return f"{self.min}–{self.max_male}周岁（男）/{self.min}–{self.max_female}周岁（女）"


@dataclass(frozen=True)
class SchoolEligibility:
    """Who may enrol in a 技工院校 under the poverty-alleviation policy."""

    liang_hou_sheng: bool
    veterans: bool
    description: str


@dataclass(frozen=True)
class Subsidies:
    training_per_year_max: int
    living_allowance_yuan_per_day: int
    living_allowance_per_year_max: int
    travel_aid_max_yuan: int
    other: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportDeadline:
    """A yearly deadline (month, day) with what is due."""

    month: int
    day: int
    title: str

    def on(self, year: int) -> dt.date:
        """This deadline in ``year`` (29 February becomes the 28th in a common year)."""
        last = calendar.monthrange(year, self.month)[1]
        return dt.date(year, self.month, min(self.day, last))


@dataclass(frozen=True)
class SchoolPairing:
    """A 技工院校 and the poor counties it is paired with (黑人社发〔2019〕10号 附件1)."""

    name: str
    counties: tuple[str, ...]


@dataclass(frozen=True)
class ProvinceProfile:
    code: str
    name: str
    source: str
    date: str
    notice: NoticeRules
    training_age: AgeBounds
    school_age: AgeBounds
    working_age: AgeBounds
    school_eligibility: SchoolEligibility
    subsidies: Subsidies
    report_deadlines: tuple[ReportDeadline, ...]
    sheets: tuple[str, ...]
    schools: tuple[SchoolPairing, ...]
    notes: str
    data_exchange_deadlines: tuple[ReportDeadline, ...] = ()
    defaulted: tuple[str, ...] = ()
    parent: str | None = None

    def notice_end_date(self, start: dt.date) -> dt.date:
        """Earliest end date of a 公示 that starts on ``start`` under this profile."""
        return self.notice.end_date(start)

    def next_deadlines(self, today: dt.date, count: int = 2) -> list[tuple[dt.date, str]]:
        """The next ``count`` report deadlines on or after ``today``, soonest first."""
        if count <= 0 or not self.report_deadlines:
            return []
        found: list[tuple[dt.date, str]] = []
        year = today.year
        while len(found) < count:
            for deadline in sorted(self.report_deadlines, key=lambda d: (d.month, d.day)):
                when = deadline.on(year)
                if when >= today:
                    found.append((when, deadline.title))
            year += 1
        found.sort(key=lambda pair: pair[0])
        return found[:count]

    def is_defaulted(self, key: str) -> bool:
        """Whether ``key`` (e.g. ``"notice"`` or ``"subsidies.travel_aid_max_yuan"``) is our default
        rather than a value from the seed document."""
        return any(key == d or key.startswith(d + ".") for d in self.defaulted)

    def schools_for_county(self, county: str) -> list[str]:
        """Schools paired with ``county`` (exact name, e.g. ``"桦南县"``)."""
        return [s.name for s in self.schools if county in s.counties]


def _age(data: Any, *, single_max: bool = False) -> AgeBounds:
    if single_max:
        top = int(data["max"])
        return AgeBounds(int(data["min"]), top, top, str(data.get("note", "")))
    return AgeBounds(
        int(data["min"]),
        int(data["max_male"]),
        int(data["max_female"]),
        str(data.get("note", "")),
    )


def _deadlines(rows: Any) -> tuple[ReportDeadline, ...]:
    result = []
    for row in rows or []:
        d = ReportDeadline(int(row["month"]), int(row["day"]), str(row["title"]))
        # 2000 is a leap year: accepts 29 February, rejects 31 April.
        dt.date(2000, d.month, d.day)
        result.append(d)
    return tuple(result)


def _parse(code: str, data: Any) -> ProvinceProfile:
    if not isinstance(data, dict):
        raise ProvinceProfileError(f"配置 {code}：文件内容不是对象")
    try:
        n = data["notice"]
        day_kind = n.get("day_kind", "calendar")
        if day_kind not in ("calendar", "working"):
            raise ProvinceProfileError(f"配置 {code}：公示天数类型应为 calendar 或 working，不是 {day_kind}")
        notice = NoticeRules(
            int(n["min_days"]),
            day_kind,
            str(n.get("posting_place_default", "村务公开栏")),
        )
        if notice.min_days < 1:
            raise ProvinceProfileError(f"配置 {code}：公示天数至少为 1")
        ages = data["age_bounds"]
        elig = data["school_eligibility"]
        subs = data["subsidies"]
        profile = ProvinceProfile(
            code=str(data["code"]),
            name=str(data["name"]),
            source=str(data["source"]),
            date=str(data["date"]),
            notice=notice,
            training_age=_age(ages["training"]),
            school_age=_age(ages["school"], single_max=True),
            working_age=_age(ages["working_age"]),
            school_eligibility=SchoolEligibility(
                bool(elig["liang_hou_sheng"]),
                bool(elig["veterans"]),
                str(elig.get("description", "")),
            ),
            subsidies=Subsidies(
                training_per_year_max=int(subs["training_per_year_max"]),
                living_allowance_yuan_per_day=int(subs["living_allowance_yuan_per_day"]),
                living_allowance_per_year_max=int(subs["living_allowance_per_year_max"]),
                travel_aid_max_yuan=int(subs["travel_aid_max_yuan"]),
                other=tuple(str(x) for x in subs.get("other", [])),
            ),
            report_deadlines=_deadlines(data.get("report_deadlines")),
            data_exchange_deadlines=_deadlines(data.get("data_exchange_deadlines")),
            sheets=tuple(str(s) for s in data.get("sheets", [])),
            schools=tuple(
                SchoolPairing(str(s["name"]), tuple(str(c) for c in s.get("counties", [])))
                for s in data.get("schools", [])
            ),
            notes=str(data.get("notes", "")),
            defaulted=tuple(str(x) for x in data.get("defaulted", [])),
            parent=(str(data["parent"]) if data.get("parent") else None),
        )
    except ProvinceProfileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ProvinceProfileError(f"配置 {code}：字段缺失或有误（{exc}）") from exc
    if profile.code != code:
        raise ProvinceProfileError(f"配置 {code}：文件中的 code 为 {profile.code}")
    return profile


@cache
def load_province_profile(code: str) -> ProvinceProfile:
    """The profile ``code`` (e.g. ``"heilongjiang"``), read once and cached."""
    path = resource_path("profiles", f"{code}.json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ProvinceProfileError(f"找不到地区配置 {code}（{path}）") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProvinceProfileError(f"配置 {code}：JSON 格式错误（第{exc.lineno}行）") from exc
    return _parse(code, data)


def available_province_profiles() -> list[ProvinceProfile]:
    """Every shipped profile, the default first, then by code."""
    codes = sorted(p.stem for p in resource_path("profiles").glob("*.json"))
    codes.sort(key=lambda c: c != DEFAULT_PROFILE)
    return [load_province_profile(c) for c in codes]


# The names before the glossary (docs/glossary.md) told a province's profile from the station's:
# kept for callers not yet renamed.
ProfileError = ProvinceProfileError
load_profile = load_province_profile
available_profiles = available_province_profiles
