"""The active province profile: a setting of the database, read by every guard of the workflow.

Changing it changes the rules for the steps taken from then on; the stored history (transitions,
公示 dates, grants) is never rewritten.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.profiles import (
    ProvinceProfile,
    ProvinceProfileError,
    available_province_profiles,
    load_province_profile,
)
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.settings import StationProfile, load_station_profile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.uow import UnitOfWork

_CACHE_KEY = "fupin.province_profile"


def active_profile(session: Session) -> ProvinceProfile:
    """The profile named in the station settings (cached for the life of the session)."""
    cached = session.info.get(_CACHE_KEY)
    if isinstance(cached, ProvinceProfile):
        return cached
    code = load_station_profile(session).province_profile or "default"
    try:
        profile = load_province_profile(code)
    except ProvinceProfileError as error:
        raise ServiceError(f"当前地区配置“{code}”无法读取：{error}。请在设置中重新选择地区配置。") from error
    session.info[_CACHE_KEY] = profile
    return profile


def set_province_profile(uow: UnitOfWork, code: str) -> ProvinceProfile:
    """Make ``code`` the active profile (audited); returns it."""
    known = {p.code: p for p in available_province_profiles()}
    if code not in known:
        raise ServiceError(f"没有名为“{code}”的地区配置，可选：{'、'.join(known)}")
    current = load_station_profile(uow.session)
    save_station_profile(uow, replace(current, province_profile=code))
    uow.session.info.pop(_CACHE_KEY, None)
    return known[code]


def choose_province_profile(database: Database, *, actor: Who, code: str) -> StationProfile:
    """Switch the station to another province's rules; returns the station profile as saved."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.STATION_SETTINGS)
        set_province_profile(uow, code)
        uow.commit()
        return load_station_profile(uow.session)
