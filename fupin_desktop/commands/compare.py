"""``fupin-desktop compare ROSTER.xlsx --out OUT.xlsx``: our data against the 建档立卡 roster."""

from __future__ import annotations

import argparse
from pathlib import Path

from fupin_desktop.commands import guarded, opened


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("compare", help="与扶贫部门的建档立卡花名册比对，导出差异（xlsx）")
    parser.add_argument("roster", type=Path, metavar="ROSTER.xlsx", help="扶贫部门的花名册")
    parser.add_argument("--out", type=Path, required=True, metavar="OUT.xlsx", help="比对结果文件")
    parser.add_argument("--region", metavar="CODE", help="只比对该区划（村、乡镇或县的12位代码）内的人员")
    parser.set_defaults(run=run)


@guarded
def run(args: argparse.Namespace) -> int:
    from fupin_desktop.services.roster_compare import compare_roster, export_comparison

    with opened(args.db) as database, database.session_factory() as session:
        comparison = compare_roster(session, args.roster, region_code=args.region)
    out: Path = args.out if args.out.suffix.lower() == ".xlsx" else args.out.with_name(args.out.name + ".xlsx")
    export_comparison(comparison, out)
    for problem in comparison.problems:
        print(problem)
    print(comparison.summary())
    print(f"比对结果已保存：{out}")
    return 0
