"""``fupin-desktop verify FILE [--keys DIR]``: 0 exactly as sealed and signed by a known station,
1 altered (saying where), 2 not a sealed sheet, 3 intact but not signed by a known station."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fupin_desktop.commands import fail


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="核验上报表文件（xlsx或PDF）是否与封存时完全一致、由已知站点签名",
        description=(
            "退出码：0 与封存时完全一致且由已知站点签名；1 已被改动（列出改动之处）；2 不是封存的上报表；"
            "3 内容完整但不是由已知站点签名（没有签名、签名不符或站点密钥未知）。"
            "不带 --keys 时使用本数据库知道的密钥（本站的和已登记的）。"
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="xlsx或PDF文件")
    parser.add_argument("--keys", type=Path, metavar="DIR", help="存放各站点密钥文件（.fupinkey）的文件夹")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fupin_desktop.domain.signing import read_key_folder
    from fupin_desktop.export.verify import Verdict, verify_file

    if args.keys is not None:
        if not args.keys.is_dir():
            return fail(f"错误：找不到密钥文件夹“{args.keys}”。", 2)
        keys = read_key_folder(args.keys)
    else:
        from fupin_desktop.commands import opened
        from fupin_desktop.services.station_keys import known_keys_of
        from fupin_desktop.store.db import default_database_path
        from fupin_desktop.store.errors import StoreError

        if args.db is None and not default_database_path().exists():
            keys = []  # no station database on this machine: no key is known (a county uses --keys)
        else:
            try:
                with opened(args.db) as database:
                    keys = known_keys_of(database)
            except StoreError as error:
                return fail(f"错误：{error}（可用 --keys 指定密钥文件夹，不打开数据库）", 2)
    result = verify_file(args.file, keys)
    stream = sys.stdout if result.verdict == Verdict.INTACT else sys.stderr
    print(result.report(), file=stream)
    return int(result.verdict)
