"""The ``fupin-desktop`` command line (DESIGN.md's contract): no command opens the window."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from fupin_desktop import __version__

# One module per command under fupin_desktop/commands; each has register(subparsers) and run(args).
COMMAND_MODULES = ("demo", "export", "seal", "verify")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fupin-desktop",
        description="扶贫就业信息采集：农户走访、培训与技工院校意愿、审核公示与上报（离线单机）。不带命令时打开程序窗口。",
    )
    parser.add_argument("--db", type=Path, metavar="PATH", help="数据库文件（默认在用户数据文件夹中）")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="命令")
    for name in COMMAND_MODULES:
        importlib.import_module(f"fupin_desktop.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from fupin_desktop.ui.app import run_gui

        return run_gui(args.db)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
