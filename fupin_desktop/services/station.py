"""A new station's database (``init``): empty, with the administrator who set it up."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select

from fupin_desktop.domain.accounts import hash_password, password_problem
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.settings import load_station_profile, save_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Household, Operator, Region, Setting
from fupin_desktop.store.uow import UnitOfWork

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class StationStarted:
    admin: str


def is_empty(database: Database) -> bool:
    """No region, household, setting or account yet: a database ``init`` may take."""
    with database.session_factory() as session:
        return not any(
            session.scalar(select(func.count()).select_from(table)) for table in (Region, Household, Setting, Operator)
        )


def start_station(database: Database, *, admin: str, password: str) -> StationStarted:
    """The first account (管理员) of an empty database; it also becomes the station profile's operator,
    so that every change from now on is attributed to a name."""
    admin = admin.strip()
    if not admin:
        raise ServiceError("请填写管理员姓名（--admin 姓名）。")
    if len(admin) > 40:
        raise ServiceError(f"管理员姓名“{admin[:20]}…”太长（最多40字）。")
    problem = password_problem(password)
    if problem is not None:
        raise ServiceError(f"管理员“{admin}”的{problem}")
    if not is_empty(database):
        raise ServiceError(f"数据库“{database.path}”已有数据，未作任何改动：新站请指定一个新的文件（--db 新文件）。")
    with UnitOfWork(database, admin) as uow:
        operator = Operator(name=admin, role=ADMIN_ROLE, password_hash=hash_password(password))
        uow.session.add(operator)
        uow.session.flush()
        uow.audit("create", "operator", operator.id, new=f"{admin}（管理员）")
        save_station_profile(uow, replace(load_station_profile(uow.session), operator_name=admin))
        uow.commit()
    return StationStarted(admin)
