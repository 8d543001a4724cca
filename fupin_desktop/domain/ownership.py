"""归属: which site may change which record, so that a package never changes what its sender does not own.

- A village or field laptop keeps the households of its area: their members, visits and intentions
  while they are being registered and put forward (登记, 推荐). A laptop not told its area
  (``package site --region``) keeps field records anywhere, and nothing else.
- The station keeps everything of its township: the review, 公示, objections, subsidies, regions and
  the seals (the ``locked`` flags), besides the field records it enters itself.
- The county keeps only the records it made itself; anything else it sends is a request to the owner.

A change outside these rules is a proposal for the owner, never applied by itself. No Qt, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE_KINDS = ("village", "field", "station", "county")
FIELD_ENTITIES = frozenset({"household", "person", "visit", "visit_change", "intention", "intention_transition"})
# Fields of field records that only the station sets: the workflow state (审核, 公示, 上报) and the seal.
STATION_FIELDS: dict[str, frozenset[str]] = {
    "person": frozenset({"locked"}),
    "intention": frozenset({"locked"}),
}
FIELD_STATES = frozenset({"DRAFT", "REFERRED", "WITHDRAWN"})  # the steps a village may take itself


@dataclass(frozen=True)
class Change:
    """What ownership needs to know of one change."""

    entity: str
    field: str | None  # None for a whole record (create or delete)
    in_area: bool  # the record's village lies in the site's area (True when the site has no area)
    made_by_site: bool  # the record was created by this same site
    to_state: str | None = None  # an intention step's new state (a create of ``intention_transition``)
    state: str | None = None  # an intention's new state (its create, or an update of ``state``)


def owns(kind: str, change: Change) -> bool:
    """Whether a site of ``kind`` may make ``change`` (on its own, or through a package)."""
    if kind == "station":
        return True
    if kind == "county":
        return change.made_by_site
    if change.entity not in FIELD_ENTITIES or not change.in_area:
        return False
    if change.field is not None and change.field in STATION_FIELDS.get(change.entity, frozenset()):
        return False
    if change.entity == "intention_transition" and change.field is None:
        return change.to_state is None or change.to_state in FIELD_STATES
    if change.entity == "intention" and change.field in (None, "state") and change.state is not None:
        return change.state in FIELD_STATES
    return True


def owner_label(kind: str) -> str:
    """Who decides a proposal: the one that owns such records."""
    return {"village": "村委会笔记本", "field": "外业笔记本", "station": "人社所", "county": "县局"}.get(kind, kind)
