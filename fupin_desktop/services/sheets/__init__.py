"""The summary sheets of the seeds: one module per form (columns, header tree, how rows are read).

A definition builds a ``SheetContent`` that both writers draw. Person lists (``people``) read the
intentions due on that sheet (公示期满, or 已上报 on another sheet only) with one joined query into
named rows; period totals (``totals``) group and add up the figures of ``services/figures.py``
(docs/figures.md). Every sheet covers one area (``resolve_scope``) and one real period
(``default_period``). ``forms`` lists them; this package re-exports what callers import.
"""

from __future__ import annotations

from fupin_desktop.domain.clock import chinese_date
from fupin_desktop.services.figures import Period
from fupin_desktop.services.sheets.common import (
    BuiltSheet,
    Scope,
    SheetForm,
    SheetRequest,
    default_period,
    province_of,
    resolve_scope,
    sign_off,
)
from fupin_desktop.services.sheets.forms import FORMS, build_sheet, main_sheet, profile_forms, sheet_form
from fupin_desktop.services.sheets.people import DueRow
from fupin_desktop.services.sheets.progress_henan import build_progress_henan
from fupin_desktop.services.sheets.progress_school import build_progress_school
from fupin_desktop.services.sheets.progress_shandong import build_progress_shandong
from fupin_desktop.services.sheets.progress_training import build_progress_training
from fupin_desktop.services.sheets.register_summary import build_register_summary
from fupin_desktop.services.sheets.school_list import build_school_list
from fupin_desktop.services.sheets.training_list import build_training_list

__all__ = [
    "FORMS",
    "BuiltSheet",
    "DueRow",
    "Period",
    "Scope",
    "SheetForm",
    "SheetRequest",
    "build_progress_henan",
    "build_progress_school",
    "build_progress_shandong",
    "build_progress_training",
    "build_register_summary",
    "build_school_list",
    "build_sheet",
    "build_training_list",
    "chinese_date",
    "default_period",
    "main_sheet",
    "profile_forms",
    "province_of",
    "resolve_scope",
    "sheet_form",
    "sign_off",
]
