"""Settings that travel with the database file: the station profile and the active province profile."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields

from sqlalchemy.orm import Session

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Setting
from fupin_desktop.store.uow import UnitOfWork


@dataclass(frozen=True)
class StationProfile:
    """填表单位 and who works the station; asked for on first start."""

    unit_name: str = ""  # e.g. 某某镇人力资源和社会保障所
    township: str = ""
    operator_name: str = ""
    contact_phone: str = ""
    reviewer_name: str = ""
    head_name: str = ""  # 负责人
    province_profile: str = "default"

    @property
    def is_complete(self) -> bool:
        return bool(self.unit_name and self.township and self.operator_name)


_PREFIX = "station."
# Settings have no UUID of their own; audit entries about them share this fixed one.
_SETTING_ENTITY_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")


def load_station_profile(session: Session) -> StationProfile:
    stored = {s.key[len(_PREFIX) :]: s.value for s in session.query(Setting).filter(Setting.key.startswith(_PREFIX))}
    known = {f.name for f in fields(StationProfile)}
    return StationProfile(**{k: v for k, v in stored.items() if k in known})


def save_station_profile(uow: UnitOfWork, profile: StationProfile) -> None:
    current = load_station_profile(uow.session)
    for f in fields(StationProfile):
        value = getattr(profile, f.name).strip()
        if value != getattr(current, f.name):
            uow.audit("update", "setting", _SETTING_ENTITY_ID, f.name, getattr(current, f.name), value)
        uow.session.merge(Setting(key=_PREFIX + f.name, value=value))


def operator_name(session: Session, fallback: str = "未登录") -> str:
    return load_station_profile(session).operator_name or fallback


def store_station_profile(database: Database, *, actor: Who, profile: StationProfile) -> StationProfile:
    """站点信息 saved in one transaction (on first start, ``actor`` is the operator being entered)."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.STATION_SETTINGS)
        save_station_profile(uow, profile)
        uow.commit()
    return profile
