"""``fupin-desktop recover``: the recovery code of an encrypted database.

``recover --user ADMIN``: open it with the recovery code, give the 管理员 a new password and rebuild the
keyring if it was lost. ``recover --new-code --user ADMIN``: 重新生成恢复码 (the file re-keyed, the old code
void, every account still signs in). ``recover --confirm``: the station head has the code on paper."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import fail, guarded


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "recover",
        help="用恢复码打开加密的数据库：为 --user 指定的管理员设新密码（FUPIN_NEW_PASSWORD 或提示输入），"
        "钥匙文件丢失时重建；恢复码取自环境变量 FUPIN_RECOVERY_CODE，未设置时提示输入。"
        "--new-code：重新生成恢复码（管理员以 --user 登录，旧恢复码作废）；--confirm：确认已抄写保管恢复码",
        description="退出码：0 已完成；1 恢复码或密码不正确、账号不是管理员（未作改动）；2 找不到文件或文件未加密。",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--new-code",
        action="store_true",
        help="重新生成恢复码：用新的数据密钥重新加密文件（先做好并检查副本），所有账号照常登录，旧恢复码作废",
    )
    action.add_argument(
        "--confirm", action="store_true", help="确认站长已抄写保管恢复码：输入完整的恢复码（FUPIN_RECOVERY_CODE）"
    )
    parser.set_defaults(run=run)


def _recovery_code() -> str:
    import getpass
    import os
    import sys

    from fupin_desktop.services.errors import ServiceError

    code = os.environ.get("FUPIN_RECOVERY_CODE")
    if code is not None:
        return code
    if not sys.stdin.isatty():
        raise ServiceError("需要恢复码：请设置环境变量 FUPIN_RECOVERY_CODE，或在终端中运行以输入。")
    return getpass.getpass("恢复码（14组，每组4个字符）：")


@guarded
def run(args: argparse.Namespace) -> int:
    import os

    from fupin_desktop.commands.user import _new_password
    from fupin_desktop.services.encryption import is_encrypted_file, recover_with_code
    from fupin_desktop.store.db import database_path, is_server_address
    from fupin_desktop.store.lockfile import refuse_if_open_in_window

    if is_server_address(args.db):
        return fail("错误：服务器上的数据库没有恢复码：本程序只加密数据库文件。")
    path = database_path(args.db)
    if not path.is_file():
        return fail(f"错误：找不到数据库文件“{path}”。", 2)
    if not is_encrypted_file(path):
        return fail(f"错误：数据库“{path.name}”没有加密，不需要恢复码。", 2)
    if args.confirm:
        from fupin_desktop.services.encryption import confirm_recovery_code

        confirm_recovery_code(path, code=_recovery_code())
        print(f"已确认：数据库“{path.name}”的恢复码已抄写保管，不再提醒。")
        return 0
    name = args.user or os.environ.get("FUPIN_USER")
    if not name:
        what = (
            "重新生成恢复码须由管理员进行：请用 --user 管理员账号登录"
            if args.new_code
            else "请用 --user 指定要设新密码的管理员账号"
        )
        return fail(f"错误：{what}。")
    refuse_if_open_in_window(path)
    if args.new_code:
        return _new_code(path, name)
    result = recover_with_code(path, code=_recovery_code(), name=name, new_password=_new_password(name))
    rebuilt = "钥匙文件已重建" if result.rebuilt else "钥匙文件已更新"
    print(f"已用恢复码为管理员“{result.name}”设置新密码，{rebuilt}：{result.keyring}")
    if result.without_slot:
        print(f"其他账号（{'、'.join(result.without_slot)}）须由管理员重置密码后才能登录。")
    return 0


def _new_code(path: Path, name: str) -> int:
    from fupin_desktop.commands import read_password
    from fupin_desktop.commands.init import print_recovery_code
    from fupin_desktop.services.encryption import regenerate_recovery_code

    result = regenerate_recovery_code(path, name=name, password=read_password(f"账号“{name}”的密码："))
    print(
        f"已重新生成恢复码：{result.path}（{result.households}户、{result.people}人，已检查新密钥的副本与原文件一致，"
        f"用时{result.seconds:.1f}秒）。旧恢复码已作废；所有账号照常登录。"
    )
    if result.backups_rekeyed:
        print(f"备份文件夹中{len(result.backups_rekeyed)}个备份也已换用新密钥（旧恢复码也打不开它们）。")
    if result.without_slot:
        print(f"账号（{'、'.join(result.without_slot)}）须由管理员重置密码后才能登录（它们的钥匙是旧格式的）。")
    print_recovery_code(result.recovery_code, path)
    return 0
