"""``fupin-desktop station-key export OUT | import FILE | show``: the station's signing key."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from fupin_desktop.commands import guarded, opened, signed_in

if TYPE_CHECKING:
    from fupin_desktop.services.accounts import Who
    from fupin_desktop.store.db import Database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "station-key",
        help="本站密钥：导出公钥文件（交县局密钥文件夹），登记其他站点的密钥文件，查看指纹",
        description="本站的签名密钥随数据库创建；私钥暂存于数据库中（启用登录后改为由站长账号加密保存）。",
    )
    actions = parser.add_subparsers(dest="key_action", metavar="操作", required=True)
    export = actions.add_parser("export", help="把本站公钥写入文件（OUT为文件或文件夹）")
    export.add_argument("out", type=Path, metavar="OUT")
    export.set_defaults(run=run_export)
    imported = actions.add_parser("import", help="登记另一站点的密钥文件：其签名的上报表核验为“已知站点”")
    imported.add_argument("file", type=Path, metavar="FILE")
    imported.set_defaults(run=run_import)
    show = actions.add_parser("list", help="列出本站密钥和已登记的密钥")
    show.set_defaults(run=run_list)


def _actor(args: argparse.Namespace, database: Database) -> Who:
    return signed_in(args, database)


@guarded
def run_export(args: argparse.Namespace) -> int:
    from fupin_desktop.services.station_keys import export_station_key

    with opened(args.db) as database:
        result = export_station_key(database, actor=_actor(args, database), out=args.out)
    print(f"已导出本站公钥（{result.key.unit_name}，指纹 {result.key.fingerprint}）：{result.path}")
    if result.path.parent != args.out and result.path != args.out:
        print(f"（文件名已加上扩展名 {result.path.suffix}：窗口中“登记其他站点的密钥…”只列出这种文件。）")
    return 0


@guarded
def run_import(args: argparse.Namespace) -> int:
    from fupin_desktop.services.station_keys import register_station_key

    with opened(args.db) as database:
        result = register_station_key(database, actor=_actor(args, database), path=args.file)
    done = "已登记" if result.added else "早已登记"
    print(f"{done}站点密钥：{result.key.unit_name}，指纹 {result.key.fingerprint}")
    return 0


@guarded
def run_list(args: argparse.Namespace) -> int:
    from fupin_desktop.services.station_keys import known_keys_of

    with opened(args.db) as database:
        keys = known_keys_of(database)
    for index, key in enumerate(keys):
        print(f"{'本站' if index == 0 else '已登记'}  {key.fingerprint}  {key.unit_name or '（未填写单位）'}")
    return 0
