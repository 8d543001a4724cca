"""Schools offered first to a person: those paired with their county (黑人社发〔2019〕10号 附件1,
优质技工院校与重点贫困县（市）对接表), then the profile's other schools."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.profiles import ProvinceProfile
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.sheets import province_of
from fupin_desktop.store.models import Household, Person, Region


@dataclass(frozen=True)
class SchoolChoices:
    county: str | None = None
    paired: list[str] = field(default_factory=list)  # 结对院校 of the county, in the table's order
    others: list[str] = field(default_factory=list)

    @property
    def ordered(self) -> list[str]:
        return [*self.paired, *self.others]


def _same_county(region_name: str, listed: str) -> bool:
    """ "桦南县" matches "桦南县"; a region recorded without its suffix ("海伦") matches "海伦市" too."""
    return region_name == listed or region_name == listed.rstrip("县市")


def choices_for_county(province: ProvinceProfile, county: str | None) -> SchoolChoices:
    paired = [s.name for s in province.schools if county and any(_same_county(county, c) for c in s.counties)]
    others = [s.name for s in province.schools if s.name not in paired]
    return SchoolChoices(county, paired, others)


def county_of_village(session: Session, village_id: uuid.UUID) -> str | None:
    current: uuid.UUID | None = village_id
    while current is not None:
        row = session.execute(select(Region.level, Region.name, Region.parent_id).where(Region.id == current)).first()
        if row is None:
            return None
        if row[0] == "county":
            return str(row[1])
        current = row[2]
    return None


def school_choices(
    session: Session, *, person_id: uuid.UUID | None = None, village_id: uuid.UUID | None = None
) -> SchoolChoices:
    """The schools to offer for a person (or a village's template) under the active province profile."""
    if person_id is not None:
        village_id = session.scalar(
            select(Household.village_id).join(Person, Person.household_id == Household.id).where(Person.id == person_id)
        )
    county = county_of_village(session, village_id) if village_id is not None else None
    return choices_for_county(province_of(load_station_profile(session)), county)


def template_schools(session: Session, village_code: str | None) -> tuple[list[str], str]:
    """The 院校 drop-down of a village's blank sheet, paired schools first, and the prompt saying so."""
    village_id = session.scalar(select(Region.id).where(Region.code == village_code)) if village_code else None
    choices = school_choices(session, village_id=village_id)
    if not choices.paired:
        return choices.ordered, ""
    return choices.ordered, f"{choices.county}结对院校（列在最前）：{'、'.join(choices.paired)}；也可填写其他院校"
