"""``fupin-desktop verify FILE``: exit 0 exactly as sealed, 1 altered (saying where), 2 not a sealed sheet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="核验上报表文件（xlsx或PDF）是否与封存时完全一致；不需要原数据库",
        description="退出码：0 与封存时完全一致；1 已被改动（列出改动之处）；2 不是封存的上报表。",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="xlsx或PDF文件")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from fupin_desktop.export.verify import Verdict, verify_file

    result = verify_file(args.file)
    stream = sys.stdout if result.verdict == Verdict.INTACT else sys.stderr
    print(result.report(), file=stream)
    return int(result.verdict)
