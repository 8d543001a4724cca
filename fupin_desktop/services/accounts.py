"""Accounts (账号), sign-in with lockout, and the one place where a role is checked: :func:`require`.

A database keeps working as in the previous version — the actor is a free-text name and nothing is
checked — until a 管理员 with a password exists ("accounts in force"). From then on a step that needs a
role is refused unless its actor is an :class:`Actor` that signed in, and a plain name is only
recorded, never trusted with a role.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fupin_desktop.domain.accounts import (
    MAX_FAILURES,
    NAME_LENGTH,
    ROLE_LABELS,
    Actor,
    Role,
    hash_password,
    locked_until_after_failure,
    password_matches,
    password_problem,
    role_refusal,
    roles_phrase,
)
from fupin_desktop.domain.clock import utc_now
from fupin_desktop.domain.permissions import PERMISSIONS, Capability
from fupin_desktop.services.errors import NotFound, PermissionDenied, ServiceError, SignInRefused
from fupin_desktop.store import changes, keyring
from fupin_desktop.store.db import Database
from fupin_desktop.store.models import ChangeEntry, Household, Operator, Region
from fupin_desktop.store.uow import UnitOfWork

Who = str | Actor
"""What a service takes as its actor: a signed-in :class:`Actor`, or a plain name (legacy)."""


def actor_name(actor: Who) -> str:
    return actor if isinstance(actor, str) else actor.name


def accounts_in_force(session: Session) -> bool:
    """True once a 管理员 account with a password exists: from then on roles are checked."""
    return (
        session.scalar(
            select(Operator.id)
            .where(Operator.role == Role.ADMIN.value, Operator.password_hash.is_not(None), Operator.disabled.is_(False))
            .limit(1)
        )
        is not None
    )


def _account(session: Session, name: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.name == name))


def _actor_of(account: Operator) -> Actor:
    return Actor(account.name, Role(account.role), account.display_name or "", account.region_id)


def require(session: Session, actor: Who, roles: tuple[Role, ...], what: str) -> Actor:
    """The actor as it stands in the database, refused unless one of ``roles``; call it before writing.

    With no accounts in force every actor passes (as a legacy one). Otherwise a plain name, an account
    that no longer exists or is disabled, or a role not in ``roles`` raise :class:`PermissionDenied`."""
    if not accounts_in_force(session):
        return actor if isinstance(actor, Actor) else Actor(actor)
    needed = roles_phrase(roles)
    if isinstance(actor, str) or actor.role is None:
        raise PermissionDenied(f"需要{needed}权限才能{what}：请先以账号登录。")
    account = _account(session, actor.name)
    if account is None or account.disabled or account.password_hash is None:
        raise PermissionDenied(f"账号“{actor.name}”不存在或已停用，不能{what}。")
    current = _actor_of(account)
    refusal = role_refusal(current, roles, what)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return current


ANY_ROLE = tuple(Role)


def checked_actor(session: Session, actor: Who) -> Actor | None:
    """The signed-in account behind ``actor`` when accounts are in force and it is one; else None."""
    if isinstance(actor, str) or actor.role is None or not accounts_in_force(session):
        return None
    return require(session, actor, ANY_ROLE, "操作")


def _outside_own_village(session: Session, actor: Who, village_ids: set[uuid.UUID]) -> str | None:
    """For a 村级录入员 reaching past their village: "本村（北村）"; otherwise None."""
    current = checked_actor(session, actor)
    if current is None or current.role is not Role.VILLAGE_CLERK:
        return None
    if current.region_id is None or village_ids - {current.region_id}:
        own = session.get(Region, current.region_id) if current.region_id is not None else None
        return f"本村（{own.name}）" if own is not None else "本村"
    return None


def permit(session: Session, actor: Who, operation: Capability) -> Actor:
    """:func:`require` with the roles and words of :data:`PERMISSIONS` (the one table of who may do what)."""
    rule = PERMISSIONS[operation]
    return require(session, actor, rule.roles, rule.what)


def permit_in_villages(session: Session, actor: Who, operation: Capability, village_ids: set[uuid.UUID]) -> Actor:
    """:func:`permit`, and a 村级录入员 only in their own village."""
    current = permit(session, actor, operation)
    where = _outside_own_village(session, actor, village_ids)
    if where is not None:
        raise PermissionDenied(f"村级录入员只能在{where}{PERMISSIONS[operation].what}（账号“{current.name}”）。")
    return current


def permit_for_households(session: Session, actor: Who, operation: Capability, household_ids: set[uuid.UUID]) -> Actor:
    villages = set(session.scalars(select(Household.village_id).where(Household.id.in_(household_ids))))
    current = permit_in_villages(session, actor, operation, villages)
    _refuse_townships_records_at_county(session, operation, household_ids)
    return current


def _refuse_townships_records_at_county(session: Session, operation: Capability, household_ids: set[uuid.UUID]) -> None:
    """A county changes nothing of a township's (docs/sites.md): its households, members, visits and
    intentions are the township's to change, and the county asks for a correction instead (申请更正…). Which
    site made a household is its first entry in this database's change log; one the county made is its own."""
    if not household_ids or changes.own_site_kind(session) != "county":
        return
    own_id = changes.own_site_id(session)
    entry = ChangeEntry.__table__
    for household_id in sorted(household_ids):
        made_by = session.scalar(
            select(entry.c.site_id)
            .where(entry.c.entity == "household", entry.c.entity_id == household_id)
            .order_by(entry.c.arrival.nulls_first(), entry.c.seq)
            .limit(1)
        )
        if made_by is not None and made_by != own_id:
            number = session.scalar(select(Household.household_no).where(Household.id == household_id))
            raise PermissionDenied(
                f"县局不能直接{PERMISSIONS[operation].what}（户编号 {number or '未编号'} 是乡镇人社所的农户）："
                "请在 数据交换 页用“申请更正…”请所属人社所更正，或用 package request 命令。未作改动。"
            )


def village_scope(session: Session, actor: Who) -> uuid.UUID | None:
    """The one village a 村级录入员 sees (their account's), or None: every other actor sees the whole area."""
    current = checked_actor(session, actor)
    if current is None or current.role is not Role.VILLAGE_CLERK:
        return None
    if current.region_id is None:
        raise PermissionDenied(f"村级录入员账号“{current.name}”没有所属村，请管理员指定。")
    return current.region_id


# --- accounts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    name: str
    display_name: str
    role: Role
    role_label: str
    region_name: str
    phone: str
    disabled: bool
    locked_until: datetime | None
    can_sign_in: bool


def list_accounts(database: Database, *, now: datetime | None = None) -> list[AccountRow]:
    moment = now or utc_now()
    with database.session_factory() as session:
        regions: dict[uuid.UUID, str] = {rid: rname for rid, rname in session.execute(select(Region.id, Region.name))}
        accounts = session.scalars(select(Operator).order_by(Operator.created_at, Operator.name)).all()
        return [
            AccountRow(
                name=a.name,
                display_name=a.display_name or "",
                role=Role(a.role),
                role_label=ROLE_LABELS[Role(a.role)],
                region_name=regions.get(a.region_id, "") if a.region_id is not None else "",
                phone=a.phone or "",
                disabled=a.disabled,
                locked_until=a.locked_until if a.locked_until is not None and a.locked_until > moment else None,
                can_sign_in=a.password_hash is not None and not a.disabled,
            )
            for a in accounts
        ]


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ServiceError("请填写账号名。")
    if len(cleaned) > NAME_LENGTH or any(ch.isspace() for ch in cleaned):
        raise ServiceError(f"账号名“{cleaned[:20]}”不可用：最多{NAME_LENGTH}个字，不含空格。")
    return cleaned


def _refuse_weak(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise ServiceError(problem)


def _rewrap(database: Database, name: str, password: str) -> None:
    """An encrypted file: the account's slot in the keyring wraps the data key under this password (only
    that slot changes). Written before the commit: a keyring that cannot be written leaves the account as it was."""
    if database.key is not None and database.path is not None:
        keyring.set_slot(database.path, database.key, name=name, password=password)


def _load(session: Session, name: str) -> Operator:
    account = _account(session, name)
    if account is None:
        raise NotFound(f"没有账号“{name}”。")
    return account


def create_account(
    database: Database,
    *,
    actor: Who,
    name: str,
    role: Role,
    password: str,
    display_name: str = "",
    phone: str = "",
    region_code: str | None = None,
) -> AccountRow:
    """新建账号 (管理员 only, or anyone while no 管理员 exists: that is how the first one is made). An operator
    row from an earlier version with the same name and no password becomes this account."""
    name = _clean_name(name)
    _refuse_weak(password)
    with UnitOfWork(database, actor_name(actor)) as uow:
        session = uow.session
        require(session, actor, (Role.ADMIN,), "管理账号")
        region_id: uuid.UUID | None = None
        if role is Role.VILLAGE_CLERK:
            if not region_code:
                raise ServiceError(f"村级录入员“{name}”须指定所属村（--region 村的12位代码）。")
            village = session.scalar(select(Region).where(Region.code == region_code.strip()))
            if village is None or village.level != "village":
                raise ServiceError(f"没有代码为“{region_code}”的村：村级录入员须属于一个村。")
            region_id = village.id
        elif region_code:
            raise ServiceError(f"只有村级录入员属于某个村；{ROLE_LABELS[role]}“{name}”不填所属村。")
        account = _account(session, name)
        if account is not None and account.password_hash is not None:
            raise ServiceError(f"账号“{name}”已存在（账号不能重名，停用的账号也保留名字）。")
        if account is None:
            account = Operator(name=name, role=role.value)
            session.add(account)
        account.role = role.value
        account.display_name = display_name.strip() or None
        account.phone = phone.strip() or None
        account.region_id = region_id
        account.password_hash = hash_password(password)
        account.disabled = False
        account.failed_attempts = 0
        account.locked_until = None
        session.flush()
        uow.audit("create", "operator", account.id, new=f"{name}（{ROLE_LABELS[role]}）")
        _rewrap(database, name, password)
        uow.commit()
    return next(row for row in list_accounts(database) if row.name == name)


def disable_account(database: Database, *, actor: Who, name: str) -> None:
    """停用: the account can no longer sign in; it stays in the list and in the audit forever."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        current = require(uow.session, actor, (Role.ADMIN,), "管理账号")
        account = _load(uow.session, name)
        if account.name == current.name:
            raise ServiceError("不能停用自己正在使用的账号。")
        account.disabled = True
        uow.audit("update", "operator", account.id, "disabled", "否", "是")
        if database.key is not None and database.path is not None:  # its password no longer opens the file
            keyring.remove_slot(database.path, name=account.name)
        uow.commit()


def reset_password(database: Database, *, actor: Who, name: str, password: str) -> None:
    """重置密码 by a 管理员 (a forgotten password); it also lifts a lock."""
    _refuse_weak(password)
    with UnitOfWork(database, actor_name(actor)) as uow:
        require(uow.session, actor, (Role.ADMIN,), "重置密码")
        account = _load(uow.session, name)
        account.password_hash = hash_password(password)
        account.failed_attempts = 0
        account.locked_until = None
        uow.audit("update", "operator", account.id, "password", None, "（已重置）")
        _rewrap(database, account.name, password)
        uow.commit()


def change_password(database: Database, *, name: str, old_password: str, new_password: str) -> None:
    """修改密码: the account's own, with the old one as proof."""
    _refuse_weak(new_password)
    actor = sign_in(database, name=name, password=old_password)
    with UnitOfWork(database, actor.name) as uow:
        account = _load(uow.session, actor.name)
        account.password_hash = hash_password(new_password)
        uow.audit("update", "operator", account.id, "password", None, "（已修改）")
        _rewrap(database, account.name, new_password)
        uow.commit()


def unlock_account(database: Database, *, actor: Who, name: str) -> None:
    """解锁 an account locked by wrong passwords, before its 15 minutes are up."""
    with UnitOfWork(database, actor_name(actor)) as uow:
        require(uow.session, actor, (Role.ADMIN,), "解锁账号")
        account = _load(uow.session, name)
        account.failed_attempts = 0
        account.locked_until = None
        uow.audit("update", "operator", account.id, "locked_until", None, "（已解锁）")
        if database.key is not None and database.path is not None:
            keyring.clear_lock(database.path, name=account.name)
        uow.commit()


def sign_in(database: Database, *, name: str, password: str, now: datetime | None = None) -> Actor:
    """登录. A wrong password counts; the fifth in a row locks the account for 15 minutes. The count is
    committed even though the sign-in is refused."""
    moment = now or utc_now()
    wrong = SignInRefused("账号或密码不正确。")
    with UnitOfWork(database, name.strip() or "登录") as uow:
        account = _account(uow.session, name.strip())
        if account is None or account.password_hash is None:
            raise wrong
        if account.disabled:
            raise SignInRefused(f"账号“{account.name}”已停用，请与管理员联系。")
        if account.locked_until is not None and account.locked_until > moment:
            minutes = max(1, -(-int((account.locked_until - moment).total_seconds()) // 60))
            raise SignInRefused(
                f"账号“{account.name}”因连续{MAX_FAILURES}次密码错误已锁定，请{minutes}分钟后再试，或请管理员解锁。"
            )
        if not password_matches(password, account.password_hash):
            account.failed_attempts += 1
            locked = locked_until_after_failure(account.failed_attempts, moment)
            if locked is not None:
                account.locked_until = locked
                account.failed_attempts = 0
                uow.audit("update", "operator", account.id, "locked_until", None, locked.strftime("%Y-%m-%d %H:%M"))
            uow.commit()
            if locked is not None:
                raise SignInRefused(f"密码错误{MAX_FAILURES}次，账号“{account.name}”已锁定15分钟（或请管理员解锁）。")
            raise wrong
        if account.failed_attempts or account.locked_until is not None:
            account.failed_attempts = 0
            account.locked_until = None
            uow.commit()
        return _actor_of(account)


DEMO_ACCOUNTS = (
    ("admin", Role.ADMIN, "系统管理员"),
    ("reviewer", Role.REVIEWER, "李审核"),
    ("clerk", Role.TOWNSHIP_CLERK, "张经办"),
    ("village", Role.VILLAGE_CLERK, "村录入员"),
)


def create_demo_accounts(database: Database, *, password: str) -> list[AccountRow]:
    """One account per role for a demo database (``village`` belongs to the first village by code)."""
    with database.session_factory() as session:
        first_village = session.scalar(
            select(Region.code).where(Region.level == "village", Region.code.is_not(None)).order_by(Region.code)
        )
    admin: Who = "演示数据"
    for name, role, shown in DEMO_ACCOUNTS:
        if role is Role.VILLAGE_CLERK and first_village is None:
            continue
        create_account(
            database,
            actor=admin,
            name=name,
            role=role,
            password=password,
            display_name=shown,
            region_code=first_village if role is Role.VILLAGE_CLERK else None,
        )
        if role is Role.ADMIN:
            admin = Actor(name, role, shown)
    return list_accounts(database)
