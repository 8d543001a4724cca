"""Shipped code lists: GB 3304 nationalities and the 建档立卡 lists (no Qt)."""

from __future__ import annotations

import json

import pytest

from fupin_desktop.assets import resource_path
from fupin_desktop.domain.codelists import CodeList, all_codelists, codelist

EXPECTED = {
    "ethnicity",
    "relation",
    "education",
    "school_status",
    "health",
    "labour",
    "employment",
    "household_type",
    "household_status",
    "poverty_cause",
    "training_type",
    "intention_kind",
    "referral_source",
    "visit_method",
    "occupation",
    "major",
}


def test_all_expected_lists_are_shipped() -> None:
    assert set(all_codelists()) >= EXPECTED


def test_ethnicity_gb3304() -> None:
    eth = codelist("ethnicity")
    codes = eth.codes()
    assert len(codes) == len(set(codes)) == 58
    assert codes[:56] == [f"{i:02d}" for i in range(1, 57)]
    assert codes[56:] == ["97", "98"]
    assert eth.name_of("01") == "汉族"
    assert eth.name_of("56") == "基诺族"
    assert eth.name_of("97") == "其他"
    assert eth.name_of("98") == "外国血统中国籍人士"
    assert "毛南族" in eth
    assert "毛难族" not in eth
    assert eth.code_of("毛南族") == "36"
    spot = {
        "02": "蒙古族",
        "03": "回族",
        "04": "藏族",
        "05": "维吾尔族",
        "06": "苗族",
        "07": "彝族",
        "08": "壮族",
        "09": "布依族",
        "10": "朝鲜族",
        "11": "满族",
        "15": "土家族",
        "23": "高山族",
        "29": "柯尔克孜族",
        "43": "乌孜别克族",
        "46": "德昂族",
        "51": "独龙族",
        "55": "珞巴族",
    }
    for code, name in spot.items():
        assert eth.name_of(code) == name
    assert eth.source.startswith("GB/T 3304-1991")
    assert not eth.multi


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_list_is_well_formed(name: str) -> None:
    raw = json.loads(resource_path("codelists", f"{name}.json").read_text(encoding="utf-8"))
    assert raw["name"] == name
    cl = codelist(name)
    assert isinstance(cl, CodeList)
    assert cl.title and cl.source.strip() and cl.date.strip()
    assert cl.items
    assert len(set(cl.codes())) == len(cl.items), "duplicate code"
    assert len(set(cl.names())) == len(cl.items), "duplicate name"
    for item in cl.items:
        assert item.code.strip() and item.name.strip()
        assert cl.name_of(item.code) == item.name
        assert cl.code_of(item.name) == item.code


def test_lookups_and_multi() -> None:
    assert codelist("health").multi
    assert not codelist("labour").multi
    assert codelist("relation").code_of("户主") == "02"
    assert codelist("relation").code_of("之儿媳") == "38"
    assert codelist("relation").code_of("之女婿") == "28"
    assert codelist("relation").name_of("zz") is None
    assert codelist("labour").code_of("不存在") is None
    assert 5 not in codelist("labour")
    assert [i.code for i in codelist("intention_kind").items] == [
        "training",
        "school",
        "employment",
        "business",
    ]
    assert codelist("referral_source").codes() == [
        "village",
        "work_team",
        "poverty_office",
        "self",
    ]
    assert codelist("education").names()[-1] == "学龄前儿童"
    assert len(codelist("occupation")) >= 40
    assert len(codelist("major")) >= 40


def test_cached() -> None:
    assert codelist("ethnicity") is codelist("ethnicity")
