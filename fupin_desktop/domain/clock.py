"""Time in one place, so that tests and the demo can pin "today"."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """Naive UTC time for storage (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return date.today()
