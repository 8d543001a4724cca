"""The next report deadline of the active province (上报 page and status bar), from 15 days before.

山东 6/15 and 12/15, 黑龙江 6/10 and 12/10, 河南 11月底, 济南 9月底 come from the profiles' seeds. A
reminder names the sheets due and the period they cover; it clears once every one of those sheets
has been sealed for that period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.domain.workflow import chinese_date
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.sheets import default_period, profile_forms, province_of
from fupin_desktop.store.models import Submission

REMIND_DAYS = 15


@dataclass(frozen=True)
class Reminder:
    deadline: date
    days_left: int
    what: str  # the deadline's title in the profile
    sheets: tuple[str, ...]  # titles of the sheets still to seal
    period_start: date
    period_end: date

    @property
    def text(self) -> str:
        when = "今天截止" if self.days_left == 0 else f"还有{self.days_left}天"
        sheets = "、".join(self.sheets)
        return (
            f"上报截止：{chinese_date(self.deadline)}（{when}）— {sheets}，"
            f"统计期间{chinese_date(self.period_start)}至{chinese_date(self.period_end)}"
        )


def _due_codes(province: ProvinceProfile) -> list[tuple[str, str]]:
    """The period sheets the profile reports on its deadlines (code, title)."""
    return [(f.code, f.title) for f in profile_forms(province) if not f.people]


def _sealed_for(session: Session, code: str, start: date, since: date) -> bool:
    """Whether a sheet of ``code`` was sealed for the period starting ``start`` and ending on or after
    ``since`` (so that June's half-year sheet, also starting 1 January, does not clear December's)."""
    snapshots = session.scalars(select(Submission.snapshot).where(Submission.sheet_code == code))
    for snapshot in snapshots:
        params = json.loads(snapshot).get("params", {})
        if params.get("start") == start.isoformat() and params.get("end", "") >= since.isoformat():
            return True
    return False


def next_reminder(session: Session, today: date) -> Reminder | None:
    """The reminder to show today, or None (no deadline within 15 days, or everything due is sealed)."""
    province = province_of(load_station_profile(session))
    upcoming = province.next_deadlines(today, 1)
    if not upcoming:
        return None
    deadline, what = upcoming[0]
    days_left = (deadline - today).days
    if days_left > REMIND_DAYS:
        return None
    start, end = default_period(min(today, deadline), province)
    yearly = len(province.report_deadlines) == 1
    since = date(deadline.year, 1 if yearly or deadline.month <= 6 else 7, 1)
    due = _due_codes(province)
    open_titles = tuple(title for code, title in due if not _sealed_for(session, code, start, since))
    if due and not open_titles:
        return None
    return Reminder(deadline, days_left, what, open_titles or (what,), start, min(end, deadline))
