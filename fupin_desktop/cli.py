"""The ``fupin-desktop`` command line (DESIGN.md's contract): no command opens the window."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from fupin_desktop import __version__

# One module per command under fupin_desktop/commands; each has register(subparsers) and run(args).
COMMAND_MODULES = ("demo", "template", "import_", "compare", "export", "seal", "verify", "print_", "stats")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fupin-desktop",
        description="扶贫就业信息采集：农户走访、培训与技工院校意愿、审核公示与上报（离线单机）。不带命令时打开程序窗口。",
    )
    parser.add_argument("--db", type=Path, metavar="PATH", help="数据库文件（默认在用户数据文件夹中）")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="自检：在临时数据库上（不显示窗口）生成演示数据、打开主窗口、封存并校验一张小表；全部通过时退出码为0",
    )
    parser.add_argument(
        "--measure-startup", action="store_true", help="打开窗口，打印从进程启动到主窗口首次绘制的用时，然后退出"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="命令")
    for name in COMMAND_MODULES:
        importlib.import_module(f"fupin_desktop.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from fupin_desktop.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        from fupin_desktop.ui.app import run_gui

        return run_gui(args.db, measure_startup=args.measure_startup)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
