"""What the database already knows about a village sheet: its village, the village's households, the
people whose ID numbers it holds (wherever they are registered), who is sealed, which wishes are in
progress — read once, in a few chunked queries, so that planning (services/village_plan.py) needs no
session."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from fupin_desktop.domain.workflow import ACTIVE
from fupin_desktop.export.village_template import VillageTitle
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.households import household_facts
from fupin_desktop.services.intentions import IntentionInput
from fupin_desktop.services.joins import with_households
from fupin_desktop.services.village_plan import (
    ActiveIntention,
    KnownPerson,
    KnownToDatabase,
    StoredHousehold,
    VillageRef,
)
from fupin_desktop.services.village_read import VillageSheet
from fupin_desktop.services.village_read import id_key as _id_key
from fupin_desktop.store.models import Household, Intention, Person, Region

_CODE_RE = re.compile(r"(?<!\d)\d{12}(?!\d)")
_CHUNK = 900  # SQLite's bound on variables per statement, with room to spare


def resolve_village(session: Session, title_text: str, code: str | None) -> VillageRef:
    """The village named by ``code``, or else by the sheet's title rows (12-digit code or name)."""
    folded = unicodedata.normalize("NFKC", title_text)
    title_codes = [c for c in _CODE_RE.findall(folded) if not c.endswith("000")]
    if code:
        code = unicodedata.normalize("NFKC", code).strip()
        region = session.scalar(select(Region).where(Region.code == code))
        if region is None:
            raise ServiceError(f"区划代码“{code}”不在本数据库中：请先在区划中添加该村，或核对代码")
        if region.level != "village":
            raise ServiceError(f"区划代码“{code}”是{region.name}（不是村）：请指定村级的12位区划代码")
        others = [c for c in title_codes if c != code]
        if others and code not in title_codes:
            raise ServiceError(
                f"表格标题中的区划代码是“{others[0]}”，与指定的村“{region.name}”（{code}）不一致：请核对是否选错了表格或村"
            )
        return VillageRef(region.id, region.code, region.name)
    for title_code in title_codes:
        region = session.scalar(select(Region).where(Region.code == title_code))
        if region is None:
            raise ServiceError(f"表格标题中的区划代码“{title_code}”不在本数据库中：请先在区划中添加该村，或核对代码")
        if region.level == "village":
            return VillageRef(region.id, region.code, region.name)
    villages = session.execute(
        select(Region.id, Region.code, Region.name, Region.parent_id).where(Region.level == "village")
    ).all()
    named = [v for v in villages if v.name and v.name in folded]
    if named:
        longest = max(len(v.name) for v in named)
        named = [v for v in named if len(v.name) == longest]
        if len(named) > 1:
            parents = {r.id: r.name for r in session.execute(select(Region.id, Region.name)).all()}
            narrowed = [v for v in named if parents.get(v.parent_id, "\0") in folded]
            if len(narrowed) == 1:
                named = narrowed
        if len(named) == 1:
            return VillageRef(named[0].id, named[0].code, named[0].name)
        choices = "、".join(f"{v.name}（{v.code or '无代码'}）" for v in named)
        raise ServiceError(f"表格标题中的村名对应多个村：{choices}。请指定村的12位区划代码")
    raise ServiceError(
        "无法确定导入到哪个村：表格标题行中没有村名或12位区划代码。"
        "请在标题行写明村名和区划代码，或导入时指定村（--village 区划代码）"
    )


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def known_to_database(session: Session, parsed: VillageSheet, village: VillageRef) -> KnownToDatabase:
    """The village's households with their members, and every person of the sheet already registered."""
    in_village = session.scalars(
        select(Household).where(Household.village_id == village.id).options(selectinload(Household.members))
    )
    households = tuple(
        StoredHousehold(h.id, h.household_no, household_facts(h), tuple(m.id for m in h.members)) for h in in_village
    )
    sheet_ids = sorted({k for h in parsed.households for m in h.members if (k := _id_key(m.facts.id_number))})
    people = _known_people(session, sheet_ids)
    person_ids = [k.person_id for k in people.values()]
    return KnownToDatabase(
        households, people, frozenset(_locked_people(session, person_ids)), _active_intentions(session, person_ids)
    )


def _known_people(session: Session, ids: Sequence[str]) -> dict[str, KnownPerson]:
    known: dict[str, KnownPerson] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            with_households(
                select(
                    Person.id_number,
                    Person.id,
                    Person.name,
                    Household.id,
                    Household.household_no,
                    Household.head_name,
                    Region.name,
                ),
                village=Region,
            ).where(Person.id_number.in_(list(chunk)))
        )
        for number, pid, name, hid, hno, head, vname in rows:
            if number:
                known[number] = KnownPerson(pid, name, hid, hno, head, vname)
    return known


def _locked_people(session: Session, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    result: set[uuid.UUID] = set()
    for start in range(0, len(person_ids), _CHUNK):
        chunk = list(person_ids[start : start + _CHUNK])
        result.update(session.scalars(select(Person.id).where(Person.id.in_(chunk), Person.locked)))
    return result


def _active_intentions(session: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ActiveIntention]]:
    active: dict[uuid.UUID, list[ActiveIntention]] = {}
    states = [s.value for s in ACTIVE]
    for start in range(0, len(person_ids), _CHUNK):
        chunk = list(person_ids[start : start + _CHUNK])
        for intention in session.scalars(
            select(Intention).where(Intention.person_id.in_(chunk), Intention.state.in_(states))
        ):
            wish = IntentionInput(
                intention.kind,
                intention.occupation,
                intention.major,
                intention.school,
                intention.training_type,
                intention.referral_source,
            )
            active.setdefault(intention.person_id, []).append(ActiveIntention(intention.state, wish))
    return active


def template_title(session: Session, code: str | None) -> VillageTitle:
    """The title rows of a blank sheet for the village with ``code`` (county, township and village named)."""
    if not code:
        return VillageTitle()
    region = session.scalar(select(Region).where(Region.code == code.strip()))
    if region is None:
        raise ServiceError(f"区划代码“{code}”不在本数据库中：请先在区划中添加该村，或核对代码")
    if region.level != "village":
        raise ServiceError(f"区划代码“{code}”是{region.name}（不是村）：请指定村级的12位区划代码")
    names = [region.name]
    parent_id = region.parent_id
    while parent_id is not None and len(names) < 3:
        parent = session.get(Region, parent_id)
        if parent is None:
            break
        names.insert(0, parent.name)
        parent_id = parent.parent_id
    return VillageTitle(region.name, region.code or "", "".join(names))
