"""Province profiles (no Qt)."""

from __future__ import annotations

from datetime import date

import pytest

from fupin_desktop.assets import resource_path
from fupin_desktop.domain.profiles import (
    AgeBounds,
    NoticeRules,
    ProvinceProfile,
    ProvinceProfileError,
    available_province_profiles,
    load_province_profile,
)

CODES = ["default", "shandong", "heilongjiang", "henan", "shanxi_linfen", "jinan"]
SHEETS = {
    "register_summary",
    "training_list",
    "school_list",
    "progress_school",
    "progress_training",
    "progress_shandong",
    "progress_henan",
    "notice",
    "visit_record",
}


@pytest.mark.parametrize("code", CODES)
def test_each_profile_loads(code: str) -> None:
    p = load_province_profile(code)
    assert isinstance(p, ProvinceProfile)
    assert p.code == code
    assert p.name and p.source and p.date and p.notes
    assert p.notice.min_days >= 1
    assert p.notice.day_kind in ("calendar", "working")
    assert p.notice.posting_place_default
    assert set(p.sheets) <= SHEETS
    assert "notice" in p.sheets
    for bounds in (p.training_age, p.school_age, p.working_age):
        assert bounds.min < bounds.max_for("男") and bounds.min < bounds.max_for("女")
    assert p.subsidies.training_per_year_max >= 1
    for d in p.report_deadlines:
        assert 1 <= d.month <= 12 and d.title


def test_available_profiles() -> None:
    profiles = available_province_profiles()
    codes = [p.code for p in profiles]
    assert codes[0] == "default"
    assert set(CODES) <= set(codes)
    assert len(codes) == len(list(resource_path("profiles").glob("*.json")))


def test_missing_profile() -> None:
    with pytest.raises(ProvinceProfileError):
        load_province_profile("no_such_province")


def test_seed_values() -> None:
    d = load_province_profile("default")
    assert d.notice == NoticeRules(5, "calendar", "村务公开栏")
    assert (
        d.training_age.min,
        d.training_age.max_for("男"),
        d.training_age.max_for("女"),
    ) == (16, 60, 55)
    assert (d.school_age.min, d.school_age.max_for("男")) == (15, 25)
    assert d.subsidies.training_per_year_max == 2
    assert d.subsidies.living_allowance_yuan_per_day == 15
    assert d.subsidies.living_allowance_per_year_max == 1
    assert d.subsidies.travel_aid_max_yuan == 800

    assert load_province_profile("shandong").school_eligibility.veterans
    assert not load_province_profile("heilongjiang").school_eligibility.veterans
    assert load_province_profile("heilongjiang").school_eligibility.liang_hou_sheng

    def md(code: str) -> list[tuple[int, int]]:
        return [(x.month, x.day) for x in load_province_profile(code).report_deadlines]

    assert md("shandong") == [(6, 15), (12, 15)]
    assert md("heilongjiang") == [(6, 10), (12, 10)]
    assert md("henan") == [(11, 30)]
    assert md("jinan") == [(9, 30)]
    assert "register_summary" in load_province_profile("shandong").sheets
    assert "progress_school" in load_province_profile("heilongjiang").sheets
    assert "visit_record" in load_province_profile("shanxi_linfen").sheets
    assert load_province_profile("shanxi_linfen").is_defaulted("notice.min_days")
    assert not load_province_profile("shanxi_linfen").is_defaulted("subsidies.travel_aid_max_yuan")


def test_heilongjiang_pairing_table() -> None:
    p = load_province_profile("heilongjiang")
    assert len(p.schools) == 8
    assert all(s.name and s.counties for s in p.schools)
    assert p.schools_for_county("桦南县") == ["黑龙江技师学院"]
    assert p.schools_for_county("海伦市") == ["黑龙江第二技师学院"]
    assert p.schools_for_county("不存在县") == []
    counties = [c for s in p.schools for c in s.counties]
    assert len(counties) == len(set(counties)) == 15


def test_age_bounds() -> None:
    b = AgeBounds(16, 60, 55)
    assert b.max_for("男") == 60
    assert b.max_for("女") == 55
    assert b.contains(60, "男") and not b.contains(60, "女")
    assert not b.contains(15, "男")
    with pytest.raises(ValueError):
        b.max_for("M")


def test_notice_end_date_calendar() -> None:
    p = load_province_profile("default")
    assert p.notice_end_date(date(2024, 11, 1)) == date(2024, 11, 6)
    assert p.notice_end_date(date(2024, 12, 29)) == date(2025, 1, 3)
    assert NoticeRules(7, "calendar", "x").end_date(date(2024, 2, 25)) == date(2024, 3, 3)


def test_notice_end_date_working_days() -> None:
    rules = NoticeRules(5, "working", "村务公开栏")
    friday = date(2024, 11, 22)
    assert friday.weekday() == 4
    assert rules.end_date(friday) == date(2024, 11, 29)  # the next Friday
    assert rules.end_date(date(2024, 11, 18)) == date(2024, 11, 25)  # Monday -> next Monday
    assert rules.end_date(date(2024, 11, 23)) == date(2024, 11, 29)  # Saturday -> Friday
    assert NoticeRules(7, "working", "x").end_date(friday) == date(2024, 12, 3)


def test_next_deadlines() -> None:
    p = load_province_profile("heilongjiang")
    assert p.next_deadlines(date(2024, 3, 1)) == [
        (date(2024, 6, 10), p.report_deadlines[0].title),
        (date(2024, 12, 10), p.report_deadlines[1].title),
    ]
    # across the year boundary
    got = p.next_deadlines(date(2024, 12, 11))
    assert [d for d, _ in got] == [date(2025, 6, 10), date(2025, 12, 10)]
    got = p.next_deadlines(date(2024, 7, 1), count=3)
    assert [d for d, _ in got] == [
        date(2024, 12, 10),
        date(2025, 6, 10),
        date(2025, 12, 10),
    ]
    # a deadline falling today is still ahead
    assert p.next_deadlines(date(2024, 6, 10), count=1)[0][0] == date(2024, 6, 10)
    # one deadline a year
    henan = load_province_profile("henan")
    assert [d for d, _ in henan.next_deadlines(date(2024, 12, 1))] == [
        date(2025, 11, 30),
        date(2026, 11, 30),
    ]
    assert load_province_profile("shanxi_linfen").next_deadlines(date(2024, 1, 1)) == []
    assert p.next_deadlines(date(2024, 1, 1), count=0) == []
