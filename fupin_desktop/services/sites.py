"""站点: this database as a site (name, kind, parent) and the sites it has exchanged packages with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Site
from fupin_desktop.store.uow import UnitOfWork

SITE_KINDS = ("village", "field", "station", "county")


@dataclass(frozen=True)
class SiteInfo:
    id: uuid.UUID
    name: str
    kind: str
    parent_id: uuid.UUID | None
    own: bool
    last_seq: int  # the own site: the last change number issued; another: the last applied here


def list_sites(database: Database) -> list[SiteInfo]:
    def query(session: Session) -> list[SiteInfo]:
        rows = session.scalars(select(Site).order_by(Site.own.desc(), Site.name))
        return [SiteInfo(r.id, r.name, r.kind, r.parent_id, r.own, r.last_seq) for r in rows]

    return database.read(query)


def rename_own_site(database: Database, *, actor: str, name: str | None = None, kind: str | None = None) -> SiteInfo:
    if kind is not None and kind not in SITE_KINDS:
        raise ServiceError(f"站点类型“{kind}”不对：应为 {'、'.join(SITE_KINDS)} 之一。")
    if name is not None and not (0 < len(name.strip()) <= 80):
        raise ServiceError("站点名称不能为空，最多80字。")
    with UnitOfWork(database, actor) as uow:
        site = uow.session.scalar(select(Site).where(Site.own.is_(True)))
        if site is None:
            raise ServiceError("数据库缺少本站站点记录，请用本程序重新打开它以完成升级。")
        if name is not None and name.strip() != site.name:
            uow.audit("update", "site", site.id, "name", site.name, name.strip())
            site.name = name.strip()
        if kind is not None and kind != site.kind:
            uow.audit("update", "site", site.id, "kind", site.kind, kind)
            site.kind = kind
        uow.commit()
        return SiteInfo(site.id, site.name, site.kind, site.parent_id, site.own, site.last_seq)
