"""拟就读技工院校人员名单及就读专业或技工院校意向 (黑人社发〔2019〕10号 十)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetRequest
from fupin_desktop.services.sheets.people import wish_list


def build_school_list(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """拟就读技工院校人员名单及就读专业或技工院校意向 (黑人社发〔2019〕10号 十)."""
    return wish_list(
        session,
        request,
        profile,
        today,
        kind="school",
        code="school_list",
        title="拟就读技工院校人员名单",
        wish_columns=[Column("major", "就读专业意向", 8), Column("school", "技工院校意向", 9)],
        wishes=lambda due: [due.major or "", due.school or ""],
    )
