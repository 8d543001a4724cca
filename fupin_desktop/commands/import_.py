"""``fupin-desktop import FILE.xlsx``: a village sheet into the database, all of it or nothing.

Exit 0: imported (or, with --dry-run, would import cleanly). Exit 1: rejected; every problem is
printed as "第R行 第C列（列名）：message" and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fupin_desktop.commands import guarded, opened, signed_in


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import", help="导入村级采集表（xlsx、xlsm、xls、ods、WPS et或csv）：逐行检查，有错误则整表不导入"
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="村里填好的表格（可以没有户编号：按户主识别各户）")
    parser.add_argument("--village", metavar="CODE", help="村的12位区划代码（不填则按表头中的村名或代码）")
    parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    parser.add_argument(
        "--valid-only",
        action="store_true",
        help="只导入没有错误的户，有错误的行另存为“…-退回.xlsx”交村里修改",
    )
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.imports import import_village

    with opened(args.db, writing=not args.dry_run) as database:
        operator = signed_in(args, database, "命令行导入")
        outcome = import_village(
            database,
            actor=operator,
            path=args.file,
            village_code=args.village,
            dry_run=args.dry_run,
            valid_only=args.valid_only,
        )
    plan, report = outcome.plan, outcome.report
    for problem in report.problems:
        print(problem)
    for line in plan.household_lines(unnumbered_only=True):  # a sheet without 户编号: which rows formed which 户
        print(line)
    errors = [p for p in report.problems if p.is_error]
    if args.dry_run:
        print(report.summary())
        if errors:
            return _refused(len(errors), "（试导入）")
        return 0
    if not report.written:
        if args.valid_only:
            _write_rejected(plan, report)
        print(report.summary())
        return _refused(len(errors), "")
    if report.rejected_rows:
        _write_rejected(plan, report)
    print(report.summary())
    return 0


def _refused(count: int, mode: str) -> int:
    print(f"错误{mode}：表格有{count}处错误，未导入任何数据。请按上面列出的行和列改正后再导入。", file=sys.stderr)
    return 1


def _write_rejected(plan: object, report: object) -> None:
    from fupin_desktop.services.village_import import ImportPlan, ImportReport, send_back

    assert isinstance(plan, ImportPlan) and isinstance(report, ImportReport)
    send_back(plan, report)
    if report.rejected_error is not None:
        print(f"错误：{report.rejected_error}", file=sys.stderr)
        return
    if report.rejected_file is not None:
        print(f"有错误的行已另存为：{report.rejected_file}（“退回原因”列写明了每一处问题，改正后可再次导入）")
