"""数据包的导出与导入: moving changes between sites as signed (and, when possible, encrypted) files.

Export takes the change log (``store/changes.py``): without a receiver everything this site holds
(a full package, from which a new laptop becomes a copy), with one the changes it has not yet
acknowledged (what its last package said it holds). Import checks the file before it changes
anything — a known sender, its signature, the checksum, a schema this program can read, no gap in
any site's sequence — then applies the changes field by field in one transaction:

- a field whose value here is still the sender's "before" takes the sender's "after";
- a field changed here too is kept as a conflict (base, ours, theirs, who and when on each side);
- a person whose 身份证号 is already another person's here becomes a possible duplicate, not a second person;
- a change to a locked (sealed) record becomes a correction request; a package never changes it.

What was applied enters this site's change log under its own site and number (so it travels on to
the next site), and each site's last applied number is remembered: the same package twice changes nothing.
"""

from __future__ import annotations

import base64
import functools
import json
import operator
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import repeat
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, delete, false, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fupin_desktop.domain import packages
from fupin_desktop.domain.accounts import Role
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.signing import fingerprint, is_known, scheme
from fupin_desktop.services.accounts import Who, actor_name, checked_actor, permit
from fupin_desktop.services.errors import PermissionDenied, ServiceError
from fupin_desktop.services.households import HEAD
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.services.station_keys import known_keys, own_public_key, sign_bytes
from fupin_desktop.services.sync_apply import (
    DECIDE,
    MERGE,
    SiteRule,
    area_of,
    close_issues,
    merge_into,
    refresh_summaries,
    remove,
    row_of,
    set_field,
    upsert,
)
from fupin_desktop.store import changes
from fupin_desktop.store.bulk import (
    bind_processor,
    create_indexes,
    driver_rows,
    drop_indexes,
    insert_rows,
    uuid_binder,
)
from fupin_desktop.store.db import Database, head_revision, known_revisions
from fupin_desktop.store.id_grams import index_people
from fupin_desktop.store.models import ChangeEntry, Household, Person, PersonIdGram, Region, Site, SyncIssue
from fupin_desktop.store.uow import UnitOfWork

_head_revision = functools.cache(head_revision)  # read from the migration scripts: once is enough
_known_revisions = functools.cache(known_revisions)
_ENTRY_COLUMNS = ("site_id", "seq", "action", "entity", "entity_id", "field", "before", "after", "account", "at")
DEFAULT_SITE_NAME = "本站"
FUTURE_SLACK = timedelta(hours=1)
_LOCKABLE = frozenset({"person", "intention"})
KIND_LABELS = {
    "conflict": "冲突",
    "duplicate": "疑似重复",
    "correction": "更正申请",
    "proposal": "提议",
    "missing": "无法套用",
    "elsewhere": "待所有者决定",  # not this site's to decide: it waits for the owner's decision to arrive
}


class PackageRefused(ServiceError):
    """A package that is not applied at all (unknown sender, damaged, newer schema, a gap)."""


@dataclass(frozen=True)
class PackageExported:
    path: Path
    changes: int
    ranges: dict[str, tuple[int, int]]
    receiver: str | None
    encrypted: bool


@dataclass
class PackageImported:
    sender: str
    dry_run: bool
    applied: int = 0
    already_had: int = 0
    issues: Counter[str] = field(default_factory=Counter)
    by_entity: Counter[str] = field(default_factory=Counter)
    future_times: int = 0  # changes stamped later than this computer's clock: a laptop clock set wrong
    sender_clock: str = ""  # when the sender says it wrote the package (its clock, shown, never trusted)


def _own_site(session: Session) -> Site:
    site = session.scalar(select(Site).where(Site.own.is_(True)))
    if site is None:
        raise ServiceError("数据库缺少本站站点记录（结构版本过旧），请用本程序重新打开它以完成升级。")
    if site.name == DEFAULT_SITE_NAME:  # not named yet: the station profile's unit names it
        unit = load_station_profile(session).unit_name.strip()
        if unit:
            site.name = unit[:80]
    return site


def _site_label(site: Site | None, site_id: str) -> str:
    return f"“{site.name}”" if site is not None else f"（编号 {site_id[:8]}）"


def _find_receiver(session: Session, name_or_id: str) -> Site:
    wanted = name_or_id.strip()
    for site in session.scalars(select(Site).where(Site.own.is_(False))):
        if (
            str(site.id) == wanted
            or (str(site.id).startswith(wanted.lower()) and len(wanted) >= 8)
            or site.name == wanted
        ):
            return site
    raise ServiceError(
        f"没有名为“{wanted}”的站点：只能发给已收到过其数据包的站点；"
        "新的笔记本电脑请先导入本站的完整数据包（不带 --to 导出），再把它的数据包带回来。"
    )


def export_package(database: Database, *, actor: Who, out: Path, to: str | None = None) -> PackageExported:
    """Write a package of this site's changes: full without ``to``, else what ``to`` has not acknowledged."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        session = uow.session
        permit(session, actor, Capability.EXPORT_PACKAGE)
        own = _own_site(session)
        receiver = _find_receiver(session, to) if to is not None else None
        seen: dict[str, int] = json.loads(receiver.seen_vector or "{}") if receiver is not None else {}
        sites = list(session.scalars(select(Site)))
        ranges: dict[str, tuple[int, int]] = {}
        rows: list[list[Any]] = []
        keys: list[tuple[int, int, int]] = []
        site_key = uuid_binder(session, ChangeEntry.__table__, "site_id")
        for rank, site in enumerate(sites):
            start = seen.get(str(site.id), 0) + 1
            if site.last_seq < start:
                continue
            found = driver_rows(session, _RAW_ENTRIES, (site_key(site.id), start))
            if not found:
                continue
            ranges[str(site.id)] = (found[0][1], found[-1][1])
            site_text = str(site.id)
            for _site, seq, action, entity, entity_id, name, before, after, account, at, arrival in found:
                keys.append((-1 if arrival is None else arrival, rank, seq))
                rows.append(
                    [site_text, seq, action, entity, entity_id if type(entity_id) is str else str(entity_id),
                     name, before, after, account, at.replace(" ", "T", 1) if type(at) is str else _time_of(at)]
                )  # fmt: skip
        order = sorted(range(len(rows)), key=keys.__getitem__)  # as they happened here: a decision after
        rows = [rows[index] for index in order]  # what it decides
        _fill_baselines(session, rows, str(own.id))
        state: list[list[Any]] = []
        if receiver is not None and own.kind == "county" and receiver.kind == "station":
            rows, part = _township_part(session, rows, own, receiver, sites)
            ranges = {site_id: span for site_id, span in ranges.items() if site_id in part}
        if receiver is not None and receiver.parent_id == own.id and receiver.kind in ("village", "field"):
            state = _state_of(session, rows)  # a laptop under this station
        sealed = receiver is not None and bool(receiver.box_public)
        streamed = not state and not sealed  # plain lines of changes: written as they are made
        content = b"" if streamed else (packages.change_lines(rows) + packages.state_lines(state)).encode("utf-8")
        key = own_public_key(session)
        manifest: dict[str, Any] = {
            "format": packages.FORMAT,
            "sender": _site_card(own)
            | {
                "key": {"algorithm": key.algorithm, "public_key": base64.b64encode(key.key).decode("ascii")},
                "unit_name": key.unit_name,
            },
            "receiver": str(receiver.id) if receiver is not None else None,
            "full": receiver is None,
            "schema_revision": _head_revision(),
            "created_at": utc_now().isoformat(),  # the sender's clock: shown, never used for ordering
            "sites": [_site_card(site) for site in sites if str(site.id) in ranges or site.own],
            "ranges": {site_id: list(span) for site_id, span in ranges.items()},
            "vector": {str(site.id): site.last_seq for site in sites},
            "counts": dict(Counter(str(row[3]) for row in rows)),
            "content_sha256": None if streamed else packages.sha256(content),
            "encryption": None,
        }

        def seal(content_sha256: str) -> tuple[bytes, bytes]:
            raw = packages.manifest_bytes(manifest | {"content_sha256": content_sha256})
            return raw, sign_bytes(session, packages.signed_message(raw)).value

        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            if streamed:
                packages.write_streamed(out, _line_pieces(rows), seal)
            else:
                stored = content
                if sealed:
                    assert receiver is not None and receiver.box_public
                    stored, manifest["encryption"] = packages.encrypt(content, base64.b64decode(receiver.box_public))
                raw, signature = seal(packages.sha256(content))
                packages.write(out, raw, signature, stored, sealed=sealed)
        except OSError as error:
            raise ServiceError(f"无法写入数据包“{out}”：{error.strerror}") from error
        uow.audit(
            "export", "package", own.id, "to", None, f"{receiver.name if receiver else '完整数据包'}：{len(rows)}条变更"
        )
        uow.commit()
    return PackageExported(
        out, len(rows), ranges, receiver.name if receiver else None, manifest["encryption"] is not None
    )


def _township_part(
    session: Session, rows: list[list[Any]], own: Site, station: Site, sites: list[Site]
) -> tuple[list[list[Any]], set[str]]:
    """What a county sends one of its townships: the changes about records made by the county itself or by
    that township (its station and the laptops under it) — never another township's records. Which site
    made a record is its first entry in this county's log."""
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for site in sites:
        children.setdefault(site.parent_id, []).append(site.id)
    part, waiting = {own.id, station.id}, [station.id]
    while waiting:
        for child in children.get(waiting.pop(), []):
            if child not in part:
                part.add(child)
                waiting.append(child)
    keys = {(str(row[3]), str(row[4]).replace("-", "")) for row in rows}
    entry = ChangeEntry.__table__
    made_by: dict[tuple[str, str], uuid.UUID] = {}
    ids = sorted({uuid.UUID(key) for _entity, key in keys})
    for start_at in range(0, len(ids), 500):
        found = session.execute(
            select(entry.c.entity, entry.c.entity_id, entry.c.site_id)
            .where(entry.c.entity_id.in_(ids[start_at : start_at + 500]))
            .order_by(entry.c.arrival.nulls_first(), entry.c.seq)
        )
        for entity, entity_id, site_id in found:
            made_by.setdefault((str(entity), entity_id.hex), site_id)
    kept = [row for row in rows if made_by.get((str(row[3]), str(row[4]).replace("-", "")), own.id) in part]
    return kept, {str(site_id) for site_id in part}


def _line_pieces(rows: list[list[Any]], size: int = 20000) -> Iterator[bytes]:
    """The changes' lines (UTF-8) in pieces of ``size`` changes, so that the previous piece is hashed and
    compressed meanwhile."""
    for start_at in range(0, len(rows), size):
        yield packages.change_lines(rows[start_at : start_at + size]).encode("utf-8")


# The log as the driver returns it (no type processing: at county scale that is most of the time):
# SQLite gives ids as hex text and times as text, PostgreSQL as objects; both are normalised below.
_RAW_ENTRIES = (
    "select site_id, seq, action, entity, entity_id, field, before, after, account, at, arrival"
    " from change_entry where site_id = ? and seq >= ? order by seq"
)


def _fill_baselines(session: Session, rows: list[list[Any]], own_id: str) -> None:
    """Baseline entries (a create with no fields: the records a database held when it became a site)
    carry their record as it was then, read now from the record itself."""
    waiting: dict[str, list[list[Any]]] = {}
    for row in rows:
        if row[2] == "create" and row[7] is None and row[0] == own_id:
            waiting.setdefault(str(row[3]), []).append(row)
    for entity, found in waiting.items():
        if entity not in changes.TRACKED:
            continue
        texts = changes.baseline_rows(session, entity, [str(row[4]) for row in found])
        for row in found:
            row[7] = texts.get(str(row[4]).replace("-", ""))


def _time_of(value: object) -> str:
    """A time as ISO text ("T" between date and time, as ``datetime.isoformat`` writes it)."""
    if isinstance(value, str):
        return value.replace(" ", "T", 1)
    assert isinstance(value, datetime)
    return value.isoformat()


def _site_card(site: Site) -> dict[str, Any]:
    return {
        "id": str(site.id),
        "name": site.name,
        "kind": site.kind,
        "parent_id": str(site.parent_id) if site.parent_id else None,
        "region_id": str(site.region_id) if site.region_id else None,
        "box_public": site.box_public,
    }


NEW_LAPTOP_ADVICE = (
    "新笔记本：请管理员先新建一个乡镇经办人账号"
    "（设置 → 账号管理，或命令 user add 名字 --role 乡镇经办人），"
    "以该账号导入本站的完整数据包；导入后本村已有，再为村里新建村级录入员账号。"
)


def new_laptop_advice(session: Session, actor: Who) -> str | None:
    """:data:`NEW_LAPTOP_ADVICE` for the 管理员 of a new laptop (no regions yet), who may not import: the window's
    数据交换 page and the ``package import`` refusal give the same advice."""
    current = checked_actor(session, actor)
    if current is None or current.role is not Role.ADMIN or session.scalar(select(Region.id).limit(1)) is not None:
        return None
    return NEW_LAPTOP_ADVICE


def _permit_import(session: Session, actor: Who) -> None:
    """导入数据包 is not the 管理员's (docs/roles.md). On a new laptop (no regions yet) the 管理员 is the only
    account, and a 村级录入员 needs a village the package has not brought yet: say which account to make."""
    try:
        permit(session, actor, Capability.IMPORT_PACKAGE)
    except PermissionDenied as refused:
        advice = new_laptop_advice(session, actor)
        if advice is None:
            raise
        raise PermissionDenied(f"{refused}{advice}") from None


def import_package(database: Database, *, actor: Who, path: Path, dry_run: bool = False) -> PackageImported:
    """Check ``path`` whole, then apply it in one transaction (or, with ``dry_run``, say what it would do)."""
    database.read(_permit_import, actor)  # before the file is even read
    try:
        package = packages.read(path)
    except OSError as error:
        raise PackageRefused(f"无法读取数据包“{path}”：{error.strerror}") from error
    except packages.PackageDamaged:
        raise PackageRefused(f"“{path.name}”不是本程序导出的数据包，或文件已损坏，未导入。") from None
    manifest = package.manifest
    with UnitOfWork(database, actor_name(actor)) as uow:
        session = uow.session
        own = _own_site(session)
        sender = _check_sender(session, manifest, package, path)
        content = _content(manifest, package, own, path)
        try:
            rows, state = _changes_of(manifest, content)
        except (ValueError, KeyError, TypeError):
            raise PackageRefused(f"数据包“{path.name}”的内容无法读取，未导入。") from None
        vector = {str(site.id): site for site in session.scalars(select(Site))}
        _check_ranges(manifest, vector, own, path)
        cards = {str(card.get("id")): card for card in manifest.get("sites", [])}
        result = PackageImported(str(sender.get("name") or ""), dry_run, sender_clock=str(manifest.get("created_at")))
        soon = (utc_now() + FUTURE_SLACK).isoformat()
        session.info[changes.RECORDING] = False  # applied changes keep their own site and number
        applier = _Applier(uow, own, vector, cards)
        fresh = []
        own_id = str(own.id)
        applied = {site_id: site.last_seq for site_id, site in vector.items()}
        for row in rows:
            site_id = str(row[0])
            if site_id == own_id or int(row[1]) <= applied.get(site_id, 0):
                result.already_had += 1
                continue
            if str(row[9]) > soon:
                result.future_times += 1
            fresh.append(row)
        result.by_entity.update(str(row[3]) for row in fresh)
        for outcome in applier.apply_all(fresh):
            if outcome is not None:
                result.issues[outcome] += 1
        result.applied = len(fresh)
        applier.finish()
        if state and str(own.parent_id) == str(sender["id"]):
            _take_state(session, state, own, int(dict(manifest.get("vector", {})).get(str(own.id), 0)))
        if own.kind in ("village", "field") and own.parent_id is not None:
            _tidy_questions(session)
        _remember_sites(session, manifest, vector, own)
        # what still waits for a person: a decision later in the same package (or the tidy-up above) may
        # have closed a question the package first opened (closing sets resolved_at on these same objects)
        result.issues = Counter(issue.kind for issue in applier.raised if issue.resolved_at is None)
        uow.audit(
            "import",
            "package",
            uuid.UUID(str(sender["id"])),
            "from",
            None,
            f"{sender.get('name')}："
            + "，".join(
                [f"套用{result.applied}条", f"已有{result.already_had}条"]
                + [f"{KIND_LABELS[k]}{n}条" for k, n in sorted(result.issues.items())]
            ),
        )
        if not dry_run:
            uow.commit()
    return result


def _changes_of(manifest: dict[str, Any], content: bytes) -> tuple[list[list[Any]], list[list[Any]]]:
    """The changes and the state entries of a package's content, in either format."""
    if manifest.get("format") != packages.FORMAT_1:
        return packages.read_lines(content)
    loaded = json.loads(content)  # format 1: one JSON array, or {"changes": …, "state": …}
    if isinstance(loaded, dict):
        return list(loaded["changes"]), list(loaded.get("state", []))
    return list(loaded), []


def _state_of(session: Session, rows: list[list[Any]]) -> list[list[Any]]:
    """What the station holds now of every record and field these changes touch: a laptop under it takes
    it for whatever the station has already seen (see ``_take_state``). [entity, id, field, value] each;
    field None: the whole record (None when it is gone)."""
    touched: dict[str, dict[str, set[str | None]]] = {}
    for row in rows:
        field_name = row[5] if row[2] in ("update", DECIDE) else None
        touched.setdefault(str(row[3]), {}).setdefault(str(uuid.UUID(str(row[4]))), set()).add(field_name)
        if row[2] == MERGE and row[7]:  # the kept record too, as it is now (with what arrived since the merge)
            kept = str(uuid.UUID(str(json.loads(str(row[7]))["id"])))
            touched[str(row[3])].setdefault(kept, set()).add(None)
    out: list[list[Any]] = []
    for entity, records in touched.items():
        table = changes.TRACKED.get(entity)
        if table is None:
            continue
        ids = [uuid.UUID(text) for text in records]
        now: dict[uuid.UUID, Any] = {}
        for start_at in range(0, len(ids), 500):
            chunk = ids[start_at : start_at + 500]
            now.update({r["id"]: r for r in session.execute(select(table).where(table.c.id.in_(chunk))).mappings()})
        for key, names in records.items():
            current = now.get(uuid.UUID(key))
            for name in sorted(names, key=lambda n: n or ""):
                if name is None or current is None:
                    out.append([entity, key, None, changes.encode_row(dict(current)) if current is not None else None])
                elif name in table.c:
                    out.append([entity, key, name, changes.encode(current[name])])
    return out


def _take_state(session: Session, state: list[list[Any]], own: Site, acknowledged: int) -> None:
    """A laptop under a station ends with the station's values for everything the station has seen: the
    same questions are decided there once, and a value the two reached by different paths is the
    station's. What this laptop changed after the station last heard from it stays as it is here."""
    entry = ChangeEntry.__table__
    busy = {
        (entity_id, field_name)
        for entity_id, field_name in session.execute(
            select(entry.c.entity_id, entry.c.field).where(entry.c.site_id == own.id, entry.c.seq > acknowledged)
        )
    }
    busy_records = {entity_id for entity_id, field_name in busy if field_name is None}
    households: set[uuid.UUID] = set()
    for entity, key, name, value in state:
        table = changes.TRACKED.get(str(entity))
        entity_id = uuid.UUID(str(key))
        if table is None or entity_id in busy_records or (name is not None and (entity_id, name) in busy):
            continue
        current = row_of(session, table, entity_id)
        try:
            with session.begin_nested():
                if name is None:
                    if value is None and current is not None:
                        remove(session, table, entity_id)
                    elif value is not None and current is None:
                        upsert(session, table, changes.decode_row(table, str(value)))
                    elif value is not None and current is not None:  # a whole record decided there: its
                        theirs = changes.decode_row(table, str(value))  # fields as there, but for those
                        differing = {  # changed here since the station last heard from this laptop
                            key: theirs[key]
                            for key in theirs
                            if key not in changes.BOOKKEEPING
                            and (entity_id, key) not in busy
                            and changes.encode(current[key]) != changes.encode(theirs[key])
                        }
                        if differing:
                            upsert(session, table, current | differing)
                elif current is not None and changes.encode(current[name]) != value:
                    set_field(session, table, entity_id, str(name), changes.decode(table, str(name), value), "人社所")
        except IntegrityError:
            continue
        close_issues(session, [entity_id], name, "按人社所的现值")  # the station has it: its question, if any
        if table.name == "household" and row_of(session, table, entity_id) is not None:
            households.add(entity_id)
        if table.name == "person":
            for source in (current, row_of(session, table, entity_id)):
                if source is not None:
                    households.add(source["household_id"])
    refresh_summaries(session, households)


def _tidy_questions(session: Session) -> None:
    """On a laptop under a station the station decides; a question here that the data has since settled
    (the record is gone, or holds the other side's value) is closed, so that none waits for nothing."""
    for issue in list(session.scalars(select(SyncIssue).where(SyncIssue.resolved_at.is_(None)))):
        table = changes.TRACKED.get(issue.entity)
        if table is None or issue.kind not in ("conflict", "correction", "proposal", "elsewhere"):
            continue
        current = session.execute(select(table).where(table.c.id == issue.entity_id)).mappings().first()
        if current is None:
            settled = "该记录已删除"
        elif issue.field is not None and changes.encode(current[issue.field]) == issue.theirs:
            settled = "两处已一致"
        else:
            continue
        issue.resolved_at, issue.resolution = utc_now(), settled


def _check_sender(
    session: Session, manifest: dict[str, Any], package: packages.PackageFile, path: Path
) -> dict[str, Any]:
    try:
        sender: dict[str, Any] = manifest["sender"]
        algorithm = str(sender["key"]["algorithm"])
        public = base64.b64decode(sender["key"]["public_key"], validate=True)
        scheme(algorithm)
    except (KeyError, TypeError, ValueError):
        raise PackageRefused(f"“{path.name}”不是本程序导出的数据包，或文件已损坏，未导入。") from None
    own_key = own_public_key(session)
    if own_key.algorithm == algorithm and own_key.key == public:
        raise PackageRefused(f"“{path.name}”是本站自己导出的数据包，不需要导入。")
    known = is_known(algorithm, public, known_keys(session))
    if known is None:
        raise PackageRefused(
            f"数据包“{path.name}”来自未登记的站点“{sender.get('name', '')}”（密钥指纹 "
            f"{fingerprint(algorithm, public)}），未导入：请先登记该站点的密钥文件"
            "（程序窗口：上报 → 本站密钥… → 登记其他站点的密钥…；命令行：station-key import 密钥文件），再导入。"
        )
    if not scheme(algorithm).verify(public, packages.signed_message(package.manifest_bytes), package.signature):
        raise PackageRefused(f"数据包“{path.name}”的签名不符：文件在导出后被改动过，未导入。")
    revision = manifest.get("schema_revision")
    if revision not in _known_revisions():
        raise PackageRefused(
            f"数据包“{path.name}”由更新版本的程序导出（结构版本 {revision}），本程序无法读取，请先升级程序。"
        )
    if str(sender.get("name") or DEFAULT_SITE_NAME) == DEFAULT_SITE_NAME and known.unit_name:
        # a laptop that sent this before its 本站信息 named it: called by the unit its registered key names,
        # not "本站" (which, read here, means this site); the signature over the manifest is checked above
        sender["name"] = known.unit_name[:80]
        for card in manifest.get("sites", []):
            if str(card.get("id")) == str(sender.get("id")):
                card["name"] = sender["name"]
    return sender


def _content(manifest: dict[str, Any], package: packages.PackageFile, own: Site, path: Path) -> bytes:
    content = package.content
    encryption = manifest.get("encryption")
    if encryption:
        if manifest.get("receiver") != str(own.id) or not own.box_private:
            raise PackageRefused(f"数据包“{path.name}”是加密发给另一站点的，本站无法打开，未导入。")
        try:
            content = packages.decrypt(content, encryption, base64.b64decode(own.box_private))
        except packages.PackageDamaged:
            raise PackageRefused(f"数据包“{path.name}”的内容无法解密：文件已损坏或被改动，未导入。") from None
    if packages.sha256(content) != manifest.get("content_sha256"):
        raise PackageRefused(f"数据包“{path.name}”的内容与校验和不符：文件已损坏或被改动，未导入。")
    return content


def _check_ranges(manifest: dict[str, Any], vector: dict[str, Site], own: Site, path: Path) -> None:
    names = {str(card.get("id")): str(card.get("name")) for card in manifest.get("sites", [])}
    for site_id, (first, last) in dict(manifest.get("ranges", {})).items():
        site = vector.get(site_id)
        have = site.last_seq if site is not None else 0
        label = f"“{names.get(site_id) or site_id[:8]}”"
        if site_id == str(own.id):
            if int(last) > have:
                raise PackageRefused(
                    f"数据包“{path.name}”含本站第 {have + 1}–{last} 号变更，本站却只记到第 {have} 号："
                    "本站数据库可能由旧备份恢复过，未导入。"
                )
            continue
        if int(first) > have + 1:
            missing = f"第 {have + 1} 号" if int(first) == have + 2 else f"第 {have + 1}–{int(first) - 1} 号"
            raise PackageRefused(
                f"数据包“{path.name}”缺少站点{label}的{missing}变更（本站已套用到第 {have} 号，"
                f"此包从第 {first} 号起）：请先导入含这些变更的数据包，或请对方重新导出，未导入。"
            )


def _remember_sites(session: Session, manifest: dict[str, Any], vector: dict[str, Site], own: Site) -> None:
    sender_id = str(manifest["sender"]["id"])
    for card in manifest.get("sites", []):
        site_id = str(card["id"])
        if site_id == str(own.id):
            continue
        site = vector.get(site_id)
        if site is None:
            site = Site(
                id=uuid.UUID(site_id), name=str(card["name"])[:80], kind=str(card["kind"])[:20], own=False, last_seq=0
            )
            session.add(site)
            vector[site_id] = site
        elif site.name == DEFAULT_SITE_NAME and str(card["name"]) != DEFAULT_SITE_NAME:
            site.name = str(card["name"])[:80]  # named since (本站信息 filled in on that laptop)
        site.box_public = card.get("box_public") or site.box_public
        if card.get("parent_id"):
            site.parent_id = uuid.UUID(str(card["parent_id"]))
        if card.get("region_id"):
            site.region_id = uuid.UUID(str(card["region_id"]))
        site.kind = str(card.get("kind") or site.kind)[:20]
    for site_id, (_first, last) in dict(manifest.get("ranges", {})).items():
        site = vector.get(site_id)
        if site is not None and not site.own:
            site.last_seq = max(site.last_seq, int(last))
    sender = vector.get(sender_id)
    if sender is not None:
        sender.seen_vector = json.dumps(manifest.get("vector", {}), sort_keys=True)
        key = manifest["sender"]["key"]
        sender.key_fingerprint = fingerprint(str(key["algorithm"]), base64.b64decode(key["public_key"]))
        if manifest.get("full") and own.parent_id is None and own.kind != "county" and sender.parent_id != own.id:
            own.parent_id = sender.id  # a laptop made from this site's full package belongs under it
            if own.kind == "station" and sender.kind == "station":
                own.kind = "field"  # … as a field laptop, until it is told its village (package site)
    session.flush()


_BATCH = 2000
# A kind with at least this many creates arriving into an empty table (a full package at a new site) goes
# in without that table's own indexes, which are made again once, by sorting (``bulk.drop_indexes``).
_LATE_INDEX = 5000
# Fields the checks of later changes read (where a record lies, who it duplicates, whether it is sealed,
# a household's summary): an update of one is written at once, the others wait for one executemany.
_LOOKED_UP = frozenset(
    {"household_id", "village_id", "parent_id", "person_id", "visit_id", "intention_id", "id_number",
     "household_no", "code", "level", "locked", "relation", "name", "state", "to_state"}
)  # fmt: skip


_MISSING = object()
_PARSERS: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: uuid.UUID,
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
}


def _hex(value: object) -> str:
    """A UUID as SQLite keeps it (32 hex digits), from its text with or without dashes."""
    return str(value).replace("-", "")


class _SqliteText:
    """ISO text of a time or a date → the text SQLite stores ("2026-12-01 08:00:00.000000", "2026-12-01"),
    without a datetime on the way when it is already in full form; otherwise through the type's processor."""

    def __init__(self, process: Callable[[Any], Any], kind: type) -> None:
        self.process, self.kind = process, kind
        self.length = 26 if kind is datetime else 10

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) == self.length:
            if self.length == 10:
                return value
            if value[10] in "T ":
                return f"{value[:10]} {value[11:]}"
        parse = datetime.fromisoformat if self.kind is datetime else date.fromisoformat
        return self.process(parse(value) if isinstance(value, str) else value)

    def stored(self, values: Sequence[Any]) -> bool:
        """Whether every value is already the stored text (a package from a SQLite site): taken as it is."""
        if self.length == 10:
            return all(value is None or (type(value) is str and len(value) == 10) for value in values)
        return all(value is None or (type(value) is str and len(value) == 26 and value[10] == " ") for value in values)


def _converted(values: Sequence[Any], step: Callable[[Any], Any]) -> Sequence[Any]:
    """A column's values through ``step`` (None stays None): a value on every row (the site of a full
    package's changes, the time of its baseline) once, and ids to hex text in C (``str.replace``)."""
    if not values:
        return values
    first = values[0]
    if values.count(first) == len(values):
        return [None if first is None else step(first)] * len(values)
    if step is _hex and None not in values and all(type(value) is str for value in values):
        return list(map(str.replace, values, repeat("-"), repeat("")))
    if isinstance(step, _SqliteText) and step.stored(values):
        return values
    return [value if value is None else step(value) for value in values]


def _then(first: Callable[[Any], Any], second: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: second(first(value))


_MATCHED = frozenset({"person", "household", "region"})  # the kinds a new record may duplicate (``_same_as``)


def _match_key(entity: str, values: dict[str, Any]) -> tuple[object, ...] | None:
    """What makes a new record the same as one here (``_same_as``), from its JSON values."""
    if entity == "person" and values.get("id_number"):
        return (values["id_number"],)
    if entity == "household" and values.get("household_no"):
        village = values.get("village_id")
        return (uuid.UUID(str(village)) if village else None, values["household_no"])
    if entity == "region" and values.get("code"):
        return (values["code"],)
    return None


def _unique_columns(table: Table) -> list[str]:
    """The columns no two records may share (a person's 身份证号, a region's 区划代码)."""
    return [column.key for column in table.columns if column.unique and column.nullable]


def _uuid_of(value: object) -> uuid.UUID | None:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _default(table: Table, column: str) -> object:
    """A column missing from a record made by an older program: its scalar default, else None."""
    default = table.c[column].default
    arg = getattr(default, "arg", None)
    return None if arg is None or callable(arg) else arg


class _Applier:
    """Applies one change at a time with Core statements (no ORM, so nothing is recorded twice)."""

    def __init__(self, uow: UnitOfWork, own: Site, vector: dict[str, Site], cards: dict[str, dict[str, Any]]) -> None:
        self.uow = uow
        self.session = uow.session
        self.own = own
        self._vector = vector
        self._cards = cards
        self.raised: list[SyncIssue] = []  # the questions this package opened (some it may close again)
        self._rules: dict[str, SiteRule] = {}
        self._stations: dict[str, bool] = {}
        self._converters: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {}
        self._steps: dict[str, list[tuple[str, Callable[[Any], Any] | None, Any]]] = {}
        self._villages: dict[tuple[str, object], uuid.UUID | None] = {}  # where records lie, looked up once
        self._prefetched: dict[tuple[str, uuid.UUID], Any] = {}  # the records a run of updates changes
        self._last_field: dict[tuple[uuid.UUID, str], tuple[object, object]] = {}  # set by this package
        self._entries: list[list[Any]] = []
        self._creates: Counter[str] = Counter()  # how many creates of each kind the package holds
        self._late: dict[str, list[str]] = {}  # tables going in without their indexes: the statements to make them
        self._late_seen: set[str] = set()  # each table's indexes dropped once at most
        # Plain field updates wait here, as the driver takes them, for one executemany per kind of update
        # (``_write_updates``), written before anything reads the records again.
        self._updates: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
        self._updated: set[tuple[str, uuid.UUID]] = set()
        self._processors: dict[tuple[str, str], Callable[[Any], Any] | None] = {}
        self._households: set[uuid.UUID] = set()  # whose members changed: their summary is derived again
        self._numbers: dict[str, str | None] = {}  # people to index by 身份证号 at the end, by the id's hex text
        # The tables that held nothing when the package came (a new site's), each with the ids and the
        # duplicate keys (``_match_key``) of what batches have written to it since: no query needs to ask.
        # A table leaves this as soon as anything else writes to it.
        self._fresh: dict[str, tuple[set[Any], dict[tuple[object, ...], Any]]] = {
            name: (set(), {})
            for name, table in changes.TRACKED.items()
            if self.session.execute(select(table.c.id).limit(1)).first() is None
        }
        entry = ChangeEntry.__table__
        self._tombstones = {
            (str(entity), entity_id)
            for entity, entity_id in self.session.execute(
                select(entry.c.entity, entry.c.entity_id).where(entry.c.action == "delete")
            )
        }

        # Records merged into another here (合并为同一人 / the same household): gone id → kept id. A change that
        # arrives later and still refers to the gone one (a member added to it before the merge reached its
        # laptop) refers to the kept one, as whatever referred to it at the merge does.
        self._merged: dict[uuid.UUID, uuid.UUID] = {}
        for gone, after in self.session.execute(
            select(entry.c.entity_id, entry.c.after).where(entry.c.action == MERGE, entry.c.after.is_not(None))
        ):
            self._merged[gone] = uuid.UUID(str(json.loads(after)["id"]))

    def _redirect(self, table: Table, values: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        """``values`` with every reference to a record merged away here turned to the record it was merged into
        (with ``key``, that column only: a record's own id)."""
        if not self._merged:
            return values
        out = values
        for column in table.columns:
            if values.get(column.key) is None or not (column.key == key if key else column.foreign_keys):
                continue
            target = _uuid_of(values[column.key])
            seen: set[uuid.UUID] = set()
            while target in self._merged and target not in seen:
                seen.add(target)
                target = self._merged[target]
            if target != _uuid_of(values[column.key]):
                out = out | {column.key: target}
        return out

    def apply_all(self, rows: list[list[Any]]) -> list[str | None]:
        """Every change in order; a run of creates of one kind from a station goes in one batch."""
        self._prefetch(rows)
        self._creates.update(str(row[3]) for row in rows if row[2] == "create")
        outcomes: list[str | None] = []
        start_at = 0
        while start_at < len(rows):
            end = start_at
            while end < len(rows) and end - start_at < _BATCH and self._batchable(rows[end], rows[start_at]):
                end += 1
            if end - start_at > 1:
                self._write_updates()
                outcomes.extend(self._create_batch(rows[start_at:end]))
                start_at = end
            else:
                outcomes.append(self.apply(rows[start_at]))
                start_at += 1
        self._write_updates()
        return outcomes

    def _prefetch(self, rows: list[list[Any]]) -> None:
        """The current records of the updates in one query per kind (a day's edits: hundreds of them), and
        where members lie; each is read once — a second change of the same record reads it again."""
        wanted: dict[str, list[uuid.UUID]] = {}
        for row in rows:
            if row[2] == "update" and str(row[3]) in changes.TRACKED:
                wanted.setdefault(str(row[3]), []).append(uuid.UUID(str(row[4])))
        for entity, ids in wanted.items():
            if len(ids) < 20:
                continue
            table = changes.TRACKED[entity]
            unique = list(dict.fromkeys(ids))
            for start_at in range(0, len(unique), 500):
                chunk = unique[start_at : start_at + 500]
                for found in self.session.execute(select(table).where(table.c.id.in_(chunk))).mappings():
                    self._prefetched[(entity, found["id"])] = found
                if entity == "person":
                    person, household = Person.__table__, Household.__table__
                    for household_id, village_id in self.session.execute(
                        select(household.c.id, household.c.village_id)
                        .join(person, person.c.household_id == household.c.id)
                        .where(person.c.id.in_(chunk))
                    ):
                        self._villages[("person", str(household_id))] = village_id

    def _batchable(self, row: list[Any], first: list[Any]) -> bool:
        if row[2] != "create" or row[7] is None or row[3] != first[3] or str(row[3]) not in changes.TRACKED:
            return False
        site_id = str(row[0])
        station = self._stations.get(site_id)
        if station is None:  # a site's kind does not change within a package (its area may, with regions)
            station = self._stations[site_id] = self._rule(site_id).kind == "station"
        return station

    def _create_batch(self, rows: list[list[Any]]) -> list[str | None]:
        """Creates of one kind, at a station's word: those new here in one executemany; any that meets a
        record here (the same id, a possible duplicate, a tombstone) one by one, as ``apply`` does."""
        table = changes.TRACKED[str(rows[0][3])]
        loads = json.loads
        fresh = self._fresh.get(table.name)
        # Compared only among themselves (and kept by the hex text SQLite stores) in a new table: as text.
        as_text = fresh is not None and not self._tombstones
        ids: list[Any] = (
            [str(row[4]).replace("-", "") for row in rows] if as_text else [uuid.UUID(str(row[4])) for row in rows]
        )
        # As JSON (converted for the driver below), every record of the batch in one call of the decoder.
        values: list[dict[str, Any]] = loads("[" + ",".join([str(row[7]) for row in rows]) + "]")
        if len(values) != len(rows) or not all(type(record) is dict for record in values):
            values = [loads(str(row[7])) for row in rows]  # one is not a record: it fails on its own
        keys: list[tuple[object, ...] | None] = (
            [_match_key(table.name, record) for record in values] if table.name in _MATCHED else [None] * len(values)
        )
        if fresh is not None:  # only batches have written this table: what they wrote is known here
            inserted, matches = fresh
            present = inserted.intersection(ids)
        else:
            present = set(self.session.scalars(select(table.c.id).where(table.c.id.in_(ids))))
            matches = self._matches(table, keys)
        single: list[int] = []
        batch: list[int] = []
        for index, (entity_id, key) in enumerate(zip(ids, keys, strict=True)):
            if entity_id in present or (key is not None and key in matches):
                single.append(index)
            elif (table.name, entity_id) in self._tombstones:
                batch.append(-1 - index)  # deleted here: it stays deleted
            else:
                batch.append(index)
                if key is not None:
                    matches[key] = entity_id  # a second create of the same person in this package
        columns = list(table.c.keys())
        kept = [index for index in batch if index >= 0]
        tuples = self._driver_rows(table, [values[i] for i in kept])
        if fresh is not None and table.name not in self._late_seen and self._creates[table.name] >= _LATE_INDEX:
            self._late_seen.add(table.name)  # nothing reads this table until they are made again (``_build_late``)
            self._late[table.name] = drop_indexes(self.session, table)
        try:
            with self.session.begin_nested():
                insert_rows(self.session, table, columns, tuples, bound=True)
        except IntegrityError:  # a reference missing here: one by one, so each gets its own answer
            return [self.apply(row) for row in rows]
        if fresh is not None:
            fresh[0].update(ids[index] for index in kept)
        outcomes: list[str | None] = [None] * len(rows)
        if single:
            careful = set(single)
            self._entries.extend(row for index, row in enumerate(rows) if index not in careful)
        else:
            self._entries.extend(rows)
        if table.name == "region":
            self._rules.clear()
        if table.name == "person":
            households: set[str] = set()
            for index in kept:
                self._numbers[ids[index] if as_text else ids[index].hex] = values[index].get("id_number")
                households.add(str(values[index]["household_id"]))
            self._households.update(uuid.UUID(text) for text in households)  # each household once
        for index in single:  # what meets a record here: one by one, through the careful path
            outcomes[index] = self.apply(rows[index])
        return outcomes

    def _driver_rows(self, table: Table, records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """Records as JSON → rows as the driver takes them (``insert_rows(bound=True)``), as ``_driver``
        converts one but column by column: each column's step runs over all its values at once."""
        if not records:
            return []
        self._driver(table)
        keys = [key for key, _step, _missing in self._steps[table.name]]
        try:  # every column in every record (what this program writes): one C call per record picks them
            return self._driver_columns(table, list(zip(*map(operator.itemgetter(*keys), records), strict=True)))
        except KeyError:  # a record of an older program: the columns it lacks take their defaults
            pass
        marker = _MISSING
        columns: list[Sequence[Any]] = []
        for key, step, missing in self._steps[table.name]:
            found = [record.get(key, marker) for record in records]
            absent = marker in found  # JSON values: compared in C
            if step is not None:
                found = [value if value is None or value is marker else step(value) for value in found]
            if absent:
                found = [missing if value is marker else value for value in found]
            columns.append(found)
        return list(zip(*columns, strict=True))

    def _driver_columns(self, table: Table, columns: list[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Columns of JSON values (every column, in the table's order) → rows as the driver takes them."""
        self._driver(table)
        converted = [
            found if step is None else _converted(found, step)
            for found, (_key, step, _missing) in zip(columns, self._steps[table.name], strict=True)
        ]
        return list(zip(*converted, strict=True))

    def _driver(self, table: Table) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        """A record as JSON → the row as the driver takes it (``insert_rows(bound=True)``), converters cached."""
        cached = self._converters.get(table.name)
        if cached is not None:
            return cached
        sqlite = self.session.connection().dialect.name == "sqlite"
        steps: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
        for column in table.columns:
            process = bind_processor(self.session, table, column.key)
            kind = column.type.python_type
            step: Callable[[Any], Any] | None
            if kind is uuid.UUID and sqlite:
                step = _hex
            elif kind in (datetime, date) and sqlite and process is not None:
                step = _SqliteText(process, kind)
            elif kind in (uuid.UUID, datetime, date):
                parse: Callable[[Any], Any] = _PARSERS[kind]
                step = parse if process is None else _then(parse, process)
            else:
                step = process
            default = _default(table, column.key)
            missing = step(default) if default is not None and step is not None else default
            steps.append((column.key, step, missing))
        marker = _MISSING

        def convert(record: dict[str, Any]) -> tuple[Any, ...]:
            get = record.get
            return tuple(
                [
                    missing if (value := get(key, marker)) is marker
                    else value if value is None or step is None else step(value)
                    for key, step, missing in steps
                ]
            )  # fmt: skip

        self._converters[table.name] = convert
        self._steps[table.name] = steps
        return convert

    def _matches(self, table: Table, keys: list[tuple[object, ...] | None]) -> dict[tuple[object, ...], uuid.UUID]:
        """The records here that these new ones would duplicate, by their key (see ``_same_as``)."""
        wanted = [key for key in keys if key is not None]
        if not wanted:
            return {}
        found: dict[tuple[object, ...], uuid.UUID] = {}
        if table.name == "person":
            for start_at in range(0, len(wanted), 500):
                numbers = [key[0] for key in wanted[start_at : start_at + 500]]
                for number, pid in self.session.execute(
                    select(table.c.id_number, table.c.id).where(table.c.id_number.in_(numbers))
                ):
                    found[(number,)] = pid
        elif table.name == "household":
            for start_at in range(0, len(wanted), 500):
                numbers = [key[1] for key in wanted[start_at : start_at + 500]]
                for village, number, hid in self.session.execute(
                    select(table.c.village_id, table.c.household_no, table.c.id).where(
                        table.c.household_no.in_(numbers)
                    )
                ):
                    found[(village, number)] = hid
        elif table.name == "region":
            for code, rid in self.session.execute(select(table.c.code, table.c.id).where(table.c.code.is_not(None))):
                found[(code,)] = rid
        return found

    def _build_late(self) -> None:
        """Make again the indexes dropped for batches, before anything reads those tables by them."""
        late, self._late = self._late, {}
        for statements in late.values():
            create_indexes(self.session, statements)

    def _many_more(self, table: Table, arriving: int) -> bool:
        """Whether ``arriving`` rows are many, and more than ``table`` holds: they go in faster without its indexes."""
        if arriving < _LATE_INDEX:
            return False
        held = self.session.execute(select(func.count()).select_from(table)).scalar_one()
        return arriving >= held

    def finish(self) -> None:
        self._build_late()
        self._write_updates()
        start_at = changes.next_arrival(self.session)
        table = ChangeEntry.__table__
        columns = list(table.c.keys())
        arrived = self._entry_rows(start_at)
        # Many more entries than the log holds (a full package at a new site): they go in without the log's
        # own indexes, made again after by sorting. Else in the order of the (entity, entity id) index, as
        # ``changes.write_pending`` writes its own: they land on neighbouring pages of it, not a random one each.
        late = drop_indexes(self.session, table) if self._many_more(table, len(arrived)) else []
        if not late:
            arrived.sort(key=operator.itemgetter(columns.index("entity"), columns.index("entity_id")))
        insert_rows(self.session, table, columns, arrived, bound=True)
        create_indexes(self.session, late)
        index_people(self.session, list(self._numbers.items()))
        refresh_summaries(self.session, self._households)
        self.session.expire_all()

    def _entry_rows(self, start_at: int) -> list[tuple[Any, ...]]:
        """The kept changes as rows of the change log, as the driver takes them, numbered in arrival order.
        On SQLite, when every id is text and every time is in full ISO form (what this program writes), in
        one pass (ids as hex text, the time as SQLite keeps it: a county's 260,000 entries in 0.2 s, where
        converting column by column took 0.6 s); otherwise column by column through the columns' types."""
        table = ChangeEntry.__table__
        entries = self._entries
        plain = (
            self.session.connection().dialect.name == "sqlite"
            and list(table.c.keys()) == [*_ENTRY_COLUMNS, "arrival"]
            and all(
                type(row[0]) is str and type(row[4]) is str and type(row[9]) is str
                and len(row[9]) == 26 and row[9][10] in "T "
                for row in entries
            )
        )  # fmt: skip
        if not plain:
            return self._driver_columns(table, self._entry_columns(start_at))
        return [
            (site.replace("-", ""), seq, action, entity, entity_id.replace("-", ""), name, before, after, account,
             f"{at[:10]} {at[11:]}", arrival)
            for arrival, (site, seq, action, entity, entity_id, name, before, after, account, at)
            in enumerate(entries, start_at)
        ]  # fmt: skip

    def _entry_columns(self, start_at: int) -> list[Sequence[Any]]:
        """The kept changes as the change log's columns (in its table's order), numbered in arrival order."""
        by_name: dict[str, Sequence[Any]] = {}
        if self._entries:
            by_name.update(zip(_ENTRY_COLUMNS, zip(*self._entries, strict=True), strict=True))
        by_name["arrival"] = range(start_at, start_at + len(self._entries))
        return [by_name.get(column.key, ()) for column in ChangeEntry.__table__.columns]

    def _touch(self, table: Table, *rows: Any) -> None:
        if table.name == "household":  # written whole (a decision): its summary is derived again here
            self._households.update(row["id"] for row in rows if row is not None and row.get("id"))
        if table.name == "person":
            self._households.update(row["household_id"] for row in rows if row is not None and row["household_id"])

    def _record_entry(self, row: list[Any]) -> None:
        """Kept as it came (JSON values), converted for the driver in one go by ``finish``."""
        self._entries.append(row)

    def apply(self, row: list[Any]) -> str | None:
        _site_id, _seq, action, entity, entity_id, _field, _before, _after, _account, _at = row
        if self._late:
            self._build_late()  # what follows may read any table by any index
        entity_uuid = uuid.UUID(str(entity_id))
        self._record_entry(row)
        if action in (MERGE, DECIDE, "delete"):
            self._fresh.clear()  # they may change other records than their own
        else:
            self._fresh.pop(str(entity), None)
        table = changes.TRACKED.get(str(entity))
        if table is None:
            return self._issue("missing", row, entity_uuid, None, None)
        if action == "create" and row[7] is None:
            return None  # a baseline entry of a record that left no trace where it was made
        if action in ("update", "delete") and entity_uuid in self._merged:  # made to a record merged away here:
            entity_uuid = self._redirect(table, {"id": entity_uuid}, key="id")["id"]  # it is the kept one's
        if action != "update" or (table.name, entity_uuid) in self._updated:
            self._write_updates()  # what follows reads what the waiting updates change
        current = self._prefetched.pop((table.name, entity_uuid), _MISSING)
        if current is _MISSING:
            current = self.session.execute(select(table).where(table.c.id == entity_uuid)).mappings().first()
        if action in (MERGE, DECIDE, "delete"):
            self._prefetched.clear()  # they may change other records than their own
        if action == MERGE:
            return self._merge(table, row, entity_uuid, current)
        if action == DECIDE:
            return self._decide(table, row, entity_uuid, current)
        verdict = self._not_owned(table, row, entity_uuid, current)
        if verdict is not None:
            return verdict
        if action == "create":
            return self._create(table, row, entity_uuid, current)
        if action == "delete":
            return self._delete(table, row, entity_uuid, current)
        return self._update(table, row, entity_uuid, current)

    def _create(self, table: Table, row: list[Any], entity_id: uuid.UUID, current: Any) -> str | None:
        values = self._redirect(table, changes.decode_row(table, str(row[7])))
        if current is not None:
            differing = [
                k
                for k in values
                if k not in changes.BOOKKEEPING and changes.encode(current[k]) != changes.encode(values[k])
            ]
            for name in differing:
                self._issue(
                    "conflict", row, entity_id, name, changes.encode(current[name]), theirs=changes.encode(values[name])
                )
            return "conflict" if differing else None
        if self._tombstoned(table.name, entity_id):
            return None
        other = self._same_as(table, values)
        try:
            with self.session.begin_nested():
                # A possible duplicate is kept beside the record it may be (its unique values, such as the
                # 身份证号, held by the question until a person merges them), so that whatever refers to it
                # (members, visits, intentions) arrives too and moves with it at the merge.
                parked = values if other is None else values | {key: None for key in _unique_columns(table)}
                self.session.execute(insert(table).values(**parked))
        except IntegrityError:  # it lies in a record deleted here (a member added to a removed household):
            gone = self._gone_parent(table, values)  # an edit against a delete, for a person to decide
            return self._issue("conflict" if gone else "missing", row, entity_id, None, None)
        if other is not None:
            self._issue("duplicate", row, entity_id, None, None, other_id=other)
            if table.name == "person":
                self._same_household(row, values)
        if table.name == "region":
            self._rules.clear()  # areas are drawn from the regions: a new one may widen a site's area
        if table.name == "person":
            self._numbers[entity_id.hex] = None if other is not None else values.get("id_number")
            self._touch(table, values)
        return "duplicate" if other is not None else None

    def _gone_parent(self, table: Table, values: dict[str, Any]) -> bool:
        """Whether a record that ``values`` refers to was deleted here."""
        for column in table.columns:
            for key in column.foreign_keys:
                target, value = key.column.table, _uuid_of(values.get(column.key))
                if value is not None and isinstance(target, Table) and self._tombstoned(target.name, value):
                    return True
        return False

    def _same_household(self, row: list[Any], values: dict[str, Any]) -> None:
        """A new 户主 whose 身份证号 is the 户主 of another household here: the two households may be one
        (entered on two laptops, perhaps under different 户编号) — a question about the households, asked
        once per pair, besides the one about the two heads."""
        if values.get("relation") != HEAD or not values.get("id_number"):
            return
        person, household = Person.__table__, Household.__table__
        found = self.session.execute(
            select(person.c.id, person.c.household_id).where(
                person.c.id_number == values["id_number"], person.c.relation == HEAD
            )
        ).first()
        ours_household = _uuid_of(values.get("household_id"))
        if found is None or ours_household is None or found.household_id == ours_household:
            return
        pair = [ours_household, found.household_id]
        asked = self.session.scalar(
            select(SyncIssue.id).where(
                SyncIssue.entity == "household", SyncIssue.kind == "duplicate", SyncIssue.resolved_at.is_(None),
                SyncIssue.entity_id.in_(pair), SyncIssue.other_id.in_(pair),
            )
        )  # fmt: skip
        if asked is None:
            theirs = row_of(self.session, household, ours_household)
            if theirs is not None:
                about = [row[0], row[1], "create", "household", str(ours_household), None, None, None, row[8], row[9]]
                self._issue(
                    "duplicate", about, ours_household, None, None,
                    theirs=changes.encode_row(theirs), other_id=found.household_id,
                )  # fmt: skip

    def _update(self, table: Table, row: list[Any], entity_id: uuid.UUID, current: Any) -> str | None:
        name, before, after = str(row[5]), row[6], row[7]
        if name not in table.c:
            return self._issue("missing", row, entity_id, None, None)
        if current is None:
            kind = "conflict" if self._tombstoned(table.name, entity_id) else "missing"
            return self._issue(kind, row, entity_id, name, None)
        ours = changes.encode(current[name])
        if ours == after and (ours == before or self._same_edit(table, entity_id, name, before, after)):
            return None  # the same edit made on both sides
        if table.name in _LOCKABLE and current["locked"] and name != "locked" and not self._seals(row):
            return self._issue("correction", row, entity_id, name, ours)
        if ours != before:
            return self._issue("conflict", row, entity_id, name, ours)
        values: dict[str, object] = self._redirect(table, {name: changes.decode(table, name, after)})
        if "updated_at" in table.c:
            values |= {"updated_at": datetime.fromisoformat(str(row[9])), "updated_by": str(row[8])[:40]}
        if name in _LOOKED_UP:  # the ownership and duplicate checks read it: written now
            self._write_updates()
            try:
                with self.session.begin_nested():
                    self.session.execute(update(table).where(table.c.id == entity_id).values(**values))
            except IntegrityError:  # e.g. moved there into a household deleted here: a person decides
                return self._issue("conflict", row, entity_id, name, ours)
        else:
            self._wait_update(table, entity_id, values)
        self._last_field[(entity_id, name)] = (before, after)
        if name in ("household_id", "relation", "name"):
            self._touch(table, current, values if name == "household_id" else None)
        if table.name == "person" and name == "id_number":
            self.session.execute(delete(PersonIdGram.__table__).where(PersonIdGram.person_id == entity_id))
            self._numbers[entity_id.hex] = values[name]  # type: ignore[assignment]
        return None

    def _processor(self, table: Table, column: str) -> Callable[[Any], Any] | None:
        key = (table.name, column)
        if key not in self._processors:
            self._processors[key] = bind_processor(self.session, table, column)
        return self._processors[key]

    def _wait_update(self, table: Table, entity_id: uuid.UUID, values: dict[str, object]) -> None:
        """An UPDATE of one record's fields, kept (converted for the driver) until ``_write_updates``."""
        names = tuple(values)
        bound = []
        for name, value in (*values.items(), ("id", entity_id)):
            process = self._processor(table, name)
            bound.append(value if value is None or process is None else process(value))
        self._updates.setdefault((table.name, names), []).append(tuple(bound))
        self._updated.add((table.name, entity_id))

    def _write_updates(self) -> None:
        """The waiting updates, one executemany of a compiled UPDATE per table and set of fields."""
        if not self._updates:
            return
        connection = self.session.connection()
        dialect = connection.dialect
        for (entity, names), rows in self._updates.items():
            table = changes.TRACKED[entity]
            statement = (
                update(table)
                .where(table.c.id == bindparam("_key"))
                .values({name: bindparam(f"_set_{name}") for name in names})
            )
            compiled = statement.compile(dialect=dialect)
            keys = [f"_set_{name}" for name in names] + ["_key"]
            if compiled.positional and compiled.positiontup is not None:
                where = {key: index for index, key in enumerate(keys)}
                order = [where[key] for key in compiled.positiontup]
                connection.exec_driver_sql(str(compiled), [tuple(row[i] for i in order) for row in rows])
            else:
                connection.exec_driver_sql(str(compiled), [dict(zip(keys, row, strict=True)) for row in rows])
        self._updates.clear()
        self._updated.clear()

    def _same_edit(self, table: Table, entity_id: uuid.UUID, name: str, before: object, after: object) -> bool:
        """Whether the value here came from the same edit (same "before", same "after"): then the remote one
        is nothing new. The same value reached another way is a conflict — applied silently, the later
        changes of each side would build on different histories and the sites would drift apart."""
        last = self._last_field.get((entity_id, name))
        if last is None:
            entry = ChangeEntry.__table__
            found = self.session.execute(
                select(entry.c.before, entry.c.after)
                .where(entry.c.entity == table.name, entry.c.entity_id == entity_id, entry.c.field == name)
                .order_by(entry.c.arrival.desc().nulls_last(), entry.c.at.desc())
                .limit(1)
            ).first()
            last = (found[0], found[1]) if found is not None else None
        return last is not None and last == (before, after)

    def _delete(self, table: Table, row: list[Any], entity_id: uuid.UUID, current: Any) -> str | None:
        if current is None:
            return None
        if table.name in _LOCKABLE and current["locked"] and not self._seals(row):
            return self._issue("correction", row, entity_id, None, changes.encode_row(dict(current)))
        was = changes.decode_row(table, str(row[6]))
        edited = [
            k for k in was if k not in changes.BOOKKEEPING and changes.encode(current[k]) != changes.encode(was[k])
        ]
        if edited:  # edited here, deleted there: a person decides
            return self._issue("conflict", row, entity_id, None, changes.encode_row(dict(current)))
        try:
            with self.session.begin_nested():
                if table.name == "person":
                    self.session.execute(delete(PersonIdGram.__table__).where(PersonIdGram.person_id == entity_id))
                    self._numbers.pop(entity_id.hex, None)
                self.session.execute(delete(table).where(table.c.id == entity_id))
        except IntegrityError:  # still referred to here (a record added on this side)
            return self._issue("conflict", row, entity_id, None, changes.encode_row(dict(current)))
        self._touch(table, current)
        return None

    # --- ownership (domain/ownership.py) and decisions -------------------------------------------------

    def _rule(self, site_id: str) -> SiteRule:
        rule = self._rules.get(site_id)
        if rule is None:
            site, card = self._vector.get(site_id), self._cards.get(site_id, {})
            kind = str(card.get("kind") or (site.kind if site is not None else "field"))
            region = card.get("region_id") or (site.region_id if site is not None else None)
            if site_id == str(self.own.id):
                kind, region = self.own.kind, self.own.region_id
            region_id = uuid.UUID(str(region)) if region else None
            rule = SiteRule(uuid.UUID(site_id), kind, area_of(self.session, region_id))
            self._rules[site_id] = rule
        return rule

    def _seals(self, row: list[Any]) -> bool:
        """The change comes from a station, which keeps the seals: its change to a sealed record stands
        (a follow-up step, an unlock for correction); anyone else's becomes a correction request."""
        return self._rule(str(row[0])).kind == "station"

    def _not_owned(self, table: Table, row: list[Any], entity_id: uuid.UUID, current: Any) -> str | None:
        """A change its site does not own: a proposal when this site owns the record, else it waits here
        for the owner's decision (which arrives as a ``decide`` change). None when the site owns it."""
        action, field_name, after = row[2], row[5], row[7]
        origin = self._rule(str(row[0]))
        if origin.kind == "station":
            return None  # the station keeps everything of its township
        if action == "create":
            values: dict[str, Any] = changes.decode_row(table, str(after))
        elif current is not None:
            values = dict(current)
        else:
            return None  # nothing here to protect: the merge below says what it makes of it
        name = str(field_name) if action == "update" else None
        new_value = changes.decode(table, name, after) if name is not None and name in table.c else None
        session = self.session
        villages = self._villages
        if origin.owns(
            session, table.name, name, values, new_value=new_value, creating=action == "create", villages=villages
        ):
            return None
        ours: str | None = None
        if current is not None:
            ours = changes.encode(current[name]) if name is not None else changes.encode_row(dict(current))
        if self._rule(str(self.own.id)).owns(session, table.name, name, values, new_value=new_value, villages=villages):
            if current is not None and table.name in _LOCKABLE and current["locked"] and name != "locked":
                return self._issue("correction", row, entity_id, name, ours)  # sealed: a correction request
            if action == "create" and current is None and table.name == "region" and self._same_as(table, values):
                return self._create(table, row, entity_id, current)  # a village this site has: one to merge
            return self._issue("proposal", row, entity_id, name, ours)
        return self._issue("elsewhere", row, entity_id, name, ours)

    def _decided(self, row: list[Any]) -> str:
        site = self._vector.get(str(row[0]))
        name = site.name if site is not None else str(self._cards.get(str(row[0]), {}).get("name", ""))
        return f"按“{name}”{row[8]}的决定"

    def _decide(self, table: Table, row: list[Any], entity_id: uuid.UUID, current: Any) -> str | None:
        """A person's decision at another site: the record as they decided, and the same question closed here."""
        name, before, after = row[5], row[6], row[7]
        try:
            with self.session.begin_nested():
                if name is not None:
                    if current is None:
                        return self._issue("missing", row, entity_id, str(name), None)
                    ours = changes.encode(current[name])
                    if ours != after:
                        if ours != before:  # changed here again since: a new question
                            return self._issue("conflict", row, entity_id, str(name), ours)
                        set_field(self.session, table, entity_id, str(name), changes.decode(table, name, after), row[8])
                        self._touch(table, current, {"household_id": changes.decode(table, name, after)}
                                    if name == "household_id" else None)  # fmt: skip
                elif after is not None:
                    values = changes.decode_row(table, str(after))
                    upsert(self.session, table, values)
                    self._touch(table, current, values)
                elif current is not None:
                    remove(self.session, table, entity_id)
                    self._touch(table, current)
        except IntegrityError:
            return self._issue("missing", row, entity_id, name, None)
        self._numbers.pop(entity_id.hex, None)
        close_issues(self.session, [entity_id], name, self._decided(row))
        return None

    def _merge(self, table: Table, row: list[Any], gone_id: uuid.UUID, current: Any) -> str | None:
        """合并为同一人 at another site: the same merge here."""
        into = changes.decode_row(table, str(row[7]))
        try:
            with self.session.begin_nested():
                merge_into(self.session, table, gone_id, into)
        except IntegrityError:
            return self._issue("missing", row, gone_id, None, None)
        kept_id = uuid.UUID(str(into["id"]))
        if kept_id != gone_id:
            self._merged[gone_id] = kept_id
        for entity_id in (gone_id, kept_id):
            self._numbers.pop(entity_id.hex, None)
        self._touch(table, current, into)
        if table.name == "household":  # its members now include the gone one's
            self._households.add(kept_id)
        close_issues(self.session, [gone_id, kept_id], None, self._decided(row))
        return None

    def _same_as(self, table: Table, values: dict[str, object]) -> uuid.UUID | None:
        """The record here that a new one from another site duplicates: a person with the same 身份证号,
        a household with the same 户编号 in the same village, a region with the same 区划代码."""
        if table.name == "person" and values.get("id_number"):
            where = table.c.id_number == values["id_number"]
        elif table.name == "household" and values.get("household_no"):
            where = (table.c.village_id == values.get("village_id")) & (table.c.household_no == values["household_no"])
        elif table.name == "region" and (values.get("code") or values.get("name")):
            # the same 区划代码, or the same name under the same parent (a village added twice, each
            # with a code of its own): one place
            where = table.c.code == values["code"] if values.get("code") else false()
            if values.get("name") and values.get("parent_id"):
                where = where | ((table.c.parent_id == values["parent_id"]) & (table.c.name == values["name"]))
        else:
            return None
        found: uuid.UUID | None = self.session.scalar(select(table.c.id).where(where).limit(1))
        return found

    def _tombstoned(self, entity: str, entity_id: uuid.UUID) -> bool:
        """Deleted here (a tombstone in this site's change log): a package does not bring it back."""
        return (entity, entity_id) in self._tombstones

    def _issue(
        self,
        kind: str,
        row: list[Any],
        entity_id: uuid.UUID,
        field_name: str | None,
        ours: str | None,
        *,
        theirs: str | None = None,
        other_id: uuid.UUID | None = None,
    ) -> str:
        site_id, seq, action, entity, _id, _field, before, after, account, at = row
        our_account, our_at = self._last_local(str(entity), other_id or entity_id, field_name)
        issue = SyncIssue(
            kind=kind,
            entity=str(entity),
            entity_id=entity_id,
            other_id=other_id,
            field=field_name,
            base=before,
            ours=ours,
            theirs=theirs if theirs is not None else after,
            our_account=our_account,
            our_at=our_at,
            their_site_id=uuid.UUID(str(site_id)),
            their_seq=int(seq),
            their_account=str(account)[:40],
            their_at=datetime.fromisoformat(str(at)),
        )
        self.session.add(issue)
        self.raised.append(issue)
        self.uow.audit("sync", str(entity), entity_id, field_name, None, f"{KIND_LABELS[kind]}（{action}）")
        return kind

    def _last_local(
        self, entity: str, entity_id: uuid.UUID, field_name: str | None
    ) -> tuple[str | None, datetime | None]:
        entry = ChangeEntry.__table__
        query = select(entry.c.account, entry.c.at).where(entry.c.entity == entity, entry.c.entity_id == entity_id)
        if field_name is not None:
            query = query.where((entry.c.field == field_name) | entry.c.field.is_(None))
        found = self.session.execute(query.order_by(entry.c.at.desc()).limit(1)).first()
        return (found.account, found.at) if found is not None else (None, None)


@dataclass(frozen=True)
class OpenIssue:
    kind: str
    entity: str
    entity_id: uuid.UUID
    field: str | None
    base: str | None
    ours: str | None
    theirs: str | None
    their_site: str
    their_account: str
    their_at: datetime


def open_issues(database: Database) -> list[OpenIssue]:
    """What packages could not apply by themselves, oldest first, until a person decides."""

    def query(session: Session) -> list[OpenIssue]:
        names = {site.id: site.name for site in session.scalars(select(Site))}
        rows = session.scalars(select(SyncIssue).where(SyncIssue.resolved_at.is_(None)).order_by(SyncIssue.created_at))
        return [
            OpenIssue(
                r.kind, r.entity, r.entity_id, r.field, r.base, r.ours, r.theirs,
                names.get(r.their_site_id, str(r.their_site_id)[:8]), r.their_account, r.their_at,
            )
            for r in rows
        ]  # fmt: skip

    return database.read(query)
