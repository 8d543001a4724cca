"""The ``fupin-desktop`` command line (DESIGN.md's contract): no command opens the window."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from types import TracebackType

from fupin_desktop import APP_NAME, __version__
from fupin_desktop.cli_text import chinese_help, use_chinese

# One module per command under fupin_desktop/commands; each has register(subparsers) and run(args).
COMMAND_MODULES = (
    "init", "regions", "search", "demo", "template", "import_", "compare", "export", "seal", "verify",
    "station_key", "check", "print_", "backup", "restore", "stats", "user", "package", "info",
    "encrypt", "recover", "profile",
)


def build_parser() -> argparse.ArgumentParser:
    use_chinese()
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="扶贫就业信息采集：农户走访、培训与技工院校意愿、审核公示与上报（离线单机）。不带命令时打开程序窗口。",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="数据库文件（默认在用户数据文件夹中），或县级数据库服务器 postgresql://用户@主机/数据库名",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="以此账号登录（或环境变量 FUPIN_USER）；密码取自环境变量 FUPIN_PASSWORD，未设置时提示输入",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}", help="显示版本号并退出")
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
    chinese_help(parser)
    return parser


def _start_process_logging() -> None:
    """A command run by a user logs to the same scrubbed file as the window, and a bug's traceback on
    stderr is scrubbed too (a database error would otherwise print the values of its statement)."""
    from fupin_desktop.logging_setup import format_exception, setup_logging

    with contextlib.suppress(OSError):  # a read-only profile folder: the command still runs
        setup_logging()

    def scrubbed_hook(
        exc_type: type[BaseException], exc_value: BaseException, exc_tb: TracebackType | None
    ) -> None:
        logging.getLogger("fupin_desktop").critical("未处理的错误（程序缺陷）", exc_info=(exc_type, exc_value, exc_tb))
        print(format_exception(exc_type, exc_value, exc_tb), file=sys.stderr, end="")

    sys.excepthook = scrubbed_hook


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None and args.command is not None:
        _start_process_logging()
    if args.self_test:
        from fupin_desktop.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        from fupin_desktop.ui.app import run_gui

        return run_gui(args.db, measure_startup=args.measure_startup)
    from fupin_desktop.commands import start_command

    start_command(args.user)
    try:
        return int(args.run(args))
    except BrokenPipeError:
        # The reader of the output stopped early (`… | head`): end quietly, not with a traceback, and
        # keep Python from reporting the same closed pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
