"""Regions (county → township → village) and the counts shown beside them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.results import Saved
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Region
from fupin_desktop.store.uow import UnitOfWork

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}
# Digits of the 12-digit code that each level fills: 省2 市2 县2 乡镇3 村3.
_CODE_PREFIX = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


@dataclass(frozen=True)
class RegionNode:
    id: uuid.UUID
    code: str | None
    name: str
    level: str
    parent_id: uuid.UUID | None
    household_count: int


def region_nodes(session: Session) -> list[RegionNode]:
    """Every region with the number of households under it (villages counted, parents summed)."""
    counts: dict[uuid.UUID, int] = {
        village_id: count
        for village_id, count in session.execute(
            select(Household.village_id, func.count()).group_by(Household.village_id)
        )
    }
    rows = session.execute(
        select(Region.id, Region.code, Region.name, Region.level, Region.parent_id).order_by(Region.code, Region.name)
    ).all()
    totals: dict[uuid.UUID, int] = {rid: counts.get(rid, 0) for rid, *_ in rows}
    parent_of = {rid: parent for rid, _c, _n, _l, parent in rows}
    for rid, *_ in rows:
        village_count = counts.get(rid, 0)
        parent = parent_of[rid]
        while parent is not None and village_count:
            totals[parent] += village_count
            parent = parent_of.get(parent)
    return [RegionNode(rid, code, name, level, parent, totals[rid]) for rid, code, name, level, parent in rows]


def validate_region_code(code: str, level: str, parent_code: str | None) -> str | None:
    """A Chinese message when the 12-digit 统计用区划代码 does not fit its level and parent, else None."""
    if not re.fullmatch(r"\d{12}", code):
        return f"区划代码“{code}”应为12位数字"
    used = _CODE_PREFIX[level]
    if code[used:] != "0" * (12 - used):
        return f"{LEVEL_NAMES[level]}级区划代码应只用前{used}位，其余为0：“{code}”"
    if parent_code is not None:
        parent_used = len(parent_code.rstrip("0")) if parent_code else 0
        if not code.startswith(parent_code[:parent_used]):
            return f"区划代码“{code}”不在上级区划“{parent_code}”之下"
    return None


def create_region(
    uow: UnitOfWork, name: str, level: str, parent_id: uuid.UUID | None, code: str | None = None
) -> uuid.UUID:
    name = name.strip()
    if not name:
        raise ServiceError("请填写区划名称。")
    if level not in LEVELS:
        raise ValueError(level)
    parent = uow.session.get(Region, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise ServiceError("上级区划已不存在，请刷新。")
    if code:
        message = validate_region_code(code, level, parent.code if parent else None)
        if message:
            raise ServiceError(message)
        if uow.session.scalar(select(Region.id).where(Region.code == code)) is not None:
            raise ServiceError(f"区划代码“{code}”已被使用。")
    region = Region(name=name, level=level, parent_id=parent_id, code=code or None, updated_by=uow.operator)
    uow.session.add(region)
    uow.session.flush()
    uow.audit("create", "region", region.id, new=f"{code or ''} {name}".strip())
    return region.id


def find_region_by_code(session: Session, code: str) -> Region | None:
    return session.scalar(select(Region).where(Region.code == code))


def add_village(database: Database, *, actor: str, township_id: uuid.UUID, name: str, code: str) -> Saved:
    """新增村 under a township, with its 12-digit code."""
    with UnitOfWork(database, actor) as uow:
        village_id = create_region(uow, name, "village", township_id, code)
        uow.commit()
    return Saved(village_id)
