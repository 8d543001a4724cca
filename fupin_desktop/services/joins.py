"""The joins that most queries share: from an intention to its person, the person's household and the
household's village — written once, so that every list, sheet and check reads them the same way."""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, FromClause, Select
from sqlalchemy.orm import InstrumentedAttribute

from fupin_desktop.store.models import Household, Intention, Person, Region

__all__ = ["with_households", "with_people"]

_Columns = TypeVarTuple("_Columns")
Village = type[Region] | FromClause
"""The region table to join as the household's village: ``Region``, or an alias of its table."""


def with_people(query: Select[*_Columns], *, village: Village | None = None) -> Select[*_Columns]:
    """``query`` over intentions joined to each intention's person and household (and, with ``village``,
    the household's village)."""
    return with_households(query.join(Person, Intention.person_id == Person.id), village=village)


def with_households(query: Select[*_Columns], *, village: Village | None = None) -> Select[*_Columns]:
    """``query`` over people joined to each person's household (and, with ``village``, its village)."""
    joined = query.join(Household, Person.household_id == Household.id)
    if village is None:
        return joined
    return joined.join(village, Household.village_id == _id_of(village))


def _id_of(village: Village) -> ColumnElement[Any] | InstrumentedAttribute[Any]:
    if isinstance(village, FromClause):
        return village.c.id
    return village.id
