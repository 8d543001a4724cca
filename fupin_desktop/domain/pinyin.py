"""Pinyin search keys for names: full pinyin ("zhangsanfeng") and initials ("zsf")."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

# What ``pypinyin.lazy_pinyin`` builds on every call, built once. A name is cut into words exactly
# as lazy_pinyin cuts it (its phrase table decides: 单于 is one word, 单 alone another), and each
# word's reading depends on the word alone, so a word is converted once and remembered: the keys
# are the ones lazy_pinyin gives for the whole name (tests/test_pinyin.py checks it).
_PINYIN = Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


def _keep(chars: str) -> list[str]:
    return list(chars)


@lru_cache(maxsize=65536)
def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower case, without tones or separators.

    Non-Chinese characters are kept as they are (lower-cased), so "李A" gives ("lia", "la").
    Heteronyms take pypinyin's most common reading; 单 as a surname reads "dan" here, which a
    search for "shan" will miss: acceptable, since the name itself is searchable too.
    """
    cleaned = "".join(name.split())
    syllables = [s for word in _PINYIN.seg(cleaned) for s in _word_syllables(word)]
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials


@lru_cache(maxsize=16384)
def _word_syllables(word: str) -> tuple[str, ...]:
    # A list holding one word is converted as that word, not cut again (pypinyin's list input).
    # pypinyin's stubs say an errors callback returns a str; its documentation allows a list (one item a character).
    return tuple(_PINYIN.lazy_pinyin([word], style=Style.NORMAL, errors=_keep))  # type: ignore[arg-type]
