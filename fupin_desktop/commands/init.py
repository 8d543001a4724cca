"""``fupin-desktop init --admin NAME [--plain]``: a new, empty, encrypted station database with its first account."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import fail, guarded, read_password


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "init", help="新建一个空的本站数据库（加密），并登记第一个账号（管理员）；显示一次恢复码，请打印或抄写后保管"
    )
    parser.add_argument(
        "--admin",
        required=True,
        metavar="NAME",
        help="管理员账号名（也作为本站信息中的操作员）；密码取自环境变量 FUPIN_PASSWORD，未设置时提示输入",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="不加密（只用于测试和练习：不加密的文件丢失后，任何人都能读出其中的身份证号等信息）",
    )
    parser.set_defaults(run=run)


def print_recovery_code(code: str, path: Path | None = None) -> None:
    """The recovery code, shown this once: the station head prints or copies it and keeps the paper safe.
    On a terminal, typing back its last group confirms it (recorded in the keyring of ``path``); until
    then every open of the file reminds that the code may be lost."""
    import sys

    print("恢复码（只显示这一次；请打印或抄写，由站长妥善保管，不要和电脑放在一起）：")
    print(f"  {code}")
    print("忘记全部密码或钥匙文件（.keys）丢失时，只有恢复码能打开此数据库：命令 recover，或登录窗口的“用恢复码打开”。")
    if path is None:
        return
    if sys.stdin.isatty():
        from fupin_desktop.services.encryption import confirm_recovery_code

        typed = input("抄好后请输入恢复码的最后一组（4个字符）以确认，直接回车则以后再确认：").strip().upper()
        if typed and typed == code.rsplit("-", 1)[-1]:
            confirm_recovery_code(path, code=code)
            print("已确认：恢复码已抄写保管。")
            return
        if typed:
            print("最后一组不符，未确认。")
    print(
        "恢复码尚未确认已抄写：抄好后运行 recover --confirm（输入恢复码）确认；"
        "在此之前，程序窗口和 info、check 命令每次都会提醒。"
    )


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.encryption import is_encrypted_file, new_encrypted_database
    from fupin_desktop.services.station import start_station
    from fupin_desktop.store.db import default_database_path, open_database
    from fupin_desktop.store.errors import NotADatabase
    from fupin_desktop.store.keyring import keyring_path

    path = Path(args.db) if args.db is not None else default_database_path()
    password = read_password(f"管理员“{args.admin}”的密码：")
    key = code = None
    fresh = not path.exists() or path.stat().st_size == 0
    if not fresh and is_encrypted_file(path):  # an encrypted station already: the same refusal as for a plain one
        return fail(f"错误：数据库“{path}”已有数据，未作任何改动：新站请指定一个新的文件（--db 新文件）。")
    if fresh and not args.plain:
        from fupin_desktop.domain.accounts import password_problem

        if password_problem(password) is None:  # else start_station refuses it, with the same words as before
            path.parent.mkdir(parents=True, exist_ok=True)
            key, code = new_encrypted_database(path, accounts={args.admin.strip(): password})
    try:
        database = open_database(path, key=key)
    except NotADatabase as error:
        return fail(f"错误：{error}", 2)
    try:
        started = start_station(database, admin=args.admin, password=password)
    except BaseException:
        database.dispose()
        if key is not None:  # nothing of this new station is left behind: no file, no keyring
            path.unlink(missing_ok=True)
            keyring_path(path).unlink(missing_ok=True)
        raise
    database.dispose()
    print(f"已新建本站数据库：{path}（管理员：{started.admin}；{'已加密' if key is not None else '未加密'}）")
    if code is not None:
        print_recovery_code(code, path)
    print("下一步：打开程序填写本站信息并选择所属县，或用命令 regions import 代码表.xlsx 导入本县的统计用区划代码。")
    return 0
