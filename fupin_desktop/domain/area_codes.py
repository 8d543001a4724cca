"""County-level area codes (GB/T 2260) as python-stdnum ships them, with their history.

stdnum's ``cn/loc`` table lists every province (2 digits) and, under it, every city and county
(4 more digits) with the years each name was in use, e.g. ``[1997-2019]茌平县``. The set-up of a new
station picks its county from the codes in use today; the 身份证号 check asks whether a code was
ever used at all (a number keeps the code it was issued with).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from stdnum import numdb

__all__ = ["AreaCode", "cities", "counties", "county_full_name", "ever_used", "provinces"]

_RANGED: Final = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True)
class AreaCode:
    """A 6-digit code with the name it has today."""

    code: str
    name: str


@dataclass(frozen=True)
class _Entry:
    code: str
    current_name: str | None  # None: no longer in use


def _current_name(names: str) -> str | None:
    """The name in use now from stdnum's ``[start-end]name,…`` list; None if every range has ended."""
    for entry in reversed(names.split(",")):
        match = _RANGED.match(entry)
        if match is None:
            return entry
        if not match[2]:
            return match[3]
    return None


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, _Entry], dict[str, str]]:
    """(every 6-digit code stdnum knows → entry, province code → province name)."""
    entries: dict[str, _Entry] = {}
    province_names: dict[str, str] = {}
    for length, low, high, props, children in numdb.get("cn/loc").prefixes:
        if length != 2 or low != high:
            continue
        province_names[low] = props.get("province", "")
        for child_length, child_low, child_high, child_props, _ in children:
            if child_length != 4 or child_low != child_high or "county" not in child_props:
                continue
            code = low + child_low
            entries[code] = _Entry(code, _current_name(child_props["county"]))
    return entries, province_names


def provinces() -> list[AreaCode]:
    """Provinces, autonomous regions and municipalities, by code."""
    _entries, names = _table()
    return [AreaCode(code + "0000", name) for code, name in sorted(names.items()) if name]


def cities(province: str) -> list[AreaCode]:
    """The city-level units in use under a province (its 6-digit or 2-digit code)."""
    entries, _names = _table()
    prefix = province[:2]
    return [
        AreaCode(entry.code, entry.current_name)
        for code, entry in sorted(entries.items())
        if code.startswith(prefix) and code.endswith("00") and not code.endswith("0000") and entry.current_name
    ]


def counties(city: str) -> list[AreaCode]:
    """The county-level units in use under a city; a city without counties (东莞市) is its own."""
    entries, _names = _table()
    prefix = city[:4]
    found = [
        AreaCode(entry.code, entry.current_name)
        for code, entry in sorted(entries.items())
        if code.startswith(prefix) and not code.endswith("00") and entry.current_name
    ]
    # "市辖区" is the code block of a city's districts as a whole, not a place a station serves.
    found = [area for area in found if area.name != "市辖区"]
    if found:
        return found
    own = entries.get(prefix + "00")
    return [AreaCode(own.code, own.current_name)] if own is not None and own.current_name else []


def county_full_name(code: str) -> str | None:
    """ "山东省临沂市沂南县" for a county code in use today (6 or 12 digits); None if unknown or retired."""
    entries, names = _table()
    county = entries.get(code[:6])
    if county is None or county.current_name is None:
        return None
    city = entries.get(code[:4] + "00")
    city_name = city.current_name if city is not None and city.current_name not in (None, "市辖区", "县") else ""
    if city_name == county.current_name:
        city_name = ""
    return f"{names.get(code[:2], '')}{city_name}{county.current_name}"


def ever_used(code: str) -> bool:
    """Whether the 6-digit code has been a county-level (or city-level) code at any time."""
    entries, _names = _table()
    return code in entries
