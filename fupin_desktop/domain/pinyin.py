"""Pinyin search keys for names: full pinyin ("zhangsanfeng") and initials ("zsf")."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower case, without tones or separators.

    Non-Chinese characters are kept as they are (lower-cased), so "李A" gives ("lia", "la").
    Heteronyms take pypinyin's most common reading; 单 as a surname reads "dan" here, which a
    search for "shan" will miss: acceptable, since the name itself is searchable too.
    """
    cleaned = "".join(name.split())
    syllables = lazy_pinyin(cleaned, style=Style.NORMAL, errors=lambda chars: list(chars))
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return full, initials
