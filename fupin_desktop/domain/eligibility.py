"""Who may take part: 建档立卡 household, age bounds per kind, 两后生, yearly subsidy limits.

Pure rules over plain values and a province profile, so that the intentions service, the demo data
and the tests all ask the same questions. Each function returns a Chinese refusal or None. No Qt.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from fupin_desktop.domain.clock import age_on as age_on
from fupin_desktop.domain.profiles import ProvinceProfile

# 户状态 values of households that are (or were) 建档立卡: 边缘易致贫户 and 突发严重困难户 are
# monitored under the anti-relapse mechanism but were never registered.
REGISTERED_STATUSES: Final = frozenset({"未脱贫", "已脱贫", "脱贫不稳定户(监测户)"})
REGISTERED_TYPES: Final = frozenset(
    {"一般贫困户", "低保贫困户", "特困供养贫困户", "一般脱贫户", "低保脱贫户", "特困供养脱贫户"}
)
# 两后生: junior or senior high graduates (this year's or earlier) who did not continue school.
LIANG_HOU_SHENG_EDUCATION: Final = frozenset({"初中", "高中"})
# Not at school, or in the final year of junior/senior high (应届毕业生).
LIANG_HOU_SHENG_SCHOOL_STATUS: Final = frozenset({"非在校生", "九年级", "高中三年级"})

SUBSIDY_LABELS: Final = {"training": "培训补贴", "living": "生活费补贴", "travel": "交通补助"}


def household_refusal(household_type: str | None, status: str | None) -> str | None:
    """Refuse a household that is not a 建档立卡 one."""
    if not household_type:
        return "所在户未填写贫困户属性，无法确认为建档立卡贫困户"
    if household_type not in REGISTERED_TYPES:
        return f"所在户属性为“{household_type}”，不是建档立卡贫困户"
    if status and status not in REGISTERED_STATUSES:
        return f"所在户状态为“{status}”，不是建档立卡贫困户"
    return None


def age_refusal(
    profile: ProvinceProfile,
    kind: str,
    *,
    sex: str | None,
    birth: date | None,
    education: str | None,
    school_status: str | None,
    on: date,
) -> str | None:
    """Refuse a person outside the profile's bounds for ``kind`` on the day of the step."""
    if birth is None:
        return "未填写出生日期（身份证号），无法核对年龄"
    age = age_on(birth, on)
    if kind == "school":
        bounds = profile.school_age
        if not bounds.min <= age <= bounds.max_male:
            return f"{age}周岁，不在技工院校招收年龄{bounds.describe()}之内（{profile.name}）"
        if profile.school_eligibility.liang_hou_sheng:
            if education not in LIANG_HOU_SHENG_EDUCATION:
                return f"文化程度为“{education or '未填写'}”，不属于初、高中毕业未升学的“两后生”"
            if school_status and school_status not in LIANG_HOU_SHENG_SCHOOL_STATUS:
                return f"在校生状况为“{school_status}”，正在就读，不属于“两后生”"
        return None
    if sex not in ("男", "女"):
        return "未填写性别，无法核对年龄界限"
    bounds = profile.training_age if kind == "training" else profile.working_age
    if not bounds.contains(age, sex):
        what = "培训" if kind == "training" else "劳动年龄"
        return f"{age}周岁，不在{what}年龄{bounds.describe(sex)}之内（{profile.name}）"
    return None


def subsidy_limit(profile: ProvinceProfile, kind: str) -> int | None:
    """How many grants of ``kind`` a person may have in one year (None: no yearly limit)."""
    if kind == "training":
        return profile.subsidies.training_per_year_max
    if kind == "living":
        return profile.subsidies.living_allowance_per_year_max
    return None


def subsidy_refusal(profile: ProvinceProfile, kind: str, granted_this_year: int, year: int) -> str | None:
    """Refuse one more grant of ``kind`` when the person already has the yearly maximum."""
    limit = subsidy_limit(profile, kind)
    if limit is None or granted_this_year < limit:
        return None
    return f"{year}年已享受{granted_this_year}次{SUBSIDY_LABELS[kind]}，每人每年至多{limit}次（{profile.name}）"


def subsidy_rules(profile: ProvinceProfile) -> str:
    """The profile's subsidy limits in one Chinese sentence, shown where a grant is recorded."""
    subsidies = profile.subsidies
    return (
        f"培训补贴每人每年至多{subsidies.training_per_year_max}次；"
        f"生活费补贴{subsidies.living_allowance_yuan_per_day}元/人/天，每年至多{subsidies.living_allowance_per_year_max}次；"
        f"交通补助每次至多{subsidies.travel_aid_max_yuan}元（{profile.name}）"
    )
