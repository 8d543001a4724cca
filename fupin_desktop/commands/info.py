"""``fupin-desktop info [--json]``: what the database holds, its schema revision, its site, encrypted or not."""

from __future__ import annotations

import argparse
import dataclasses
import json

from fupin_desktop.commands import fail, guarded, opened


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "info",
        help="数据库概况：区划、农户、人员、走访、各环节意愿、流转记录、上报表的数量，结构版本，站点，是否加密",
    )
    parser.add_argument("--json", action="store_true", help="以JSON输出（供脚本读取）")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.encryption import UNCONFIRMED, recovery_unconfirmed
    from fupin_desktop.services.overview import database_info
    from fupin_desktop.services.station_keys import protection_note
    from fupin_desktop.store.db import database_path, is_server_address

    if not is_server_address(args.db) and not database_path(args.db).is_file():
        return fail(f"错误：找不到数据库文件“{database_path(args.db)}”。", 2)
    with opened(args.db) as database:
        info = database.read(database_info)
        location = database.location
        note = protection_note(database)
        unconfirmed = recovery_unconfirmed(database.path)
    if args.json:
        fields = {
            "database": location,
            **dataclasses.asdict(info),
            "private_key_unprotected": note is not None,
            "recovery_code_unconfirmed": unconfirmed,
        }
        print(json.dumps(fields, ensure_ascii=False, indent=2))
        return 0
    states = "，".join(f"{label}{count}" for label, count in info.intentions_by_state.items() if count)
    print(
        f"数据库：{location}\n"
        f"结构版本：{info.revision or '空'}；站点：{info.site or '未设置'}；加密：{'是' if info.encrypted else '否'}\n"
        f"区划{info.regions}个，农户{info.households}户，人员{info.people}人，走访{info.visits}次\n"
        f"意愿{sum(info.intentions_by_state.values())}条（{states or '无'}）\n"
        f"流转记录{info.transitions}步，上报表{info.submissions}张，审计记录{info.audit_entries}条"
    )
    if note is not None:
        print(f"{note}（fupin-desktop encrypt）")
    if unconfirmed:
        print(
            f"{UNCONFIRMED}（已抄好：fupin-desktop recover --confirm --user 管理员账号；"
            "重新生成：fupin-desktop recover --new-code --user 管理员账号）"
        )
    return 0
