"""Accounts and roles (账号与角色): who may do what, and the password rules. No database here.

Passwords are hashed with Argon2id from the ``cryptography`` package (already a dependency for the
station's signing keys, so nothing new to bundle); the parameters travel in the stored text, so that
they can be raised later without locking anyone out.
"""

from __future__ import annotations

import base64
import hmac
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id


class Role(StrEnum):
    VILLAGE_CLERK = "village_clerk"
    TOWNSHIP_CLERK = "township_clerk"
    REVIEWER = "reviewer"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.VILLAGE_CLERK: "村级录入员",
    Role.TOWNSHIP_CLERK: "乡镇经办人",
    Role.REVIEWER: "审核人（站长）",
    Role.ADMIN: "管理员",
}

MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 4
NAME_LENGTH = 40


def parse_role(text: str) -> Role | None:
    """A role from its code (``reviewer``) or its Chinese label (审核人, 审核人（站长）, 站长…)."""
    cleaned = text.strip()
    for role, label in ROLE_LABELS.items():
        if cleaned in (role.value, label, label.split("（")[0]):
            return role
    if cleaned in ("站长", "审核人(站长)"):
        return Role.REVIEWER
    return None


@dataclass(frozen=True)
class Actor:
    """A signed-in account as the services see it. ``role`` None is a legacy actor: a free-text name on a
    database that has no 管理员 account yet, where nothing is checked (as in the previous version)."""

    name: str
    role: Role | None = None
    display_name: str = ""
    region_id: uuid.UUID | None = None  # the 村级录入员's village (a uuid.UUID); None for the other roles

    @property
    def is_legacy(self) -> bool:
        return self.role is None

    @property
    def label(self) -> str:
        """"李站长（审核人·站长）": one bracket level, the role's own bracket becomes a dot."""
        shown = self.display_name or self.name
        if self.role is None:
            return shown
        return f"{shown}（{ROLE_LABELS[self.role].replace('（', '·').replace('）', '')}）"


def roles_phrase(roles: tuple[Role, ...]) -> str:
    """ "审核人（站长）", "乡镇经办人或审核人（站长）", "村级录入员、乡镇经办人或审核人（站长）"."""
    labels = [ROLE_LABELS[role] for role in roles]
    return labels[0] if len(labels) == 1 else "、".join(labels[:-1]) + "或" + labels[-1]


def role_refusal(actor: Actor, roles: tuple[Role, ...], what: str) -> str | None:
    """Why ``actor`` may not do ``what`` ("需要审核人（站长）权限才能审核通过…"), or None when a legacy actor
    or one of ``roles``."""
    if actor.role is None or actor.role in roles:
        return None
    return f"需要{roles_phrase(roles)}权限才能{what}（当前账号“{actor.name}”是{ROLE_LABELS[actor.role]}）。"


# --- passwords ------------------------------------------------------------------------------------------

_SCHEME = "argon2id"
_MEMORY_KIB = 19 * 1024  # OWASP's minimum for Argon2id (19 MiB, 2 passes): ~50 ms on a township laptop
_PASSES = 2
_LANES = 1
_LENGTH = 32
#: Argon2id's cost (memory in KiB, passes, lanes), shared with the key slots of an encrypted file
#: (domain/keyslots.py): one password, one cost, whether it is checked against a hash or unwraps a key.
ARGON2_COST = (_MEMORY_KIB, _PASSES, _LANES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """``argon2id$m=…,t=…,p=…$salt$hash`` (base64), a fresh random salt each time."""
    salt = os.urandom(16)
    digest = Argon2id(salt=salt, length=_LENGTH, iterations=_PASSES, lanes=_LANES, memory_cost=_MEMORY_KIB).derive(
        password.encode("utf-8")
    )
    return f"{_SCHEME}$m={_MEMORY_KIB},t={_PASSES},p={_LANES}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, params, salt_text, digest_text = stored.split("$")
        values = dict(part.split("=") for part in params.split(","))
        memory, passes, lanes = int(values["m"]), int(values["t"]), int(values["p"])
        salt, expected = _unb64(salt_text), _unb64(digest_text)
    except (ValueError, KeyError):
        return False
    if scheme != _SCHEME:
        return False
    digest = Argon2id(salt=salt, length=len(expected), iterations=passes, lanes=lanes, memory_cost=memory).derive(
        password.encode("utf-8")
    )
    return hmac.compare_digest(digest, expected)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码太短：至少{MIN_PASSWORD_LENGTH}个字符。"
    if len(password) > 200:
        return "密码太长：最多200个字符。"
    return None


def locked_until_after_failure(failures: int, now: datetime) -> datetime | None:
    """The end of the lock once the failures reach :data:`MAX_FAILURES`, otherwise None."""
    return now + LOCK_TIME if failures >= MAX_FAILURES else None
