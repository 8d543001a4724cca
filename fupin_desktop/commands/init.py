"""``fupin-desktop init --admin NAME``: a new, empty station database with its first account."""

from __future__ import annotations

import argparse

from fupin_desktop.commands import fail, guarded, read_password


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("init", help="新建一个空的本站数据库，并登记第一个账号（管理员）")
    parser.add_argument(
        "--admin",
        required=True,
        metavar="NAME",
        help="管理员账号名（也作为本站信息中的操作员）；密码取自环境变量 FUPIN_PASSWORD，未设置时提示输入",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.station import start_station
    from fupin_desktop.store.db import default_database_path, open_database
    from fupin_desktop.store.errors import NotADatabase

    path = args.db if args.db is not None else default_database_path()
    password = read_password(f"管理员“{args.admin}”的密码：")
    try:
        database = open_database(path)
    except NotADatabase as error:
        return fail(f"错误：{error}", 2)
    try:
        started = start_station(database, admin=args.admin, password=password)
    finally:
        database.dispose()
    print(f"已新建本站数据库：{path}（管理员：{started.admin}）")
    print("下一步：打开程序填写本站信息并选择所属县，或用命令 regions import 代码表.xlsx 导入本县的统计用区划代码。")
    return 0
