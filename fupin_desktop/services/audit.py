"""Reading the audit table: the history of one record, for the 修改记录 view of a form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.store.models import AuditEntry, Operator

ACTION_NAMES = {"create": "新增", "update": "修改", "delete": "删除", "move": "迁移"}
_EXTRA_LABELS = {
    "household": "所在户",
    "intention": "意愿",
    "raised_by": "反映人",
    "method": "方式",
    "raised_on": "反映日期",
    "content": "内容",
}


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    operator: str
    action: str  # 新增 / 修改 / 删除 / 迁移
    field: str  # the Chinese label, "" for the whole record
    old_value: str
    new_value: str


def shown_names(session: Session) -> dict[str, str]:
    """How the history shows an account: "李审核（reviewer）" for each login with a display name."""
    return {
        name: f"{display}（{name}）"
        for name, display in session.execute(select(Operator.name, Operator.display_name))
        if display and display != name
    }


def audit_history(session: Session, entity: str, entity_ids: list[uuid.UUID]) -> list[AuditRow]:
    """Every audit entry of these records (a household, or a household and its members), newest first. An
    account is shown by its display name with its login; an older free-text name as it was written."""
    if not entity_ids:
        return []
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id.in_(entity_ids))
        .order_by(AuditEntry.at.desc(), AuditEntry.id)
    )
    shown = shown_names(session)
    return [
        AuditRow(
            at=row.at,
            operator=shown.get(row.operator, row.operator),
            action=ACTION_NAMES.get(row.action, row.action),
            field=field_label(row.field),
            old_value=row.old_value or "",
            new_value=row.new_value or "",
        )
        for row in rows
    ]


def field_label(field: str | None) -> str:
    if not field:
        return ""
    return FIELD_LABELS.get(field) or _EXTRA_LABELS.get(field, field)
