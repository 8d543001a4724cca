"""The list of forms: each sheet's code, title, seed and builder, and which of them a province submits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.settings import StationProfile
from fupin_desktop.services.sheets.common import BuiltSheet, SheetForm, SheetRequest, province_of
from fupin_desktop.services.sheets.progress_henan import build_progress_henan
from fupin_desktop.services.sheets.progress_school import build_progress_school
from fupin_desktop.services.sheets.progress_shandong import build_progress_shandong
from fupin_desktop.services.sheets.progress_training import build_progress_training
from fupin_desktop.services.sheets.register_summary import build_register_summary
from fupin_desktop.services.sheets.school_list import build_school_list
from fupin_desktop.services.sheets.training_list import build_training_list

FORMS: dict[str, SheetForm] = {
    form.code: form
    for form in (
        SheetForm("register_summary", "精准扶贫对象登记汇总表", "山东 附件2", True, build_register_summary),
        SheetForm("training_list", "拟参加培训人员名单", "黑龙江 （十）", True, build_training_list),
        SheetForm("school_list", "拟就读技工院校人员名单", "黑龙江 （十）", True, build_school_list),
        SheetForm("progress_school", "技工院校技能脱贫攻坚进展情况表", "黑龙江 附件2", False, build_progress_school),
        SheetForm(
            "progress_training", "技能培训技能脱贫攻坚进展情况表", "黑龙江 附件3", False, build_progress_training
        ),
        SheetForm(
            "progress_shandong", "全省技工院校服务脱贫攻坚工作进展情况表", "山东 附件1", False, build_progress_shandong
        ),
        SheetForm(
            "progress_henan",
            "技能脱贫千校行动进展情况表",
            "河南 附件",
            False,
            build_progress_henan,
            "豫人社〔2017〕57号要求每年11月底前报送，但未附列目：列目取自黑龙江附件2与山东附件1的进展统计口径。",
        ),
    )
}


def profile_forms(province: ProvinceProfile) -> list[SheetForm]:
    """The sheets the active province submits, its main sheet first; every form when it names none."""
    listed = [FORMS[code] for code in province.sheets if code in FORMS]
    return listed or list(FORMS.values())


def main_sheet(profile: StationProfile) -> str:
    """The code of the active province's main sheet (the first its profile lists)."""
    return profile_forms(province_of(profile))[0].code


def sheet_form(code: str) -> SheetForm:
    try:
        return FORMS[code]
    except KeyError:
        known = "、".join(FORMS)
        raise ServiceError(f"没有名为“{code}”的上报表；可用的有：{known}") from None


def build_sheet(session: Session, request: SheetRequest, profile: StationProfile, today: date) -> BuiltSheet:
    return sheet_form(request.sheet).build(session, request, profile, today)
