"""Consistency rules for members and households: each rule both firing and staying quiet."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from fupin_desktop.domain import validation
from fupin_desktop.domain.codelists import codelist
from fupin_desktop.domain.idnumber import make_id_number
from fupin_desktop.domain.validation import (
    FIELD_LABELS,
    HouseholdFacts,
    PersonFacts,
    Problem,
    validate_household,
    validate_person,
    validate_phone,
)

TODAY = date(2026, 3, 7)
AREA = "110105"  # 北京市朝阳区: the same code in every year, so no area-code warnings


def born_aged(age: int) -> date:
    """A birth date giving ``age`` full years on TODAY."""
    return date(TODAY.year - age, 1, 1)


def person(age: int = 40, sequence: int = 1, **changes: object) -> PersonFacts:
    """A clean working-age member; ``sequence`` odd is 男, even is 女."""
    birth = born_aged(age)
    facts = PersonFacts(
        name="张建国",
        id_number=make_id_number(AREA, birth, sequence),
        sex="男" if sequence % 2 else "女",
        birth_date=birth,
        ethnicity="汉族",
        relation="户主",
        education="初中",
        school_status="非在校生",
        health="健康",
        labour="普通劳动力",
        employment="县外省内务工",
        work_place="济南市",
        work_months=8,
        phone="13800138000",
    )
    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def household(**changes: object) -> HouseholdFacts:
    """A clean household: head, spouse, a high-school son and a primary-school daughter."""
    facts = HouseholdFacts(
        household_no="3701020010010001",
        card_no="37010200100100010001",
        village_group="第一村民小组",
        address="济南市历下区某镇某村12号",
        phone="0531-88886666",
        household_type="一般贫困户",
        status="未脱贫",
        main_cause="因病",
        other_causes="因学、缺技术",
        members=[
            person(52, 11, health="长期慢性病"),
            person(
                50,
                12,
                name="李秀英",
                relation="配偶",
                labour="弱劳动力或半劳动力",
                employment="未务工",
                work_place=None,
                work_months=0,
                phone=None,
            ),
            person(
                17,
                13,
                name="张伟",
                relation="之子",
                school_status="高中二年级",
                employment="未务工",
                work_place=None,
                work_months=None,
                phone=None,
            ),
            person(
                9,
                14,
                name="张丽",
                relation="之女",
                education="小学",
                school_status="小学",
                labour=None,
                employment=None,
                work_place=None,
                work_months=None,
                phone=None,
            ),
        ],
    )
    return dataclasses.replace(facts, **changes)  # type: ignore[arg-type]


def with_member(h: HouseholdFacts, index: int, **changes: object) -> HouseholdFacts:
    members = list(h.members)
    members[index] = dataclasses.replace(members[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(h, members=members)


def keys(problems: list[Problem]) -> set[tuple[str, str, int | None]]:
    return {(p.field, p.severity, p.member_index) for p in problems}


def only(problems: list[Problem], field: str) -> Problem:
    matching = [p for p in problems if p.field == field]
    assert len(matching) == 1, problems
    return matching[0]


# --- labels and code lists ---------------------------------------------------------------------


def test_every_attribute_has_a_chinese_label() -> None:
    attributes = {f.name for f in dataclasses.fields(PersonFacts)} | {
        f.name for f in dataclasses.fields(HouseholdFacts) if f.name != "members"
    }
    assert attributes == set(FIELD_LABELS)
    assert FIELD_LABELS["id_number"] == "身份证号"
    assert FIELD_LABELS["work_months"] == "务工时间（月）"


def test_values_named_by_the_rules_are_in_their_code_lists() -> None:
    assert {validation.HEAD, validation.SPOUSE}.issubset(codelist("relation").names())
    assert {validation.HEALTHY, validation.DISABLED}.issubset(codelist("health").names())
    assert validation.NOT_AT_SCHOOL in codelist("school_status")
    assert validation.SENIOR_SCHOOL_STATUS.issubset(codelist("school_status").names())
    assert validation.SENIOR_EDUCATION.issubset(codelist("education").names())
    assert validation.NO_LABOUR.issubset(codelist("labour").names())
    assert validation.NOT_WORKING.issubset(codelist("employment").names())
    causes = {validation.CAUSE_ILLNESS, validation.CAUSE_SCHOOLING, validation.CAUSE_DISABILITY}
    assert causes.issubset(codelist("poverty_cause").names())


def test_problem_is_error_follows_severity() -> None:
    assert Problem("name", "姓名", "姓名不能为空", "error").is_error
    assert not Problem("labour", "劳动技能", "劳动技能未填写", "warning").is_error


# --- person ------------------------------------------------------------------------------------


def test_clean_person_has_no_problems() -> None:
    assert validate_person(person(), TODAY) == []


def test_missing_name_is_an_error() -> None:
    problem = only(validate_person(person(name="  "), TODAY), "name")
    assert problem.is_error
    assert problem.label == "姓名"
    assert problem.message == "姓名不能为空"


def test_one_character_name_is_an_error() -> None:
    assert only(validate_person(person(name="张"), TODAY), "name").is_error


def test_name_longer_than_twenty_characters_is_an_error() -> None:
    assert only(validate_person(person(name="张" * 21), TODAY), "name").is_error


def test_name_with_latin_letters_is_an_error() -> None:
    problem = only(validate_person(person(name="张San"), TODAY), "name")
    assert "汉字" in problem.message


def test_minority_name_with_middle_dot_is_accepted() -> None:
    assert validate_person(person(name="买买提·艾力"), TODAY) == []


def test_bad_id_number_is_an_error_with_its_message() -> None:
    number = make_id_number(AREA, born_aged(40), 1)
    wrong = "0" if number[-1] != "0" else "1"
    problem = only(validate_person(person(id_number=number[:-1] + wrong), TODAY), "id_number")
    assert problem.is_error
    assert problem.label == "身份证号"
    assert "校验位不符" in problem.message and f"应为{number[-1]}" not in problem.message


def test_missing_id_number_is_an_error() -> None:
    problem = only(validate_person(person(id_number=None), TODAY), "id_number")
    assert problem.is_error
    assert "身份证号不能为空" in problem.message


def test_id_number_warning_becomes_a_warning() -> None:
    birth = born_aged(40)
    problems = validate_person(person(id_number=make_id_number("379999", birth, 1)), TODAY)
    problem = only(problems, "id_number")
    assert problem.severity == "warning"
    assert "379999" in problem.message


def test_sex_disagreeing_with_id_number_is_an_error() -> None:
    problem = only(validate_person(person(sequence=2, sex="男"), TODAY), "sex")
    assert problem.is_error
    assert problem.message == "性别与身份证号不符：身份证号表示女，填写为男"


def test_sex_left_empty_is_derived_not_an_error() -> None:
    assert validate_person(person(sex=None, birth_date=None), TODAY) == []


def test_sex_other_than_male_or_female_is_an_error() -> None:
    assert only(validate_person(person(sex="M"), TODAY), "sex").is_error


def test_birth_date_disagreeing_with_id_number_is_an_error() -> None:
    problem = only(validate_person(person(birth_date=date(1986, 1, 2)), TODAY), "birth_date")
    assert problem.is_error
    assert problem.message == "出生日期与身份证号不符：身份证号表示1986年1月1日，填写为1986年1月2日"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ethnicity", "火星族"),
        ("relation", "朋友"),
        ("education", "博士后"),
        ("school_status", "十年级"),
        ("health", "很好"),
        ("labour", "强劳动力"),
        ("employment", "国外务工"),
    ],
)
def test_value_outside_its_code_list_is_an_error(field: str, value: str) -> None:
    facts = person()
    setattr(facts, field, value)
    problem = only(validate_person(facts, TODAY), field)
    assert problem.is_error
    assert problem.message.startswith(f"{FIELD_LABELS[field]}“{value}”不在代码表中")


def test_ethnicity_without_zu_suggests_the_full_name() -> None:
    problem = only(validate_person(person(ethnicity="汉"), TODAY), "ethnicity")
    assert "是否应为“汉族”" in problem.message


def test_several_health_values_joined_by_dunhao_are_accepted() -> None:
    assert validate_person(person(health="长期慢性病、残疾"), TODAY) == []


def test_healthy_together_with_an_illness_is_an_error() -> None:
    assert only(validate_person(person(health="健康、残疾"), TODAY), "health").is_error


def test_health_values_joined_by_a_comma_are_an_error() -> None:
    assert only(validate_person(person(health="长期慢性病,残疾"), TODAY), "health").is_error


@pytest.mark.parametrize("age", [16, 40, 65])
def test_labour_empty_at_working_age_is_a_warning(age: int) -> None:
    problem = only(validate_person(person(age, labour=None, employment=None, work_place=None), TODAY), "labour")
    assert problem.severity == "warning"
    assert problem.message.startswith("劳动技能")


@pytest.mark.parametrize("age", [15, 66])
def test_labour_empty_outside_working_age_is_fine(age: int) -> None:
    facts = person(age, labour=None, employment=None, work_place=None, work_months=None)
    assert "labour" not in {p.field for p in validate_person(facts, TODAY)}


@pytest.mark.parametrize("age", [6, 23])
def test_school_status_empty_at_school_age_is_a_warning(age: int) -> None:
    problem = only(validate_person(person(age, school_status=None, education="小学"), TODAY), "school_status")
    assert problem.severity == "warning"
    assert problem.message.startswith("在校生状况")


@pytest.mark.parametrize("age", [5, 24])
def test_school_status_empty_outside_school_age_is_fine(age: int) -> None:
    facts = person(age, school_status=None, education="小学", labour=None)
    assert "school_status" not in {p.field for p in validate_person(facts, TODAY)}


@pytest.mark.parametrize("months", [-1, 13])
def test_work_months_outside_zero_to_twelve_is_an_error(months: int) -> None:
    problem = only(validate_person(person(work_months=months), TODAY), "work_months")
    assert problem.is_error
    assert problem.message == f"务工时间（月）应在0至12之间，现为{months}"


@pytest.mark.parametrize("months", [0, 12])
def test_work_months_at_the_bounds_are_fine(months: int) -> None:
    assert validate_person(person(work_months=months, work_place=None if months == 0 else "济南市"), TODAY) == []


def test_work_place_with_zero_months_is_an_error() -> None:
    problem = only(validate_person(person(work_place="济南市", work_months=0), TODAY), "work_months")
    assert problem.is_error
    assert "务工地点" in problem.message


def test_no_labour_yet_working_away_is_an_error() -> None:
    problem = only(validate_person(person(labour="丧失劳动力", employment="省外务工"), TODAY), "employment")
    assert problem.is_error
    assert problem.message.startswith("务工状况为省外务工，但劳动技能为丧失劳动力")


@pytest.mark.parametrize("employment", ["未务工", "其他", None])
def test_no_labour_and_not_working_is_fine(employment: str | None) -> None:
    facts = person(labour="无劳动力", employment=employment, work_place=None, work_months=None)
    assert validate_person(facts, TODAY) == []


def test_fourteen_year_old_at_senior_high_is_an_error() -> None:
    facts = person(14, school_status="高中一年级", labour=None, employment=None, work_place=None, work_months=None)
    problem = only(validate_person(facts, TODAY), "school_status")
    assert problem.is_error
    assert "14岁" in problem.message


def test_fourteen_year_old_with_senior_high_education_is_an_error() -> None:
    facts = person(14, education="高中", school_status="九年级", labour=None, employment=None, work_place=None)
    assert only(validate_person(facts, TODAY), "education").is_error


def test_fifteen_year_old_at_senior_high_is_fine() -> None:
    facts = person(15, school_status="高中一年级", labour=None, employment=None, work_place=None, work_months=None)
    assert validate_person(facts, TODAY) == []


def test_invalid_member_phone_is_an_error() -> None:
    problem = only(validate_person(person(phone="12345"), TODAY), "phone")
    assert problem.is_error
    assert problem.label == "联系电话"


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [None, "", "  ", "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0531-88886666",
     "053188886666", "010-12345678", "0451-8888666", "(0531)88886666", "0531-88886666-801", "0531-88886666转801"],
)  # fmt: skip
def test_phone_accepted(text: str | None) -> None:
    assert validate_phone(text) is None


@pytest.mark.parametrize(
    "text", ["12345", "1380013800", "138001380001", "23800138000", "0531-888", "05-88886666", "电话13800138000"]
)
def test_phone_refused_with_a_message(text: str) -> None:
    message = validate_phone(text)
    assert message is not None
    assert message.startswith(f"联系电话“{text}”")


def test_landline_without_area_code_asks_for_it() -> None:
    message = validate_phone("88886666")
    assert message is not None
    assert "缺少区号" in message


# --- household ---------------------------------------------------------------------------------


def test_clean_household_has_no_problems() -> None:
    assert validate_household(household(), TODAY) == []


def test_missing_household_number_is_an_error() -> None:
    problem = only(validate_household(household(household_no=""), TODAY), "household_no")
    assert problem.is_error
    assert problem.message == "户编号不能为空"


@pytest.mark.parametrize(
    ("field", "value"),
    [("household_type", "五保户"), ("status", "已返贫"), ("main_cause", "因懒"), ("other_causes", "缺技术、因懒")],
)
def test_household_value_outside_its_code_list_is_an_error(field: str, value: str) -> None:
    problem = only(validate_household(household(**{field: value}), TODAY), field)
    assert problem.is_error
    assert problem.member_index is None
    assert FIELD_LABELS[field] in problem.message


def test_more_than_two_other_causes_is_an_error() -> None:
    problem = only(validate_household(household(other_causes="因学、缺技术、缺资金"), TODAY), "other_causes")
    assert problem.message == "其他致贫原因最多选2项，现为3项"


def test_main_cause_repeated_in_other_causes_is_an_error() -> None:
    problem = only(validate_household(household(other_causes="因病、因学"), TODAY), "other_causes")
    assert problem.message == "其他致贫原因不应重复主要致贫原因“因病”"


def test_same_other_cause_twice_is_an_error() -> None:
    assert only(validate_household(household(other_causes="因学、因学"), TODAY), "other_causes").is_error


def test_invalid_household_phone_is_an_error() -> None:
    problem = only(validate_household(household(phone="88886666"), TODAY), "phone")
    assert problem.member_index is None


def test_member_problems_carry_the_member_index() -> None:
    h = with_member(household(), 2, work_months=20)
    assert keys(validate_household(h, TODAY)) == {("work_months", "error", 2)}


def test_household_without_head_is_an_error() -> None:
    h = with_member(household(), 0, relation="之父")
    problem = only(validate_household(h, TODAY), "relation")
    assert problem.is_error
    assert "没有户主" in problem.message
    assert problem.member_index is None


def test_household_with_two_heads_is_an_error_on_the_second() -> None:
    h = with_member(household(), 2, relation="户主")
    problem = only(validate_household(h, TODAY), "relation")
    assert problem.is_error
    assert problem.member_index == 2
    assert "第1名成员张建国" in problem.message


def test_head_and_spouse_of_the_same_sex_is_an_error() -> None:
    h = with_member(household(), 1, id_number=make_id_number(AREA, born_aged(50), 15), sex="男")
    problem = only(validate_household(h, TODAY), "sex")
    assert problem.is_error
    assert problem.member_index == 1
    assert "户主与配偶的性别相同" in problem.message


def test_same_id_number_twice_is_an_error_naming_both_members() -> None:
    h = household()
    h = with_member(h, 3, id_number=h.members[2].id_number, birth_date=None, sex=None)
    problem = only(validate_household(h, TODAY), "id_number")
    assert problem.is_error
    assert problem.member_index == 3
    assert "第3名成员张伟" in problem.message
    assert "第4名成员张丽" in problem.message


def test_same_id_number_in_lower_case_still_counts_as_a_duplicate() -> None:
    number = next(n for seq in range(1, 1000, 2) if (n := make_id_number(AREA, born_aged(17), seq)).endswith("X"))
    h = with_member(household(), 2, id_number=number)
    h = with_member(h, 3, id_number=number.lower(), birth_date=None, sex=None, school_status="高中二年级")
    assert only(validate_household(h, TODAY), "id_number").member_index == 3


def test_illness_cause_with_everyone_healthy_is_a_warning() -> None:
    h = with_member(household(), 0, health="健康")
    problem = only(validate_household(h, TODAY), "main_cause")
    assert problem.severity == "warning"
    assert problem.message.startswith("主要致贫原因为因病")


def test_illness_cause_with_one_member_ill_is_fine() -> None:
    assert validate_household(household(), TODAY) == []


def test_schooling_cause_without_a_student_is_a_warning() -> None:
    h = with_member(household(main_cause="因学", other_causes=None), 2, school_status="非在校生")
    h = with_member(h, 3, school_status="非在校生")
    problem = only(validate_household(h, TODAY), "main_cause")
    assert problem.severity == "warning"
    assert "在校生" in problem.message


def test_schooling_cause_with_a_student_is_fine() -> None:
    assert validate_household(household(main_cause="因学", other_causes="因病"), TODAY) == []


def test_disability_cause_without_a_disabled_member_is_a_warning() -> None:
    problem = only(validate_household(household(main_cause="因残"), TODAY), "main_cause")
    assert problem.severity == "warning"
    assert "残疾" in problem.message


def test_disability_cause_with_a_disabled_member_is_fine() -> None:
    h = with_member(household(main_cause="因残"), 0, health="长期慢性病、残疾")
    assert validate_household(h, TODAY) == []


def test_unsupported_other_cause_is_a_warning_on_other_causes() -> None:
    h = with_member(household(other_causes="因残"), 0, health="长期慢性病")
    problem = only(validate_household(h, TODAY), "other_causes")
    assert problem.severity == "warning"


def test_every_message_names_its_field() -> None:
    messy = with_member(household(household_no=None, phone="1", other_causes="因病、因病、因学"), 0, relation="配偶")
    messy = with_member(messy, 1, name="L", sex="男", work_months=99, labour="丧失劳动力", employment="省外务工")
    problems = validate_household(messy, TODAY)
    assert len(problems) >= 8
    for problem in problems:
        assert problem.label == FIELD_LABELS[problem.field]
        assert problem.label in problem.message, problem
