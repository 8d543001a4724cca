"""The rejected rows, back to the village: the refused rows in the template layout, each with its
退回原因, written under a temporary name and renamed only when complete."""

from __future__ import annotations

import errno
import uuid
from collections.abc import Sequence
from pathlib import Path

from fupin_desktop.domain.village_sheet import CellProblem
from fupin_desktop.export.village_template import VillageSheetRowOut, VillageTitle, write_village_sheet
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.village_apply import ImportReport
from fupin_desktop.services.village_plan import ImportPlan
from fupin_desktop.services.village_read import VillageSheet


def rejected_path(source: Path) -> Path:
    """ "…-退回.xlsx" next to the input."""
    return source.with_name(f"{source.stem}-退回.xlsx")


class RejectedFileError(ServiceError):
    """The 退回 file could not be saved (full disk, open in Excel); nothing half-written is left behind."""


def write_rejected_rows(
    plan: ImportPlan,
    problems: Sequence[CellProblem],
    target: Path | None = None,
    *,
    imported: int | None = None,
) -> Path | None:
    """The rejected rows in the template layout, each with its 退回原因; None when nothing was rejected.

    The village's own title rows and 填表人 / 联系电话 / 填表日期 lines are kept. The file is written under
    a temporary name and renamed only when complete; a failure raises RejectedFileError saying whether
    ``imported`` households (None: not asked) went into the database all the same."""
    rows = plan.rejected_rows()
    if not rows:
        return None
    by_row = plan.problems_by_row(problems)
    home = {m.where: h.sheet for h in plan.households for m in h.sheet.members}
    out: list[VillageSheetRowOut] = []
    for person in rows:
        own = [p for p in by_row.get(person.where, []) if p.is_error]
        place = f"工作表“{person.sheet}”" if person.sheet else ""
        reason = "\n".join(f"原{place}第{person.row}行 {_where(p)}{p.message}" for p in own)
        if not reason:
            reason = "同户其他成员有错误，整户退回"
        keys = {_key_of(plan.parsed, p, person.sheet_index) for p in own}
        values = dict(person.values)
        household = home.get(person.where)
        if household is not None:
            values["household_no"] = household.household_no or values.get("household_no", "")
            if not values.get("village_group") and household.facts.village_group:
                values["village_group"] = household.facts.village_group
        out.append(VillageSheetRowOut(values, reason, {k for k in keys if k}, person.row))
    title = VillageTitle(plan.village.name, plan.village.code or "", plan.village.name)
    parts = plan.parsed.parts
    original = next((part.title_rows for part in parts if part.title_rows), [])
    footer = next((part.footer_rows for part in parts if part.footer_rows), [])
    destination = Path(target or rejected_path(plan.parsed.path))
    partial = destination.with_name(f"~{destination.stem}.{uuid.uuid4().hex[:8]}.part")
    try:
        write_village_sheet(partial, title, out, with_reason=True, original_title=original, footer=footer)
        partial.replace(destination)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise RejectedFileError(_rejected_file_message(destination, error, imported)) from None
    return destination


def send_back(plan: ImportPlan, report: ImportReport, target: Path | None = None) -> ImportReport:
    """The 退回 file for what ``report`` refused — after an import, a refusal or a dry run, even when every
    household has errors. A failure to save it is kept on the report (the import itself stands)."""
    imported = sum(1 for p in plan.households if not p.rejected) if report.written else 0
    try:
        report.rejected_file = write_rejected_rows(plan, report.problems, target, imported=imported)
    except RejectedFileError as error:
        report.rejected_error = str(error)
    return report


def _rejected_file_message(destination: Path, error: OSError, imported: int | None) -> str:
    if error.errno == errno.ENOSPC:
        why = "磁盘空间已满"
    elif isinstance(error, PermissionError):
        why = "没有写入权限，或同名文件正在Excel/WPS中打开（请关闭后再试）"
    else:
        why = error.strerror or str(error)
    text = f"退回表“{destination.name}”没有保存：{why}。没有留下不完整的文件"
    if imported is not None:
        text += f"；无误的{imported}户已经导入数据库" if imported else "；没有导入任何数据"
    return text + "。请腾出空间或换一个文件夹后，重新生成退回表。"


def _where(problem: CellProblem) -> str:
    return f"【{problem.column_label}】" if problem.column_label else ""


def _key_of(parsed: VillageSheet, problem: CellProblem, sheet_index: int) -> str | None:
    if problem.column is None:
        return None
    for key, position in parsed.parts[sheet_index].columns.positions.items():
        if position + 1 == problem.column:
            return key
    return None
