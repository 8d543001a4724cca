"""``fupin-desktop user add NAME --role ROLE [--region CODE] | user list | user unlock NAME``, and the other
account steps (``disable``, ``password``): a 管理员's work, signed in with ``--user``."""

from __future__ import annotations

import argparse

from fupin_desktop.commands import fail, guarded, opened, signed_in
from fupin_desktop.domain.accounts import ROLE_LABELS, Role, parse_role

_ROLE_HELP = "、".join(f"{label}（{role.value}）" for role, label in ROLE_LABELS.items())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("user", help="账号：新建、列出、解锁、停用、重置密码（管理员）")
    actions = parser.add_subparsers(dest="user_action", metavar="操作", required=True)
    add = actions.add_parser("add", help="新建账号：密码取自环境变量 FUPIN_NEW_PASSWORD，未设置时提示输入")
    add.add_argument("name", metavar="NAME", help="账号名（登录用，中文或字母）")
    add.add_argument("--role", required=True, metavar="ROLE", help=f"角色：{_ROLE_HELP}")
    add.add_argument("--region", metavar="CODE", help="村级录入员所属村的12位区划代码")
    add.add_argument("--display-name", default="", metavar="姓名", help="显示的姓名（不填则用账号名）")
    add.add_argument("--phone", default="", metavar="电话")
    actions.add_parser("list", help="列出全部账号")
    unlock = actions.add_parser("unlock", help="解锁因密码错误被锁定的账号")
    unlock.add_argument("name", metavar="NAME")
    disable = actions.add_parser("disable", help="停用账号（账号不删除，修改记录中永远保留其名字）")
    disable.add_argument("name", metavar="NAME")
    reset = actions.add_parser("password", help="重置账号的密码：新密码取自 FUPIN_NEW_PASSWORD，未设置时提示输入")
    reset.add_argument("name", metavar="NAME")
    parser.set_defaults(run=run)


def _new_password(name: str) -> str:
    import os
    import sys

    password = os.environ.get("FUPIN_NEW_PASSWORD")
    if password is not None:
        return password
    from fupin_desktop.services.errors import ServiceError

    if not sys.stdin.isatty():  # never FUPIN_PASSWORD: that is the signed-in account's own
        raise ServiceError(f"需要账号“{name}”的新密码：请设置环境变量 FUPIN_NEW_PASSWORD，或在终端中运行以输入。")
    import getpass

    first = getpass.getpass(f"账号“{name}”的新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise ServiceError("两次输入的密码不一致，未作改动。")
    return first


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services import accounts

    action = args.user_action
    with opened(args.db) as database:
        actor = signed_in(args, database)
        if action == "list":
            rows = accounts.list_accounts(database)
            if not rows:
                print("尚无账号：用 user add 账号 --role 管理员 新建第一个管理员。")
            for row in rows:
                state = (
                    "已停用"
                    if row.disabled
                    else "已锁定"
                    if row.locked_until
                    else ""
                    if row.can_sign_in
                    else "未设密码"
                )
                extra = "  ".join(part for part in (row.display_name, row.region_name, row.phone, state) if part)
                print(f"{row.name}  {row.role_label}  {extra}".rstrip())
            return 0
        if action in ("add", "password"):  # refused before the new password is asked for
            database.read(accounts.require, actor, (Role.ADMIN,), "管理账号")
        if action == "add":
            role = parse_role(args.role)
            if role is None:
                return fail(f"错误：没有角色“{args.role}”：可用 {_ROLE_HELP}。")
            row = accounts.create_account(
                database,
                actor=actor,
                name=args.name,
                role=role,
                password=_new_password(args.name),
                display_name=args.display_name,
                phone=args.phone,
                region_code=args.region,
            )
            where = f"，{row.region_name}" if row.region_name else ""
            print(f"已新建账号：{row.name}（{row.role_label}{where}）")
        elif action == "unlock":
            accounts.unlock_account(database, actor=actor, name=args.name)
            print(f"已解锁账号：{args.name}")
        elif action == "disable":
            accounts.disable_account(database, actor=actor, name=args.name)
            print(f"已停用账号：{args.name}")
        else:
            accounts.reset_password(database, actor=actor, name=args.name, password=_new_password(args.name))
            print(f"已重置账号“{args.name}”的密码。")
    return 0
