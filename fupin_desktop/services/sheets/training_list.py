"""拟参加培训人员名单及培训职业（工种）意向 (黑人社发〔2019〕10号 十)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.export.sheet import Column
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetRequest, code_names
from fupin_desktop.services.sheets.people import wish_list


def build_training_list(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    """拟参加培训人员名单及培训职业（工种）意向 (黑人社发〔2019〕10号 十)."""
    training_type = code_names("training_type")
    return wish_list(
        session,
        request,
        profile,
        today,
        kind="training",
        code="training_list",
        title="拟参加培训人员名单",
        wish_columns=[Column("occupation", "培训职业（工种）意向", 9), Column("training_type", "培训类型", 7)],
        wishes=lambda due: [due.occupation or "", training_type(due.training_type)],
    )
