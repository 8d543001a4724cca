"""Small typed results of use cases: what changed, and what the user should still be told."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fupin_desktop.domain.validation import Problem


@dataclass(frozen=True)
class Saved:
    """A record created or edited: its id and the warnings to show (errors were refused, not saved)."""

    id: uuid.UUID
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Removed:
    """A record deleted, with the kind of record it was (for the change signal)."""

    id: uuid.UUID
    entity: str
