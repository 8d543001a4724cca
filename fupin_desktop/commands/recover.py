"""``fupin-desktop recover --user ADMIN``: open an encrypted database with its recovery code, give the
管理员 a new password and rebuild the keyring if it was lost."""

from __future__ import annotations

import argparse

from fupin_desktop.commands import fail, guarded


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "recover",
        help="用恢复码打开加密的数据库：为 --user 指定的管理员设新密码（FUPIN_NEW_PASSWORD 或提示输入），"
        "钥匙文件丢失时重建；恢复码取自环境变量 FUPIN_RECOVERY_CODE，未设置时提示输入",
        description="退出码：0 已恢复；1 恢复码不正确或账号不是管理员（未作改动）；2 找不到文件或文件未加密。",
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
    name = args.user or os.environ.get("FUPIN_USER")
    if not name:
        return fail("错误：请用 --user 指定要设新密码的管理员账号。")
    refuse_if_open_in_window(path)
    result = recover_with_code(path, code=_recovery_code(), name=name, new_password=_new_password(name))
    rebuilt = "钥匙文件已重建" if result.rebuilt else "钥匙文件已更新"
    print(f"已用恢复码为管理员“{result.name}”设置新密码，{rebuilt}：{result.keyring}")
    if result.without_slot:
        print(f"其他账号（{'、'.join(result.without_slot)}）须由管理员重置密码后才能登录。")
    return 0
