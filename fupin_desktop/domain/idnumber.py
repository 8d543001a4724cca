"""居民身份证号 (GB 11643-1999) as a value object.

The check character comes from python-stdnum's ``cn.ric``, and the area codes from its table; its
area-code check does not. stdnum refuses a number whose county was created after the birth year,
yet such numbers are normal: a number is issued when a person is first registered, often years
after birth, and a county re-coded in 1997 gives that code to everyone first registered there since.
The rule here (DESIGN.md): a code that has existed at any time is accepted silently, whatever the
birth year; only a code never used anywhere is a warning; neither is ever an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Final

from stdnum.cn import ric

from fupin_desktop.domain import area_codes, clock

__all__ = ["IdNumber", "IdNumberError", "make_id_number"]

LABEL: Final = "身份证号"
LENGTH: Final = 18
FIRST_GENERATION_LENGTH: Final = 15
EARLIEST_BIRTH_YEAR: Final = 1900

# Full-width digits and X come from Chinese input methods; lower-case x from typing by hand.
_NORMALISE: Final = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X"})
_ASCII_DIGITS: Final = frozenset("0123456789")


class IdNumberError(ValueError):
    """A 身份证号 that cannot be accepted; ``str()`` is the Chinese message shown to the user."""



def mask_id(id_number: str | None) -> str:
    """First 6 and last 4 characters (DESIGN.md: internal sheets may carry an ID masked like this); a text
    of 10 characters or fewer is shown as it is."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return id_number
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"

@dataclass(frozen=True)
class IdNumber:
    """A checked 18-character number with what it encodes: birth date, sex and area code.

    ``warnings`` holds doubts that do not make the number invalid (an unknown area code).
    Build one with :meth:`parse`; direct construction only checks that the parts agree.
    """

    value: str
    birth_date: date
    sex: str
    area_code: str
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Guards against hand-built instances that would bypass parse(); cheap and local.
        if (
            len(self.value) != LENGTH
            or not _all_digits(self.value[:-1])
            or ric.calc_check_digit(self.value) != self.value[-1]
            or self.area_code != self.value[:6]
            or _date_digits(self.birth_date) != self.value[6:14]
            or self.sex != _sex_of(self.value)
        ):
            raise IdNumberError(f"{LABEL}“{self.value}”与其出生日期、性别或地区码不一致")

    @classmethod
    def parse(cls, text: str, *, today: date | None = None) -> IdNumber:
        """Check and normalise what the user typed; raise :class:`IdNumberError` if unusable.

        ``today`` bounds the birth date (defaults to the domain clock, so tests can pin it).
        An import checks each number several times (the member, the household, the birth date
        column): the result for a number and a day is remembered, so the work is done once.
        """
        if text.isascii() and text.isalnum():  # the usual: nothing to fold but a lower-case x
            value = text.upper()
        else:
            value = "".join(text.split()).translate(_NORMALISE).upper()
        return _parse(value, today if today is not None else clock.today())

    @classmethod
    def _checked(cls, value: str, today: date) -> IdNumber:
        if not value:
            raise IdNumberError(f"{LABEL}不能为空，请按户口簿填写")
        if len(value) == FIRST_GENERATION_LENGTH and _all_digits(value):
            raise IdNumberError(f"{LABEL}为15位的第一代号码，已停止使用，请填写18位号码（可在户口簿上查到）")
        if len(value) != LENGTH:
            raise IdNumberError(f"{LABEL}应为18位，现为{len(value)}位")
        body = value[:-1]
        if not (body.isascii() and body.isdigit()):  # the usual number: no character to name
            for position, char in enumerate(body, start=1):
                if char not in _ASCII_DIGITS:
                    raise IdNumberError(f"{LABEL}“{value}”第{position}位“{char}”不是数字，前17位应全为数字")
        if value[-1] not in _ASCII_DIGITS and value[-1] != "X":
            raise IdNumberError(f"{LABEL}“{value}”最后一位“{value[-1]}”应为数字或X")

        digits = value[6:14]
        try:
            birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            raise IdNumberError(f"{LABEL}“{value}”中的出生日期{digits}不存在") from None

        if value[-1] != ric.calc_check_digit(value):
            # No "correct" last digit is suggested: the typo is usually among the first 17.
            raise IdNumberError(f"{LABEL}“{value}”校验位不符（最后一位与前17位对不上），请对照户口簿逐位核对")

        if birth.year < EARLIEST_BIRTH_YEAR:
            raise IdNumberError(f"{LABEL}“{value}”中的出生日期{digits}早于1900年，请核对")
        if birth > today:
            raise IdNumberError(f"{LABEL}“{value}”中的出生日期{digits}晚于今天，请核对")

        # Every part has just been checked: the instance is filled in as the dataclass's own
        # __init__ would, without __post_init__ checking the same number a second time.
        number = object.__new__(cls)
        for name, part in (
            ("value", value),
            ("birth_date", birth),
            ("sex", _sex_of(value)),
            ("area_code", value[:6]),
            ("warnings", _area_warnings(value[:6], birth.year)),
        ):
            object.__setattr__(number, name, part)
        return number

    def age_on(self, day: date) -> int:
        """Age in full years on ``day`` (the birthday itself counts)."""
        return clock.age_on(self.birth_date, day)

    def masked(self) -> str:
        """First 6 and last 4 characters, for internal sheets that must not show the whole number."""
        return mask_id(self.value)

    def __str__(self) -> str:
        return self.value


@lru_cache(maxsize=8192)
def _parse(value: str, today: date) -> IdNumber:
    # IdNumber is immutable, so one instance can serve every caller; refusals are not remembered.
    return IdNumber._checked(value, today)


def make_id_number(area_code: str, birth: date, sequence: int) -> str:
    """A valid number for synthetic data: odd ``sequence`` gives 男, even gives 女."""
    if len(area_code) != 6 or not _all_digits(area_code):
        raise ValueError(f"地区码应为6位数字：{area_code!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"顺序码应在0–999之间：{sequence}")
    if birth.year < 1000:  # the number holds a four-digit year; earlier years are kept for tests
        raise ValueError(f"出生日期超出范围：{birth.isoformat()}")
    body = f"{area_code}{_date_digits(birth)}{sequence:03d}"
    # calc_check_digit ignores the last character, so any placeholder will do.
    return body + ric.calc_check_digit(body + "0")


def _all_digits(text: str) -> bool:
    # str.isdigit() would also accept full-width and other scripts' digits.
    return bool(text) and all(char in _ASCII_DIGITS for char in text)


def _date_digits(day: date) -> str:
    # Not strftime: "%Y" is not zero-padded below year 1000 on every platform.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _sex_of(value: str) -> str:
    return "男" if int(value[16]) % 2 == 1 else "女"


@lru_cache(maxsize=4096)
def _area_warnings(area_code: str, birth_year: int) -> tuple[str, ...]:
    """A warning only for a code that no county has ever had (the birth year does not matter)."""
    if area_codes.ever_used(area_code):
        return ()
    return (f"{LABEL}前6位地区码{area_code}不在已知区划表中，请核对",)
