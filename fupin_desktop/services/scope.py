"""What an actor may see (查看范围): a 村级录入员 reads only the village of their account.

Every read that lists, finds, counts, exports or prints people passes its region through
:func:`visible_region` with the actor (the filters carry it as ``viewer``), so the limit holds in the
services whatever the window shows; every other role, a legacy actor and a read with no actor see
the whole area.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.services.accounts import Who, actor_name, village_scope
from fupin_desktop.services.errors import PermissionDenied
from fupin_desktop.store.models import Household, Region


def _village_ids_under(session: Session, region_id: uuid.UUID) -> set[uuid.UUID]:
    rows = session.execute(select(Region.id, Region.parent_id, Region.level)).all()
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    level = {rid: lvl for rid, _parent, lvl in rows}
    for rid, parent, _lvl in rows:
        children.setdefault(parent, []).append(rid)
    found: set[uuid.UUID] = set()
    stack = [region_id]
    while stack:
        current = stack.pop()
        if level.get(current) == "village":
            found.add(current)
        stack.extend(children.get(current, []))
    return found


def visible_region(session: Session, viewer: Who | None, requested: uuid.UUID | None) -> uuid.UUID | None:
    """The region a read covers: ``requested`` (None: everything), except for a 村级录入员, whose read
    covers their own village — asked for nothing or for an area containing it — and is refused for any
    other region."""
    if viewer is None:
        return requested
    own = village_scope(session, viewer)
    if own is None:
        return requested
    if requested is None or requested == own or own in _village_ids_under(session, requested):
        return own
    raise _refusal(session, viewer, own)


def _refusal(session: Session, viewer: Who, village: uuid.UUID) -> PermissionDenied:
    name = session.scalar(select(Region.name).where(Region.id == village))
    where = f"本村（{name}）" if name else "本村"
    return PermissionDenied(f"村级录入员只能查看{where}的农户和成员（账号“{actor_name(viewer)}”）。")


def refuse_outside_scope(session: Session, viewer: Who | None, household_id: uuid.UUID) -> None:
    """A 村级录入员 asking for one household (a printout, a panel) of another village is refused."""
    if viewer is None:
        return
    own = village_scope(session, viewer)
    if own is None:
        return
    village = session.scalar(select(Household.village_id).where(Household.id == household_id))
    if village is not None and village != own:
        raise _refusal(session, viewer, own)


def visible_regions(session: Session, viewer: Who | None) -> set[uuid.UUID] | None:
    """The regions a tree or picker shows the viewer: for a 村级录入员, their village and its ancestors
    (so that the tree keeps its county → township → village shape); None: every region."""
    own = village_scope(session, viewer) if viewer is not None else None
    if own is None:
        return None
    parents: dict[uuid.UUID, uuid.UUID | None] = {
        rid: parent for rid, parent in session.execute(select(Region.id, Region.parent_id))
    }
    shown: set[uuid.UUID] = set()
    current: uuid.UUID | None = own
    while current is not None and current not in shown:
        shown.add(current)
        current = parents.get(current)
    return shown
