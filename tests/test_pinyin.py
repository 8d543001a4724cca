"""The search keys are pypinyin's readings of the whole name, however they are computed."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin

from fupin_desktop.domain.pinyin import search_keys
from fupin_desktop.services.demo import _GIVEN, _SURNAMES

# Surnames and names whose reading depends on the characters around them (phrases in pypinyin's
# table), names with a separator dot, Latin letters or digits, and blanks.
_HARD = [
    "单雄信", "单于", "曾国藩", "曾经", "解缙", "仇英", "区寄", "查良镛", "朴树", "乐嘉", "盖聂", "尉迟恭",
    "长孙无忌", "万俟卨", "覃塘", "缪斯", "种师道", "翟让", "重庆", "银行", "行长", "朝阳", "阿卜杜·热合曼",
    "李A", "王2号", "张 三", " 赵 四 ", "", "·", "ü", "吕律", "女娲", "说服", "薄熙", "任我行", "都江堰",
]  # fmt: skip


def _expected(name: str) -> tuple[str, str]:
    syllables = lazy_pinyin("".join(name.split()), style=Style.NORMAL, errors=lambda chars: list(chars))
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def test_search_keys_equal_pypinyin_for_every_demo_name_and_heteronym_surname() -> None:
    names = list(_HARD)
    for surname in [
        *_SURNAMES.values,
        "单",
        "曾",
        "解",
        "仇",
        "区",
        "查",
        "朴",
        "乐",
        "盖",
        "尉迟",
        "长孙",
        "缪",
        "翟",
    ]:
        for style in _GIVEN.values():
            names.extend(surname + single for single in style.single)
            names.extend(surname + first + second for first in style.first for second in style.second)
    assert len(names) > 50_000
    for name in names:
        assert search_keys(name) == _expected(name), name


def test_search_keys_read_a_phrase_as_pypinyin_does() -> None:
    assert search_keys("张三丰") == ("zhangsanfeng", "zsf")
    assert search_keys("李A") == ("lia", "la")
    assert search_keys(" 王 大川 ") == ("wangdachuan", "wdc")
