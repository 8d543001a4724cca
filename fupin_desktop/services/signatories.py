"""Who signs a sealed sheet (填表人, 联系电话, 审核人, 负责人): taken from the accounts, editable per sheet.

With accounts in force the 审核人 who seals is both 审核人 and 负责人, and the 填表人 is the station's
乡镇经办人 (its one active account; with none or several, the sealing account) with that account's phone.
Without accounts (the previous version's databases) the station profile's names are used, as before.
Whatever the seal dialog or ``seal --filled-by …`` changes is what the sheet and its snapshot carry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.accounts import Role
from fupin_desktop.domain.validation import validate_phone
from fupin_desktop.services.accounts import Who, checked_actor
from fupin_desktop.services.errors import ServiceError
from fupin_desktop.services.settings import load_station_profile
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import Operator

NAME_LIMIT = 20


@dataclass(frozen=True)
class Signatories:
    operator: str  # 填表人
    phone: str  # 联系电话
    reviewer: str  # 审核人
    head: str  # 负责人


def _shown(account: Operator) -> str:
    return account.display_name or account.name


def default_signatories(session: Session, actor: Who) -> Signatories:
    """What the seal dialog starts with for ``actor`` (see the module's docstring)."""
    profile = load_station_profile(session)
    current = checked_actor(session, actor)
    if current is None:
        return Signatories(profile.operator_name, profile.contact_phone, profile.reviewer_name, profile.head_name)
    sealer = session.scalar(select(Operator).where(Operator.name == current.name))
    assert sealer is not None  # checked_actor found it
    clerks = session.scalars(
        select(Operator).where(
            Operator.role == Role.TOWNSHIP_CLERK.value,
            Operator.disabled.is_(False),
            Operator.password_hash.is_not(None),
        )
    ).all()
    filler = clerks[0] if len(clerks) == 1 else sealer
    phone = filler.phone or sealer.phone or profile.contact_phone
    return Signatories(_shown(filler), phone, _shown(sealer), _shown(sealer))


def signatories_for(database: Database, *, actor: Who) -> Signatories:
    return database.read(default_signatories, actor)


def checked_signatories(signatories: Signatories) -> Signatories:
    """Trimmed, or refused with what is wrong: a name missing or too long, a phone that is not one."""
    cleaned = Signatories(
        *(value.strip() for value in (signatories.operator, signatories.phone, signatories.reviewer, signatories.head))
    )
    for label, value in (("填表人", cleaned.operator), ("审核人", cleaned.reviewer), ("负责人", cleaned.head)):
        if not value:
            raise ServiceError(f"请填写{label}：封存的表上要有{label}的姓名。")
        if len(value) > NAME_LIMIT:
            raise ServiceError(f"{label}“{value[:NAME_LIMIT]}…”太长：最多{NAME_LIMIT}个字。")
    problem = validate_phone(cleaned.phone)
    if problem is not None:
        raise ServiceError(f"联系电话：{problem}")
    return cleaned


def override(defaults: Signatories, **changes: str | None) -> Signatories:
    """``defaults`` with the fields given (not None) replaced: the CLI's --filled-by, --phone, …"""
    return replace(defaults, **{field: value for field, value in changes.items() if value is not None})
