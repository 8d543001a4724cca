"""The one writer of workflow steps: the step row, the intention's new state, the audit entry and the
change-log entries of every step an intention takes, whoever takes it.

The 意愿 page, the 公示 and 上报 services (through ``intentions.transition``), a village import's new
wishes and the demo's histories all hand their steps to :func:`write_steps`. The domain
(``domain/workflow.py``) says whether a step exists and what the intention's columns become; this
module writes them with one executemany per table, so a county's 50,000 steps cost what one does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from fupin_desktop.domain.workflow import STATE_LABELS, State, first_step_refusal, state_fields, step_refusal
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.bulk import insert_rows
from fupin_desktop.store.chain import PendingEntry
from fupin_desktop.store.changes import record_updates
from fupin_desktop.store.models import Intention, IntentionTransition

__all__ = ["AuditSink", "Step", "write_steps"]

AuditSink = Callable[[list[PendingEntry]], None]
"""Where the steps' audit entries go: ``UnitOfWork.audit_entries``, or ``chain.append`` for the demo."""

_STEP_COLUMNS = ("id", "intention_id", "from_state", "to_state", "at", "operator", "reason")
_STATE_COLUMNS = ("state", "state_changed_at", "locked", "updated_by", "updated_at")
_CHUNK = 500


@dataclass(frozen=True)
class Step:
    """One step of one intention: from ``source`` (None: its first step, 登记) to ``target``."""

    intention_id: uuid.UUID
    source: State | None
    target: State
    at: datetime
    operator: str
    reason: str | None = None
    # A first step's audit text: who and what the new intention is ("王建国 培训").
    described: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def write_steps(
    session: Session,
    steps: Sequence[Step],
    *,
    audit: AuditSink,
    loaded: Mapping[uuid.UUID, Intention] | None = None,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> None:
    """Write ``steps`` in their order. An intention's first step belongs to an intention row the caller
    has just inserted with :func:`state_fields` of that step; every later step moves the row. ``loaded``:
    ORM objects of the intentions, which take their new state at once (as committed values, so that the
    session does not write them again). A step the state machine does not allow, or one that does not
    start where the intention stands, is refused with nothing written."""
    if not steps:
        return
    loaded = loaded or {}
    first: dict[uuid.UUID, dict[str, object]] = {}  # the columns the caller inserted with
    final: dict[uuid.UUID, dict[str, object]] = {}
    entries: list[PendingEntry] = []
    for step in steps:
        reason = (step.reason or "").strip() or None
        if step.source is None:
            refusal = first_step_refusal(step.target)
        else:
            refusal = step_refusal(step.source, step.target, reason)
        if refusal is not None:
            raise ServiceError(refusal)
        standing = final.get(step.intention_id)
        if standing is not None and (step.source is None or standing["state"] != step.source.value):
            raise ServiceError(f"意愿已处于“{STATE_LABELS[State(str(standing['state']))]}”，步骤顺序有误")
        fields = state_fields(step.target, step.at, step.operator)
        if step.source is None:
            first[step.intention_id] = fields
            action, column, old, new = "create", None, None, step.described
        else:
            action, column, old, new = "update", "state", STATE_LABELS[step.source], STATE_LABELS[step.target]
        final[step.intention_id] = fields
        entries.append(
            (new_id(), step.at, step.operator, action, "intention", step.intention_id, column, old, new or None)
        )
    moved = [intention_id for intention_id in final if final[intention_id] is not first.get(intention_id)]
    before = _standing(session, [i for i in moved if i not in first], loaded)
    before.update(first)
    table: Table = Intention.__table__
    if moved:
        session.execute(
            update(table).where(table.c.id == bindparam("moved_id")),
            [{"moved_id": intention_id, **final[intention_id]} for intention_id in moved],
        )
        record_updates(
            session,
            table,
            (
                (intention_id, name, before[intention_id][name], final[intention_id][name])
                for intention_id in moved
                for name in _STATE_COLUMNS
            ),
        )
        for intention_id in moved:
            intention = loaded.get(intention_id)
            if intention is not None:
                for name, value in final[intention_id].items():
                    set_committed_value(intention, name, value)
    rows = [
        (s.id, s.intention_id, s.source.value if s.source else None, s.target.value, s.at, s.operator,
         (s.reason or "").strip() or None)
        for s in steps
    ]  # fmt: skip
    insert_rows(session, IntentionTransition.__table__, _STEP_COLUMNS, rows)  # with their change-log creates
    audit(entries)


def _standing(
    session: Session, ids: Sequence[uuid.UUID], loaded: Mapping[uuid.UUID, Intention]
) -> dict[uuid.UUID, dict[str, object]]:
    """The state columns of intentions as they stand before the steps (for the change log)."""
    found = {i: {name: getattr(loaded[i], name) for name in _STATE_COLUMNS} for i in ids if i in loaded}
    missing = [i for i in ids if i not in found]
    table: Table = Intention.__table__
    for chunk in _chunks(missing):
        query = select(table.c.id, *(table.c[name] for name in _STATE_COLUMNS)).where(table.c.id.in_(chunk))
        for row in session.execute(query):
            found[row[0]] = dict(zip(_STATE_COLUMNS, row[1:], strict=True))
    absent = [i for i in missing if i not in found]
    if absent:
        raise ServiceError("该意愿已不存在（可能已在其他窗口删除），请刷新列表。")
    return found


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
