"""``fupin-desktop encrypt``: convert a plain database file into an encrypted one (a 管理员 signs in)."""

from __future__ import annotations

import argparse

from fupin_desktop.commands import fail, guarded, read_password


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "encrypt",
        help="把未加密的数据库转换为加密的（管理员以 --user 登录）：先做好并检查加密的副本，再替换原文件",
        description="退出码：0 已加密；1 未加密（没有管理员账号、密码错误、已加密，原文件未改动）；2 找不到文件。"
        "加密后，其他账号须由管理员重置密码后才能登录（它们的密码此前没有经过本命令）。",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    import os

    from fupin_desktop.commands.init import print_recovery_code
    from fupin_desktop.services.encryption import SERVER_REFUSAL, encrypt_database
    from fupin_desktop.store.db import database_path, is_server_address
    from fupin_desktop.store.lockfile import refuse_if_open_in_window

    if is_server_address(args.db):
        return fail(f"错误：{SERVER_REFUSAL}")
    path = database_path(args.db)
    if not path.is_file():
        return fail(f"错误：找不到数据库文件“{path}”。", 2)
    name = args.user or os.environ.get("FUPIN_USER")
    if not name:
        return fail("错误：加密须由管理员进行：请用 --user 管理员账号（或环境变量 FUPIN_USER）登录。")
    refuse_if_open_in_window(path)
    result = encrypt_database(path, name=name, password=read_password(f"账号“{name}”的密码："))
    print(
        f"已加密：{result.path}（{result.households}户、{result.people}人，已检查加密的副本与原文件一致，"
        f"用时{result.seconds:.1f}秒）。钥匙文件：{result.keyring}"
    )
    if result.backups_encrypted:
        print(f"备份文件夹中{len(result.backups_encrypted)}个未加密的备份也已加密。")
    if result.without_slot:
        print(
            f"其他账号（{'、'.join(result.without_slot)}）须由管理员重置密码（user password 账号）"
            "后才能登录加密的数据库。"
        )
    print_recovery_code(result.recovery_code, path)
    return 0
