"""居民身份证号 value object: what is accepted, what is refused, and with which message."""

from __future__ import annotations

from datetime import date

import pytest

from fupin_desktop.domain.idnumber import IdNumber, IdNumberError, make_id_number

TODAY = date(2026, 3, 7)
JINAN_LIXIA = "370102"  # 历下区, in use since 1983


def parse(text: str) -> IdNumber:
    return IdNumber.parse(text, today=TODAY)


def with_check(number: str, check: str) -> str:
    return number[:-1] + check


def test_valid_number_gives_birth_date_sex_and_area() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 123)
    parsed = parse(number)
    assert parsed.value == number
    assert parsed.birth_date == date(1990, 3, 7)
    assert parsed.sex == "男"
    assert parsed.area_code == JINAN_LIXIA
    assert parsed.warnings == ()
    assert str(parsed) == number


def test_even_sequence_means_female() -> None:
    assert parse(make_id_number(JINAN_LIXIA, date(1990, 3, 7), 124)).sex == "女"


def test_lower_case_x_is_accepted_and_normalised() -> None:
    number = next(n for seq in range(1000) if (n := make_id_number(JINAN_LIXIA, date(1990, 3, 7), seq)).endswith("X"))
    assert parse(number.lower()).value == number


def test_full_width_digits_and_x_are_accepted() -> None:
    number = next(n for seq in range(1000) if (n := make_id_number(JINAN_LIXIA, date(1985, 6, 1), seq)).endswith("X"))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)  # '0' -> '０', 'X' -> 'Ｘ'
    assert parse(full_width).value == number


def test_spaces_are_removed() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 1)
    spaced = f" {number[:6]} {number[6:14]}\u3000{number[14:]} "
    assert parse(spaced).value == number


def test_fifteen_digit_first_generation_number_is_refused_with_hint() -> None:
    with pytest.raises(IdNumberError) as caught:
        parse("370102900307123")
    assert "第一代号码" in str(caught.value)
    assert "18位" in str(caught.value)
    assert "户口簿" in str(caught.value)


def test_wrong_length_is_refused_naming_the_length() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 123)
    with pytest.raises(IdNumberError, match="身份证号应为18位，现为17位"):
        parse(number[:-1])


def test_empty_is_refused() -> None:
    with pytest.raises(IdNumberError, match="身份证号不能为空"):
        parse("   ")


def test_letter_among_first_17_characters_is_refused() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 123)
    with pytest.raises(IdNumberError, match="第6位“A”不是数字"):
        parse(number[:5] + "A" + number[6:])


def test_last_character_other_than_digit_or_x_is_refused() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 123)
    with pytest.raises(IdNumberError, match="最后一位“Y”应为数字或X"):
        parse(with_check(number, "Y"))


def test_bad_check_character_is_refused_without_suggesting_a_last_digit() -> None:
    # A typo is usually among the first 17 digits: "the last digit should be 7" would lead the
    # clerk to change the one digit that was right.
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 123)
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(IdNumberError) as caught:
        parse(with_check(number, wrong))
    assert (
        str(caught.value)
        == f"身份证号“{with_check(number, wrong)}”校验位不符（最后一位与前17位对不上），请对照户口簿逐位核对"
    )
    assert f"应为{number[-1]}" not in str(caught.value)


def test_thirtieth_of_february_is_refused() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 2, 28), 123)
    impossible = number.replace("19900228", "19900230")
    with pytest.raises(IdNumberError, match=r"身份证号“\d{18}”中的出生日期19900230不存在"):
        parse(impossible)


def test_future_birth_date_is_refused() -> None:
    number = make_id_number(JINAN_LIXIA, date(2026, 3, 8), 1)
    with pytest.raises(IdNumberError, match="出生日期20260308晚于今天"):
        parse(number)


def test_born_today_is_accepted() -> None:
    assert parse(make_id_number(JINAN_LIXIA, TODAY, 1)).age_on(TODAY) == 0


def test_birth_before_1900_is_refused() -> None:
    number = make_id_number(JINAN_LIXIA, date(1899, 12, 31), 1)
    with pytest.raises(IdNumberError, match="出生日期18991231早于1900年"):
        parse(number)


def test_an_area_code_created_after_the_birth_year_raises_nothing() -> None:
    # 371521 阳谷县 has had this code since 1997 (聊城 became a city then); people born in 1975
    # and first registered since carry it, and stdnum would refuse their numbers.
    assert parse(make_id_number("371521", date(1975, 5, 20), 17)).warnings == ()
    assert parse(make_id_number("371326", date(1985, 5, 20), 17)).warnings == ()


def test_an_area_code_retired_before_the_birth_year_raises_nothing() -> None:
    # 110103 崇文区 merged into 东城区 in 2010; a number issued earlier keeps its code for life.
    assert parse(make_id_number("110103", date(2015, 1, 1), 2)).warnings == ()


def test_only_a_code_never_used_is_a_warning() -> None:
    parsed = parse(make_id_number("379999", date(1985, 5, 20), 17))
    assert parsed.warnings == ("身份证号前6位地区码379999不在已知区划表中，请核对",)


def test_area_code_valid_in_birth_year_has_no_warning() -> None:
    # 371324 was 苍山县 until 2013 and 兰陵县 since 2014: both periods are fine.
    assert parse(make_id_number("371324", date(2000, 1, 1), 1)).warnings == ()
    assert parse(make_id_number("371324", date(2016, 1, 1), 1)).warnings == ()


def test_age_counts_full_years() -> None:
    parsed = parse(make_id_number(JINAN_LIXIA, date(1990, 3, 7), 1))
    assert parsed.age_on(date(2026, 3, 6)) == 35
    assert parsed.age_on(date(2026, 3, 7)) == 36


def test_age_of_leap_day_birth() -> None:
    parsed = parse(make_id_number(JINAN_LIXIA, date(2008, 2, 29), 1))
    assert parsed.age_on(date(2026, 2, 28)) == 17
    assert parsed.age_on(date(2026, 3, 1)) == 18


def test_masked_keeps_first_six_and_last_four() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 123)
    assert parse(number).masked() == f"{number[:6]}********{number[-4:]}"


def test_make_id_number_round_trips_through_parse() -> None:
    for area, birth, sequence in [
        (JINAN_LIXIA, date(1949, 10, 1), 0),
        ("230102", date(1975, 12, 31), 999),
        ("410105", date(2001, 1, 1), 500),
        ("141002", date(2019, 7, 15), 37),
    ]:
        parsed = parse(make_id_number(area, birth, sequence))
        assert (parsed.area_code, parsed.birth_date) == (area, birth)
        assert parsed.value[14:17] == f"{sequence:03d}"
        assert parsed.sex == ("男" if sequence % 2 else "女")


def test_make_id_number_matches_published_example() -> None:
    # The example number printed in GB 11643-1999.
    assert make_id_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"


def test_make_id_number_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_id_number("3701", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number(JINAN_LIXIA, date(1990, 1, 1), 1000)


def test_direct_construction_with_inconsistent_parts_is_refused() -> None:
    number = make_id_number(JINAN_LIXIA, date(1990, 3, 7), 1)
    with pytest.raises(IdNumberError):
        IdNumber(value=number, birth_date=date(1990, 3, 8), sex="男", area_code=JINAN_LIXIA)


def test_id_number_error_is_a_value_error() -> None:
    assert issubclass(IdNumberError, ValueError)
