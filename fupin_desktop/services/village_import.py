"""Importing a village sheet: read, check every row, and write all of it in one transaction — or,
with ``valid_only``, the clean households, sending the rejected rows back as an xlsx.

Four stages, one module each, so that the window can show a preview before anything is written:

* reading the file alone — services/village_read.py (``read_village_file``);
* what the database already knows (read-only) — services/village_lookup.py (``known_to_database``);
* planning, pure — services/village_plan.py (``plan_sheet``): what would be added, updated, refused;
* applying — services/village_apply.py (``apply_import``): the writes, through the household and
  intention services, each one audited, a savepoint per household;
* and the rejected rows back to the village — services/village_rejected.py (``send_back``).

Importing the same sheet twice changes nothing: people are matched by ID number, households by 户编号
within the village — or, for a sheet without 户编号, by their members' ID numbers — and differences
become ordinary audited edits. This module joins the stages and keeps the names callers import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from fupin_desktop.domain.clock import today as clock_today
from fupin_desktop.services.village_apply import ImportReport, Progress, apply_import
from fupin_desktop.services.village_lookup import known_to_database, resolve_village, template_title
from fupin_desktop.services.village_plan import (
    ImportPlan,
    KnownToDatabase,
    PlannedHousehold,
    PreviewRow,
    VillageRef,
    plan_sheet,
)
from fupin_desktop.services.village_read import ParsedSheet, VillageSheet, read_village_file
from fupin_desktop.services.village_rejected import (
    RejectedFileError,
    rejected_path,
    send_back,
    write_rejected_rows,
)
from fupin_desktop.store.collector import collector_paused
from fupin_desktop.store.uow import UnitOfWork


def plan_import(
    session: Session, parsed: VillageSheet, *, village_code: str | None = None, on: date | None = None
) -> ImportPlan:
    """Check the parsed sheet against the database (reads only): what would be added, updated, refused."""
    with collector_paused():  # tens of thousands of objects, all kept: store/collector.py
        village = resolve_village(session, parsed.title_text, village_code)
        return plan_sheet(parsed, village, known_to_database(session, parsed, village), on or clock_today())


def import_village_file(
    uow: UnitOfWork,
    path: Path,
    *,
    village_code: str | None = None,
    dry_run: bool = False,
    valid_only: bool = False,
    on: date | None = None,
    progress: Progress | None = None,
    village_check: Callable[[uuid.UUID], None] | None = None,
) -> tuple[ImportPlan, ImportReport]:
    """Read, check and (unless ``dry_run``) write; the caller commits when ``report.written``.
    ``village_check`` may refuse the sheet's village (a 村级录入员's) before anything is written."""
    with collector_paused():  # tens of thousands of objects, all kept: store/collector.py
        parsed = read_village_file(path)
        plan = plan_import(uow.session, parsed, village_code=village_code, on=on)
        if village_check is not None:
            village_check(plan.village.id)
        if dry_run:
            report = ImportReport(plan.village, problems=list(plan.problems), dry_run=True)
            report.count(plan, [p for p in plan.households if not p.rejected])
            return plan, report
        return plan, apply_import(uow, plan, valid_only=valid_only, on=on, progress=progress)


__all__ = [
    "ImportPlan",
    "ImportReport",
    "KnownToDatabase",
    "ParsedSheet",
    "PlannedHousehold",
    "PreviewRow",
    "Progress",
    "RejectedFileError",
    "VillageRef",
    "VillageSheet",
    "apply_import",
    "import_village_file",
    "plan_import",
    "read_village_file",
    "rejected_path",
    "resolve_village",
    "send_back",
    "template_title",
    "write_rejected_rows",
]
