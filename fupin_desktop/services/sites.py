"""站点: this database as a site (name, kind, parent) and the sites it has exchanged packages with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.ownership import SITE_KINDS
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.validation import FIELD_LABELS
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import AuditEntry, Person, Region, Site
from fupin_desktop.store.uow import UnitOfWork

__all__ = ["SITE_KINDS", "PackageEvent", "SiteInfo", "exchange_history", "list_sites", "rename_own_site"]


@dataclass(frozen=True)
class SiteInfo:
    id: uuid.UUID
    name: str
    kind: str
    parent_id: uuid.UUID | None
    own: bool
    last_seq: int  # the own site: the last change number issued; another: the last applied here
    region_id: uuid.UUID | None = None  # the area it keeps (domain/ownership.py)
    region_name: str | None = None
    can_encrypt: bool = False  # its X25519 key is known here: packages to it are encrypted


def list_sites(database: Database) -> list[SiteInfo]:
    def query(session: Session) -> list[SiteInfo]:
        rows = session.scalars(select(Site).order_by(Site.own.desc(), Site.name))
        regions: dict[uuid.UUID, str] = {rid: name for rid, name in session.execute(select(Region.id, Region.name))}
        return [
            SiteInfo(
                r.id, r.name, r.kind, r.parent_id, r.own, r.last_seq, r.region_id,
                regions.get(r.region_id) if r.region_id else None, bool(r.box_public) and not r.own,
            )
            for r in rows
        ]  # fmt: skip

    return database.read(query)


def rename_own_site(
    database: Database,
    *,
    actor: Who,
    name: str | None = None,
    kind: str | None = None,
    region_code: str | None = None,
) -> SiteInfo:
    """Name this site, say what kind it is and which area it keeps (a village's or township's 区划代码)."""
    if kind is not None and kind not in SITE_KINDS:
        raise ServiceError(f"站点类型“{kind}”不对：应为 {'、'.join(SITE_KINDS)} 之一。")
    if name is not None and not (0 < len(name.strip()) <= 80):
        raise ServiceError("站点名称不能为空，最多80字。")
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.STATION_SETTINGS)
        site = uow.session.scalar(select(Site).where(Site.own.is_(True)))
        if site is None:
            raise ServiceError("数据库缺少本站站点记录，请用本程序重新打开它以完成升级。")
        if name is not None and name.strip() != site.name:
            uow.audit("update", "site", site.id, "name", site.name, name.strip())
            site.name = name.strip()
        if kind is not None and kind != site.kind:
            uow.audit("update", "site", site.id, "kind", site.kind, kind)
            site.kind = kind
        if region_code is not None:
            region = uow.session.scalar(select(Region).where(Region.code == region_code.strip()))
            if region is None:
                raise ServiceError(f"没有区划代码为“{region_code.strip()}”的区划：请先导入完整数据包或区划代码。")
            if region.id != site.region_id:
                uow.audit("update", "site", site.id, "region", site.region_id, f"{region.code} {region.name}")
                site.region_id = region.id
        uow.commit()
        return SiteInfo(site.id, site.name, site.kind, site.parent_id, site.own, site.last_seq, site.region_id)


@dataclass(frozen=True)
class PackageEvent:
    """One package sent or received here (from the audit trail: who, when, to or from which site)."""

    at: datetime
    direction: str  # 发出 / 收到 / 申请更正
    site: str
    summary: str
    account: str


def exchange_history(database: Database, *, limit: int = 500) -> list[PackageEvent]:
    """The packages sent and received here, newest first."""

    def query(session: Session) -> list[PackageEvent]:
        names = {site.id: site.name for site in session.scalars(select(Site))}
        found = session.scalars(
            select(AuditEntry)
            .where(
                ((AuditEntry.entity == "package") & AuditEntry.action.in_(("export", "import")))
                | (AuditEntry.action == "request")
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.seq.desc())
            .limit(limit)
        )
        out: list[PackageEvent] = []
        sent_since = False  # newest first: an export after a request carried it
        for entry in found:
            if entry.action == "request":
                out.append(_request_event(session, entry, sent_since))
                continue
            sent_since = sent_since or entry.action == "export"
            text = entry.new_value or ""
            site, _sep, summary = text.partition("：")
            if entry.action == "import":
                site = names.get(entry.entity_id, site)
            out.append(
                PackageEvent(entry.at, "收到" if entry.action == "import" else "发出", site, summary, entry.operator)
            )
        return out

    return database.read(query)


def _request_event(session: Session, entry: AuditEntry, sent: bool) -> PackageEvent:
    """A 更正申请 made here (``package_decisions.request_change``): what was asked, and whether a package
    has gone out since (it travels in the next one to the record's owner)."""
    record = ""
    if entry.entity == "person":
        found = session.get(Person, entry.entity_id)
        record = found.name if found is not None else ""
    label = FIELD_LABELS.get(entry.field or "", entry.field or "")
    where = "已随数据包发出，待所属站点决定" if sent else "待发出：随下一个发给所属站点的数据包送出"
    summary = f"{record} {label}：{entry.old_value or '（空）'} → {entry.new_value or '（空）'}".strip()
    return PackageEvent(entry.at, "申请更正", where, summary, entry.operator)
