"""The village-sheet import as use cases that own their transaction (the stages stay in village_import)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.services.accounts import Who, actor_name, permit, permit_in_villages
from fupin_desktop.services.village_import import (
    ImportPlan,
    ImportReport,
    Progress,
    import_village_file,
)
from fupin_desktop.store.collector import collector_paused
from fupin_desktop.store.db import Database
from fupin_desktop.store.locks import IMPORT_TURN, IMPORT_WAIT, take_turn
from fupin_desktop.store.uow import UnitOfWork


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: the plan it followed (for the rejected rows) and the report to show."""

    plan: ImportPlan
    report: ImportReport


def import_village(
    database: Database,
    *,
    actor: Who,
    path: Path,
    village_code: str | None = None,
    dry_run: bool = False,
    valid_only: bool = False,
    on: date | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Read, check and write a village sheet in one transaction: all of it, or (``valid_only``) the
    households without errors; nothing at all when the sheet is refused or this is a dry run."""
    with collector_paused(), UnitOfWork(database, actor_name(actor)) as uow:  # the commit too: store/collector.py
        session = uow.session
        permit(session, actor, Capability.IMPORT_VILLAGE)
        if not dry_run:  # another client's import of the same moment goes first; this one then reads its result
            take_turn(session, IMPORT_TURN, IMPORT_WAIT)

        def own_village_only(village_id: uuid.UUID) -> None:
            permit_in_villages(session, actor, Capability.IMPORT_VILLAGE, {village_id})

        plan, report = import_village_file(
            uow,
            path,
            village_code=village_code,
            dry_run=dry_run,
            valid_only=valid_only,
            on=on,
            progress=progress,
            village_check=own_village_only,
        )
        if report.written:
            uow.commit()
    return ImportOutcome(plan, report)
