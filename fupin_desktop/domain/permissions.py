"""Who may do what (权限表): every step that writes, and the roles that may take it. No database here.

This table is the one source: the services check it (``services.accounts.permit``), the window offers or
withholds its buttons and menu entries from it, ``docs/roles.md`` prints it (a test keeps the two equal),
and the role-matrix test walks every operation × every role from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from fupin_desktop.domain.accounts import Role
from fupin_desktop.domain.workflow import State


class Capability(StrEnum):
    """What an account may be allowed to do: one row of the table (the UI's ``ui.operations.Operation`` is
    something else, the runner of a use case)."""

    EDIT_HOUSEHOLDS = "households.edit"
    RECORD_VISIT = "visits.record"
    IMPORT_VILLAGE = "village.import"
    REGISTER_INTENTION = "intentions.register"
    REFER = "intentions.refer"
    RETURN = "intentions.return"
    APPROVE = "intentions.approve"
    REJECT = "intentions.reject"
    PUBLISH_NOTICE = "notices.publish"
    HANDLE_OBJECTION = "notices.objection"
    CLOSE_NOTICE = "notices.close"
    FOLLOW_UP = "followup.record"
    GRANT_SUBSIDY = "subsidies.grant"
    SEAL = "sheets.seal"
    UNLOCK = "sheets.unlock"
    STATION_KEYS = "station_keys.manage"
    EDIT_REGIONS = "regions.edit"
    STATION_SETTINGS = "settings.edit"
    BACKUP_SETTINGS = "backups.folder"
    RESTORE_BACKUP = "backups.restore"
    MANAGE_ACCOUNTS = "accounts.manage"
    EXPORT_PACKAGE = "packages.export"
    IMPORT_PACKAGE = "packages.import"
    DECIDE_EXCHANGE = "packages.decide"


@dataclass(frozen=True)
class Permission:
    """``what`` completes "需要…权限才能{what}"; ``own_village`` means a 村级录入员 only in their own village."""

    what: str
    roles: tuple[Role, ...]
    own_village: bool = False


V, T, R, A = Role.VILLAGE_CLERK, Role.TOWNSHIP_CLERK, Role.REVIEWER, Role.ADMIN

PERMISSIONS: Final[dict[Capability, Permission]] = {
    Capability.EDIT_HOUSEHOLDS: Permission("登记或修改农户和成员", (V, T, R), own_village=True),
    Capability.RECORD_VISIT: Permission("登记走访", (V, T, R), own_village=True),
    Capability.IMPORT_VILLAGE: Permission("导入村表", (V, T, R, A), own_village=True),
    Capability.REGISTER_INTENTION: Permission("登记意愿", (V, T, R), own_village=True),
    Capability.REFER: Permission("推荐", (V, T, R), own_village=True),
    Capability.RETURN: Permission("退回", (T, R)),
    Capability.APPROVE: Permission("审核通过", (R,)),
    Capability.REJECT: Permission("不予通过", (R,)),
    Capability.PUBLISH_NOTICE: Permission("发布公示", (T, R)),
    Capability.HANDLE_OBJECTION: Permission("登记或处理异议", (T, R)),
    Capability.CLOSE_NOTICE: Permission("结束公示", (T, R)),
    Capability.FOLLOW_UP: Permission("登记录取、结业和就业", (T, R)),
    Capability.GRANT_SUBSIDY: Permission("登记补贴发放", (T, R)),
    Capability.SEAL: Permission("封存上报表", (R,)),
    Capability.UNLOCK: Permission("解锁更正", (R,)),
    Capability.STATION_KEYS: Permission("导出或登记站点密钥", (R, A)),
    Capability.EDIT_REGIONS: Permission("维护区划", (A,)),
    Capability.STATION_SETTINGS: Permission("修改本站设置", (A,)),
    Capability.BACKUP_SETTINGS: Permission("设置备份文件夹", (A,)),
    Capability.RESTORE_BACKUP: Permission("恢复备份", (A,)),
    Capability.MANAGE_ACCOUNTS: Permission("管理账号", (A,)),
    Capability.EXPORT_PACKAGE: Permission("导出数据包", (V, T, R, A)),
    Capability.IMPORT_PACKAGE: Permission("导入数据包", (V, T, R)),
    Capability.DECIDE_EXCHANGE: Permission("处理数据交换的冲突、重复和提议", (V, T, R)),
}

STEP_CAPABILITIES: Final[dict[State, Capability]] = {
    State.REFERRED: Capability.REFER,
    State.DRAFT: Capability.REFER,
    State.WITHDRAWN: Capability.REFER,
    State.RETURNED: Capability.RETURN,
    State.APPROVED: Capability.APPROVE,
    State.REJECTED: Capability.REJECT,
    State.IN_NOTICE: Capability.PUBLISH_NOTICE,
    State.NOTICE_PASSED: Capability.CLOSE_NOTICE,
    State.OBJECTION_UPHELD: Capability.HANDLE_OBJECTION,
    State.SUBMITTED: Capability.SEAL,
    State.ENROLLED: Capability.FOLLOW_UP,
    State.COMPLETED: Capability.FOLLOW_UP,
    State.EMPLOYED: Capability.FOLLOW_UP,
}
"""Which operation a workflow step into each state is: 重新登记 and 本人放弃 are recorded by whoever refers."""


def allowed(role: Role | None, operation: Capability) -> bool:
    """Whether ``role`` may take ``operation`` at all (a 村级录入员: somewhere in their village). None is a
    legacy actor on a database without accounts, who may do everything, as in the previous version."""
    return role is None or role in PERMISSIONS[operation].roles


def permission_table() -> list[list[str]]:
    """The table as ``docs/roles.md`` prints it: operation, what, then ✓ / 本村 / — per role."""
    rows = []
    for operation, rule in PERMISSIONS.items():
        marks = []
        for role in Role:
            if role not in rule.roles:
                marks.append("—")
            elif role is Role.VILLAGE_CLERK and rule.own_village:
                marks.append("本村")
            else:
                marks.append("✓")
        rows.append([operation.value, rule.what, *marks])
    return rows
