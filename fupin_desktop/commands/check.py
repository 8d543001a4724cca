"""``fupin-desktop check``: the database file's integrity and the audit chain; exit 0 sound, 1 damaged."""

from __future__ import annotations

import argparse

from fupin_desktop.commands import fail, guarded, opened


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="检查数据库文件是否完好、审计记录链是否完整（未在程序之外被改动）",
        description="退出码：0 完好；1 已损坏或被改动（指出第一处问题）。",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.encryption import UNCONFIRMED, recovery_unconfirmed
    from fupin_desktop.services.integrity import check_database
    from fupin_desktop.services.station_keys import protection_note
    from fupin_desktop.store.db import database_path
    from fupin_desktop.store.postgres import is_server_address

    on_server = is_server_address(args.db)
    if not on_server:
        path = database_path(args.db)
        if not path.is_file():
            return fail(f"错误：找不到数据库文件“{path}”。", 2)
    with opened(args.db) as database:
        report = check_database(database)
        note = protection_note(database)
        unconfirmed = recovery_unconfirmed(database.path)
    if not report.sound:
        return fail("数据库检查未通过：\n" + "\n".join(f"  {p}" for p in report.problems))
    # A server keeps its own pages sound (checksums, WAL): the program checks what it wrote there.
    what = "数据库在服务器上，文件完整性检查不适用" if on_server else "文件完整性检查通过"
    print(
        f"数据库完好：{what}；审计记录链完整（{report.entries}条，链头 {report.head}）；"
        f"{report.submissions}张上报表的链头均在链中。"
    )
    if note is not None:  # not damage: the file is sound, but a lost laptop gives away the signing key
        print(f"{note}（fupin-desktop encrypt）")
    if unconfirmed:  # not damage either: the file is sound, but nobody may hold its recovery code
        print(
            f"{UNCONFIRMED}（已抄好：fupin-desktop recover --confirm --user 管理员账号；"
            "重新生成：fupin-desktop recover --new-code --user 管理员账号）"
        )
    return 0
