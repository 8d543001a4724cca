"""本站密钥: the station's signing key, its public key file, and the keys of other stations.

The own key is created with the station database (migration 0003). Its private half lies in the
database: in an encrypted file it is protected at rest with the rest of the data (the accounts' key
slots open it); in a plain file it is not, and ``info``, ``check`` and the 本站密钥 dialog say so
(:data:`UNPROTECTED`). Nothing writes it anywhere else: the key file holds the public half only, data
packages carry the public keys, and a plain file's backups leave the private halves out (store/backup.py).
Registered keys (public halves from other stations' key files) are what ``verify`` accepts besides
the own key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.permissions import Capability
from fupin_desktop.domain.signing import (
    DEFAULT_ALGORITHM,
    KEY_FILE_SUFFIX,
    PublicKey,
    fingerprint,
    read_key_file,
    scheme,
    signed_message,
)
from fupin_desktop.export.sheet import Signature
from fupin_desktop.services.accounts import Who, actor_name, permit
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import StationKey
from fupin_desktop.store.uow import UnitOfWork

UNPROTECTED = "本站私钥未加密保护：请加密数据库"
_MISSING_PRIVATE = "本站密钥缺少私钥部分（未加密数据库的备份不含私钥），不能{what}。"


@dataclass(frozen=True)
class KeyResult:
    key: PublicKey
    path: Path | None = None
    added: bool = True  # False when the key was already registered


def _own_row(session: Session) -> StationKey:
    row = session.scalar(select(StationKey).where(StationKey.own.is_(True)))
    if row is None:  # every database migrated to 0003 has one; a row deleted by hand gets a new key
        private, public = scheme(DEFAULT_ALGORITHM).generate()
        row = StationKey(
            algorithm=DEFAULT_ALGORITHM,
            public_key=base64.b64encode(public).decode("ascii"),
            private_key=base64.b64encode(private).decode("ascii"),
            fingerprint=fingerprint(DEFAULT_ALGORITHM, public),
            unit_name="",
            own=True,
        )
        session.add(row)
        session.flush()
    return row


def _public(row: StationKey, unit_name: str | None = None) -> PublicKey:
    return PublicKey(
        row.algorithm, base64.b64decode(row.public_key), unit_name if unit_name is not None else row.unit_name
    )


def own_public_key(session: Session) -> PublicKey:
    """The station's public key, named by the station profile's unit."""
    row = _own_row(session)
    return _public(row, load_station_profile(session).unit_name.strip() or row.unit_name)


def sign_digest(session: Session, digest: str) -> Signature:
    """The station's signature over a sealed sheet's digest (inside the sealing transaction)."""
    row = _own_row(session)
    if row.private_key is None:
        raise ServiceError(_MISSING_PRIVATE.format(what="签名封存"))
    value = scheme(row.algorithm).sign(base64.b64decode(row.private_key), signed_message(digest))
    return Signature(row.algorithm, base64.b64decode(row.public_key), value)


def sign_bytes(session: Session, message: bytes) -> Signature:
    """The station's signature over ``message`` (a data package's manifest, with its own prefix)."""
    row = _own_row(session)
    if row.private_key is None:
        raise ServiceError(_MISSING_PRIVATE.format(what="签名"))
    value = scheme(row.algorithm).sign(base64.b64decode(row.private_key), message)
    return Signature(row.algorithm, base64.b64decode(row.public_key), value)


def private_key_unprotected(database: Database) -> bool:
    """Whether the station's private key lies unencrypted on disk: a plain file that holds it. (An
    encrypted file protects it at rest; a server keeps it under the server's own logins.)"""
    if database.encrypted or database.is_server:
        return False
    with database.session_factory() as session:
        return (
            session.scalar(select(StationKey.id).where(StationKey.own.is_(True), StationKey.private_key.is_not(None)))
            is not None
        )


def protection_note(database: Database) -> str | None:
    """:data:`UNPROTECTED` for a plain file that holds the private key, else None."""
    return UNPROTECTED if private_key_unprotected(database) else None


def known_keys(session: Session) -> list[PublicKey]:
    """The keys whose signatures this station accepts: its own and every registered one."""
    own = own_public_key(session)
    others = session.scalars(select(StationKey).where(StationKey.own.is_(False)).order_by(StationKey.created_at))
    return [own, *(_public(row) for row in others)]


def known_keys_of(database: Database) -> list[PublicKey]:
    with UnitOfWork(database, "本站") as uow:
        keys = known_keys(uow.session)
        uow.commit()  # a key created because the own one was missing is kept
    return keys


def _keyed(path: Path) -> Path:
    """``laptop.key`` → ``laptop.key.fupinkey``: the window's 登记其他站点的密钥… lists ``*.fupinkey`` files."""
    return path if path.suffix.lower() == KEY_FILE_SUFFIX else path.with_name(path.name + KEY_FILE_SUFFIX)


def export_station_key(database: Database, *, actor: Who, out: Path) -> KeyResult:
    """Write the station's public key file (for the county's key folder); a folder gets the default name,
    a file name without ``.fupinkey`` gets it appended."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.STATION_KEYS)
        key = own_public_key(uow.session)
        if not key.unit_name:
            raise ServiceError(
                "请先在“设置 → 本站信息”中填写填表单位（单位全称；命令行：fupin-desktop profile --unit 单位全称），"
                "再导出本站密钥：密钥文件写明所属单位。"
            )
        row = _own_row(uow.session)
        if row.unit_name != key.unit_name:
            row.unit_name = key.unit_name
        path = out / f"{_safe(key.unit_name)}-{key.fingerprint}{KEY_FILE_SUFFIX}" if out.is_dir() else _keyed(out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(key.to_file_text(), encoding="utf-8")
        except OSError as error:
            raise ServiceError(f"无法写入密钥文件“{path}”：{error.strerror}") from error
        uow.audit("update", "station_key", row.id, "exported", None, f"{key.fingerprint} → {path.name}")
        uow.commit()
    return KeyResult(key, path)


def register_station_key(database: Database, *, actor: Who, path: Path) -> KeyResult:
    """Accept another station's key file: its signatures then verify here (idempotent)."""
    try:
        key = read_key_file(path)
    except ValueError:
        raise ServiceError(f"“{path.name}”不是本程序导出的站点密钥文件（.fupinkey），未登记。") from None
    with UnitOfWork(database, actor_name(actor)) as uow:
        permit(uow.session, actor, Capability.STATION_KEYS)
        session = uow.session
        existing = session.scalar(select(StationKey).where(StationKey.fingerprint == key.fingerprint))
        if existing is not None:
            if existing.own:
                raise ServiceError(f"“{path.name}”是本站自己的密钥（指纹 {key.fingerprint}），不需要登记。")
            if base64.b64decode(existing.public_key) != key.key:
                raise ServiceError(f"已登记的密钥与“{path.name}”的指纹相同但内容不同，未登记。")
            return KeyResult(_public(existing), path, added=False)
        row = StationKey(
            algorithm=key.algorithm,
            public_key=base64.b64encode(key.key).decode("ascii"),
            private_key=None,
            fingerprint=key.fingerprint,
            unit_name=key.unit_name[:80],
            own=False,
        )
        session.add(row)
        session.flush()
        uow.audit("create", "station_key", row.id, new=f"{key.unit_name} {key.fingerprint}")
        uow.commit()
    return KeyResult(key, path)


def _safe(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text)
