"""Time in one place, so that tests and the demo can pin "today"."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """Naive UTC time for storage (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return date.today()


def age_on(birth: date, day: date) -> int:
    """Whole years of age on ``day`` (the birthday itself counts): the one age rule of the program."""
    return day.year - birth.year - int((day.month, day.day) < (birth.month, birth.day))


def chinese_date(day: date) -> str:
    """2026年11月22日 (Arabic numerals, no leading zeros, as on official documents)."""
    return f"{day.year}年{day.month}月{day.day}日"
